/*
 * ab_run.h: the `run`, `calibrate` and `list` commands: the allocator x
 * workload x threads x repetition matrix (ab_matrix.h), executed by the
 * local executor (here) or the Slurm executor (ab_slurm.h), written as tidy
 * CSV into a new results folder.
 */
#ifndef AB_RUN_H
#define AB_RUN_H

#include "ab_matrix.h"

int ab_cmd_run(int argc, char **argv, const ab_paths *p);
int ab_cmd_calibrate(int argc, char **argv, const ab_paths *p);
int ab_cmd_list(int argc, char **argv, const ab_paths *p);

#endif /* AB_RUN_H */
