/*
 * ab_record.h: the record layer of allocbench (see ab_plan.h for the
 * layers): turns one executed run (ab_exec.h) into rows with provenance in a
 * results folder: runs.csv, extras.csv, gbench.csv; and at the end
 * summary.csv, one row per cell.
 */
#ifndef AB_RECORD_H
#define AB_RECORD_H

#include "ab_alloc.h"
#include "ab_exec.h"
#include "ab_wl.h"

#include <stdio.h>

/* What every row of a set shares. Strings are borrowed and must outlive the
 * recorder. */
typedef struct ab_record_ctx {
    const char *dir;                 /* the results folder being written */
    const char *host, *machine;      /* machine columns */
    const char *suite, *pin;
    double disturbed_frac, disturbed_floor_s, timeout_s;
} ab_record_ctx;

/* A recorded run, kept for the summary. */
typedef struct ab_record_row {
    int alloc, wl, threads, rep, warmup, ok, disturbed;
    double value, wall, maxrss_kb;
} ab_record_row;

/* One run to record: which cell, and what the executor saw. */
typedef struct ab_record_run_in {
    const char *run_id;
    const ab_alloc *alloc;
    int alloc_index;
    const ab_workload *wl;
    int wl_index, threads, rep, warm;
    const char *argv0;                        /* for the spawn-error note */
    const ab_exec_result *er;
    const char *outp, *errp, *jsonp;          /* the run's stdout, stderr and gbench JSON files */
} ab_record_run_in;

/* Invariants: the three files are open between ab_record_open and
 * ab_record_close; rows[0..nrows) are the runs recorded so far, in order;
 * nfail and ndist count the failed and the disturbed ones among them. */
typedef struct ab_record {
    ab_record_ctx c;
    FILE *runs, *extras, *gbench;
    ab_record_row *rows;
    long nrows, cap;
    long nfail, ndist;
} ab_record;

/* Create the three CSV files with their headers. Returns 0, or -1 after
 * one error line. */
int  ab_record_open(ab_record *r, const ab_record_ctx *c);
/* Judge one run (ok, or why not: exit, crash, timeout, mismatch between the
 * allocator the workload names and the one asked for, missing result, ...),
 * flag it disturbed by the foreign-CPU rule, and append its rows (flushed).
 * status and note (at least 512 bytes) receive the status and the note.
 * Returns the recorded row. */
const ab_record_row *ab_record_run(ab_record *r, const ab_record_run_in *in, const char **status, char *note);
/* summary.csv in the results folder: for every cell (workload x threads x
 * allocator, in the given order) with a measured run, counts and medians. */
void ab_record_summary(const ab_record *r, const ab_alloc *al, int nal, const ab_workload *const *wls, int nwl,
                       const int *threads, int nth);
void ab_record_close(ab_record *r);

/* The columns of runs.csv, in order; *n receives their count. */
const char *const *ab_record_columns(int *n);

#endif /* AB_RECORD_H */
