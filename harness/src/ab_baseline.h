/*
 * ab_baseline.h: the committed baseline of the regression gate
 * (`allocbench regress --baseline FILE`, harness/README.md).
 *
 * The file is JSON, written with one cell per line and sorted by name so
 * that `--update-baseline` shows as a reviewable diff:
 *
 *   {"schema": 1,
 *    "fingerprint": {"cpu": ..., "kernel": ..., "compiler": ..., "libc": ...,
 *                    "allocbench": ..., "workload:<name>": "<hash>", ...},
 *    "cells": [{"cell": "glibc-simple t=1 instructions", "kind": "instructions",
 *               "value": 7324021, "aa": [0, 0.0012, ...]}, ...],
 *    "acks": [{"cell": ..., "reason": ..., "expires": "YYYY-MM-DD"}, ...]}
 *
 * value: the deterministic value of the cell (instruction cells: the head's
 * median when the file was last updated); absent for the others. aa: the
 * cell's A/A effects, log ratios (ab_judge.h), the most recent last.
 * The fingerprint's workload entries hash the code of the workload binary
 * (its executable segments) and its arguments, so that a rebuilt but
 * unchanged workload keeps its hash.
 */
#ifndef AB_BASELINE_H
#define AB_BASELINE_H

#include "ab_wl.h"

#include <stddef.h>

#define AB_BASELINE_SCHEMA 1
#define AB_BASELINE_MAX_AA 40    /* A/A effects kept per cell */

/* One fingerprint entry. Invariant: key and value are non-empty heap strings. */
typedef struct ab_bl_kv {
    char *key, *value;
} ab_bl_kv;

/* One cell. Invariants: name and kind are heap strings; aa has naa finite
 * values (0 <= naa <= AB_BASELINE_MAX_AA) or is NULL with naa == 0; value is
 * meaningful only when has_value. */
typedef struct ab_bl_cell {
    char *name, *kind;
    int has_value;
    double value;
    double *aa;
    int naa;
} ab_bl_cell;

/* An acknowledged regression: the cell may regress until expires (a date,
 * YYYY-MM-DD, inclusive). Invariant: all three are heap strings, expires
 * well formed. */
typedef struct ab_bl_ack {
    char *cell, *reason, *expires;
} ab_bl_ack;

/* A whole baseline. Invariant: arrays hold the given counts; cell names
 * and fingerprint keys are unique. */
typedef struct ab_baseline {
    int schema;
    ab_bl_kv *fp;      int nfp;
    ab_bl_cell *cells; int ncells;
    ab_bl_ack *acks;   int nacks;
} ab_baseline;

/* Read path into *b. Returns 0; 1 when the file does not exist (*b empty);
 * -1 after one error line (unreadable, not JSON, another schema, a field of
 * the wrong type). */
int ab_baseline_load(const char *path, ab_baseline *b);

/* Write b to path atomically (a temporary file renamed over it), cells
 * sorted by name. Returns 0, or -1 after one error line. */
int ab_baseline_save(const char *path, ab_baseline *b);

void ab_baseline_free(ab_baseline *b);

/* The fingerprint of this machine and build for workloads[0..nw) of all,
 * with the arguments of suite (and the smoke arguments the instruction
 * cells use), into b->fp (replacing it). root: the repository root. */
void ab_baseline_fingerprint(ab_baseline *b, const char *root, const ab_wlset *all, char *const *workloads,
                             int nw, const char *suite);

/* Set (add or replace) one fingerprint entry. */
void ab_baseline_fp_set(ab_baseline *b, const char *key, const char *value);

/* Compare the fingerprints: every key of now must be in stored with the
 * same value, except workload entries that stored lacks (a workload new to
 * the baseline). Returns 0 when they agree, else 1 with one line naming the
 * first difference in why[0..n). */
int ab_baseline_fp_mismatch(const ab_baseline *stored, const ab_baseline *now, char *why, size_t n);

/* The cell named name, or NULL; with create, a new empty cell of kind. */
ab_bl_cell *ab_baseline_cell(ab_baseline *b, const char *name, const char *kind, int create);

/* Append an A/A effect to a cell, dropping the oldest beyond AB_BASELINE_MAX_AA. */
void ab_baseline_add_aa(ab_bl_cell *c, double effect);

/* The acknowledgement of cell, or NULL. *expired (may be NULL) is set when
 * it exists but its date is before today (YYYY-MM-DD). */
const ab_bl_ack *ab_baseline_ack(const ab_baseline *b, const char *cell, const char *today, int *expired);

/* Drop the acknowledgements that expired before today. Returns how many. */
int ab_baseline_drop_expired(ab_baseline *b, const char *today);

#endif /* AB_BASELINE_H */
