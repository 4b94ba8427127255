/*
 * ab_plan.h: the plan layer of allocbench: which runs a matrix needs and in
 * what order. `run` (and later `regress` and the cluster executor) compose
 * the same layers: plan (this) -> execute (ab_exec.h runs one run; the
 * local executor in ab_run.c walks the plan) -> record (ab_record.h) ->
 * summarise and judge (ab_record_summary, ab_report.h, ab_judge.h).
 */
#ifndef AB_PLAN_H
#define AB_PLAN_H

#include <stddef.h>

/* One run of the matrix. Indexes refer to the caller's arrays of
 * workloads, thread counts and allocators. */
typedef struct ab_plan_run {
    int wl, ti, alloc;   /* workload, thread-count and allocator indexes */
    int round;           /* 0-based repetition round */
    int rep;             /* 1-based repetition; 0 for a warm-up run */
    int warm;            /* 1: unmeasured warm-up run */
    int warm_no;         /* 1-based warm-up number (warm-up runs only) */
} ab_plan_run;

/* The whole matrix in execution order. Invariants: runs are grouped by
 * round, rounds ascending (a budget stops between rounds, so every cell
 * keeps the same count); inside a round, workload by workload, thread count
 * by thread count, and for each the warm-up runs (round 0 only, allocators
 * taken in turn) and then every allocator once, in order (A B C A B C ...),
 * or with abba in reverse order in odd rounds (A B, B A, A B: each pair of
 * rounds is balanced against drifts in the machine's speed);
 * n == nwl * nth * (warmup + reps * nal). */
typedef struct ab_plan {
    ab_plan_run *v;
    long n;
    int nwl, nth, nal, reps, warmup, abba;
} ab_plan;

/* Build the plan. Returns 0, or -1 for a count below its minimum (nwl, nth,
 * nal, reps >= 1; warmup >= 0). */
int  ab_plan_build(ab_plan *p, int nwl, int nth, int nal, int reps, int warmup, int abba);
/* Index of the first run of round r (n when r is past the last round). */
long ab_plan_round_start(const ab_plan *p, int r);
void ab_plan_free(ab_plan *p);

/* The plan as a file (plan.tsv of a results folder that another executor
 * runs: the Slurm executor's tasks, merge and resume): one header line,
 * then one line per run in plan order,
 *   run workload threads allocator round rep warmup warm_no
 * run is the 1-based plan index (the run's id is r<run, 5 digits>). */
typedef struct ab_plan_file_run {
    char *workload, *allocator;
    int threads, round, rep, warm, warm_no;
} ab_plan_file_run;

/* Invariant: v[i] is run i + 1; every string is non-empty. */
typedef struct ab_plan_file {
    ab_plan_file_run *v;
    long n;
} ab_plan_file;

/* Write p with the names of its indexes. Returns 0, or -1 (errno set). */
int  ab_plan_write(const ab_plan *p, const char *path, const char *const *wl_names, const int *threads,
                   const char *const *al_names);
/* Read a plan file. Returns 0, or -1 with a reason in err. */
int  ab_plan_read(const char *path, ab_plan_file *f, char *err, size_t errn);
void ab_plan_file_free(ab_plan_file *f);

/* Split runs[0..n) (1-based plan indexes into f) between at most ntasks
 * tasks (0: as many as there are groups), a group being one workload at one
 * thread count, so that all allocators of a cell group (and its warm-up
 * runs) run on the same node, one after the other. task_of[i] receives the
 * task of runs[i]. Returns the number of tasks used (>= 1 when n >= 1). */
int  ab_plan_shares(const ab_plan_file *f, const long *runs, long n, int ntasks, int *task_of);

#endif /* AB_PLAN_H */
