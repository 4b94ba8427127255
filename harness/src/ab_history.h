/*
 * ab_history.h: the regression gate over commits (ab_history.c).
 *
 *   allocbench regress history add JSON [--file F] [--commit REV] [--repo DIR]
 *   allocbench regress history plot [--file F] [--out DIR]
 *   allocbench regress history show [--file F]
 *   allocbench regress bisect GOOD BAD --cell CELL [--rounds K] [--suite S] [--repo DIR]
 *
 * `history` keeps one JSON line per commit (the gate's `--json` output with
 * the commit's hash, date and subject) in results/regress/history.jsonl and
 * draws the trend of every cell; `bisect` runs `git bisect run` in a
 * temporary worktree with the gate on one cell as the test.
 */
#ifndef AB_HISTORY_H
#define AB_HISTORY_H

#include "ab_run.h"

/* argv[0] is "history". Returns the exit status: 0 done, 1 a figure could
 * not be drawn, 2 bad input (a corrupt file gives one line and changes
 * nothing). */
int ab_history_cmd(int argc, char **argv, const ab_paths *p);

/* argv[0] is "bisect". Returns 0 when the first bad commit was found (the
 * last line on stdout names it), 2 on bad input or when bisect could not
 * decide, 130 after SIGINT or SIGTERM. The hidden form
 * `bisect --step TMPDIR ...` is the test that git bisect run calls:
 * exit 0 good, 1 bad, 125 skip. */
int ab_history_bisect(int argc, char **argv, const ab_paths *p);

#endif /* AB_HISTORY_H */
