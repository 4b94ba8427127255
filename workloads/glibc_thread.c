/* glibc-thread: in the style of glibc's benchtests/bench-malloc-thread.c as
 * modified by mimalloc-bench (every byte touched, fixed duration),
 * re-implemented from its published description.
 *
 *   glibc-thread [threads=1] [seconds=2]
 *
 * Each thread owns 1024 slots and, until the time is up, frees a slot chosen
 * from a precomputed random sequence and refills it with a block whose size
 * (4..32768 bytes, inverse-square distribution) comes from another
 * precomputed sequence; every byte of the new block is written.
 * Result: iterations (free+malloc pairs) per second over all threads.
 */
#include "common/wl.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORKING_SET 1024
#define NUM_SIZES 8000
#define NUM_OFFSETS (WORKING_SET * 4)
#define MIN_SIZE 4.0
#define MAX_SIZE 32768.0

/* Shared, read-only after setup. */
static unsigned g_sizes[NUM_SIZES];
static unsigned g_offsets[NUM_OFFSETS];
static atomic_int g_stop;
static wl_barrier *g_start;

/* Worker argument; iters is written by the worker just before it returns
 * and read by main only after pthread_join. */
typedef struct { int idx; long iters; } warg;

/* Inverse-square distribution on [MIN_SIZE, MAX_SIZE] by inversion. */
static unsigned inv_square_size(double u)
{
    double lo = 1.0 / MIN_SIZE, hi = 1.0 / MAX_SIZE;
    return (unsigned)(1.0 / (lo - (lo - hi) * u));
}

static void *worker(void *arg)
{
    warg *w = arg;
    wl_pin_thread(w->idx);
    void **slots = calloc(WORKING_SET, sizeof *slots);
    if (!slots) wl_fatal("out of memory");
    unsigned os = (unsigned)w->idx * 97u % NUM_OFFSETS, bs = (unsigned)w->idx * 131u % NUM_SIZES;
    long iters = 0;
    wl_barrier_wait(g_start);
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        for (int k = 0; k < 64; k++) { /* check the flag every 64 iterations */
            unsigned i = g_offsets[os], sz = g_sizes[bs];
            if (++os == NUM_OFFSETS) os = 0;
            if (++bs == NUM_SIZES) bs = 0;
            free(slots[i]);
            slots[i] = malloc(sz);
            if (!slots[i]) wl_fatal("malloc(%u) failed", sz);
            memset(slots[i], (int)k, sz);
        }
        iters += 64;
    }
    for (int i = 0; i < WORKING_SET; i++) free(slots[i]);
    free(slots);
    w->iters = iters;
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "glibc-thread", "[threads=1] [seconds=2]",
            "glibc bench-malloc-thread style: per-thread 1024-slot working set, random slot replaced by an\n"
            "inverse-square-sized block (4..32768 B, fully written). --threads overrides threads.\n"
            "Reports iterations per second.",
            2, argc, argv);
    int n = wl_threads_arg(&o, 0);
    double secs = wl_arg_double(&o, 1, "seconds", 2, 0.001, 3600);
    uint64_t r = 0x1234567ULL;
    for (int i = 0; i < NUM_SIZES; i++) g_sizes[i] = inv_square_size(wl_rand_unit(&r));
    for (int i = 0; i < NUM_OFFSETS; i++) g_offsets[i] = (unsigned)(wl_rand(&r) % WORKING_SET);
    wl_begin(&o, n);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    warg *w = calloc((size_t)n, sizeof *w);
    if (!t || !w) wl_fatal("out of memory");
    g_start = wl_barrier_new(n + 1);
    for (int i = 0; i < n; i++) {
        w[i].idx = i;
        if (pthread_create(&t[i], NULL, worker, &w[i]) != 0) wl_fatal("cannot create thread %d", i);
    }
    wl_barrier_wait(g_start);
    double t0 = wl_now();
    struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
    while (nanosleep(&ts, &ts) != 0) {}
    atomic_store(&g_stop, 1);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    double el = wl_now() - t0;
    long iters = 0;
    for (int i = 0; i < n; i++) iters += w[i].iters;
    printf("%ld iterations\n", iters);
    wl_result(&o, "throughput", (double)iters / el, "iters/s", "higher", "iterations=%ld time_s=%.4f", iters, el);
    free(t);
    free(w);
    wl_barrier_free(g_start);
    return 0;
}
