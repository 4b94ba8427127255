/*
 * ab_wl.h: the workload registry, read from workloads.tsv files
 * (tab-separated, one header line, columns
 *  name binary kind metric better quick_args full_args smoke_args).
 */
#ifndef AB_WL_H
#define AB_WL_H

/* One workload. Invariants: name and binary non-empty; kind is "c" or
 * "gbench"; better is "higher" or "lower"; the *_args strings are never
 * NULL ("" when the column is empty or "-"); source is the TSV file. */
typedef struct ab_workload {
    char *name, *binary, *kind, *metric, *better;
    char *quick_args, *full_args, *smoke_args;
    char *source;
} ab_workload;

/* A set of workloads. Invariant: names are unique; order is file order. */
typedef struct ab_wlset {
    ab_workload *v;
    int          n;
} ab_wlset;

/* Load one TSV file, appending to s. Returns 0, or -1 after one error line
 * (unreadable, missing column, bad kind/better, duplicate name). */
int  ab_wl_load(ab_wlset *s, const char *path);
/* Load root/workloads/workloads.tsv and root/workloads/ * /workloads.tsv
 * (those that exist), then every extra file. */
int  ab_wl_load_default(ab_wlset *s, const char *root, char **extra, int nextra);
const ab_workload *ab_wl_find(const ab_wlset *s, const char *name);
/* The arguments for a suite: "quick", "full" or "smoke". */
const char *ab_wl_args(const ab_workload *w, const char *suite);
void ab_wl_free(ab_wlset *s);

#endif /* AB_WL_H */
