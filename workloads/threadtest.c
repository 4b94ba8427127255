/* threadtest: Hoard's threadtest (Berger et al., ASPLOS 2000), re-implemented
 * from its published description.
 *
 *   threadtest [nthreads=1] [niterations=50] [nobjects=30000] [work=0] [objSize=1]
 *
 * Each of nthreads threads repeats niterations times: allocate
 * nobjects/nthreads objects of objSize 8-byte elements (each element
 * initialised to {14, 29}, like `new Foo[objSize]`), then free them in
 * allocation order; `work` iterations of busy arithmetic follow every
 * allocation and every free. Time from before the first thread creation to
 * after the last join.
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The original's 8-byte element type. */
typedef struct { int x, y; } foo;

static long g_iters, g_nobj, g_work, g_objsize;
static wl_barrier *g_start;

static void busy(long n)
{
    volatile long d = 0;
    for (volatile long i = 0; i < n; i++) d += i * (d + 1);
}

static void *worker(void *arg)
{
    int idx = (int)(long)arg;
    wl_pin_thread(idx);
    foo **a = malloc((size_t)(g_nobj > 0 ? g_nobj : 1) * sizeof *a);
    if (!a) wl_fatal("out of memory");
    wl_barrier_wait(g_start);
    for (volatile long j = 0; j < g_iters; j++) {
        for (volatile long i = 0; i < g_nobj; i++) {
            foo *f = malloc((size_t)g_objsize * sizeof *f);
            if (!f) wl_fatal("malloc failed");
            for (long k = 0; k < g_objsize; k++) { f[k].x = 14; f[k].y = 29; }
            a[i] = f;
            if (g_work) busy(g_work);
        }
        for (volatile long i = 0; i < g_nobj; i++) {
            free(a[i]);
            if (g_work) busy(g_work);
        }
    }
    free(a);
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "threadtest", "[nthreads=1] [niterations=50] [nobjects=30000] [work=0] [objSize=1]",
            "Hoard threadtest: per-thread allocate-then-free (FIFO) loops, no cross-thread frees.\n"
            "nobjects is the total, divided among threads; objects are objSize*8 bytes.\n"
            "Reference: threadtest 1 5000 10000 0 8. --threads overrides nthreads.",
            5, argc, argv);
    int nthreads = wl_threads_arg(&o, 0);
    g_iters = wl_arg_long(&o, 1, "niterations", 50, 0, 1000000000L);
    long nobjects = wl_arg_long(&o, 2, "nobjects", 30000, 0, 100000000L);
    g_work = wl_arg_long(&o, 3, "work", 0, 0, 1000000000L);
    g_objsize = wl_arg_long(&o, 4, "objSize", 1, 1, 1L << 26);
    g_nobj = nobjects / nthreads;
    wl_begin(&o, nthreads);
    printf("Running threadtest for %d threads, %ld iterations, %ld objects, %ld work and %ld objSize...\n",
           nthreads, g_iters, nobjects, g_work, g_objsize);
    g_start = wl_barrier_new(nthreads + 1);
    pthread_t *t = calloc((size_t)nthreads, sizeof *t);
    if (!t) wl_fatal("out of memory");
    double t0 = wl_now();
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0) wl_fatal("cannot create thread %d", i);
    wl_barrier_wait(g_start);
    for (int i = 0; i < nthreads; i++) pthread_join(t[i], NULL);
    double el = wl_now() - t0;
    printf("Time elapsed = %g\n", el);
    double ops = (double)g_iters * (double)g_nobj * nthreads;
    wl_result(&o, "time", el, "s", "lower", "objects_per_thread=%ld iterations=%ld obj_bytes=%ld mallocs=%.0f",
              g_nobj, g_iters, g_objsize * 8, ops);
    free(t);
    wl_barrier_free(g_start);
    return 0;
}
