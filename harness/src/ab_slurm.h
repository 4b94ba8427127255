/*
 * ab_slurm.h: the Slurm executor of allocbench, a second implementation of
 * the execute layer (see ab_plan.h): the plan is written into the results
 * folder and submitted as one job array; each array task runs its share of
 * the plan through the same execute and record steps as the local executor
 * (ab_matrix_run_one, ab_record.h) into a partial set of its own; a dependent
 * merge job (ab_merge.h) joins the partial sets into the results set.
 *
 * A Slurm results folder DIR holds, besides the usual files:
 *   plan.tsv               the whole plan (ab_plan_write), written once
 *   plan.args              the arguments of `run`, one per line
 *   slurm/attempt-K.tsv    the runs (plan indexes) that attempt K submitted:
 *                          attempt 0 every run, each `resume` the missing and
 *                          failed ones
 *   slurm/attempt-K.jobs   "array=<job id> tasks=<N> merge=<job id>"
 *   slurm/aK-*.out         the output of the jobs of attempt K
 *   parts/aK-tI/           the partial set of task I of attempt K: runs.csv,
 *                          extras.csv, gbench.csv, runs/, timeline/,
 *                          topology.xml and task.txt (host, job, CPU set,
 *                          state: running, done or interrupted)
 */
#ifndef AB_SLURM_H
#define AB_SLURM_H

#include "ab_matrix.h"

/* Check, before anything is written, that sbatch, squeue and scontrol are
 * on the PATH, that the controller answers and that the partition exists.
 * Returns 0, or -1 after one error line. */
int  ab_slurm_preflight(const ab_run_opts *o);

/* Write plan.tsv, plan.args and attempt 0 into dir (a results folder that
 * `run` has created, with meta.json) and submit them; with o.wait, wait for
 * the merge. argv[0..argc) are run's arguments after the command name.
 * Returns run's exit status. */
int  ab_slurm_submit(const ab_matrix *m, const ab_paths *p, const char *dir, int argc, char **argv);

/* allocbench run-task DIR ATTEMPT TASK NTASKS (inside an array task). */
int  ab_cmd_run_task(int argc, char **argv, const ab_paths *p);
/* allocbench resume DIR [--wait] */
int  ab_cmd_resume(int argc, char **argv, const ab_paths *p);

#endif /* AB_SLURM_H */
