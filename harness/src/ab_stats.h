/*
 * ab_stats.h: order statistics of one cell (median, quartiles, min, max).
 * The paper convention: box = quartiles, whiskers = extreme values.
 */
#ifndef AB_STATS_H
#define AB_STATS_H

#include <stddef.h>

/* Summary of n values. Invariant: n == 0 implies every other field is 0;
 * otherwise min <= q1 <= median <= q3 <= max. */
typedef struct ab_summary {
    size_t n;
    double min, q1, median, q3, max;
} ab_summary;

/* Summarise v[0..n) (not modified). Median of an even count is the mean of
 * the two middle values; quartiles use linear interpolation (type 7). */
ab_summary ab_summarise(const double *v, size_t n);
/* Quantile p in [0,1] of sorted s[0..n), type 7; n must be > 0. */
double     ab_quantile_sorted(const double *s, size_t n, double p);

#endif /* AB_STATS_H */
