/* ab_run.c: see ab_run.h. */
#include "ab_run.h"
#include "ab_alloc.h"
#include "ab_calib.h"
#include "ab_csv.h"
#include "ab_exec.h"
#include "ab_meta.h"
#include "ab_parse.h"
#include "ab_plan.h"
#include "ab_record.h"
#include "ab_report.h"
#include "ab_slurm.h"
#include "ab_stats.h"
#include "ab_util.h"
#include "ab_wl.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fmt_hms(char *b, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(b, n, "%ld:%02ld", t / 60, t % 60);
}

static char *join_argv(char **v)
{
    ab_str s = {0};
    for (int i = 0; v[i]; i++) {
        if (i) ab_str_add(&s, " ");
        if (strpbrk(v[i], " \t'\"$\\") || !*v[i]) { char *q = ab_shell_quote(v[i]); ab_str_add(&s, q); free(q); }
        else ab_str_add(&s, v[i]);
    }
    return s.buf ? s.buf : ab_xstrdup("");
}

static char *cmd_line(int argc, char **argv)
{
    ab_str s = {0};
    ab_str_add(&s, "allocbench");
    for (int i = 0; i < argc; i++) {
        ab_str_add(&s, " ");
        if (strpbrk(argv[i], " \t'\"$\\")) { char *q = ab_shell_quote(argv[i]); ab_str_add(&s, q); free(q); }
        else ab_str_add(&s, argv[i]);
    }
    return s.buf;
}

/* What the local executor needs besides the plan. */
typedef struct run_local_ctx {
    const ab_matrix *m;
    const ab_paths *p;
    const char *dir;                  /* the results folder being written */
    int tty;                          /* stderr is a terminal: progress rewritten in place */
} run_local_ctx;

/* The local executor: walks the plan in order with a progress line and an
 * ETA, stops between rounds when another round would pass --budget, and on
 * SIGINT/SIGTERM after the current run. Returns the rounds completed; *done
 * receives the runs recorded. */
static int run_execute_local(const ab_plan *plan, const run_local_ctx *x, ab_record *rec, long *done)
{
    const ab_run_opts *o = &x->m->o;
    double t0 = ab_now(), last_progress = 0;
    int reps_done = 0;
    *done = 0;
    for (long i = 0; i < plan->n && !ab_interrupted; i++) {
        const ab_plan_run *pr = &plan->v[i];
        if (i > 0 && pr->round != plan->v[i - 1].round) {
            reps_done = pr->round;
            double el = ab_now() - t0, per = el / pr->round;
            if (o->budget_s > 0 && el + per > o->budget_s) {
                fprintf(stderr, "%sallocbench: stopping after %d of %d repetitions: another would pass --budget %g s\n",
                        x->tty ? "\r\033[K" : "", pr->round, o->reps, o->budget_s);
                return reps_done;
            }
        }
        double el = ab_now() - t0;
        char eb[32] = "?", tb[32];
        if (*done > 0) fmt_hms(eb, sizeof eb, el / (double)*done * (double)(plan->n - *done));
        fmt_hms(tb, sizeof tb, el);
        /* On a terminal the line is rewritten in place; in a log, one line
         * every 10 s is enough. */
        if (x->tty || *done == 0 || ab_now() - last_progress >= 10) {
            fprintf(stderr, "%s[%ld/%ld] %s t=%d %s %s%d  elapsed %s  ETA %s%s", x->tty ? "\r\033[K" : "",
                    *done + 1, plan->n, x->m->wls[pr->wl]->name, o->threads[pr->ti], x->m->al[pr->alloc].name,
                    pr->warm ? "warm-up " : "rep ", pr->warm ? pr->warm_no : pr->rep, tb, eb, x->tty ? "" : "\n");
            fflush(stderr);
            last_progress = ab_now();
        }
        if (ab_matrix_run_one(x->m, x->p, x->dir, pr, (int)i + 1, rec, x->tty)) break;
        (*done)++;
    }
    if (x->tty) fputs("\r\033[K", stderr);
    if (!ab_interrupted) reps_done = plan->n ? plan->v[plan->n - 1].round + 1 : 0;
    return reps_done;
}

int ab_cmd_run(int argc, char **argv, const ab_paths *p)
{
    ab_run_opts o0;
    int pr = ab_matrix_parse_opts(argc, argv, &o0, 0);
    if (pr > 0) { fputs(ab_matrix_run_help, stdout); return 0; }
    if (pr < 0) return 2;
    /* The Slurm executor checks its cluster before anything is loaded or written. */
    if (o0.slurm && ab_slurm_preflight(&o0)) return 2;
    ab_matrix mx;
    pr = ab_matrix_load(&mx, argc, argv, p);
    if (pr > 0) { fputs(ab_matrix_run_help, stdout); return 0; }
    if (pr < 0) return 2;
    const ab_run_opts o = mx.o;
    const ab_workload **wls = mx.wls;
    int nwl = mx.nwl, nal = mx.nal;
    ab_alloc *al = mx.al;

    ab_machine mc;
    ab_machine_get(&mc);
    char stamp[32], date0[32];
    ab_utc_stamp(stamp, sizeof stamp, 1);
    ab_utc_stamp(date0, sizeof date0, 0);
    char *outdir = o.out ? ab_xstrdup(o.out) : ab_xasprintf("%s/results", p->root);
    ab_resdir rd;
    if (ab_resdir_create(&rd, outdir, stamp, mc.host)) { ab_machine_free(&mc); ab_matrix_free(&mx); free(outdir); return 2; }
    const char *D = rd.tmp_path;
    ab_exec_install_signals();

    char *sub = ab_xasprintf("%s/runs", D); ab_mkdirs(sub, 0755); free(sub);
    sub = ab_xasprintf("%s/timeline", D); ab_mkdirs(sub, 0755); free(sub);
    sub = ab_xasprintf("%s/topology.xml", D);
    if (ab_topology_export(sub)) ab_err("warning: could not export the hwloc topology");
    free(sub);

    char *qroot = ab_shell_quote(p->root);
    char *c1 = ab_xasprintf("git -C %s rev-parse HEAD 2>/dev/null", qroot);
    char *c2 = ab_xasprintf("git -C %s status --porcelain --untracked-files=no 2>/dev/null | wc -l", qroot);
    char *git_commit = ab_capture(c1);
    char *git_dirty = ab_capture(c2);
    free(c1); free(c2); free(qroot);
    char *git_status = ab_xasprintf("%s modified tracked files", git_dirty ? git_dirty : "unknown");
    free(git_dirty);

    char **argv_lines = ab_xmalloc(sizeof(char *) * (size_t)nwl);
    for (int i = 0; i < nwl; i++) {
        char **v = ab_matrix_argv(wls[i], p->root, o.suite, 0, o.pin, NULL);
        free(v[2]); v[2] = ab_xstrdup("%THREADS%");
        argv_lines[i] = join_argv(v);
        ab_argv_free(v);
    }
    char *cl = cmd_line(argc, argv);
    char *machine_s = ab_matrix_machine_label(&mc);
    ab_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.machine = &mc; meta.allocs = al; meta.nalloc = nal;
    meta.wls = wls; meta.nwl = nwl; meta.argv_lines = argv_lines;
    meta.threads = o.threads; meta.nthreads = o.nthreads;
    meta.suite = o.suite; meta.pin = o.pin; meta.command_line = cl;
    meta.git_commit = git_commit ? git_commit : "unknown"; meta.git_status = git_status;
    meta.date_start = date0; meta.date_end = NULL; meta.state = o.slurm ? "submitted" : "running";
    meta.results_name = rd.name;
    meta.reps = o.reps; meta.warmup = o.warmup; meta.sample_ms = o.sample_ms;
    meta.timeout_s = o.timeout_s; meta.disturbed_frac = o.disturbed_frac; meta.disturbed_floor_s = o.disturbed_floor_s;
    meta.calibrated = o.calibrate && !o.slurm;
    ab_meta_write(D, &meta);

    if (o.slurm) {
        /* The Slurm executor: the folder takes its final name now, the
         * tasks write into it and the merge job completes it. */
        int rc = 2;
        if (ab_resdir_finish(&rd) == 0) rc = ab_slurm_submit(&mx, p, rd.final_path, argc - 1, argv + 1);
        else ab_err("cannot rename %s into place", rd.tmp_path);
        for (int i = 0; i < nwl; i++) free(argv_lines[i]);
        free(argv_lines); free(cl); free(machine_s); free(git_commit); free(git_status);
        ab_resdir_free(&rd); free(outdir);
        ab_machine_free(&mc);
        ab_matrix_free(&mx);
        return rc;
    }

    if (o.calibrate) {
        fprintf(stderr, "allocbench: calibrating the CPU speedup at %s threads\n", o.threads_s);
        ab_calib_point pts[AB_MAX_THREADS];
        ab_calibrate(o.threads, o.nthreads, 3, 0.2, o.pin, pts);
        char *cp = ab_xasprintf("%s/calibration.csv", D);
        FILE *cf = fopen(cp, "w");
        if (cf) { ab_calib_write(cf, pts, o.nthreads); fclose(cf); }
        free(cp);
    }

    /* Plan -> execute (the local executor: in order, one run at a time,
     * pinned by the workloads) -> record. */
    double t_run = ab_now();
    ab_plan plan;
    ab_plan_build(&plan, nwl, o.nthreads, nal, o.reps, o.warmup, o.abba);
    ab_record rec;
    ab_record_ctx rctx = { D, mc.host, machine_s, o.suite, o.pin, o.disturbed_frac, o.disturbed_floor_s, o.timeout_s };
    if (ab_record_open(&rec, &rctx)) return 2;
    long done = 0;
    run_local_ctx lc = { &mx, p, D, isatty(2) };
    int reps_done = run_execute_local(&plan, &lc, &rec, &done);
    ab_record_summary(&rec, al, nal, wls, nwl, o.threads, o.nthreads);
    long nfail = rec.nfail, ndist = rec.ndist;
    ab_record_close(&rec);
    ab_plan_free(&plan);

    char date1[32];
    ab_utc_stamp(date1, sizeof date1, 0);
    meta.date_end = date1;
    meta.state = ab_interrupted ? "interrupted" : "complete";
    meta.nruns = done; meta.nfailed = nfail; meta.ndisturbed = ndist; meta.reps_done = reps_done;
    ab_meta_write(D, &meta);
    int fin = ab_resdir_finish(&rd);
    const char *where = fin == 0 ? rd.final_path : rd.tmp_path;
    fprintf(stderr, "allocbench: %ld runs (%ld failed, %ld disturbed) in %.0f s%s\n", done, nfail, ndist,
            ab_now() - t_run, ab_interrupted ? ", interrupted: the finished runs are kept" : "");
    printf("results: %s\n", where);
    fflush(stdout);
    int rc = ab_interrupted ? 130 : 0;
    if (o.summary && !ab_interrupted) ab_report_print(where, stdout);

    for (int i = 0; i < nwl; i++) free(argv_lines[i]);
    free(argv_lines); free(cl); free(machine_s); free(git_commit); free(git_status);
    ab_resdir_free(&rd); free(outdir);
    ab_machine_free(&mc);
    ab_matrix_free(&mx);
    return rc;
}

static const char *calib_help =
"usage: allocbench calibrate [--threads LIST] [--pin POLICY] [--out DIR]\n"
"Measure the parallel speedup of a pure-CPU kernel (no allocation, no memory\n"
"traffic) at each thread count: speedup(N) = N x t(1) / t(N) with the same\n"
"work per thread, median of 3. Prints CSV; with --out also writes DIR/calibration.csv.\n"
"`run` does this itself and stores it with the results; plots draw it as the\n"
"ideal line.\n";

int ab_cmd_calibrate(int argc, char **argv, const ab_paths *p)
{
    (void)p;
    ab_run_opts o;
    int pr = ab_matrix_parse_opts(argc, argv, &o, 1);
    if (pr > 0) { fputs(calib_help, stdout); return 0; }
    if (pr < 0) return 2;
    ab_calib_point pts[AB_MAX_THREADS];
    ab_calibrate(o.threads, o.nthreads, 3, 0.2, o.pin, pts);
    ab_calib_write(stdout, pts, o.nthreads);
    if (o.out) {
        if (ab_mkdirs(o.out, 0755)) { ab_err("cannot create %s: %s", o.out, strerror(errno)); return 1; }
        char *cp = ab_xasprintf("%s/calibration.csv", o.out);
        FILE *f = fopen(cp, "w");
        if (!f) { ab_err("cannot write %s: %s", cp, strerror(errno)); free(cp); return 1; }
        ab_calib_write(f, pts, o.nthreads);
        fclose(f);
        free(cp);
    }
    return 0;
}

static const char *list_help =
"usage: allocbench list [--registry FILE]\n"
"List the built-in allocators (with their library and whether it is present)\n"
"and the registered workloads (from workloads/workloads.tsv and\n"
"workloads/*/workloads.tsv) with their quick and full arguments.\n";

int ab_cmd_list(int argc, char **argv, const ab_paths *p)
{
    char *reg[AB_MAX_EXTRA];
    int nreg = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(list_help, stdout); return 0; }
        if (!strcmp(argv[i], "--registry") && i + 1 < argc && nreg < AB_MAX_EXTRA) { reg[nreg++] = argv[++i]; continue; }
        ab_err("list: unknown argument '%s' (see allocbench list --help)", argv[i]);
        return 2;
    }
    ab_alloc *al;
    int n = ab_alloc_parse("glibc", p->root, &al);
    if (n > 0) ab_alloc_free(al, n);
    printf("allocators:\n");
    for (int i = 0; ab_builtin_allocators[i]; i++) {
        ab_alloc *a;
        int k = ab_alloc_parse(ab_builtin_allocators[i], p->root, &a);
        if (k > 0) {
            printf("  %-10s %s%s%s\n", a[0].name, a[0].lib ? a[0].lib : "(no LD_PRELOAD: the C library's malloc)",
                   a[0].env ? "  " : "", a[0].env ? a[0].env : "");
            ab_alloc_free(a, k);
        } else {
            printf("  %-10s (library missing)\n", ab_builtin_allocators[i]);
        }
    }
    printf("  NAME=/path/lib.so  any other allocator, by LD_PRELOAD\n");
    ab_wlset s = {0};
    if (ab_wl_load_default(&s, p->root, reg, nreg)) return 2;
    printf("workloads:\n");
    for (int i = 0; i < s.n; i++) {
        const ab_workload *w = &s.v[i];
        char *b = w->binary[0] == '/' ? ab_xstrdup(w->binary) : ab_xasprintf("%s/%s", p->root, w->binary);
        printf("  %-16s %-6s %s (%s is better)%s\n      quick: %s\n      full:  %s\n", w->name, w->kind, w->metric,
               w->better, ab_is_executable(b) ? "" : "  [binary not built]", w->quick_args, w->full_args);
        free(b);
    }
    ab_wl_free(&s);
    return 0;
}
