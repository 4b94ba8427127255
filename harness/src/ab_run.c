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
"  --executor E       local (default) or slurm: write the plan into the results folder and\n"
"                     submit it as one Slurm job array and a dependent merge job\n"
"  --partition P      (slurm) the partition to submit to (default: the cluster's default)\n"
"  --sbatch-args \"..\" (slurm) more sbatch options, split on blanks\n"
"  --tasks N          (slurm) array tasks; each takes a share of the cells (default: one per\n"
"                     workload and thread count, at most 64)\n"
"  --share            (slurm) tasks may share a node: --cpus-per-task = the largest thread\n"
"                     count instead of --exclusive (timings are then less trustworthy)\n"
"  --wait             (slurm) wait for the array and the merge, showing progress (squeue)\n"
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

static int parse_run_opts(int argc, char **argv, ab_run_opts *o, int calib_only)
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
        {"summary", 0, 0, 'M'}, {"budget", 1, 0, 'B'}, {"help", 0, 0, 'h'},
        {"executor", 1, 0, 'X'}, {"partition", 1, 0, 'P'}, {"sbatch-args", 1, 0, 'A'}, {"tasks", 1, 0, 'k'},
        {"share", 0, 0, 'H'}, {"wait", 0, 0, 'y'}, {0, 0, 0, 0}
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
        case 'X':
            if (!strcmp(optarg, "slurm")) o->slurm = 1;
            else if (!strcmp(optarg, "local")) o->slurm = 0;
            else { ab_err("--executor must be local or slurm, got '%s'", optarg); return -1; }
            break;
        case 'P': o->partition = optarg; break;
        case 'A': o->sbatch_args = optarg; break;
        case 'k': if (parse_int(optarg, 1, 10000, &o->tasks)) { ab_err("--tasks must be an integer in 1..10000, got '%s'", optarg); return -1; } break;
        case 'H': o->share = 1; break;
        case 'y': o->wait = 1; break;
        case 'h': return 1;
        case ':': ab_err("%s: option '%s' needs a value", cmd, argv[optind - 1]); return -1;
        default: ab_err("%s: unknown option '%s' (see allocbench %s --help)", cmd, argv[optind - 1], cmd); return -1;
        }
    }
    if (!o->slurm && (o->partition || o->sbatch_args || o->tasks || o->share || o->wait)) {
        ab_err("%s: --partition, --sbatch-args, --tasks, --share and --wait need --executor slurm", cmd);
        return -1;
    }
    if (o->slurm && o->budget_s > 0) {
        ab_err("%s: --budget is for the local executor (give a Slurm array its --time through --sbatch-args)", cmd);
        return -1;
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
    const ab_matrix *m;
    const ab_paths *p;
    const char *dir;                  /* the results folder being written */
    int tty;                          /* stderr is a terminal: progress rewritten in place */
} run_local_ctx;

/* Execute one run of the plan and record it. Returns 0, or -1 when it was
 * interrupted (nothing recorded). */
int ab_run_one(const ab_matrix *m, const ab_paths *p, const char *dir, const ab_plan_run *pr, int runno,
               ab_record *rec, int tty)
{
    const ab_run_opts *o = &m->o;
    const ab_workload *w = m->wls[pr->wl];
    const ab_alloc *a = &m->al[pr->alloc];
    int th = o->threads[pr->ti];
    char run_id[32];
    snprintf(run_id, sizeof run_id, "r%05d", runno);
    char *outp = ab_xasprintf("%s/runs/%s.out", dir, run_id);
    char *errp = ab_xasprintf("%s/runs/%s.err", dir, run_id);
    char *jsonp = ab_xasprintf("%s/runs/%s.json", dir, run_id);
    char *tlp = ab_xasprintf("%s/timeline/%s.csv", dir, run_id);
    char **av = build_argv(w, p->root, o->suite, th, o->pin, jsonp);
    char *envs[8];
    int ne = 0;
    envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR=%s", a->name);
    envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR_LIB=%s", a->lib ? a->lib : "");
    envs[ne++] = ab_xasprintf("ALLOCBENCH_ALLOCATOR_FILE=%s", a->file);
    envs[ne++] = ab_xasprintf("ALLOCBENCH_RUN_PREFIX=%s/runs/%s", dir, run_id);
    if (a->env) envs[ne++] = ab_xstrdup(a->env);
    envs[ne] = NULL;

    ab_exec_spec sp = { av, a->lib, envs, outp, errp, tlp, run_id, o->sample_ms, o->timeout_s };
    ab_exec_result er;
    ab_exec_run(&sp, &er);
    /* A signal sent to allocbench and its workload together (Ctrl-C, or a
     * batch system ending the job) may end the workload before allocbench
     * sees its own: such a run was interrupted, not crashed. */
    if (er.status == AB_EXIT_SIGNAL && (er.signal == SIGTERM || er.signal == SIGINT || er.signal == SIGHUP))
        for (int i = 0; i < 20 && !ab_interrupted; i++) usleep(10000);
    if (er.status == AB_EXIT_SIGNAL && ab_interrupted) er.status = AB_EXIT_INTERRUPTED;
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
            fprintf(stderr, "%sallocbench: run %s (%s, %s, t=%d) failed: %s%s%s\n", tty ? "\r\033[K" : "",
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
        if (ab_run_one(x->m, x->p, x->dir, pr, (int)i + 1, rec, x->tty)) break;
        (*done)++;
    }
    if (x->tty) fputs("\r\033[K", stderr);
    if (!ab_interrupted) reps_done = plan->n ? plan->v[plan->n - 1].round + 1 : 0;
    return reps_done;
}

char *ab_run_machine_label(const ab_machine *mc)
{
    char *s = ab_xasprintf("%s; %d CPUs; Linux %s", mc->cpu_model, mc->ncpu_online, mc->kernel);
    for (char *q = s; *q; q++) if (*q == ',' || *q == '"') *q = ' ';   /* keep the column simple to cut */
    return s;
}

int ab_matrix_load(ab_matrix *m, int argc, char **argv, const ab_paths *p)
{
    memset(m, 0, sizeof *m);
    ab_run_opts *o = &m->o;
    int pr = parse_run_opts(argc, argv, o, 0);
    if (pr) return pr;

    /* Workloads. */
    if (ab_wl_load_default(&m->all, p->root, o->registry, o->nregistry)) return -1;
    m->wls = ab_xmalloc(sizeof(*m->wls) * (size_t)(m->all.n + 1));
    if (!strcmp(o->workloads, "all")) {
        for (int i = 0; i < m->all.n; i++) m->wls[m->nwl++] = &m->all.v[i];
    } else {
        char *copy = ab_xstrdup(o->workloads), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            const ab_workload *w = ab_wl_find(&m->all, t);
            if (!w) {
                ab_err("unknown workload '%s' (see allocbench list)", t);
                free(copy); ab_matrix_free(m); return -1;
            }
            int dup = 0;
            for (int i = 0; i < m->nwl; i++) if (m->wls[i] == w) dup = 1;
            if (!dup) m->wls[m->nwl++] = w;
        }
        free(copy);
    }
    if (m->nwl == 0) { ab_err("no workloads to run (none registered in workloads/*.tsv?)"); ab_matrix_free(m); return -1; }
    for (int i = 0; i < m->nwl; i++) {
        const ab_workload *w = m->wls[i];
        char *b = w->binary[0] == '/' ? ab_xstrdup(w->binary) : ab_xasprintf("%s/%s", p->root, w->binary);
        int ok = ab_is_executable(b);
        if (!ok) ab_err("workload '%s': binary %s missing (run make)", w->name, b);
        free(b);
        if (!ok) { ab_matrix_free(m); return -1; }
    }

    /* Allocators, probed before anything is recorded. */
    m->nal = ab_alloc_parse(o->allocators, p->root, &m->al);
    if (m->nal < 0) { m->nal = 0; m->al = NULL; ab_matrix_free(m); return -1; }
    char *probe = ab_xasprintf("%s/ab-probe", p->exedir);
    for (int i = 0; i < m->nal; i++) {
        if (ab_alloc_probe(&m->al[i], probe, p->root)) { free(probe); ab_matrix_free(m); return -1; }
    }
    free(probe);
    return 0;
}

void ab_matrix_free(ab_matrix *m)
{
    if (m->al) ab_alloc_free(m->al, m->nal);
    free(m->wls);
    ab_wl_free(&m->all);
    m->al = NULL; m->wls = NULL; m->nal = m->nwl = 0;
}

int ab_cmd_run(int argc, char **argv, const ab_paths *p)
{
    ab_run_opts o0;
    int pr = parse_run_opts(argc, argv, &o0, 0);
    if (pr > 0) { fputs(run_help, stdout); return 0; }
    if (pr < 0) return 2;
    /* The Slurm executor checks its cluster before anything is loaded or written. */
    if (o0.slurm && ab_slurm_preflight(&o0)) return 2;
    ab_matrix mx;
    pr = ab_matrix_load(&mx, argc, argv, p);
    if (pr > 0) { fputs(run_help, stdout); return 0; }
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
        char **v = build_argv(wls[i], p->root, o.suite, 0, o.pin, NULL);
        free(v[2]); v[2] = ab_xstrdup("%THREADS%");
        argv_lines[i] = join_argv(v);
        ab_argv_free(v);
    }
    char *cl = cmd_line(argc, argv);
    char *machine_s = ab_run_machine_label(&mc);
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
