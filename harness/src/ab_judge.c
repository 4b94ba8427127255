/* ab_judge.c: see ab_judge.h. */
#include "ab_judge.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Quantiles of the bootstrap distribution that bound the 95 % interval. */
#define Q_LO 0.025
#define Q_HI 0.975

/* ---- random numbers: splitmix64 (Steele, Lea, Flood 2014) ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, n), n >= 1, without modulo bias: draws below
 * 2^64 mod n are rejected. */
static int uniform_index(uint64_t *s, int n)
{
    uint64_t un = (uint64_t)n;
    uint64_t reject_below = (0 - un) % un;      /* 2^64 mod n */
    uint64_t r;
    do r = splitmix64(s); while (r < reject_below);
    return (int)(r % un);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- order statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type 7 quantile p of sorted s[0..n), n >= 1. */
static double quantile7(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)h;
    if (k + 1 >= n) return s[n - 1];
    return s[k] + (h - (double)k) * (s[k + 1] - s[k]);
}

static double dmin(double a, double b) { return a < b ? a : b; }
static double dmax(double a, double b) { return a > b ? a : b; }

/* Rearrange a[0..n) so that a[k] is its k-th smallest value, everything
 * before it <= a[k] and everything after it >= a[k]; returns a[k].
 * Hoare partitioning around a median of three (equal keys split evenly);
 * a range that needs too many rounds is sorted instead, so the worst case
 * is O(n log n). The values are finite. */
static double select_kth(double *a, size_t n, size_t k)
{
    long l = 0, r = (long)n - 1, kk = (long)k;
    int rounds = 0;
    while (l < r) {
        if (++rounds > 64) {
            qsort(a + l, (size_t)(r - l + 1), sizeof *a, cmp_double);
            break;
        }
        double x = a[l], y = a[l + (r - l) / 2], z = a[r];
        double piv = dmax(dmin(x, y), dmin(dmax(x, y), z));
        long i = l, j = r;
        do {            /* piv is in a[l..r], so both scans stop in range */
            while (a[i] < piv) i++;
            while (piv < a[j]) j--;
            if (i <= j) {
                double t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        /* now a[l..j] <= piv <= a[i..r] and a[j+1..i-1] == piv */
        if (j < kk) l = i;
        if (kk < i) r = j;
    }
    return a[k];
}

/* Median of w[0..nw) (reordered), nw >= 1: the mean of the two middle
 * values when nw is even. */
static double median_inplace(double *w, size_t nw)
{
    size_t k = (nw - 1) / 2;
    double m = select_kth(w, nw, k);
    if (nw % 2) return m;
    double up = w[k + 1];
    for (size_t i = k + 2; i < nw; i++)
        if (w[i] < up) up = w[i];
    return (m + up) / 2;
}

static size_t nwalsh(int n) { return (size_t)n * ((size_t)n + 1) / 2; }

/* HL estimate of x[0..n) using w (room for nwalsh(n) values). */
static double hl_core(const double *x, int n, double *w)
{
    size_t m = 0;
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++)
            w[m++] = (x[i] + x[j]) / 2;
    return median_inplace(w, m);
}

/* ---- exported helpers ---- */

double ab_judge_default_min_effect(int kind)
{
    switch (kind) {
    case AB_JUDGE_TIME:  return 0.03;
    case AB_JUDGE_MEM:   return 0.02;
    case AB_JUDGE_INSTR: return 0.005;
    default:             return -1;
    }
}

const char *ab_judge_verdict_name(int verdict)
{
    static const char *const names[] = {
        "PASS", "REGRESSED", "IMPROVED", "INFORMATIONAL", "INCONCLUSIVE", "ERROR"
    };
    if (verdict < 0 || verdict > AB_JUDGE_ERROR) return "?";
    return names[verdict];
}

int ab_judge_hl(const double *d, int n, double *hl)
{
    if (!d || !hl || n < 1 || (size_t)n > 3000000) {     /* 4.5e12 averages */
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (!isfinite(d[i])) { errno = EINVAL; return -1; }
    size_t m = nwalsh(n);
    if (m > (size_t)-1 / sizeof(double)) { errno = ENOMEM; return -1; }
    double *w = malloc(m * sizeof *w);
    if (!w) { errno = ENOMEM; return -1; }
    *hl = hl_core(d, n, w);
    free(w);
    return 0;
}

int ab_judge_quartiles(const double *v, int n, double *q1, double *median,
                       double *q3)
{
    if (!v || n < 1) { errno = EINVAL; return -1; }
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i])) { errno = EINVAL; return -1; }
    double *s = malloc((size_t)n * sizeof *s);
    if (!s) { errno = ENOMEM; return -1; }
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    if (q1) *q1 = quantile7(s, (size_t)n, 0.25);
    if (median) *median = quantile7(s, (size_t)n, 0.5);
    if (q3) *q3 = quantile7(s, (size_t)n, 0.75);
    free(s);
    return 0;
}

int ab_judge_floor(const double *aa, int naa, double *floor)
{
    if (!floor || naa < 0 || (naa > 0 && !aa)) { errno = EINVAL; return -1; }
    if (naa == 0) { *floor = 0; return 0; }
    double *a = malloc((size_t)naa * sizeof *a);
    if (!a) { errno = ENOMEM; return -1; }
    for (int i = 0; i < naa; i++) a[i] = fabs(aa[i]);
    double q1, q3;
    int rc = ab_judge_quartiles(a, naa, &q1, NULL, &q3);
    free(a);
    if (rc) return -1;
    *floor = q3 + 3 * (q3 - q1);
    return 0;
}

typedef struct { double p; int i; } pidx;

static int cmp_pidx(const void *a, const void *b)
{
    const pidx *x = a, *y = b;
    if (x->p != y->p) return (x->p > y->p) - (x->p < y->p);
    return (x->i > y->i) - (x->i < y->i);
}

int ab_judge_holm(const double *p, int m, double alpha, double *adj,
                  int *reject)
{
    if (m < 0 || (m > 0 && (!p || !adj)) || !(alpha > 0 && alpha < 1)) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < m; i++)
        if (!(p[i] >= 0 && p[i] <= 1)) { errno = EINVAL; return -1; }
    if (m == 0) return 0;
    pidx *s = malloc((size_t)m * sizeof *s);
    if (!s) { errno = ENOMEM; return -1; }
    for (int i = 0; i < m; i++) { s[i].p = p[i]; s[i].i = i; }
    qsort(s, (size_t)m, sizeof *s, cmp_pidx);
    double run = 0;
    int nrej = 0;
    for (int j = 0; j < m; j++) {
        double a = dmin(1, (double)(m - j) * s[j].p);
        if (a > run) run = a;
        adj[s[j].i] = run;
    }
    for (int i = 0; i < m; i++) {
        int r = adj[i] <= alpha;
        if (reject) reject[i] = r;
        nrej += r;
    }
    free(s);
    return nrej;
}

/* ---- judging cells ---- */

static void say(ab_judge_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(ab_judge_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

/* A log ratio as a relative change in percent, bounded for printing. */
static double pct(double x)
{
    double v = 100 * expm1(x);
    if (v > 1e9) return 1e9;
    if (v < -100) return -100;
    return v;
}

/* d_i of the cell, oriented so that > 0 = worse. */
static double log_ratio(const ab_judge_cell *c, int i)
{
    return c->higher_is_better ? log(c->base[i] / c->head[i])
                               : log(c->head[i] / c->base[i]);
}

static int good_value(double v) { return isfinite(v) && v > 0; }

/* Check one cell's invariants; on failure write the reason into r. */
static int check_cell(const ab_judge_cell *c, ab_judge_result *r)
{
    if (ab_judge_default_min_effect(c->kind) < 0) {
        say(r, "bad metric kind %d", c->kind);
        return -1;
    }
    if (c->n < 1 || c->n > AB_JUDGE_MAX_N) {
        say(r, "n = %d pairs: need 1 to %d", c->n, AB_JUDGE_MAX_N);
        return -1;
    }
    if (!c->base || !c->head) {
        say(r, "no %s values", c->base ? "head" : "base");
        return -1;
    }
    for (int i = 0; i < c->n; i++) {
        if (!good_value(c->base[i])) {
            say(r, "base[%d] = %g: values must be finite and > 0", i, c->base[i]);
            return -1;
        }
        if (!good_value(c->head[i])) {
            say(r, "head[%d] = %g: values must be finite and > 0", i, c->head[i]);
            return -1;
        }
        if (!isfinite(log_ratio(c, i))) {
            say(r, "pair %d: the ratio head/base is out of range", i);
            return -1;
        }
    }
    if (c->naa < 0 || (c->naa > 0 && !c->aa)) {
        say(r, "bad A/A data (naa = %d)", c->naa);
        return -1;
    }
    for (int i = 0; i < c->naa; i++)
        if (!isfinite(c->aa[i])) {
            say(r, "aa[%d] = %g: A/A effects must be finite", i, c->aa[i]);
            return -1;
        }
    if (!isfinite(c->min_effect) || c->min_effect < 0) {
        say(r, "min_effect = %g: must be finite and >= 0", c->min_effect);
        return -1;
    }
    return 0;
}

static void error_all(ab_judge_result *out, int ncells, const char *why)
{
    for (int i = 0; i < ncells; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].verdict = AB_JUDGE_ERROR;
        snprintf(out[i].reason, sizeof out[i].reason, "%s", why);
    }
}

static int all_equal(const double *v, int n)
{
    for (int i = 1; i < n; i++)
        if (v[i] != v[0]) return 0;
    return 1;
}

/* Scratch space shared by the cells of one call. */
typedef struct {
    double *d, *x, *w, *boot, *fam, *adj;
    int *fidx;
} scratch;

/* Everything but the Holm step; in_family says whether the cell joins it. */
static int judge_one(const ab_judge_cell *c, uint64_t seed, int nboot,
                     scratch *s, ab_judge_result *r, int *in_family)
{
    int n = c->n;
    memset(r, 0, sizeof *r);
    *in_family = 0;
    double min_effect = c->min_effect > 0 ? c->min_effect
                                          : ab_judge_default_min_effect(c->kind);
    if (ab_judge_floor(c->aa, c->naa, &r->floor)) return -1;
    double lmin = log1p(min_effect);
    r->limit = dmax(lmin, r->floor);
    r->threshold = expm1(r->limit);
    r->holm_worse = r->holm_better = NAN;
    int noisy = r->floor > lmin;

    for (int i = 0; i < n; i++) s->d[i] = log_ratio(c, i);

    if (all_equal(c->base, n) && all_equal(c->head, n) &&
        (c->kind == AB_JUDGE_INSTR || n >= 3)) {
        r->deterministic = 1;
        r->effect = r->lo = r->hi = s->d[0];
        r->flagged = (r->effect > r->limit) - (r->effect < -r->limit);
        r->p_worse = r->flagged > 0 ? 0 : 1;
        r->p_better = r->flagged < 0 ? 0 : 1;
        if (noisy) {
            r->verdict = AB_JUDGE_INFORMATIONAL;
            say(r, "exact %+.3f%%; noise floor %.2f%% > min effect %.2f%%: "
                "for information", pct(r->effect), pct(r->floor), 100 * min_effect);
        } else {
            r->verdict = r->flagged > 0 ? AB_JUDGE_REGRESSED
                       : r->flagged < 0 ? AB_JUDGE_IMPROVED : AB_JUDGE_PASS;
            say(r, "exact %+.3f%% %s %.2f%%", pct(r->effect),
                r->flagged > 0 ? ">" : r->flagged < 0 ? "< -" : "within +/-",
                100 * r->threshold);
        }
        return 0;
    }

    r->effect = hl_core(s->d, n, s->w);
    if (n < 3) {
        r->lo = -INFINITY;
        r->hi = INFINITY;
        r->p_worse = r->p_better = 1;
        r->verdict = noisy ? AB_JUDGE_INFORMATIONAL : AB_JUDGE_INCONCLUSIVE;
        say(r, "%+.2f%% from %d pair%s (need 3)%s", pct(r->effect), n,
            n == 1 ? "" : "s", noisy ? "; noise floor above min effect" : "");
        return 0;
    }

    uint64_t st = seed ^ fnv1a64(c->name);
    for (int b = 0; b < nboot; b++) {
        for (int i = 0; i < n; i++) s->x[i] = s->d[uniform_index(&st, n)];
        s->boot[b] = hl_core(s->x, n, s->w);
    }
    qsort(s->boot, (size_t)nboot, sizeof *s->boot, cmp_double);
    r->lo = quantile7(s->boot, (size_t)nboot, Q_LO);
    r->hi = quantile7(s->boot, (size_t)nboot, Q_HI);
    int below = 0, above = 0;
    for (int b = 0; b < nboot; b++) {
        below += s->boot[b] <= r->limit;
        above += s->boot[b] >= -r->limit;
    }
    r->p_worse = (1.0 + below) / (nboot + 1.0);
    r->p_better = (1.0 + above) / (nboot + 1.0);
    r->flagged = (r->lo > r->limit) - (r->hi < -r->limit);
    if (noisy) {
        r->verdict = AB_JUDGE_INFORMATIONAL;
        say(r, "%+.2f%% [%+.2f%%, %+.2f%%]; noise floor %.2f%% > min effect "
            "%.2f%%: for information", pct(r->effect), pct(r->lo), pct(r->hi),
            pct(r->floor), 100 * min_effect);
    } else {
        *in_family = 1;
    }
    return 0;
}

/* Holm over the family in one direction; writes holm_worse or holm_better. */
static int holm_family(ab_judge_result *out, const int *fidx, int m,
                       int worse, scratch *s)
{
    for (int k = 0; k < m; k++)
        s->fam[k] = worse ? out[fidx[k]].p_worse : out[fidx[k]].p_better;
    if (ab_judge_holm(s->fam, m, AB_JUDGE_ALPHA, s->adj, NULL) < 0) return -1;
    for (int k = 0; k < m; k++) {
        if (worse) out[fidx[k]].holm_worse = s->adj[k];
        else out[fidx[k]].holm_better = s->adj[k];
    }
    return 0;
}

static void free_scratch(scratch *s)
{
    free(s->d); free(s->x); free(s->w); free(s->boot);
    free(s->fam); free(s->adj); free(s->fidx);
}

int ab_judge_cells(const ab_judge_cell *cells, int ncells, uint64_t seed,
                   int nboot, ab_judge_result *out)
{
    if (ncells < 0 || (ncells > 0 && (!cells || !out))) {
        errno = EINVAL;
        return -1;
    }
    if (ncells == 0) return 0;
    if (nboot == 0) nboot = AB_JUDGE_NBOOT;
    if (nboot < 100 || nboot > 1000000) {
        error_all(out, ncells, "bad number of bootstrap resamples");
        errno = EINVAL;
        return -1;
    }
    int bad = -1, maxn = 1;
    for (int i = 0; i < ncells; i++) {
        memset(&out[i], 0, sizeof out[i]);
        if (check_cell(&cells[i], &out[i])) {
            out[i].verdict = AB_JUDGE_ERROR;
            if (bad < 0) bad = i;
        } else if (cells[i].n > maxn) {
            maxn = cells[i].n;
        }
    }
    if (bad >= 0) {
        for (int i = 0; i < ncells; i++)
            if (out[i].verdict != AB_JUDGE_ERROR) {
                out[i].verdict = AB_JUDGE_ERROR;
                say(&out[i], "not judged: cell %d (%.60s) is invalid", bad,
                    cells[bad].name ? cells[bad].name : "");
            }
        errno = EINVAL;
        return -1;
    }

    scratch s = {0};
    s.d = malloc((size_t)maxn * sizeof *s.d);
    s.x = malloc((size_t)maxn * sizeof *s.x);
    s.w = malloc(nwalsh(maxn) * sizeof *s.w);
    s.boot = malloc((size_t)nboot * sizeof *s.boot);
    s.fam = calloc((size_t)ncells, sizeof *s.fam);
    s.adj = calloc((size_t)ncells, sizeof *s.adj);
    s.fidx = malloc((size_t)ncells * sizeof *s.fidx);
    int m = 0;
    if (!s.d || !s.x || !s.w || !s.boot || !s.fam || !s.adj || !s.fidx)
        goto nomem;
    for (int i = 0; i < ncells; i++) {
        int in;
        if (judge_one(&cells[i], seed, nboot, &s, &out[i], &in)) goto nomem;
        if (in) s.fidx[m++] = i;
    }
    if (holm_family(out, s.fidx, m, 1, &s) || holm_family(out, s.fidx, m, 0, &s))
        goto nomem;
    for (int k = 0; k < m; k++) {
        ab_judge_result *r = &out[s.fidx[k]];
        if (r->flagged > 0 && r->holm_worse <= AB_JUDGE_ALPHA) {
            r->verdict = AB_JUDGE_REGRESSED;
            say(r, "%+.2f%% [%+.2f%%, %+.2f%%] > %.2f%% (p %.4f, Holm %.4f)",
                pct(r->effect), pct(r->lo), pct(r->hi), 100 * r->threshold,
                r->p_worse, r->holm_worse);
        } else if (r->flagged < 0 && r->holm_better <= AB_JUDGE_ALPHA) {
            r->verdict = AB_JUDGE_IMPROVED;
            say(r, "%+.2f%% [%+.2f%%, %+.2f%%] < -%.2f%% (p %.4f, Holm %.4f)",
                pct(r->effect), pct(r->lo), pct(r->hi), 100 * r->threshold,
                r->p_better, r->holm_better);
        } else if (r->flagged) {
            r->verdict = AB_JUDGE_PASS;
            say(r, "%+.2f%% [%+.2f%%, %+.2f%%] beyond %.2f%% but not after Holm "
                "over %d cells (%.4f)", pct(r->effect), pct(r->lo), pct(r->hi),
                100 * r->threshold, m,
                r->flagged > 0 ? r->holm_worse : r->holm_better);
        } else {
            r->verdict = AB_JUDGE_PASS;
            say(r, "%+.2f%% [%+.2f%%, %+.2f%%]: no change beyond %.2f%% shown",
                pct(r->effect), pct(r->lo), pct(r->hi), 100 * r->threshold);
        }
    }
    free_scratch(&s);
    return 0;

nomem:
    free_scratch(&s);
    error_all(out, ncells, "out of memory");
    errno = ENOMEM;
    return -1;
}
