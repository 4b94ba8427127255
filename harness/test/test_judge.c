/*
 * test_judge.c: Check unit tests of the regression rule (ab_judge.h).
 *
 * Known answers: the small HL, quartile, floor and Holm cases are worked out
 * by hand in the comments; the bootstrap intervals and p-values were computed
 * once by an independent brute-force Python implementation of the rule (the
 * same splitmix64 stream, rejection sampling of indices, every Walsh average
 * sorted and statistics.median, quartiles by statistics.quantiles(method=
 * 'inclusive'), which is type 7) and pasted here with repr() precision.
 * The statistical tests simulate A/A and shifted cells with a fixed seed.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ab_judge.h"

#define EPS 1e-12

/* ---- helpers ---- */

static ab_judge_cell cell(const char *name, int kind, const double *base,
                          const double *head, int n)
{
    ab_judge_cell c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.kind = kind;
    c.base = base;
    c.head = head;
    c.n = n;
    return c;
}

static ab_judge_result judge1(const ab_judge_cell *c, uint64_t seed, int nboot)
{
    ab_judge_result r;
    ck_assert_int_eq(ab_judge_cells(c, 1, seed, nboot, &r), 0);
    return r;
}

/* The test's own generator (splitmix64 + Box-Muller), independent of the
 * module's. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)         /* (0, 1) */
{
    return ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(uint64_t *s)
{
    double u = rng_unit(s), v = rng_unit(s);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- Hodges-Lehmann ---- */
START_TEST(hl_small)
{
    double hl;
    /* n = 1: the value itself. */
    const double d1[] = { 0.3 };
    ck_assert_int_eq(ab_judge_hl(d1, 1, &hl), 0);
    ck_assert_double_eq_tol(hl, 0.3, EPS);
    /* n = 2: Walsh averages 1, 2, 3 -> 2. */
    const double d2[] = { 1, 3 };
    ck_assert_int_eq(ab_judge_hl(d2, 2, &hl), 0);
    ck_assert_double_eq_tol(hl, 2, EPS);
    /* n = 3 (odd): 1, 1.5, 5.5, 2, 6, 10 -> sorted 1 1.5 2 | 5.5 6 10,
     * six averages, median (2 + 5.5)/2 = 3.75 (the plain median is 2). */
    const double d3[] = { 1, 2, 10 };
    ck_assert_int_eq(ab_judge_hl(d3, 3, &hl), 0);
    ck_assert_double_eq_tol(hl, 3.75, EPS);
    /* n = 4 (even): 0 .5 1 5 | 1 1.5 5.5 | 2 6 | 10 -> sorted
     * 0 .5 1 1 1.5 2 5 5.5 6 10, median (1.5 + 2)/2 = 1.75. */
    const double d4[] = { 10, 0, 2, 1 };
    ck_assert_int_eq(ab_judge_hl(d4, 4, &hl), 0);
    ck_assert_double_eq_tol(hl, 1.75, EPS);
    /* ties: 1 1 1 5 -> six averages of 1, three of 3, one of 5: median 1. */
    const double d5[] = { 1, 5, 1, 1 };
    ck_assert_int_eq(ab_judge_hl(d5, 4, &hl), 0);
    ck_assert_double_eq_tol(hl, 1, EPS);
    /* 15 averages of -0.02 0.01 0.03 0 0.05: the 8th is 0.015 (Python). */
    const double d6[] = { -0.02, 0.01, 0.03, 0.0, 0.05 };
    ck_assert_int_eq(ab_judge_hl(d6, 5, &hl), 0);
    ck_assert_double_eq_tol(hl, 0.015, EPS);
    /* 21 averages, the 11th is 0.003 (Python). */
    const double d7[] = { 0.004, -0.011, 0.007, 0.002, 0.019, -0.003 };
    ck_assert_int_eq(ab_judge_hl(d7, 6, &hl), 0);
    ck_assert_double_eq_tol(hl, 0.003, EPS);
    /* input untouched */
    ck_assert_double_eq(d4[0], 10);
    ck_assert_double_eq(d4[3], 1);
    /* bad input */
    const double bad[] = { 0.1, NAN };
    ck_assert_int_eq(ab_judge_hl(bad, 2, &hl), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(ab_judge_hl(d1, 0, &hl), -1);
    ck_assert_int_eq(ab_judge_hl(NULL, 1, &hl), -1);
    ck_assert_int_eq(ab_judge_hl(d1, 1, NULL), -1);
}
END_TEST

/* The selection behind the median of the Walsh averages against a full sort,
 * on random samples with many ties and on sorted and reversed ones. */
START_TEST(hl_vs_sort)
{
    uint64_t s = 12345;
    double d[64], w[64 * 65 / 2];
    for (int t = 0; t < 300; t++) {
        int n = 1 + (int)(rng_next(&s) % 64);
        int mode = t % 4;
        for (int i = 0; i < n; i++) {
            if (mode == 0) d[i] = rng_normal(&s);
            else if (mode == 1) d[i] = (double)(rng_next(&s) % 4);    /* ties */
            else if (mode == 2) d[i] = i;                              /* sorted */
            else d[i] = n - i;                                         /* reversed */
        }
        size_t m = 0;
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) w[m++] = (d[i] + d[j]) / 2;
        qsort(w, m, sizeof *w, cmp_d);
        double want = m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2;
        double hl;
        ck_assert_int_eq(ab_judge_hl(d, n, &hl), 0);
        ck_assert_double_eq_tol(hl, want, EPS);
    }
}
END_TEST

/* ---- quartiles and the noise floor ---- */
START_TEST(quartiles_type7)
{
    double q1, med, q3;
    /* 1 2 3 4: h = 0.75, 1.5, 2.25 -> 1.75, 2.5, 3.25 */
    const double a[] = { 4, 2, 3, 1 };
    ck_assert_int_eq(ab_judge_quartiles(a, 4, &q1, &med, &q3), 0);
    ck_assert_double_eq_tol(q1, 1.75, EPS);
    ck_assert_double_eq_tol(med, 2.5, EPS);
    ck_assert_double_eq_tol(q3, 3.25, EPS);
    ck_assert_double_eq(a[0], 4);                       /* not sorted in place */
    const double b[] = { 7 };
    ck_assert_int_eq(ab_judge_quartiles(b, 1, &q1, &med, &q3), 0);
    ck_assert_double_eq(q1, 7);
    ck_assert_double_eq(q3, 7);
    /* 1..5: h = 1, 2, 3 -> exactly 2, 3, 4 */
    const double c[] = { 5, 1, 4, 2, 3 };
    ck_assert_int_eq(ab_judge_quartiles(c, 5, &q1, NULL, &q3), 0);
    ck_assert_double_eq_tol(q1, 2, EPS);
    ck_assert_double_eq_tol(q3, 4, EPS);
    /* sorted 0.5 1 2.5 7 10 100: h = 1.25 -> 1 + .25 * 1.5 = 1.375;
     * h = 2.5 -> 4.75; h = 3.75 -> 7 + .75 * 3 = 9.25 (Python agrees). */
    const double e[] = { 0.5, 10, 2.5, 1, 100, 7 };
    ck_assert_int_eq(ab_judge_quartiles(e, 6, &q1, &med, &q3), 0);
    ck_assert_double_eq_tol(q1, 1.375, EPS);
    ck_assert_double_eq_tol(med, 4.75, EPS);
    ck_assert_double_eq_tol(q3, 9.25, EPS);
    const double bad[] = { 1, INFINITY };
    ck_assert_int_eq(ab_judge_quartiles(bad, 2, &q1, &med, &q3), -1);
    ck_assert_int_eq(ab_judge_quartiles(a, 0, &q1, &med, &q3), -1);
}
END_TEST

START_TEST(noise_floor)
{
    double f;
    /* |aa| sorted 0 .005 .01 .02 .03: Q1 = .005 (h = 1), Q3 = .02 (h = 3),
     * floor = .02 + 3 * .015 = .065 */
    const double aa[] = { -0.01, 0.02, -0.005, 0.03, 0.0 };
    ck_assert_int_eq(ab_judge_floor(aa, 5, &f), 0);
    ck_assert_double_eq_tol(f, 0.065, EPS);
    /* |aa| sorted .001 .002 .003 .004 .006 .008 .009 .012: h = 1.75 ->
     * .00275, h = 5.25 -> .00825; .00825 + 3 * .0055 = .02475 */
    const double aa2[] = { 0.004, -0.006, 0.012, -0.002, 0.008, 0.001, -0.009, 0.003 };
    ck_assert_int_eq(ab_judge_floor(aa2, 8, &f), 0);
    ck_assert_double_eq_tol(f, 0.02475, EPS);
    ck_assert_int_eq(ab_judge_floor(NULL, 0, &f), 0);
    ck_assert_double_eq(f, 0);
    const double bad[] = { NAN };
    ck_assert_int_eq(ab_judge_floor(bad, 1, &f), -1);

    /* In a cell: limit = max(ln 1.03, floor). */
    const double base[] = { 100, 101, 99, 100 }, head[] = { 100, 101, 99.5, 100.2 };
    ab_judge_cell c = cell("f", AB_JUDGE_TIME, base, head, 4);
    c.aa = aa2;
    c.naa = 8;
    ab_judge_result r = judge1(&c, 1, 0);
    ck_assert_double_eq_tol(r.floor, 0.02475, EPS);
    ck_assert_double_eq_tol(r.limit, log1p(0.03), EPS);
    ck_assert_double_eq_tol(r.threshold, 0.03, EPS);
    ck_assert_int_eq(r.verdict, AB_JUDGE_PASS);
}
END_TEST

/* ---- Holm ---- */
START_TEST(holm_hand)
{
    double adj[4];
    int rej[4];
    /* 0.01 <= .05/3, 0.02 <= .05/2, 0.04 <= .05: all three rejected;
     * adjusted 3 * .01 = .03, max(.03, 2 * .02) = .04, max(.04, .04) = .04 */
    const double p1[] = { 0.01, 0.02, 0.04 };
    ck_assert_int_eq(ab_judge_holm(p1, 3, 0.05, adj, rej), 3);
    ck_assert_double_eq_tol(adj[0], 0.03, EPS);
    ck_assert_double_eq_tol(adj[1], 0.04, EPS);
    ck_assert_double_eq_tol(adj[2], 0.04, EPS);
    ck_assert(rej[0] && rej[1] && rej[2]);
    /* 0.01 <= .0167 but 0.03 > .025: the procedure stops, 0.04 is kept
     * although 0.04 <= .05; adjusted .03, .06, .06 */
    const double p2[] = { 0.01, 0.03, 0.04 };
    ck_assert_int_eq(ab_judge_holm(p2, 3, 0.05, adj, rej), 1);
    ck_assert_double_eq_tol(adj[0], 0.03, EPS);
    ck_assert_double_eq_tol(adj[1], 0.06, EPS);
    ck_assert_double_eq_tol(adj[2], 0.06, EPS);
    ck_assert(rej[0] && !rej[1] && !rej[2]);
    /* unsorted input: ranks .01 .03 .04 .2 -> .04, .09, max(.09, .08), .2 */
    const double p3[] = { 0.04, 0.01, 0.2, 0.03 };
    ck_assert_int_eq(ab_judge_holm(p3, 4, 0.05, adj, NULL), 1);
    ck_assert_double_eq_tol(adj[0], 0.09, EPS);
    ck_assert_double_eq_tol(adj[1], 0.04, EPS);
    ck_assert_double_eq_tol(adj[2], 0.2, EPS);
    ck_assert_double_eq_tol(adj[3], 0.09, EPS);
    /* capped at 1, m = 1 is the plain test */
    const double p4[] = { 0.6, 0.7 };
    ck_assert_int_eq(ab_judge_holm(p4, 2, 0.05, adj, rej), 0);
    ck_assert_double_eq(adj[0], 1);
    ck_assert_double_eq(adj[1], 1);
    ck_assert_int_eq(ab_judge_holm(p1, 1, 0.05, adj, rej), 1);
    ck_assert_int_eq(ab_judge_holm(NULL, 0, 0.05, NULL, NULL), 0);
    const double bad[] = { 0.01, 1.5 };
    ck_assert_int_eq(ab_judge_holm(bad, 2, 0.05, adj, rej), -1);
    const double nanp[] = { NAN };
    ck_assert_int_eq(ab_judge_holm(nanp, 1, 0.05, adj, rej), -1);
    ck_assert_int_eq(ab_judge_holm(p1, 3, 0, adj, rej), -1);
}
END_TEST

/* Six clear regressions: each CI is far above 3 %, but with B = 100 the
 * smallest p is 1/101 > .05/6, so Holm keeps them all (PASS, flagged); with
 * the default B = 2000 (p = 1/2001 <= .05/6) all six regress. */
START_TEST(holm_in_cells)
{
    static const double base[] = { 100, 101, 99, 100.5, 99.5, 100.2, 100.8, 99.7 };
    static const double head[] = { 110, 111, 109, 110.5, 109.5, 110.2, 110.8, 109.7 };
    ab_judge_cell c[6];
    ab_judge_result r[6];
    const char *names[] = { "a", "b", "c", "d", "e", "f" };
    for (int i = 0; i < 6; i++) c[i] = cell(names[i], AB_JUDGE_TIME, base, head, 8);
    ck_assert_int_eq(ab_judge_cells(c, 6, 9, 100, r), 0);
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(r[i].flagged, 1);
        ck_assert_double_eq_tol(r[i].p_worse, 1.0 / 101, EPS);
        ck_assert_double_eq_tol(r[i].holm_worse, 6.0 / 101, EPS);
        ck_assert_int_eq(r[i].verdict, AB_JUDGE_PASS);
        ck_assert_ptr_nonnull(strstr(r[i].reason, "Holm over 6 cells"));
    }
    /* the same cell alone (m = 1) regresses with B = 100 */
    ck_assert_int_eq(judge1(&c[0], 9, 100).verdict, AB_JUDGE_REGRESSED);
    ck_assert_int_eq(ab_judge_cells(c, 6, 9, 0, r), 0);
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(r[i].verdict, AB_JUDGE_REGRESSED);
        ck_assert_double_eq_tol(r[i].holm_worse, 6.0 / 2001, EPS);
    }
}
END_TEST

/* ---- bootstrap ---- */
static const double kbase[] = { 100, 101, 99, 100.5, 99.5, 100.2, 100.8, 99.7 };
static const double khead[] = { 104, 103.5, 102, 105, 103, 104.2, 102.9, 103.8 };
static const double kreg[]  = { 106.1, 105.5, 104.9, 107.0, 105.2, 106.3, 105.8, 106.0 };

START_TEST(bootstrap_known)
{
    /* Python reference, seed 42, B = 2000, name "wl/1/time": about +3.5 %,
     * CI [2.85 %, 3.98 %] in log space straddles ln 1.03: PASS. */
    ab_judge_cell c = cell("wl/1/time", AB_JUDGE_TIME, kbase, khead, 8);
    ab_judge_result r = judge1(&c, 42, 2000);
    ck_assert_double_eq_tol(r.effect, 0.03451764503028641, EPS);
    ck_assert_double_eq_tol(r.lo, 0.02850249632830193, EPS);
    ck_assert_double_eq_tol(r.hi, 0.03976050345863841, EPS);
    ck_assert_double_eq_tol(r.p_worse, 0.041979010494752625, EPS);
    ck_assert_double_eq_tol(r.p_better, 1.0, EPS);
    ck_assert_double_eq_tol(r.limit, 0.0295588022415444, EPS);
    ck_assert_double_eq_tol(r.holm_worse, r.p_worse, EPS);   /* m = 1 */
    ck_assert_int_eq(r.flagged, 0);
    ck_assert_int_eq(r.deterministic, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_PASS);
    /* about +5.9 %, CI [5.14 %, 6.03 %] (log), p = 1/2001: REGRESSED */
    c.head = kreg;
    r = judge1(&c, 42, 2000);
    ck_assert_double_eq_tol(r.effect, 0.05743006715177713, EPS);
    ck_assert_double_eq_tol(r.lo, 0.051372457119676834, EPS);
    ck_assert_double_eq_tol(r.hi, 0.060279386115218686, EPS);
    ck_assert_double_eq_tol(r.p_worse, 1.0 / 2001, EPS);
    ck_assert_int_eq(r.flagged, 1);
    ck_assert_int_eq(r.verdict, AB_JUDGE_REGRESSED);
    ck_assert_msg(strstr(r.reason, "+5.91%") != NULL, "reason: %s", r.reason);
    /* throughput (higher is better), min_effect 1 %, seed 7, B = 500, name
     * "ops": head a little faster, CI reaches 0: PASS, not IMPROVED. */
    static const double b2[] = { 10.0, 10.2, 9.9, 10.1, 10.05, 9.95 };
    static const double h2[] = { 10.3, 10.1, 10.4, 10.2, 10.35, 10.0 };
    c = cell("ops", AB_JUDGE_TIME, b2, h2, 6);
    c.higher_is_better = 1;
    c.min_effect = 0.01;
    r = judge1(&c, 7, 500);
    ck_assert_double_eq_tol(r.effect, -0.01963309082465241, EPS);
    ck_assert_double_eq_tol(r.lo, -0.03934246710653801, EPS);
    ck_assert_double_eq_tol(r.hi, 2.2551405187698492e-17, EPS);
    ck_assert_double_eq_tol(r.p_better, 0.2894211576846307, EPS);
    ck_assert_double_eq_tol(r.p_worse, 1.0, EPS);
    ck_assert_double_eq_tol(r.limit, 0.009950330853168083, EPS);
    ck_assert_int_eq(r.verdict, AB_JUDGE_PASS);
}
END_TEST

START_TEST(bootstrap_determinism)
{
    ab_judge_cell c = cell("wl/1/time", AB_JUDGE_TIME, kbase, khead, 8);
    ab_judge_result a = judge1(&c, 42, 0), b = judge1(&c, 42, 0);
    ck_assert(memcmp(&a.lo, &b.lo, sizeof a.lo) == 0);
    ck_assert(memcmp(&a.hi, &b.hi, sizeof a.hi) == 0);
    ck_assert(memcmp(&a.p_worse, &b.p_worse, sizeof a.p_worse) == 0);
    ck_assert_str_eq(a.reason, b.reason);
    /* another seed: another stream (Python: p_worse 0.038980509745127435) */
    ab_judge_result d = judge1(&c, 43, 0);
    ck_assert_double_eq_tol(d.p_worse, 0.038980509745127435, EPS);
    ck_assert(d.p_worse != a.p_worse);
    /* the same cell among others, in any position: the same interval */
    ab_judge_cell many[3] = {
        cell("x", AB_JUDGE_TIME, khead, kbase, 8), cell("y", AB_JUDGE_MEM, kbase, kreg, 8), c
    };
    ab_judge_result rr[3];
    ck_assert_int_eq(ab_judge_cells(many, 3, 42, 0, rr), 0);
    ck_assert(memcmp(&rr[2].lo, &a.lo, sizeof a.lo) == 0);
    ck_assert(memcmp(&rr[2].hi, &a.hi, sizeof a.hi) == 0);
    ck_assert(memcmp(&rr[2].p_worse, &a.p_worse, sizeof a.p_worse) == 0);
    /* ... but its Holm value counts the family (3 cells) */
    ck_assert(rr[2].holm_worse >= a.p_worse);
    ck_assert(a.lo <= a.effect && a.effect <= a.hi);
}
END_TEST

/* ---- orientation, floors, too few pairs, deterministic cells ---- */
START_TEST(orientation)
{
    /* 10 % fewer operations per second: worse for throughput */
    static const double base[] = { 100, 102, 98, 101, 99 };
    static const double head[] = { 90, 91.5, 88.5, 91, 89 };
    ab_judge_cell c = cell("tput", AB_JUDGE_TIME, base, head, 5);
    c.higher_is_better = 1;
    ab_judge_result up = judge1(&c, 3, 0);
    ck_assert(up.effect > 0.09 && up.effect < 0.12);
    ck_assert_int_eq(up.verdict, AB_JUDGE_REGRESSED);
    /* the same numbers as times (lower is better): 10 % faster */
    c.higher_is_better = 0;
    ab_judge_result down = judge1(&c, 3, 0);
    ck_assert_double_eq_tol(down.effect, -up.effect, EPS);
    ck_assert_int_eq(down.verdict, AB_JUDGE_IMPROVED);
    ck_assert_int_eq(down.flagged, -1);
    ck_assert(down.p_better <= 1.0 / 2001 + EPS);
    ck_assert(down.holm_better <= 0.05);
}
END_TEST

START_TEST(informational)
{
    /* floor .065 > ln 1.03: informational, even for a 10 % regression */
    static const double aa[] = { -0.01, 0.02, -0.005, 0.03, 0.0 };
    static const double base[] = { 100, 101, 99, 100.5, 99.5 };
    static const double head[] = { 110, 111, 109, 110.5, 109.5 };
    ab_judge_cell c = cell("noisy", AB_JUDGE_TIME, base, head, 5);
    c.aa = aa;
    c.naa = 5;
    ab_judge_result r = judge1(&c, 5, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_INFORMATIONAL);
    ck_assert_double_eq_tol(r.floor, 0.065, EPS);
    ck_assert_double_eq_tol(r.limit, 0.065, EPS);
    ck_assert_double_eq_tol(r.threshold, expm1(0.065), EPS);
    ck_assert_int_eq(r.flagged, 1);                 /* reported ... */
    ck_assert(isnan(r.holm_worse));                 /* ... never tested */
    ck_assert_ptr_nonnull(strstr(r.reason, "noise floor"));
    /* floor .02475: below ln 1.03 for time, above ln 1.02 for memory */
    static const double aa2[] = { 0.004, -0.006, 0.012, -0.002, 0.008, 0.001, -0.009, 0.003 };
    c.aa = aa2;
    c.naa = 8;
    r = judge1(&c, 5, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_REGRESSED);
    c.kind = AB_JUDGE_MEM;
    r = judge1(&c, 5, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_INFORMATIONAL);
    /* an informational cell does not join the Holm family */
    ab_judge_cell two[2] = { c, cell("t", AB_JUDGE_TIME, base, head, 5) };
    ab_judge_result rr[2];
    ck_assert_int_eq(ab_judge_cells(two, 2, 5, 0, rr), 0);
    ck_assert_int_eq(rr[0].verdict, AB_JUDGE_INFORMATIONAL);
    ck_assert_int_eq(rr[1].verdict, AB_JUDGE_REGRESSED);
    ck_assert_double_eq_tol(rr[1].holm_worse, rr[1].p_worse, EPS);
}
END_TEST

START_TEST(inconclusive)
{
    static const double base[] = { 100, 101 }, head[] = { 150, 160 };
    for (int n = 1; n <= 2; n++) {
        ab_judge_cell c = cell("short", AB_JUDGE_TIME, base, head, n);
        ab_judge_result r = judge1(&c, 1, 0);
        ck_assert_int_eq(r.verdict, AB_JUDGE_INCONCLUSIVE);
        ck_assert(isinf(r.lo) && r.lo < 0 && isinf(r.hi) && r.hi > 0);
        ck_assert_double_eq(r.p_worse, 1);
        ck_assert(isnan(r.holm_worse));
        ck_assert(r.effect > 0.4);
    }
    /* memory with two different values per side: not exact, so too few */
    static const double mb[] = { 1000, 1010 }, mh[] = { 2000, 2000 };
    ab_judge_cell c = cell("mem", AB_JUDGE_MEM, mb, mh, 2);
    ck_assert_int_eq(judge1(&c, 1, 0).verdict, AB_JUDGE_INCONCLUSIVE);
}
END_TEST

START_TEST(deterministic)
{
    /* one exact instruction count per side; ln(1006/1000) = .005982 >
     * ln 1.005 = .004988 */
    double b = 1000, h = 1006;
    ab_judge_cell c = cell("instr", AB_JUDGE_INSTR, &b, &h, 1);
    ab_judge_result r = judge1(&c, 1, 0);
    ck_assert_int_eq(r.deterministic, 1);
    ck_assert_int_eq(r.verdict, AB_JUDGE_REGRESSED);
    ck_assert_double_eq_tol(r.effect, 0.005982071677547469, EPS);
    ck_assert_double_eq(r.lo, r.effect);
    ck_assert_double_eq(r.hi, r.effect);
    ck_assert_double_eq(r.p_worse, 0);
    ck_assert_double_eq(r.floor, 0);
    ck_assert_double_eq_tol(r.limit, 0.004987541511039074, EPS);
    ck_assert(isnan(r.holm_worse));
    h = 1004;
    ck_assert_int_eq(judge1(&c, 1, 0).verdict, AB_JUDGE_PASS);
    h = 990;
    r = judge1(&c, 1, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_IMPROVED);
    ck_assert_double_eq(r.p_better, 0);
    /* a given A/A floor raises the limit: ln(1.008) = .00797 > .00598 */
    h = 1006;
    double aa = 0.00797;
    c.aa = &aa;
    c.naa = 1;
    r = judge1(&c, 1, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_INFORMATIONAL);
    ck_assert_double_eq_tol(r.floor, 0.00797, EPS);
    /* identical repeats of peak memory (n = 3): exact; +2.5 % > 2 % */
    static const double mb[] = { 4096, 4096, 4096 }, mh[] = { 4198.4, 4198.4, 4198.4 };
    c = cell("rss", AB_JUDGE_MEM, mb, mh, 3);
    r = judge1(&c, 1, 0);
    ck_assert_int_eq(r.deterministic, 1);
    ck_assert_int_eq(r.verdict, AB_JUDGE_REGRESSED);
    /* deterministic cells are not in the Holm family: with B = 100 the
     * timed cell next to 5 exact ones is tested alone (m = 1) */
    ab_judge_cell six[6];
    for (int i = 0; i < 5; i++) six[i] = c;
    static const double tb[] = { 100, 101, 99, 100.5, 99.5 };
    static const double th[] = { 110, 111, 109, 110.5, 109.5 };
    six[5] = cell("t", AB_JUDGE_TIME, tb, th, 5);
    ab_judge_result rr[6];
    ck_assert_int_eq(ab_judge_cells(six, 6, 1, 100, rr), 0);
    ck_assert_int_eq(rr[5].verdict, AB_JUDGE_REGRESSED);
    ck_assert_double_eq_tol(rr[5].holm_worse, 1.0 / 101, EPS);
    /* instruction counts that vary are bootstrapped */
    static const double ib[] = { 1000, 1001, 1000, 999, 1000 };
    static const double ih[] = { 1010, 1011, 1009, 1010, 1012 };
    c = cell("instr-noisy", AB_JUDGE_INSTR, ib, ih, 5);
    r = judge1(&c, 1, 0);
    ck_assert_int_eq(r.deterministic, 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_REGRESSED);
    ck_assert(r.lo < r.hi);
}
END_TEST

START_TEST(defaults)
{
    ck_assert_double_eq(ab_judge_default_min_effect(AB_JUDGE_INSTR), 0.005);
    ck_assert_double_eq(ab_judge_default_min_effect(AB_JUDGE_MEM), 0.02);
    ck_assert_double_eq(ab_judge_default_min_effect(AB_JUDGE_TIME), 0.03);
    ck_assert(ab_judge_default_min_effect(9) < 0);
    static const double base[] = { 100, 101, 99 }, head[] = { 100, 101, 99.5 };
    const int kinds[] = { AB_JUDGE_INSTR, AB_JUDGE_MEM, AB_JUDGE_TIME };
    const double want[] = { 0.005, 0.02, 0.03 };
    for (int k = 0; k < 3; k++) {
        ab_judge_cell c = cell("d", kinds[k], base, head, 3);
        ab_judge_result r = judge1(&c, 1, 0);
        ck_assert_double_eq_tol(r.threshold, want[k], EPS);
        ck_assert_double_eq_tol(r.limit, log1p(want[k]), EPS);
        c.min_effect = 0.1;
        r = judge1(&c, 1, 0);
        ck_assert_double_eq_tol(r.threshold, 0.1, EPS);
    }
    ck_assert_str_eq(ab_judge_verdict_name(AB_JUDGE_REGRESSED), "REGRESSED");
    ck_assert_str_eq(ab_judge_verdict_name(AB_JUDGE_INCONCLUSIVE), "INCONCLUSIVE");
    ck_assert_str_eq(ab_judge_verdict_name(42), "?");
}
END_TEST

/* ---- bad input: an error, never a crash ---- */
static void expect_bad(ab_judge_cell c, const char *why)
{
    static const double okb[] = { 1, 2, 3 }, okh[] = { 1, 2, 3 };
    ab_judge_cell two[2] = { cell("ok", AB_JUDGE_TIME, okb, okh, 3), c };
    ab_judge_result r[2];
    errno = 0;
    ck_assert_int_eq(ab_judge_cells(two, 2, 1, 0, r), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(r[1].verdict, AB_JUDGE_ERROR);
    ck_assert_msg(strstr(r[1].reason, why) != NULL, "reason '%s', want '%s'",
                  r[1].reason, why);
    ck_assert_int_eq(r[0].verdict, AB_JUDGE_ERROR);
    ck_assert_ptr_nonnull(strstr(r[0].reason, "not judged"));
}

START_TEST(bad_input)
{
    static const double b[] = { 100, 101, 99 }, h[] = { 100, 101, 99 };
    static const double zero[] = { 100, 0, 99 }, neg[] = { 100, -5, 99 };
    static const double nanv[] = { 100, NAN, 99 }, infv[] = { 100, INFINITY, 99 };
    static const double tiny[] = { 100, 1e-300, 99 }, huge[] = { 100, 1e300, 99 };
    static const double aabad[] = { 0.01, NAN };
    expect_bad(cell("n0", AB_JUDGE_TIME, b, h, 0), "n = 0");
    expect_bad(cell("nneg", AB_JUDGE_TIME, b, h, -1), "n = -1");
    expect_bad(cell("nbig", AB_JUDGE_TIME, b, h, AB_JUDGE_MAX_N + 1), "n = 1001");
    expect_bad(cell("z", AB_JUDGE_TIME, zero, h, 3), "base[1] = 0");
    expect_bad(cell("z", AB_JUDGE_TIME, b, zero, 3), "head[1] = 0");
    expect_bad(cell("neg", AB_JUDGE_TIME, neg, h, 3), "base[1] = -5");
    expect_bad(cell("nan", AB_JUDGE_TIME, b, nanv, 3), "head[1] = nan");
    expect_bad(cell("inf", AB_JUDGE_TIME, infv, h, 3), "base[1] = inf");
    expect_bad(cell("range", AB_JUDGE_TIME, tiny, huge, 3), "out of range");
    expect_bad(cell("null", AB_JUDGE_TIME, NULL, h, 3), "no base");
    expect_bad(cell("null", AB_JUDGE_TIME, b, NULL, 3), "no head");
    expect_bad(cell("kind", 7, b, h, 3), "bad metric kind 7");
    ab_judge_cell c = cell("aa", AB_JUDGE_TIME, b, h, 3);
    c.aa = aabad;
    c.naa = 2;
    expect_bad(c, "aa[1] = nan");
    c.aa = NULL;
    expect_bad(c, "bad A/A");
    c.naa = -1;
    expect_bad(c, "bad A/A");
    c = cell("me", AB_JUDGE_TIME, b, h, 3);
    c.min_effect = -0.01;
    expect_bad(c, "min_effect");
    c.min_effect = NAN;
    expect_bad(c, "min_effect");
    /* bad arguments of the call itself */
    c = cell("ok", AB_JUDGE_TIME, b, h, 3);
    ab_judge_result r;
    ck_assert_int_eq(ab_judge_cells(&c, 1, 1, 5, &r), -1);
    ck_assert_int_eq(r.verdict, AB_JUDGE_ERROR);
    ck_assert_int_eq(ab_judge_cells(&c, 1, 1, -1, &r), -1);
    ck_assert_int_eq(ab_judge_cells(&c, -1, 1, 0, &r), -1);
    ck_assert_int_eq(ab_judge_cells(NULL, 1, 1, 0, &r), -1);
    ck_assert_int_eq(ab_judge_cells(&c, 1, 1, 0, NULL), -1);
    ck_assert_int_eq(ab_judge_cells(NULL, 0, 1, 0, NULL), 0);
    /* a NULL name is fine */
    c.name = NULL;
    ck_assert_int_eq(ab_judge_cells(&c, 1, 1, 0, &r), 0);
    ck_assert_int_eq(r.verdict, AB_JUDGE_PASS);
}
END_TEST

/* ---- statistical behaviour (fixed seeds) ---- */
#define NSIM 2000
#define NPAIR 10

/* Judge NSIM cells of NPAIR pairs, each alone: base ~ 100 e^(sd Z), head ~
 * 100 (1 + shift) e^(sd Z). Counts cells flagged (CI beyond the limit) and
 * regressed (after Holm with m = 1). */
static void simulate(double shift, double sd, double min_effect, uint64_t seed,
                     int *flagged, int *regressed)
{
    uint64_t s = seed;
    double base[NPAIR], head[NPAIR];
    *flagged = *regressed = 0;
    for (int k = 0; k < NSIM; k++) {
        for (int i = 0; i < NPAIR; i++) {
            base[i] = 100 * exp(sd * rng_normal(&s));
            head[i] = 100 * (1 + shift) * exp(sd * rng_normal(&s));
        }
        ab_judge_cell c = cell("sim", AB_JUDGE_TIME, base, head, NPAIR);
        c.min_effect = min_effect;
        ab_judge_result r = judge1(&c, seed + (uint64_t)k, 0);
        *flagged += r.flagged > 0;
        *regressed += r.verdict == AB_JUDGE_REGRESSED;
    }
}

START_TEST(sim_false_alarms)
{
    int f, g;
    /* A/A, log-normal noise sd 2 % on every run, default 3 % threshold */
    simulate(0, 0.02, 0, 2024, &f, &g);
    printf("test_judge: A/A sd 2%%, %d pairs, threshold 3%%: %d/%d flagged, "
           "%d regressed\n", NPAIR, f, NSIM, g);
    ck_assert_int_le(f, NSIM / 20);
    ck_assert_int_le(g, NSIM / 20);
    /* the same with a threshold of 0.01 %: the bare one-sided 2.5 % test of
     * the percentile interval (anti-conservative with 10 pairs) */
    simulate(0, 0.02, 0.0001, 2025, &f, &g);
    printf("test_judge: A/A sd 2%%, %d pairs, threshold 0.01%%: %d/%d flagged, "
           "%d regressed\n", NPAIR, f, NSIM, g);
    ck_assert_int_le(f, NSIM / 20);
}
END_TEST

START_TEST(sim_detection)
{
    int f, g;
    /* +5 % shift, noise sd 1 % on every run, default 3 % threshold */
    simulate(0.05, 0.01, 0, 77, &f, &g);
    printf("test_judge: +5%% sd 1%%, %d pairs, threshold 3%%: %d/%d flagged, "
           "%d regressed\n", NPAIR, f, NSIM, g);
    ck_assert_int_ge(f, NSIM * 95 / 100);
    ck_assert_int_ge(g, NSIM * 95 / 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("judge");
    TCase *tc = tcase_create("estimators");
    tcase_add_test(tc, hl_small);
    tcase_add_test(tc, hl_vs_sort);
    tcase_add_test(tc, quartiles_type7);
    tcase_add_test(tc, noise_floor);
    tcase_add_test(tc, holm_hand);
    suite_add_tcase(s, tc);
    tc = tcase_create("rule");
    tcase_add_test(tc, holm_in_cells);
    tcase_add_test(tc, bootstrap_known);
    tcase_add_test(tc, bootstrap_determinism);
    tcase_add_test(tc, orientation);
    tcase_add_test(tc, informational);
    tcase_add_test(tc, inconclusive);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("simulation");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sim_false_alarms);
    tcase_add_test(tc, sim_detection);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
