/*
 * ab_main.c: allocbench, the allocator benchmark harness.
 *   allocbench run | list | calibrate | plot | report | claims | regress | merge | resume
 */
#include "ab_history.h"
#include "ab_merge.h"
#include "ab_plot.h"
#include "ab_regress.h"
#include "ab_report.h"
#include "ab_run.h"
#include "ab_slurm.h"
#include "ab_util.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *main_help =
"usage: allocbench <command> [options]   (allocbench <command> --help for details)\n"
"  run        run allocators x workloads x threads x reps; write a new results folder\n"
"  list       list the allocators and workloads\n"
"  calibrate  measure the parallel speedup of a pure-CPU kernel per thread count\n"
"  plot DIR   draw every figure of a results folder (PNG and PDF)\n"
"  report DIR print the ratio tables against jemalloc\n"
"  regress    judge head against base for regressions (exit 0 pass, 1 regression, 2 inconclusive)\n"
"  regress history add|plot|show   the gate's results per commit, and their trend\n"
"  regress bisect GOOD BAD --cell CELL   the first commit where a cell of the gate regresses\n"
"  merge      merge partial sets (a Slurm job array's, several machines') into one set\n"
"  resume DIR submit again the missing and failed runs of a Slurm results folder\n"
"  claims DIR judge claims C1-C10 of BSDCan 2006 from a `make reproduce` set\n"
"             (writes DIR/claims.md and DIR/claims.csv; scripts/reproduce.py)\n"
"The repository root is found from the binary's location (build/harness/allocbench);\n"
"ALLOCBENCH_ROOT overrides it.\n";

/* claims DIR: the evaluation lives with the reproduction's driver. */
static int main_claims(int argc, char **argv, const ab_paths *p)
{
    if (argc != 1 || argv[0][0] == '-') {
        ab_err("usage: allocbench claims DIR (a results set written by make reproduce)");
        return 2;
    }
    char *script = ab_xasprintf("%s/scripts/reproduce.py", p->root);
    execlp("python3", "python3", script, "claims", argv[0], (char *)NULL);
    ab_err("claims: cannot run python3 %s", script);
    free(script);
    return 2;
}

int main(int argc, char **argv)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) { ab_err("cannot find my own path"); return 2; }
    exe[n] = '\0';
    char *exedir = ab_xstrdup(dirname(exe));
    char *root;
    const char *env = getenv("ALLOCBENCH_ROOT");
    char buf[PATH_MAX];
    if (env && *env) {
        if (!realpath(env, buf)) { ab_err("ALLOCBENCH_ROOT=%s does not exist", env); return 2; }
        root = ab_xstrdup(buf);
    } else {
        char *up = ab_xasprintf("%s/../..", exedir);
        if (!realpath(up, buf)) { ab_err("cannot find the repository root from %s", exedir); return 2; }
        free(up);
        root = ab_xstrdup(buf);
    }
    ab_paths p = { root, exedir };
    int rc;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        rc = argc < 2 ? 2 : 0;
    } else if (!strcmp(argv[1], "run")) rc = ab_cmd_run(argc - 1, argv + 1, &p);
    else if (!strcmp(argv[1], "list")) rc = ab_cmd_list(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "calibrate")) rc = ab_cmd_calibrate(argc - 1, argv + 1, &p);
    else if (!strcmp(argv[1], "plot")) rc = ab_cmd_plot(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "report")) rc = ab_cmd_report(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "claims")) rc = main_claims(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "regress") && argc > 2 && !strcmp(argv[2], "history")) rc = ab_history_cmd(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "regress") && argc > 2 && !strcmp(argv[2], "bisect")) rc = ab_history_bisect(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "regress")) rc = ab_cmd_regress(argc - 1, argv + 1, &p);
    else if (!strcmp(argv[1], "merge")) rc = ab_cmd_merge(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "resume")) rc = ab_cmd_resume(argc - 2, argv + 2, &p);
    else if (!strcmp(argv[1], "run-task")) rc = ab_cmd_run_task(argc - 2, argv + 2, &p);   /* inside a Slurm array task */
    else { ab_err("unknown command '%s' (run, list, calibrate, plot, report, claims, regress, merge, resume)", argv[1]); rc = 2; }
    free(root);
    free(exedir);
    return rc;
}
