/* fragprobe: fragmentation probe (peer-baselines.md section 4).
 *
 *   fragprobe [MiB=1024] [mixed|small]
 *
 * Phase A: allocate MiB of requested bytes: 95 % of the objects log-uniform
 *          16..4096 B, 5 % uniform 8..64 KiB; every byte written.
 * Phase F: free a random 90 % of the objects.
 * Phase B: allocate objects of a different mix until the live bytes are back
 *          at the phase-A level, every byte written:
 *          small: uniform 17..1016 B;
 *          mixed: 60 % 40, 88, ..., 472 B; 30 % uniform 4100..12000 B;
 *                 10 % uniform 68..260 KiB.
 * RSS (/proc/self/statm) and live bytes are reported after each phase. The
 * bookkeeping arrays are mmap'ed (MAP_NORESERVE) so they bypass malloc.
 * With --threads N each thread does the three phases on MiB/N, the threads
 * synchronised between phases. Seeds are fixed: runs are deterministic.
 * Result: RSS / live bytes after phase B (lower is better).
 */
#include "common/wl.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Per-thread bookkeeping. Invariant: ptr[i] != NULL iff object i of phase A
 * is live, and its size is size[i]; bptr[0..nb) are the phase-B objects. */
typedef struct {
    int idx;
    size_t target, cap;
    void **ptr;
    size_t *size;
    void **bptr;
    size_t na, nb, nfreed, live;
    uint64_t rng;
} tstate;

static int g_small;
static wl_barrier *g_bar;

static size_t size_a(uint64_t *r)
{
    if (wl_rand(r) % 100 < 95) {
        size_t s = (size_t)exp2(4.0 + 8.0 * wl_rand_unit(r));
        return s < 16 ? 16 : s > 4096 ? 4096 : s;
    }
    return 8192 + wl_rand(r) % (65536 - 8192 + 1);
}

static size_t size_b(uint64_t *r)
{
    if (g_small) return 17 + wl_rand(r) % 1000;
    uint64_t k = wl_rand(r) % 100;
    if (k < 60) return 40 + 48 * (wl_rand(r) % 10);
    if (k < 90) return 4100 + wl_rand(r) % (12000 - 4100 + 1);
    return 69632 + wl_rand(r) % (266240 - 69632 + 1);
}

static void *map_array(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) wl_fatal("mmap of %zu bytes for bookkeeping failed", bytes);
    return p;
}

static void *worker(void *arg)
{
    tstate *t = arg;
    wl_pin_thread(t->idx);
    /* Phase A */
    while (t->live < t->target) {
        if (t->na == t->cap) wl_fatal("too many objects");
        size_t s = size_a(&t->rng);
        char *p = malloc(s);
        if (!p) wl_fatal("malloc(%zu) failed", s);
        memset(p, (int)t->na, s);
        t->ptr[t->na] = p;
        t->size[t->na++] = s;
        t->live += s;
    }
    size_t peak = t->live;
    wl_barrier_wait(g_bar);
    wl_barrier_wait(g_bar); /* main reports */
    /* Phase F */
    for (size_t i = 0; i < t->na; i++) {
        if (wl_rand(&t->rng) % 10 != 0) {
            free(t->ptr[i]);
            t->ptr[i] = NULL;
            t->live -= t->size[i];
            t->nfreed++;
        }
    }
    wl_barrier_wait(g_bar);
    wl_barrier_wait(g_bar);
    /* Phase B */
    while (t->live < peak) {
        if (t->nb == t->cap) wl_fatal("too many objects");
        size_t s = size_b(&t->rng);
        char *p = malloc(s);
        if (!p) wl_fatal("malloc(%zu) failed", s);
        memset(p, (int)t->nb, s);
        t->bptr[t->nb++] = p;
        t->live += s;
    }
    wl_barrier_wait(g_bar);
    wl_barrier_wait(g_bar); /* main reads the final state, then we free */
    for (size_t i = 0; i < t->na; i++) free(t->ptr[i]);
    for (size_t i = 0; i < t->nb; i++) free(t->bptr[i]);
    return NULL;
}

static size_t total_live(tstate *ts, int n)
{
    size_t l = 0;
    for (int i = 0; i < n; i++) l += ts[i].live;
    return l;
}

#define MIB (1024.0 * 1024.0)

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "fragprobe", "[MiB=1024] [mixed|small]",
            "Fragmentation probe: fill MiB with a mix of sizes, free a random 90 %, refill with a different\n"
            "mix (small: 17..1016 B; mixed: 40..472 B, 4..12 KiB, 68..260 KiB). Reports RSS/live after each\n"
            "phase; the result value is RSS/live at the end. --threads N splits the work over N threads.",
            2, argc, argv);
    long mib = wl_arg_long(&o, 0, "MiB", 1024, 1, 1 << 20);
    if (o.npos > 1) {
        if (!strcmp(o.pos[1], "small")) g_small = 1;
        else if (strcmp(o.pos[1], "mixed")) wl_usage_error("mode must be mixed or small, got '%s'", o.pos[1]);
    }
    o.name = g_small ? "fragprobe-small" : "fragprobe-mixed";
    int n = o.threads;
    wl_begin(&o, n);
    size_t target = (size_t)mib << 20;
    tstate *ts = map_array((size_t)n * sizeof *ts);
    pthread_t *th = map_array((size_t)n * sizeof *th);
    for (int i = 0; i < n; i++) {
        ts[i].idx = i;
        ts[i].target = target / (size_t)n;
        ts[i].cap = ts[i].target / 16 + 1024;
        ts[i].ptr = map_array(ts[i].cap * sizeof(void *));
        ts[i].size = map_array(ts[i].cap * sizeof(size_t));
        ts[i].bptr = map_array(ts[i].cap * sizeof(void *));
        ts[i].rng = 0x9E3779B97F4A7C15ULL + (uint64_t)i * 0xD1B54A32D192ED03ULL;
    }
    g_bar = wl_barrier_new(n + 1);
    size_t rss0 = wl_rss_bytes();
    double t0 = wl_now();
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, worker, &ts[i]) != 0) wl_fatal("cannot create thread %d", i);
    wl_barrier_wait(g_bar);
    size_t rss_a = wl_rss_bytes(), live_a = total_live(ts, n);
    double ta = wl_now() - t0;
    fprintf(stderr, "A:alloc   live=%8.1f MiB rss=%8.1f MiB rss/live=%6.3f t=%.2fs\n", live_a / MIB, rss_a / MIB,
            (double)rss_a / (double)live_a, ta);
    wl_barrier_wait(g_bar);
    wl_barrier_wait(g_bar);
    size_t rss_f = wl_rss_bytes(), live_f = total_live(ts, n);
    fprintf(stderr, "F:free90  live=%8.1f MiB rss=%8.1f MiB rss/live=%6.3f\n", live_f / MIB, rss_f / MIB,
            (double)rss_f / (double)live_f);
    wl_barrier_wait(g_bar);
    wl_barrier_wait(g_bar);
    size_t rss_b = wl_rss_bytes(), live_b = total_live(ts, n);
    double tb = wl_now() - t0;
    fprintf(stderr, "B:refill  live=%8.1f MiB rss=%8.1f MiB rss/live=%6.3f\n", live_b / MIB, rss_b / MIB,
            (double)rss_b / (double)live_b);
    size_t na = 0, nf = 0, nb = 0;
    for (int i = 0; i < n; i++) { na += ts[i].na; nf += ts[i].nfreed; nb += ts[i].nb; }
    double ratio = (double)rss_b / (double)live_b;
    wl_alloc_stats st;
    wl_alloc_stats_get(&st); /* while everything is still live */
    wl_result(&o, "rss_per_live", ratio, "ratio", "lower",
              "mode=%s rss_base=%zu rss_a=%zu live_a=%zu rss_f=%zu live_f=%zu rss_b=%zu live_b=%zu "
              "ratio_a=%.4f ratio_f=%.4f ratio_final=%.4f objects_a=%zu freed=%zu objects_b=%zu "
              "stats_allocated_b=%lld stats_resident_b=%lld time_s=%.3f",
              g_small ? "small" : "mixed", rss0, rss_a, live_a, rss_f, live_f, rss_b, live_b,
              (double)rss_a / (double)live_a, (double)rss_f / (double)live_f, ratio, na, nf, nb, st.allocated,
              st.resident, tb);
    wl_barrier_wait(g_bar);
    for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
    return 0;
}
