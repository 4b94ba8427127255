/* mstress: stress test in the style of mimalloc's test-stress (Leijen;
 * "mstress" in mimalloc-bench), re-implemented from its published
 * description.
 *
 *   mstress [threads=1] [scale=50] [iterations=25]
 *
 * Every iteration creates `threads` fresh threads. Thread t allocates
 * 100*scale*(t%8+1) objects of 8*2^k bytes (k < 5; 1 % of them 100x, 1000x
 * or rarely 10000x larger), keeps half of them to the end, frees 2/3 of the
 * others at random, grows its pointer array with realloc, and swaps objects
 * through a global 1000-slot array with atomic exchange, so objects move
 * between threads and outlive the thread that allocated them. After the
 * join, main frees a random half of the exchange slots (all on the last
 * iteration). Every word of an object holds a cookie derived from its
 * length; it is verified before each free and a mismatch is an error exit.
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TRANSFERS 1000
#define COOKIE 0xbf58476d1ce4e5b9ULL

static long g_scale;
static _Atomic(uintptr_t *) g_transfer[TRANSFERS];
static atomic_long g_verified;

static int chance(int percent, uint64_t *r) { return (long)(wl_rand(r) % 100) < percent; }

/* Object layout: p[0] = item count n, p[i] = (n - i) ^ COOKIE for i < n. */
static uintptr_t *alloc_items(size_t n, uint64_t *r)
{
    if (chance(1, r)) {
        if (chance(1, r)) n *= 10000;
        else if (chance(10, r)) n *= 1000;
        else n *= 100;
    }
    uintptr_t *p = malloc(n * sizeof *p);
    if (!p) wl_fatal("malloc(%zu) failed", n * sizeof *p);
    p[0] = n;
    for (size_t i = 1; i < n; i++) p[i] = (n - i) ^ COOKIE;
    return p;
}

static void free_items(uintptr_t *p)
{
    if (!p) return;
    size_t n = p[0];
    for (size_t i = 1; i < n; i++)
        if (p[i] != ((n - i) ^ COOKIE))
            wl_fatal("memory corruption: object %p word %zu of %zu is %#lx", (void *)p, i, n, (unsigned long)p[i]);
    atomic_fetch_add_explicit(&g_verified, 1, memory_order_relaxed);
    free(p);
}

/* Worker argument: idx is the placement index (0..threads-1), tid a
 * number unique over all iterations that seeds the worker's RNG and sets its
 * allocation count. */
typedef struct { int idx; long tid; } warg;

static void *stress(void *arg)
{
    warg *w = arg;
    wl_pin_thread(w->idx);
    uint64_t r = 0x9E3779B97F4A7C15ULL * (uint64_t)(w->tid + 1) + 1;
    long allocs = 100 * g_scale * (w->tid % 8 + 1);
    long retain = allocs / 2;
    uintptr_t **data = NULL;
    size_t data_size = 0, data_top = 0;
    uintptr_t **retained = malloc((size_t)(retain > 0 ? retain : 1) * sizeof *retained);
    if (!retained) wl_fatal("out of memory");
    long retain_top = 0;
    while (allocs > 0 || retain > 0) {
        if (retain == 0 || (chance(50, &r) && allocs > 0)) {
            allocs--;
            if (data_top >= data_size) {
                data_size += 100000;
                uintptr_t **nd = realloc(data, data_size * sizeof *data);
                if (!nd) wl_fatal("realloc failed");
                data = nd;
            }
            data[data_top++] = alloc_items((size_t)1 << (wl_rand(&r) % 5), &r);
        } else {
            retained[retain_top++] = alloc_items((size_t)1 << (wl_rand(&r) % 5), &r);
            retain--;
        }
        if (chance(66, &r) && data_top > 0) {
            size_t i = wl_rand(&r) % data_top;
            free_items(data[i]);
            data[i] = NULL;
        }
        if (chance(25, &r) && data_top > 0) {
            size_t i = wl_rand(&r) % data_top;
            size_t t = wl_rand(&r) % TRANSFERS;
            data[i] = atomic_exchange(&g_transfer[t], data[i]);
        }
    }
    for (long i = 0; i < retain_top; i++) free_items(retained[i]);
    for (size_t i = 0; i < data_top; i++) free_items(data[i]);
    free(retained);
    free(data);
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "mstress", "[threads=1] [scale=50] [iterations=25]",
            "mimalloc test-stress style: objects migrate between threads through an atomic exchange array,\n"
            "threads exit with live objects and are re-created every iteration, contents are cookie-verified\n"
            "(a mismatch exits 1). --threads overrides threads. Reports wall time.",
            3, argc, argv);
    int n = wl_threads_arg(&o, 0);
    g_scale = wl_arg_long(&o, 1, "scale", 50, 0, 100000);
    long iters = wl_arg_long(&o, 2, "iterations", 25, 1, 1000000);
    wl_begin(&o, n);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    warg *w = calloc((size_t)n, sizeof *w);
    if (!t || !w) wl_fatal("out of memory");
    uint64_t r = 42;
    double t0 = wl_now();
    for (long it = 0; it < iters; it++) {
        for (int i = 0; i < n; i++) {
            w[i].idx = i;
            w[i].tid = it * n + i;
            if (pthread_create(&t[i], NULL, stress, &w[i]) != 0) wl_fatal("cannot create thread %d", i);
        }
        for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
        for (int i = 0; i < TRANSFERS; i++)
            if (chance(50, &r) || it + 1 == iters) free_items(atomic_exchange(&g_transfer[i], NULL));
    }
    double el = wl_now() - t0;
    wl_result(&o, "time", el, "s", "lower", "iterations=%ld scale=%ld verified_frees=%ld", iters, g_scale,
              atomic_load(&g_verified));
    free(t);
    free(w);
    return 0;
}
