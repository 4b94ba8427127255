/*
 * ab_matrix.c: the matrix of a run (its options, workloads and probed
 * allocators) and the execute step of one planned run, shared by the local
 * executor (ab_run.c) and the Slurm executor (ab_slurm.c).
 */
#include "ab_matrix.h"
#include "ab_exec.h"
#include "ab_meta.h"
#include "ab_parse.h"
#include "ab_util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const ab_matrix_run_help =
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

int ab_matrix_parse_opts(int argc, char **argv, ab_run_opts *o, int calib_only)
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

/* argv for one run: binary --threads N --pin P <args> [gbench flags]. */
char **ab_matrix_argv(const ab_workload *w, const char *root, const char *suite, int threads,
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
    /* An argument naming a file of the tree (build/..., workloads/...: the
     * registries' inputs) is made absolute, so that a run does not depend on
     * the current folder. */
    for (int i = 0; i < na; i++) {
        char *abs = args[i][0] != '/' && strchr(args[i], '/') ? ab_xasprintf("%s/%s", root, args[i]) : NULL;
        if (abs && access(abs, F_OK) == 0) { free(args[i]); v[k++] = abs; }
        else { free(abs); v[k++] = args[i]; }
    }
    free(args);
    if (!strcmp(w->kind, "gbench") && gbench_out) {
        v[k++] = ab_xasprintf("--benchmark_out=%s", gbench_out);
        v[k++] = ab_xstrdup("--benchmark_out_format=json");
    }
    v[k] = NULL;
    return v;
}

/* Execute one run of the plan and record it. Returns 0, or -1 when it was
 * interrupted (nothing recorded). */
int ab_matrix_run_one(const ab_matrix *m, const ab_paths *p, const char *dir, const ab_plan_run *pr, int runno,
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
    char **av = ab_matrix_argv(w, p->root, o->suite, th, o->pin, jsonp);
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

char *ab_matrix_machine_label(const ab_machine *mc)
{
    char *s = ab_xasprintf("%s; %d CPUs; Linux %s", mc->cpu_model, mc->ncpu_online, mc->kernel);
    for (char *q = s; *q; q++) if (*q == ',' || *q == '"') *q = ' ';   /* keep the column simple to cut */
    return s;
}

int ab_matrix_load(ab_matrix *m, int argc, char **argv, const ab_paths *p)
{
    memset(m, 0, sizeof *m);
    ab_run_opts *o = &m->o;
    int pr = ab_matrix_parse_opts(argc, argv, o, 0);
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

