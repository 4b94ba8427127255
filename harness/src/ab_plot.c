/* ab_plot.c: see ab_plot.h. */
#include "ab_plot.h"
#include "ab_csv.h"
#include "ab_report.h"
#include "ab_stats.h"
#include "ab_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The state of one `plot` invocation. Invariant: names in al/wl are the
 * distinct allocator/workload values of runs.csv in first-seen order;
 * ths is sorted ascending. */
typedef struct plot_ctx {
    const ab_paths *p;
    const char *dir;
    char *figdir, *datdir;
    ab_table runs;
    char **al; int nal;
    char **wl; int nwl;
    int ths[64]; int nth;
    char *caption;
    int nfig, nfail;
    int multi;            /* runs is one machine's share of a merged set: gbench rows are filtered by run_id */
    int paper;            /* --style paper: vector PDFs at one- and two-column widths, provenance in a sidecar */
    const char *font;     /* --font, paper style */
} plot_ctx;

static int uniq(char ***v, int n, const char *s)
{
    for (int i = 0; i < n; i++) if (!strcmp((*v)[i], s)) return n;
    *v = ab_xrealloc(*v, sizeof(char *) * (size_t)(n + 1));
    (*v)[n] = ab_xstrdup(s);
    return n + 1;
}

/* A gnuplot string literal: single quotes, '' for a quote. */
static void gp_str(ab_str *o, const char *s)
{
    ab_str_add(o, "'");
    for (; *s; s++) { if (*s == '\'') ab_str_add(o, "''"); else ab_str_addn(o, s, 1); }
    ab_str_add(o, "'");
}

static char *names_word_list(plot_ctx *c)
{
    ab_str s = {0};
    for (int i = 0; i < c->nal; i++) ab_str_addf(&s, "%s%s", i ? " " : "", c->al[i]);
    return s.buf ? s.buf : ab_xstrdup("");
}

/* Run script for png and pdf with the given variable assignments. */
/* Paper style: heights of one- and two-column figures (inches), per script. */
static double paper_height(const char *script, int twocol)
{
    double h = twocol ? 2.8 : 2.3;
    if (!strcmp(script, "fig8.gp")) h *= 1.8;
    return h;
}

/* The sidecar of a paper-style figure: what the screen style prints in its
 * footer (machine, allocator versions, set), the data and the command. */
static void write_provenance(plot_ctx *c, const char *script, const char *base)
{
    char *path = ab_xasprintf("%s/%s.provenance.txt", c->figdir, base);
    char stamp[32];
    ab_utc_stamp(stamp, sizeof stamp, 0);
    char real[4096];
    const char *rd = realpath(c->dir, real) ? real : c->dir;
    ab_str t = {0};
    ab_str_addf(&t, "figure: %s-1col.pdf (3.3 in wide), %s-2col.pdf (7 in wide)\n", base, base);
    ab_str_addf(&t, "results set: %s\n", rd);
    ab_str_addf(&t, "machine | allocators | set: %s\n", c->caption);
    ab_str_addf(&t, "data: %s/%s-1col.vars.gp (and -2col) and the .dat files they name\n", c->datdir, base);
    ab_str_addf(&t, "drawn by: allocbench plot %s --style paper (scripts/%s, font %s), %s\n", c->dir, script, c->font, stamp);
    if (ab_write_atomic(path, ab_str_c(&t), t.len)) ab_err("plot: cannot write %s", path);
    ab_str_free(&t);
    free(path);
}

static void draw(plot_ctx *c, const char *script, const char *base, const char *vars)
{
    if (c->paper) write_provenance(c, script, base);
    for (int k = 0; k < 2; k++) {
        const char *fmt = c->paper ? "pdf" : k ? "pdf" : "png";
        ab_str v = {0};
        ab_str_addf(&v, "fmt='%s'\n", fmt);
        char *out = c->paper ? ab_xasprintf("%s/%s-%s.pdf", c->figdir, base, k ? "2col" : "1col")
                             : ab_xasprintf("%s/%s.%s", c->figdir, base, fmt);
        if (c->paper) {
            ab_str_addf(&v, "style='paper'\nwidth_in=%.1f\nheight_in=%.2f\nfontsize=%d\n", k ? 7.0 : 3.3,
                        paper_height(script, k), k ? 8 : 7);
            ab_str_add(&v, "fontname="); gp_str(&v, c->font); ab_str_add(&v, "\n");
        }
        ab_str_add(&v, "out="); gp_str(&v, out); ab_str_add(&v, "\n");
        char *sd = ab_xasprintf("%s/scripts", c->p->root);
        ab_str_add(&v, "scriptdir="); gp_str(&v, sd); ab_str_add(&v, "\n");
        ab_str_add(&v, "caption="); gp_str(&v, c->caption); ab_str_add(&v, "\n");
        char *nl = names_word_list(c);
        ab_str_add(&v, "names="); gp_str(&v, nl); ab_str_add(&v, "\n");
        ab_str_addf(&v, "nal=%d\n", c->nal);
        ab_str_add(&v, vars);
        char *vf = c->paper ? ab_xasprintf("%s/%s-%s.vars.gp", c->datdir, base, k ? "2col" : "1col")
                            : ab_xasprintf("%s/%s.vars.gp", c->datdir, base);
        FILE *f = fopen(vf, "w");
        if (f) { fputs(ab_str_c(&v), f); fclose(f); }
        char *q1 = ab_shell_quote(vf);
        char *sp = ab_xasprintf("%s/%s", sd, script);
        char *q2 = ab_shell_quote(sp);
        char *lg = ab_xasprintf("%s/%s.gnuplot.log", c->datdir, base);
        char *q3 = ab_shell_quote(lg);
        char *cmd = ab_xasprintf("gnuplot %s %s >%s 2>&1", q1, q2, q3);
        int rc = system(cmd);
        if (rc != 0 || !ab_file_exists(out)) {
            ab_err("plot: gnuplot failed for %s (see %s)", out, lg);
            c->nfail++;
        } else if (k == 0) {
            c->nfig++;
        }
        free(cmd); free(q1); free(q2); free(q3); free(lg); free(sp); free(vf); free(nl); free(sd); free(out);
        ab_str_free(&v);
    }
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Values of the measured, successful runs of a cell. */
static size_t cell_values(plot_ctx *c, const char *al, const char *wl, int th, const char *col, double *out)
{
    ab_table *t = &c->runs;
    int ca = ab_table_col(t, "allocator"), cw = ab_table_col(t, "workload"), ct = ab_table_col(t, "threads");
    int cs = ab_table_col(t, "status"), cwu = ab_table_col(t, "warmup"), cv = ab_table_col(t, col);
    size_t k = 0;
    for (int i = 0; i < t->nrow; i++) {
        if (strcmp(ab_table_get(t, i, ca), al) || strcmp(ab_table_get(t, i, cw), wl)) continue;
        if (atoi(ab_table_get(t, i, ct)) != th || !strcmp(ab_table_get(t, i, cwu), "1")) continue;
        if (strcmp(ab_table_get(t, i, cs), "ok")) continue;
        out[k++] = strtod(ab_table_get(t, i, cv), NULL);
    }
    return k;
}

static const char *wl_field(plot_ctx *c, const char *wl, const char *col)
{
    ab_table *t = &c->runs;
    int cw = ab_table_col(t, "workload"), cs = ab_table_col(t, "status"), cc = ab_table_col(t, col);
    const char *any = "";
    for (int i = 0; i < t->nrow; i++) {
        if (strcmp(ab_table_get(t, i, cw), wl)) continue;
        if (!strcmp(ab_table_get(t, i, cs), "ok") && *ab_table_get(t, i, cc)) return ab_table_get(t, i, cc);
        any = ab_table_get(t, i, cc);
    }
    return any;
}

static void fig_scal(plot_ctx *c, const char *wl)
{
    double *v = ab_xmalloc(sizeof(double) * (size_t)(c->runs.nrow + 1));
    char *dat = ab_xasprintf("%s/scal-%s.dat", c->datdir, wl);
    FILE *f = fopen(dat, "w");
    if (!f) { free(v); free(dat); return; }
    const char *better = wl_field(c, wl, "better");
    double best1 = NAN, ymin = INFINITY, ymax = 0;
    int npts = 0;
    for (int a = 0; a < c->nal; a++) {
        fprintf(f, "# %s: threads min q1 median q3 max n\n", c->al[a]);
        int wrote = 0;
        for (int k = 0; k < c->nth; k++) {
            size_t n = cell_values(c, c->al[a], wl, c->ths[k], "value", v);
            if (!n) continue;
            ab_summary s = ab_summarise(v, n);
            fprintf(f, "%d %.6g %.6g %.6g %.6g %.6g %zu\n", c->ths[k], s.min, s.q1, s.median, s.q3, s.max, n);
            wrote = 1; npts++;
            if (s.min > 0 && s.min < ymin) ymin = s.min;
            if (s.max > ymax) ymax = s.max;
            if (k == 0 && c->ths[0] == 1) {
                if (isnan(best1) || (!strcmp(better, "lower") ? s.median < best1 : s.median > best1)) best1 = s.median;
            }
        }
        if (!wrote) fprintf(f, "%d NaN NaN NaN NaN NaN 0\n", c->ths[0]);
        fprintf(f, "\n\n");
    }
    fclose(f);
    if (!npts) { free(v); free(dat); return; }
    /* ideal line: the best 1-thread median times the calibrated speedup */
    int has_ideal = 0;
    char *idat = ab_xasprintf("%s/ideal-%s.dat", c->datdir, wl);
    char *cp = ab_xasprintf("%s/calibration.csv", c->dir);
    ab_table cal;
    if (!strcmp(better, "higher") && !isnan(best1) && ab_file_exists(cp) && ab_table_load(cp, &cal) == 0) {
        int ct = ab_table_col(&cal, "threads"), cs = ab_table_col(&cal, "speedup");
        FILE *g = fopen(idat, "w");
        if (g && ct >= 0 && cs >= 0) {
            fprintf(g, "# threads ideal (best 1-thread median x calibrated CPU speedup)\n");
            for (int i = 0; i < cal.nrow; i++) {
                double sp = strtod(ab_table_get(&cal, i, cs), NULL);
                fprintf(g, "%s %.6g\n", ab_table_get(&cal, i, ct), best1 * sp);
                if (best1 * sp > ymax) ymax = best1 * sp;
            }
            has_ideal = 1;
        }
        if (g) fclose(g);
        ab_table_free(&cal);
    }
    const char *metric = wl_field(c, wl, "metric"), *unit = wl_field(c, wl, "unit");
    ab_str vars = {0};
    ab_str_add(&vars, "dat="); gp_str(&vars, dat); ab_str_add(&vars, "\n");
    ab_str_add(&vars, "ideal="); gp_str(&vars, idat); ab_str_add(&vars, "\n");
    ab_str_addf(&vars, "has_ideal=%d\n", has_ideal);
    char *ttl = ab_xasprintf("%s: scalability (box: quartiles, whiskers: min/max; %s is better)", wl, better);
    ab_str_add(&vars, "ttl="); gp_str(&vars, ttl); ab_str_add(&vars, "\n");
    char *yl = ab_xasprintf("%s [%s]", metric, *unit ? unit : "?");
    ab_str_add(&vars, "ylab="); gp_str(&vars, yl); ab_str_add(&vars, "\n");
    ab_str_addf(&vars, "tmax=%d\nlogy=%d\n", c->ths[c->nth - 1], ymin > 0 && ymax / ymin > 30 ? 1 : 0);
    char *base = ab_xasprintf("scal-%s", wl);
    draw(c, "scal.gp", base, ab_str_c(&vars));
    free(base); free(ttl); free(yl); ab_str_free(&vars); free(cp); free(idat); free(v); free(dat);
}

/* RSS over time: for each allocator, the measured run at the largest thread
 * count whose wall time is the median of its cell. */
static void fig_rss(plot_ctx *c, const char *wl)
{
    ab_table *t = &c->runs;
    int ca = ab_table_col(t, "allocator"), cw = ab_table_col(t, "workload"), ct = ab_table_col(t, "threads");
    int cs = ab_table_col(t, "status"), cwu = ab_table_col(t, "warmup"), cwall = ab_table_col(t, "wall_s");
    int cid = ab_table_col(t, "run_id");
    int th = 0;
    for (int i = 0; i < t->nrow; i++)
        if (!strcmp(ab_table_get(t, i, cw), wl) && !strcmp(ab_table_get(t, i, cs), "ok") && atoi(ab_table_get(t, i, ct)) > th)
            th = atoi(ab_table_get(t, i, ct));
    if (!th) return;
    char *dat = ab_xasprintf("%s/rss-%s.dat", c->datdir, wl);
    FILE *f = fopen(dat, "w");
    if (!f) { free(dat); return; }
    int any = 0;
    for (int a = 0; a < c->nal; a++) {
        int idx[1024], n = 0;
        for (int i = 0; i < t->nrow && n < 1024; i++)
            if (!strcmp(ab_table_get(t, i, ca), c->al[a]) && !strcmp(ab_table_get(t, i, cw), wl) &&
                atoi(ab_table_get(t, i, ct)) == th && strcmp(ab_table_get(t, i, cwu), "1") != 0 &&
                !strcmp(ab_table_get(t, i, cs), "ok"))
                idx[n++] = i;
        fprintf(f, "# %s: t_s rss_MiB\n", c->al[a]);
        int wrote = 0;
        if (n) {
            /* sort by wall time, take the middle one */
            for (int i = 1; i < n; i++)
                for (int k = i; k > 0 && strtod(ab_table_get(t, idx[k - 1], cwall), NULL) > strtod(ab_table_get(t, idx[k], cwall), NULL); k--) {
                    int x = idx[k]; idx[k] = idx[k - 1]; idx[k - 1] = x;
                }
            const char *id = ab_table_get(t, idx[n / 2], cid);
            char *tp = ab_xasprintf("%s/timeline/%s.csv", c->dir, id);
            ab_table tl;
            if (ab_file_exists(tp) && ab_table_load(tp, &tl) == 0) {
                int cm = ab_table_col(&tl, "t_ms"), cr = ab_table_col(&tl, "rss_bytes");
                for (int i = 0; i < tl.nrow; i++) {
                    fprintf(f, "%.4f %.4f\n", strtod(ab_table_get(&tl, i, cm), NULL) / 1000.0,
                            strtod(ab_table_get(&tl, i, cr), NULL) / 1048576.0);
                    wrote = 1;
                }
                ab_table_free(&tl);
            }
            free(tp);
        }
        if (!wrote) fprintf(f, "NaN NaN\n");
        else any = 1;
        fprintf(f, "\n\n");
    }
    fclose(f);
    if (any) {
        ab_str vars = {0};
        ab_str_add(&vars, "dat="); gp_str(&vars, dat); ab_str_add(&vars, "\n");
        char *ttl = ab_xasprintf("%s: resident set size over time (%d thread%s, median-time run per allocator)", wl, th, th > 1 ? "s" : "");
        ab_str_add(&vars, "ttl="); gp_str(&vars, ttl); ab_str_add(&vars, "\n");
        char *base = ab_xasprintf("rss-%s", wl);
        draw(c, "rss.gp", base, ab_str_c(&vars));
        free(base); free(ttl); ab_str_free(&vars);
    }
    free(dat);
}

/* Fig. 8 of the paper: median run time and median peak RSS per workload at
 * the smallest thread count, each workload scaled so its maximum is 1. */
static void fig_fig8(plot_ctx *c)
{
    double *v = ab_xmalloc(sizeof(double) * (size_t)(c->runs.nrow + 1));
    char *d1 = ab_xasprintf("%s/fig8-time.dat", c->datdir), *d2 = ab_xasprintf("%s/fig8-rss.dat", c->datdir);
    FILE *f1 = fopen(d1, "w"), *f2 = fopen(d2, "w");
    int th = c->ths[0], rows = 0;
    if (f1 && f2) {
        fprintf(f1, "# workload, then per allocator: median wall time / max over allocators\n");
        fprintf(f2, "# workload, then per allocator: median peak RSS / max over allocators\n");
        for (int w = 0; w < c->nwl; w++) {
            double tm[64], rs[64], mt = 0, mr = 0;
            int any = 0;
            for (int a = 0; a < c->nal && a < 64; a++) {
                size_t n = cell_values(c, c->al[a], c->wl[w], th, "wall_s", v);
                tm[a] = n ? ab_summarise(v, n).median : NAN;
                n = cell_values(c, c->al[a], c->wl[w], th, "maxrss_kb", v);
                rs[a] = n ? ab_summarise(v, n).median : NAN;
                if (!isnan(tm[a])) { any = 1; if (tm[a] > mt) mt = tm[a]; }
                if (!isnan(rs[a]) && rs[a] > mr) mr = rs[a];
            }
            if (!any) continue;
            fprintf(f1, "%s", c->wl[w]); fprintf(f2, "%s", c->wl[w]);
            for (int a = 0; a < c->nal && a < 64; a++) {
                if (isnan(tm[a])) fprintf(f1, " ?"); else fprintf(f1, " %.4f", tm[a] / mt);
                if (isnan(rs[a])) fprintf(f2, " ?"); else fprintf(f2, " %.4f", rs[a] / mr);
            }
            fprintf(f1, "\n"); fprintf(f2, "\n");
            rows++;
        }
    }
    if (f1) fclose(f1);
    if (f2) fclose(f2);
    if (rows) {
        ab_str vars = {0};
        ab_str_add(&vars, "dtime="); gp_str(&vars, d1); ab_str_add(&vars, "\n");
        ab_str_add(&vars, "drss="); gp_str(&vars, d2); ab_str_add(&vars, "\n");
        ab_str_addf(&vars, "nwl=%d\nthreads=%d\n", rows, th);
        draw(c, "fig8.gp", "fig8-time-rss", ab_str_c(&vars));
        ab_str_free(&vars);
    }
    free(d1); free(d2); free(v);
}

/* Fragmentation: median of the extras key ratio_final (RSS / live bytes at
 * the end) per workload and allocator, smallest thread count. */
static void fig_frag(plot_ctx *c)
{
    char *xp = ab_xasprintf("%s/extras.csv", c->dir);
    ab_table x;
    if (!ab_file_exists(xp) || ab_table_load(xp, &x) != 0) { free(xp); return; }
    free(xp);
    int ca = ab_table_col(&x, "allocator"), cw = ab_table_col(&x, "workload"), ct = ab_table_col(&x, "threads");
    int ck = ab_table_col(&x, "key"), cv = ab_table_col(&x, "value"), cid = ab_table_col(&x, "run_id");
    /* only runs that are ok and not warm-up */
    ab_table *t = &c->runs;
    int rid = ab_table_col(t, "run_id"), rs = ab_table_col(t, "status"), rw = ab_table_col(t, "warmup");
    char *dat = ab_xasprintf("%s/frag.dat", c->datdir);
    FILE *f = fopen(dat, "w");
    double *v = ab_xmalloc(sizeof(double) * (size_t)(x.nrow + 1));
    int rows = 0;
    if (f) {
        fprintf(f, "# workload, then per allocator: median ratio_final (RSS / live bytes)\n");
        for (int w = 0; w < c->nwl; w++) {
            double med[64];
            int any = 0;
            for (int a = 0; a < c->nal && a < 64; a++) {
                size_t n = 0;
                for (int i = 0; i < x.nrow; i++) {
                    if (strcmp(ab_table_get(&x, i, ck), "ratio_final") || strcmp(ab_table_get(&x, i, cw), c->wl[w]) ||
                        strcmp(ab_table_get(&x, i, ca), c->al[a]) || atoi(ab_table_get(&x, i, ct)) != c->ths[0])
                        continue;
                    int okrun = 0;
                    for (int r = 0; r < t->nrow; r++)
                        if (!strcmp(ab_table_get(t, r, rid), ab_table_get(&x, i, cid))) {
                            okrun = !strcmp(ab_table_get(t, r, rs), "ok") && strcmp(ab_table_get(t, r, rw), "1");
                            break;
                        }
                    if (okrun) v[n++] = strtod(ab_table_get(&x, i, cv), NULL);
                }
                med[a] = n ? ab_summarise(v, n).median : NAN;
                if (n) any = 1;
            }
            if (!any) continue;
            fprintf(f, "%s", c->wl[w]);
            for (int a = 0; a < c->nal && a < 64; a++) {
                if (isnan(med[a])) fprintf(f, " ?"); else fprintf(f, " %.4f", med[a]);
            }
            fprintf(f, "\n");
            rows++;
        }
        fclose(f);
    }
    if (rows) {
        ab_str vars = {0};
        ab_str_add(&vars, "dat="); gp_str(&vars, dat); ab_str_add(&vars, "\n");
        ab_str_addf(&vars, "nwl=%d\nthreads=%d\n", rows, c->ths[0]);
        draw(c, "frag.gp", "fragmentation", ab_str_c(&vars));
        ab_str_free(&vars);
    }
    free(v); free(dat);
    ab_table_free(&x);
}

/* Micro-benchmark latency against size: gbench.csv, median cpu_time per
 * (workload, allocator, size) at the smallest thread count. */
static void fig_latency(plot_ctx *c)
{
    char *gp = ab_xasprintf("%s/gbench.csv", c->dir);
    ab_table g;
    if (!ab_file_exists(gp) || ab_table_load(gp, &g) != 0) { free(gp); return; }
    free(gp);
    int ca = ab_table_col(&g, "allocator"), cw = ab_table_col(&g, "workload"), ct = ab_table_col(&g, "threads");
    int cwu = ab_table_col(&g, "warmup"), cn = ab_table_col(&g, "name"), cs = ab_table_col(&g, "size");
    int cc = ab_table_col(&g, "cpu_time"), cu = ab_table_col(&g, "time_unit");
    if (c->multi) {
        /* keep the rows of this machine's runs only */
        int gid = ab_table_col(&g, "run_id"), rid = ab_table_col(&c->runs, "run_id"), k = 0;
        for (int i = 0; i < g.nrow; i++) {
            int mine = 0;
            for (int r = 0; r < c->runs.nrow && !mine; r++)
                mine = !strcmp(ab_table_get(&g, i, gid), ab_table_get(&c->runs, r, rid));
            if (mine) { ab_csv_rec x = g.rows[k]; g.rows[k++] = g.rows[i]; g.rows[i] = x; }
        }
        /* the others stay allocated past nrow until freed */
        for (int i = k; i < g.nrow; i++) ab_csv_rec_free(&g.rows[i]);
        g.nrow = k;
    }
    char **wls = NULL; int nw = 0;
    for (int i = 0; i < g.nrow; i++) if (*ab_table_get(&g, i, cs)) nw = uniq(&wls, nw, ab_table_get(&g, i, cw));
    double *v = ab_xmalloc(sizeof(double) * (size_t)(g.nrow + 1));
    for (int w = 0; w < nw; w++) {
        /* benchmark families: the name before the first '/' */
        char **fam = NULL; int nf = 0;
        for (int i = 0; i < g.nrow; i++) {
            if (strcmp(ab_table_get(&g, i, cw), wls[w]) || !*ab_table_get(&g, i, cs)) continue;
            const char *nm = ab_table_get(&g, i, cn);
            const char *sl = strchr(nm, '/');
            char *fm = sl ? ab_xasprintf("%.*s", (int)(sl - nm), nm) : ab_xstrdup(nm);
            nf = uniq(&fam, nf, fm);
            free(fm);
        }
        for (int fi = 0; fi < nf; fi++) {
            char *dat = ab_xasprintf("%s/latency-%s-%s.dat", c->datdir, wls[w], fam[fi]);
            FILE *f = fopen(dat, "w");
            if (!f) { free(dat); continue; }
            int any = 0, maxsizes = 0;
            for (int a = 0; a < c->nal; a++) {
                fprintf(f, "# %s: size_bytes median_ns min_ns max_ns\n", c->al[a]);
                int sizes[256], ns = 0;
                for (int i = 0; i < g.nrow && ns < 256; i++) {
                    const char *nm = ab_table_get(&g, i, cn);
                    size_t fl = strlen(fam[fi]);
                    if (strcmp(ab_table_get(&g, i, cw), wls[w]) || strcmp(ab_table_get(&g, i, ca), c->al[a]) ||
                        strncmp(nm, fam[fi], fl) || (nm[fl] != '/' && nm[fl] != '\0') || !*ab_table_get(&g, i, cs))
                        continue;
                    int s = atoi(ab_table_get(&g, i, cs)), dup = 0;
                    for (int k = 0; k < ns; k++) if (sizes[k] == s) dup = 1;
                    if (!dup) sizes[ns++] = s;
                }
                qsort(sizes, (size_t)ns, sizeof(int), cmp_int);
                if (ns > maxsizes) maxsizes = ns;
                int wrote = 0;
                for (int k = 0; k < ns; k++) {
                    size_t n = 0;
                    for (int i = 0; i < g.nrow; i++) {
                        const char *nm = ab_table_get(&g, i, cn);
                        size_t fl = strlen(fam[fi]);
                        if (strcmp(ab_table_get(&g, i, cw), wls[w]) || strcmp(ab_table_get(&g, i, ca), c->al[a]) ||
                            strncmp(nm, fam[fi], fl) || atoi(ab_table_get(&g, i, cs)) != sizes[k] ||
                            !strcmp(ab_table_get(&g, i, cwu), "1") || atoi(ab_table_get(&g, i, ct)) != c->ths[0])
                            continue;
                        double x = strtod(ab_table_get(&g, i, cc), NULL);
                        const char *u = ab_table_get(&g, i, cu);
                        if (!strcmp(u, "us")) x *= 1e3; else if (!strcmp(u, "ms")) x *= 1e6; else if (!strcmp(u, "s")) x *= 1e9;
                        v[n++] = x;
                    }
                    if (!n) continue;
                    ab_summary s = ab_summarise(v, n);
                    fprintf(f, "%d %.4f %.4f %.4f\n", sizes[k], s.median, s.min, s.max);
                    wrote = 1; any = 1;
                }
                if (!wrote) fprintf(f, "NaN NaN NaN NaN\n");
                fprintf(f, "\n\n");
            }
            fclose(f);
            /* a size-class curve needs several sizes; batch-count families are skipped */
            if (any && maxsizes >= 5) {
                ab_str vars = {0};
                ab_str_add(&vars, "dat="); gp_str(&vars, dat); ab_str_add(&vars, "\n");
                char *ttl = ab_xasprintf("%s %s: CPU time per iteration against request size (median, bars: min/max)", wls[w], fam[fi]);
                ab_str_add(&vars, "ttl="); gp_str(&vars, ttl); ab_str_add(&vars, "\n");
                char *base = ab_xasprintf("latency-%s-%s", wls[w], fam[fi]);
                draw(c, "latency.gp", base, ab_str_c(&vars));
                free(base); free(ttl); ab_str_free(&vars);
            }
            free(dat);
        }
        for (int i = 0; i < nf; i++) free(fam[i]);
        free(fam);
    }
    for (int i = 0; i < nw; i++) free(wls[i]);
    free(wls); free(v);
    ab_table_free(&g);
}

static char *short_version(const char *v)
{
    char *s = ab_xstrdup(v);
    char *g = strstr(s, "-0-g");
    if (g) *g = '\0';
    return s;
}

/* Draw every figure of c->runs into figdir (machine: the caption's machine
 * when the set holds several). Returns 0, or 1 when a figure failed. */
static int plot_set(plot_ctx *c, const char *figdir, const char *machine)
{
    int ca = ab_table_col(&c->runs, "allocator"), cw = ab_table_col(&c->runs, "workload");
    int ct = ab_table_col(&c->runs, "threads"), cv = ab_table_col(&c->runs, "alloc_version");
    int cm = ab_table_col(&c->runs, "machine"), ch = ab_table_col(&c->runs, "host");
    for (int i = 0; i < c->runs.nrow; i++) {
        c->nal = uniq(&c->al, c->nal, ab_table_get(&c->runs, i, ca));
        c->nwl = uniq(&c->wl, c->nwl, ab_table_get(&c->runs, i, cw));
        int th = atoi(ab_table_get(&c->runs, i, ct)), f = 0;
        for (int k = 0; k < c->nth; k++) if (c->ths[k] == th) f = 1;
        if (!f && c->nth < 64) c->ths[c->nth++] = th;
    }
    qsort(c->ths, (size_t)c->nth, sizeof(int), cmp_int);
    ab_str cap = {0};
    if (machine) ab_str_addf(&cap, "%s | ", machine);
    else ab_str_addf(&cap, "%s%s%s%s | ", ab_table_get(&c->runs, 0, ch), cm >= 0 ? " (" : "",
                     cm >= 0 ? ab_table_get(&c->runs, 0, cm) : "", cm >= 0 ? ")" : "");
    for (int a = 0; a < c->nal; a++) {
        for (int i = 0; i < c->runs.nrow; i++)
            if (!strcmp(ab_table_get(&c->runs, i, ca), c->al[a])) {
                char *sv = short_version(ab_table_get(&c->runs, i, cv));
                ab_str_addf(&cap, "%s%s %s", a ? ", " : "", c->al[a], sv);
                free(sv);
                break;
            }
    }
    char real[4096];
    const char *rd = realpath(c->dir, real) ? real : c->dir;
    const char *slash = strrchr(rd, '/');
    char *dn = ab_xstrdup(slash && slash[1] ? slash + 1 : rd);
    ab_str_addf(&cap, " | %s", dn);
    free(dn);
    c->caption = cap.buf;
    c->figdir = ab_xstrdup(figdir);
    c->datdir = ab_xasprintf("%s/data", figdir);
    if (ab_mkdirs(c->datdir, 0755)) { ab_err("plot: cannot create %s: %s", c->datdir, strerror(errno)); return 1; }
    for (int w = 0; w < c->nwl; w++) { fig_scal(c, c->wl[w]); fig_rss(c, c->wl[w]); }
    fig_fig8(c);
    fig_frag(c);
    fig_latency(c);
    if (!machine)
        printf("figures: %s (%d figures, %s)\n", c->figdir, c->nfig,
               c->paper ? "PDF at 3.3 in (-1col) and 7 in (-2col), provenance in .provenance.txt" : "PNG and PDF");
    int rc = c->nfail ? 1 : 0;
    for (int i = 0; i < c->nal; i++) free(c->al[i]);
    for (int i = 0; i < c->nwl; i++) free(c->wl[i]);
    free(c->al); free(c->wl); free(c->caption); free(c->figdir); free(c->datdir);
    return rc;
}

int ab_cmd_plot(int argc, char **argv, const ab_paths *p)
{
    if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        fputs("usage: allocbench plot <results-dir> [--style screen|paper] [--out DIR] [--font NAME]\n"
              "Draw every figure of a result set from its CSV files into <results-dir>/figures/\n"
              "(PNG and PDF; derived data in figures/data/): scalability box plots with the\n"
              "calibrated ideal line, RSS over time, normalised time and peak RSS (Fig. 8 layout),\n"
              "micro-benchmark latency against size, fragmentation (RSS/live) bars.\n"
              "--style paper: for a paper instead of a screen: vector PDFs only, each at one\n"
              "column (NAME-1col.pdf, 3.3 in wide) and two columns (NAME-2col.pdf, 7 in), in a\n"
              "LaTeX font (--font, default 'Latin Modern Roman'; 'Nimbus Roman' matches Times),\n"
              "no title and no footer: the provenance (machine, allocator versions, set, data,\n"
              "command) goes to NAME.provenance.txt. Colours: Okabe-Ito, with a dash pattern\n"
              "and a marker per series. Into <results-dir>/figures-paper/ unless --out.\n", stdout);
        return 0;
    }
    plot_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.font = "Latin Modern Roman";
    const char *outdir = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--style") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "paper")) c.paper = 1;
            else if (!strcmp(argv[i], "screen")) c.paper = 0;
            else { ab_err("plot: --style takes screen or paper, not '%s'", argv[i]); return 2; }
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) outdir = argv[++i];
        else if (!strcmp(argv[i], "--font") && i + 1 < argc) c.font = argv[++i];
        else if (argv[i][0] == '-') { ab_err("plot: unknown or incomplete option '%s' (see allocbench plot --help)", argv[i]); return 2; }
        else if (c.dir) { ab_err("plot: expected one results folder (see allocbench plot --help)"); return 2; }
        else c.dir = argv[i];
    }
    if (!c.dir) { ab_err("plot: expected one results folder (see allocbench plot --help)"); return 2; }
    for (const char *q = c.font; *q; q++)
        if (*q == '\'' || *q == ',' || (unsigned char)*q < 32) { ab_err("plot: --font takes a font family name, not '%s'", c.font); return 2; }
    const char *figsub = c.paper ? "figures-paper" : "figures";
    char *rp = ab_xasprintf("%s/runs.csv", c.dir);
    if (!ab_file_exists(rp)) { ab_err("plot: %s is not a results folder (no runs.csv)", c.dir); free(rp); return 2; }
    if (ab_table_load(rp, &c.runs)) { free(rp); return 2; }
    free(rp);
    static const char *need[] = { "run_id", "allocator", "workload", "threads", "status", "warmup", "value",
                                  "wall_s", "maxrss_kb", "metric", "unit", "better", "alloc_version", NULL };
    for (int i = 0; need[i]; i++)
        if (ab_table_col(&c.runs, need[i]) < 0) { ab_err("plot: runs.csv lacks column '%s'", need[i]); ab_table_free(&c.runs); return 2; }
    int cmach = ab_table_col(&c.runs, "machine");
    char **mach = NULL;
    int nm = 0;
    for (int i = 0; cmach >= 0 && i < c.runs.nrow; i++) nm = uniq(&mach, nm, ab_table_get(&c.runs, i, cmach));
    int rc = 0;
    if (!c.runs.nrow) { ab_err("plot: %s/runs.csv has no runs", c.dir); rc = 1; }
    else if (nm <= 1) {
        char *fd = outdir ? ab_xstrdup(outdir) : ab_xasprintf("%s/%s", c.dir, figsub);
        rc = plot_set(&c, fd, NULL);
        free(fd);
    } else {
        /* a merged set of several machines: one folder of figures each, no
         * median mixes machines */
        ab_table all = c.runs;
        ab_csv_rec *sub = ab_xmalloc(sizeof(ab_csv_rec) * (size_t)(all.nrow + 1));
        ab_str idx = {0};
        int total = 0;
        for (int m = 0; m < nm; m++) {
            int n = 0;
            for (int i = 0; i < all.nrow; i++) if (!strcmp(ab_table_get(&all, i, cmach), mach[m])) sub[n++] = all.rows[i];
            plot_ctx mc = c;
            mc.runs.rows = sub; mc.runs.nrow = n;
            mc.multi = 1; mc.nfig = mc.nfail = 0;
            char *fd = outdir ? ab_xasprintf("%s/machine-%d", outdir, m + 1)
                              : ab_xasprintf("%s/%s/machine-%d", c.dir, figsub, m + 1);
            ab_str_addf(&idx, "machine-%d\t%s\n", m + 1, mach[m]);
            if (plot_set(&mc, fd, mach[m])) rc = 1;
            total += mc.nfig;
            free(fd);
        }
        char *ip = outdir ? ab_xasprintf("%s/machines.tsv", outdir) : ab_xasprintf("%s/%s/machines.tsv", c.dir, figsub);
        ab_write_atomic(ip, idx.buf ? idx.buf : "", idx.len);
        free(ip);
        ab_str_free(&idx);
        free(sub);
        printf("figures: %s (%d machines, %d figures; machines.tsv names them)\n", outdir ? outdir : c.dir, nm, total);
    }
    for (int i = 0; i < nm; i++) free(mach[i]);
    free(mach);
    ab_table_free(&c.runs);
    return rc;
}
