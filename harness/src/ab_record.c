/* ab_record.c: see ab_record.h. */
#include "ab_record.h"
#include "ab_csv.h"
#include "ab_parse.h"
#include "ab_report.h"
#include "ab_stats.h"
#include "ab_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *record_cols[] = {
    "run_id", "date", "host", "machine", "allocator", "alloc_version", "workload", "suite", "threads", "pin",
    "rep", "warmup", "status", "exit_code", "signal", "metric", "value", "unit", "better",
    "wall_s", "user_s", "sys_s", "maxrss_kb", "rss_sampled_max_kb", "rss_samples", "foreign_cpu_s",
    "disturbed", "stats_source", "stats_allocated", "stats_active", "stats_resident", "stats_mapped",
    "malloc_file", "note"
};
#define RECORD_NCOLS ((int)(sizeof record_cols / sizeof record_cols[0]))

static int record_std_key(const char *k)
{
    static const char *std[] = { "workload", "threads", "metric", "value", "unit", "better", NULL };
    for (int i = 0; std[i]; i++) if (!strcmp(k, std[i])) return 1;
    return 0;
}

static char *record_fmt_d(double v) { return ab_xasprintf("%.6g", v); }

int ab_record_open(ab_record *r, const ab_record_ctx *c)
{
    memset(r, 0, sizeof *r);
    r->c = *c;
    char *runs_p = ab_xasprintf("%s/runs.csv", c->dir);
    char *extra_p = ab_xasprintf("%s/extras.csv", c->dir);
    char *gb_p = ab_xasprintf("%s/gbench.csv", c->dir);
    r->runs = fopen(runs_p, "w");
    r->extras = fopen(extra_p, "w");
    r->gbench = fopen(gb_p, "w");
    free(runs_p); free(extra_p); free(gb_p);
    if (!r->runs || !r->extras || !r->gbench) {
        ab_err("cannot write into %s: %s", c->dir, strerror(errno));
        ab_record_close(r);
        return -1;
    }
    ab_csv_row(r->runs, record_cols, RECORD_NCOLS);
    const char *h[] = { "run_id", "allocator", "workload", "threads", "rep", "key", "value" };
    ab_csv_row(r->extras, h, 7);
    ab_gbench_header(r->gbench);
    return 0;
}

/* Status and note of a run from the executor's result and its output. */
static int record_judge(const ab_record *r, const ab_record_run_in *in, const ab_output *out, const char **status,
                        char *note)
{
    const ab_exec_result *er = in->er;
    const char *mfile = out->has_allocator ? ab_kv_get(&out->allocator, "file") : NULL;
    *status = ab_exec_status_name(er->status);
    note[0] = '\0';
    if (er->status == AB_EXIT_OK) {
        const char *bad = out->has_result ? ab_result_check(&out->result) : "result line";
        if (!mfile) { *status = "unverified"; snprintf(note, 512, "no 'ALLOCBENCH allocator' line"); return 0; }
        if (!ab_alloc_matches(in->alloc, mfile)) {
            *status = "mismatch";
            snprintf(note, 512, "malloc served by %s, expected %s", mfile, in->alloc->file);
            return 0;
        }
        if (bad) { *status = "noresult"; snprintf(note, 512, "missing or bad '%s' in the result output", bad); return 0; }
        if (out->nresult > 1) snprintf(note, 512, "%d result lines; the last is kept", out->nresult);
        return 1;
    }
    if (er->status == AB_EXIT_SIGNAL) {
        snprintf(note, 512, "killed by signal %d (%s)", er->signal, strsignal(er->signal));
    } else if (er->status == AB_EXIT_TIMEOUT) {
        snprintf(note, 512, "killed after %.1f s", r->c.timeout_s);
    } else if (er->status == AB_EXIT_SPAWN) {
        snprintf(note, 512, "could not execute %s", in->argv0);
    } else {
        char *et = ab_read_file(in->errp, NULL);
        if (et) {
            /* the last non-empty stderr line explains most failures */
            size_t L = strlen(et);
            while (L && (et[L - 1] == '\n' || et[L - 1] == '\r')) et[--L] = '\0';
            char *ln = strrchr(et, '\n');
            snprintf(note, 512, "%.300s", ln ? ln + 1 : et);
            free(et);
        }
    }
    return 0;
}

static const char *record_stat(const ab_output *out, const char *k)
{
    const char *v = out->has_stats ? ab_kv_get(&out->stats, k) : NULL;
    return v ? v : "";
}

const ab_record_row *ab_record_run(ab_record *r, const ab_record_run_in *in, const char **status, char *note)
{
    const ab_exec_result *er = in->er;
    char *text = ab_read_file(in->outp, NULL);
    ab_output out;
    ab_output_parse(text ? text : "", &out);
    int ok = record_judge(r, in, &out, status, note);
    double thr = er->wall_s * r->c.disturbed_frac;
    int disturbed = er->foreign_cpu_s > (thr > r->c.disturbed_floor_s ? thr : r->c.disturbed_floor_s);
    const char *mfile = out.has_allocator ? ab_kv_get(&out.allocator, "file") : NULL;

    char date[32];
    ab_utc_stamp(date, sizeof date, 0);
    const ab_kv *R = &out.result;
    const char *val = ok ? ab_kv_get(R, "value") : "";
    const ab_alloc *a = in->alloc;
    const ab_workload *w = in->wl;
    char *f_th = ab_xasprintf("%d", in->threads), *f_rep = ab_xasprintf("%d", in->rep);
    char *f_ec = ab_xasprintf("%d", er->exit_code), *f_sig = ab_xasprintf("%d", er->signal);
    char *f_wall = record_fmt_d(er->wall_s), *f_u = record_fmt_d(er->user_s), *f_s = record_fmt_d(er->sys_s);
    char *f_rss = ab_xasprintf("%ld", er->maxrss_kb);
    char *f_srss = ab_xasprintf("%lld", er->rss_sampled_max / 1024);
    char *f_ns = ab_xasprintf("%ld", er->nsamples);
    char *f_fc = ab_xasprintf("%.3f", er->foreign_cpu_s);
    const char *fields[RECORD_NCOLS] = {
        in->run_id, date, r->c.host, r->c.machine, a->name, a->version, w->name, r->c.suite, f_th, r->c.pin,
        f_rep, in->warm ? "1" : "0", *status, f_ec, f_sig,
        w->metric, val ? val : "", ok ? ab_kv_get(R, "unit") : "", w->better,
        f_wall, f_u, f_s, f_rss, f_srss, f_ns, f_fc, disturbed ? "1" : "0",
        record_stat(&out, "source"), record_stat(&out, "allocated"), record_stat(&out, "active"),
        record_stat(&out, "resident"), record_stat(&out, "mapped"),
        mfile ? mfile : "", note
    };
    /* the workload's own metric name and direction win over the registry's */
    if (ok && ab_kv_get(R, "metric") && strcmp(ab_kv_get(R, "metric"), w->metric) != 0) fields[15] = ab_kv_get(R, "metric");
    if (ok && ab_kv_get(R, "better")) fields[18] = ab_kv_get(R, "better");
    ab_csv_row(r->runs, fields, RECORD_NCOLS);
    if (out.has_result) {
        for (int k = 0; k < R->n; k++) {
            if (record_std_key(R->keys[k])) continue;
            const char *xf[] = { in->run_id, a->name, w->name, f_th, f_rep, R->keys[k], R->vals[k] };
            ab_csv_row(r->extras, xf, 7);
        }
    }
    char *js = ab_read_file(in->jsonp, NULL);
    if (js) {
        ab_gbench_rows(r->gbench, js, in->run_id, a->name, w->name, in->threads, in->rep, in->warm);
        free(js);
    }
    fflush(r->runs); fflush(r->extras); fflush(r->gbench);

    if (r->nrows == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->rows = ab_xrealloc(r->rows, sizeof(ab_record_row) * (size_t)r->cap);
    }
    ab_record_row *row = &r->rows[r->nrows++];
    *row = (ab_record_row){ in->alloc_index, in->wl_index, in->threads, in->rep, in->warm, ok, disturbed,
                            ok ? strtod(val, NULL) : 0, er->wall_s, (double)er->maxrss_kb };
    r->nfail += !ok;
    r->ndist += disturbed;
    free(f_th); free(f_rep); free(f_ec); free(f_sig); free(f_wall); free(f_u); free(f_s);
    free(f_rss); free(f_srss); free(f_ns); free(f_fc);
    ab_output_free(&out);
    free(text);
    return row;
}

void ab_record_summary(const ab_record *r, const ab_alloc *al, int nal, const ab_workload *const *wls, int nwl,
                       const int *threads, int nth)
{
    char *sp = ab_xasprintf("%s/summary.csv", r->c.dir);
    FILE *fs = fopen(sp, "w");
    free(sp);
    if (!fs) { ab_err("cannot write summary.csv into %s: %s", r->c.dir, strerror(errno)); return; }
    const char *h[] = { "allocator", "workload", "threads", "metric", "better", "n_ok", "n_failed", "n_disturbed",
                        "value_median", "value_min", "value_max", "wall_median_s", "maxrss_median_kb" };
    ab_csv_row(fs, h, 13);
    double *vv = ab_xmalloc(sizeof(double) * (size_t)(r->nrows + 1));
    double *ww = ab_xmalloc(sizeof(double) * (size_t)(r->nrows + 1));
    double *rr = ab_xmalloc(sizeof(double) * (size_t)(r->nrows + 1));
    for (int wi = 0; wi < nwl; wi++)
        for (int ti = 0; ti < nth; ti++)
            for (int ai = 0; ai < nal; ai++) {
                size_t k = 0;
                int nf = 0, nd = 0;
                for (long i = 0; i < r->nrows; i++) {
                    const ab_record_row *x = &r->rows[i];
                    if (x->warmup || x->wl != wi || x->alloc != ai || x->threads != threads[ti]) continue;
                    if (!x->ok) { nf++; continue; }
                    nd += x->disturbed;
                    vv[k] = x->value; ww[k] = x->wall; rr[k] = x->maxrss_kb; k++;
                }
                if (k == 0 && nf == 0) continue;
                ab_summary sv = ab_summarise(vv, k), sw = ab_summarise(ww, k), sr = ab_summarise(rr, k);
                char b[13][64];
                snprintf(b[2], 64, "%d", threads[ti]);
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

void ab_record_close(ab_record *r)
{
    if (r->runs) fclose(r->runs);
    if (r->extras) fclose(r->extras);
    if (r->gbench) fclose(r->gbench);
    r->runs = r->extras = r->gbench = NULL;
    free(r->rows);
    r->rows = NULL;
    r->nrows = r->cap = 0;
}

const char *const *ab_record_columns(int *n)
{
    *n = RECORD_NCOLS;
    return record_cols;
}
