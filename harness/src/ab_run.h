/*
 * ab_run.h: the `run` and `calibrate` commands: the allocator x workload x
 * threads x repetition matrix, written as tidy CSV into a new results
 * folder.
 */
#ifndef AB_RUN_H
#define AB_RUN_H

/* Paths the commands need. Invariant: all absolute. */
typedef struct ab_paths {
    const char *root;     /* repository root */
    const char *exedir;   /* folder of the allocbench binary (has ab-probe) */
} ab_paths;

int ab_cmd_run(int argc, char **argv, const ab_paths *p);
int ab_cmd_calibrate(int argc, char **argv, const ab_paths *p);
int ab_cmd_list(int argc, char **argv, const ab_paths *p);

#endif /* AB_RUN_H */
