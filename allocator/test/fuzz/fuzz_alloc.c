/*
 * fuzz_alloc.c: an allocation-sequence fuzzer for tide, driven by libFuzzer.
 *
 * Each input is read as a sequence of operations on the allocator: the whole
 * malloc(3) family, the jemalloc API and maintenance calls (malloc_trim,
 * arena purges, tcache flushes, epoch, short sleeps so that time-based decay
 * fires), some run by a second thread. A shadow table of up to NSLOT live
 * blocks (pointer, requested and usable size, alignment, a per-block seed)
 * checks every answer: no overlap with another live block, alignment,
 * zeroed memory where it is promised, usable sizes (malloc_usable_size,
 * sallocx, nallocx), contents kept by realloc, rallocx and xallocx, and
 * each block's seeded pattern, verified whenever it is resized or freed.
 * A failed check prints one line saying what failed and aborts (libFuzzer
 * keeps the input as a crash artifact).
 *
 * Built with clang -fsanitize=fuzzer and no AddressSanitizer: the allocator
 * under test is tide, preloaded (LD_PRELOAD=allocator/libtide.so or
 * build/debug/libtide.so), and every entry point is called through
 * dlsym(RTLD_DEFAULT): the compiler cannot elide or merge the calls. The
 * fuzzer refuses to run when malloc is not tide's. It is linked with
 * libFuzzer alone (fuzz.mk): clang would add its UBSan runtime, whose
 * preinit_array function calls malloc before libc has set environ, and tide
 * would start without reading TIDE_CONF. The three sanitizer hooks
 * libFuzzer looks for are defined below.
 *
 * The inputs use the allocator correctly only: no double free, no foreign
 * pointers, no realloc to 0, sized frees with a size the block was asked
 * with or its usable size.
 *
 * Environment:
 *   FUZZ_ALLOC_SEEDS=DIR    write the seed corpus to DIR and exit (no tide needed)
 *   FUZZ_ALLOC_TRACE=1      print every operation to stderr (to read a crash input)
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "tide.h"   /* MALLOCX_* flags, MALLCTL_ARENAS_ALL; the functions are called through api */

#define NSLOT        256
#define PAGE         ((size_t)4096)
#define MIB          ((size_t)1 << 20)
#define LIVE_CAP     (64 * MIB)   /* live bytes the shadow allows; larger requests shrink */
#define FULL_MAX     ((size_t)256 << 10)   /* blocks up to this size: every byte patterned */
#define EDGE         ((size_t)4096)        /* larger ones: first and last EDGE bytes ... */
#define STRIDE       ((size_t)256)         /* ... and 8 bytes every STRIDE */
#define SLEEP_MAX_MS 10                    /* total sleep per input */
#define RESTART_MAX  2                     /* worker thread restarts per input */
#define FREED_RING   64                    /* recently freed ranges (coverage features) */

/* ---- the allocator, through dlsym ---------------------------------------- */

static struct {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    int (*malloc_trim)(size_t);
    void (*free_sized)(void *, size_t);
    void (*free_aligned_sized)(void *, size_t, size_t);
    void *(*mallocx)(size_t, int);
    void *(*rallocx)(void *, size_t, int);
    size_t (*xallocx)(void *, size_t, size_t, int);
    size_t (*sallocx)(const void *, int);
    void (*dallocx)(void *, int);
    void (*sdallocx)(void *, size_t, int);
    size_t (*nallocx)(size_t, int);
    int (*mallctl)(const char *, void *, size_t *, void *, size_t);
} api;

static void resolve(void *fp, size_t fpsize, const char *name) {
    void *s = dlsym(RTLD_DEFAULT, name);
    if (!s) {
        fprintf(stderr, "fuzz_alloc: %s not found: run with LD_PRELOAD=<tide's libtide.so>\n", name);
        exit(2);
    }
    memcpy(fp, &s, fpsize);
}
#define RESOLVE(f) resolve(&api.f, sizeof api.f, #f)

/* ---- failures ------------------------------------------------------------- */

static unsigned long cur_input;   /* inputs run so far in this process */
static unsigned cur_op;           /* operation index in the current input */
static const char *cur_name = "init";
static bool trace;

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "fuzz_alloc: CHECK FAILED (input %lu, op %u %s): %s\n", cur_input, cur_op, cur_name, msg);
    abort();
}

/* The hooks libFuzzer takes from a sanitizer runtime when there is one. */
int __sanitizer_acquire_crash_state(void);
void __sanitizer_print_stack_trace(void);
void __sanitizer_set_death_callback(void (*cb)(void));
int __sanitizer_acquire_crash_state(void) {
    static int taken;
    return !__atomic_exchange_n(&taken, 1, __ATOMIC_SEQ_CST);
}
void __sanitizer_print_stack_trace(void) {
    void *pc[64];
    backtrace_symbols_fd(pc, backtrace(pc, 64), 2);
}
void __sanitizer_set_death_callback(void (*cb)(void)) { (void)cb; }

/* ---- coverage features ---------------------------------------------------- *
 * The allocator is not instrumented; these counters tell libFuzzer what it
 * did with an input: which size bucket each operation got, realloc moving or
 * not, and a new block reusing memory a block of another kind just left
 * (large data under a slab, a slab's pages under a large calloc). */
#define FEAT_N 4096
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t feat[FEAT_N];
static void feature(unsigned i) {
    i %= FEAT_N;
    if (feat[i] < 255) feat[i]++;
}

/* ---- size classes --------------------------------------------------------- */

static size_t cls[128];
static unsigned ncls;
static unsigned narenas;

static size_t sz_max(size_t a, size_t b) { return a > b ? a : b; }
static size_t sz_min(size_t a, size_t b) { return a < b ? a : b; }
static size_t page_ceil(size_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }
/* malloc's alignment for n bytes: 16 (tide's smallest block is 16 bytes). */
static size_t min_align(size_t n) { (void)n; return 16; }

/* 0..ncls-1: small class; then large by pages (log2); then huge. */
static unsigned bucket(size_t usable) {
    if (ncls && usable <= cls[ncls - 1]) {
        unsigned lo = 0, hi = ncls - 1;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (cls[mid] < usable) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
    if (usable <= 2 * MIB) return ncls + (unsigned)(63 - __builtin_clzll(usable / PAGE));
    return ncls + 10;
}
static unsigned kind3(size_t usable) { return usable <= cls[ncls - 1] ? 0 : usable <= 2 * MIB ? 1 : 2; }

/* Sizes around every boundary: each class ± 1, the small/large edge, page,
 * kept-run and huge limits. */
static size_t bsizes[512];
static unsigned nbsizes;
static void bsize_add(size_t n) {
    if (n >= 1 && nbsizes < sizeof bsizes / sizeof bsizes[0]) bsizes[nbsizes++] = n;
}

/* ---- patterns ------------------------------------------------------------- *
 * Byte i of a block with seed s is byte i % 8 of pat_word(s, i / 8): every
 * byte non-zero, so old data can never pass for calloc's zeroes. Blocks up
 * to FULL_MAX are patterned whole; larger ones over their first and last
 * EDGE bytes and 8 bytes every STRIDE (every page holds some). */
/* The hot loops carry no coverage instrumentation: it would only slow them. */
#ifdef __clang__
#define HOT __attribute__((no_sanitize("coverage")))
#else
#define HOT __attribute__((no_sanitize_coverage))
#endif
static HOT uint64_t pat_word(uint32_t seed, size_t k) {
    uint64_t x = ((uint64_t)seed << 32 | seed) ^ (k * 0x9E3779B97F4A7C15ull);
    x ^= x >> 31;
    return x | 0x0101010101010101ull;
}
static HOT uint8_t pat_byte(uint32_t seed, size_t i) { return (uint8_t)(pat_word(seed, i >> 3) >> ((i & 7) * 8)); }

static HOT void fill_range(char *p, uint32_t seed, size_t lo, size_t hi) {
    size_t i = lo;
    for (; i < hi && (i & 7); i++) p[i] = (char)pat_byte(seed, i);
    for (; i + 8 <= hi; i += 8) {
        uint64_t w = pat_word(seed, i >> 3);
        memcpy(p + i, &w, 8);
    }
    for (; i < hi; i++) p[i] = (char)pat_byte(seed, i);
}
/* First offset in [lo, hi) not holding the pattern, or hi. */
static HOT size_t check_range(const char *p, uint32_t seed, size_t lo, size_t hi) {
    size_t i = lo;
    for (; i < hi && (i & 7); i++)
        if ((uint8_t)p[i] != pat_byte(seed, i)) return i;
    for (; i + 8 <= hi; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w != pat_word(seed, i >> 3)) break;
    }
    for (; i < hi; i++)
        if ((uint8_t)p[i] != pat_byte(seed, i)) return i;
    return hi;
}

/* The patterned bytes of an n-byte block, within [lo, hi): fill, or find the
 * first wrong one (returns hi when all hold). */
static HOT size_t pattern(char *p, uint32_t seed, size_t n, size_t lo, size_t hi, bool write) {
    hi = sz_min(hi, n);
#define SEG(a, b)                                                                \
    do {                                                                         \
        size_t a_ = sz_max((a), lo), b_ = sz_min((b), hi);                       \
        if (a_ < b_) {                                                           \
            if (write) fill_range(p, seed, a_, b_);                              \
            else {                                                               \
                size_t bad_ = check_range(p, seed, a_, b_);                      \
                if (bad_ < b_) return bad_;                                      \
            }                                                                    \
        }                                                                        \
    } while (0)
    if (n <= FULL_MAX) {
        SEG(0, n);
        return hi;
    }
    SEG(0, EDGE);
    for (size_t k = EDGE; k + 8 <= n - EDGE; k += STRIDE) SEG(k, k + 8);
    SEG(n - EDGE, n);
    return hi;
#undef SEG
}

/* First non-zero byte in [lo, hi), or hi. */
static HOT size_t first_nonzero(const char *p, size_t lo, size_t hi) {
    size_t i = lo;
    for (; i < hi && (i & 7); i++)
        if (p[i]) return i;
    for (; i + 64 <= hi; i += 64) {
        uint64_t w[8], o = 0;
        memcpy(w, p + i, 64);
        for (int k = 0; k < 8; k++) o |= w[k];
        if (o) break;
    }
    for (; i < hi; i++)
        if (p[i]) return i;
    return hi;
}

/* ---- the shadow table ----------------------------------------------------- */

/* How a block was asked for (which sized free fits it): malloc, calloc or
 * realloc; aligned_alloc; the other aligned calls; or any other (the
 * *allocx calls, or a size changed by xallocx or to the usable size). */
enum { K_PLAIN, K_AA, K_ALIGNED, K_X };
struct blk {
    char *p;
    size_t size;     /* bytes the program may use and that hold the pattern */
    size_t usable;   /* sallocx when it was checked */
    size_t align;    /* alignment it was asked with (or malloc's) */
    uint32_t seed;
    uint8_t kind;
    bool live;
};
static struct blk tab[NSLOT];
static size_t live_bytes;
static uint32_t seed_ctr;
static struct { uintptr_t lo, hi; unsigned k; } freed[FREED_RING];
static unsigned nfreed;

static void verify(const struct blk *b, size_t lo, size_t hi, const char *why) {
    size_t bad = pattern(b->p, b->seed, b->size, lo, hi, false);
    if (bad < sz_min(hi, b->size))
        fail("%s: block %p of %zu bytes (usable %zu, align %zu) holds 0x%02x at offset %zu, not its pattern 0x%02x",
             why, (void *)b->p, b->size, b->usable, b->align, (uint8_t)b->p[bad], bad, pat_byte(b->seed, bad));
}

static void check_usable(const char *what, void *p, size_t want) {
    size_t u = api.malloc_usable_size(p);
    if (u < want) fail("%s: malloc_usable_size(%p) = %zu < %zu requested", what, p, u, want);
    size_t s = api.sallocx(p, 0);
    if (s != u) fail("%s: sallocx(%p) = %zu but malloc_usable_size = %zu", what, p, s, u);
}

/* [p, p + usable) overlaps no live block but slot `self`. */
static HOT void check_overlap(const char *what, const char *p, size_t usable, int self) {
    for (int i = 0; i < NSLOT; i++) {
        const struct blk *b = &tab[i];
        if (!b->live || i == self) continue;
        if (p < b->p + b->usable && b->p < p + usable)
            fail("%s: [%p, +%zu) overlaps live block [%p, +%zu) (slot %d)", what, (const void *)p, usable,
                 (void *)b->p, b->usable, i);
    }
}

/* A new block of a kind that other recently freed memory had: a feature. */
static HOT void reuse_feature(unsigned op, const char *p, size_t usable) {
    unsigned k = kind3(usable);
    for (unsigned i = 0; i < nfreed && i < FREED_RING; i++)
        if ((uintptr_t)p < freed[i].hi && freed[i].lo < (uintptr_t)p + usable)
            feature(3072 + op * 9 + freed[i].k * 3 + k);
}

static void note_freed(const struct blk *b) {
    unsigned i = nfreed++ % FREED_RING;
    freed[i].lo = (uintptr_t)b->p;
    freed[i].hi = (uintptr_t)b->p + b->usable;
    freed[i].k = kind3(b->usable);
}

/* Check a fresh block and enter it in slot s. nal0/nal1: nallocx of the
 * request before and after the call (a class refined in between gives two
 * answers; the block must have one of them); 0: not checked. zero: bytes
 * [0, size) must read as zero. */
static void enter(unsigned op, int s, const char *what, void *vp, size_t size, size_t align, uint8_t kind,
                  size_t nal0, size_t nal1, bool zero) {
    char *p = vp;
    if (!p) fail("%s(%zu bytes, align %zu) returned NULL", what, size, align);
    if ((uintptr_t)p & (align - 1)) fail("%s(%zu bytes) returned %p, not %zu-aligned", what, size, vp, align);
    check_usable(what, p, size);
    size_t u = api.sallocx(p, 0);
    if (nal0 && u != nal0 && u != nal1)
        fail("%s(%zu bytes, align %zu): usable size %zu but nallocx said %zu", what, size, align, u, nal0);
    check_overlap(what, p, u, s);
    if (zero) {
        size_t nz = first_nonzero(p, 0, size);
        if (nz < size)
            fail("%s(%zu bytes) returned %p with byte %zu = 0x%02x, not zero (usable %zu)", what, size, vp, nz,
                 (uint8_t)p[nz], u);
    }
    feature(op * 96 + bucket(u));
    reuse_feature(op, p, u);
    if (trace) fprintf(stderr, "fuzz_alloc:   slot %d: %s(%zu) = %p, usable %zu\n", s, what, size, vp, u);
    struct blk *b = &tab[s];
    b->p = p;
    b->size = size;
    b->usable = u;
    b->align = align;
    b->seed = ++seed_ctr * 0x2545F491u;
    b->kind = kind;
    b->live = true;
    live_bytes += size;
    pattern(p, b->seed, size, 0, size, true);
}

static void leave(int s) {
    struct blk *b = &tab[s];
    if (trace) fprintf(stderr, "fuzz_alloc:   slot %d: freed %p (%zu bytes)\n", s, (void *)b->p, b->size);
    note_freed(b);
    live_bytes -= b->size;
    b->live = false;
}

/* ---- the input ------------------------------------------------------------ */

struct rd {
    const uint8_t *p;
    size_t n, i;
};
static unsigned u8(struct rd *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static unsigned u16(struct rd *r) { return u8(r) | u8(r) << 8; }
static unsigned u24(struct rd *r) { return u16(r) | u8(r) << 16; }

/* A request size: boundary sizes most often, else random up to 1 KiB,
 * 16 KiB, 64 KiB, and rarely up to 4 MiB; shrunk to keep live bytes
 * under LIVE_CAP. */
static size_t pick_size(struct rd *r) {
    unsigned sel = u8(r) & 15;
    size_t n;
    if (sel < 7) n = bsizes[u16(r) % nbsizes];
    else if (sel < 10) n = 1 + u16(r) % 1024;
    else if (sel < 13) n = 1 + u16(r) % 16384;
    else if (sel < 15) n = 1 + (size_t)u16(r);
    else n = 1 + (size_t)u24(r) % (4 * MIB);
    if (live_bytes + n > LIVE_CAP) n = 1 + n % 4096;
    return n;
}
/* A small size (a slab class's), for bursts. */
static size_t pick_small(struct rd *r) {
    unsigned sel = u8(r);
    if (sel & 1) return cls[(sel >> 1) % ncls] - ((sel >> 7) & 1 ? 1 : 0);
    return 1 + u16(r) % 14336;
}
/* Alignments 16 .. 64 KiB, and 2 MiB rarely. */
static size_t pick_align(struct rd *r) {
    unsigned k = u8(r) % 14;
    return k < 13 ? (size_t)16 << k : 2 * MIB;
}
/* A new size for a block of `old` bytes: anywhere, a little off, double or half. */
static size_t pick_resize(struct rd *r, size_t old) {
    unsigned sel = u8(r) & 7;
    size_t n;
    if (sel < 4) return pick_size(r);
    if (sel == 4) n = old + 1 + u8(r) % 64;
    else if (sel == 5) n = old > 64 ? old - 1 - u8(r) % 64 : 1 + old / 2;
    else if (sel == 6) n = old * 2;
    else n = old / 2;
    if (n == 0) n = 1;
    if (n > 4 * MIB) n = 4 * MIB;
    if (n > old && live_bytes + (n - old) > LIVE_CAP) n = old;
    return n;
}
/* A live slot at or after s, or -1. */
static int live_slot(unsigned s) {
    for (unsigned k = 0; k < NSLOT; k++)
        if (tab[(s + k) % NSLOT].live) return (int)((s + k) % NSLOT);
    return -1;
}

/* ---- the worker thread ---------------------------------------------------- *
 * One persistent thread runs the calls it is handed, one at a time, while
 * the main thread waits: blocks freed there are remote frees, blocks
 * allocated there are freed remotely by the main thread later, and the
 * order of everything stays the input's. */
enum { W_MALLOC, W_CALLOC, W_MEMALIGN, W_MALLOCX, W_FREE, W_SDALLOCX, W_REALLOC, W_RALLOCX, W_FLUSH, W_QUIT };
struct job {
    int op;
    void *p;
    size_t n, a;
    int flags;
    void *r;
    bool done;
};
static pthread_mutex_t w_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t w_cond = PTHREAD_COND_INITIALIZER;
static struct job *w_job;
static pthread_t w_thread;

static void w_run(struct job *j) {
    switch (j->op) {
    case W_MALLOC: j->r = api.malloc(j->n); break;
    case W_CALLOC: j->r = api.calloc(1, j->n); break;
    case W_MEMALIGN: j->r = api.memalign(j->a, j->n); break;
    case W_MALLOCX: j->r = api.mallocx(j->n, j->flags); break;
    case W_FREE: api.free(j->p); break;
    case W_SDALLOCX: api.sdallocx(j->p, j->n, j->flags); break;
    case W_REALLOC: j->r = api.realloc(j->p, j->n); break;
    case W_RALLOCX: j->r = api.rallocx(j->p, j->n, j->flags); break;
    case W_FLUSH: {
        int e = api.mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
        j->r = (void *)(intptr_t)e;
        break;
    }
    default: break;
    }
}

static void *w_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&w_lock);
    for (;;) {
        while (!w_job) pthread_cond_wait(&w_cond, &w_lock);
        struct job *j = w_job;
        pthread_mutex_unlock(&w_lock);
        if (j->op != W_QUIT) w_run(j);
        pthread_mutex_lock(&w_lock);
        j->done = true;
        w_job = NULL;
        pthread_cond_broadcast(&w_cond);
        if (j->op == W_QUIT) break;
    }
    pthread_mutex_unlock(&w_lock);
    return NULL;
}

static void *w_call(int op, void *p, size_t n, size_t a, int flags) {
    struct job j = {.op = op, .p = p, .n = n, .a = a, .flags = flags};
    pthread_mutex_lock(&w_lock);
    w_job = &j;
    pthread_cond_broadcast(&w_cond);
    while (!j.done) pthread_cond_wait(&w_cond, &w_lock);
    pthread_mutex_unlock(&w_lock);
    return j.r;
}

static void w_start(void) {
    if (pthread_create(&w_thread, NULL, w_main, NULL)) {
        fprintf(stderr, "fuzz_alloc: pthread_create failed\n");
        exit(2);
    }
}
/* The worker exits (its heap is parked, its blocks stay live) and a new one starts. */
static void w_restart(void) {
    w_call(W_QUIT, NULL, 0, 0, 0);
    pthread_join(w_thread, NULL);
    w_start();
}

/* ---- operations ----------------------------------------------------------- */

enum {
    OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE, OP_POSIX_MEMALIGN, OP_ALIGNED_ALLOC, OP_MEMALIGN, OP_VALLOC,
    OP_PVALLOC, OP_MALLOCX, OP_RALLOCX, OP_XALLOCX, OP_SALLOCX, OP_DALLOCX, OP_SDALLOCX, OP_NALLOCX,
    OP_USABLE, OP_BURST_ALLOC, OP_BURST_FREE, OP_W_ALLOC, OP_W_FREE, OP_W_REALLOC, OP_W_FLUSH, OP_W_RESTART,
    OP_TRIM, OP_PURGE, OP_DECAY, OP_FLUSH, OP_EPOCH, OP_SLEEP, NOPS
};
static const char *const op_names[NOPS] = {
    "malloc", "calloc", "realloc", "free", "posix_memalign", "aligned_alloc", "memalign", "valloc",
    "pvalloc", "mallocx", "rallocx", "xallocx", "sallocx", "dallocx", "sdallocx", "nallocx",
    "malloc_usable_size", "burst-alloc", "burst-free", "worker-alloc", "worker-free", "worker-realloc",
    "worker-flush", "worker-restart", "malloc_trim", "arena.purge", "arena.decay", "thread.tcache.flush",
    "epoch", "sleep",
};
/* Byte -> operation, weighted: allocations and frees most often. */
static const uint8_t op_weight[NOPS] = {
    [OP_MALLOC] = 20, [OP_CALLOC] = 14, [OP_REALLOC] = 12, [OP_FREE] = 20, [OP_POSIX_MEMALIGN] = 6,
    [OP_ALIGNED_ALLOC] = 6, [OP_MEMALIGN] = 5, [OP_VALLOC] = 4, [OP_PVALLOC] = 4, [OP_MALLOCX] = 12,
    [OP_RALLOCX] = 10, [OP_XALLOCX] = 8, [OP_SALLOCX] = 4, [OP_DALLOCX] = 6, [OP_SDALLOCX] = 8,
    [OP_NALLOCX] = 4, [OP_USABLE] = 4, [OP_BURST_ALLOC] = 8, [OP_BURST_FREE] = 8, [OP_W_ALLOC] = 8,
    [OP_W_FREE] = 8, [OP_W_REALLOC] = 6, [OP_W_FLUSH] = 3, [OP_W_RESTART] = 2, [OP_TRIM] = 4,
    [OP_PURGE] = 4, [OP_DECAY] = 3, [OP_FLUSH] = 5, [OP_EPOCH] = 3, [OP_SLEEP] = 2,
};
static uint8_t op_of[256];

struct ctx {
    unsigned sleep_ms, restarts;
};

/* Free slot s (live), checking its pattern, by one of free, free_sized,
 * free_aligned_sized, dallocx, sdallocx (with the asked or the usable size). */
static void free_slot(int s, unsigned how) {
    struct blk *b = &tab[s];
    verify(b, 0, b->size, "before free");
    size_t u = api.sallocx(b->p, 0);
    if (u != b->usable) fail("sallocx(%p) = %zu, was %zu when last checked", (void *)b->p, u, b->usable);
    int fl = b->align > 16 ? MALLOCX_ALIGN(b->align) : 0;
    switch (how % 6) {
    case 0: api.free(b->p); break;
    case 1:
        if (b->kind == K_PLAIN) api.free_sized(b->p, b->size);
        else if (b->kind == K_AA) api.free_aligned_sized(b->p, b->align, b->size);
        else api.free(b->p);
        break;
    case 2: api.dallocx(b->p, fl); break;
    case 3: api.sdallocx(b->p, b->size, fl); break;
    case 4: api.sdallocx(b->p, b->usable, fl); break;
    default: api.free(b->p); break;
    }
    leave(s);
}

/* Make slot s free for a new block. */
static void clear_slot(int s, unsigned how) {
    if (tab[s].live) free_slot(s, how);
}

static size_t nal(size_t n, int flags) { return api.nallocx(n, flags); }

/* The block of slot s was resized (realloc, rallocx, worker realloc) to q,
 * n bytes: its old contents up to min(old, n) must be there, and with
 * MALLOCX_ZERO the bytes from its old usable size up to n read as zero. */
static void resized(unsigned op, int s, const char *what, void *q, size_t n, size_t align, bool zero) {
    struct blk *b = &tab[s];
    if (!q) fail("%s(%p of %zu bytes -> %zu, align %zu) returned NULL", what, (void *)b->p, b->size, n, align);
    if ((uintptr_t)q & (align - 1)) fail("%s(-> %zu bytes) returned %p, not %zu-aligned", what, n, q, align);
    check_usable(what, q, n);
    size_t u = api.sallocx(q, 0);
    check_overlap(what, q, u, s);
    struct blk nb = *b;
    nb.p = q;
    verify(&nb, 0, sz_min(b->size, n), what);
    if (zero && n > b->usable) {
        size_t nz = first_nonzero(q, b->usable, n);
        if (nz < n)
            fail("%s(MALLOCX_ZERO, %zu -> %zu bytes, old usable %zu) byte %zu = 0x%02x, not zero", what, b->size,
                 n, b->usable, nz, (uint8_t)((char *)q)[nz]);
    }
    feature(op * 96 + bucket(u));
    feature(3500 + (q != b->p) * 9 + kind3(b->usable) * 3 + kind3(u));
    if (q != b->p) reuse_feature(op, q, u);
    if (q != b->p) note_freed(b);
    if (trace) fprintf(stderr, "fuzz_alloc:   slot %d: %s(%p, %zu) = %p, usable %zu\n", s, what, (void *)b->p, n, q, u);
    live_bytes = live_bytes - b->size + n;
    b->p = q;
    b->size = n;
    b->usable = u;
    b->align = align;
    pattern(q, b->seed, n, 0, n, true);
}

static int mallctl_void(const char *name) { return api.mallctl(name, NULL, NULL, NULL, 0); }

static void run_op(unsigned op, struct rd *r, struct ctx *c) {
    cur_name = op_names[op];
    switch (op) {
    case OP_MALLOC: {
        int s = (int)u8(r);
        size_t n = pick_size(r);
        clear_slot(s, u8(r));
        size_t a = nal(n, 0);
        void *p = api.malloc(n);
        enter(op, s, "malloc", p, n, min_align(n), K_PLAIN, a, nal(n, 0), false);
        break;
    }
    case OP_CALLOC: {
        int s = (int)u8(r);
        size_t n = pick_size(r), k = 1 + u8(r) % 8;
        size_t each = (n + k - 1) / k;
        clear_slot(s, u8(r));
        size_t a = nal(k * each, 0);
        void *p = api.calloc(k, each);
        enter(op, s, "calloc", p, k * each, min_align(k * each), K_PLAIN, a, nal(k * each, 0), true);
        break;
    }
    case OP_REALLOC: {
        int s = live_slot(u8(r));
        if (s < 0) {   /* realloc(NULL, n) is malloc(n) */
            s = (int)u8(r);
            size_t n = pick_size(r);
            void *p = api.realloc(NULL, n);
            enter(op, s, "realloc(NULL)", p, n, min_align(n), K_PLAIN, 0, 0, false);
            break;
        }
        size_t n = pick_resize(r, tab[s].size);
        verify(&tab[s], 0, tab[s].size, "before realloc");
        void *q = api.realloc(tab[s].p, n);
        resized(op, s, "realloc", q, n, min_align(n), false);
        tab[s].kind = K_PLAIN;
        break;
    }
    case OP_FREE: {
        int s = live_slot(u8(r));
        unsigned how = u8(r);
        if (s >= 0) free_slot(s, how);
        break;
    }
    case OP_POSIX_MEMALIGN:
    case OP_MEMALIGN:
    case OP_ALIGNED_ALLOC:
    case OP_VALLOC:
    case OP_PVALLOC: {
        int s = (int)u8(r);
        size_t n = pick_size(r), al = op == OP_VALLOC || op == OP_PVALLOC ? PAGE : pick_align(r);
        if (op == OP_ALIGNED_ALLOC) n = (n + al - 1) & ~(al - 1);   /* C11: a multiple of the alignment */
        if (op == OP_PVALLOC) n = page_ceil(n);                    /* pvalloc rounds up to whole pages */
        clear_slot(s, u8(r));
        size_t a = nal(n, MALLOCX_ALIGN(al));
        void *p = NULL;
        if (op == OP_POSIX_MEMALIGN) {
            int e = api.posix_memalign(&p, al, n);
            if (e) fail("posix_memalign(%zu, %zu) = %d", al, n, e);
        } else if (op == OP_MEMALIGN) p = api.memalign(al, n);
        else if (op == OP_ALIGNED_ALLOC) p = api.aligned_alloc(al, n);
        else if (op == OP_VALLOC) p = api.valloc(n);
        else p = api.pvalloc(n);
        enter(op, s, op_names[op], p, n, al, op == OP_ALIGNED_ALLOC ? K_AA : K_ALIGNED, a, nal(n, MALLOCX_ALIGN(al)),
              false);
        break;
    }
    case OP_MALLOCX: {
        int s = (int)u8(r);
        size_t n = pick_size(r);
        unsigned f = u8(r);
        size_t al = f & 1 ? pick_align(r) : 0;
        int flags = (al ? MALLOCX_ALIGN(al) : 0) | (f & 2 ? MALLOCX_ZERO : 0);
        clear_slot(s, u8(r));
        size_t a = nal(n, flags);
        void *p = api.mallocx(n, flags);
        size_t a1 = nal(n, flags);
        char what[64];
        snprintf(what, sizeof what, "mallocx(flags 0x%x)", (unsigned)flags);
        enter(op, s, what, p, n, al ? al : min_align(n), K_X, a, a1, f & 2);
        break;
    }
    case OP_RALLOCX: {
        int s = live_slot(u8(r));
        if (s < 0) break;
        size_t n = pick_resize(r, tab[s].size);
        unsigned f = u8(r);
        size_t al = f & 1 ? pick_align(r) : 0;
        int flags = (al ? MALLOCX_ALIGN(al) : 0) | (f & 2 ? MALLOCX_ZERO : 0);
        verify(&tab[s], 0, tab[s].size, "before rallocx");
        void *q = api.rallocx(tab[s].p, n, flags);
        size_t want = al ? al : min_align(n);
        resized(op, s, "rallocx", q, n, want, f & 2);
        tab[s].kind = K_X;
        break;
    }
    case OP_XALLOCX: {
        int s = live_slot(u8(r));
        if (s < 0) break;
        struct blk *b = &tab[s];
        size_t n = pick_resize(r, b->size);
        static const size_t extras[4] = {0, 1, 4096, 65536};
        size_t extra = extras[u8(r) & 3];
        int zero = u8(r) & 1;
        if (b->size < n && live_bytes + (n + extra - b->size) > LIVE_CAP) extra = 0;
        size_t old_u = b->usable;
        size_t ret = api.xallocx(b->p, n, extra, zero ? MALLOCX_ZERO : 0);
        if (ret < n && ret != old_u)
            fail("xallocx(%p, %zu, %zu) = %zu: neither >= %zu nor the old size %zu", (void *)b->p, n, extra, ret, n,
                 old_u);
        check_usable("xallocx", b->p, sz_min(ret, n));
        size_t u = api.sallocx(b->p, 0);
        if (u != ret) fail("xallocx(%p, %zu, %zu) = %zu but sallocx = %zu", (void *)b->p, n, extra, ret, u);
        check_overlap("xallocx", b->p, u, s);
        size_t keep = sz_min(b->size, ret);
        verify(b, 0, keep, "xallocx");
        if (zero && ret > old_u) {
            size_t nz = first_nonzero(b->p, old_u, ret);
            if (nz < ret) fail("xallocx(MALLOCX_ZERO, %zu -> %zu) byte %zu = 0x%02x, not zero", old_u, ret, nz,
                               (uint8_t)b->p[nz]);
        }
        feature(3600 + (ret > old_u) * 3 + (ret < old_u) + kind3(old_u) * 9);
        size_t ns = sz_min(ret, sz_max(b->size, n));
        live_bytes = live_bytes - b->size + ns;
        b->size = ns;
        b->usable = u;
        b->kind = K_X;
        pattern(b->p, b->seed, ns, 0, ns, true);
        break;
    }
    case OP_SALLOCX:
    case OP_USABLE: {
        int s = live_slot(u8(r));
        if (s < 0) break;
        struct blk *b = &tab[s];
        check_usable(op_names[op], b->p, b->size);
        size_t u = api.malloc_usable_size(b->p);
        if (u != b->usable) fail("usable size of %p changed: %zu, was %zu", (void *)b->p, u, b->usable);
        if (op == OP_USABLE && u <= 4 * MIB && live_bytes + (u - b->size) <= LIVE_CAP) {
            /* The usable size is the program's to use: pattern it all. */
            live_bytes += u - b->size;
            b->size = u;
            b->kind = K_X;
            pattern(b->p, b->seed, u, 0, u, true);
        }
        break;
    }
    case OP_DALLOCX:
    case OP_SDALLOCX: {
        int s = live_slot(u8(r));
        unsigned how = u8(r);
        if (s >= 0) free_slot(s, op == OP_DALLOCX ? 2 : 3 + (how & 1));
        break;
    }
    case OP_NALLOCX: {
        /* nallocx against the block the same request gets. */
        size_t n = pick_size(r);
        unsigned f = u8(r);
        size_t al = f & 1 ? pick_align(r) : 0;
        int flags = al ? MALLOCX_ALIGN(al) : 0;
        size_t a = nal(n, flags);
        void *p = api.mallocx(n, flags);
        size_t a1 = nal(n, flags);
        if (!p) fail("mallocx(%zu, align %zu) returned NULL", n, al);
        size_t u = api.sallocx(p, 0);
        if (u != a && u != a1) fail("nallocx(%zu, align %zu) = %zu but mallocx's block has %zu", n, al, a, u);
        check_overlap("mallocx", p, u, -1);
        api.dallocx(p, flags);
        break;
    }
    case OP_BURST_ALLOC: {
        /* Many blocks of one small size in a row (fills slabs). */
        unsigned s0 = u8(r), k = 1 + u8(r) % 64;
        size_t n = pick_small(r);
        for (unsigned i = 0; i < k; i++) {
            int s = (int)((s0 + i) % NSLOT);
            clear_slot(s, i);
            if (live_bytes + n > LIVE_CAP) break;
            size_t a = nal(n, 0);
            void *p = api.malloc(n);
            enter(op, s, "malloc (burst)", p, n, min_align(n), K_PLAIN, a, nal(n, 0), false);
        }
        break;
    }
    case OP_BURST_FREE: {
        unsigned s0 = u8(r), k = 1 + u8(r) % 128, how = u8(r);
        for (unsigned i = 0; i < k; i++) {
            int s = (int)(how & 1 ? (s0 + k - 1 - i) % NSLOT : (s0 + i) % NSLOT);
            if (tab[s].live) free_slot(s, how >> 1);
        }
        break;
    }
    case OP_W_ALLOC: {
        int s = (int)u8(r);
        size_t n = pick_size(r);
        unsigned w = u8(r) & 3;
        clear_slot(s, u8(r));
        /* malloc, calloc(1, n), memalign, mallocx(MALLOCX_ZERO) (16-aligned) */
        size_t al = w == 2 ? pick_align(r) : w == 3 ? 16 : min_align(n);
        int flags = w == 2 ? MALLOCX_ALIGN(al) : w == 3 ? MALLOCX_ZERO : 0;
        size_t a = nal(n, flags);
        void *p = w_call(w == 0 ? W_MALLOC : w == 1 ? W_CALLOC : w == 2 ? W_MEMALIGN : W_MALLOCX, NULL, n, al, flags);
        size_t a1 = nal(n, flags);
        enter(op, s, "worker alloc", p, n, al, w == 2 ? K_ALIGNED : w == 3 ? K_X : K_PLAIN, a, a1, w == 1 || w == 3);
        break;
    }
    case OP_W_FREE: {
        int s = live_slot(u8(r));
        unsigned how = u8(r);
        if (s < 0) break;
        struct blk *b = &tab[s];
        verify(b, 0, b->size, "before worker free");
        if (how & 1) w_call(W_SDALLOCX, b->p, how & 2 ? b->usable : b->size, 0,
                            b->align > 16 ? MALLOCX_ALIGN(b->align) : 0);
        else w_call(W_FREE, b->p, 0, 0, 0);
        leave(s);
        break;
    }
    case OP_W_REALLOC: {
        int s = live_slot(u8(r));
        if (s < 0) break;
        size_t n = pick_resize(r, tab[s].size);
        unsigned how = u8(r);
        verify(&tab[s], 0, tab[s].size, "before worker realloc");
        if (how & 1) {
            void *q = w_call(W_RALLOCX, tab[s].p, n, 0, (how & 2) ? MALLOCX_ZERO : 0);
            resized(op, s, "worker rallocx", q, n, min_align(n), how & 2);
            tab[s].kind = K_X;
        } else {
            void *q = w_call(W_REALLOC, tab[s].p, n, 0, 0);
            resized(op, s, "worker realloc", q, n, min_align(n), false);
            tab[s].kind = K_PLAIN;
        }
        break;
    }
    case OP_W_FLUSH: {
        int e = (int)(intptr_t)w_call(W_FLUSH, NULL, 0, 0, 0);
        if (e != 0 && e != EFAULT) fail("thread.tcache.flush (worker) = %d", e);
        break;
    }
    case OP_W_RESTART:
        if (c->restarts < RESTART_MAX) {
            c->restarts++;
            w_restart();
        }
        break;
    case OP_TRIM: api.malloc_trim(0); break;
    case OP_PURGE:
    case OP_DECAY: {
        unsigned i = u8(r) % (narenas + 2);
        if (i == narenas + 1) i = MALLCTL_ARENAS_ALL;
        char name[64];
        snprintf(name, sizeof name, "arena.%u.%s", i, op == OP_PURGE ? "purge" : "decay");
        int e = mallctl_void(name);
        if (e) fail("mallctl(\"%s\") = %d", name, e);
        break;
    }
    case OP_FLUSH: {
        int e = mallctl_void("thread.tcache.flush");
        if (e != 0 && e != EFAULT) fail("thread.tcache.flush = %d", e);
        break;
    }
    case OP_EPOCH: {
        uint64_t ep = 1;
        size_t sz = sizeof ep;
        int e = api.mallctl("epoch", &ep, &sz, &ep, sizeof ep);
        if (e != 0 && e != EAGAIN) fail("mallctl(\"epoch\") = %d", e);
        break;
    }
    case OP_SLEEP: {
        unsigned ms = 1 + u8(r) % 3;
        if (c->sleep_ms + ms <= SLEEP_MAX_MS) {
            c->sleep_ms += ms;
            struct timespec ts = {0, (long)ms * 1000000L};
            nanosleep(&ts, NULL);
        }
        break;
    }
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rd r = {data, size, 0};
    struct ctx c = {0, 0};
    cur_input++;
    nfreed = 0;
    seed_ctr = 0;
    for (cur_op = 0; r.i < r.n; cur_op++) {
        unsigned op = op_of[u8(&r)];
        if (trace) fprintf(stderr, "fuzz_alloc: op %u: %s (live %zu bytes)\n", cur_op, op_names[op], live_bytes);
        run_op(op, &r, &c);
    }
    cur_name = "end of input";
    for (int s = 0; s < NSLOT; s++)
        if (tab[s].live) free_slot(s, (unsigned)s);
    if (live_bytes) fail("%zu live bytes left in the shadow after freeing every block", live_bytes);
    return 0;
}

/* ---- seeds ---------------------------------------------------------------- *
 * FUZZ_ALLOC_SEEDS=DIR: a few scenario inputs and random ones, from the same
 * operation table as the fuzzer reads them. */
struct wr {
    uint8_t b[4096];
    size_t n;
};
static void wb(struct wr *w, unsigned v) {
    if (w->n < sizeof w->b) w->b[w->n++] = (uint8_t)v;
}
static void w16(struct wr *w, unsigned v) {
    wb(w, v & 255);
    wb(w, v >> 8);
}
static void wop(struct wr *w, unsigned op) {
    for (unsigned i = 0; i < 256; i++)
        if (op_of[i] == op) {
            wb(w, i);
            return;
        }
}
/* A boundary size from the table (pick_size's first choice). */
static void wsize_exact(struct wr *w, size_t n) {
    for (unsigned i = 0; i < nbsizes; i++)
        if (bsizes[i] == n) {
            wb(w, 0);
            w16(w, i);
            return;
        }
    wb(w, 14);   /* 1 + u16: n <= 65536 */
    w16(w, (unsigned)(n - 1));
}
static void put_seed(const char *dir, const char *name, const struct wr *w) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(w->b, 1, w->n, f) != w->n || fclose(f)) {
        fprintf(stderr, "fuzz_alloc: cannot write %s\n", path);
        exit(2);
    }
}

/* Operations as the fuzzer reads them (run_op). */
static void s_malloc(struct wr *w, unsigned slot, size_t n) {
    wop(w, OP_MALLOC);
    wb(w, slot);
    wsize_exact(w, n);
    wb(w, 0);
}
static void s_calloc(struct wr *w, unsigned slot, size_t n) {
    wop(w, OP_CALLOC);
    wb(w, slot);
    wsize_exact(w, n);
    wb(w, 0);   /* calloc(1, n) */
    wb(w, 0);
}
static void s_free(struct wr *w, unsigned slot) {
    wop(w, OP_FREE);
    wb(w, slot);
    wb(w, 0);
}
static void s_burst_alloc(struct wr *w, unsigned slot, unsigned k, size_t n) {
    wop(w, OP_BURST_ALLOC);
    wb(w, slot);
    wb(w, k - 1);
    wb(w, 0);   /* 1 + u16 */
    w16(w, (unsigned)(n - 1));
}
static void s_burst_free(struct wr *w, unsigned slot, unsigned k) {
    wop(w, OP_BURST_FREE);
    wb(w, slot);
    wb(w, k - 1);
    wb(w, 0);
}

static void write_seeds(const char *dir) {
    mkdir(dir, 0777);
    struct wr w;
    char name[64];
    /* Each boundary size: malloc, then free. */
    w.n = 0;
    for (unsigned i = 0; i < nbsizes && w.n + 16 < sizeof w.b; i++) s_malloc(&w, i & 255, bsizes[i]);
    put_seed(dir, "boundaries", &w);
    /* A slab over a freed large run's pages, then large callocs there:
     * 16 KiB blocks fill the holes below (first fit), a 64 KiB block is
     * written and freed, a burst of small blocks of a many-page slab class
     * takes those pages with few blocks carved, all freed and flushed back
     * to the arena; then a 16 KiB block and 16 KiB callocs in those pages.
     * One seed per small size. */
    static const size_t smalls[] = {80, 96, 112, 160, 192, 224};
    for (unsigned k = 0; k < sizeof smalls / sizeof smalls[0]; k++) {
        w.n = 0;
        for (unsigned i = 0; i < 32; i++) s_malloc(&w, 100 + i, 16384);
        for (unsigned round = 0; round < 2; round++) {
            s_malloc(&w, 200, 65536);
            s_free(&w, 200);
            wop(&w, OP_FLUSH);
            s_burst_alloc(&w, 0, round ? 9 : 2, smalls[k]);
            s_burst_free(&w, 0, 64);
            wop(&w, OP_FLUSH);
            s_malloc(&w, 201, 16384);
            for (unsigned j = 0; j < 3; j++) s_calloc(&w, 202 + j, 16384);
            s_burst_free(&w, 200, 8);
        }
        s_burst_free(&w, 100, 32);
        snprintf(name, sizeof name, "slab-over-large-%zu", smalls[k]);
        put_seed(dir, name, &w);
    }
    /* The same where the heap keeps no empty slab but the non-current ones
     * (tcache:false, the arenas' shared heaps): slabs of a class of a few
     * blocks each filled, the large block freed, one more block (a new
     * slab over the large block's pages, one block carved), then a free
     * into a full slab below makes that one current and the new slab,
     * emptied, goes back to the arena. */
    static const size_t fews[] = {7168, 10240, 12288, 14336};
    for (unsigned k = 0; k < sizeof fews / sizeof fews[0]; k++) {
        w.n = 0;
        for (unsigned i = 0; i < 32; i++) s_malloc(&w, 100 + i, 16384);
        s_burst_alloc(&w, 0, 8, fews[k]);
        s_malloc(&w, 200, 65536);
        s_free(&w, 200);
        s_malloc(&w, 10, fews[k]);
        s_free(&w, 0);
        s_free(&w, 10);
        s_malloc(&w, 201, 16384);
        for (unsigned j = 0; j < 3; j++) s_calloc(&w, 202 + j, 16384);
        s_burst_free(&w, 200, 8);
        s_burst_free(&w, 0, 16);
        s_burst_free(&w, 100, 32);
        snprintf(name, sizeof name, "slab-over-large-few-%zu", fews[k]);
        put_seed(dir, name, &w);
    }
    /* Random mixes of each length. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (unsigned k = 0; k < 24; k++) {
        w.n = 64u << (k % 6);
        for (size_t i = 0; i < w.n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            w.b[i] = (uint8_t)(x >> 24);
        }
        snprintf(name, sizeof name, "random-%02u", k);
        put_seed(dir, name, &w);
    }
}

/* ---- start-up ------------------------------------------------------------- */

static void add_boundaries(void);

static int ctl_read(const char *name, void *out, size_t len) {
    size_t l = len;
    int e = api.mallctl(name, out, &l, NULL, 0);
    return e ? e : l == len ? 0 : EINVAL;
}

static void setup_sizes(void) {
    unsigned nb = 0;
    if (ctl_read("arenas.nbins", &nb, sizeof nb) || nb == 0 || nb > 128) {
        fprintf(stderr, "fuzz_alloc: mallctl(\"arenas.nbins\") failed\n");
        exit(2);
    }
    for (unsigned i = 0; i < nb; i++) {
        char name[64];
        size_t z;
        snprintf(name, sizeof name, "arenas.bin.%u.size", i);
        if (ctl_read(name, &z, sizeof z)) {
            fprintf(stderr, "fuzz_alloc: mallctl(\"%s\") failed\n", name);
            exit(2);
        }
        cls[ncls++] = z;
    }
    add_boundaries();
}

/* The class table without tide (seed writing only): tide's sc_table sizes. */
static void setup_sizes_builtin(void) {
    for (size_t s = 8; s <= 1024; s = s == 8 ? 16 : s + 16) cls[ncls++] = s;
    for (size_t b = 1024; b < 14336; b *= 2)
        for (size_t k = 5; k <= 8 && ncls < 80; k++) cls[ncls++] = b / 4 * k;
    add_boundaries();
}

/* Each class +- 1, then the page, small/large, kept-run (1 MiB) and huge
 * (2 MiB) limits +- 1 and some page multiples. */
static void add_boundaries(void) {
    for (unsigned i = 0; i < ncls; i++) {
        bsize_add(cls[i] - 1);
        bsize_add(cls[i]);
        bsize_add(cls[i] + 1);
    }
    static const size_t fixed[] = {
        PAGE, 2 * PAGE, 3 * PAGE, 16384, 20480, 65536, 256 << 10, 1 * MIB, 2 * MIB, 4 * MIB,
    };
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        bsize_add(fixed[i] - 1);
        bsize_add(fixed[i]);
        if (fixed[i] < 4 * MIB) bsize_add(fixed[i] + 1);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    unsigned k = 0;
    for (unsigned op = 0; op < NOPS; op++)
        for (unsigned i = 0; i < op_weight[op] && k < 256; i++) op_of[k++] = (uint8_t)op;
    for (unsigned i = k; i < 256; i++) op_of[i] = op_of[i % k];
    trace = getenv("FUZZ_ALLOC_TRACE") && *getenv("FUZZ_ALLOC_TRACE") == '1';

    const char *seeds = getenv("FUZZ_ALLOC_SEEDS");
    if (seeds && *seeds) {
        void *mc = dlsym(RTLD_DEFAULT, "mallctl");
        if (mc) {
            memcpy(&api.mallctl, &mc, sizeof mc);
            setup_sizes();
        } else {
            setup_sizes_builtin();
        }
        write_seeds(seeds);
        exit(0);
    }

    if (!dlsym(RTLD_DEFAULT, "mallctl")) {
        fprintf(stderr, "fuzz_alloc: tide is not the malloc in use (no mallctl); "
                        "run with LD_PRELOAD=<tide's libtide.so>\n");
        exit(2);
    }
    RESOLVE(malloc);
    RESOLVE(calloc);
    RESOLVE(realloc);
    RESOLVE(free);
    RESOLVE(posix_memalign);
    RESOLVE(aligned_alloc);
    RESOLVE(memalign);
    RESOLVE(valloc);
    RESOLVE(pvalloc);
    RESOLVE(malloc_usable_size);
    RESOLVE(malloc_trim);
    RESOLVE(free_sized);
    RESOLVE(free_aligned_sized);
    RESOLVE(mallocx);
    RESOLVE(rallocx);
    RESOLVE(xallocx);
    RESOLVE(sallocx);
    RESOLVE(dallocx);
    RESOLVE(sdallocx);
    RESOLVE(nallocx);
    RESOLVE(mallctl);

    /* tide must be the malloc in use: "version" names it, and malloc comes
     * from the object that defines mallctl. */
    const char *ver = NULL;
    Dl_info im, ic;
    void *pm, *pc;
    memcpy(&pm, &api.malloc, sizeof pm);
    memcpy(&pc, &api.mallctl, sizeof pc);
    if (ctl_read("version", &ver, sizeof ver) || !ver || !strstr(ver, "tide") || !dladdr(pm, &im) ||
        !dladdr(pc, &ic) || !im.dli_fname || !ic.dli_fname || strcmp(im.dli_fname, ic.dli_fname)) {
        fprintf(stderr, "fuzz_alloc: tide is not the malloc in use (mallctl \"version\": %s); "
                        "run with LD_PRELOAD=<tide's libtide.so>\n", ver ? ver : "missing");
        exit(2);
    }
    bool debug = false, tcache = false, bg = false;
    ssize_t decay = 0, refine = 0;
    const char *preset = "?";
    if (ctl_read("arenas.narenas", &narenas, sizeof narenas) || ctl_read("config.debug", &debug, sizeof debug) ||
        ctl_read("opt.tcache", &tcache, sizeof tcache) || ctl_read("opt.dirty_decay_ms", &decay, sizeof decay) ||
        ctl_read("opt.class_refine_kb", &refine, sizeof refine) ||
        ctl_read("opt.background_thread", &bg, sizeof bg) || ctl_read("opt.preset", &preset, sizeof preset)) {
        fprintf(stderr, "fuzz_alloc: reading tide's options through mallctl failed\n");
        exit(2);
    }
    setup_sizes();
    /* One line the runner checks the configuration against. */
    fprintf(stderr, "fuzz_alloc: started on tide %s from %s: debug=%d tcache=%d dirty_decay_ms=%zd class_refine_kb=%zd "
                    "background_thread=%d preset=%s narenas=%u classes=%u\n",
            ver, im.dli_fname, debug, tcache, decay, refine, bg, preset, narenas, ncls);
    w_start();
    return 0;
}
