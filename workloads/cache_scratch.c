/* cache-scratch and cache-thrash: Hoard's passive (scratch) and active
 * (thrash) false-sharing tests (Berger et al., ASPLOS 2000), re-implemented
 * from their published description. One source, two binaries
 * (WL_THRASH selects cache-thrash).
 *
 *   cache-scratch [nthreads=1] [iterations=1000] [objSize=1] [repetitions=2000000] [concurrency]
 *   cache-thrash  [nthreads=1] [iterations=1000] [objSize=1] [repetitions=2000000] [concurrency]
 *
 * scratch: main allocates one objSize object per thread, back to back, and
 * hands one to each worker; each worker frees it, then iterations times
 * {malloc objSize; write (and read back) every byte repetitions/nthreads
 * times; free}. thrash: the same loop without the handed-out object.
 * An allocator that gives neighbouring bytes to different threads makes the
 * writes false-share a cache line. concurrency is accepted and ignored (the
 * original used it as a thread-concurrency hint only).
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef WL_THRASH
#define WL_NAME "cache-thrash"
#else
#define WL_NAME "cache-scratch"
#endif

static long g_iters, g_objsize, g_reps;
static wl_barrier *g_start;

/* Worker argument. handed: the object main allocated for this worker
 * (cache-scratch), freed by the worker; NULL for cache-thrash. */
typedef struct { int idx; char *handed; } warg;

static void *worker(void *arg)
{
    warg *w = arg;
    wl_pin_thread(w->idx);
    wl_barrier_wait(g_start);
    free(w->handed); /* NULL for cache-thrash */
    for (long i = 0; i < g_iters; i++) {
        volatile char *p = malloc((size_t)g_objsize);
        if (!p) wl_fatal("malloc failed");
        for (long r = 0; r < g_reps; r++)
            for (long j = 0; j < g_objsize; j++) {
                p[j] = (char)j;
                char c = p[j];
                p[j] = (char)(c + 1);
            }
        free((void *)p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, WL_NAME, "[nthreads=1] [iterations=1000] [objSize=1] [repetitions=2000000] [concurrency]",
#ifdef WL_THRASH
            "Hoard cache-thrash (active false sharing): each thread repeatedly allocates a small object and\n"
#else
            "Hoard cache-scratch (passive false sharing): each thread frees an object main allocated next to\n"
            "the other threads' objects, then repeatedly allocates a small object and\n"
#endif
            "writes it repetitions/nthreads times. --threads overrides nthreads. Reports wall time.",
            5, argc, argv);
    int n = wl_threads_arg(&o, 0);
    g_iters = wl_arg_long(&o, 1, "iterations", 1000, 0, 1L << 40);
    g_objsize = wl_arg_long(&o, 2, "objSize", 1, 1, 1L << 24);
    long reps = wl_arg_long(&o, 3, "repetitions", 2000000, 0, 1L << 40);
    (void)wl_arg_long(&o, 4, "concurrency", 1, 1, 1 << 20);
    g_reps = reps / n;
    wl_begin(&o, n);
    warg *w = calloc((size_t)n, sizeof *w);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!w || !t) wl_fatal("out of memory");
    for (int i = 0; i < n; i++) {
        w[i].idx = i;
#ifndef WL_THRASH
        w[i].handed = malloc((size_t)g_objsize);
        if (!w[i].handed) wl_fatal("malloc failed");
        w[i].handed[0] = 1;
#endif
    }
    g_start = wl_barrier_new(n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, &w[i]) != 0) wl_fatal("cannot create thread %d", i);
    wl_barrier_wait(g_start);
    double t0 = wl_now();
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    double el = wl_now() - t0;
    wl_result(&o, "time", el, "s", "lower", "iterations=%ld obj_size=%ld writes_per_object=%ld", g_iters, g_objsize,
              g_reps);
    free(w);
    free(t);
    wl_barrier_free(g_start);
    return 0;
}
