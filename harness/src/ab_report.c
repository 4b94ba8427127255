/* ab_report.c: see ab_report.h. */
#include "ab_report.h"
#include "ab_stats.h"
#include "ab_util.h"

#include "ab_json.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The axes of a set's cells. Invariant after report_axes_of: al[0..nal)
 * and wl[0..nwl) in first-seen order, ths[0..nth) ascending (at most 64),
 * ref is "jemalloc" when the set has it or has no allocator, else the
 * first allocator. al and wl are uniq_add's arrays. */
typedef struct report_axes {
    char **al, **wl;
    int nal, nwl, nth, ths[64];
    const char *ref;
} report_axes;

static void report_axes_of(const ab_cells *c, report_axes *x)
{
    memset(x, 0, sizeof *x);
    for (int i = 0; i < c->n; i++) {
        x->nal = uniq_add(&x->al, x->nal, c->v[i].allocator);
        x->nwl = uniq_add(&x->wl, x->nwl, c->v[i].workload);
        int f = 0;
        for (int k = 0; k < x->nth; k++) if (x->ths[k] == c->v[i].threads) f = 1;
        if (!f && x->nth < 64) x->ths[x->nth++] = c->v[i].threads;
    }
    for (int i = 1; i < x->nth; i++)
        for (int k = i; k > 0 && x->ths[k - 1] > x->ths[k]; k--) { int t = x->ths[k]; x->ths[k] = x->ths[k - 1]; x->ths[k - 1] = t; }
    x->ref = "jemalloc";
    int have = 0;
    for (int i = 0; i < x->nal; i++) if (!strcmp(x->al[i], x->ref)) have = 1;
    if (!have && x->nal) x->ref = x->al[0];
}

/* The ratio tables of the rows of one machine. */
static int report_table(const char *dir, const ab_table *tp, FILE *out)
{
    const ab_table t = *tp;
    ab_cells c;
    if (ab_cells_from(&t, &c)) { ab_err("%s/runs.csv lacks required columns", dir); return -1; }
    report_axes ax;
    report_axes_of(&c, &ax);
    char **al = ax.al, **wl = ax.wl;
    int nal = ax.nal, nwl = ax.nwl, nth = ax.nth, *ths = ax.ths;
    const char *ref = ax.ref;
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

/* ---- report --latex: macros and booktabs tables for a LaTeX paper ---- */

/* Words for a number: macro names hold letters only. */
static void num_words(ab_str *s, unsigned long v)
{
    static const char *small[] = { "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
                                   "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen",
                                   "Seventeen", "Eighteen", "Nineteen" };
    static const char *tens[] = { "", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety" };
    if (v < 20) { ab_str_add(s, small[v]); return; }
    if (v < 100) { ab_str_add(s, tens[v / 10]); if (v % 10) ab_str_add(s, small[v % 10]); return; }
    if (v < 1000) { ab_str_add(s, small[v / 100]); ab_str_add(s, "Hundred"); if (v % 100) num_words(s, v % 100); return; }
    if (v < 1000000) { num_words(s, v / 1000); ab_str_add(s, "Thousand"); if (v % 1000) num_words(s, v % 1000); return; }
    char d[32];
    snprintf(d, sizeof d, "%lu", v);
    for (const char *p = d; *p; p++) ab_str_add(s, small[*p - '0']);
}

/* Append text as a CamelCase run of letters: words split at anything that
 * is not a letter or digit, digit runs spelled out ("fig6" -> "FigSix"). */
static void name_add(ab_str *s, const char *text)
{
    int up = 1;
    for (const char *p = text; *p;) {
        unsigned char ch = (unsigned char)*p;
        if (isdigit(ch)) {
            unsigned long v = 0;
            int nd = 0;
            while (isdigit((unsigned char)*p) && nd < 18) { v = v * 10 + (unsigned long)(*p - '0'); p++; nd++; }
            while (isdigit((unsigned char)*p)) p++;
            num_words(s, v);
            up = 1;
        } else if (isalpha(ch) && ch < 128) {
            char c[2] = { (char)(up ? toupper(ch) : ch), 0 };
            ab_str_add(s, c);
            up = 0;
            p++;
        } else { up = 1; p++; }
    }
}

/* LaTeX-escape text: the ten special characters, < > | for T1, and -- kept
 * as two hyphens. */
static void tex_escape(ab_str *s, const char *t)
{
    for (; *t; t++) {
        switch (*t) {
        case '\\': ab_str_add(s, "\\textbackslash{}"); break;
        case '{': ab_str_add(s, "\\{"); break;
        case '}': ab_str_add(s, "\\}"); break;
        case '$': ab_str_add(s, "\\$"); break;
        case '&': ab_str_add(s, "\\&"); break;
        case '%': ab_str_add(s, "\\%"); break;
        case '#': ab_str_add(s, "\\#"); break;
        case '_': ab_str_add(s, "\\_"); break;
        case '^': ab_str_add(s, "\\textasciicircum{}"); break;
        case '~': ab_str_add(s, "\\textasciitilde{}"); break;
        case '<': ab_str_add(s, "\\textless{}"); break;
        case '>': ab_str_add(s, "\\textgreater{}"); break;
        case '|': ab_str_add(s, "\\textbar{}"); break;
        case '-': ab_str_add(s, t[1] == '-' ? "-{}" : "-"); break;   /* no en dash ligature */
        case '\n': case '\r': case '\t': ab_str_add(s, " "); break;
        default: ab_str_addn(s, t, 1);
        }
    }
}

/* Escape a Markdown cell: **bold** and `code` become \textbf and \texttt. */
static void md_escape(ab_str *s, const char *t, size_t n)
{
    char *c = ab_xmalloc(n + 1);
    memcpy(c, t, n);
    c[n] = '\0';
    int bold = 0, code = 0;
    for (char *p = c; *p;) {
        if (!code && p[0] == '*' && p[1] == '*') { ab_str_add(s, bold ? "}" : "\\textbf{"); bold = !bold; p += 2; continue; }
        if (*p == '`') { ab_str_add(s, code ? "}" : "\\texttt{"); code = !code; p++; continue; }
        char one[2] = { *p, 0 };
        tex_escape(s, one);
        p++;
    }
    if (code) ab_str_add(s, "}");
    if (bold) ab_str_add(s, "}");
    free(c);
}

/* A number for the text: three significant digits; powers of ten for very
 * large or small values. */
static void tex_num(ab_str *s, double v)
{
    double a = fabs(v);
    if (v != v) { ab_str_add(s, "n/a"); return; }
    if (a == 0) { ab_str_add(s, "0"); return; }
    if (a >= 1e5 || a < 1e-3) {
        int e = (int)floor(log10(a));
        double m = v / pow(10, e);
        if (fabs(m) >= 9.995) { m /= 10; e++; }
        ab_str_addf(s, "\\ensuremath{%.2f\\times 10^{%d}}", m, e);
    } else if (a >= 100) ab_str_addf(s, "%.0f", v);
    else ab_str_addf(s, "%.3g", v);
}

/* The macro file being written: names seen, to refuse duplicates. */
typedef struct tex_out {
    FILE *f;
    const char *path;
    char **names;
    int n;
    int dup;
} tex_out;

/* \newcommand{\ab<prefix><parts...>}{value}; value is LaTeX already. */
static void tex_def(tex_out *o, const char *prefix, const char *a, const char *b, const char *c, const char *value)
{
    ab_str nm = { 0 };
    ab_str_add(&nm, "ab");
    name_add(&nm, prefix);
    if (a) name_add(&nm, a);
    if (b) name_add(&nm, b);
    if (c) name_add(&nm, c);
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->names[i], ab_str_c(&nm))) {
            if (!o->dup) ab_err("report --latex: two values map to the macro \\%s", ab_str_c(&nm));
            o->dup = 1;
            ab_str_free(&nm);
            return;
        }
    o->names = ab_xrealloc(o->names, sizeof(char *) * (size_t)(o->n + 1));
    o->names[o->n++] = ab_xstrdup(ab_str_c(&nm));
    fprintf(o->f, "\\newcommand{\\%s}{%s}\n", ab_str_c(&nm), value);
    ab_str_free(&nm);
}

static void tex_def_text(tex_out *o, const char *prefix, const char *a, const char *b, const char *c, const char *text)
{
    ab_str v = { 0 };
    tex_escape(&v, text ? text : "");
    tex_def(o, prefix, a, b, c, ab_str_c(&v));
    ab_str_free(&v);
}

static void tex_def_num(tex_out *o, const char *prefix, const char *a, const char *b, const char *c, double x, const char *fmt)
{
    ab_str v = { 0 };
    if (fmt) ab_str_addf(&v, fmt, x); else tex_num(&v, x);
    tex_def(o, prefix, a, b, c, ab_str_c(&v));
    ab_str_free(&v);
}

/* A command line, breakable after its commas and slashes. */
static void tex_def_command(tex_out *o, const char *prefix, const char *cl)
{
    ab_str v = { 0 };
    for (const char *c = cl; *c; c++) {
        char one[2] = { *c, 0 };
        if (*c == '-' && c[1] == '-') ab_str_add(&v, "-{}");
        else tex_escape(&v, one);
        if (*c == ',' || *c == '/' || *c == '=') ab_str_add(&v, "\\allowbreak{}");
    }
    tex_def(o, prefix, "Set", "Command", NULL, ab_str_c(&v));
    ab_str_free(&v);
}

static FILE *tex_open(const char *out, const char *file, char **path)
{
    *path = ab_xasprintf("%s/%s", out, file);
    FILE *f = fopen(*path, "w");
    if (!f) ab_err("report --latex: cannot write %s: %s", *path, strerror(errno));
    return f;
}

/* Close a generated file; -1 (with the error said) when a write failed. */
static int tex_close(FILE *f, char *path)
{
    int bad = ferror(f);
    if (fclose(f) || bad) { ab_err("report --latex: write error on %s", path); free(path); return -1; }
    free(path);
    return 0;
}

static const char *last_part(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    static char buf[512];
    size_t s = n;
    while (s > 0 && dir[s - 1] != '/') s--;
    snprintf(buf, sizeof buf, "%.*s", (int)(n - s), dir + s);
    return buf;
}

static ab_jv *load_json(const char *path, int *bad)
{
    size_t len;
    char *text = ab_read_file(path, &len);
    if (!text) return NULL;
    ab_jv *v = ab_xmalloc(sizeof *v);
    char err[160];
    if (ab_json_parse(text, v, err, sizeof err)) {
        ab_err("report --latex: %s: %s", path, err);
        *bad = 1;
        free(v);
        v = NULL;
    }
    free(text);
    return v;
}

static void free_json(ab_jv *v)
{
    if (v) { ab_json_free(v); free(v); }
}

static double jnum(const ab_jv *o, const char *k, double dflt)
{
    const ab_jv *v = ab_json_get(o, k);
    return v && v->type == AB_JSON_NUM ? v->num : dflt;
}

/* The set's name, commit, machine and date: from meta.json, reproduce.json
 * (with the machine of its first stage), or, for NAME-extra, NAME/meta.json. */
static int latex_set(tex_out *o, const char *dir, const char *prefix)
{
    int bad = 0;
    char *p = ab_xasprintf("%s/meta.json", dir);
    ab_jv *meta = load_json(p, &bad);
    free(p);
    ab_jv *rep = NULL, *stage = NULL;
    if (!meta && !bad) {
        p = ab_xasprintf("%s/reproduce.json", dir);
        rep = load_json(p, &bad);
        free(p);
    }
    if (!meta && !rep && !bad) {   /* a self-test set: its selftest.json has "git" and "started" too */
        p = ab_xasprintf("%s/selftest.json", dir);
        rep = load_json(p, &bad);
        free(p);
    }
    if (rep) {
        const ab_jv *st = ab_json_get(rep, "stages");
        if (st && st->type == AB_JSON_ARR && st->n > 0) {
            const char *f = ab_json_get_str(&st->items[0], "folder");
            if (f) { p = ab_xasprintf("%s/%s/meta.json", dir, f); stage = load_json(p, &bad); free(p); }
        }
    }
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    if (!meta && !rep && !bad && dl > 6 && !strncmp(dir + dl - 6, "-extra", 6)) {
        p = ab_xasprintf("%.*s/meta.json", (int)(dl - 6), dir);
        stage = load_json(p, &bad);
        free(p);
    }
    if (bad) { free_json(meta); free_json(rep); free_json(stage); return -1; }
    const ab_jv *m = meta ? meta : stage;
    const char *commit = meta ? ab_json_get_str(meta, "git_commit") : rep ? ab_json_get_str(rep, "git") : NULL;
    if (!commit && stage) commit = ab_json_get_str(stage, "git_commit");
    const char *date = meta ? ab_json_get_str(meta, "date_start") : rep ? ab_json_get_str(rep, "started") : NULL;
    if (!date && stage) date = ab_json_get_str(stage, "date_start");
    const ab_jv *mach = m ? ab_json_get(m, "machine") : NULL;
    tex_def_text(o, prefix, "Set", "Name", NULL, last_part(dir));
    tex_def_text(o, prefix, "Set", "Commit", NULL, commit ? commit : "unknown");
    char shortc[8];
    snprintf(shortc, sizeof shortc, "%s", commit ? commit : "unknown");
    tex_def_text(o, prefix, "Set", "Commit", "Short", shortc);
    char day[11];
    snprintf(day, sizeof day, "%s", date ? date : "unknown");
    tex_def_text(o, prefix, "Set", "Date", NULL, day);
    ab_str ms = { 0 };
    if (mach) {
        const char *cpu = ab_json_get_str(mach, "cpu_model"), *k = ab_json_get_str(mach, "kernel"), *os = ab_json_get_str(mach, "os");
        ab_str_addf(&ms, "%s; %g CPUs; Linux %s", cpu ? cpu : "?", jnum(mach, "cpus_online", 0), k ? k : "?");
        tex_def_text(o, prefix, "Set", "Machine", NULL, ab_str_c(&ms));
        tex_def_text(o, prefix, "Set", "Cpu", NULL, cpu ? cpu : "unknown");
        tex_def_num(o, prefix, "Set", "Cpus", NULL, jnum(mach, "cpus_online", 0), "%.0f");
        tex_def_text(o, prefix, "Set", "Kernel", NULL, k ? k : "unknown");
        tex_def_text(o, prefix, "Set", "Os", NULL, os ? os : "unknown");
        tex_def_num(o, prefix, "Set", "Mem", "GiB", jnum(mach, "mem_total_kb", 0) / 1048576.0, "%.0f");
    } else tex_def_text(o, prefix, "Set", "Machine", NULL, "unknown");
    ab_str_free(&ms);
    if (meta) {
        const char *cl = ab_json_get_str(meta, "command_line");
        tex_def_command(o, prefix, cl ? cl : "");
        tex_def_num(o, prefix, "Set", "Runs", NULL, jnum(meta, "runs", 0), "%.0f");
        tex_def_num(o, prefix, "Set", "Failed", "Runs", jnum(meta, "failed_runs", 0), "%.0f");
        tex_def_num(o, prefix, "Set", "Disturbed", "Runs", jnum(meta, "disturbed_runs", 0), "%.0f");
        const ab_jv *st = ab_json_get(meta, "settings");
        if (st) {
            tex_def_num(o, prefix, "Set", "Reps", NULL, jnum(st, "reps", 0), "%.0f");
            tex_def_num(o, prefix, "Set", "Warmup", "Runs", jnum(st, "warmup_runs_per_cell", 0), "%.0f");
            tex_def_num(o, prefix, "Set", "Rss", "Sample", jnum(st, "rss_sample_ms", 0), "%.0f");
            tex_def_num(o, prefix, "Set", "Timeout", NULL, jnum(st, "timeout_s", 0), "%.0f");
            const char *dr = ab_json_get_str(st, "disturbed_rule");
            tex_def_text(o, prefix, "Set", "Disturbed", "Rule", dr ? dr : "");
            const char *pin = ab_json_get_str(st, "pin");
            tex_def_text(o, prefix, "Set", "Pin", NULL, pin ? pin : "");
        }
        const ab_jv *al = ab_json_get(meta, "allocators");
        for (int i = 0; al && al->type == AB_JSON_ARR && i < al->n; i++) {
            const char *nm = ab_json_get_str(&al->items[i], "name"), *ver = ab_json_get_str(&al->items[i], "version");
            /* "5.3.0-0-g54eaed1d..." (git describe): the release only */
            char v[64];
            snprintf(v, sizeof v, "%s", ver ? ver : "");
            char *g = strstr(v, "-0-g");
            if (g) *g = '\0';
            if (nm) tex_def_text(o, prefix, nm, "Version", NULL, v);
        }
    } else if (rep) {
        const char *cl = ab_json_get_str(rep, "command");
        tex_def_command(o, prefix, cl ? cl : "");
        const ab_jv *b = ab_json_get(rep, "budget_s");
        if (b && b->type == AB_JSON_NUM) tex_def_num(o, prefix, "Set", "Budget", "Minutes", b->num / 60, "%.0f");
        const ab_jv *st = ab_json_get(rep, "stages");
        tex_def_num(o, prefix, "Set", "Stages", NULL, st && st->type == AB_JSON_ARR ? st->n : 0, "%.0f");
    }
    free_json(meta); free_json(rep); free_json(stage);
    return 0;
}

/* Geometric means need positive ratios; NaN marks a missing one. */
static double cell_ratio(const ab_cell *x, const ab_cell *r, int rss)
{
    if (!x || !r || x->n == 0 || r->n == 0) return NAN;
    if (rss) return r->maxrss_kb > 0 ? x->maxrss_kb / r->maxrss_kb : NAN;
    if (x->value <= 0 || r->value <= 0) return NAN;
    return !strcmp(x->better, "lower") ? r->value / x->value : x->value / r->value;
}

/* Per-cell macros and the speed / RSS booktabs tables from runs.csv. */
static int latex_runs(tex_out *o, const char *dir, const char *out, const char *prefix)
{
    char *p = ab_xasprintf("%s/runs.csv", dir);
    ab_table t;
    int rc = ab_table_load(p, &t);
    free(p);
    if (rc) return -1;
    int cmach = ab_table_col(&t, "machine");
    for (int i = 1; cmach >= 0 && i < t.nrow; i++)
        if (strcmp(ab_table_get(&t, i, cmach), ab_table_get(&t, 0, cmach))) {
            ab_err("report --latex: %s/runs.csv mixes machines; give one machine's set", dir);
            ab_table_free(&t);
            return -1;
        }
    ab_cells c;
    if (ab_cells_from(&t, &c)) { ab_err("%s/runs.csv lacks required columns", dir); ab_table_free(&t); return -1; }
    if (c.n == 0) { ab_err("report --latex: %s/runs.csv has no measured runs", dir); ab_table_free(&t); return -1; }
    report_axes ax;
    report_axes_of(&c, &ax);
    char **al = ax.al, **wl = ax.wl;
    int nal = ax.nal, nwl = ax.nwl, nth = ax.nth, *ths = ax.ths;
    const char *ref = ax.ref;
    tex_def_text(o, prefix, "Reference", NULL, NULL, ref);
    tex_def_num(o, prefix, "Cells", NULL, NULL, c.n, "%.0f");
    tex_def_num(o, prefix, "Allocators", NULL, NULL, nal, "%.0f");
    tex_def_num(o, prefix, "Workloads", NULL, NULL, nwl, "%.0f");
    int nrows = 0;
    for (int w = 0; w < nwl; w++) {
        char wmeta[64] = "";
        for (int i = 0; i < c.n; i++)
            if (!strcmp(c.v[i].workload, wl[w])) { snprintf(wmeta, sizeof wmeta, "%s", c.v[i].metric); break; }
        tex_def_text(o, prefix, wl[w], "Metric", NULL, wmeta);
        for (int k = 0; k < nth; k++) {
            char th[16];
            snprintf(th, sizeof th, "%d", ths[k]);
            const ab_cell *r0 = ab_cells_find(&c, ref, wl[w], ths[k]);
            int any = 0;
            for (int a = 0; a < nal; a++) {
                const ab_cell *x = ab_cells_find(&c, al[a], wl[w], ths[k]);
                if (!x) continue;
                any = 1;
                ab_str base = { 0 };
                name_add(&base, al[a]);
                name_add(&base, wl[w]);
                tex_def_num(o, prefix, ab_str_c(&base), th, "Runs", x->n, "%.0f");
                if (x->n) {
                    tex_def_num(o, prefix, ab_str_c(&base), th, "Value", x->value, NULL);
                    tex_def_text(o, prefix, ab_str_c(&base), th, "Unit", x->unit);
                    tex_def_num(o, prefix, ab_str_c(&base), th, "RssMiB", x->maxrss_kb / 1024.0, NULL);
                    double r = cell_ratio(x, r0, 0), m = cell_ratio(x, r0, 1);
                    if (r == r) tex_def_num(o, prefix, ab_str_c(&base), th, "Ratio", r, "%.2f");
                    if (m == m) tex_def_num(o, prefix, ab_str_c(&base), th, "RssRatio", m, "%.2f");
                }
                ab_str_free(&base);
            }
            nrows += any;
        }
    }
    /* per allocator: geometric means of the ratios, cells where it is the fastest */
    for (int a = 0; a < nal; a++) {
        double ls = 0, lm = 0;
        int ns = 0, nm = 0, wins = 0, cells = 0;
        for (int w = 0; w < nwl; w++)
            for (int k = 0; k < nth; k++) {
                const ab_cell *r0 = ab_cells_find(&c, ref, wl[w], ths[k]);
                const ab_cell *x = ab_cells_find(&c, al[a], wl[w], ths[k]);
                double r = cell_ratio(x, r0, 0), m = cell_ratio(x, r0, 1);
                if (r == r && r > 0) { ls += log(r); ns++; }
                if (m == m && m > 0) { lm += log(m); nm++; }
                if (!x || x->n == 0) continue;
                cells++;
                int best = 1;
                for (int b = 0; b < nal; b++) {
                    double rb = cell_ratio(ab_cells_find(&c, al[b], wl[w], ths[k]), r0, 0);
                    if (b != a && rb == rb && rb > r) best = 0;
                }
                wins += best && r == r;
            }
        if (ns) tex_def_num(o, prefix, al[a], "Geomean", "Ratio", exp(ls / ns), "%.2f");
        if (nm) tex_def_num(o, prefix, al[a], "Geomean", "RssRatio", exp(lm / nm), "%.2f");
        tex_def_num(o, prefix, al[a], "Fastest", "Cells", wins, "%.0f");
        tex_def_num(o, prefix, al[a], "Measured", "Cells", cells, "%.0f");
    }
    /* the two tables */
    rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        char *path;
        FILE *f = tex_open(out, pass ? "rss.tex" : "speed.tex", &path);
        if (!f) { rc = -1; break; }
        fprintf(f, "%% generated by allocbench report --latex from %s: do not edit\n", last_part(dir));
        fprintf(f, "\\begin{tabular}{@{}lr");
        for (int a = 0; a < nal; a++) fputc('r', f);
        fprintf(f, "@{}}\n\\toprule\nworkload & thr.");
        for (int a = 0; a < nal; a++) {
            ab_str e = { 0 };
            tex_escape(&e, al[a]);
            fprintf(f, " & %s", ab_str_c(&e));
            ab_str_free(&e);
        }
        fprintf(f, " \\\\\n\\midrule\n");
        for (int w = 0; w < nwl; w++)
            for (int k = 0; k < nth; k++) {
                const ab_cell *r0 = ab_cells_find(&c, ref, wl[w], ths[k]);
                int any = 0;
                for (int a = 0; a < nal; a++) if (ab_cells_find(&c, al[a], wl[w], ths[k])) any = 1;
                if (!any) continue;
                ab_str e = { 0 };
                tex_escape(&e, wl[w]);
                fprintf(f, "%s & %d", ab_str_c(&e), ths[k]);
                ab_str_free(&e);
                for (int a = 0; a < nal; a++) {
                    const ab_cell *x = ab_cells_find(&c, al[a], wl[w], ths[k]);
                    double r = cell_ratio(x, r0, pass);
                    if (!x) fprintf(f, " & --");
                    else if (x->n == 0) fprintf(f, " & fail");
                    else if (r != r) fprintf(f, " & n/a");
                    else fprintf(f, " & %.2f%s", r, x->ndisturbed * 2 > x->n ? "$^{*}$" : "");
                }
                fprintf(f, " \\\\\n");
            }
        fprintf(f, "\\bottomrule\n\\end{tabular}\n");
        rc = tex_close(f, path);
    }
    (void)nrows;
    for (int i = 0; i < nal; i++) free(al[i]);
    for (int i = 0; i < nwl; i++) free(wl[i]);
    free(al); free(wl);
    ab_cells_free(&c);
    ab_table_free(&t);
    return rc;
}

/* claims.csv (the reproduction): macros per claim and the claims table. */
static int latex_claims(tex_out *o, const char *dir, const char *out, const char *prefix)
{
    char *p = ab_xasprintf("%s/claims.csv", dir);
    ab_table t;
    int rc = ab_table_load(p, &t);
    free(p);
    if (rc) return -1;
    const char *need[] = { "id", "claim", "threshold", "measured", "paper", "verdict" };
    int col[6];
    for (int i = 0; i < 6; i++)
        if ((col[i] = ab_table_col(&t, need[i])) < 0) {
            ab_err("report --latex: %s/claims.csv lacks the column '%s'", dir, need[i]);
            ab_table_free(&t);
            return -1;
        }
    int ct = ab_table_col(&t, "test"), cr = ab_table_col(&t, "reps"), cre = ab_table_col(&t, "reason");
    int held = 0, failed = 0, info = 0;
    char *path;
    FILE *f = tex_open(out, "claims.tex", &path);
    if (!f) { ab_table_free(&t); return -1; }
    fprintf(f, "%% generated by allocbench report --latex from %s/claims.csv: do not edit\n", last_part(dir));
    /* ragged-right paragraph columns: the paper needs \usepackage{array} */
    fprintf(f, "\\begin{tabular}{@{}l>{\\raggedright\\arraybackslash}p{0.22\\linewidth}"
               ">{\\raggedright\\arraybackslash}p{0.1\\linewidth}>{\\raggedright\\arraybackslash}p{0.24\\linewidth}"
               ">{\\raggedright\\arraybackslash}p{0.15\\linewidth}l@{}}\n"
               "\\toprule\n & claim & threshold & measured & paper (2006) & holds \\\\\n\\midrule\n");
    for (int i = 0; i < t.nrow; i++) {
        const char *id = ab_table_get(&t, i, col[0]), *v = ab_table_get(&t, i, col[5]);
        held += !strcmp(v, "yes");
        failed += !strcmp(v, "no");
        info += strcmp(v, "yes") && strcmp(v, "no");
        for (int k = 0; k < 6; k++) {
            ab_str e = { 0 };
            tex_escape(&e, ab_table_get(&t, i, col[k]));
            fprintf(f, "%s%s", k ? " & " : "", ab_str_c(&e));
            ab_str_free(&e);
        }
        fprintf(f, " \\\\\n");
        static const char *part[] = { "Id", "Text", "Threshold", "Measured", "Paper", "Verdict" };
        for (int k = 0; k < 6; k++) tex_def_text(o, prefix, "Claim", id, part[k], ab_table_get(&t, i, col[k]));
        if (ct >= 0) tex_def_text(o, prefix, "Claim", id, "Test", ab_table_get(&t, i, ct));
        if (cr >= 0) tex_def_text(o, prefix, "Claim", id, "Reps", ab_table_get(&t, i, cr));
        if (cre >= 0) tex_def_text(o, prefix, "Claim", id, "Reason", ab_table_get(&t, i, cre));
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    rc = tex_close(f, path);
    tex_def_num(o, prefix, "Claims", NULL, NULL, t.nrow, "%.0f");
    tex_def_num(o, prefix, "Claims", "Held", NULL, held, "%.0f");
    tex_def_num(o, prefix, "Claims", "Failed", NULL, failed, "%.0f");
    tex_def_num(o, prefix, "Claims", "Informational", NULL, info, "%.0f");
    ab_table_free(&t);
    return rc;
}

/* Every pipe table of a Markdown file becomes <stem>-<k>.tex; the macro
 * ab<prefix><Stem>Tables counts them. Returns the count, -1 on error. */
static int latex_markdown(tex_out *o, const char *dir, const char *file, const char *out, const char *prefix)
{
    char *p = ab_xasprintf("%s/%s", dir, file);
    size_t len;
    char *text = ab_read_file(p, &len);
    free(p);
    if (!text) return 0;
    char stem[128];
    snprintf(stem, sizeof stem, "%s", file);
    char *dot = strrchr(stem, '.');
    if (dot) *dot = '\0';
    int ntab = 0, rc = 0;
    char *line = text;
    FILE *f = NULL;
    char *path = NULL;
    int row = 0, ncol = 0;
    while (line && *line && rc == 0) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        int is_row = n > 0 && line[0] == '|';
        if (is_row && !f) {
            char fn[160];
            snprintf(fn, sizeof fn, "%s-%d.tex", stem, ++ntab);
            f = tex_open(out, fn, &path);
            if (!f) { rc = -1; break; }
            row = 0;
            ncol = 0;
            for (size_t i = 1; i < n; i++) if (line[i] == '|') ncol++;
            if (ncol < 1) ncol = 1;
            fprintf(f, "%% generated by allocbench report --latex from %s/%s: do not edit\n\\begin{tabular}{@{}l",
                    last_part(dir), file);
            for (int i = 1; i < ncol; i++) fputc('l', f);
            fprintf(f, "@{}}\n\\toprule\n");
        }
        if (is_row) {
            int sep = 1;
            for (size_t i = 0; i < n; i++) if (!strchr("|-: \r", line[i])) sep = 0;
            if (sep) fprintf(f, "\\midrule\n");
            else {
                size_t s = 1;
                int k = 0;
                for (size_t i = 1; i <= n && k < ncol; i++) {
                    if (i < n && line[i] != '|') continue;
                    size_t a = s, b = i;
                    while (a < b && isspace((unsigned char)line[a])) a++;
                    while (b > a && isspace((unsigned char)line[b - 1])) b--;
                    ab_str e = { 0 };
                    md_escape(&e, line + a, b - a);
                    fprintf(f, "%s%s", k ? " & " : "", ab_str_c(&e));
                    ab_str_free(&e);
                    k++;
                    s = i + 1;
                }
                for (; k < ncol; k++) fprintf(f, " &");
                fprintf(f, " \\\\\n");
            }
            row++;
        } else if (f) {
            fprintf(f, "\\bottomrule\n\\end{tabular}\n");
            rc = tex_close(f, path);
            f = NULL;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (f) {
        fprintf(f, "\\bottomrule\n\\end{tabular}\n");
        if (tex_close(f, path)) rc = -1;
    }
    free(text);
    (void)row;
    if (rc) return -1;
    tex_def_num(o, prefix, stem, "Tables", NULL, ntab, "%.0f");
    return ntab;
}

/* selftest.json (allocbench regress --selftest): false alarms, detection. */
static int latex_selftest(tex_out *o, const char *dir, const char *prefix)
{
    int bad = 0;
    char *p = ab_xasprintf("%s/selftest.json", dir);
    ab_jv *j = load_json(p, &bad);
    free(p);
    if (!j) return bad ? -1 : 0;
    const ab_jv *aa = ab_json_get(j, "aa_exit");
    int fa = 0, runs = 0;
    for (int i = 0; aa && aa->type == AB_JSON_ARR && i < aa->n; i++) { runs++; fa += aa->items[i].num == 1; }
    tex_def_num(o, prefix, "False", "Alarms", NULL, fa, "%.0f");
    tex_def_num(o, prefix, "Aa", "Runs", NULL, runs, "%.0f");
    if (runs) tex_def_num(o, prefix, "False", "Alarm", "Percent", 100.0 * fa / runs, "%.1f");
    int det = 0, tot = 0;
    const ab_jv *sl = ab_json_get(j, "slowdown");
    for (int w = 0; sl && sl->type == AB_JSON_OBJ && w < sl->n; w++) {
        const ab_jv *d = ab_json_get(&sl->items[w], "detected");
        for (int c = 0; d && d->type == AB_JSON_OBJ && c < d->n; c++)
            for (int r = 0; d->items[c].type == AB_JSON_ARR && r < d->items[c].n; r++) { tot++; det += d->items[c].items[r].num != 0; }
    }
    /* Over the cells the gate judges, when the set says (informational
     * cells can never fail, so they do not count against detection). */
    if (ab_json_get(j, "judged_runs")) { det = (int)jnum(j, "judged_detected", 0); tot = (int)jnum(j, "judged_runs", 0); }
    tex_def_num(o, prefix, "Detected", "Runs", NULL, det, "%.0f");
    tex_def_num(o, prefix, "Detection", "Runs", NULL, tot, "%.0f");
    if (tot) tex_def_num(o, prefix, "Detection", "Percent", NULL, 100.0 * det / tot, "%.1f");
    const ab_jv *cr = ab_json_get(j, "criteria");
    int held = 0, nc = 0;
    for (int i = 0; cr && cr->type == AB_JSON_ARR && i < cr->n; i++) {
        nc++;
        const ab_jv *ok = ab_json_get(&cr->items[i], "ok");
        held += ok && ok->num != 0;
    }
    tex_def_num(o, prefix, "Criteria", NULL, NULL, nc, "%.0f");
    tex_def_num(o, prefix, "Criteria", "Held", NULL, held, "%.0f");
    tex_def_num(o, prefix, "Seconds", NULL, NULL, jnum(j, "seconds", 0), "%.0f");
    free_json(j);
    return 1;
}

/* calibration.csv: the measured speedup of a pure-CPU kernel per thread count. */
static int latex_calibration(tex_out *o, const char *dir, const char *prefix)
{
    char *p = ab_xasprintf("%s/calibration.csv", dir);
    if (!ab_file_exists(p)) { free(p); return 0; }
    ab_table t;
    int rc = ab_table_load(p, &t);
    free(p);
    if (rc) return -1;
    int ct = ab_table_col(&t, "threads"), cs = ab_table_col(&t, "speedup");
    int cl = ab_table_col(&t, "speedup_min"), ch = ab_table_col(&t, "speedup_max");
    if (ct < 0 || cs < 0) { ab_err("report --latex: %s/calibration.csv lacks threads or speedup", dir); ab_table_free(&t); return -1; }
    for (int i = 0; i < t.nrow; i++) {
        const char *th = ab_table_get(&t, i, ct);
        tex_def_num(o, prefix, "Calibration", th, "Speedup", strtod(ab_table_get(&t, i, cs), NULL), "%.2f");
        if (cl >= 0) tex_def_num(o, prefix, "Calibration", th, "SpeedupMin", strtod(ab_table_get(&t, i, cl), NULL), "%.2f");
        if (ch >= 0) tex_def_num(o, prefix, "Calibration", th, "SpeedupMax", strtod(ab_table_get(&t, i, ch), NULL), "%.2f");
    }
    ab_table_free(&t);
    return 0;
}

/* allocbench report --latex DIR [--out OUT] [--prefix NAME] */
static int report_latex(const char *dir, const char *out, const char *prefix)
{
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) { ab_err("report --latex: %s is not a results folder", dir); return -1; }
    for (const char *q = prefix; *q; q++)
        if (!isalpha((unsigned char)*q) || (unsigned char)*q >= 128) {
            ab_err("report --latex: --prefix takes letters only, not '%s'", prefix);
            return -1;
        }
    char *p = ab_xasprintf("%s/runs.csv", dir), *q = ab_xasprintf("%s/claims.csv", dir), *s = ab_xasprintf("%s/selftest.json", dir);
    int has_runs = ab_file_exists(p), has_claims = ab_file_exists(q), has_self = ab_file_exists(s);
    free(p); free(q); free(s);
    /* the Markdown files with tables (NOTE.md is prose) */
    char **md = NULL;
    int nmd = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 3 && !strcmp(e->d_name + n - 3, ".md") && strcmp(e->d_name, "NOTE.md") && strcmp(e->d_name, "README.md"))
            nmd = uniq_add(&md, nmd, e->d_name);
    }
    if (d) closedir(d);
    for (int i = 1; i < nmd; i++)
        for (int k = i; k > 0 && strcmp(md[k - 1], md[k]) > 0; k--) { char *x = md[k]; md[k] = md[k - 1]; md[k - 1] = x; }
    int rc = 0;
    if (!has_runs && !has_claims && !has_self && nmd == 0) {
        ab_err("report --latex: %s holds no runs.csv, claims.csv, selftest.json or Markdown table", dir);
        rc = -1;
    }
    char *defout = NULL;
    if (!rc && !out) out = defout = ab_xasprintf("%s/latex", dir);
    if (!rc && ab_mkdirs(out, 0755)) { ab_err("report --latex: cannot create %s: %s", out, strerror(errno)); rc = -1; }
    tex_out o = { 0 };
    char *vpath = NULL;
    if (!rc) {
        o.f = tex_open(out, "values.tex", &vpath);
        if (!o.f) rc = -1;
    }
    if (!rc) {
        fprintf(o.f, "%% generated by allocbench report --latex from %s: do not edit\n", last_part(dir));
        rc = latex_set(&o, dir, prefix);
        if (!rc && has_runs) rc = latex_runs(&o, dir, out, prefix);
        if (!rc && has_runs) rc = latex_calibration(&o, dir, prefix);
        if (!rc && has_claims) rc = latex_claims(&o, dir, out, prefix);
        if (!rc && has_self) rc = latex_selftest(&o, dir, prefix) < 0 ? -1 : 0;
        for (int i = 0; i < nmd && !rc; i++) {
            int n = latex_markdown(&o, dir, md[i], out, prefix);
            if (n < 0) rc = -1;
        }
        if (tex_close(o.f, vpath)) rc = -1;
        if (!rc && o.dup) rc = -1;
    }
    for (int i = 0; i < o.n; i++) free(o.names[i]);
    free(o.names);
    for (int i = 0; i < nmd; i++) free(md[i]);
    free(md);
    free(defout);
    return rc;
}

int ab_cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *prefix = "";
    int latex = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs("usage: allocbench report <results-dir>\n"
                  "       allocbench report --latex <results-dir> [--out DIR] [--prefix NAME]\n"
                  "Print the speed and peak-RSS ratio tables against jemalloc (medians per cell).\n"
                  "--latex writes values.tex (one \\newcommand per value: the set's name, commit,\n"
                  "machine and date; per allocator, workload and thread count the median, its\n"
                  "ratio to jemalloc and the peak-RSS ratio; the claims of claims.csv; the\n"
                  "false-alarm and detection rates of selftest.json) and booktabs tables\n"
                  "(speed.tex, rss.tex, claims.tex, <file>-<k>.tex per Markdown table; they\n"
                  "need \\usepackage{booktabs,array}) into\n"
                  "--out (default <results-dir>/latex). Macro names are \\ab<prefix>... in\n"
                  "letters only: digits are spelled out (threads 2 -> Two).\n", stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--latex")) latex = 1;
        else if ((!strcmp(argv[i], "--out") || !strcmp(argv[i], "--prefix")) && i + 1 < argc) {
            if (argv[i][2] == 'o') out = argv[++i]; else prefix = argv[++i];
        } else if (argv[i][0] == '-') {
            ab_err("report: unknown or incomplete option '%s' (see allocbench report --help)", argv[i]);
            return 2;
        } else if (dir) {
            ab_err("report: expected one results folder (see allocbench report --help)");
            return 2;
        } else dir = argv[i];
    }
    if (!dir) { ab_err("report: expected one results folder (see allocbench report --help)"); return 2; }
    if (!latex && (out || *prefix)) { ab_err("report: --out and --prefix go with --latex"); return 2; }
    if (latex) return report_latex(dir, out, prefix) ? 1 : 0;
    return ab_report_print(dir, stdout) ? 1 : 0;
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
