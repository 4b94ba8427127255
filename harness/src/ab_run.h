/*
 * ab_run.h: the `run` and `calibrate` commands: the allocator x workload x
 * threads x repetition matrix, written as tidy CSV into a new results
 * folder.
 */
#ifndef AB_RUN_H
#define AB_RUN_H

#include "ab_alloc.h"
#include "ab_plan.h"
#include "ab_record.h"
#include "ab_wl.h"

#define AB_MAX_THREADS 64
#define AB_MAX_EXTRA   16

/* Paths the commands need. Invariant: all absolute. */
typedef struct ab_paths {
    const char *root;     /* repository root */
    const char *exedir;   /* folder of the allocbench binary (has ab-probe) */
} ab_paths;

/* Options of `run`. Invariant after parsing: nthreads >= 1, reps >= 1,
 * sample_ms >= 1, timeout_s > 0, suite is quick|full|smoke; partition,
 * sbatch_args, tasks, share and wait are set only with slurm (the
 * executor: 0 local, 1 Slurm). Strings are borrowed from argv. */
typedef struct ab_run_opts {
    const char *allocators, *workloads, *threads_s, *pin, *suite, *out;
    int threads[AB_MAX_THREADS], nthreads;
    int reps, warmup, sample_ms, calibrate, summary;
    int abba;              /* --order abba: odd rounds take the allocators in reverse order */
    double timeout_s, disturbed_frac, disturbed_floor_s, budget_s;
    char *registry[AB_MAX_EXTRA];
    int nregistry;
    int slurm;             /* --executor slurm */
    const char *partition, *sbatch_args;
    int tasks, share, wait;
} ab_run_opts;

/* A matrix ready to execute: options, workloads (pointers into all) and
 * allocators, every allocator probed. Invariant after ab_matrix_load
 * returns 0: nwl >= 1, nal >= 1, every workload binary is executable;
 * a plan built from it indexes wls[0..nwl), o.threads[0..o.nthreads) and
 * al[0..nal). */
typedef struct ab_matrix {
    ab_run_opts o;
    ab_wlset all;
    const ab_workload **wls;
    int nwl;
    ab_alloc *al;
    int nal;
} ab_matrix;

/* Parse run's options (argv[0] is the command name) and load the matrix.
 * Returns 0, 1 for --help (nothing loaded), or -1 after one error line. */
int  ab_matrix_load(ab_matrix *m, int argc, char **argv, const ab_paths *p);
void ab_matrix_free(ab_matrix *m);

/* The execute step of one planned run, shared by the executors: run it
 * (ab_exec.h) with its output under dir/runs/ and dir/timeline/ named
 * r<runno, 5 digits>, and record it (ab_record.h). tty: progress lines
 * are rewritten in place. Returns 0, or -1 when allocbench was interrupted
 * during the run (nothing recorded). */
int  ab_run_one(const ab_matrix *m, const ab_paths *p, const char *dir, const ab_plan_run *pr, int runno,
                ab_record *rec, int tty);

/* The machine column of runs.csv: "<CPU model>; <N> CPUs; Linux <kernel>"
 * without commas or double quotes. Free the result. */
struct ab_machine;
char *ab_run_machine_label(const struct ab_machine *mc);

int ab_cmd_run(int argc, char **argv, const ab_paths *p);
int ab_cmd_calibrate(int argc, char **argv, const ab_paths *p);
int ab_cmd_list(int argc, char **argv, const ab_paths *p);

#endif /* AB_RUN_H */
