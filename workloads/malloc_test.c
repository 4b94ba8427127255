/* malloc-test: Lever & Boreham's malloc-test (USENIX FREENIX 2000), as used
 * in Evans' BSDCan 2006 paper: a tight malloc/free loop in each thread,
 * 40,000,000 cycles of one 512-byte object in total, divided equally among
 * the threads. Re-implemented from the paper's description.
 *
 *   malloc-test [total_cycles=40000000] [size=512]
 *
 * Threads start together at a barrier; the score is total cycles / wall time
 * from the barrier to the last thread's end (allocations per second).
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long g_cycles_per_thread;
static size_t g_size;
static wl_barrier *g_start;

static void *worker(void *arg)
{
    int idx = (int)(long)arg;
    wl_pin_thread(idx);
    wl_barrier_wait(g_start);
    for (long i = 0; i < g_cycles_per_thread; i++) {
        void *volatile p = malloc(g_size);
        if (!p) wl_fatal("malloc failed");
        free(p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "malloc-test", "[total_cycles=40000000] [size=512]",
            "Lever & Boreham malloc-test (BSDCan 2006 Fig. 6): malloc(size)+free cycles, the total divided\n"
            "equally among --threads threads. Reports allocations per second.",
            2, argc, argv);
    long total = wl_arg_long(&o, 0, "total_cycles", 40000000L, 1, 1L << 40);
    g_size = (size_t)wl_arg_long(&o, 1, "size", 512, 0, 1L << 30);
    int nthreads = o.threads;
    g_cycles_per_thread = total / nthreads;
    if (g_cycles_per_thread < 1) wl_usage_error("total_cycles must be at least the thread count");
    wl_begin(&o, nthreads);
    g_start = wl_barrier_new(nthreads + 1);
    pthread_t *t = calloc((size_t)nthreads, sizeof *t);
    if (!t) wl_fatal("out of memory");
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0) wl_fatal("cannot create thread %d", i);
    wl_barrier_wait(g_start);
    double t0 = wl_now();
    for (int i = 0; i < nthreads; i++) pthread_join(t[i], NULL);
    double el = wl_now() - t0;
    double done = (double)g_cycles_per_thread * nthreads;
    wl_result(&o, "throughput", done / el, "allocs/s", "higher", "cycles=%.0f size=%zu time_s=%.4f", done, g_size,
              el);
    free(t);
    wl_barrier_free(g_start);
    return 0;
}
