/* glibc-simple: in the style of glibc's benchtests/bench-malloc-simple.c as
 * modified by mimalloc-bench (memory touched), re-implemented from its
 * published description: the single-thread fast path.
 *
 *   glibc-simple [allocs=2000000]
 *
 * For each size in {16, 32, 64} and each block count in {25, 100, 400, 1600}
 * run allocs/count rounds of {malloc count blocks and write the first byte
 * of each; free the even-indexed blocks in allocation order, then the
 * odd-indexed ones in reverse order}. This runs in three scenarios: on the
 * main thread, on a new thread, and on the main thread again after that
 * thread has exited. With --threads N > 1 the second scenario runs in N
 * concurrent threads (each doing the full work). Result: total wall time.
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long g_allocs;
static const size_t k_sizes[] = { 16, 32, 64 };
static const int k_counts[] = { 25, 100, 400, 1600 };

static void run_all(void)
{
    void *a[1600];
    for (size_t s = 0; s < sizeof k_sizes / sizeof k_sizes[0]; s++) {
        for (size_t c = 0; c < sizeof k_counts / sizeof k_counts[0]; c++) {
            int cnt = k_counts[c];
            long rounds = g_allocs / cnt;
            for (long r = 0; r < rounds; r++) {
                for (int i = 0; i < cnt; i++) {
                    char *p = malloc(k_sizes[s]);
                    if (!p) wl_fatal("malloc failed");
                    *(volatile char *)p = (char)i;
                    a[i] = p;
                }
                for (int i = 0; i < cnt; i += 2) free(a[i]);
                for (int i = cnt - 1 - ((cnt - 1) % 2 == 0); i > 0; i -= 2) free(a[i]);
            }
        }
    }
}

static void *thread_main(void *arg)
{
    wl_pin_thread((int)(long)arg);
    run_all();
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "glibc-simple", "[allocs=2000000]",
            "glibc bench-malloc-simple style single-thread fast path: sizes 16/32/64, 25..1600 live blocks,\n"
            "half freed in order, half in reverse; main thread, new thread(s), main thread again.\n"
            "Reports wall time of all three scenarios.",
            1, argc, argv);
    g_allocs = wl_arg_long(&o, 0, "allocs", 2000000, 1600, 1L << 40);
    int n = o.threads;
    wl_begin(&o, n);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!t) wl_fatal("out of memory");
    wl_pin_thread(0);
    double t0 = wl_now();
    run_all();
    double t1 = wl_now();
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, thread_main, (void *)(long)i) != 0) wl_fatal("cannot create thread %d", i);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    double t2 = wl_now();
    run_all();
    double t3 = wl_now();
    wl_result(&o, "time", t3 - t0, "s", "lower", "main_s=%.4f thread_s=%.4f main_after_thread_s=%.4f allocs=%ld",
              t1 - t0, t2 - t1, t3 - t2, g_allocs);
    free(t);
    return 0;
}
