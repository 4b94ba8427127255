/*
 * ab_plot.h: `allocbench plot <results-dir>`: derive small .dat files from
 * the CSV files of a results folder (runs.csv, timeline/, extras.csv,
 * gbench.csv, calibration.csv) and draw every figure with the gnuplot
 * scripts in scripts/, as PNG and PDF, into <results-dir>/figures/.
 */
#ifndef AB_PLOT_H
#define AB_PLOT_H

#include "ab_run.h"

int ab_cmd_plot(int argc, char **argv, const ab_paths *p);

#endif /* AB_PLOT_H */
