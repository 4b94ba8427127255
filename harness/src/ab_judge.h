/*
 * ab_judge.h: the decision rule of `allocbench regress`: did head get worse
 * than base, beyond noise, in one cell (workload x threads x metric)?
 *
 * Self-contained (libc and libm only), no global state, deterministic: the
 * same cells, seed and nboot give bit-identical results. Every function that
 * allocates returns -1 (errno ENOMEM) when an allocation fails.
 *
 * The rule, per cell of n paired runs (base_i, head_i):
 *
 *  1. d_i = ln(head_i / base_i), or ln(base_i / head_i) when higher is better,
 *     so that d > 0 always means "head is worse". Values must be finite > 0.
 *  2. effect = Hodges-Lehmann estimate of the d_i: the median of the
 *     n(n+1)/2 Walsh averages (d_i + d_j)/2, i <= j (the mean of the two
 *     middle ones when their count is even).
 *  3. [lo, hi] = 95 % percentile bootstrap interval of the HL estimate: B
 *     resamples of the n pairs with replacement; lo and hi are the 0.025 and
 *     0.975 quantiles (type 7, below) of the B resampled HL estimates.
 *     Random numbers: splitmix64, seeded with seed ^ FNV-1a-64(cell name), so
 *     a cell's interval depends on the seed, its name, its data and B only,
 *     never on the other cells or their order.
 *  4. floor = Q3 + 3 * IQR of |a_k| over the cell's A/A effects a_k (see
 *     ab_judge_cell.aa); 0 without A/A data. Log space.
 *  5. limit = max(ln(1 + min_effect), floor); threshold = e^limit - 1, the
 *     same limit as a relative effect. Default min_effect: 0.5 % for
 *     AB_JUDGE_INSTR, 2 % for AB_JUDGE_MEM, 3 % for AB_JUDGE_TIME.
 *  6. floor > ln(1 + min_effect): INFORMATIONAL (reported, never fails).
 *  7. p_worse = (1 + #{b: HL*_b <= limit}) / (B + 1), p_better likewise
 *     with #{HL*_b >= -limit}. The Holm family is every bootstrapped cell
 *     that is not INFORMATIONAL or INCONCLUSIVE; Holm's step-down procedure
 *     at alpha = 0.05 runs over the family's p_worse (and separately over its
 *     p_better). REGRESSED: lo > limit and Holm rejects; IMPROVED: hi < -limit
 *     and Holm rejects; otherwise PASS. Note the p-value resolution: the
 *     smallest p is 1/(B+1), so in a family of m cells none can regress
 *     unless 1/(B+1) <= 0.05/m, i.e. B >= 20 m (B = 2000 covers m <= 100).
 *  8. Deterministic cells: every base value equal and every head value equal,
 *     and either kind == AB_JUDGE_INSTR or n >= 3 (the repeats show the
 *     metric is exact). No bootstrap: effect = lo = hi = the exact d;
 *     REGRESSED when effect > limit, IMPROVED when effect < -limit (p_worse,
 *     p_better are 0 or 1, exact); they are not part of the Holm family.
 *     Their floor is 0 unless A/A data are given.
 *  Otherwise a cell with n < 3 is INCONCLUSIVE (never fails).
 *
 * Order of the checks: deterministic, then INFORMATIONAL, then INCONCLUSIVE,
 * then the bootstrap verdict.
 */
#ifndef AB_JUDGE_H
#define AB_JUDGE_H

#include <stdint.h>

/* Metric kinds (ab_judge_cell.kind); they select the default min_effect. */
enum { AB_JUDGE_TIME = 0, AB_JUDGE_MEM = 1, AB_JUDGE_INSTR = 2 };

/* Verdicts (ab_judge_result.verdict). */
enum {
    AB_JUDGE_PASS = 0,          /* no change beyond the threshold shown */
    AB_JUDGE_REGRESSED,         /* worse beyond the threshold: the gate fails */
    AB_JUDGE_IMPROVED,          /* better beyond the threshold (report only) */
    AB_JUDGE_INFORMATIONAL,     /* noise floor above min_effect: never fails */
    AB_JUDGE_INCONCLUSIVE,      /* n < 3 pairs of a non-deterministic metric */
    AB_JUDGE_ERROR              /* invalid input or out of memory: not judged */
};

#define AB_JUDGE_NBOOT   2000   /* default number of bootstrap resamples */
#define AB_JUDGE_MAX_N   1000   /* most pairs per cell (HL is O(n^2) per estimate) */
#define AB_JUDGE_ALPHA   0.05   /* family-wise error rate of the Holm step */

/* One cell. Invariants (checked; a violation makes ab_judge_cells fail):
 *   kind is one of AB_JUDGE_TIME, AB_JUDGE_MEM, AB_JUDGE_INSTR;
 *   1 <= n <= AB_JUDGE_MAX_N; base and head point to n values each, all
 *   finite and > 0; base[i] and head[i] are one pair (same round);
 *   0 <= naa, and aa points to naa finite values when naa > 0;
 *   min_effect is finite and >= 0, 0 meaning the kind's default.
 * aa holds the cell's stored A/A effects in log space: each one the HL
 * estimate (ab_judge_hl) of the log ratios of one A/A comparison (the same
 * build against itself, ideally with the same n as this cell); their sign
 * does not matter (the floor uses |a_k|). name may be NULL (treated as ""). */
typedef struct ab_judge_cell {
    const char *name;
    int kind;
    int higher_is_better;       /* non-zero: throughput-like metric */
    const double *base, *head;
    int n;
    const double *aa;
    int naa;
    double min_effect;          /* relative, e.g. 0.03 = 3 %; 0 = default */
} ab_judge_cell;

/* The judgement of one cell. effect, lo, hi, floor and limit are log ratios
 * oriented so that > 0 = worse (e^x - 1 is the relative change); threshold
 * is relative. Invariants once judged (verdict != AB_JUDGE_ERROR):
 *   lo <= hi; floor >= 0; limit = max(ln(1 + min_effect), floor) >= 0;
 *   threshold = e^limit - 1; p_worse, p_better in (0, 1] (exactly 0 or 1 for
 *   deterministic cells); holm_worse >= p_worse, holm_better >= p_better for
 *   cells of the Holm family, NaN for the others; flagged = +1 when
 *   lo > limit, -1 when hi < -limit, else 0 (before Holm).
 *   A non-deterministic cell with n < 3 (INCONCLUSIVE, or INFORMATIONAL if
 *   its floor says so): effect is the HL estimate of its pairs, lo = -inf,
 *   hi = +inf, p_worse = p_better = 1, flagged = 0.
 *   The percentile interval usually, but not necessarily, contains effect.
 * reason: one line for the report, e.g.
 *   "+4.12% [+3.50%, +4.80%] > 3.00% (p 0.0005, Holm 0.0010)". */
typedef struct ab_judge_result {
    double effect, lo, hi;
    double floor, limit, threshold;
    double p_worse, p_better;
    double holm_worse, holm_better;
    int flagged;
    int deterministic;          /* judged by rule 8 */
    int verdict;
    char reason[160];
} ab_judge_result;

/* Judge cells[0..ncells) with Holm's correction across them; out[0..ncells)
 * receives one result per cell. seed: any 64-bit value; nboot: B, 0 for
 * AB_JUDGE_NBOOT, otherwise 100..1000000. Returns 0, or -1 with errno
 * EINVAL (bad arguments or a cell violating its invariants: that cell's
 * verdict is AB_JUDGE_ERROR and its reason says why, and no cell is judged:
 * the others are AB_JUDGE_ERROR with reason "not judged: ...") or ENOMEM
 * (every cell AB_JUDGE_ERROR). ncells == 0 returns 0. */
int ab_judge_cells(const ab_judge_cell *cells, int ncells, uint64_t seed,
                   int nboot, ab_judge_result *out);

/* Hodges-Lehmann estimate of d[0..n), n >= 1 (d not modified): *hl = the
 * median of the Walsh averages. Returns 0, or -1 (EINVAL: n < 1, n too large
 * for n(n+1)/2 to be counted, NULL pointers, non-finite d; ENOMEM). */
int ab_judge_hl(const double *d, int n, double *hl);

/* Quartiles of v[0..n), n >= 1 (v not modified), by linear interpolation
 * between order statistics (Hyndman-Fan type 7, R's default; the same as
 * ab_stats.h): the p-quantile of sorted s is s[k] + f (s[k+1] - s[k]) with
 * h = (n - 1) p, k = floor(h), f = h - k. Any of q1, median, q3 may be NULL.
 * Returns 0, or -1 (EINVAL: n < 1, NULL v, non-finite values; ENOMEM). */
int ab_judge_quartiles(const double *v, int n, double *q1, double *median,
                       double *q3);

/* Noise floor of A/A effects aa[0..naa): Q3 + 3 (Q3 - Q1) of |aa[k]|,
 * quartiles as ab_judge_quartiles; 0 when naa == 0. Returns 0 or -1. */
int ab_judge_floor(const double *aa, int naa, double *floor);

/* Holm's step-down procedure over p[0..m) at family-wise level alpha:
 * adj[i] = the Holm-adjusted p-value, max over j <= rank(i) of
 * min(1, (m - j + 1) p_(j)) (p_(j) sorted ascending, ties by index); the
 * hypotheses rejected are those with adj[i] <= alpha, i.e. p_(1..k) where k
 * is the first rank with p_(k+1) > alpha / (m - k). reject may be NULL.
 * Returns the number rejected, or -1 (EINVAL: m < 0, NULL p or adj with
 * m > 0, a p outside [0, 1] or NaN; ENOMEM). */
int ab_judge_holm(const double *p, int m, double alpha, double *adj,
                  int *reject);

/* Default min_effect of a kind (0.005, 0.02, 0.03), or -1 for another kind. */
double ab_judge_default_min_effect(int kind);

/* "PASS", "REGRESSED", "IMPROVED", "INFORMATIONAL", "INCONCLUSIVE", "ERROR",
 * or "?" for another value. */
const char *ab_judge_verdict_name(int verdict);

#endif /* AB_JUDGE_H */
