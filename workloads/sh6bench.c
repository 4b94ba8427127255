/* sh6bench: an analogue of MicroQuill's sh6bench as run in Evans' BSDCan
 * 2006 jemalloc paper, written from the paper's description only: the
 * benchmark "repeatedly allocates groups of equal-size objects, retaining
 * some portion of them and freeing the rest, in various orders", with more
 * objects per group for small sizes; the paper's copy called memset() after
 * every malloc() and ran 2500 iterations with object sizes 1 to 1000. The
 * program below is our own design following that description.
 *
 *   sh6bench [iterations=2500] [min_size=1] [max_size=1000] [seed=1]
 *
 * Iteration i:
 *   1. draws a size s uniformly in [min_size, max_size] (xorshift64* seeded
 *      from seed) and a group count n(s) = clamp(GROUP_K / s, GROUP_MIN,
 *      GROUP_MAX): many objects when s is small, few when it is large;
 *   2. allocates the n objects of s bytes, each memset() to its own pattern
 *      byte right after malloc();
 *   3. draws an order (LIFO, FIFO, random, interleaved) and a retained share
 *      of 0..RETAIN_MAX_PCT %; frees the rest of the group in that order and
 *      moves the retained objects into a pool, a FIFO ring bounded by
 *      POOL_BYTES requested bytes and POOL_CAP objects: the oldest pool
 *      entries are freed to make room. With probability 1/PURGE_ONE_IN an
 *      iteration first frees the oldest half of the pool, so the live set
 *      rises and falls (a saw-tooth) instead of sitting at the bound.
 * At the end the pool is freed, oldest first. Every block's pattern is
 * checked (every byte) just before it is freed; a mismatch is fatal (exit
 * 1). The checksum is the sum of all bytes verified (size x pattern once
 * each byte has been compared): it depends only on the arguments, not on
 * the allocator.
 *
 * The benchmark is single-threaded. With --threads N (the harness always
 * passes it), N independent copies run at once, copy t with seed + t, copy
 * 0 on the main thread; N = 1 is the paper's program.
 *
 * Result: metric time (seconds, wall clock from the first malloc to the last
 * free of all copies), extras peak_live (requested bytes live at the peak;
 * with N copies the sum of their peaks), mallocs, checksum.
 *
 * With ALLOCBENCH_ADDRMAP=<dir> every malloc and free (address, size) is
 * recorded in an mmap'ed buffer (common/wl_addrmap.h) and <dir>/addrmap.f32
 * + <dir>/addrmap.txt are written at exit, in the format of redis-replay's
 * replay-addrmap files (scripts/fig9.gp draws them). With several copies
 * their events go into one map under a mutex (a free is recorded before
 * free() returns the block, an allocation after malloc() returned it, so
 * the records follow the heap's real order). Recording costs time: runs
 * with the map are not timing runs.
 *
 * Bookkeeping (group array, order array, pool ring) is mmap'ed, so the heap
 * holds only the benchmark's objects.
 */
#include "common/wl.h"
#include "common/wl_addrmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define GROUP_K (1L << 20)      /* n(s) = GROUP_K / s, clamped: */
#define GROUP_MIN 64L
#define GROUP_MAX 32768L
#define RETAIN_MAX_PCT 40
#define POOL_BYTES (8UL << 20)
#define POOL_CAP (1UL << 18)
#define PURGE_ONE_IN 32

enum { ORD_LIFO, ORD_FIFO, ORD_RANDOM, ORD_INTERLEAVED, ORD_N };

/* A live block. Invariant: p holds size bytes, every one equal to pat. */
typedef struct blk {
    unsigned char *p;
    uint32_t size;
    uint32_t pat;
} blk;

/* One copy of the benchmark. Invariants: the pool ring holds len entries
 * ring[(head + k) % POOL_CAP], k in [0, len), oldest first, len <= POOL_CAP;
 * pool_bytes == the sum of their sizes, <= POOL_BYTES after every
 * insertion; live == the requested bytes of this copy's live blocks, and
 * peak_live >= live; mallocs - frees == the number of live blocks. The
 * arrays are mmap'ed. */
typedef struct sh6 {
    int idx;
    uint64_t rng;
    blk *group;
    uint32_t *ord;
    blk *ring;
    size_t head, len, pool_bytes;
    size_t live, peak_live;
    uint64_t mallocs, frees, verified, checksum;
    uint64_t orders[ORD_N];
    uint32_t serial;
} sh6;

static long g_iters, g_smin, g_smax;
static wl_barrier *g_start;
static wl_addrmap g_map;   /* recorded only when g_map_on, under g_map_mu */
static int g_map_on;
static pthread_mutex_t g_map_mu = PTHREAD_MUTEX_INITIALIZER;

static void *map_array(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) wl_fatal("mmap of %zu bytes for bookkeeping failed", bytes);
    return p;
}

static blk new_block(sh6 *c, size_t size)
{
    blk b;
    b.p = malloc(size);
    if (!b.p) wl_fatal("malloc(%zu) failed", size);
    b.size = (uint32_t)size;
    b.pat = (c->serial++ * 0x9Du + 0x35u) & 0xFFu;
    memset(b.p, (int)b.pat, size);
    c->mallocs++;
    c->live += size;
    if (c->live > c->peak_live) c->peak_live = c->live;
    if (g_map_on) {
        pthread_mutex_lock(&g_map_mu);
        wl_addrmap_alloc(&g_map, (uint64_t)(uintptr_t)b.p, size);
        pthread_mutex_unlock(&g_map_mu);
    }
    return b;
}

/* Check every byte of b against its pattern, count them in the checksum,
 * free b. */
static void free_block(sh6 *c, blk b)
{
    const uint64_t want = 0x0101010101010101ULL * b.pat;
    uint64_t diff = 0;
    size_t i = 0, n = b.size;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b.p + i, 8);
        diff |= w ^ want;
    }
    for (; i < n; i++) diff |= (uint64_t)(b.p[i] ^ b.pat);
    if (diff) {
        for (i = 0; i < n && b.p[i] == b.pat; i++) {}
        wl_fatal("block %p of %u bytes lost its pattern 0x%02x at byte %zu (found 0x%02x)", (void *)b.p, b.size,
                 b.pat, i, b.p[i]);
    }
    c->checksum += (uint64_t)n * b.pat; /* the sum of the bytes just verified */
    c->verified++;
    if (g_map_on) {
        pthread_mutex_lock(&g_map_mu);
        wl_addrmap_free(&g_map, (uint64_t)(uintptr_t)b.p, b.size);
        pthread_mutex_unlock(&g_map_mu);
    }
    free(b.p);
    c->frees++;
    c->live -= b.size;
}

static void pool_drop_oldest(sh6 *c)
{
    blk b = c->ring[c->head];
    c->head = (c->head + 1) % POOL_CAP;
    c->len--;
    c->pool_bytes -= b.size;
    free_block(c, b);
}

static void pool_push(sh6 *c, blk b)
{
    if (b.size > POOL_BYTES) { free_block(c, b); return; }
    while (c->len == POOL_CAP || c->pool_bytes + b.size > POOL_BYTES) pool_drop_oldest(c);
    c->ring[(c->head + c->len) % POOL_CAP] = b;
    c->len++;
    c->pool_bytes += b.size;
}

static long group_count(long s)
{
    long n = GROUP_K / s;
    return n < GROUP_MIN ? GROUP_MIN : n > GROUP_MAX ? GROUP_MAX : n;
}

static void run_copy(sh6 *c)
{
    for (long it = 0; it < g_iters; it++) {
        long s = g_smin + (long)(wl_rand(&c->rng) % (uint64_t)(g_smax - g_smin + 1));
        long n = group_count(s);
        int order = (int)(wl_rand(&c->rng) % ORD_N);
        long keep = n * (long)(wl_rand(&c->rng) % (RETAIN_MAX_PCT + 1)) / 100;
        if (wl_rand(&c->rng) % PURGE_ONE_IN == 0)
            for (size_t half = c->len / 2; half; half--) pool_drop_oldest(c);
        for (long k = 0; k < n; k++) c->group[k] = new_block(c, (size_t)s);
        /* ord[0..n): the free order; its last keep entries are retained. */
        uint32_t *ord = c->ord;
        switch (order) {
        case ORD_LIFO:
            for (long k = 0; k < n; k++) ord[k] = (uint32_t)(n - 1 - k);
            break;
        case ORD_FIFO:
            for (long k = 0; k < n; k++) ord[k] = (uint32_t)k;
            break;
        case ORD_RANDOM:
            for (long k = 0; k < n; k++) ord[k] = (uint32_t)k;
            for (long k = n - 1; k > 0; k--) {
                long j = (long)(wl_rand(&c->rng) % (uint64_t)(k + 1));
                uint32_t t = ord[k]; ord[k] = ord[j]; ord[j] = t;
            }
            break;
        default: { /* interleaved: odd indexes ascending, then even ones descending */
            long k = 0;
            for (long j = 1; j < n; j += 2) ord[k++] = (uint32_t)j;
            for (long j = (n - 1) & ~1L; j >= 0; j -= 2) ord[k++] = (uint32_t)j;
            break;
        }
        }
        c->orders[order]++;
        for (long k = 0; k < n - keep; k++) free_block(c, c->group[ord[k]]);
        for (long k = n - keep; k < n; k++) pool_push(c, c->group[ord[k]]);
    }
    while (c->len) pool_drop_oldest(c);
}

static void *copy_thread(void *arg)
{
    sh6 *c = arg;
    wl_pin_thread(c->idx);
    wl_barrier_wait(g_start);
    run_copy(c);
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "sh6bench", "[iterations=2500] [min_size=1] [max_size=1000] [seed=1]",
            "sh6bench analogue (BSDCan 2006): each iteration allocates a group of equal-size objects (more for\n"
            "small sizes), memsets each, frees part of the group in LIFO, FIFO, random or interleaved order and\n"
            "keeps the rest in a bounded pool whose oldest objects are freed later. Every block is verified\n"
            "before its free. Reports the run time. --threads N runs N independent copies (seeds seed..seed+N-1).\n"
            "ALLOCBENCH_ADDRMAP=<dir> writes the address x time map <dir>/addrmap.{f32,txt}.",
            4, argc, argv);
    g_iters = wl_arg_long(&o, 0, "iterations", 2500, 1, 1000000000L);
    g_smin = wl_arg_long(&o, 1, "min_size", 1, 1, 1L << 20);
    g_smax = wl_arg_long(&o, 2, "max_size", 1000, 1, 1L << 20);
    long seed = wl_arg_long(&o, 3, "seed", 1, 0, 0x7fffffffffffffffL - 1024);
    if (g_smin > g_smax) wl_usage_error("min_size %ld is larger than max_size %ld", g_smin, g_smax);
    int n = o.threads;

    const char *mapdir = getenv("ALLOCBENCH_ADDRMAP");
    if (mapdir && *mapdir) {
        if (mkdir(mapdir, 0777) < 0 && errno != EEXIST)
            wl_fatal("ALLOCBENCH_ADDRMAP: cannot create %s: %s", mapdir, strerror(errno));
        if (wl_addrmap_init(&g_map, 1 << 20) < 0) wl_fatal("out of memory (address map)");
        g_map_on = 1;
    }

    sh6 *cs = map_array((size_t)n * sizeof *cs);
    pthread_t *th = map_array((size_t)n * sizeof *th);
    for (int t = 0; t < n; t++) {
        sh6 *c = &cs[t];
        c->idx = t;
        /* splitmix64 of seed + t: a non-zero xorshift state for every seed */
        uint64_t z = (uint64_t)(seed + t) + 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        c->rng = z ? z : 1;
        c->group = map_array((size_t)GROUP_MAX * sizeof *c->group);
        c->ord = map_array((size_t)GROUP_MAX * sizeof *c->ord);
        c->ring = map_array(POOL_CAP * sizeof *c->ring);
    }

    wl_begin(&o, n);
    g_start = wl_barrier_new(n);
    for (int t = 1; t < n; t++)
        if (pthread_create(&th[t], NULL, copy_thread, &cs[t]) != 0) wl_fatal("cannot create thread %d", t);
    wl_pin_thread(0);
    wl_barrier_wait(g_start);
    double t0 = wl_now();
    run_copy(&cs[0]);
    for (int t = 1; t < n; t++) pthread_join(th[t], NULL);
    double el = wl_now() - t0;

    uint64_t mallocs = 0, verified = 0, checksum = 0, orders[ORD_N] = {0};
    size_t peak = 0;
    for (int t = 0; t < n; t++) {
        const sh6 *c = &cs[t];
        if (c->live != 0 || c->mallocs != c->frees) wl_fatal("internal error: copy %d ends with %zu bytes live", t, c->live);
        mallocs += c->mallocs;
        verified += c->verified;
        checksum += c->checksum;
        peak += c->peak_live;
        for (int k = 0; k < ORD_N; k++) orders[k] += c->orders[k];
    }
    wl_result(&o, "time", el, "s", "lower",
              "iterations=%ld min_size=%ld max_size=%ld seed=%ld mallocs=%llu peak_live=%zu verified=%llu "
              "checksum=%llu lifo=%llu fifo=%llu random=%llu interleaved=%llu addrmap=%d",
              g_iters, g_smin, g_smax, seed, (unsigned long long)mallocs, peak, (unsigned long long)verified,
              (unsigned long long)checksum, (unsigned long long)orders[ORD_LIFO],
              (unsigned long long)orders[ORD_FIFO], (unsigned long long)orders[ORD_RANDOM],
              (unsigned long long)orders[ORD_INTERLEAVED], g_map_on);
    wl_barrier_free(g_start);
    if (g_map_on) {
        char err[4200];
        if (wl_addrmap_write(&g_map, mapdir, "addrmap", err, sizeof err) < 0) wl_fatal("%s", err);
        fprintf(stderr, "sh6bench: address map of %zu events written to %s/addrmap.f32 and addrmap.txt\n",
                g_map.events, mapdir);
        wl_addrmap_free_all(&g_map);
    }
    return 0;
}
