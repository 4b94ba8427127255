/*
 * ab_merge.h: joining partial result sets into one results set.
 *  - A Slurm results folder (ab_slurm.h) is merged in place: the rows of
 *    its parts/ (the latest attempt of every planned run wins; an ok row is
 *    never rerun, so never replaced) become runs.csv, extras.csv,
 *    gbench.csv, runs/, timeline/ and summary.csv in plan order; a planned
 *    run that no task recorded gets a row with status "lost" and Slurm's
 *    account of its task in the note; meta.json gets the state (complete or
 *    partial) and the counts.
 *  - Several results sets (of one machine or of several, possibly Slurm
 *    folders, merged first) are merged into a new folder: the rows keep
 *    their machine column (or take the tag given with SET@TAG), run ids get
 *    the prefix s<K>- of their set, and `report` and `plot` keep machines
 *    apart.
 */
#ifndef AB_MERGE_H
#define AB_MERGE_H

#include "ab_util.h"

/* Merge the parts of a Slurm results folder in place. *nlost receives the
 * planned runs without an ok row (failed or lost; may be NULL). Returns 0,
 * or -1 after one error line (not a Slurm folder, corrupt partial set). */
int ab_merge_slurm_dir(const char *dir, long *nlost);

/* allocbench merge DIR | merge --out OUT SET[@TAG]... */
int ab_cmd_merge(int argc, char **argv, const ab_paths *p);

#endif /* AB_MERGE_H */
