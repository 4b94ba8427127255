/* ab_report.c: see ab_report.h. */
#include "ab_report.h"
#include "ab_stats.h"
#include "ab_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int ab_cells_from(const ab_table *t, ab_cells *c)
{
    memset(c, 0, sizeof *c);
    int ca = ab_table_col(t, "allocator"), cw = ab_table_col(t, "workload"), ct = ab_table_col(t, "threads");
    int cs = ab_table_col(t, "status"), cv = ab_table_col(t, "value"), cwu = ab_table_col(t, "warmup");
    int cwall = ab_table_col(t, "wall_s"), crss = ab_table_col(t, "maxrss_kb"), cb = ab_table_col(t, "better");
    int cm = ab_table_col(t, "metric"), cu = ab_table_col(t, "unit"), cd = ab_table_col(t, "disturbed");
    if (ca < 0 || cw < 0 || ct < 0 || cs < 0 || cv < 0 || cwall < 0 || crss < 0 || cb < 0) return -1;
    double *v = ab_xmalloc(sizeof(double) * (size_t)(t->nrow + 1));
    double *w = ab_xmalloc(sizeof(double) * (size_t)(t->nrow + 1));
    double *r = ab_xmalloc(sizeof(double) * (size_t)(t->nrow + 1));
    char *seen = ab_xmalloc((size_t)t->nrow + 1);
    memset(seen, 0, (size_t)t->nrow + 1);
    for (int i = 0; i < t->nrow; i++) {
        if (seen[i]) continue;
        if (cwu >= 0 && !strcmp(ab_table_get(t, i, cwu), "1")) { seen[i] = 1; continue; }
        const char *A = ab_table_get(t, i, ca), *W = ab_table_get(t, i, cw), *T = ab_table_get(t, i, ct);
        ab_cell cell;
        memset(&cell, 0, sizeof cell);
        size_t k = 0;
        for (int j = i; j < t->nrow; j++) {
            if (seen[j]) continue;
            if (cwu >= 0 && !strcmp(ab_table_get(t, j, cwu), "1")) continue;
            if (strcmp(A, ab_table_get(t, j, ca)) || strcmp(W, ab_table_get(t, j, cw)) || strcmp(T, ab_table_get(t, j, ct))) continue;
            seen[j] = 1;
            if (strcmp(ab_table_get(t, j, cs), "ok")) { cell.nfail++; continue; }
            if (!strcmp(ab_table_get(t, j, cd), "1")) cell.ndisturbed++;
            if (!cell.unit && cu >= 0) cell.unit = ab_xstrdup(ab_table_get(t, j, cu));
            if (!cell.metric && cm >= 0) cell.metric = ab_xstrdup(ab_table_get(t, j, cm));
            v[k] = strtod(ab_table_get(t, j, cv), NULL);
            w[k] = strtod(ab_table_get(t, j, cwall), NULL);
            r[k] = strtod(ab_table_get(t, j, crss), NULL);
            k++;
        }
        ab_summary sv = ab_summarise(v, k);
        cell.allocator = ab_xstrdup(A);
        cell.workload = ab_xstrdup(W);
        cell.threads = atoi(T);
        cell.better = ab_xstrdup(ab_table_get(t, i, cb));
        if (!cell.metric) cell.metric = ab_xstrdup(cm >= 0 ? ab_table_get(t, i, cm) : "");
        if (!cell.unit) cell.unit = ab_xstrdup("");
        cell.n = (int)k;
        cell.value = sv.median; cell.value_min = sv.min; cell.value_max = sv.max;
        cell.wall = ab_summarise(w, k).median;
        cell.maxrss_kb = ab_summarise(r, k).median;
        c->v = ab_xrealloc(c->v, sizeof(ab_cell) * (size_t)(c->n + 1));
        c->v[c->n++] = cell;
    }
    free(v); free(w); free(r); free(seen);
    return 0;
}

void ab_cells_free(ab_cells *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->v[i].allocator); free(c->v[i].workload); free(c->v[i].better);
        free(c->v[i].metric); free(c->v[i].unit);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

const ab_cell *ab_cells_find(const ab_cells *c, const char *alloc, const char *wl, int threads)
{
    for (int i = 0; i < c->n; i++)
        if (c->v[i].threads == threads && !strcmp(c->v[i].allocator, alloc) && !strcmp(c->v[i].workload, wl))
            return &c->v[i];
    return NULL;
}

/* Distinct values in first-seen order. */
static int uniq_add(char ***v, int n, const char *s)
{
    for (int i = 0; i < n; i++) if (!strcmp((*v)[i], s)) return n;
    *v = ab_xrealloc(*v, sizeof(char *) * (size_t)(n + 1));
    (*v)[n] = ab_xstrdup(s);
    return n + 1;
}

/* The ratio tables of the rows of one machine. */
static int report_table(const char *dir, const ab_table *tp, FILE *out)
{
    const ab_table t = *tp;
    ab_cells c;
    if (ab_cells_from(&t, &c)) { ab_err("%s/runs.csv lacks required columns", dir); return -1; }
    char **al = NULL, **wl = NULL;
    int nal = 0, nwl = 0, ths[64], nth = 0;
    for (int i = 0; i < c.n; i++) {
        nal = uniq_add(&al, nal, c.v[i].allocator);
        nwl = uniq_add(&wl, nwl, c.v[i].workload);
        int f = 0;
        for (int k = 0; k < nth; k++) if (ths[k] == c.v[i].threads) f = 1;
        if (!f && nth < 64) ths[nth++] = c.v[i].threads;
    }
    for (int i = 1; i < nth; i++)
        for (int k = i; k > 0 && ths[k - 1] > ths[k]; k--) { int x = ths[k]; ths[k] = ths[k - 1]; ths[k - 1] = x; }
    const char *ref = "jemalloc";
    int have_ref = 0;
    for (int i = 0; i < nal; i++) if (!strcmp(al[i], ref)) have_ref = 1;
    if (!have_ref && nal) ref = al[0];
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0)
            fprintf(out, "\nSpeed relative to %s, medians (>1 = faster; throughput X/%s, time %s/X):\n", ref, ref, ref);
        else
            fprintf(out, "\nPeak RSS relative to %s, medians of ru_maxrss (X/%s, <1 = smaller):\n", ref, ref);
        fprintf(out, "%-18s %3s", "workload", "thr");
        for (int a = 0; a < nal; a++) fprintf(out, " %9.9s", al[a]);
        fprintf(out, "\n");
        for (int w = 0; w < nwl; w++)
            for (int k = 0; k < nth; k++) {
                const ab_cell *rc0 = ab_cells_find(&c, ref, wl[w], ths[k]);
                int any = 0;
                for (int a = 0; a < nal; a++) if (ab_cells_find(&c, al[a], wl[w], ths[k])) any = 1;
                if (!any) continue;
                fprintf(out, "%-18.18s %3d", wl[w], ths[k]);
                for (int a = 0; a < nal; a++) {
                    const ab_cell *x = ab_cells_find(&c, al[a], wl[w], ths[k]);
                    if (!x) { fprintf(out, " %9s", "-"); continue; }
                    if (x->n == 0) { fprintf(out, " %9s", "FAIL"); continue; }
                    if (!rc0 || rc0->n == 0) { fprintf(out, " %9s", "n/a"); continue; }
                    double r;
                    if (pass == 0) r = !strcmp(x->better, "lower") ? rc0->value / x->value : x->value / rc0->value;
                    else r = x->maxrss_kb / rc0->maxrss_kb;
                    fprintf(out, " %8.2f%s", r, x->ndisturbed * 2 > x->n ? "*" : " ");
                }
                fprintf(out, "\n");
            }
    }
    fprintf(out, "(* = most runs of the cell were disturbed by other processes; FAIL = no successful run)\n");
    for (int i = 0; i < nal; i++) free(al[i]);
    for (int i = 0; i < nwl; i++) free(wl[i]);
    free(al); free(wl);
    ab_cells_free(&c);
    return 0;
}

int ab_report_print(const char *dir, FILE *out)
{
    char *p = ab_xasprintf("%s/runs.csv", dir);
    ab_table t;
    int rc = ab_table_load(p, &t);
    free(p);
    if (rc) return -1;
    /* a merged set may hold several machines: one set of tables each, so
     * that no median mixes machines */
    int cm = ab_table_col(&t, "machine"), ch = ab_table_col(&t, "host");
    char **mach = NULL;
    int nm = 0;
    for (int i = 0; cm >= 0 && i < t.nrow; i++) nm = uniq_add(&mach, nm, ab_table_get(&t, i, cm));
    if (nm <= 1) {
        rc = report_table(dir, &t, out);
    } else {
        ab_csv_rec *sub = ab_xmalloc(sizeof(ab_csv_rec) * (size_t)(t.nrow + 1));
        for (int m = 0; m < nm && rc == 0; m++) {
            int n = 0;
            char **hosts = NULL;
            int nh = 0;
            for (int i = 0; i < t.nrow; i++)
                if (!strcmp(ab_table_get(&t, i, cm), mach[m])) {
                    sub[n++] = t.rows[i];
                    if (ch >= 0) nh = uniq_add(&hosts, nh, ab_table_get(&t, i, ch));
                }
            fprintf(out, "\n== machine %d of %d: %s (%d runs; host%s", m + 1, nm, *mach[m] ? mach[m] : "(none)", n,
                    nh == 1 ? "" : "s");
            for (int h = 0; h < nh; h++) { fprintf(out, "%s%s", h ? ", " : " ", hosts[h]); free(hosts[h]); }
            fprintf(out, ")\n");
            free(hosts);
            ab_table v = { t.cols, t.ncol, sub, n };
            rc = report_table(dir, &v, out);
        }
        free(sub);
    }
    for (int i = 0; i < nm; i++) free(mach[i]);
    free(mach);
    ab_table_free(&t);
    return rc;
}

int ab_cmd_report(int argc, char **argv)
{
    if (argc != 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        if (argc == 1) {
            fputs("usage: allocbench report <results-dir>\n"
                  "Print the speed and peak-RSS ratio tables against jemalloc (medians per cell).\n", stdout);
            return 0;
        }
        ab_err("report: expected one results folder (see allocbench report --help)");
        return 2;
    }
    return ab_report_print(argv[0], stdout) ? 1 : 0;
}

void ab_gbench_header(FILE *f)
{
    const char *h[] = { "run_id", "allocator", "workload", "threads", "rep", "warmup", "name", "size",
                        "real_time", "cpu_time", "time_unit", "iterations" };
    ab_csv_row(f, h, 12);
}

/* Extract a string or number member from a flat JSON object text. */
static char *json_member(const char *obj, size_t len, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    size_t pl = strlen(pat);
    for (const char *p = obj; p + pl <= obj + len; p++) {
        if (memcmp(p, pat, pl) != 0) continue;
        const char *q = p + pl;
        while (q < obj + len && isspace((unsigned char)*q)) q++;
        if (q >= obj + len || *q != ':') continue;
        q++;
        while (q < obj + len && isspace((unsigned char)*q)) q++;
        if (*q == '"') {
            const char *e = q + 1;
            while (e < obj + len && *e != '"') { if (*e == '\\') e++; e++; }
            char *r = ab_xmalloc((size_t)(e - q));
            memcpy(r, q + 1, (size_t)(e - q - 1));
            r[e - q - 1] = '\0';
            return r;
        }
        const char *e = q;
        while (e < obj + len && *e != ',' && *e != '}' && !isspace((unsigned char)*e)) e++;
        char *r = ab_xmalloc((size_t)(e - q) + 1);
        memcpy(r, q, (size_t)(e - q));
        r[e - q] = '\0';
        return r;
    }
    return NULL;
}

int ab_gbench_rows(FILE *f, const char *json, const char *run_id, const char *alloc,
                   const char *wl, int threads, int rep, int warmup)
{
    const char *b = strstr(json, "\"benchmarks\"");
    if (!b) return -1;
    b = strchr(b, '[');
    if (!b) return -1;
    int rows = 0;
    const char *p = b + 1;
    for (;;) {
        while (*p && *p != '{' && *p != ']') p++;
        if (*p != '{') break;
        const char *e = p;
        int depth = 0, inq = 0;
        for (; *e; e++) {
            if (inq) { if (*e == '\\') e++; else if (*e == '"') inq = 0; continue; }
            if (*e == '"') inq = 1;
            else if (*e == '{') depth++;
            else if (*e == '}') { if (--depth == 0) break; }
        }
        if (!*e) return rows ? rows : -1;
        size_t len = (size_t)(e - p + 1);
        char *name = json_member(p, len, "name");
        char *rt = json_member(p, len, "run_type");
        if (name && !(rt && !strcmp(rt, "aggregate"))) {
            char *real = json_member(p, len, "real_time"), *cpu = json_member(p, len, "cpu_time");
            char *unit = json_member(p, len, "time_unit"), *it = json_member(p, len, "iterations");
            /* size: the first "/<number>" argument in the name */
            char size[32] = "";
            const char *s = strchr(name, '/');
            while (s) {
                if (isdigit((unsigned char)s[1])) {
                    size_t k = 0;
                    for (const char *d = s + 1; isdigit((unsigned char)*d) && k < sizeof size - 1; d++) size[k++] = *d;
                    size[k] = '\0';
                    break;
                }
                s = strchr(s + 1, '/');
            }
            char th[16], rp[16];
            snprintf(th, sizeof th, "%d", threads);
            snprintf(rp, sizeof rp, "%d", rep);
            const char *row[] = { run_id, alloc, wl, th, rp, warmup ? "1" : "0", name, size,
                                  real ? real : "", cpu ? cpu : "", unit ? unit : "ns", it ? it : "" };
            ab_csv_row(f, row, 12);
            rows++;
            free(real); free(cpu); free(unit); free(it);
        }
        free(name); free(rt);
        p = e + 1;
    }
    return rows;
}
