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
#include "ab_stats.h"
#include "ab_util.h"
#include "ab_wl.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AB_MAX_THREADS 64
#define AB_MAX_EXTRA   16

/* Options of `run`. Invariant after parsing: nthreads >= 1, reps >= 1,
 * sample_ms >= 1, timeout_s > 0, suite is quick|full|smoke. */
typedef struct run_opts {
    const char *allocators, *workloads, *threads_s, *pin, *suite, *out;
    int threads[AB_MAX_THREADS], nthreads;
    int reps, warmup, sample_ms, calibrate, summary;
    int abba;              /* --order abba: odd rounds take the allocators in reverse order */
    double timeout_s, disturbed_frac, disturbed_floor_s, budget_s;
    char *registry[AB_MAX_EXTRA];
    int nregistry;
} run_opts;

static const char *run_help =
"usage: allocbench run [options]\n"
"Run every allocator x workload x thread count, --reps times, and write\n"
"runs.csv, extras.csv, gbench.csv, summary.csv, timeline/, runs/, meta.json,\n"
"topology.xml and calibration.csv into a new folder <out>/<UTC time>-<host>.\n"
"\n"
"  --allocators LIST  comma list: glibc,jemalloc,tcmalloc,mimalloc,tide,tide-2006,\n"
"                     locked, or name=/path/lib.so; 'all' = every built-in (default)\n"
"  --workloads LIST   comma list of workload names, or 'all' (default); see `list`\n"
"  --threads LIST     thread counts, e.g. 1,2,4 or 1-4 (default 1,2)\n"
"  --reps N           measured repetitions per cell (default 3)\n"
"  --warmup N         unmeasured warm-up runs per workload and thread count (default 1)\n"
"  --pin POLICY       compact, scatter or none: passed to every workload (default compact)\n"
"  --suite S          quick or full: which argument column of workloads.tsv (default quick;\n"
"                     smoke = the tiny arguments the tests use)\n"
"  --out DIR          parent folder of result sets (default <repo>/results)\n"
"  --timeout S        seconds before a run is killed and recorded as timeout (default 120)\n"
"  --sample-ms N      RSS sampling period in ms (default 10)\n"
"  --disturbed F      flag a run when foreign CPU > F x wall time (default 0.10)\n"
"  --registry FILE    also read workloads from this TSV file (repeatable)\n"
"  --budget S         start another round of repetitions only if it should end within\n"
"                     S seconds of the start (every cell keeps the same count; default: no limit)\n"
"  --no-calibrate     skip the CPU-speedup calibration\n"
"  --order O          rr: every round takes the allocators in order (default);\n"
"                     abba: odd rounds take them in reverse (A B, B A: paired comparisons)\n"
"  --summary          print the ratio table against jemalloc when done\n"
"  --help             this text\n";

static int parse_int(const char *s, int lo, int hi, int *v)
{
    char *e;
    errno = 0;
    long x = strtol(s, &e, 10);
    if (errno || *e || e == s || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

static int parse_dbl(const char *s, double lo, double hi, double *v)
{
    char *e;
    double x = strtod(s, &e);
    if (*e || e == s || !(x >= lo && x <= hi)) return -1;
    *v = x;
    return 0;
}

static int parse_run_opts(int argc, char **argv, run_opts *o, int calib_only)
{
    memset(o, 0, sizeof *o);
    o->allocators = "all"; o->workloads = "all"; o->threads_s = "1,2";
    o->pin = "compact"; o->suite = "quick"; o->out = NULL;
    o->reps = 3; o->warmup = 1; o->sample_ms = 10; o->calibrate = 1;
    o->timeout_s = 120; o->disturbed_frac = 0.10; o->disturbed_floor_s = 0.05;
    static const struct option lo[] = {
        {"allocators", 1, 0, 'a'}, {"workloads", 1, 0, 'w'}, {"threads", 1, 0, 't'},
        {"reps", 1, 0, 'r'}, {"warmup", 1, 0, 'W'}, {"pin", 1, 0, 'p'}, {"suite", 1, 0, 's'},
        {"out", 1, 0, 'o'}, {"timeout", 1, 0, 'T'}, {"sample-ms", 1, 0, 'S'},
        {"disturbed", 1, 0, 'd'}, {"registry", 1, 0, 'R'}, {"no-calibrate", 0, 0, 'N'}, {"order", 1, 0, 'O'},
        {"summary", 0, 0, 'M'}, {"budget", 1, 0, 'B'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}
    };
    optind = 1;
    opterr = 0;
    int c;
    const char *cmd = calib_only ? "calibrate" : "run";
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'a': o->allocators = optarg; break;
        case 'w': o->workloads = optarg; break;
        case 't': o->threads_s = optarg; break;
        case 'r': if (parse_int(optarg, 1, 1000, &o->reps)) { ab_err("--reps must be an integer in 1..1000, got '%s'", optarg); return -1; } break;
        case 'W': if (parse_int(optarg, 0, 100, &o->warmup)) { ab_err("--warmup must be an integer in 0..100, got '%s'", optarg); return -1; } break;
        case 'p':
            if (strcmp(optarg, "compact") && strcmp(optarg, "scatter") && strcmp(optarg, "none")) {
                ab_err("--pin must be compact, scatter or none, got '%s'", optarg); return -1;
            }
            o->pin = optarg; break;
        case 's':
            if (strcmp(optarg, "quick") && strcmp(optarg, "full") && strcmp(optarg, "smoke")) {
                ab_err("--suite must be quick or full, got '%s'", optarg); return -1;
            }
            o->suite = optarg; break;
        case 'o': o->out = optarg; break;
        case 'T': if (parse_dbl(optarg, 0.01, 86400, &o->timeout_s)) { ab_err("--timeout must be seconds in 0.01..86400, got '%s'", optarg); return -1; } break;
        case 'S': if (parse_int(optarg, 1, 10000, &o->sample_ms)) { ab_err("--sample-ms must be an integer in 1..10000, got '%s'", optarg); return -1; } break;
        case 'd': if (parse_dbl(optarg, 0, 100, &o->disturbed_frac)) { ab_err("--disturbed must be a fraction >= 0, got '%s'", optarg); return -1; } break;
        case 'R':
            if (o->nregistry == AB_MAX_EXTRA) { ab_err("too many --registry files"); return -1; }
            o->registry[o->nregistry++] = optarg; break;
        case 'N': o->calibrate = 0; break;
        case 'O':
            if (!strcmp(optarg, "abba")) o->abba = 1;
            else if (!strcmp(optarg, "rr")) o->abba = 0;
            else { ab_err("--order must be rr or abba, got '%s'", optarg); return -1; }
            break;
        case 'B': if (parse_dbl(optarg, 1, 1e7, &o->budget_s)) { ab_err("--budget must be seconds >= 1, got '%s'", optarg); return -1; } break;
        case 'M': o->summary = 1; break;
        case 'h': return 1;
        case ':': ab_err("%s: option '%s' needs a value", cmd, argv[optind - 1]); return -1;
        default: ab_err("%s: unknown option '%s' (see allocbench %s --help)", cmd, argv[optind - 1], cmd); return -1;
        }
    }
    if (optind < argc) { ab_err("%s: unexpected argument '%s' (see allocbench %s --help)", cmd, argv[optind], cmd); return -1; }
    char err[256];
    o->nthreads = ab_parse_threads(o->threads_s, o->threads, AB_MAX_THREADS, err, sizeof err);
    if (o->nthreads < 0) { ab_err("%s", err); return -1; }
    return 0;
}

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

/* argv for one run: binary --threads N --pin P <args> [gbench flags]. */
static char **build_argv(const ab_workload *w, const char *root, const char *suite, int threads,
                         const char *pin, const char *gbench_out)
{
    int na;
    char **args = ab_split_ws(ab_wl_args(w, suite), &na);
    char **v = ab_xmalloc(sizeof(char *) * (size_t)(na + 10));
    int k = 0;
    v[k++] = w->binary[0] == '/' ? ab_xstrdup(w->binary) : ab_xasprintf("%s/%s", root, w->binary);
    v[k++] = ab_xstrdup("--threads");
    v[k++] = ab_xasprintf("%d", threads);
    v[k++] = ab_xstrdup("--pin");
    v[k++] = ab_xstrdup(pin);
    for (int i = 0; i < na; i++) v[k++] = args[i];
    free(args);
    if (!strcmp(w->kind, "gbench") && gbench_out) {
        v[k++] = ab_xasprintf("--benchmark_out=%s", gbench_out);
        v[k++] = ab_xstrdup("--benchmark_out_format=json");
    }
    v[k] = NULL;
    return v;
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
    const run_opts *o;
    const ab_paths *p;
    const char *dir;                  /* the results folder being written */
    const ab_workload *const *wls;
    const ab_alloc *al;
    int tty;                          /* stderr is a terminal: progress rewritten in place */
} run_local_ctx;

/* Execute one run of the plan and record it. Returns 0, or -1 when it was
 * interrupted (nothing recorded). */
static int run_one(const run_local_ctx *x, const ab_plan_run *pr, int runno, ab_record *rec)
{
    const run_opts *o = x->o;
    const ab_workload *w = x->wls[pr->wl];
    const ab_alloc *a = &x->al[pr->alloc];
    int th = o->threads[pr->ti];
    char run_id[32];
    snprintf(run_id, sizeof run_id, "r%05d", runno);
    char *outp = ab_xasprintf("%s/runs/%s.out", x->dir, run_id);
    char *errp = ab_xasprintf("%s/runs/%s.err", x->dir, run_id);
    char *jsonp = ab_xasprintf("%s/runs/%s.json", x->dir, run_id);
    char *tlp = ab_xasprintf("%s/timeline/%s.csv", x->dir, run_id);
    char **av = build_argv(w, x->p->root, o->suite, th, o->pin, jsonp);
    char *envs[8];
    int ne = 0;
    envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR=%s", a->name);
    envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR_LIB=%s", a->lib ? a->lib : "");
    envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR_FILE=%s", a->file);
    envs[ne++] = ab_xasprintf("ALLOCBENCH_RUN_PREFIX=%s/runs/%s", x->dir, run_id);
    if (a->env) envs[ne++] = ab_xstrdup(a->env);
    envs[ne] = NULL;

    ab_exec_spec sp = { av, a->lib, envs, outp, errp, tlp, run_id, o->sample_ms, o->timeout_s };
    ab_exec_result er;
    ab_exec_run(&sp, &er);
    int rc = 0;
    if (er.status == AB_EXIT_INTERRUPTED) {
        unlink(outp); unlink(errp); unlink(tlp); unlink(jsonp);
        rc = -1;
    } else {
        ab_record_run_in in = { run_id, a, pr->alloc, w, pr->wl, th, pr->rep, pr->warm, av[0], &er, outp, errp, jsonp };
        const char *status;
        char note[512];
        const ab_record_row *row = ab_record_run(rec, &in, &status, note);
        if (!row->ok)
            fprintf(stderr, "%sallocbench: run %s (%s, %s, t=%d) failed: %s%s%s\n", x->tty ? "\r\033[K" : "",
                    run_id, w->name, a->name, th, status, *note ? ": " : "", note);
    }
    ab_argv_free(av);
    for (int i = 0; i < ne; i++) free(envs[i]);
    free(outp); free(errp); free(jsonp); free(tlp);
    return rc;
}

/* The local executor: walks the plan in order with a progress line and an
 * ETA, stops between rounds when another round would pass --budget, and on
 * SIGINT/SIGTERM after the current run. Returns the rounds completed; *done
 * receives the runs recorded. */
static int run_execute_local(const ab_plan *plan, const run_local_ctx *x, ab_record *rec, long *done)
{
    const run_opts *o = x->o;
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
                    *done + 1, plan->n, x->wls[pr->wl]->name, o->threads[pr->ti], x->al[pr->alloc].name,
                    pr->warm ? "warm-up " : "rep ", pr->warm ? pr->warm_no : pr->rep, tb, eb, x->tty ? "" : "\n");
            fflush(stderr);
            last_progress = ab_now();
        }
        if (run_one(x, pr, (int)i + 1, rec)) break;
        (*done)++;
    }
    if (x->tty) fputs("\r\033[K", stderr);
    if (!ab_interrupted) reps_done = plan->n ? plan->v[plan->n - 1].round + 1 : 0;
    return reps_done;
}

int ab_cmd_run(int argc, char **argv, const ab_paths *p)
{
    run_opts o;
    int pr = parse_run_opts(argc, argv, &o, 0);
    if (pr > 0) { fputs(run_help, stdout); return 0; }
    if (pr < 0) return 2;

    /* Workloads. */
    ab_wlset all = {0};
    if (ab_wl_load_default(&all, p->root, o.registry, o.nregistry)) return 2;
    const ab_workload **wls = NULL;
    int nwl = 0;
    if (!strcmp(o.workloads, "all")) {
        wls = ab_xmalloc(sizeof(*wls) * (size_t)(all.n + 1));
        for (int i = 0; i < all.n; i++) wls[nwl++] = &all.v[i];
    } else {
        char *copy = ab_xstrdup(o.workloads), *save = NULL;
        wls = ab_xmalloc(sizeof(*wls) * (size_t)(all.n + 1));
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            const ab_workload *w = ab_wl_find(&all, t);
            if (!w) {
                ab_err("unknown workload '%s' (see allocbench list)", t);
                free(copy); free(wls); ab_wl_free(&all); return 2;
            }
            int dup = 0;
            for (int i = 0; i < nwl; i++) if (wls[i] == w) dup = 1;
            if (!dup) wls[nwl++] = w;
        }
        free(copy);
    }
    if (nwl == 0) { ab_err("no workloads to run (none registered in workloads/*.tsv?)"); free(wls); ab_wl_free(&all); return 2; }
    for (int i = 0; i < nwl; i++) {
        char *b = wls[i]->binary[0] == '/' ? ab_xstrdup(wls[i]->binary) : ab_xasprintf("%s/%s", p->root, wls[i]->binary);
        int ok = ab_is_executable(b);
        if (!ok) ab_err("workload '%s': binary %s missing (run make)", wls[i]->name, b);
        free(b);
        if (!ok) { free(wls); ab_wl_free(&all); return 2; }
    }

    /* Allocators, probed before anything is recorded. */
    ab_alloc *al = NULL;
    int nal = ab_alloc_parse(o.allocators, p->root, &al);
    if (nal < 0) { free(wls); ab_wl_free(&all); return 2; }
    char *probe = ab_xasprintf("%s/ab-probe", p->exedir);
    for (int i = 0; i < nal; i++) {
        if (ab_alloc_probe(&al[i], probe, p->root)) { free(probe); ab_alloc_free(al, nal); free(wls); ab_wl_free(&all); return 2; }
    }
    free(probe);

    ab_machine mc;
    ab_machine_get(&mc);
    char stamp[32], date0[32];
    ab_utc_stamp(stamp, sizeof stamp, 1);
    ab_utc_stamp(date0, sizeof date0, 0);
    char *outdir = o.out ? ab_xstrdup(o.out) : ab_xasprintf("%s/results", p->root);
    ab_resdir rd;
    if (ab_resdir_create(&rd, outdir, stamp, mc.host)) { ab_machine_free(&mc); ab_alloc_free(al, nal); free(wls); ab_wl_free(&all); free(outdir); return 2; }
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
        char **v = build_argv(wls[i], p->root, o.suite, 0, o.pin, NULL);
        free(v[2]); v[2] = ab_xstrdup("%THREADS%");
        argv_lines[i] = join_argv(v);
        ab_argv_free(v);
    }
    char *cl = cmd_line(argc, argv);
    char *machine_s = ab_xasprintf("%s; %d CPUs; Linux %s", mc.cpu_model, mc.ncpu_online, mc.kernel);
    for (char *q = machine_s; *q; q++) if (*q == ',' || *q == '"') *q = ' ';   /* keep the column simple to cut */
    ab_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.machine = &mc; meta.allocs = al; meta.nalloc = nal;
    meta.wls = wls; meta.nwl = nwl; meta.argv_lines = argv_lines;
    meta.threads = o.threads; meta.nthreads = o.nthreads;
    meta.suite = o.suite; meta.pin = o.pin; meta.command_line = cl;
    meta.git_commit = git_commit ? git_commit : "unknown"; meta.git_status = git_status;
    meta.date_start = date0; meta.date_end = NULL; meta.state = "running";
    meta.results_name = rd.name;
    meta.reps = o.reps; meta.warmup = o.warmup; meta.sample_ms = o.sample_ms;
    meta.timeout_s = o.timeout_s; meta.disturbed_frac = o.disturbed_frac; meta.disturbed_floor_s = o.disturbed_floor_s;
    meta.calibrated = o.calibrate;
    ab_meta_write(D, &meta);

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
    run_local_ctx lc = { &o, p, D, wls, al, isatty(2) };
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
    ab_alloc_free(al, nal);
    free(wls);
    ab_wl_free(&all);
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
    run_opts o;
    int pr = parse_run_opts(argc, argv, &o, 1);
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
