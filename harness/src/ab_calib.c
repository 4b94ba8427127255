/* ab_calib.c: see ab_calib.h. */
#include "ab_calib.h"
#include "ab_stats.h"
#include "ab_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct calib_arg {
    uint64_t iters;
    int      cpu;      /* -1: not pinned */
    uint64_t sink;
} calib_arg;

static uint64_t kernel(uint64_t iters, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (uint64_t i = 0; i < iters; i++) {
        x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
        x *= 0x2545F4914F6CDD1DULL;
    }
    return x;
}

static void *calib_thread(void *p)
{
    calib_arg *a = p;
    if (a->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(a->cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    a->sink = kernel(a->iters, (uint64_t)(uintptr_t)a);
    return NULL;
}

static double run_once(int n, uint64_t iters, const int *cpus, int ncpu)
{
    pthread_t *t = ab_xmalloc(sizeof(pthread_t) * (size_t)n);
    calib_arg *a = ab_xmalloc(sizeof(calib_arg) * (size_t)n);
    double t0 = ab_now();
    for (int i = 0; i < n; i++) {
        a[i].iters = iters;
        a[i].cpu = ncpu > 0 ? cpus[i % ncpu] : -1;
        pthread_create(&t[i], NULL, calib_thread, &a[i]);
    }
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    double dt = ab_now() - t0;
    volatile uint64_t s = 0;
    for (int i = 0; i < n; i++) s += a[i].sink;
    (void)s;
    free(t); free(a);
    return dt;
}

int ab_calibrate(const int *threads, int n, int reps, double target_s, const char *pin,
                 ab_calib_point *pts)
{
    int cpus[CPU_SETSIZE];
    int ncpu = 0;
    if (pin && strcmp(pin, "none") != 0) {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set) == 0)
            for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &set)) cpus[ncpu++] = c;
    }
    /* Size the work: grow until one thread takes ~target_s. */
    uint64_t iters = 1u << 20;
    for (;;) {
        double dt = run_once(1, iters, cpus, ncpu);
        if (dt >= target_s / 4 || iters > (1ull << 40)) {
            iters = (uint64_t)((double)iters * target_s / (dt > 1e-6 ? dt : 1e-6));
            break;
        }
        iters *= 4;
    }
    if (reps < 1) reps = 1;
    double *tm = ab_xmalloc(sizeof(double) * (size_t)reps);
    double t1 = 0;
    {
        for (int r = 0; r < reps; r++) tm[r] = run_once(1, iters, cpus, ncpu);
        t1 = ab_summarise(tm, (size_t)reps).median;
    }
    for (int i = 0; i < n; i++) {
        int k = threads[i];
        for (int r = 0; r < reps; r++) tm[r] = k == 1 && r == 0 ? t1 : run_once(k, iters, cpus, ncpu);
        ab_summary s = ab_summarise(tm, (size_t)reps);
        if (k == 1) s.median = t1;
        pts[i].threads = k;
        pts[i].t_median_s = s.median;
        pts[i].speedup = (double)k * t1 / s.median;
        pts[i].speedup_min = (double)k * t1 / s.max;
        pts[i].speedup_max = (double)k * t1 / s.min;
    }
    free(tm);
    return 0;
}

void ab_calib_write(FILE *f, const ab_calib_point *pts, int n)
{
    fputs("threads,t_median_s,speedup,speedup_min,speedup_max\n", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%d,%.6f,%.4f,%.4f,%.4f\n", pts[i].threads, pts[i].t_median_s,
                pts[i].speedup, pts[i].speedup_min, pts[i].speedup_max);
    fflush(f);
}
