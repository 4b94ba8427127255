/*
 * ab_regress.c: `allocbench regress`, the regression gate (first form).
 *
 *   allocbench regress --base SPEC --head SPEC [--workloads L] [--threads L]
 *                      [--rounds K] [--suite S] [--budget S] [--seed N]
 *
 * SPEC: an allocbench allocator name (glibc, tide, jemalloc, ...), a library
 * (`name=/path/lib.so`), or `tide@REV`: tide at git revision REV, built in a
 * temporary worktree. It composes the layers of `run` (ab_plan.h): the two
 * allocators are planned and executed together, interleaved A B, B A in
 * alternate rounds on the same CPUs (`run --order abba`), recorded into one
 * results set; then every cell (workload x threads x metric: the workload's
 * value, peak RSS) is judged by ab_judge.h from the pairs of the same round.
 * Disturbed runs are dropped from the pairs; cells short of pairs get a
 * second pass.
 *
 * Exit status: 0 pass, 1 a cell regressed, 2 inconclusive or harness error
 * (fail closed: a cell with fewer than 3 pairs, a failed run, bad input).
 * The report is a Markdown table on stdout, also appended to
 * $GITHUB_STEP_SUMMARY when set, with a GitHub `::error` line per
 * regressed cell.
 */
#include "ab_regress.h"
#include "ab_alloc.h"
#include "ab_baseline.h"
#include "ab_csv.h"
#include "ab_judge.h"
#include "ab_util.h"
#include "ab_wl.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *regress_help =
"usage: allocbench regress --base SPEC --head SPEC [options]\n"
"Run base and head interleaved (A B, B A) on the same CPUs and judge every cell\n"
"(workload x threads x metric) for a regression of head against base.\n"
"\n"
"  SPEC               an allocator name (glibc, jemalloc, tcmalloc, mimalloc, tide, ...),\n"
"                     name=/path/lib.so, or tide@REV (tide at git revision REV, built in\n"
"                     a temporary worktree)\n"
"  --workloads LIST   workloads (default: larson,threadtest,glibc-simple,fragprobe-small)\n"
"  --threads LIST     thread counts (default 1)\n"
"  --rounds K         repetitions of each allocator per cell (default 6, at least 3)\n"
"  --suite S          quick, full or smoke arguments (default quick)\n"
"  --budget S         bound the whole gate to about S seconds from its start (a tide@REV\n"
"                     build included): each pass stops starting rounds in time (the first\n"
"                     may use 60 % of what is left, the confirming pass the rest)\n"
"  --seed N           bootstrap seed (default 1)\n"
"  --out DIR          parent folder of the results set (default <repo>/results)\n"
"  --junit FILE       also write JUnit XML: one test case per cell, failed when it regressed\n"
"  --json FILE        also write the cells and verdicts as JSON\n"
"  --baseline FILE    the committed baseline (JSON): its A/A effects set each cell's noise\n"
"                     floor, its acknowledgements excuse a regressed cell until they expire,\n"
"                     its fingerprint must match this machine and build (else exit 3)\n"
"  --update-baseline  rewrite FILE after the run: this fingerprint, the head's instruction\n"
"                     counts, expired acknowledgements dropped (and with --aa, this run's\n"
"                     effects appended to each cell's A/A list)\n"
"  --aa               A/A run: the head is an identical copy of the base's library\n"
"                     (no --head); with --update-baseline it teaches the noise floors\n"
"  --executor E       local (default) or slurm: each pass is a job array (allocbench run\n"
"                     --executor slurm --wait), so base and head pairs run on the nodes\n"
"                     Slurm gives; --partition P and --sbatch-args \"...\" pass through\n"
"  --selftest         the gate's self-test (scripts/regress-selftest.py --help)\n"
"  --no-instructions  skip the deterministic cells (1 thread, smoke arguments, base and head\n"
"                     3 times each, 0.5 % minimum effect: callgrind instructions of the\n"
"                     fixed-work workloads (lower-is-better metric, no program started),\n"
"                     perf instructions:u of the same where a PMU exists, and the fast\n"
"                     path's instructions per malloc/usable_size/realloc/free round)\n"
"  --help             this text\n"
"Cells: workload x threads x metric; metrics: the workload's value, peak RSS, time-weighted\n"
"RSS (the timeline), the allocator's resident figure (its stats), RSS/live at each phase end\n"
"(fragprobe, redis-replay), and the deterministic cells above.\n"
"Exit status: 0 pass, 1 regression, 2 inconclusive or error, 3 the baseline's environment\n"
"fingerprint does not match (re-baseline: see harness/README.md).\n";

/* A resolved SPEC: the allocbench allocator argument, and a worktree to
 * remove at the end (NULL if none). */
typedef struct regress_spec {
    char *arg;
    char *worktree;
} regress_spec;

static int regress_resolve(const char *role, const char *spec, const char *root, regress_spec *out)
{
    out->arg = NULL;
    out->worktree = NULL;
    if (!*spec) { ab_err("regress: --%s is empty", role); return -1; }
    if (strncmp(spec, "tide@", 5) != 0) {
        const char *eq = strchr(spec, '=');
        if (eq) out->arg = ab_xasprintf("%s=%s", role, eq + 1);   /* the role names the row */
        else out->arg = ab_xasprintf("%s", spec);
        return 0;
    }
    const char *rev = spec + 5;
    char *gitdir = ab_xasprintf("%s/.git", root);   /* an installed copy has none */
    int checkout = ab_file_exists(gitdir);
    free(gitdir);
    if (!checkout) {
        ab_err("regress: --%s %s needs a git checkout of tide, and %s is not one (an installed copy?): "
               "build tide at %s and give name=/path/libtide.so", role, spec, root, rev);
        return -1;
    }
    char tmpl[] = "/tmp/allocbench-regress-XXXXXX";
    if (!mkdtemp(tmpl)) { ab_err("regress: mkdtemp: %s", strerror(errno)); return -1; }
    char *wt = ab_xasprintf("%s/tree", tmpl);
    char *qr = ab_shell_quote(root), *qw = ab_shell_quote(wt), *qv = ab_shell_quote(rev);
    char *cmd = ab_xasprintf("git -C %s worktree add --detach %s %s >/dev/null 2>&1 && "
                             "make -C %s -s allocator/libtide.so >%s.log 2>&1", qr, qw, qv, qw, qw);
    fprintf(stderr, "allocbench regress: building tide at %s in %s\n", rev, wt);
    int rc = system(cmd);
    free(cmd); free(qr); free(qv); free(qw);
    out->worktree = wt;
    if (rc != 0) {
        ab_err("regress: cannot build tide at '%s' (see %s.log)", rev, wt);
        return -1;
    }
    out->arg = ab_xasprintf("%s=%s/allocator/libtide.so", role, wt);
    return 0;
}

static void regress_drop_worktree(const char *root, regress_spec *s)
{
    if (s->worktree) {
        char *qr = ab_shell_quote(root), *qw = ab_shell_quote(s->worktree);
        /* the worktree is <mkdtemp folder>/tree: remove it, then the folder */
        char *cmd = ab_xasprintf("git -C %s worktree remove --force %s >/dev/null 2>&1; "
                                 "git -C %s worktree prune >/dev/null 2>&1; rm -rf \"$(dirname %s)\"",
                                 qr, qw, qr, qw);
        if (system(cmd) != 0) ab_err("warning: could not remove the worktree %s", s->worktree);
        free(cmd); free(qr); free(qw);
    }
    free(s->arg);
    free(s->worktree);
}

/* Run `allocbench run` with argv; returns the results folder it printed
 * (malloc'd) or NULL. */
static char *regress_run(const char *self, char **av)
{
    int fd[2];
    if (pipe(fd)) return NULL;
    pid_t pid = fork();
    if (pid < 0) { close(fd[0]); close(fd[1]); return NULL; }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]); close(fd[1]);
        execv(self, av);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[4096], *dir = NULL;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "results: ", 9)) {
            line[strcspn(line, "\n")] = '\0';
            free(dir);
            dir = ab_xstrdup(line + 9);
        }
    }
    if (f) fclose(f);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        ab_err("regress: allocbench run failed (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        free(dir);
        return NULL;
    }
    return dir;
}

/* One cell: the pairs of one workload x threads x metric. */
typedef struct regress_cell {
    char name[160];
    char workload[64];
    int threads, kind, higher;
    double *base, *head;
    int n, nfailed;
    const ab_bl_ack *ack;   /* a regression here is acknowledged until ack->expires */
} regress_cell;

/* The measured value of a run for metric column col, or -1. */
static double regress_val(const ab_table *t, int row, int col)
{
    const char *s = ab_table_get(t, row, col);
    char *e;
    double v = strtod(s, &e);
    return (*s && !*e && v > 0) ? v : -1;
}

/* One metric of one run: the cell's last word(s), its kind, its value. */
typedef struct regress_metric {
    char name[64];
    int kind, higher;
    double v;
} regress_metric;

/* The columns of runs.csv the cells read. */
typedef struct regress_cols {
    int a, w, t, rep, warm, status, dist, value, better, maxrss, resident, id, metric;
} regress_cols;

/* Time-weighted mean RSS (KiB) of a run from its timeline (trapezoids over
 * the samples), or -1 without two samples. */
static double regress_twrss(const char *dir, const char *run_id)
{
    char *p = ab_xasprintf("%s/timeline/%s.csv", dir, run_id);
    ab_table tl;
    int rc = ab_table_load(p, &tl);
    free(p);
    if (rc) return -1;
    int ct = ab_table_col(&tl, "t_ms"), cr = ab_table_col(&tl, "rss_bytes");
    double area = 0, t0 = 0, tp = 0, rp = 0;
    int n = 0;
    for (int i = 0; ct >= 0 && cr >= 0 && i < tl.nrow; i++) {
        double t = strtod(ab_table_get(&tl, i, ct), NULL), r = strtod(ab_table_get(&tl, i, cr), NULL);
        if (n == 0) t0 = t;
        else if (t > tp) area += (t - tp) * (r + rp) / 2;
        tp = t; rp = r; n++;
    }
    ab_table_free(&tl);
    return n >= 2 && tp > t0 ? area / (tp - t0) / 1024 : -1;
}

/* The metrics of run row of t: the workload's value, peak RSS, the
 * time-weighted RSS of its timeline, the allocator's own resident figure
 * (when its stats gave one) and RSS/live at the phase ends the workload
 * reported (extras ratio_<phase>, rss_live_p<k>: fragprobe, redis-replay).
 * Returns the count (at most max). */
static int regress_run_metrics(const ab_table *t, const ab_table *ex, const char *dir, int row,
                               const regress_cols *c, regress_metric *m, int max)
{
    int n = 0;
    double v = regress_val(t, row, c->value);
    /* The workload's value is a memory figure when its metric names RSS
     * (fragprobe's rss_per_live), else a time or a throughput. */
    int vk = strstr(ab_table_get(t, row, c->metric), "rss") ? AB_JUDGE_MEM : AB_JUDGE_TIME;
    if (v > 0 && n < max) m[n++] = (regress_metric){ "value", vk, !strcmp(ab_table_get(t, row, c->better), "higher"), v };
    if ((v = regress_val(t, row, c->maxrss)) > 0 && n < max) m[n++] = (regress_metric){ "peak RSS", AB_JUDGE_MEM, 0, v };
    const char *id = ab_table_get(t, row, c->id);
    if ((v = regress_twrss(dir, id)) > 0 && n < max) m[n++] = (regress_metric){ "time-weighted RSS", AB_JUDGE_MEM, 0, v };
    if ((v = regress_val(t, row, c->resident)) > 0 && n < max)
        m[n++] = (regress_metric){ "allocator resident", AB_JUDGE_MEM, 0, v };
    int xi = ab_table_col(ex, "run_id"), xk = ab_table_col(ex, "key"), xv = ab_table_col(ex, "value");
    for (int i = 0; ex->nrow && xi >= 0 && xk >= 0 && xv >= 0 && i < ex->nrow && n < max; i++) {
        const char *k = ab_table_get(ex, i, xk);
        int phase = (!strncmp(k, "ratio_", 6) && strlen(k) == 7) || !strncmp(k, "rss_live_p", 10);
        if (!phase || strcmp(ab_table_get(ex, i, xi), id) || (v = regress_val(ex, i, xv)) <= 0) continue;
        m[n] = (regress_metric){ "", AB_JUDGE_MEM, 0, v };
        snprintf(m[n].name, sizeof m[n].name, "RSS/live %s", k);
        n++;
    }
    return n;
}

/* The cell named name, created (kind, higher, room for cap pairs) if new. */
static regress_cell *regress_cell_get(regress_cell **c, int *nc, const char *name, const char *w, int threads,
                                      int kind, int higher, int cap)
{
    for (int k = 0; k < *nc; k++)
        if (!strcmp((*c)[k].name, name)) return &(*c)[k];
    *c = ab_xrealloc(*c, sizeof **c * (size_t)(*nc + 1));
    regress_cell *x = &(*c)[(*nc)++];
    memset(x, 0, sizeof *x);
    snprintf(x->name, sizeof x->name, "%s", name);
    snprintf(x->workload, sizeof x->workload, "%s", w);
    x->threads = threads;
    x->kind = kind;
    x->higher = higher;
    x->base = ab_xmalloc(sizeof(double) * (size_t)cap);
    x->head = ab_xmalloc(sizeof(double) * (size_t)cap);
    return x;
}

/* Build the cells from runs.csv (and extras.csv, the timelines): rep r of
 * base (rows named bn) paired with rep r of head (rows named hn), one cell
 * per workload x threads x metric both runs have. */
static int regress_cells(const char *dir, const char *bn, const char *hn, regress_cell **out)
{
    char *p = ab_xasprintf("%s/runs.csv", dir);
    ab_table t, ex = {0};
    int rc = ab_table_load(p, &t);
    free(p);
    if (rc) { ab_err("regress: cannot read %s/runs.csv", dir); return -1; }
    p = ab_xasprintf("%s/extras.csv", dir);
    if (ab_table_load(p, &ex)) memset(&ex, 0, sizeof ex);
    free(p);
    regress_cols col = { ab_table_col(&t, "allocator"), ab_table_col(&t, "workload"), ab_table_col(&t, "threads"),
                         ab_table_col(&t, "rep"), ab_table_col(&t, "warmup"), ab_table_col(&t, "status"),
                         ab_table_col(&t, "disturbed"), ab_table_col(&t, "value"), ab_table_col(&t, "better"),
                         ab_table_col(&t, "maxrss_kb"), ab_table_col(&t, "stats_resident"), ab_table_col(&t, "run_id"),
                         ab_table_col(&t, "metric") };
    if (col.a < 0 || col.w < 0 || col.t < 0 || col.rep < 0 || col.warm < 0 || col.status < 0 || col.dist < 0 ||
        col.value < 0 || col.better < 0 || col.maxrss < 0 || col.id < 0) {
        ab_err("regress: %s/runs.csv lacks a column", dir);
        ab_table_free(&t);
        ab_table_free(&ex);
        return -1;
    }
    regress_cell *c = NULL;
    int nc = 0;
    enum { MAXM = 24 };
    regress_metric mb[MAXM], mh[MAXM];
    for (int i = 0; i < t.nrow; i++) {
        if (strcmp(ab_table_get(&t, i, col.a), bn) || !strcmp(ab_table_get(&t, i, col.warm), "1")) continue;
        const char *w = ab_table_get(&t, i, col.w), *th = ab_table_get(&t, i, col.t), *rep = ab_table_get(&t, i, col.rep);
        int j;   /* head's run of the same workload, threads and rep */
        for (j = 0; j < t.nrow; j++)
            if (!strcmp(ab_table_get(&t, j, col.a), hn) && !strcmp(ab_table_get(&t, j, col.w), w) &&
                !strcmp(ab_table_get(&t, j, col.t), th) && !strcmp(ab_table_get(&t, j, col.rep), rep) &&
                strcmp(ab_table_get(&t, j, col.warm), "1"))
                break;
        char name[2048];   /* cells keep the first 159 bytes */
        int ok = j < t.nrow && !strcmp(ab_table_get(&t, i, col.status), "ok") && !strcmp(ab_table_get(&t, j, col.status), "ok");
        if (!ok) {   /* a failed pair counts against the two cells every run has */
            for (int m = 0; m < 2; m++) {
                snprintf(name, sizeof name, "%s t=%s %s", w, th, m ? "peak RSS" : "value");
                regress_cell_get(&c, &nc, name, w, atoi(th),
                                 m || strstr(ab_table_get(&t, i, col.metric), "rss") ? AB_JUDGE_MEM : AB_JUDGE_TIME,
                                 !m && !strcmp(ab_table_get(&t, i, col.better), "higher"), t.nrow)->nfailed++;
            }
            continue;
        }
        int dist = !strcmp(ab_table_get(&t, i, col.dist), "1") || !strcmp(ab_table_get(&t, j, col.dist), "1");
        int nb = regress_run_metrics(&t, &ex, dir, i, &col, mb, MAXM), nh = regress_run_metrics(&t, &ex, dir, j, &col, mh, MAXM);
        for (int a = 0; a < nb; a++) {
            int b;
            for (b = 0; b < nh && strcmp(mb[a].name, mh[b].name); b++) {}
            if (b == nh) continue;
            snprintf(name, sizeof name, "%s t=%s %s", w, th, mb[a].name);
            regress_cell *x = regress_cell_get(&c, &nc, name, w, atoi(th), mb[a].kind, mb[a].higher, t.nrow);
            if (dist) continue;
            x->base[x->n] = mb[a].v;
            x->head[x->n] = mh[b].v;
            x->n++;
        }
    }
    ab_table_free(&t);
    ab_table_free(&ex);
    *out = c;
    return nc;
}

static double regress_median(const double *v, int n)
{
    double m = 0;
    if (n > 0 && ab_judge_quartiles(v, n, NULL, &m, NULL) == 0) return m;
    return 0;
}

static void regress_report(FILE *f, const regress_cell *c, const ab_judge_result *r, int nc, const char *dir,
                           const char *dir2, const char *base, const char *head)
{
    static const struct { int kind; const char *title; } sec[] = {
        { AB_JUDGE_TIME, "Time and throughput (judged statistically)" },
        { AB_JUDGE_MEM, "Memory" },
        { AB_JUDGE_INSTR, "Instructions (callgrind, deterministic)" },
    };
    fprintf(f, "## allocbench regress: %s against %s\n", head, base);
    int ninfo = 0;
    for (size_t s = 0; s < sizeof sec / sizeof sec[0]; s++) {
        int any = 0;
        for (int k = 0; k < nc; k++) {
            if (c[k].kind != sec[s].kind) continue;
            if (!any++)
                fprintf(f, "\n### %s\n\n| cell | pairs | base median | head median | effect (head vs base, + = worse) "
                           "| 95 %% interval | noise floor | threshold | verdict |\n|---|---|---|---|---|---|---|---|---|\n",
                        sec[s].title);
            char verdict[300];
            if (c[k].ack)
                snprintf(verdict, sizeof verdict, "REGRESSED, acknowledged until %s: %s", c[k].ack->expires, c[k].ack->reason);
            else
                snprintf(verdict, sizeof verdict, "%s", ab_judge_verdict_name(r[k].verdict));
            ninfo += r[k].verdict == AB_JUDGE_INFORMATIONAL;
            fprintf(f, "| %s | %d%s | %.4g | %.4g | %+.2f%% | %+.2f%% .. %+.2f%% | %.2f%% | %.2f%% | %s |\n", c[k].name,
                    c[k].n, c[k].nfailed ? " (failed runs)" : "", regress_median(c[k].base, c[k].n),
                    regress_median(c[k].head, c[k].n), 100 * (expm1(r[k].effect)), 100 * expm1(r[k].lo),
                    100 * expm1(r[k].hi), 100 * expm1(r[k].floor), 100 * r[k].threshold, verdict);
        }
    }
    fprintf(f, "\nResults set: `%s`%s%s%s. Runs interleaved A B, B A; disturbed runs dropped from the pairs; a "
               "regressed cell was run again and counts only when the second pass regresses too.\n",
            dir, dir2 ? " (second pass: `" : "", dir2 ? dir2 : "", dir2 ? "`)" : "");
    if (ninfo)
        fprintf(f, "INFORMATIONAL: the cell's noise floor (Q3 + 3 IQR of the baseline's A/A effects) is above its "
                   "minimum effect, so this machine cannot judge it; it never fails the gate.\n");
}

/* Instructions one run of bin with args (blank-separated) executes under
 * allocator a: callgrind's "Collected" count (perf == 0), or perf's
 * instructions:u (perf == 1, where the machine has a PMU); -1 on failure. */
static double regress_count(const char *bin, const char *args, int perf, const ab_alloc *a, const char *logp)
{
    char *copy = ab_xstrdup(args);
    const char *av[64];
    int n = 0;
    char *lf = ab_xasprintf("--log-file=%s", logp);
    av[n++] = "timeout"; av[n++] = "-k"; av[n++] = "5"; av[n++] = "300";   /* a hung run cannot hang the gate */
    if (perf) { av[n++] = "perf"; av[n++] = "stat"; av[n++] = "-x,"; av[n++] = "-e"; av[n++] = "instructions:u";
                av[n++] = "-o"; av[n++] = logp; av[n++] = "--"; }
    else { av[n++] = "valgrind"; av[n++] = "--tool=callgrind"; av[n++] = "--callgrind-out-file=/dev/null"; av[n++] = lf; }
    av[n++] = bin;
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t && n < 62; t = strtok_r(NULL, " ", &save)) av[n++] = t;
    av[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) { dup2(nul, 0); dup2(nul, 1); dup2(nul, 2); }
        if (a->lib) setenv("LD_PRELOAD", a->lib, 1); else unsetenv("LD_PRELOAD");
        setenv("ALLOCBENCH_ALLOCATOR", a->name, 1);   /* as in allocbench run */
        if (a->env) putenv(a->env);
        execvp(av[0], (char **)av);
        _exit(127);
    }
    double v = -1;
    int st;
    if (pid > 0) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        char *log = (WIFEXITED(st) && WEXITSTATUS(st) == 0) ? ab_read_file(logp, NULL) : NULL;
        const char *c = !log ? NULL : perf ? strstr(log, ",instructions:u") : strstr(log, "Collected : ");
        if (c && perf) {   /* "<count>,,instructions:u,...": the count opens the line */
            while (c > log && c[-1] != '\n') c--;
            v = strtod(c, NULL);
        } else if (c) {
            v = strtod(c + 12, NULL);
        }
        free(log);
    }
    unlink(logp);
    free(copy); free(lf);
    return v > 0 ? v : -1;
}

/* Does perf count instructions:u here (a PMU the kernel exposes)? */
static int regress_have_pmu(void)
{
    return system("perf stat -x, -e instructions:u true 2>&1 | grep -q '^[0-9][0-9]*,'") == 0;
}

/* The fast path's cost: instructions per round of build/test/fastpath's
 * loop (malloc(32), malloc_usable_size, realloc(24), free), two lengths
 * differenced (the start-up cancels); -1 on failure. */
static double regress_fastpath(const char *bin, const ab_alloc *a, const char *logp)
{
    double c1 = regress_count(bin, "5000", 0, a, logp), c2 = c1 > 0 ? regress_count(bin, "10000", 0, a, logp) : -1;
    return c1 > 0 && c2 > c1 ? (c2 - c1) / 5000 : -1;
}

/* One deterministic cell: base and head three times each, interleaved
 * (odd rounds head first), measured by fn. Appended to *c. */
typedef double (*regress_measure_fn)(const void *ctx, const ab_alloc *a, const char *logp);
static void regress_det_cell(regress_cell **c, int *nc, const char *name, const char *w, const ab_alloc *al,
                             regress_measure_fn fn, const void *ctx, const char *logp)
{
    regress_cell *x = regress_cell_get(c, nc, name, w, 1, AB_JUDGE_INSTR, 0, 3);
    for (int r = 0; r < 3; r++) {
        double b = fn(ctx, &al[r % 2 ? 1 : 0], logp);
        double h = fn(ctx, &al[r % 2 ? 0 : 1], logp);
        if (r % 2) { double t = b; b = h; h = t; }
        if (b < 0 || h < 0) { x->nfailed++; continue; }
        x->base[x->n] = b;
        x->head[x->n] = h;
        x->n++;
    }
}

/* A workload's command line for the counted runs. */
typedef struct regress_wrun {
    const char *bin, *args;
    int perf;
} regress_wrun;
static double regress_measure_run(const void *ctx, const ab_alloc *a, const char *logp)
{
    const regress_wrun *r = ctx;
    return regress_count(r->bin, r->args, r->perf, a, logp);
}
static double regress_measure_fastpath(const void *ctx, const ab_alloc *a, const char *logp)
{
    return regress_fastpath(ctx, a, logp);
}

/* The deterministic cells, at 1 thread: per fixed-work workload its
 * instructions under callgrind (and perf's instructions:u where a PMU
 * exists), and the fast path's instructions per round; base and head three
 * times each, interleaved. Appends to *c (count *nc). */
static void regress_instr_cells(const char *root, const char *alist, const char *workloads, const char *threads,
                                regress_cell **c, int *nc)
{
    int has1 = 0;
    char *tcopy = ab_xstrdup(threads), *save = NULL;
    for (char *t = strtok_r(tcopy, ",", &save); t; t = strtok_r(NULL, ",", &save)) has1 |= !strcmp(t, "1");
    free(tcopy);
    if (!has1) return;
    if (system("command -v valgrind >/dev/null 2>&1") != 0) {
        ab_err("regress: warning: valgrind is missing: no instruction cells");
        return;
    }
    int pmu = regress_have_pmu();
    if (!pmu) fprintf(stderr, "allocbench regress: perf counts no instructions:u here (no PMU): no perf cells\n");
    ab_alloc *al = NULL;
    int nal = ab_alloc_parse(alist, root, &al);
    ab_wlset all = {0};
    if (nal != 2 || ab_wl_load_default(&all, root, NULL, 0)) {
        if (nal > 0) ab_alloc_free(al, nal);
        ab_wl_free(&all);
        return;
    }
    char logp[] = "/tmp/allocbench-regress-cg-XXXXXX";
    int lfd = mkstemp(logp);
    if (lfd >= 0) close(lfd);
    char *copy = ab_xstrdup(workloads);
    save = NULL;
    for (char *wn = strtok_r(copy, ",", &save); wn; wn = strtok_r(NULL, ",", &save)) {
        const ab_workload *w = ab_wl_find(&all, wn);
        if (!w) continue;
        /* Only workloads that do a fixed amount of work (their metric is a
         * time or a memory figure, lower is better: a throughput workload
         * runs for a fixed time, so its count follows its speed) and run no
         * other program (callgrind counts the process it starts only). */
        const char *bn = strrchr(w->binary, '/') ? strrchr(w->binary, '/') + 1 : w->binary;
        if (strcmp(w->kind, "c") || strcmp(w->better, "lower") || !strcmp(bn, "progrun") ||
            !strcmp(bn, "dbbench"))
            continue;
        fprintf(stderr, "allocbench regress: instructions of %s (callgrind%s, smoke arguments)\n", wn, pmu ? ", perf" : "");
        char *bin = w->binary[0] == '/' ? ab_xstrdup(w->binary) : ab_xasprintf("%s/%s", root, w->binary);
        char *args = ab_xasprintf("--threads 1 %s", ab_wl_args(w, "smoke"));
        char name[2048];
        for (int perf = 0; perf <= pmu; perf++) {
            regress_wrun r = { bin, args, perf };
            snprintf(name, sizeof name, "%s t=1 %s", wn, perf ? "instructions:u" : "instructions");
            regress_det_cell(c, nc, name, wn, al, regress_measure_run, &r, logp);
        }
        free(bin); free(args);
    }
    char *fp = ab_xasprintf("%s/build/test/fastpath/fastpath", root);
    if (ab_file_exists(fp)) {
        fprintf(stderr, "allocbench regress: instructions per round of the fast path (callgrind)\n");
        regress_det_cell(c, nc, "fastpath t=1 instructions per round", "fastpath", al, regress_measure_fastpath, fp, logp);
    }
    free(fp);
    unlink(logp);
    free(copy);
    ab_wl_free(&all);
    ab_alloc_free(al, nal);
}

/* What every pass of `allocbench run` shares. */
typedef struct regress_pass_args {
    const char *self, *alist, *suite, *out;
    const char *executor, *partition, *sbatch_args;   /* executor NULL: local */
    double budget_s, t0;   /* --budget (0: none), counted from t0 (ab_now) */
    int rounds;
} regress_pass_args;

/* One pass: base and head interleaved over workloads x threads, given
 * share of what is left of the budget; the results folder (malloc'd) or
 * NULL. */
static char *regress_pass(const regress_pass_args *a, const char *workloads, const char *threads, double share)
{
    char rs[16], bs[32];
    snprintf(rs, sizeof rs, "%d", a->rounds);
    const char *av[40];
    int n = 0;
    av[n++] = a->self; av[n++] = "run"; av[n++] = "--allocators"; av[n++] = a->alist;
    if (a->executor) {   /* the long form: one job array per pass, waited for (squeue) */
        av[n++] = "--executor"; av[n++] = a->executor; av[n++] = "--wait";
        if (a->partition) { av[n++] = "--partition"; av[n++] = a->partition; }
        if (a->sbatch_args) { av[n++] = "--sbatch-args"; av[n++] = a->sbatch_args; }
    }
    av[n++] = "--workloads"; av[n++] = workloads; av[n++] = "--threads"; av[n++] = threads;
    av[n++] = "--reps"; av[n++] = rs; av[n++] = "--warmup"; av[n++] = "1"; av[n++] = "--order"; av[n++] = "abba";
    av[n++] = "--suite"; av[n++] = a->suite; av[n++] = "--no-calibrate";
    if (a->budget_s > 0 && !a->executor) {
        double left = (a->budget_s - (ab_now() - a->t0)) * share;
        if (left < 1) { ab_err("regress: the --budget of %g s is spent before a pass could start", a->budget_s); return NULL; }
        snprintf(bs, sizeof bs, "%.0f", left);
        av[n++] = "--budget"; av[n++] = bs;
    }
    if (a->out) { av[n++] = "--out"; av[n++] = a->out; }
    av[n] = NULL;
    return regress_run(a->self, (char **)av);
}

/* Judge the cells with pairs as one Holm family; a cell without pairs is
 * INCONCLUSIVE. Returns ab_judge_cells' status. */
static int regress_judge(const regress_cell *c, int nc, uint64_t seed, ab_baseline *bl, ab_judge_result *jr)
{
    ab_judge_cell *jc = ab_xmalloc(sizeof *jc * (size_t)nc);
    int nj = 0;
    for (int k = 0; k < nc; k++)
        if (c[k].n > 0) {
            const ab_bl_cell *b = bl ? ab_baseline_cell(bl, c[k].name, NULL, 0) : NULL;
            jc[nj++] = (ab_judge_cell){ c[k].name, c[k].kind, c[k].higher, c[k].base, c[k].head, c[k].n,
                                        b ? b->aa : NULL, b ? b->naa : 0, 0 };
        }
    ab_judge_result *tmp = ab_xmalloc(sizeof *tmp * (size_t)(nj ? nj : 1));
    int rc = nj ? ab_judge_cells(jc, nj, seed, 0, tmp) : 0;
    for (int k = 0, m = 0; k < nc; k++) {
        if (c[k].n > 0) {
            jr[k] = tmp[m++];
        } else {
            memset(&jr[k], 0, sizeof jr[k]);
            jr[k].verdict = AB_JUDGE_INCONCLUSIVE;
            snprintf(jr[k].reason, sizeof jr[k].reason, "no pairs (failed or disturbed runs)");
        }
    }
    free(tmp);
    free(jc);
    return rc;
}

static int regress_find(const regress_cell *c, int nc, const char *name)
{
    for (int k = 0; k < nc; k++) if (!strcmp(c[k].name, name)) return k;
    return -1;
}

/* Add the pairs of src to dst. */
static void regress_append(regress_cell *dst, const regress_cell *src)
{
    dst->base = ab_xrealloc(dst->base, sizeof(double) * (size_t)(dst->n + src->n + 1));
    dst->head = ab_xrealloc(dst->head, sizeof(double) * (size_t)(dst->n + src->n + 1));
    memcpy(dst->base + dst->n, src->base, sizeof(double) * (size_t)src->n);
    memcpy(dst->head + dst->n, src->head, sizeof(double) * (size_t)src->n);
    dst->n += src->n;
}

/* The workloads and thread counts of the cells that need a second pass
 * (regressed, or short of pairs through disturbed runs), as run lists;
 * both NULL when none does. */
static void regress_second_lists(const regress_cell *c, int nc, const ab_judge_result *jr, char **wl, char **th)
{
    *wl = *th = NULL;
    for (int k = 0; k < nc; k++) {
        if (c[k].kind == AB_JUDGE_INSTR) continue;   /* exact counts: nothing to confirm */
        int need = jr[k].verdict == AB_JUDGE_REGRESSED || (c[k].n < 3 && !c[k].nfailed);
        if (!need) continue;
        char tb[16];
        snprintf(tb, sizeof tb, "%d", c[k].threads);
        for (int pass = 0; pass < 2; pass++) {
            char **lst = pass ? th : wl;
            const char *item = pass ? tb : c[k].workload;
            int have = 0;
            if (*lst) {
                char *copy = ab_xstrdup(*lst), *save = NULL;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) have |= !strcmp(t, item);
                free(copy);
            }
            if (have) continue;
            char *nl = *lst ? ab_xasprintf("%s,%s", *lst, item) : ab_xstrdup(item);
            free(*lst);
            *lst = nl;
        }
    }
}

/* s with the five XML special characters escaped, into f. */
static void regress_xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* One line of a cell's judgement for JUnit and JSON. */
static void regress_line(char *b, size_t n, const regress_cell *c, const ab_judge_result *r)
{
    snprintf(b, n, "%s: effect %+.2f%% [%+.2f%%, %+.2f%%], threshold %.2f%%, noise floor %.2f%%, %d pairs; %s",
             ab_judge_verdict_name(r->verdict), 100 * expm1(r->effect), 100 * expm1(r->lo), 100 * expm1(r->hi),
             100 * r->threshold, 100 * expm1(r->floor), c->n, r->reason);
}

static int regress_junit(const char *path, const regress_cell *c, const ab_judge_result *r, int nc, int nreg)
{
    FILE *f = fopen(path, "w");
    if (!f) { ab_err("regress: cannot write %s: %s", path, strerror(errno)); return -1; }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"allocbench regress\" tests=\"%d\" "
               "failures=\"%d\">\n", nc, nreg);
    for (int k = 0; k < nc; k++) {
        char line[512];
        regress_line(line, sizeof line, &c[k], &r[k]);
        fputs("  <testcase classname=\"allocbench.regress\" name=\"", f);
        regress_xml(f, c[k].name);
        fputs("\">", f);
        if (r[k].verdict == AB_JUDGE_REGRESSED && !c[k].ack) {
            fputs("<failure message=\"", f);
            regress_xml(f, line);
            fputs("\"/>", f);
        } else {
            fputs("<system-out>", f);
            regress_xml(f, line);
            fputs("</system-out>", f);
        }
        fputs("</testcase>\n", f);
    }
    fputs("</testsuite>\n", f);
    return fclose(f) ? -1 : 0;
}

static const char *regress_kind_name(int kind)
{
    return kind == AB_JUDGE_INSTR ? "instructions" : kind == AB_JUDGE_MEM ? "memory" : "time";
}

static int regress_json(const char *path, const regress_cell *c, const ab_judge_result *r, int nc,
                        const char *dir, int rc)
{
    FILE *f = fopen(path, "w");
    if (!f) { ab_err("regress: cannot write %s: %s", path, strerror(errno)); return -1; }
    fputs("{\"schema\": 1, \"results\": \"", f);
    for (const char *q = dir; *q; q++) { if (*q == '"' || *q == '\\') fputc('\\', f); fputc(*q, f); }
    fprintf(f, "\", \"exit\": %d, \"cells\": [", rc);
    for (int k = 0; k < nc; k++)
        fprintf(f, "%s\n {\"cell\": \"%s\", \"kind\": \"%s\", \"pairs\": %d, \"base_median\": %.10g, "
                   "\"head_median\": %.10g, \"effect\": %.6g, \"lo\": %.6g, \"hi\": %.6g, "
                   "\"threshold\": %.6g, \"floor\": %.6g, \"verdict\": \"%s\"}",
                k ? "," : "", c[k].name, regress_kind_name(c[k].kind), c[k].n, regress_median(c[k].base, c[k].n),
                regress_median(c[k].head, c[k].n), isfinite(r[k].effect) ? expm1(r[k].effect) : 0,
                isfinite(r[k].lo) ? expm1(r[k].lo) : -1, isfinite(r[k].hi) ? expm1(r[k].hi) : -1, r[k].threshold,
                isfinite(r[k].floor) ? expm1(r[k].floor) : 0, ab_judge_verdict_name(r[k].verdict));
    fputs("\n]}\n", f);
    return fclose(f) ? -1 : 0;
}

/* Today, UTC, as YYYY-MM-DD (acknowledgements expire by date). */
static void regress_today(char d[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(d, 11, "%Y-%m-%d", &tm);
}

/* Open the baseline at path and check its fingerprint against this
 * machine and build for the workloads of the run (now receives it).
 * Returns 0 (bl loaded, or empty when the file does not exist yet), 2 on an
 * error, 3 on a mismatch unless update (then the stored cells, made
 * elsewhere, are dropped). */
static int regress_baseline_open(const char *path, int update, const char *root, const char *workloads,
                                 const char *suite, ab_baseline *bl, ab_baseline *now)
{
    memset(now, 0, sizeof *now);
    int lrc = ab_baseline_load(path, bl);
    if (lrc < 0) return 2;
    if (lrc == 1 && !update) {
        ab_err("regress: the baseline %s does not exist (create it with --aa --update-baseline)", path);
        return 2;
    }
    ab_wlset all = {0};
    if (ab_wl_load_default(&all, root, NULL, 0)) { ab_wl_free(&all); return 2; }
    int nw = 0;
    char **wl = NULL, *copy = ab_xstrdup(workloads), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        wl = ab_xrealloc(wl, sizeof *wl * (size_t)(nw + 1));
        wl[nw++] = t;
    }
    ab_baseline_fingerprint(now, root, &all, wl, nw, suite);
    free(wl);
    free(copy);
    ab_wl_free(&all);
    char why[512];
    if (lrc == 0 && ab_baseline_fp_mismatch(bl, now, why, sizeof why)) {
        if (!update) {
            ab_err("regress: the baseline %s was made in another environment (%s); re-baseline here with "
                   "`allocbench regress --aa --base SPEC --baseline %s --update-baseline` (repeat it for the A/A "
                   "floors; make regress-baseline does 20) and commit the file", path, why, path);
            return 3;
        }
        fprintf(stderr, "allocbench regress: %s: %s; its cells are dropped and learned again here\n", path, why);
        for (int i = 0; i < bl->ncells; i++) { free(bl->cells[i].name); free(bl->cells[i].kind); free(bl->cells[i].aa); }
        free(bl->cells);
        bl->cells = NULL;
        bl->ncells = 0;
    }
    return 0;
}

/* --update-baseline: this run's fingerprint, the head's instruction counts
 * and (A/A runs) every judged cell's effect, expired acknowledgements
 * dropped; written to path. Returns 0 or -1. */
static int regress_baseline_update(const char *path, ab_baseline *bl, const ab_baseline *now, const regress_cell *c,
                                   const ab_judge_result *jr, int nc, int aa, const char *today)
{
    for (int i = 0; i < now->nfp; i++) ab_baseline_fp_set(bl, now->fp[i].key, now->fp[i].value);
    for (int k = 0; k < nc; k++) {
        if (c[k].n == 0 || jr[k].verdict == AB_JUDGE_ERROR) continue;
        ab_bl_cell *b = ab_baseline_cell(bl, c[k].name, regress_kind_name(c[k].kind), 1);
        if (c[k].kind == AB_JUDGE_INSTR) { b->has_value = 1; b->value = regress_median(c[k].head, c[k].n); }
        if (aa && (c[k].n >= 3 || jr[k].deterministic)) ab_baseline_add_aa(b, jr[k].effect);
    }
    int dropped = ab_baseline_drop_expired(bl, today);
    if (ab_baseline_save(path, bl)) return -1;
    fprintf(stderr, "allocbench regress: baseline %s updated (%d cells%s, %d expired acknowledgements dropped); "
                    "review it with git diff\n", path, bl->ncells, aa ? ", this A/A run's effects added" : "", dropped);
    return 0;
}

/* A/A: the head is a copy of the base's library, in a temporary folder
 * that regress_drop_worktree removes (the copy sits where a worktree
 * would). Returns 0, or -1 after one error line. */
static int regress_aa_head(const regress_spec *base, const char *root, regress_spec *head)
{
    head->arg = head->worktree = NULL;
    ab_alloc *al = NULL;
    int n = ab_alloc_parse(base->arg, root, &al);
    if (n != 1) { if (n > 0) ab_alloc_free(al, n); return -1; }
    int rc = -1;
    if (!al[0].lib || al[0].env || strchr(al[0].lib, ' ')) {
        ab_err("regress: --aa needs a base that is one library with no settings (not glibc, tide-2006 or a preload list)");
    } else {
        char tmpl[] = "/tmp/allocbench-regress-XXXXXX";
        if (!mkdtemp(tmpl)) {
            ab_err("regress: mkdtemp: %s", strerror(errno));
        } else {
            head->worktree = ab_xasprintf("%s/tree", tmpl);
            const char *bn = strrchr(al[0].lib, '/') ? strrchr(al[0].lib, '/') + 1 : al[0].lib;
            char *dst = ab_xasprintf("%s/%s", head->worktree, bn);
            char *qs = ab_shell_quote(al[0].lib), *qd = ab_shell_quote(dst), *qw = ab_shell_quote(head->worktree);
            char *cmd = ab_xasprintf("mkdir -p %s && cp %s %s", qw, qs, qd);
            if (system(cmd) != 0) ab_err("regress: cannot copy %s for the A/A run", al[0].lib);
            else { head->arg = ab_xasprintf("head=%s", dst); rc = 0; }
            free(cmd); free(qs); free(qd); free(qw); free(dst);
        }
    }
    ab_alloc_free(al, n);
    return rc;
}

/* Acknowledgements and stale deterministic values: a regressed cell whose
 * acknowledgement has not expired does not fail the gate; an expired one,
 * and an instruction cell whose base count moved away from the baseline's,
 * give a ::warning line. */
static void regress_apply_baseline(regress_cell *c, const ab_judge_result *jr, int nc, const ab_baseline *bl,
                                   const char *today)
{
    for (int k = 0; k < nc; k++) {
        int expired = 0;
        const ab_bl_ack *a = jr[k].verdict == AB_JUDGE_REGRESSED ? ab_baseline_ack(bl, c[k].name, today, &expired) : NULL;
        if (a && !expired) c[k].ack = a;
        if (a && expired)
            printf("::warning title=allocbench regress::the acknowledgement of %s expired on %s (%s)\n", c[k].name,
                   a->expires, a->reason);
        const ab_bl_cell *b = ab_baseline_cell((ab_baseline *)bl, c[k].name, NULL, 0);
        double m = regress_median(c[k].base, c[k].n);
        if (c[k].kind == AB_JUDGE_INSTR && b && b->has_value && b->value > 0 && m > 0 && fabs(m / b->value - 1) > 0.005)
            printf("::warning title=allocbench regress::the base's %s is %+.2f%% from the baseline's value: the baseline "
                   "is stale or the base is not the baselined build (--update-baseline refreshes it)\n",
                   c[k].name, 100 * (m / b->value - 1));
    }
}

/* --selftest: the orchestration lives in a script, as claims' does. */
static int regress_selftest(int argc, char **argv, const ab_paths *p)
{
    char *script = ab_xasprintf("%s/scripts/regress-selftest.py", p->root);
    char **av = ab_xmalloc(sizeof *av * (size_t)(argc + 4));
    int n = 0;
    av[n++] = "python3";
    av[n++] = script;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--selftest")) av[n++] = argv[i];
    av[n] = NULL;
    setenv("ALLOCBENCH", ab_xasprintf("%s/allocbench", p->exedir), 1);
    execvp("python3", av);
    ab_err("regress: cannot run python3 %s", script);
    return 2;
}

int ab_cmd_regress(int argc, char **argv, const ab_paths *p)
{
    const char *base = NULL, *head = NULL, *workloads = "larson,threadtest,glibc-simple,fragprobe-small";
    const char *threads = "1", *suite = "quick", *out = NULL, *junit = NULL, *json = NULL;
    double budget = 0, t0 = ab_now();
    const char *blpath = NULL, *executor = NULL, *partition = NULL, *sbatch_args = NULL;
    int rounds = 6, instr = 1, update = 0, aa = 0;
    unsigned long long seed = 1;
    static const struct option lo[] = {
        {"base", 1, 0, 'b'}, {"head", 1, 0, 'H'}, {"workloads", 1, 0, 'w'}, {"threads", 1, 0, 't'},
        {"rounds", 1, 0, 'k'}, {"suite", 1, 0, 's'}, {"budget", 1, 0, 'B'}, {"seed", 1, 0, 'S'},
        {"out", 1, 0, 'o'}, {"junit", 1, 0, 'J'}, {"json", 1, 0, 'j'}, {"no-instructions", 0, 0, 'I'}, {"help", 0, 0, 'h'},
        {"baseline", 1, 0, 'L'}, {"update-baseline", 0, 0, 'U'}, {"aa", 0, 0, 'A'}, {"selftest", 0, 0, 'T'},
        {"executor", 1, 0, 'E'}, {"partition", 1, 0, 'P'}, {"sbatch-args", 1, 0, 'Y'}, {0, 0, 0, 0}
    };
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        char *e;
        switch (ch) {
        case 'b': base = optarg; break;
        case 'H': head = optarg; break;
        case 'w': workloads = optarg; break;
        case 't': threads = optarg; break;
        case 's': suite = optarg; break;
        case 'B':
            budget = strtod(optarg, &e);
            if (*e || !*optarg || !(budget >= 1 && budget <= 1e7)) { ab_err("regress: --budget must be seconds >= 1, got '%s'", optarg); return 2; }
            break;
        case 'o': out = optarg; break;
        case 'J': junit = optarg; break;
        case 'j': json = optarg; break;
        case 'I': instr = 0; break;
        case 'L': blpath = optarg; break;
        case 'E':
            if (strcmp(optarg, "local") && strcmp(optarg, "slurm")) { ab_err("regress: --executor is local or slurm, got '%s'", optarg); return 2; }
            executor = strcmp(optarg, "local") ? optarg : NULL;
            break;
        case 'P': partition = optarg; break;
        case 'Y': sbatch_args = optarg; break;
        case 'U': update = 1; break;
        case 'A': aa = 1; break;
        case 'T': return regress_selftest(argc, argv, p);
        case 'k':
            rounds = (int)strtol(optarg, &e, 10);
            if (*e || rounds < 3 || rounds > 1000) { ab_err("regress: --rounds must be an integer in 3..1000, got '%s'", optarg); return 2; }
            break;
        case 'S':
            seed = strtoull(optarg, &e, 10);
            if (*e || !*optarg) { ab_err("regress: --seed must be an integer, got '%s'", optarg); return 2; }
            break;
        case 'h': fputs(regress_help, stdout); return 0;
        case ':': ab_err("regress: option '%s' needs a value", argv[optind - 1]); return 2;
        default: ab_err("regress: unknown option '%s' (see allocbench regress --help)", argv[optind - 1]); return 2;
        }
    }
    if (optind < argc) { ab_err("regress: unexpected argument '%s'", argv[optind]); return 2; }
    if (!base || (!head && !aa) || (head && aa)) {
        ab_err("regress: give --base and --head, or --base and --aa (see allocbench regress --help)");
        return 2;
    }
    if ((partition || sbatch_args) && !executor) { ab_err("regress: --partition and --sbatch-args need --executor slurm"); return 2; }
    if (executor && budget > 0) { ab_err("regress: --budget is for the local executor (give the array its --time in --sbatch-args)"); return 2; }
    if (update && !blpath) { ab_err("regress: --update-baseline needs --baseline FILE"); return 2; }
    ab_baseline bl = {0}, now = {0};
    char today[11];
    regress_today(today);
    if (blpath) {
        int brc = regress_baseline_open(blpath, update, p->root, workloads, suite, &bl, &now);
        if (brc) { ab_baseline_free(&bl); ab_baseline_free(&now); return brc; }
    }

    regress_spec sb, sh = {0};
    int rc = 2;
    if (regress_resolve("base", base, p->root, &sb) ||
        (aa ? regress_aa_head(&sb, p->root, &sh) : regress_resolve("head", head, p->root, &sh))) {
        regress_drop_worktree(p->root, &sb);
        regress_drop_worktree(p->root, &sh);
        ab_baseline_free(&bl); ab_baseline_free(&now);
        return 2;
    }
    if (aa) head = sh.arg;
    /* The rows of the set: a library is named by its role, a built-in
     * allocator keeps its name. */
    const char *bn = strchr(sb.arg, '=') ? "base" : sb.arg, *hn = strchr(sh.arg, '=') ? "head" : sh.arg;
    if (!strcmp(bn, hn)) {
        ab_err("regress: base and head are the same allocator '%s' (for an A/A run use --aa)", bn);
        regress_drop_worktree(p->root, &sb); regress_drop_worktree(p->root, &sh);
        ab_baseline_free(&bl); ab_baseline_free(&now);
        return 2;
    }
    char *alist = ab_xasprintf("%s,%s", sb.arg, sh.arg);
    char *bname = ab_xstrdup(bn), *hname = ab_xstrdup(hn);
    char *self = ab_xasprintf("%s/allocbench", p->exedir);
    /* The budget counts from the start (a tide@REV build included): the
     * first pass may take 60 % of what is left, the second all of it; the
     * deterministic cells are not timed (each run has its own limit). */
    regress_pass_args pa = { self, alist, suite, out, executor, partition, sbatch_args, budget, t0, rounds };
    char *dir = regress_pass(&pa, workloads, threads, 0.6);
    regress_cell *c = NULL;
    int nc = dir ? regress_cells(dir, bname, hname, &c) : -1;
    if (nc == 0) ab_err("regress: %s holds no pairs of base and head runs", dir);
    if (nc > 0 && instr) regress_instr_cells(p->root, alist, workloads, threads, &c, &nc);
    ab_judge_result *jr = nc > 0 ? ab_xmalloc(sizeof *jr * (size_t)nc) : NULL;
    int jrc = nc > 0 ? regress_judge(c, nc, seed, &bl, jr) : 0;

    /* Second pass, once: the cells that regressed are run again to confirm
     * (they regress only if the new pairs alone regress too), and the cells
     * left without 3 pairs because their runs were disturbed get new pairs. */
    char *wl2 = NULL, *th2 = NULL, *dir2 = NULL;
    regress_second_lists(c, nc, jr, &wl2, &th2);
    if (wl2) {
        fprintf(stderr, "allocbench regress: second pass for %s (threads %s)\n", wl2, th2);
        dir2 = regress_pass(&pa, wl2, th2, 1.0);
        regress_cell *c2 = NULL;
        int nc2 = dir2 ? regress_cells(dir2, bname, hname, &c2) : -1;
        if (nc2 > 0) {
            ab_judge_result *jr2 = ab_xmalloc(sizeof *jr2 * (size_t)nc2);
            regress_judge(c2, nc2, seed + 1, &bl, jr2);
            int *first = ab_xmalloc(sizeof(int) * (size_t)nc);
            for (int k = 0; k < nc; k++) {
                first[k] = jr[k].verdict;
                int m = regress_find(c2, nc2, c[k].name);
                if (m >= 0 && c[k].n < 3 && !c[k].nfailed) regress_append(&c[k], &c2[m]);
            }
            jrc = regress_judge(c, nc, seed, &bl, jr);
            for (int k = 0; k < nc; k++) {
                int m = regress_find(c2, nc2, c[k].name);
                if (c[k].kind != AB_JUDGE_INSTR && first[k] == AB_JUDGE_REGRESSED &&
                    (m < 0 || jr2[m].verdict != AB_JUDGE_REGRESSED)) {
                    jr[k].verdict = AB_JUDGE_PASS;
                    snprintf(jr[k].reason, sizeof jr[k].reason, "not confirmed by the second pass (%s)",
                             m < 0 ? "no pairs" : ab_judge_verdict_name(jr2[m].verdict));
                }
            }
            free(first);
            free(jr2);
        } else {
            jrc = -1;   /* the confirmation could not run: fail closed */
        }
        for (int k = 0; k < (nc2 > 0 ? nc2 : 0); k++) { free(c2[k].base); free(c2[k].head); }
        free(c2);
    }
    free(wl2); free(th2); free(alist); free(self);
    free(bname); free(hname);
    if (nc <= 0) {
        regress_drop_worktree(p->root, &sb);
        regress_drop_worktree(p->root, &sh);
        ab_baseline_free(&bl); ab_baseline_free(&now);
        free(dir); free(dir2);
        return 2;
    }
    regress_apply_baseline(c, jr, nc, &bl, today);
    int nreg = 0, ninc = 0;
    for (int k = 0; k < nc; k++) {
        if (jrc || jr[k].verdict == AB_JUDGE_ERROR || jr[k].verdict == AB_JUDGE_INCONCLUSIVE || c[k].nfailed) ninc++;
        if (jr[k].verdict == AB_JUDGE_REGRESSED && !c[k].ack) nreg++;
    }
    regress_report(stdout, c, jr, nc, dir, dir2, base, head);
    const char *gh = getenv("GITHUB_STEP_SUMMARY");
    if (gh && *gh) {
        FILE *f = fopen(gh, "a");
        if (f) { regress_report(f, c, jr, nc, dir, dir2, base, head); fclose(f); }
    }
    for (int k = 0; k < nc; k++)
        if (jr[k].verdict == AB_JUDGE_REGRESSED)
            printf("::%s title=allocbench regress::%s regressed: %s%s\n", c[k].ack ? "warning" : "error", c[k].name,
                   jr[k].reason, c[k].ack ? " (acknowledged)" : "");
    rc = nreg ? 1 : ninc ? 2 : 0;
    if (update && regress_baseline_update(blpath, &bl, &now, c, jr, nc, aa, today)) rc = 2;
    regress_drop_worktree(p->root, &sb);
    regress_drop_worktree(p->root, &sh);
    if (junit && regress_junit(junit, c, jr, nc, nreg)) rc = 2;
    if (json && regress_json(json, c, jr, nc, dir, rc)) rc = 2;
    fprintf(stderr, "allocbench regress: %d cells, %d regressed, %d inconclusive or failed: exit %d\n", nc, nreg, ninc, rc);
    for (int k = 0; k < nc; k++) { free(c[k].base); free(c[k].head); }
    free(c); free(jr); free(dir); free(dir2);
    ab_baseline_free(&bl); ab_baseline_free(&now);
    return rc;
}
