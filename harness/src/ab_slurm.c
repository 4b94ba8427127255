/* ab_slurm.c: see ab_slurm.h. */
#include "ab_slurm.h"
#include "ab_csv.h"
#include "ab_exec.h"
#include "ab_merge.h"
#include "ab_meta.h"
#include "ab_plan.h"
#include "ab_record.h"
#include "ab_util.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run a shell command; *out receives stdout and stderr together (may be
 * NULL). Returns the exit status, or -1 when it could not run. */
static int sl_run(const char *cmd, char **out)
{
    char *full = ab_xasprintf("%s 2>&1", cmd);
    FILE *f = popen(full, "r");
    free(full);
    if (out) *out = NULL;
    if (!f) return -1;
    ab_str s = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) ab_str_addn(&s, buf, n);
    int st = pclose(f);
    if (out) *out = s.buf ? s.buf : ab_xstrdup("");
    else ab_str_free(&s);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

/* The last non-empty line of a command's output, without Slurm's
 * "sbatch: error: " style prefixes; points into s (modified). */
static const char *sl_last_line(char *s)
{
    if (!s) return "";
    size_t L = strlen(s);
    while (L && (s[L - 1] == '\n' || s[L - 1] == '\r' || s[L - 1] == ' ')) s[--L] = '\0';
    char *ln = strrchr(s, '\n');
    ln = ln ? ln + 1 : s;
    for (;;) {
        char *e = strstr(ln, "error: ");
        if (!e) break;
        ln = e + 7;
    }
    return ln;
}

static int sl_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char *copy = ab_xstrdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *f = ab_xasprintf("%s/%s", *d ? d : ".", prog);
        found = ab_is_executable(f);
        free(f);
    }
    free(copy);
    return found;
}

int ab_slurm_preflight(const ab_run_opts *o)
{
    static const char *progs[] = { "sbatch", "squeue", "scontrol", "scancel", NULL };
    for (int i = 0; progs[i]; i++)
        if (!sl_on_path(progs[i])) {
            ab_err("--executor slurm: %s is not on the PATH (install the Slurm client or load the cluster's module)", progs[i]);
            return -1;
        }
    char *out = NULL;
    int st = sl_run("scontrol ping", &out);
    if (st != 0 || !out || strstr(out, "DOWN") || !strstr(out, "UP")) {
        char *l = out ? strstr(out, "Slurmctld") : NULL;
        if (l) l[strcspn(l, "\n")] = '\0';
        ab_err("--executor slurm: the Slurm controller does not answer (scontrol ping: %s)", l ? l : sl_last_line(out));
        free(out);
        return -1;
    }
    free(out);
    if (o->partition) {
        char *q = ab_shell_quote(o->partition);
        char *cmd = ab_xasprintf("scontrol -o show partition %s", q);
        st = sl_run(cmd, &out);
        free(cmd); free(q);
        if (st != 0) {
            ab_err("--executor slurm: unknown partition '%s' (%s)", o->partition, sl_last_line(out));
            free(out);
            return -1;
        }
        free(out);
    }
    return 0;
}

/* ---- attempts ---------------------------------------------------------- */

static int sl_next_attempt(const char *dir)
{
    for (int k = 0;; k++) {
        char *f = ab_xasprintf("%s/slurm/attempt-%d.tsv", dir, k);
        int e = ab_file_exists(f);
        free(f);
        if (!e) return k;
    }
}

/* Read the runs of attempt k; returns the count (0 when absent). */
static long sl_read_attempt(const char *dir, int k, long **runs)
{
    char *f = ab_xasprintf("%s/slurm/attempt-%d.tsv", dir, k);
    char *t = ab_read_file(f, NULL);
    free(f);
    *runs = NULL;
    if (!t) return 0;
    long n = 0, cap = 0;
    char *save = NULL;
    for (char *ln = strtok_r(t, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        long r = atol(ln);
        if (r < 1) continue;
        if (n == cap) { cap = cap ? 2 * cap : 256; *runs = ab_xrealloc(*runs, sizeof(long) * (size_t)cap); }
        (*runs)[n++] = r;
    }
    free(t);
    return n;
}

/* Submit attempt k: the runs[0..n) as one array and a merge job that
 * depends on it. Options (partition, sbatch args, share, tasks) come from
 * o; maxthreads is the largest thread count of the runs. On success the
 * job ids go to slurm/attempt-k.jobs and into arr/merge. */
static int sl_submit_attempt(const char *dir, const ab_paths *p, const ab_run_opts *o, int k, const ab_plan_file *pf,
                             const long *runs, long n, char *arr, char *merge, size_t idn)
{
    char *sd = ab_xasprintf("%s/slurm", dir);
    ab_mkdirs(sd, 0755);
    ab_str at = {0};
    int maxth = 1;
    for (long i = 0; i < n; i++) {
        ab_str_addf(&at, "%ld\n", runs[i]);
        if (pf->v[runs[i] - 1].threads > maxth) maxth = pf->v[runs[i] - 1].threads;
    }
    char *af = ab_xasprintf("%s/attempt-%d.tsv", sd, k);
    int wr = ab_write_atomic(af, at.buf ? at.buf : "", at.len);
    free(af); ab_str_free(&at);
    if (wr) { ab_err("cannot write the plan of attempt %d into %s: %s", k, sd, strerror(errno)); free(sd); return -1; }
    int *task_of = ab_xmalloc(sizeof(int) * (size_t)(n + 1));
    int nt = ab_plan_shares(pf, runs, n, o->tasks, task_of);
    free(task_of);

    char *abin = ab_xasprintf("%s/allocbench", p->exedir);
    char *qabin = ab_shell_quote(abin), *qdir = ab_shell_quote(dir);
    char *cwd = getcwd(NULL, 0);
    char *qcwd = ab_shell_quote(cwd ? cwd : "/");
    ab_str common = {0};
    if (o->partition) { char *q = ab_shell_quote(o->partition); ab_str_addf(&common, " --partition=%s", q); free(q); }
    ab_str_addf(&common, " --nodes=1 --ntasks=1 --chdir=%s", qcwd);

    ab_str cmd = {0};
    char *task_cmd = ab_xasprintf("exec %s run-task %s %d \"$SLURM_ARRAY_TASK_ID\" %d", qabin, qdir, k, nt);
    char *qtask = ab_shell_quote(task_cmd);
    char *out_a = ab_xasprintf("%s/a%d-%%A_%%a.out", sd, k);
    char *qout_a = ab_shell_quote(out_a);
    ab_str_addf(&cmd, "sbatch --parsable --job-name=allocbench --array=0-%d%s --output=%s", nt - 1, ab_str_c(&common), qout_a);
    /* timed runs own their node unless the user accepts sharing */
    if (o->share) ab_str_addf(&cmd, " --cpus-per-task=%d", maxth);
    else ab_str_add(&cmd, " --exclusive");
    if (o->sbatch_args) {
        int na;
        char **v = ab_split_ws(o->sbatch_args, &na);
        for (int i = 0; i < na; i++) { char *q = ab_shell_quote(v[i]); ab_str_addf(&cmd, " %s", q); free(q); }
        ab_argv_free(v);
    }
    ab_str_addf(&cmd, " --wrap=%s", qtask);
    char *out = NULL;
    int st = sl_run(ab_str_c(&cmd), &out);
    int rc = -1;
    if (st != 0 || !out || !*out) {
        ab_err("sbatch failed: %s", sl_last_line(out));
        goto done;
    }
    snprintf(arr, idn, "%.*s", (int)strcspn(out, ";\n"), out);
    free(out); out = NULL;

    ab_str_free(&cmd);
    char *merge_cmd = ab_xasprintf("exec %s merge %s", qabin, qdir);
    char *qmerge = ab_shell_quote(merge_cmd);
    char *out_m = ab_xasprintf("%s/a%d-merge-%%j.out", sd, k);
    char *qout_m = ab_shell_quote(out_m);
    ab_str_addf(&cmd, "sbatch --parsable --job-name=allocbench-merge --dependency=afterany:%s --cpus-per-task=1%s --output=%s --wrap=%s",
                arr, ab_str_c(&common), qout_m, qmerge);
    free(merge_cmd); free(qmerge); free(out_m); free(qout_m);
    st = sl_run(ab_str_c(&cmd), &out);
    if (st != 0 || !out || !*out) {
        ab_err("sbatch of the merge job failed (the array %s was cancelled): %s", arr, sl_last_line(out));
        char *c2 = ab_xasprintf("scancel %s", arr);
        sl_run(c2, NULL);
        free(c2);
        goto done;
    }
    snprintf(merge, idn, "%.*s", (int)strcspn(out, ";\n"), out);
    char *jf = ab_xasprintf("%s/attempt-%d.jobs", sd, k);
    char *jt = ab_xasprintf("array=%s tasks=%d merge=%s\n", arr, nt, merge);
    ab_write_atomic(jf, jt, strlen(jt));
    free(jf); free(jt);
    fprintf(stderr, "allocbench: attempt %d: %ld runs submitted as job array %s (%d task%s, %s) and merge job %s\n", k, n, arr,
            nt, nt > 1 ? "s" : "", o->share ? "shared nodes" : "exclusive nodes", merge);
    rc = 0;
done:
    free(out);
    ab_str_free(&cmd); ab_str_free(&common);
    free(task_cmd); free(qtask); free(out_a); free(qout_a);
    free(abin); free(qabin); free(qdir); free(cwd); free(qcwd); free(sd);
    return rc;
}

/* Rows recorded so far by the tasks of attempt k. */
static long sl_rows_done(const char *dir, int k, int nt)
{
    long rows = 0;
    for (int t = 0; t < nt; t++) {
        char *f = ab_xasprintf("%s/parts/a%d-t%d/runs.csv", dir, k, t);
        FILE *in = fopen(f, "r");
        free(f);
        if (!in) continue;
        int c;
        long lines = 0;
        while ((c = getc(in)) != EOF) if (c == '\n') lines++;
        fclose(in);
        if (lines > 0) rows += lines - 1;
    }
    return rows;
}

/* Wait for the array and the merge job by polling squeue (sbatch --wait
 * polls at 2, 8 and then 32 s), with a progress line. Returns 0 when the
 * merge left a complete set, 1 when a partial one, 2 on errors. */
static int sl_wait(const char *dir, int k, const char *arr, const char *merge, long total)
{
    int tty = isatty(2), nt = 1, misses = 0;
    {
        char *jf = ab_xasprintf("%s/slurm/attempt-%d.jobs", dir, k);
        char *t = ab_read_file(jf, NULL);
        free(jf);
        if (t && strstr(t, "tasks=")) nt = atoi(strstr(t, "tasks=") + 6);
        free(t);
    }
    double t0 = ab_now(), last = -100;
    char *cmd = ab_xasprintf("squeue -h -j %s,%s -o %%T", arr, merge);
    for (;;) {
        char *out = NULL;
        int st = sl_run(cmd, &out);
        if (st != 0) {
            /* squeue fails for finished job ids once the controller forgets them */
            if (++misses >= 20 || (out && strstr(out, "Invalid job id"))) { free(out); break; }
            free(out);
            usleep(500000);
            continue;
        }
        misses = 0;
        int running = 0, pending = 0, other = 0;
        char *save = NULL;
        for (char *ln = strtok_r(out, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
            if (!strcmp(ln, "RUNNING") || !strcmp(ln, "COMPLETING")) running++;
            else if (!strcmp(ln, "PENDING") || !strcmp(ln, "CONFIGURING")) pending++;
            else other++;
        }
        free(out);
        if (running + pending + other == 0) break;
        if (ab_interrupted) {
            fprintf(stderr, "%sallocbench: stopped waiting; the jobs go on (allocbench merge %s when they end)\n", tty ? "\r\033[K" : "", dir);
            free(cmd);
            return 130;
        }
        if (tty || ab_now() - last >= 10) {
            fprintf(stderr, "%s[%ld/%ld runs] jobs: %d running, %d pending  elapsed %.0f s%s", tty ? "\r\033[K" : "",
                    sl_rows_done(dir, k, nt), total, running, pending, ab_now() - t0, tty ? "" : "\n");
            fflush(stderr);
            last = ab_now();
        }
        usleep(tty ? 250000 : 500000);
    }
    free(cmd);
    if (tty) fputs("\r\033[K", stderr);
    /* the merge job has ended; a merge that did not run is done here */
    char *mf = ab_xasprintf("%s/slurm/merged-%d", dir, k);
    int merged = ab_file_exists(mf);
    free(mf);
    long nlost = 0;
    if (!merged) {
        ab_err("warning: the merge job %s left no merged set; merging here", merge);
        if (ab_merge_slurm_dir(dir, &nlost)) return 2;
    } else {
        char *lf = ab_xasprintf("%s/slurm/merged-%d", dir, k);
        char *t = ab_read_file(lf, NULL);
        free(lf);
        nlost = t ? atol(t) : 0;
        free(t);
    }
    fprintf(stderr, "allocbench: merged in %.0f s; %ld planned run%s without an ok row%s\n", ab_now() - t0, nlost,
            nlost == 1 ? "" : "s", nlost ? " (allocbench resume DIR runs them again)" : "");
    return nlost ? 1 : 0;
}

int ab_slurm_submit(const ab_matrix *m, const ab_paths *p, const char *dir, int argc, char **argv)
{
    const ab_run_opts *o = &m->o;
    ab_plan plan;
    ab_plan_build(&plan, m->nwl, o->nthreads, m->nal, o->reps, o->warmup, o->abba);
    const char **wn = ab_xmalloc(sizeof(char *) * (size_t)m->nwl);
    const char **an = ab_xmalloc(sizeof(char *) * (size_t)m->nal);
    for (int i = 0; i < m->nwl; i++) wn[i] = m->wls[i]->name;
    for (int i = 0; i < m->nal; i++) an[i] = m->al[i].name;
    char *pp = ab_xasprintf("%s/plan.tsv", dir);
    int wr = ab_plan_write(&plan, pp, wn, o->threads, an);
    free(wn); free(an);
    ab_str args = {0};
    for (int i = 0; i < argc; i++) ab_str_addf(&args, "%s\n", argv[i]);
    char *ap = ab_xasprintf("%s/plan.args", dir);
    if (!wr) wr = ab_write_atomic(ap, args.buf ? args.buf : "", args.len);
    ab_str_free(&args); free(ap);
    if (wr) { ab_err("cannot write the plan into %s: %s", dir, strerror(errno)); free(pp); ab_plan_free(&plan); return 2; }
    ab_plan_file pf;
    char err[512];
    if (ab_plan_read(pp, &pf, err, sizeof err)) { ab_err("%s", err); free(pp); ab_plan_free(&plan); return 2; }
    free(pp);
    long *runs = ab_xmalloc(sizeof(long) * (size_t)(pf.n + 1));
    for (long i = 0; i < pf.n; i++) runs[i] = i + 1;
    char arr[64], merge[64];
    int rc = sl_submit_attempt(dir, p, o, 0, &pf, runs, pf.n, arr, merge, sizeof arr) ? 2 : 0;
    printf("results: %s\n", dir);
    fflush(stdout);
    if (rc == 0 && o->wait) rc = sl_wait(dir, 0, arr, merge, pf.n);
    else if (rc == 0) fprintf(stderr, "allocbench: the merge job completes %s; squeue shows the jobs\n", dir);
    free(runs);
    ab_plan_file_free(&pf);
    ab_plan_free(&plan);
    return rc;
}

/* ---- the task side ----------------------------------------------------- */

/* The CPUs this process may run on, as a list "0-3,8". */
static char *sl_cpuset(void)
{
    cpu_set_t cs;
    CPU_ZERO(&cs);
    if (sched_getaffinity(0, sizeof cs, &cs)) return ab_xstrdup("unknown");
    ab_str s = {0};
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &cs)) continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &cs)) e++;
        if (e > c) ab_str_addf(&s, "%s%d-%d", s.len ? "," : "", c, e);
        else ab_str_addf(&s, "%s%d", s.len ? "," : "", c);
        c = e;
    }
    return s.buf ? s.buf : ab_xstrdup("");
}

static void sl_task_note(const char *path, const char *host, const char *cpus, const char *start, const char *state,
                         long nrun, long nmine)
{
    const char *job = getenv("SLURM_ARRAY_JOB_ID"), *tid = getenv("SLURM_ARRAY_TASK_ID");
    const char *jid = getenv("SLURM_JOB_ID"), *node = getenv("SLURMD_NODENAME");
    char end[32] = "";
    if (strcmp(state, "running")) ab_utc_stamp(end, sizeof end, 0);
    char *t = ab_xasprintf("host=%s\nnode=%s\njob=%s\narray_job=%s\narray_task=%s\ncpus=%s\ncpus_per_task=%s\n"
                           "start=%s\nend=%s\nstate=%s\nruns=%ld\nruns_assigned=%ld\n",
                           host, node ? node : "", jid ? jid : "", job ? job : "", tid ? tid : "", cpus,
                           getenv("SLURM_CPUS_PER_TASK") ? getenv("SLURM_CPUS_PER_TASK") : "", start, end, state,
                           nrun, nmine);
    ab_write_atomic(path, t, strlen(t));
    free(t);
}

static int sl_args_load(const char *dir, char ***av, int *ac)
{
    char *ap = ab_xasprintf("%s/plan.args", dir);
    char *t = ab_read_file(ap, NULL);
    free(ap);
    if (!t) return -1;
    int n = 0, cap = 8;
    char **v = ab_xmalloc(sizeof(char *) * (size_t)cap);
    v[n++] = ab_xstrdup("run");
    char *s = t;
    while (*s) {
        char *e = strchr(s, '\n');
        if (!e) e = s + strlen(s);
        if (n + 2 > cap) { cap *= 2; v = ab_xrealloc(v, sizeof(char *) * (size_t)cap); }
        v[n++] = ab_xasprintf("%.*s", (int)(e - s), s);
        s = *e ? e + 1 : e;
    }
    v[n] = NULL;
    free(t);
    *av = v;
    *ac = n;
    return 0;
}

int ab_cmd_run_task(int argc, char **argv, const ab_paths *p)
{
    if (argc != 4) { ab_err("usage: allocbench run-task DIR ATTEMPT TASK NTASKS (started by the Slurm executor)"); return 2; }
    const char *dir = argv[0];
    int k = atoi(argv[1]), task = atoi(argv[2]), nt = atoi(argv[3]);
    char **av = NULL;
    int ac = 0;
    if (sl_args_load(dir, &av, &ac)) { ab_err("run-task: %s has no plan.args", dir); return 2; }
    ab_matrix mx;
    int lr = ab_matrix_load(&mx, ac, av, p);
    if (lr) { ab_argv_free(av); return 2; }
    char err[512];
    ab_plan_file pf;
    char *pp = ab_xasprintf("%s/plan.tsv", dir);
    if (ab_plan_read(pp, &pf, err, sizeof err)) { ab_err("run-task: %s", err); free(pp); ab_matrix_free(&mx); ab_argv_free(av); return 2; }
    free(pp);
    long *runs;
    long n = sl_read_attempt(dir, k, &runs);
    int *task_of = ab_xmalloc(sizeof(int) * (size_t)(n + 1));
    int ntu = ab_plan_shares(&pf, runs, n, nt, task_of);
    if (ntu != nt) ab_err("warning: attempt %d was planned for %d tasks, the shares give %d", k, nt, ntu);

    ab_machine mc;
    ab_machine_get(&mc);
    char *machine_s = ab_matrix_machine_label(&mc);
    char *part = ab_xasprintf("%s/parts/a%d-t%d", dir, k, task);
    char *sub = ab_xasprintf("%s/runs", part); ab_mkdirs(sub, 0755); free(sub);
    sub = ab_xasprintf("%s/timeline", part); ab_mkdirs(sub, 0755); free(sub);
    sub = ab_xasprintf("%s/topology.xml", part);
    if (ab_topology_export(sub)) ab_err("warning: could not export the hwloc topology");
    free(sub);
    char *note = ab_xasprintf("%s/task.txt", part);
    char *cpus = sl_cpuset(), start[32];
    ab_utc_stamp(start, sizeof start, 0);
    long nmine = 0;
    for (long i = 0; i < n; i++) nmine += task_of[i] == task;
    sl_task_note(note, mc.host, cpus, start, "running", 0, nmine);
    ab_exec_install_signals();

    /* the same execute and record steps as the local executor, on this
     * task's share, in plan order */
    ab_record rec;
    const ab_run_opts *o = &mx.o;
    ab_record_ctx rctx = { part, mc.host, machine_s, o->suite, o->pin, o->disturbed_frac, o->disturbed_floor_s, o->timeout_s };
    int rc = 0;
    long done = 0;
    if (ab_record_open(&rec, &rctx)) rc = 2;
    for (long i = 0; i < n && rc == 0 && !ab_interrupted; i++) {
        if (task_of[i] != task) continue;
        const ab_plan_file_run *fr = &pf.v[runs[i] - 1];
        ab_plan_run pr = { -1, -1, -1, fr->round, fr->rep, fr->warm, fr->warm_no };
        for (int w = 0; w < mx.nwl; w++) if (!strcmp(mx.wls[w]->name, fr->workload)) pr.wl = w;
        for (int t = 0; t < o->nthreads; t++) if (o->threads[t] == fr->threads) pr.ti = t;
        for (int a = 0; a < mx.nal; a++) if (!strcmp(mx.al[a].name, fr->allocator)) pr.alloc = a;
        if (pr.wl < 0 || pr.ti < 0 || pr.alloc < 0) {
            ab_err("run-task: run %ld of plan.tsv (%s, %s, t=%d) is not in plan.args' matrix", runs[i], fr->workload,
                   fr->allocator, fr->threads);
            rc = 2;
            break;
        }
        fprintf(stderr, "[%ld/%ld] %s t=%d %s %s%d\n", done + 1, nmine, fr->workload, fr->threads, fr->allocator,
                fr->warm ? "warm-up " : "rep ", fr->warm ? fr->warm_no : fr->rep);
        if (ab_matrix_run_one(&mx, p, part, &pr, (int)runs[i], &rec, 0)) break;
        done++;
        if (done == 1 || done % 8 == 0) sl_task_note(note, mc.host, cpus, start, "running", done, nmine);
    }
    if (rec.runs) ab_record_close(&rec);
    const char *state = ab_interrupted ? "interrupted" : rc ? "error" : "done";
    sl_task_note(note, mc.host, cpus, start, state, done, nmine);
    fprintf(stderr, "allocbench: task %d of attempt %d on %s (CPUs %s): %ld of %ld runs, %s\n", task, k, mc.host, cpus,
            done, nmine, state);
    free(note); free(cpus); free(part); free(machine_s);
    ab_machine_free(&mc);
    free(task_of); free(runs);
    ab_plan_file_free(&pf);
    ab_matrix_free(&mx);
    ab_argv_free(av);
    return ab_interrupted ? 130 : rc;
}

/* ---- resume ------------------------------------------------------------ */

static const char *resume_help =
"usage: allocbench resume DIR [--wait]\n"
"Submit again, as a new job array with its merge job, the planned runs of a\n"
"Slurm results folder that have no ok row (missing: their task was killed,\n"
"timed out or lost its node; or failed). Finished rows are kept. The array\n"
"takes the options of the first submission (partition, sbatch arguments,\n"
"--share, --tasks).\n";

int ab_cmd_resume(int argc, char **argv, const ab_paths *p)
{
    const char *dir = NULL;
    int wait = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(resume_help, stdout); return 0; }
        if (!strcmp(argv[i], "--wait")) wait = 1;
        else if (argv[i][0] == '-' || dir) { ab_err("resume: unexpected argument '%s' (see allocbench resume --help)", argv[i]); return 2; }
        else dir = argv[i];
    }
    if (!dir) { ab_err("resume: expected a Slurm results folder (see allocbench resume --help)"); return 2; }
    char *pp = ab_xasprintf("%s/plan.tsv", dir);
    if (!ab_file_exists(pp)) { ab_err("resume: %s is not a Slurm results folder (no plan.tsv)", dir); free(pp); return 2; }
    char **av = NULL;
    int ac = 0;
    if (sl_args_load(dir, &av, &ac)) { ab_err("resume: %s has no plan.args", dir); free(pp); return 2; }
    ab_run_opts o;
    {
        /* only the options: the matrix is loaded by the tasks */
        ab_matrix mx;
        int lr = ab_matrix_load(&mx, ac, av, p);
        if (lr) { free(pp); ab_argv_free(av); return 2; }
        o = mx.o;
        ab_matrix_free(&mx);
    }
    o.wait = wait;
    int rc = 2;
    if (ab_slurm_preflight(&o)) goto out;
    int k = sl_next_attempt(dir);
    /* the previous attempt must have ended */
    if (k > 0) {
        char *jf = ab_xasprintf("%s/slurm/attempt-%d.jobs", dir, k - 1);
        char *t = ab_read_file(jf, NULL);
        free(jf);
        if (t) {
            char a[64] = "", mj[64] = "";
            char *x = strstr(t, "array="), *y = strstr(t, "merge=");
            if (x) sscanf(x + 6, "%63s", a);
            if (y) sscanf(y + 6, "%63s", mj);
            char *cmd = ab_xasprintf("squeue -h -j %s,%s -o %%i", a, mj);
            char *out = NULL;
            int st = sl_run(cmd, &out);
            free(cmd);
            int busy = st == 0 && out && *out;
            free(out);
            free(t);
            if (busy) { ab_err("resume: attempt %d (job %s) is still queued or running; wait for it or scancel it", k - 1, a); goto out; }
        }
    }
    long nlost = 0;
    if (ab_merge_slurm_dir(dir, &nlost)) goto out;
    ab_plan_file pf;
    char err[512];
    if (ab_plan_read(pp, &pf, err, sizeof err)) { ab_err("resume: %s", err); goto out; }
    /* the runs without an ok row in the merged runs.csv */
    char *rp = ab_xasprintf("%s/runs.csv", dir);
    ab_table t;
    int lt = ab_table_load(rp, &t);
    free(rp);
    if (lt) { ab_plan_file_free(&pf); goto out; }
    char *ok = ab_xmalloc((size_t)pf.n + 1);
    memset(ok, 0, (size_t)pf.n + 1);
    int cid = ab_table_col(&t, "run_id"), cs = ab_table_col(&t, "status");
    for (int i = 0; i < t.nrow; i++) {
        long r = atol(ab_table_get(&t, i, cid) + 1);
        if (r >= 1 && r <= pf.n && !strcmp(ab_table_get(&t, i, cs), "ok")) ok[r] = 1;
    }
    ab_table_free(&t);
    long *runs = ab_xmalloc(sizeof(long) * (size_t)(pf.n + 1)), n = 0;
    for (long r = 1; r <= pf.n; r++) if (!ok[r]) runs[n++] = r;
    free(ok);
    if (n == 0) {
        fprintf(stderr, "allocbench: every planned run of %s has an ok row; nothing to resume\n", dir);
        rc = 0;
    } else {
        char arr[64], merge[64];
        rc = sl_submit_attempt(dir, p, &o, k, &pf, runs, n, arr, merge, sizeof arr) ? 2 : 0;
        printf("results: %s\n", dir);
        fflush(stdout);
        if (rc == 0 && wait) { ab_exec_install_signals(); rc = sl_wait(dir, k, arr, merge, n); }
    }
    free(runs);
    ab_plan_file_free(&pf);
out:
    free(pp);
    ab_argv_free(av);
    return rc;
}
