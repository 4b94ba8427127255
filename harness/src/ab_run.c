/* ab_run.c: see ab_run.h. */
#include "ab_run.h"
#include "ab_alloc.h"
#include "ab_calib.h"
#include "ab_csv.h"
#include "ab_exec.h"
#include "ab_meta.h"
#include "ab_parse.h"
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
        {"disturbed", 1, 0, 'd'}, {"registry", 1, 0, 'R'}, {"no-calibrate", 0, 0, 'N'},
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

/* A finished run kept for the summary. */
typedef struct run_row {
    int alloc, wl, threads, rep, warmup, ok, disturbed;
    double value, wall, maxrss_kb;
} run_row;

static const char *csv_cols[] = {
    "run_id", "date", "host", "machine", "allocator", "alloc_version", "workload", "suite", "threads", "pin",
    "rep", "warmup", "status", "exit_code", "signal", "metric", "value", "unit", "better",
    "wall_s", "user_s", "sys_s", "maxrss_kb", "rss_sampled_max_kb", "rss_samples", "foreign_cpu_s",
    "disturbed", "stats_source", "stats_allocated", "stats_active", "stats_resident", "stats_mapped",
    "malloc_file", "note"
};
#define NCOLS ((int)(sizeof csv_cols / sizeof csv_cols[0]))

static int is_std_key(const char *k)
{
    static const char *std[] = { "workload", "threads", "metric", "value", "unit", "better", NULL };
    for (int i = 0; std[i]; i++) if (!strcmp(k, std[i])) return 1;
    return 0;
}

static char *fmt_d(double v) { return ab_xasprintf("%.6g", v); }

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

    char *runs_p = ab_xasprintf("%s/runs.csv", D);
    char *extra_p = ab_xasprintf("%s/extras.csv", D);
    char *gb_p = ab_xasprintf("%s/gbench.csv", D);
    FILE *fr = fopen(runs_p, "w"), *fx = fopen(extra_p, "w"), *fg = fopen(gb_p, "w");
    if (!fr || !fx || !fg) { ab_err("cannot write into %s: %s", D, strerror(errno)); return 2; }
    ab_csv_row(fr, csv_cols, NCOLS);
    { const char *h[] = { "run_id", "allocator", "workload", "threads", "rep", "key", "value" }; ab_csv_row(fx, h, 7); }
    ab_gbench_header(fg);

    long total = (long)nwl * o.nthreads * ((long)o.warmup + (long)o.reps * nal);
    int tty = isatty(2);
    long done = 0, nfail = 0, ndist = 0;
    run_row *rows = ab_xmalloc(sizeof(run_row) * (size_t)(total + 1));
    int nrows = 0;
    double t_start = ab_now();
    int runno = 0;
    int reps_done = 0;
    double last_progress = 0;
    /* Rounds: every cell gets repetition r before any cell gets r+1, so a
     * budget cut leaves every cell with the same number of repetitions and
     * slow drifts in machine load spread over all cells. */
    for (int round = 0; round < o.reps && !ab_interrupted; round++) {
      if (round > 0 && o.budget_s > 0) {
        double el = ab_now() - t_start, per = el / round;
        if (el + per > o.budget_s) {
            fprintf(stderr, "%sallocbench: stopping after %d of %d repetitions: another would pass --budget %g s\n",
                    tty ? "\r\033[K" : "", round, o.reps, o.budget_s);
            break;
        }
      }
      for (int wi = 0; wi < nwl && !ab_interrupted; wi++) {
        const ab_workload *w = wls[wi];
        for (int ti = 0; ti < o.nthreads && !ab_interrupted; ti++) {
            int nw = round == 0 ? o.warmup : 0;
            int nseq = nw + nal;
            for (int q = 0; q < nseq && !ab_interrupted; q++) {
                int warm = q < nw;
                int ai = warm ? q % nal : q - nw;
                int rep = warm ? 0 : round + 1;
                const ab_alloc *a = &al[ai];
                int th = o.threads[ti];
                runno++;
                char run_id[32];
                snprintf(run_id, sizeof run_id, "r%05d", runno);
                char *outp = ab_xasprintf("%s/runs/%s.out", D, run_id);
                char *errp = ab_xasprintf("%s/runs/%s.err", D, run_id);
                char *jsonp = ab_xasprintf("%s/runs/%s.json", D, run_id);
                char *tlp = ab_xasprintf("%s/timeline/%s.csv", D, run_id);
                char **av = build_argv(w, p->root, o.suite, th, o.pin, jsonp);
                char *envs[8];
                int ne = 0;
                envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR=%s", a->name);
                envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR_LIB=%s", a->lib ? a->lib : "");
                envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR_FILE=%s", a->file);
                envs[ne++] = ab_xasprintf("ALLOCBENCH_RUN_PREFIX=%s/runs/%s", D, run_id);
                if (a->env) envs[ne++] = ab_xstrdup(a->env);
                envs[ne] = NULL;

                double el = ab_now() - t_start;
                char eb[32] = "?", tb[32];
                if (done > 0) fmt_hms(eb, sizeof eb, el / (double)done * (double)(total - done));
                fmt_hms(tb, sizeof tb, el);
                /* On a terminal the line is rewritten in place; in a log, one
                 * line every 10 s is enough. */
                if (tty || done == 0 || ab_now() - last_progress >= 10) {
                    fprintf(stderr, "%s[%ld/%ld] %s t=%d %s %s%d  elapsed %s  ETA %s%s",
                            tty ? "\r\033[K" : "", done + 1, total, w->name, th, a->name,
                            warm ? "warm-up " : "rep ", warm ? q + 1 : rep, tb, eb, tty ? "" : "\n");
                    fflush(stderr);
                    last_progress = ab_now();
                }

                ab_exec_spec sp = { av, a->lib, envs, outp, errp, tlp, run_id, o.sample_ms, o.timeout_s };
                ab_exec_result er;
                ab_exec_run(&sp, &er);
                if (er.status == AB_EXIT_INTERRUPTED) {
                    unlink(outp); unlink(errp); unlink(tlp); unlink(jsonp);
                    ab_argv_free(av);
                    for (int i = 0; i < ne; i++) free(envs[i]);
                    free(outp); free(errp); free(jsonp); free(tlp);
                    break;
                }
                char *text = ab_read_file(outp, NULL);
                ab_output out;
                ab_output_parse(text ? text : "", &out);
                const char *status = ab_exec_status_name(er.status);
                char note[512] = "";
                const char *mfile = out.has_allocator ? ab_kv_get(&out.allocator, "file") : NULL;
                int ok = er.status == AB_EXIT_OK;
                if (ok) {
                    const char *bad = out.has_result ? ab_result_check(&out.result) : "result line";
                    if (!mfile) { status = "unverified"; ok = 0; snprintf(note, sizeof note, "no 'ALLOCBENCH allocator' line"); }
                    else if (!ab_alloc_matches(a, mfile)) {
                        status = "mismatch"; ok = 0;
                        snprintf(note, sizeof note, "malloc served by %s, expected %s", mfile, a->file);
                    } else if (bad) {
                        status = "noresult"; ok = 0;
                        snprintf(note, sizeof note, "missing or bad '%s' in the result output", bad);
                    } else if (out.nresult > 1) {
                        snprintf(note, sizeof note, "%d result lines; the last is kept", out.nresult);
                    }
                } else if (er.status == AB_EXIT_SIGNAL) {
                    snprintf(note, sizeof note, "killed by signal %d (%s)", er.signal, strsignal(er.signal));
                } else if (er.status == AB_EXIT_TIMEOUT) {
                    snprintf(note, sizeof note, "killed after %.1f s", o.timeout_s);
                } else if (er.status == AB_EXIT_SPAWN) {
                    snprintf(note, sizeof note, "could not execute %s", av[0]);
                } else {
                    char *et = ab_read_file(errp, NULL);
                    if (et) {
                        /* the last non-empty stderr line explains most failures */
                        size_t L = strlen(et);
                        while (L && (et[L - 1] == '\n' || et[L - 1] == '\r')) et[--L] = '\0';
                        char *ln = strrchr(et, '\n');
                        snprintf(note, sizeof note, "%.300s", ln ? ln + 1 : et);
                        free(et);
                    }
                }
                double thr = er.wall_s * o.disturbed_frac;
                int disturbed = er.foreign_cpu_s > (thr > o.disturbed_floor_s ? thr : o.disturbed_floor_s);

                char date[32]; ab_utc_stamp(date, sizeof date, 0);
                const ab_kv *R = &out.result;
                const char *val = ok ? ab_kv_get(R, "value") : "";
                char *f_th = ab_xasprintf("%d", th), *f_rep = ab_xasprintf("%d", rep);
                char *f_ec = ab_xasprintf("%d", er.exit_code), *f_sig = ab_xasprintf("%d", er.signal);
                char *f_wall = fmt_d(er.wall_s), *f_u = fmt_d(er.user_s), *f_s = fmt_d(er.sys_s);
                char *f_rss = ab_xasprintf("%ld", er.maxrss_kb);
                char *f_srss = ab_xasprintf("%lld", er.rss_sampled_max / 1024);
                char *f_ns = ab_xasprintf("%ld", er.nsamples);
                char *f_fc = ab_xasprintf("%.3f", er.foreign_cpu_s);
                const char *S = out.has_stats ? "" : NULL;
                (void)S;
                const char *fields[NCOLS] = {
                    run_id, date, mc.host, machine_s, a->name, a->version, w->name, o.suite, f_th, o.pin,
                    f_rep, warm ? "1" : "0", status, f_ec, f_sig,
                    w->metric, val ? val : "", ok ? ab_kv_get(R, "unit") : "", w->better,
                    f_wall, f_u, f_s, f_rss, f_srss, f_ns, f_fc, disturbed ? "1" : "0",
                    out.has_stats ? (ab_kv_get(&out.stats, "source") ? ab_kv_get(&out.stats, "source") : "") : "",
                    out.has_stats ? (ab_kv_get(&out.stats, "allocated") ? ab_kv_get(&out.stats, "allocated") : "") : "",
                    out.has_stats ? (ab_kv_get(&out.stats, "active") ? ab_kv_get(&out.stats, "active") : "") : "",
                    out.has_stats ? (ab_kv_get(&out.stats, "resident") ? ab_kv_get(&out.stats, "resident") : "") : "",
                    out.has_stats ? (ab_kv_get(&out.stats, "mapped") ? ab_kv_get(&out.stats, "mapped") : "") : "",
                    mfile ? mfile : "", note
                };
                if (ok && ab_kv_get(R, "metric") && strcmp(ab_kv_get(R, "metric"), w->metric) != 0) {
                    /* the workload's own metric name wins; note the registry's */
                    fields[15] = ab_kv_get(R, "metric");
                }
                if (ok && ab_kv_get(R, "better")) fields[18] = ab_kv_get(R, "better");
                ab_csv_row(fr, fields, NCOLS);
                if (out.has_result) {
                    for (int k = 0; k < R->n; k++) {
                        if (is_std_key(R->keys[k])) continue;
                        const char *xf[] = { run_id, a->name, w->name, f_th, f_rep, R->keys[k], R->vals[k] };
                        ab_csv_row(fx, xf, 7);
                    }
                }
                char *js = ab_read_file(jsonp, NULL);
                if (js) { ab_gbench_rows(fg, js, run_id, a->name, w->name, th, rep, warm); free(js); }

                rows[nrows].alloc = ai; rows[nrows].wl = wi; rows[nrows].threads = th;
                rows[nrows].rep = rep; rows[nrows].warmup = warm; rows[nrows].ok = ok;
                rows[nrows].disturbed = disturbed;
                rows[nrows].value = ok ? strtod(val, NULL) : 0;
                rows[nrows].wall = er.wall_s; rows[nrows].maxrss_kb = (double)er.maxrss_kb;
                nrows++;
                if (!ok) {
                    nfail++;
                    fprintf(stderr, "%sallocbench: run %s (%s, %s, t=%d) failed: %s%s%s\n", tty ? "\r\033[K" : "",
                            run_id, w->name, a->name, th, status, *note ? ": " : "", note);
                }
                if (disturbed) ndist++;
                done++;
                free(f_th); free(f_rep); free(f_ec); free(f_sig); free(f_wall); free(f_u); free(f_s);
                free(f_rss); free(f_srss); free(f_ns); free(f_fc);
                ab_output_free(&out);
                free(text);
                ab_argv_free(av);
                for (int i = 0; i < ne; i++) free(envs[i]);
                free(outp); free(errp); free(jsonp); free(tlp);
            }
        }
      }
      if (!ab_interrupted) reps_done = round + 1;
    }
    if (tty) fputs("\r\033[K", stderr);
    fclose(fr); fclose(fx); fclose(fg);

    /* summary.csv: one row per cell, from the measured (non-warm-up) runs. */
    char *sp = ab_xasprintf("%s/summary.csv", D);
    FILE *fs = fopen(sp, "w");
    free(sp);
    if (fs) {
        const char *h[] = { "allocator", "workload", "threads", "metric", "better", "n_ok", "n_failed", "n_disturbed",
                            "value_median", "value_min", "value_max", "wall_median_s", "maxrss_median_kb" };
        ab_csv_row(fs, h, 13);
        double *vv = ab_xmalloc(sizeof(double) * (size_t)(nrows + 1));
        double *ww = ab_xmalloc(sizeof(double) * (size_t)(nrows + 1));
        double *rr = ab_xmalloc(sizeof(double) * (size_t)(nrows + 1));
        for (int wi = 0; wi < nwl; wi++)
            for (int ti = 0; ti < o.nthreads; ti++)
                for (int ai = 0; ai < nal; ai++) {
                    size_t k = 0;
                    int nf = 0, nd = 0;
                    for (int i = 0; i < nrows; i++) {
                        run_row *r = &rows[i];
                        if (r->warmup || r->wl != wi || r->alloc != ai || r->threads != o.threads[ti]) continue;
                        if (!r->ok) { nf++; continue; }
                        nd += r->disturbed;
                        vv[k] = r->value; ww[k] = r->wall; rr[k] = r->maxrss_kb; k++;
                    }
                    if (k == 0 && nf == 0) continue;
                    ab_summary sv = ab_summarise(vv, k), sw = ab_summarise(ww, k), sr = ab_summarise(rr, k);
                    char b[13][64];
                    snprintf(b[2], 64, "%d", o.threads[ti]);
                    snprintf(b[5], 64, "%zu", k); snprintf(b[6], 64, "%d", nf); snprintf(b[7], 64, "%d", nd);
                    snprintf(b[8], 64, "%.6g", sv.median); snprintf(b[9], 64, "%.6g", sv.min);
                    snprintf(b[10], 64, "%.6g", sv.max); snprintf(b[11], 64, "%.6g", sw.median);
                    snprintf(b[12], 64, "%.0f", sr.median);
                    const char *f[] = { al[ai].name, wls[wi]->name, b[2], wls[wi]->metric, wls[wi]->better,
                                        b[5], b[6], b[7], k ? b[8] : "", k ? b[9] : "", k ? b[10] : "",
                                        k ? b[11] : "", k ? b[12] : "" };
                    ab_csv_row(fs, f, 13);
                }
        free(vv); free(ww); free(rr);
        fclose(fs);
    }

    char date1[32];
    ab_utc_stamp(date1, sizeof date1, 0);
    meta.date_end = date1;
    meta.state = ab_interrupted ? "interrupted" : "complete";
    meta.nruns = done; meta.nfailed = nfail; meta.ndisturbed = ndist; meta.reps_done = reps_done;
    ab_meta_write(D, &meta);
    int fin = ab_resdir_finish(&rd);
    const char *where = fin == 0 ? rd.final_path : rd.tmp_path;
    fprintf(stderr, "allocbench: %ld runs (%ld failed, %ld disturbed) in %.0f s%s\n", done, nfail, ndist,
            ab_now() - t_start, ab_interrupted ? ", interrupted: the finished runs are kept" : "");
    printf("results: %s\n", where);
    fflush(stdout);
    int rc = ab_interrupted ? 130 : 0;
    if (o.summary && !ab_interrupted) ab_report_print(where, stdout);

    free(rows); free(runs_p); free(extra_p); free(gb_p);
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
