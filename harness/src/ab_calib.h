/*
 * ab_calib.h: `allocbench calibrate`: the parallel speedup of a pure-CPU
 * kernel (integer hashing, no memory traffic, no allocation) at each thread
 * count. On a dedicated machine it is ~N up to the core count; on a shared
 * or SMT machine it is what N threads can actually get, and scalability
 * plots draw it as the "ideal" line.
 */
#ifndef AB_CALIB_H
#define AB_CALIB_H

#include <stdio.h>

/* One calibrated point. Invariant: speedup = threads * t1 / tN where t1
 * and tN are median wall times of `reps` runs with the same per-thread
 * work; min/max are the speedups from the slowest/fastest tN. */
typedef struct ab_calib_point {
    int    threads;
    double t_median_s;
    double speedup, speedup_min, speedup_max;
} ab_calib_point;

/* Measure each thread count (per-thread work sized so one thread takes
 * about target_s). pin: "none", "compact" or "scatter". Writes
 * pts[0..n). Returns 0. */
int  ab_calibrate(const int *threads, int n, int reps, double target_s, const char *pin,
                  ab_calib_point *pts);
/* CSV: threads,t_median_s,speedup,speedup_min,speedup_max */
void ab_calib_write(FILE *f, const ab_calib_point *pts, int n);

#endif /* AB_CALIB_H */
