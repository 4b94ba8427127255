/* ab_regress.h: `allocbench regress`, the regression gate (ab_regress.c). */
#ifndef AB_REGRESS_H
#define AB_REGRESS_H

#include "ab_run.h"

/* argv[0] is "regress". Returns the exit status: 0 pass, 1 regression,
 * 2 inconclusive or error. */
int ab_cmd_regress(int argc, char **argv, const ab_paths *p);

#endif /* AB_REGRESS_H */
