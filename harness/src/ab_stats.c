/* ab_stats.c: see ab_stats.h. */
#include "ab_stats.h"
#include "ab_util.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ab_quantile_sorted(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)h;
    if (lo + 1 >= n) return s[n - 1];
    return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

ab_summary ab_summarise(const double *v, size_t n)
{
    ab_summary r;
    memset(&r, 0, sizeof r);
    if (n == 0) return r;
    double *s = ab_xmalloc(sizeof(double) * n);
    memcpy(s, v, sizeof(double) * n);
    qsort(s, n, sizeof(double), cmp_double);
    r.n = n;
    r.min = s[0];
    r.max = s[n - 1];
    r.median = (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    r.q1 = ab_quantile_sorted(s, n, 0.25);
    r.q3 = ab_quantile_sorted(s, n, 0.75);
    free(s);
    return r;
}
