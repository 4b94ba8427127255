/*
 * ab_matrix.h: the matrix of a `run` (its options, its workloads, its
 * probed allocators) and the execute step of one planned run, shared by
 * the local executor (ab_run.c) and the Slurm executor (ab_slurm.c).
 */
#ifndef AB_MATRIX_H
#define AB_MATRIX_H

#include "ab_alloc.h"
#include "ab_plan.h"
#include "ab_record.h"
#include "ab_util.h"
#include "ab_wl.h"

#define AB_MAX_THREADS 64
#define AB_MAX_EXTRA   16


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
int  ab_matrix_run_one(const ab_matrix *m, const ab_paths *p, const char *dir, const ab_plan_run *pr, int runno,
                ab_record *rec, int tty);

/* The machine column of runs.csv: "<CPU model>; <N> CPUs; Linux <kernel>"
 * without commas or double quotes. Free the result. */
struct ab_machine;
char *ab_matrix_machine_label(const struct ab_machine *mc);

/* run's --help text. */
extern const char *const ab_matrix_run_help;

/* Parse run's options (argv[0] is the command name) into o; calib_only:
 * calibrate's subset. Returns 0, 1 for --help, or -1 after one error line. */
int ab_matrix_parse_opts(int argc, char **argv, ab_run_opts *o, int calib_only);

/* argv for one run of w: binary --threads N --pin P <args of suite>
 * [gbench output flags when gbench_out]; NULL-terminated, free with
 * ab_argv_free. */
char **ab_matrix_argv(const ab_workload *w, const char *root, const char *suite, int threads,
                      const char *pin, const char *gbench_out);

#endif /* AB_MATRIX_H */
