/*
 * ab_report.h: reading a results folder back: per-cell medians, the ratio
 * table against jemalloc that `make bench` prints, and the Google
 * Benchmark JSON of gbench workloads turned into tidy CSV rows.
 */
#ifndef AB_REPORT_H
#define AB_REPORT_H

#include <stdio.h>

#include "ab_csv.h"

/* Median of the measured, successful runs of one cell.
 * Invariant: n is the number of runs used; when n == 0 the medians are 0. */
typedef struct ab_cell {
    char  *allocator, *workload, *better, *metric, *unit;
    int    threads;
    int    n, nfail, ndisturbed;
    double value, value_min, value_max, wall, maxrss_kb;
} ab_cell;

/* All cells of a runs.csv table, in first-seen order. */
typedef struct ab_cells {
    ab_cell *v;
    int      n;
} ab_cells;

/* Build cells from a loaded runs.csv. -1 if a required column is absent. */
int  ab_cells_from(const ab_table *runs, ab_cells *c);
void ab_cells_free(ab_cells *c);
const ab_cell *ab_cells_find(const ab_cells *c, const char *alloc, const char *wl, int threads);

/* Print the ratio tables for dir/runs.csv. 0 on success. */
int  ab_report_print(const char *dir, FILE *out);
int  ab_cmd_report(int argc, char **argv);

/* gbench.csv */
void ab_gbench_header(FILE *f);
/* Parse the "benchmarks" array of a Google Benchmark JSON text and write
 * one row per non-aggregate entry. Returns the number of rows, -1 if the
 * text is not such a JSON document. */
int  ab_gbench_rows(FILE *f, const char *json, const char *run_id, const char *alloc,
                    const char *wl, int threads, int rep, int warmup);

#endif /* AB_REPORT_H */
