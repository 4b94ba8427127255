/* ab_merge.c: see ab_merge.h. */
#include "ab_merge.h"
#include "ab_csv.h"
#include "ab_meta.h"
#include "ab_plan.h"
#include "ab_record.h"
#include "ab_report.h"
#include "ab_stats.h"
#include "ab_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One partial set being merged. Invariant: runs is loaded and has the
 * columns run_id and status; extras and gbench are loaded when has_x and
 * has_g (nrow 0 otherwise). */
typedef struct mg_src {
    char *dir;
    ab_table runs, extras, gbench;
    int has_x, has_g;
} mg_src;

/* Which row of which source a merged row comes from. */
typedef struct mg_pick {
    int src;      /* -1: none */
    int row;
} mg_pick;

static void mg_src_free(mg_src *s)
{
    free(s->dir);
    ab_table_free(&s->runs);
    if (s->has_x) ab_table_free(&s->extras);
    if (s->has_g) ab_table_free(&s->gbench);
}

/* Load a partial set; -1 after one error line. */
static int mg_src_load(mg_src *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    s->dir = ab_xstrdup(dir);
    char *rp = ab_xasprintf("%s/runs.csv", dir);
    if (!ab_file_exists(rp)) { ab_err("merge: %s is not a results set (no runs.csv)", dir); free(rp); free(s->dir); return -1; }
    FILE *devnull = fopen("/dev/null", "w");
    int saved = dup(2);
    if (devnull) dup2(fileno(devnull), 2);     /* ab_table_load's own line is replaced by ours */
    int lr = ab_table_load(rp, &s->runs);
    if (devnull) { fflush(stderr); dup2(saved, 2); fclose(devnull); }
    close(saved);
    if (lr) { ab_err("merge: corrupt partial set %s: runs.csv is not a well-formed CSV table", dir); free(rp); free(s->dir); return -1; }
    free(rp);
    static const char *need[] = { "run_id", "allocator", "workload", "threads", "status", "warmup", "machine", NULL };
    for (int i = 0; need[i]; i++)
        if (ab_table_col(&s->runs, need[i]) < 0) {
            ab_err("merge: corrupt partial set %s: runs.csv lacks column '%s'", dir, need[i]);
            ab_table_free(&s->runs); free(s->dir);
            return -1;
        }
    char *xp = ab_xasprintf("%s/extras.csv", dir), *gp = ab_xasprintf("%s/gbench.csv", dir);
    s->has_x = ab_file_exists(xp) && ab_table_load(xp, &s->extras) == 0;
    s->has_g = ab_file_exists(gp) && ab_table_load(gp, &s->gbench) == 0;
    free(xp); free(gp);
    return 0;
}

/* Hard-link (or copy) a file; a missing source is not an error. */
static void mg_link(const char *from, const char *to)
{
    if (!ab_file_exists(from)) return;
    unlink(to);
    if (link(from, to) == 0) return;
    size_t len;
    char *t = ab_read_file(from, &len);
    if (t) { ab_write_atomic(to, t, len); free(t); }
}

static void mg_link_run(const char *sdir, const char *sid, const char *ddir, const char *did)
{
    static const char *ext[] = { "out", "err", "json", NULL };
    for (int e = 0; ext[e]; e++) {
        char *a = ab_xasprintf("%s/runs/%s.%s", sdir, sid, ext[e]), *b = ab_xasprintf("%s/runs/%s.%s", ddir, did, ext[e]);
        mg_link(a, b);
        free(a); free(b);
    }
    char *a = ab_xasprintf("%s/timeline/%s.csv", sdir, sid), *b = ab_xasprintf("%s/timeline/%s.csv", ddir, did);
    mg_link(a, b);
    free(a); free(b);
}

/* Write a table's rows for the picked runs: every row of t whose run_id is
 * `from` goes out with the run_id `to`. */
static void mg_rows_of(FILE *f, const ab_table *t, const char *from, const char *to)
{
    int cid = ab_table_col(t, "run_id");
    const char **fl = ab_xmalloc(sizeof(char *) * (size_t)(t->ncol + 1));
    for (int i = 0; i < t->nrow; i++) {
        if (strcmp(ab_table_get(t, i, cid), from)) continue;
        for (int c = 0; c < t->ncol; c++) fl[c] = c == cid ? to : ab_table_get(t, i, c);
        ab_csv_row(f, fl, t->ncol);
    }
    free(fl);
}

/* summary.csv of a merged set: one row per machine and cell, medians never
 * mixing machines. */
static void mg_summary(const char *dir)
{
    char *rp = ab_xasprintf("%s/runs.csv", dir);
    ab_table t;
    if (ab_table_load(rp, &t)) { free(rp); return; }
    free(rp);
    char *sp = ab_xasprintf("%s/summary.csv", dir);
    FILE *fs = fopen(sp, "w");
    free(sp);
    if (!fs) { ab_table_free(&t); return; }
    const char *h[] = { "allocator", "workload", "threads", "metric", "better", "n_ok", "n_failed", "n_disturbed",
                        "value_median", "value_min", "value_max", "wall_median_s", "maxrss_median_kb", "machine" };
    ab_csv_row(fs, h, 14);
    int cm = ab_table_col(&t, "machine");
    char *done = ab_xmalloc((size_t)t.nrow + 1);
    memset(done, 0, (size_t)t.nrow + 1);
    ab_csv_rec *sub = ab_xmalloc(sizeof(ab_csv_rec) * (size_t)(t.nrow + 1));
    for (int i = 0; i < t.nrow; i++) {
        if (done[i]) continue;
        const char *M = ab_table_get(&t, i, cm);
        int n = 0;
        for (int j = i; j < t.nrow; j++)
            if (!done[j] && !strcmp(M, ab_table_get(&t, j, cm))) { done[j] = 1; sub[n++] = t.rows[j]; }
        ab_table v = { t.cols, t.ncol, sub, n };
        ab_cells c;
        if (ab_cells_from(&v, &c)) continue;
        for (int k = 0; k < c.n; k++) {
            const ab_cell *x = &c.v[k];
            char b[8][64];
            snprintf(b[0], 64, "%d", x->threads);
            snprintf(b[1], 64, "%d", x->n); snprintf(b[2], 64, "%d", x->nfail); snprintf(b[3], 64, "%d", x->ndisturbed);
            snprintf(b[4], 64, "%.6g", x->value); snprintf(b[5], 64, "%.6g", x->value_min);
            snprintf(b[6], 64, "%.6g", x->value_max); snprintf(b[7], 64, "%.6g", x->wall);
            char rss[64];
            snprintf(rss, 64, "%.0f", x->maxrss_kb);
            const char *f[] = { x->allocator, x->workload, b[0], x->metric, x->better, b[1], b[2], b[3],
                                x->n ? b[4] : "", x->n ? b[5] : "", x->n ? b[6] : "", x->n ? b[7] : "", x->n ? rss : "", M };
            ab_csv_row(fs, f, 14);
        }
        ab_cells_free(&c);
    }
    free(sub); free(done);
    fclose(fs);
    ab_table_free(&t);
}

/* Slurm's account of array task `task` of job `jobid` ("CANCELLED",
 * "TIMEOUT", "NODE_FAIL (reason)", ...) from scontrol; NULL when Slurm no
 * longer knows the job. Free the result. */
static char *merge_task_state(const char *jobid, int task)
{
    char *cmd = ab_xasprintf("scontrol -o show job %s_%d", jobid, task);
    char *out = ab_capture(cmd);
    free(cmd);
    if (!out) return NULL;
    char state[64] = "", reason[256] = "", code[32] = "";
    const char *s = strstr(out, "JobState=");
    if (s) sscanf(s + 9, "%63s", state);
    s = strstr(out, " Reason=");
    if (s) sscanf(s + 8, "%255s", reason);
    s = strstr(out, " ExitCode=");
    if (s) sscanf(s + 10, "%31s", code);
    free(out);
    if (!*state) return NULL;
    if (*reason && strcmp(reason, "None")) return ab_xasprintf("%s (%s, exit %s)", state, reason, code);
    return ab_xasprintf("%s (exit %s)", state, code);
}

/* Replace the values of some top-level lines of meta.json ("  \"key\": ..."). */
static void mg_meta_patch(const char *dir, const char *state, long runs, long failed, long disturbed)
{
    char *mp = ab_xasprintf("%s/meta.json", dir);
    char *t = ab_read_file(mp, NULL);
    if (!t) { free(mp); return; }
    char date[32];
    ab_utc_stamp(date, sizeof date, 0);
    ab_str o = {0};
    char *save = NULL;
    for (char *ln = strtok_r(t, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(ln, "  \"state\": ", 11)) ab_str_addf(&o, "  \"state\": \"%s\",\n", state);
        else if (!strncmp(ln, "  \"date_end\": ", 14)) ab_str_addf(&o, "  \"date_end\": \"%s\",\n", date);
        else if (!strncmp(ln, "  \"runs\": ", 10)) ab_str_addf(&o, "  \"runs\": %ld,\n", runs);
        else if (!strncmp(ln, "  \"failed_runs\": ", 17)) ab_str_addf(&o, "  \"failed_runs\": %ld,\n", failed);
        else if (!strncmp(ln, "  \"disturbed_runs\": ", 20)) ab_str_addf(&o, "  \"disturbed_runs\": %ld\n", disturbed);
        else ab_str_addf(&o, "%s\n", ln);
    }
    ab_write_atomic(mp, o.buf, o.len);
    ab_str_free(&o);
    free(t); free(mp);
}

static char *mg_key(const char *text, const char *key)
{
    if (!text) return NULL;
    char *pat = ab_xasprintf("%s=", key);
    const char *s = text;
    char *r = NULL;
    while ((s = strstr(s, pat))) {
        if (s == text || s[-1] == '\n' || s[-1] == ' ') {
            s += strlen(pat);
            r = ab_xasprintf("%.*s", (int)strcspn(s, " \n"), s);
            break;
        }
        s++;
    }
    free(pat);
    return r;
}

int ab_merge_slurm_dir(const char *dir, long *nlost_out)
{
    char err[512];
    ab_plan_file pf;
    char *pp = ab_xasprintf("%s/plan.tsv", dir);
    if (!ab_file_exists(pp)) { ab_err("merge: %s is not a Slurm results folder (no plan.tsv)", dir); free(pp); return -1; }
    if (ab_plan_read(pp, &pf, err, sizeof err)) { ab_err("merge: %s", err); free(pp); return -1; }
    free(pp);
    long N = pf.n;
    mg_pick *pick = ab_xmalloc(sizeof(mg_pick) * (size_t)(N + 1));
    int *last_att = ab_xmalloc(sizeof(int) * (size_t)(N + 1)), *last_task = ab_xmalloc(sizeof(int) * (size_t)(N + 1));
    for (long r = 0; r <= N; r++) { pick[r].src = -1; pick[r].row = -1; last_att[r] = -1; last_task[r] = -1; }
    mg_src *src = NULL;
    int nsrc = 0, rc = -1, K = 0;
    char **arrays = NULL;
    for (;; K++) {
        char *af = ab_xasprintf("%s/slurm/attempt-%d.tsv", dir, K);
        int e = ab_file_exists(af);
        free(af);
        if (!e) break;
        char *jf = ab_xasprintf("%s/slurm/attempt-%d.jobs", dir, K);
        char *jt = ab_read_file(jf, NULL);
        free(jf);
        arrays = ab_xrealloc(arrays, sizeof(char *) * (size_t)(K + 1));
        arrays[K] = mg_key(jt, "array");
        char *nts = mg_key(jt, "tasks");
        int nt = nts ? atoi(nts) : 0;
        free(nts); free(jt);
        /* the runs of attempt K and their tasks */
        char *ap = ab_xasprintf("%s/slurm/attempt-%d.tsv", dir, K);
        char *at = ab_read_file(ap, NULL);
        free(ap);
        long *runs = NULL, n = 0, cap = 0;
        char *save = NULL;
        for (char *ln = at ? strtok_r(at, "\n", &save) : NULL; ln; ln = strtok_r(NULL, "\n", &save)) {
            long r = atol(ln);
            if (r < 1 || r > N) { ab_err("merge: corrupt partial set %s: attempt %d names run %s, not in the plan", dir, K, ln); free(at); free(runs); goto out; }
            if (n == cap) { cap = cap ? 2 * cap : 256; runs = ab_xrealloc(runs, sizeof(long) * (size_t)cap); }
            runs[n++] = r;
        }
        free(at);
        int *task_of = ab_xmalloc(sizeof(int) * (size_t)(n + 1));
        int ntu = ab_plan_shares(&pf, runs, n, nt, task_of);
        if (nt <= 0) nt = ntu;
        for (long i = 0; i < n; i++) { last_att[runs[i]] = K; last_task[runs[i]] = task_of[i]; }
        free(task_of); free(runs);
        for (int t = 0; t < nt; t++) {
            char *part = ab_xasprintf("%s/parts/a%d-t%d", dir, K, t);
            char *prp = ab_xasprintf("%s/runs.csv", part);
            int has = ab_file_exists(prp);
            free(prp);
            if (!has) { free(part); continue; }
            src = ab_xrealloc(src, sizeof(mg_src) * (size_t)(nsrc + 1));
            if (mg_src_load(&src[nsrc], part)) { free(part); goto out; }
            free(part);
            mg_src *s = &src[nsrc];
            int cid = ab_table_col(&s->runs, "run_id"), cs = ab_table_col(&s->runs, "status");
            for (int i = 0; i < s->runs.nrow; i++) {
                const char *id = ab_table_get(&s->runs, i, cid);
                char *end;
                long r = id[0] == 'r' ? strtol(id + 1, &end, 10) : -1;
                if (r < 1 || r > N || (id[0] == 'r' && *end)) {
                    ab_err("merge: corrupt partial set %s: run id '%s' is not in the plan", s->dir, id);
                    nsrc++;
                    goto out;
                }
                /* the latest attempt wins, but an ok row is never replaced */
                if (pick[r].src >= 0 && !strcmp(ab_table_get(&src[pick[r].src].runs, pick[r].row,
                                                             ab_table_col(&src[pick[r].src].runs, "status")), "ok"))
                    continue;
                (void)cs;
                pick[r].src = nsrc; pick[r].row = i;
            }
            nsrc++;
        }
    }
    if (K == 0) { ab_err("merge: corrupt partial set %s: no slurm/attempt-0.tsv", dir); goto out; }

    {
        int ncols;
        const char *const *cols = ab_record_columns(&ncols);
        char *tmp = ab_xasprintf("%s/runs.csv.merging", dir);
        char *xtmp = ab_xasprintf("%s/extras.csv.merging", dir), *gtmp = ab_xasprintf("%s/gbench.csv.merging", dir);
        FILE *fr = fopen(tmp, "w"), *fx = fopen(xtmp, "w"), *fg = fopen(gtmp, "w");
        if (!fr || !fx || !fg) {
            ab_err("merge: cannot write into %s: %s", dir, strerror(errno));
            if (fr) fclose(fr);
            if (fx) fclose(fx);
            if (fg) fclose(fg);
            free(tmp); free(xtmp); free(gtmp);
            goto out;
        }
        ab_csv_row(fr, cols, ncols);
        const char *xh[] = { "run_id", "allocator", "workload", "threads", "rep", "key", "value" };
        ab_csv_row(fx, xh, 7);
        ab_gbench_header(fg);
        char *sub = ab_xasprintf("%s/runs", dir); ab_mkdirs(sub, 0755); free(sub);
        sub = ab_xasprintf("%s/timeline", dir); ab_mkdirs(sub, 0755); free(sub);
        const char **fl = ab_xmalloc(sizeof(char *) * (size_t)ncols);
        long nruns = 0, nfail = 0, ndist = 0, nlost = 0, nmissing = 0;
        char **reasons = ab_xmalloc(sizeof(char *) * (size_t)(K * 1024 + 1));
        memset(reasons, 0, sizeof(char *) * (size_t)(K * 1024 + 1));
        for (long r = 1; r <= N; r++) {
            const ab_plan_file_run *pr = &pf.v[r - 1];
            char id[32];
            snprintf(id, sizeof id, "r%05ld", r);
            if (pick[r].src >= 0) {
                mg_src *s = &src[pick[r].src];
                for (int c = 0; c < ncols; c++) {
                    int sc = ab_table_col(&s->runs, cols[c]);
                    fl[c] = ab_table_get(&s->runs, pick[r].row, sc);
                }
                ab_csv_row(fr, fl, ncols);
                if (s->has_x) mg_rows_of(fx, &s->extras, id, id);
                if (s->has_g) mg_rows_of(fg, &s->gbench, id, id);
                mg_link_run(s->dir, id, dir, id);
                nruns++;
                int okrow = !strcmp(ab_table_get(&s->runs, pick[r].row, ab_table_col(&s->runs, "status")), "ok");
                nfail += !okrow;
                nlost += !okrow;
                ndist += !strcmp(ab_table_get(&s->runs, pick[r].row, ab_table_col(&s->runs, "disturbed")), "1");
                continue;
            }
            if (last_att[r] < 0) continue;     /* never submitted (cannot happen: attempt 0 has every run) */
            /* a planned run that no task recorded: lost, with Slurm's reason */
            int k = last_att[r], t = last_task[r];
            int slot = t < 1024 ? k * 1024 + t : -1;
            if (slot < 0 || !reasons[slot]) {
                char *tf = ab_xasprintf("%s/parts/a%d-t%d/task.txt", dir, k, t);
                char *tt = ab_read_file(tf, NULL);
                free(tf);
                char *st = mg_key(tt, "state"), *host = mg_key(tt, "host");
                char *sl = arrays[k] ? merge_task_state(arrays[k], t) : NULL;
                char *why = ab_xasprintf("slurm task %s_%d (attempt %d) left no row: task %s%s%s; Slurm: %s",
                                         arrays[k] ? arrays[k] : "?", t, k,
                                         st ? st : "never started", host ? " on " : "", host ? host : "",
                                         sl ? sl : "the job is no longer known (see its slurm/ output file)");
                free(st); free(host); free(sl); free(tt);
                if (slot < 0) { free(why); why = ab_xstrdup("slurm task left no row"); }
                else reasons[slot] = why;
            }
            const char *why = slot >= 0 ? reasons[slot] : "slurm task left no row";
            /* machine, metric and direction from a row of the same workload when there is one */
            const char *machine = "", *host = "", *metric = "", *better = "", *suite = "", *pin = "";
            for (int q = 0; q < nsrc && !*machine; q++) {
                ab_table *T = &src[q].runs;
                int cw = ab_table_col(T, "workload");
                for (int i = 0; i < T->nrow; i++)
                    if (!strcmp(ab_table_get(T, i, cw), pr->workload)) {
                        machine = ab_table_get(T, i, ab_table_col(T, "machine"));
                        host = ab_table_get(T, i, ab_table_col(T, "host"));
                        metric = ab_table_get(T, i, ab_table_col(T, "metric"));
                        better = ab_table_get(T, i, ab_table_col(T, "better"));
                        suite = ab_table_get(T, i, ab_table_col(T, "suite"));
                        pin = ab_table_get(T, i, ab_table_col(T, "pin"));
                        break;
                    }
            }
            if (!*machine && nsrc > 0 && src[0].runs.nrow > 0) {
                ab_table *T = &src[0].runs;
                machine = ab_table_get(T, 0, ab_table_col(T, "machine"));
                host = ab_table_get(T, 0, ab_table_col(T, "host"));
                suite = ab_table_get(T, 0, ab_table_col(T, "suite"));
                pin = ab_table_get(T, 0, ab_table_col(T, "pin"));
            }
            char date[32], th[16], rep[16];
            ab_utc_stamp(date, sizeof date, 0);
            snprintf(th, sizeof th, "%d", pr->threads);
            snprintf(rep, sizeof rep, "%d", pr->rep);
            for (int c = 0; c < ncols; c++) {
                const char *n = cols[c];
                fl[c] = !strcmp(n, "run_id") ? id : !strcmp(n, "date") ? date : !strcmp(n, "host") ? host
                      : !strcmp(n, "machine") ? machine : !strcmp(n, "allocator") ? pr->allocator
                      : !strcmp(n, "workload") ? pr->workload : !strcmp(n, "suite") ? suite
                      : !strcmp(n, "threads") ? th : !strcmp(n, "pin") ? pin : !strcmp(n, "rep") ? rep
                      : !strcmp(n, "warmup") ? (pr->warm ? "1" : "0") : !strcmp(n, "status") ? "lost"
                      : !strcmp(n, "metric") ? metric : !strcmp(n, "better") ? better
                      : !strcmp(n, "disturbed") ? "0" : !strcmp(n, "note") ? why : "";
            }
            ab_csv_row(fr, fl, ncols);
            nruns++; nfail++; nlost++; nmissing++;
        }
        for (long i = 0; i < (long)K * 1024 + 1; i++) free(reasons[i]);
        free(reasons);
        free(fl);
        int bad = ferror(fr) || ferror(fx) || ferror(fg);
        bad |= fclose(fr) != 0; bad |= fclose(fx) != 0; bad |= fclose(fg) != 0;
        char *rp = ab_xasprintf("%s/runs.csv", dir), *xp = ab_xasprintf("%s/extras.csv", dir), *gp = ab_xasprintf("%s/gbench.csv", dir);
        if (bad || rename(xtmp, xp) || rename(gtmp, gp) || rename(tmp, rp)) {
            ab_err("merge: cannot write the merged set into %s: %s", dir, strerror(errno));
            free(rp); free(xp); free(gp); free(tmp); free(xtmp); free(gtmp);
            goto out;
        }
        free(rp); free(xp); free(gp); free(tmp); free(xtmp); free(gtmp);
        mg_summary(dir);
        mg_meta_patch(dir, nlost ? "partial" : "complete", nruns, nfail, ndist);
        char *mf = ab_xasprintf("%s/slurm/merged-%d", dir, K - 1);
        char *mt = ab_xasprintf("%ld\n", nlost);
        ab_write_atomic(mf, mt, strlen(mt));
        free(mf); free(mt);
        fprintf(stderr, "allocbench: merged %d partial set%s of %s: %ld rows (%ld failed, %ld of them lost with their task)\n",
                nsrc, nsrc == 1 ? "" : "s", dir, nruns, nfail, nmissing);
        if (nlost_out) *nlost_out = nlost;
        rc = 0;
    }
out:
    for (int i = 0; i < nsrc; i++) mg_src_free(&src[i]);
    free(src);
    for (int k = 0; k < K; k++) free(arrays[k]);
    free(arrays);
    free(pick); free(last_att); free(last_task);
    ab_plan_file_free(&pf);
    return rc;
}

static const char *merge_help =
"usage: allocbench merge DIR\n"
"       allocbench merge --out OUT SET[@TAG] SET[@TAG]...\n"
"The first form merges the partial sets of a Slurm results folder (the job\n"
"array's tasks, every attempt) in place; the merge job does this. A run that\n"
"no task recorded gets a row with status 'lost' and Slurm's reason.\n"
"The second form merges results sets (from one cluster or several; Slurm\n"
"folders are merged first) into the new folder OUT: rows keep their machine\n"
"column, or take TAG as their machine; run ids become s<K>-<run id>. report\n"
"and plot show every machine apart.\n";

int ab_cmd_merge(int argc, char **argv, const ab_paths *p)
{
    (void)p;
    const char *out = NULL;
    const char **sets = ab_xmalloc(sizeof(char *) * (size_t)(argc + 1));
    int nsets = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(merge_help, stdout); free(sets); return 0; }
        if (!strcmp(argv[i], "--out")) {
            if (i + 1 >= argc) { ab_err("merge: option '--out' needs a value"); free(sets); return 2; }
            out = argv[++i];
        } else if (argv[i][0] == '-') {
            ab_err("merge: unknown option '%s' (see allocbench merge --help)", argv[i]); free(sets); return 2;
        } else sets[nsets++] = argv[i];
    }
    if (!out) {
        if (nsets != 1) { ab_err("merge: expected one Slurm results folder, or --out OUT and sets (see allocbench merge --help)"); free(sets); return 2; }
        free(sets);
        long nlost = 0;
        return ab_merge_slurm_dir(argv[argc - 1], &nlost) ? 2 : 0;
    }
    if (nsets < 1) { ab_err("merge: --out needs at least one results set"); free(sets); return 2; }
    struct stat sb;
    if (stat(out, &sb) == 0) { ab_err("merge: %s exists; --out must name a new folder", out); free(sets); return 2; }
    mg_src *src = ab_xmalloc(sizeof(mg_src) * (size_t)nsets);
    char **tags = ab_xmalloc(sizeof(char *) * (size_t)nsets);
    int nl = 0, rc = 2;
    for (int i = 0; i < nsets; i++) {
        char *d = ab_xstrdup(sets[i]);
        char *at = strrchr(d, '@');
        tags[i] = NULL;
        if (at && !strchr(at, '/')) { *at = '\0'; tags[i] = ab_xstrdup(at + 1); }
        char *pp = ab_xasprintf("%s/plan.tsv", d);
        int slurm = ab_file_exists(pp);
        free(pp);
        if (slurm && ab_merge_slurm_dir(d, NULL)) { free(d); free(tags[i]); goto out; }
        if (mg_src_load(&src[i], d)) { free(d); free(tags[i]); goto out; }
        free(d);
        nl++;
    }
    if (ab_mkdirs(out, 0755)) { ab_err("merge: cannot create %s: %s", out, strerror(errno)); goto out; }
    {
        char *sub = ab_xasprintf("%s/runs", out); ab_mkdirs(sub, 0755); free(sub);
        sub = ab_xasprintf("%s/timeline", out); ab_mkdirs(sub, 0755); free(sub);
        int ncols;
        const char *const *cols = ab_record_columns(&ncols);
        char *rp = ab_xasprintf("%s/runs.csv", out), *xp = ab_xasprintf("%s/extras.csv", out), *gp = ab_xasprintf("%s/gbench.csv", out);
        FILE *fr = fopen(rp, "w"), *fx = fopen(xp, "w"), *fg = fopen(gp, "w");
        free(rp); free(xp); free(gp);
        if (!fr || !fx || !fg) {
            ab_err("merge: cannot write into %s: %s", out, strerror(errno));
            if (fr) fclose(fr);
            if (fx) fclose(fx);
            if (fg) fclose(fg);
            goto out;
        }
        ab_csv_row(fr, cols, ncols);
        const char *xh[] = { "run_id", "allocator", "workload", "threads", "rep", "key", "value" };
        ab_csv_row(fx, xh, 7);
        ab_gbench_header(fg);
        const char **fl = ab_xmalloc(sizeof(char *) * (size_t)ncols);
        long nruns = 0, nfail = 0, ndist = 0;
        ab_str srcs = {0};
        for (int s = 0; s < nsets; s++) {
            mg_src *S = &src[s];
            int cid = ab_table_col(&S->runs, "run_id");
            for (int i = 0; i < S->runs.nrow; i++) {
                const char *id = ab_table_get(&S->runs, i, cid);
                char *nid = ab_xasprintf("s%d-%s", s + 1, id);
                for (int c = 0; c < ncols; c++) {
                    int sc = ab_table_col(&S->runs, cols[c]);
                    fl[c] = !strcmp(cols[c], "run_id") ? nid
                          : (!strcmp(cols[c], "machine") && tags[s]) ? tags[s] : ab_table_get(&S->runs, i, sc);
                }
                ab_csv_row(fr, fl, ncols);
                if (S->has_x) mg_rows_of(fx, &S->extras, id, nid);
                if (S->has_g) mg_rows_of(fg, &S->gbench, id, nid);
                mg_link_run(S->dir, id, out, nid);
                nruns++;
                nfail += strcmp(ab_table_get(&S->runs, i, ab_table_col(&S->runs, "status")), "ok") != 0;
                ndist += !strcmp(ab_table_get(&S->runs, i, ab_table_col(&S->runs, "disturbed")), "1");
                free(nid);
            }
            char *sd = ab_xasprintf("%s/sources/s%d", out, s + 1);
            ab_mkdirs(sd, 0755);
            static const char *keep[] = { "meta.json", "topology.xml", "calibration.csv", "summary.csv", NULL };
            for (int k = 0; keep[k]; k++) {
                char *a = ab_xasprintf("%s/%s", S->dir, keep[k]), *b = ab_xasprintf("%s/%s", sd, keep[k]);
                mg_link(a, b);
                free(a); free(b);
            }
            free(sd);
            char real[4096];
            const char *rd = realpath(S->dir, real) ? real : S->dir;
            ab_str_addf(&srcs, "%s    {\"id\": \"s%d\", \"dir\": ", s ? ",\n" : "", s + 1);
            ab_json_str(&srcs, rd);
            ab_str_add(&srcs, ", \"tag\": ");
            ab_json_str(&srcs, tags[s]);
            ab_str_add(&srcs, "}");
        }
        free(fl);
        fclose(fr); fclose(fx); fclose(fg);
        char date[32];
        ab_utc_stamp(date, sizeof date, 0);
        char *meta = ab_xasprintf("{\n  \"tool\": \"allocbench\",\n  \"state\": \"merged\",\n  \"date_end\": \"%s\",\n"
                                  "  \"sources\": [\n%s\n  ],\n  \"runs\": %ld,\n  \"failed_runs\": %ld,\n  \"disturbed_runs\": %ld\n}\n",
                                  date, ab_str_c(&srcs), nruns, nfail, ndist);
        char *mp = ab_xasprintf("%s/meta.json", out);
        ab_write_atomic(mp, meta, strlen(meta));
        free(mp); free(meta);
        ab_str_free(&srcs);
        mg_summary(out);
        fprintf(stderr, "allocbench: merged %d set%s into %s: %ld rows (%ld failed)\n", nsets, nsets == 1 ? "" : "s", out,
                nruns, nfail);
        printf("results: %s\n", out);
        rc = 0;
    }
out:
    for (int i = 0; i < nl; i++) { mg_src_free(&src[i]); free(tags[i]); }
    free(src); free(tags); free(sets);
    return rc;
}
