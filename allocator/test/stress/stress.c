/*
 * stress.c: multi-thread stress test of malloc(3) with content checks.
 *
 *   stress THREADS ROUNDS SCALE SEED [SECONDS]
 *
 * ROUNDS times, THREADS threads are created, run SCALE * 1000 operations
 * each, and are joined; the next round creates new threads. Each thread
 * works on a set of SLOTS_PER_THREAD block slots, which outlive it: the
 * thread of the next round with the next index takes them over, so most
 * blocks are freed by a thread other than the one that allocated them,
 * often after that thread has exited. A shared array of hand-off slots
 * (atomic exchange) passes blocks between the threads of a round and on to
 * later rounds. With SECONDS, no round starts after SECONDS have passed
 * (ROUNDS is then a maximum).
 *
 * Operations: malloc, calloc (every byte checked zero before use), realloc
 * (grow and shrink, the kept prefix checked), aligned_alloc and
 * posix_memalign (alignment checked), free (errno checked unchanged),
 * hand-offs, and now and then a burst (64..1024 blocks of one small size
 * allocated, checked and freed together, so that a size class spans several
 * slabs and some are emptied while others stay). Sizes: mostly 1..1024
 * bytes, a share 800 B..25.6 KiB around the small/large boundary
 * (14336/14337, 16 KiB), a share 16 KiB..1 MiB, and rarely 1..3 MiB, across
 * the 2 MiB huge limit. Large blocks are calloc'd half the time: only calloc
 * sees whether the allocator knows which free pages still hold old data.
 *
 * Every block holds a pattern over its whole size, a stream of 64-bit words:
 * word 0 = size ^ COOKIE, word 1 = the block's random id, word k >= 2 a
 * function of (id, k); a block shorter than 16 bytes holds the stream's
 * first bytes. A thread's slots record each block's size and id; a block
 * taken from the hand-off array is known by its header alone. The pattern is
 * checked in full before every free and realloc and whenever a block is
 * taken from the hand-off array. A block the allocator handed out twice, or
 * memory it wrote into while a block was live, shows as a pattern mismatch.
 *
 * Every random choice of an operation comes from four draws of the thread's
 * generator, seeded from (SEED, round, thread index): the sequence of
 * operations a thread attempts is the same from run to run; what it finds
 * in the shared hand-off array depends on the scheduling.
 *
 * Between rounds the main thread takes some blocks out of the hand-off
 * array and frees them, and now and then calls malloc_trim(0) and, if the
 * allocator has mallctl, "thread.tcache.flush" and "arena.<all>.purge".
 * At the end every block is checked and freed.
 *
 * STRESS_EXPECT=tide|tide-debug makes the test fail unless mallctl says it
 * runs on tide (version "...-tide"), and with tide-debug on its debug build
 * (config.debug): a preload that did not take would otherwise test glibc.
 *
 * Output: "PASS stress: ..." and exit 0, or one "FAIL stress: ..." line and
 * exit 1 (usage errors: exit 2).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COOKIE 0x7374726573734b21ULL /* "stressK!" */
#define GOLD 0x9e3779b97f4a7c15ULL

#define MAX_THREADS 256
#define SLOTS_PER_THREAD 256
#define HANDOFF_PER_THREAD 64
#define MAX_SIZE ((size_t)4 << 20) /* sizes stay within 3 MiB; larger is no header */
#define MALLCTL_ALL 4096 /* MALLCTL_ARENAS_ALL */

/* Word access to block memory of any type. */
typedef uint64_t __attribute__((may_alias)) word_t;

struct blk {
    unsigned char *p; /* NULL: empty slot */
    size_t size;
    uint64_t id;
};

struct worker {
    pthread_t tid;
    int index, round;
    uint64_t rng;
    struct blk *slots;
    unsigned long checked;
};

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static int g_threads, g_rounds;
static unsigned long g_ops;
static uint64_t g_seed;
static struct blk *g_slots[MAX_THREADS];
static _Atomic(uintptr_t) *g_handoff;
static size_t g_nhandoff;
static atomic_ulong g_checked;
static mallctl_fn g_mallctl;
/* Where a failure happened: worker index (-1: the main thread) and round. */
static _Thread_local int tl_thread = -1, tl_round;

/* ---- failure reports ---------------------------------------------------- */

static _Noreturn void die(void) {
    fflush(stdout);
    _exit(1);
}

static _Noreturn void fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void fail_msg(const char *fmt, ...) {
    static atomic_int once;
    if (atomic_exchange(&once, 1)) {
        for (;;) pause(); /* another thread is reporting; it exits */
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL stress: ", stdout);
    vprintf(fmt, ap);
    if (tl_thread < 0) printf(" [main thread, round %d]\n", tl_round);
    else printf(" [thread %d, round %d]\n", tl_thread, tl_round);
    va_end(ap);
    die();
}

/* ---- random numbers ------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += GOLD);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- the pattern -------------------------------------------------------- */

static inline uint64_t pat_word(size_t size, uint64_t id, size_t k) {
    if (k == 0) return (uint64_t)size ^ COOKIE;
    if (k == 1) return id;
    uint64_t x = (id ^ (uint64_t)k) * GOLD;
    return x ^ (x >> 29);
}

static inline unsigned char pat_byte(size_t size, uint64_t id, size_t i) {
    return (unsigned char)(pat_word(size, id, i >> 3) >> ((i & 7) * 8));
}

/* Write the stream of (size, id) over bytes [from, to) of p (p 8-aligned). */
static void pat_fill(unsigned char *p, size_t from, size_t to, size_t size, uint64_t id) {
    size_t i = from;
    for (; i < to && (i & 7); i++) p[i] = pat_byte(size, id, i);
    for (; i + 8 <= to; i += 8) *(word_t *)(p + i) = pat_word(size, id, i >> 3);
    for (; i < to; i++) p[i] = pat_byte(size, id, i);
}

/* First offset in [from, to) where p differs from the stream, or SIZE_MAX. */
static size_t pat_find(const unsigned char *p, size_t from, size_t to, size_t size, uint64_t id) {
    size_t i = from;
    for (; i < to && (i & 7); i++)
        if (p[i] != pat_byte(size, id, i)) return i;
    for (; i + 8 <= to; i += 8)
        if (*(const word_t *)(p + i) != pat_word(size, id, i >> 3)) break;
    for (; i < to; i++)
        if (p[i] != pat_byte(size, id, i)) return i;
    return SIZE_MAX;
}

static _Noreturn void pat_fail(const unsigned char *p, size_t off, size_t size, uint64_t id, const char *when) {
    fail_msg("pattern overwritten (block handed out twice?) at %p offset %zu: block %p size %zu id %016" PRIx64
             ", expected 0x%02x, found 0x%02x (%s)",
             (const void *)(p + off), off, (const void *)p, size, id, pat_byte(size, id, off), p[off], when);
}

/* Check the whole block against its record. */
static void pat_check(const struct blk *b, const char *when, unsigned long *checked) {
    size_t off = pat_find(b->p, 0, b->size, b->size, b->id);
    if (off != SIZE_MAX) pat_fail(b->p, off, b->size, b->id, when);
    (*checked)++;
}

/* A block from the hand-off array: its record comes from its header. */
static struct blk pat_adopt(unsigned char *p, const char *when, unsigned long *checked) {
    struct blk b = { p, (size_t)(*(word_t *)p ^ COOKIE), 0 };
    if (b.size < 16 || b.size > MAX_SIZE)
        fail_msg("pattern overwritten (block handed out twice?) at %p offset 0: header word 0x%016" PRIx64
                 " is no size (%s)",
                 (void *)p, *(word_t *)p, when);
    b.id = *(word_t *)(p + 8);
    pat_check(&b, when, checked);
    return b;
}

/* ---- sizes --------------------------------------------------------------- */

static const size_t edge_sizes[] = {
    800,   1024,  1025,  4096,  8192,  12288, 14335, 14336, 14337,
    14338, 16383, 16384, 16385, 20479, 20480, 24576, 25600,
};

static size_t pick_size(uint64_t r) {
    unsigned u = (unsigned)(r % 1000);
    r /= 1000;
    if (u < 700) { /* small, half of them up to 128 bytes */
        return (r & 1) ? 1 + (size_t)((r >> 1) % 128) : 1 + (size_t)((r >> 1) % 1024);
    }
    if (u < 880) { /* around the small/large boundary */
        if (r % 3 == 0) return edge_sizes[(r / 3) % (sizeof edge_sizes / sizeof edge_sizes[0])];
        return 800 + (size_t)((r / 3) % (25600 - 800 + 1));
    }
    if (u < 990) { /* large: 16 KiB..1 MiB, log-uniform, half of them whole pages */
        unsigned e = 14 + (unsigned)(r % 6);
        size_t s = ((size_t)1 << e) + (size_t)((r / 6) % ((size_t)1 << e));
        if ((r / 6) & ((size_t)1 << 40)) s &= ~(size_t)4095;
        return s;
    }
    /* huge limit at 2 MiB: 1..3 MiB, a third of them right around it */
    if (r % 3 == 0) {
        static const size_t near2m[] = { (2u << 20) - 4096, (2u << 20) - 1, 2u << 20, (2u << 20) + 1,
                                         (2u << 20) + 4096 };
        return near2m[(r / 3) % 5];
    }
    return ((size_t)1 << 20) + (size_t)((r / 3) % ((size_t)2 << 20));
}

/* ---- allocation with checks ---------------------------------------------- */

static void check_usable(const void *p, size_t n, const char *fn) {
    size_t u = malloc_usable_size((void *)p);
    if (u < n) fail_msg("%s(%zu) returned %p with malloc_usable_size %zu", fn, n, p, u);
}

/* Allocate a block of size n with the function `kind` (0..99) selects and
 * give it its pattern; r supplies the alignment. Small sizes: malloc 55 %,
 * calloc 25 %, aligned_alloc 10 %, posix_memalign 10 %. Large sizes (above
 * 14336) are calloc'd half the time: a large run's zeroing (or its skipping
 * on pages known to be clean) is what only calloc can observe. */
static struct blk blk_alloc(size_t n, unsigned kind, uint64_t r, uint64_t id) {
    struct blk b = { NULL, n, id };
    const char *fn = "malloc";
    bool large = n > 14336;
    if (kind < (large ? 25u : 55u)) {
        b.p = malloc(n);
        if (!b.p) fail_msg("malloc(%zu) returned NULL", n);
    } else if (kind < (large ? 75u : 80u)) {
        fn = "calloc";
        size_t nm = n, sz = 1;
        if ((r & 3) == 0 && n % 16 == 0) nm = n / 16, sz = 16;
        b.p = calloc(nm, sz);
        if (!b.p) fail_msg("calloc(%zu, %zu) returned NULL", nm, sz);
        const unsigned char *p = b.p;
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            if (*(const word_t *)(p + i)) break;
        for (; i < n; i++)
            if (p[i])
                fail_msg("calloc returned non-zero memory at %p offset %zu: block %p size %zu, byte 0x%02x",
                         (const void *)(p + i), i, (const void *)p, n, p[i]);
    } else {
        /* alignment 8..4096; posix_memalign also 8 KiB..64 KiB */
        unsigned lg = 3 + (unsigned)(r % 10);
        bool pm = kind >= (large ? 88u : 90u);
        if (pm && (r >> 8) % 8 == 0) lg = 13 + (unsigned)((r >> 12) % 4);
        size_t al = (size_t)1 << lg;
        if (pm) {
            fn = "posix_memalign";
            void *q = NULL;
            int e = posix_memalign(&q, al, n);
            if (e || !q) fail_msg("posix_memalign(%zu, %zu) failed: %d", al, n, e);
            b.p = q;
        } else {
            fn = "aligned_alloc";
            b.size = n = (n + al - 1) & ~(al - 1);
            b.p = aligned_alloc(al, n);
            if (!b.p) fail_msg("aligned_alloc(%zu, %zu) returned NULL", al, n);
        }
        if ((uintptr_t)b.p & (al - 1)) fail_msg("%s(%zu, %zu) returned %p, not aligned", fn, al, n, (void *)b.p);
    }
    if ((uintptr_t)b.p & 7) fail_msg("%s(%zu) returned %p, not 8-byte aligned", fn, n, (void *)b.p);
    check_usable(b.p, b.size, fn);
    pat_fill(b.p, 0, b.size, b.size, b.id);
    return b;
}

static void blk_free(struct blk *b, const char *when, unsigned long *checked, int e) {
    pat_check(b, when, checked);
    errno = e;
    free(b->p);
    if (errno != e) fail_msg("free(%p) (size %zu) changed errno from %d to %d", (void *)b->p, b->size, e, errno);
    b->p = NULL;
}

/* Realloc b to n bytes: the old block is checked, then the new block's kept
 * prefix; the new block gets its own pattern (same id). */
static void blk_realloc(struct blk *b, size_t n, const char *when, unsigned long *checked) {
    pat_check(b, when, checked);
    unsigned char *q = realloc(b->p, n);
    if (!q) fail_msg("realloc(%p, %zu) returned NULL", (void *)b->p, n);
    if ((uintptr_t)q & 7) fail_msg("realloc(%p, %zu) returned %p, not 8-byte aligned", (void *)b->p, n, (void *)q);
    check_usable(q, n, "realloc");
    size_t keep = n < b->size ? n : b->size;
    size_t off = pat_find(q, 0, keep, b->size, b->id);
    if (off != SIZE_MAX)
        fail_msg("pattern overwritten (block handed out twice?) at %p offset %zu: realloc(%p, %zu -> %zu) kept "
                 "0x%02x, expected 0x%02x (%s)",
                 (void *)(q + off), off, (void *)b->p, b->size, n, q[off], pat_byte(b->size, b->id, off), when);
    /* Word 0 holds the size; words from 1 on depend only on the id. */
    pat_fill(q, 0, n < 8 ? n : 8, n, b->id);
    if (n > b->size) pat_fill(q, b->size, n, n, b->id);
    b->p = q;
    b->size = n;
}

/* ---- mallctl ------------------------------------------------------------ */

static void *warm_main(void *arg) { return arg; }

/* The allocator's stats.allocated after an epoch (0 without mallctl). */
static size_t stats_allocated(void) {
    if (!g_mallctl) return 0;
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    g_mallctl("epoch", &epoch, &len, &epoch, len);
    size_t v = 0;
    len = sizeof v;
    if (g_mallctl("stats.allocated", &v, &len, NULL, 0) != 0) return 0;
    return v;
}

static void ctl_flush(void) {
    if (!g_mallctl) return;
    int e = g_mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    /* EFAULT: no thread cache (tcache:false), as in jemalloc. */
    if (e && e != EFAULT) fail_msg("mallctl(\"thread.tcache.flush\") returned %d", e);
}

static void ctl_purge(void) {
    if (!g_mallctl) return;
    char name[64];
    snprintf(name, sizeof name, "arena.%d.purge", MALLCTL_ALL);
    if (g_mallctl(name, NULL, NULL, NULL, 0) == 0) return;
    unsigned na = 0;
    size_t len = sizeof na;
    if (g_mallctl("arenas.narenas", &na, &len, NULL, 0) != 0) return;
    for (unsigned i = 0; i < na; i++) {
        snprintf(name, sizeof name, "arena.%u.purge", i);
        g_mallctl(name, NULL, NULL, NULL, 0);
    }
}

static void expect_allocator(const char *want) {
    if (!want || !*want) return;
    if (!g_mallctl) fail_msg("STRESS_EXPECT=%s but the allocator has no mallctl (preload missing?)", want);
    const char *v = NULL;
    size_t len = sizeof v;
    if (g_mallctl("version", &v, &len, NULL, 0) != 0 || !v || !strstr(v, "tide"))
        fail_msg("STRESS_EXPECT=%s but mallctl(\"version\") is %s", want, v ? v : "(none)");
    bool dbg = false;
    len = sizeof dbg;
    if (g_mallctl("config.debug", &dbg, &len, NULL, 0) != 0) fail_msg("mallctl(\"config.debug\") failed");
    bool want_dbg = strcmp(want, "tide-debug") == 0;
    if (dbg != want_dbg)
        fail_msg("STRESS_EXPECT=%s but config.debug is %s", want, dbg ? "true" : "false");
}

/* ---- the workers -------------------------------------------------------- */

/* A burst: 64..1024 blocks of one small size allocated together, checked
 * and freed together (in allocation order, in reverse, or every other one
 * first), as a program's batch would be: the size class then spans several
 * slabs, and slabs are emptied while others of the class stay in use. Its
 * random choices come from r alone. */
static void burst(uint64_t r, unsigned long *checked) {
    uint64_t s = r;
    size_t n = 1 + (size_t)(splitmix(&s) % 1024), count = 64 + (size_t)(splitmix(&s) % 961);
    unsigned order = (unsigned)(splitmix(&s) % 3);
    struct blk *bs = malloc(count * sizeof *bs);
    if (!bs) fail_msg("malloc(%zu) returned NULL", count * sizeof *bs);
    for (size_t i = 0; i < count; i++) {
        uint64_t a = splitmix(&s);
        bs[i] = blk_alloc(n, (unsigned)(a % 100), a >> 8, splitmix(&s));
    }
    for (size_t i = 0; i < count; i++) {
        size_t j = order == 0 ? i : order == 1 ? count - 1 - i : i < (count + 1) / 2 ? 2 * i : 2 * (i - (count + 1) / 2) + 1;
        blk_free(&bs[j], "burst free", checked, 1 + (int)(i % 4000));
    }
    free(bs);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    tl_thread = w->index;
    tl_round = w->round;
    unsigned long checked = 0;
    for (unsigned long op = 0; op < g_ops; op++) {
        /* Four draws per operation, whatever it turns out to do. */
        uint64_t r0 = splitmix(&w->rng), r1 = splitmix(&w->rng), r2 = splitmix(&w->rng),
                 r3 = splitmix(&w->rng);
        struct blk *b = &w->slots[r0 % SLOTS_PER_THREAD];
        unsigned what = (unsigned)((r0 >> 16) % 1000);
        size_t h = (size_t)((r0 >> 32) % g_nhandoff);
        int e = 1 + (int)(r3 % 4000); /* errno value for free */
        if (what < 2) {               /* rare: flush or trim concurrently with the others */
            if (what == 0) ctl_flush();
            else if (op % 4 == 1) malloc_trim(0);
            continue;
        }
        if (what < 5) {
            burst(r3, &checked);
            continue;
        }
        if (!b->p) {
            if (what < 150) { /* take a block out of the hand-off array */
                unsigned char *p = (unsigned char *)atomic_exchange(&g_handoff[h], (uintptr_t)0);
                if (p) {
                    struct blk got = pat_adopt(p, "hand-off take", &checked);
                    if (r2 & 1) blk_free(&got, "hand-off free", &checked, e);
                    else {
                        blk_realloc(&got, pick_size(r1), "hand-off realloc", &checked);
                        *b = got;
                    }
                    continue;
                }
            }
            *b = blk_alloc(pick_size(r1), (unsigned)(r2 % 100), r2 >> 8, r3);
            continue;
        }
        if (what < 450) {
            blk_free(b, "free", &checked, e);
        } else if (what < 750) {
            blk_realloc(b, pick_size(r1), "realloc", &checked);
        } else if (b->size < 16) { /* too short to carry a header: no hand-off */
            blk_free(b, "free", &checked, e);
        } else { /* hand off; a block found there is this thread's to finish */
            pat_check(b, "hand-off put", &checked);
            unsigned char *p = (unsigned char *)atomic_exchange(&g_handoff[h], (uintptr_t)b->p);
            b->p = NULL;
            if (p) {
                struct blk got = pat_adopt(p, "hand-off swap", &checked);
                if (r2 & 1) blk_free(&got, "hand-off free", &checked, e);
                else {
                    blk_realloc(&got, pick_size(r1), "hand-off realloc", &checked);
                    *b = got;
                }
            }
        }
    }
    atomic_fetch_add(&g_checked, checked);
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long parse(const char *s, const char *what, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "stress: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: stress THREADS ROUNDS SCALE SEED [SECONDS]\n");
        return 2;
    }
    g_threads = (int)parse(argv[1], "thread count", 1, MAX_THREADS);
    g_rounds = (int)parse(argv[2], "round count", 1, 100000000);
    g_ops = (unsigned long)parse(argv[3], "scale", 1, 1000000) * 1000;
    g_seed = (uint64_t)strtoull(argv[4], NULL, 0);
    double limit = argc == 6 ? (double)parse(argv[5], "seconds", 1, 1000000) : 0;
    setvbuf(stdout, NULL, _IOLBF, 0);

    g_mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    expect_allocator(getenv("STRESS_EXPECT"));
    /* glibc keeps the stacks of joined threads for reuse, each with its
     * thread's DTV (malloc'd, 320 bytes here): start and join as many
     * threads as a round runs before the baseline, so that the cache holds
     * them already. */
    pthread_t warm[MAX_THREADS];
    for (int t = 0; t < g_threads; t++)
        if (pthread_create(&warm[t], NULL, warm_main, NULL)) fail_msg("pthread_create failed");
    for (int t = 0; t < g_threads; t++) pthread_join(warm[t], NULL);
    size_t allocated0 = stats_allocated();

    /* The test's own bookkeeping comes from the allocator under test too. */
    for (int t = 0; t < g_threads; t++) {
        g_slots[t] = calloc(SLOTS_PER_THREAD, sizeof(struct blk));
        if (!g_slots[t]) fail_msg("calloc of the slot array failed");
    }
    g_nhandoff = (size_t)g_threads * HANDOFF_PER_THREAD;
    g_handoff = calloc(g_nhandoff, sizeof *g_handoff);
    struct worker *ws = calloc((size_t)g_threads, sizeof *ws);
    if (!g_handoff || !ws) fail_msg("calloc of the test's arrays failed");

    uint64_t mrng = g_seed ^ 0x6d61696eULL;
    unsigned long mchecked = 0;
    double t0 = now_s();
    int rounds = 0;
    for (int rd = 0; rd < g_rounds; rd++) {
        if (limit > 0 && rd > 0 && now_s() - t0 >= limit) break;
        for (int t = 0; t < g_threads; t++) {
            struct worker *w = &ws[t];
            w->index = t;
            w->round = rd;
            w->rng = g_seed * 0x100000001b3ULL + (uint64_t)rd * 0x10001ULL + (uint64_t)t;
            /* Thread t of this round takes the slots of thread t-1 of the last. */
            w->slots = g_slots[(t + rd) % g_threads];
            int e = pthread_create(&w->tid, NULL, worker_main, w);
            if (e) fail_msg("pthread_create failed: %s", strerror(e));
        }
        for (int t = 0; t < g_threads; t++) pthread_join(ws[t].tid, NULL);
        rounds++;
        tl_round = rd;
        /* The main thread finishes some of the hand-off array's blocks. */
        for (size_t i = 0; i < g_nhandoff / 8; i++) {
            uint64_t r = splitmix(&mrng);
            unsigned char *p = (unsigned char *)atomic_exchange(&g_handoff[r % g_nhandoff], (uintptr_t)0);
            if (!p) continue;
            struct blk b = pat_adopt(p, "main take", &mchecked);
            blk_free(&b, "main free", &mchecked, 1 + (int)(r >> 48) % 4000);
        }
        switch (rd % 4) {
        case 1: ctl_flush(); ctl_purge(); break;
        case 3: malloc_trim(0); break;
        default: break;
        }
    }

    /* Everything left: the slots of every thread index and the hand-off
     * array (reported as the main thread's, in round `rounds`). */
    tl_round = rounds;
    for (int t = 0; t < g_threads; t++) {
        for (int i = 0; i < SLOTS_PER_THREAD; i++)
            if (g_slots[t][i].p) blk_free(&g_slots[t][i], "final free", &mchecked, EINTR);
        free(g_slots[t]);
    }
    for (size_t i = 0; i < g_nhandoff; i++) {
        unsigned char *p = (unsigned char *)atomic_exchange(&g_handoff[i], (uintptr_t)0);
        if (!p) continue;
        struct blk b = pat_adopt(p, "final take", &mchecked);
        blk_free(&b, "final free", &mchecked, EAGAIN);
    }
    free(g_handoff);
    free(ws);
    malloc_trim(0);
    /* Every block is freed: the allocator's own count of live bytes is back
     * where it started (a lost free shows here, and only here). */
    size_t allocated1 = stats_allocated();
    if (allocated1 != allocated0)
        fail_msg("stats.allocated is %zu after everything was freed, %zu at the start (%+lld bytes)", allocated1,
                 allocated0, (long long)allocated1 - (long long)allocated0);
    printf("PASS stress: %d threads x %d rounds, %lu blocks checked (scale %lu, seed %" PRIu64 ", %.1f s)\n",
           g_threads, rounds, atomic_load(&g_checked) + mchecked, g_ops / 1000, g_seed, now_s() - t0);
    return 0;
}
