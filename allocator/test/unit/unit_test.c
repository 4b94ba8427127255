/*
 * unit_test.c: unit tests of tide's internal modules.
 *
 * Linked statically against allocator/libtide.a with -Iallocator/src: the
 * binary's malloc is tide's, and the tests read the modules' data structures
 * (size-class table, page map, chunks, slabs, the thread's heap) directly.
 * Check forks each test from the runner, so every test starts from the
 * runner's heap state; the tests therefore compare with what the structures
 * say at the time, not with fixed addresses. The purge test needs options set
 * before the first malloc: it re-executes this binary with TIDE_CONF set.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "conf.h"
#include "heap.h"
#include "huge.h"
#include "misuse.h"
#include "pagemap.h"
#include "sc.h"
#include "slab.h"
#include "tide.h"

/* The heap this thread's small blocks come from: its own in thread-cache
 * mode, its arena's shared heap in the 2006 design (tcache:false). */
static struct heap *test_heap(void) {
    return conf_opt.tcache ? tide_tls.heap : tide_tls.arena->shared;
}

/* alloc.c, for tests: frees of pointers tide did not own. */

/* ck_assert_msg for loops: silent on success (no mark point per check). */
#define REQUIRE(c, ...) do { if (!(c)) { char m_[512]; snprintf(m_, sizeof m_, __VA_ARGS__); \
    ck_abort_msg("`%s` failed: %s", #c, m_); } } while (0)
#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

extern char **environ;

static size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }
static void *opaquep(void *p) { __asm__ volatile("" : "+r"(p)); return p; }

/* ---- size classes ---- */

START_TEST(t_sc_table)
{
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        const struct sc_info *ci = &sc_table[c];
        if (c > 0) REQUIRE(ci->size > sc_table[c - 1].size, "class %u not increasing", c);
        if (ci->size >= 16) REQUIRE(ci->size % 16 == 0, "class %u size %u not a multiple of 16", c, ci->size);
        /* A 16-byte class of a coarse class not yet refined is not in use,
         * nor is the 8-byte class (sizes up to 8 take 16 bytes: misuse.h). */
        bool in_use = ci->size > SC_LOOKUP_MAX || sc_coarse_index(ci->size) == c;
        REQUIRE(sc_index(sc_size(c)) == (in_use ? c : sc_coarse_index(ci->size)), "sc_index(sc_size(%u)) = %zu", c,
                sc_index(sc_size(c)));
        REQUIRE(ci->nregs >= 1 && ci->slab_pages >= 1, "class %u: empty slab", c);
        /* The blocks fill the slab but for a tail shorter than a block and
         * under 0.6 % of the slab; no tail at all where a page count in the
         * allowed range makes one (the rule in sc.c). */
        size_t slab = (size_t)ci->slab_pages * SC_PAGE, tail = slab - (size_t)ci->nregs * ci->size;
        REQUIRE((size_t)ci->nregs * ci->size <= slab && tail < ci->size && tail * 1000 < slab * 6,
                "class %u: %u x %u in %u pages", c, ci->nregs, ci->size, ci->slab_pages);
        for (unsigned p = 8; p <= 16 && tail; p++)
            REQUIRE((p * SC_PAGE) % ci->size != 0 || (p * SC_PAGE) / ci->size > SLAB_MAP_WORDS * 64,
                    "class %u: %u pages would hold its blocks with no tail", c, p);
        /* What slab.c tracks: a bitmap bit per block, a `purged` bit per page. */
        REQUIRE(ci->nregs <= SLAB_MAP_WORDS * 64 && ci->slab_pages <= 16, "class %u: %u blocks, %u pages", c,
                ci->nregs, ci->slab_pages);
        /* At least 4 blocks, and 8 pages unless the slab holds as many blocks as the bitmap tracks. */
        REQUIRE(ci->nregs >= 4, "class %u: %u blocks", c, ci->nregs);
        REQUIRE(ci->slab_pages >= 8 || ci->nregs == SLAB_MAP_WORDS * 64, "class %u: %u pages, %u blocks", c,
                ci->slab_pages, ci->nregs);
    }
    ck_assert_uint_eq(sc_size(SC_NSMALL - 1), SC_SMALL_MAX);
    ck_assert_uint_eq(sc_size(0), 8);
    ck_assert_uint_eq(SC_PAGE, 4096);
}
END_TEST

/* The coarse classes up to 1 KiB, by their own rule: every multiple of 16
 * to 128 (16 for 0 to 16: no block is smaller, misuse.h), then 4 per
 * doubling. */
static size_t coarse_size(size_t n) {
    if (n <= 16) return 16;
    if (n <= 128) return (n + 15) & ~(size_t)15;
    size_t s = 128;
    for (size_t step = 32;; step *= 2)
        for (int k = 0; k < 4; k++)
            if ((s += step) >= n) return s;
}

/* Every size up to 1 MiB against the classes: coarse (as at start) or
 * refined (every coarse class's sizes on 16-byte classes). */
static void sc_sweep_sizes(bool refined) {
    for (size_t n = 0; n <= MiB; n++) {
        size_t u = sc_usable(n);
        REQUIRE(u >= n && u > 0, "sc_usable(%zu) = %zu", n, u);
        REQUIRE(nallocx(n, 0) == u, "nallocx(%zu, 0) = %zu, sc_usable = %zu", n, nallocx(n, 0), u);
        if (n <= SC_SMALL_MAX) {
            unsigned c = sc_index(n);
            REQUIRE(c < SC_NSMALL, "sc_index(%zu) = %u", n, c);
            REQUIRE(sc_size(c) == u, "sc_size(sc_index(%zu)) = %zu, sc_usable = %zu", n, sc_size(c), u);
            REQUIRE(sc_size(c) >= n, "class %u (%zu) < %zu", c, sc_size(c), n);
            if (refined || n > SC_LOOKUP_MAX) REQUIRE(c <= 1 || sc_size(c - 1) < n, "class %u fits %zu too", c - 1, n);
            REQUIRE(c >= 1, "size %zu in the 8-byte class", n);
            if (n >= 16) REQUIRE(u % 16 == 0, "usable %zu of %zu not 16-aligned", u, n);
        } else {
            REQUIRE(u % SC_PAGE == 0 && u - n < SC_PAGE, "large %zu rounds to %zu", n, u);
        }
        if (n > 64) REQUIRE((u - n) * 4 <= n, "%zu -> %zu wastes more than 25%%", n, u);
        if (n <= SC_LOOKUP_MAX) {
            REQUIRE(sc_size(sc_coarse_index(n)) == coarse_size(n), "coarse class of %zu: %zu, not %zu", n,
                    sc_size(sc_coarse_index(n)), coarse_size(n));
            if (refined && n > 8) REQUIRE(u - n < 16, "%zu -> %zu: refined classes are 16 bytes apart", n, u);
            if (!refined) REQUIRE(u == coarse_size(n), "%zu -> %zu before refining, not %zu", n, u, coarse_size(n));
        }
    }
}

START_TEST(t_sc_sweep)
{
    sc_sweep_sizes(false);
    unsigned nref = 0;
    for (unsigned c = 0; c < SC_NSMALL; c++) REQUIRE(!sc_refined(c), "class %u refined at start", c);
    for (unsigned c = 0; c < SC_NSMALL; c++)
        if (sc_refinable(c)) {
            sc_refine(c);
            nref++;
            REQUIRE(!sc_refinable(c) && sc_refined(c), "class %u still refinable", c);
        }
    ck_assert_uint_eq(nref, 12);   /* 160, 192, 224, 256, 320, ..., 1024 */
    sc_sweep_sizes(true);
    /* Huge sizes round to pages too; overflow gives 0. */
    for (size_t n = SC_LARGE_MAX - 5; n < ((size_t)1 << 40); n = n * 3 + 7) {
        size_t u = sc_usable(n);
        REQUIRE(u % SC_PAGE == 0 && u >= n && u - n < SC_PAGE, "huge %zu rounds to %zu", n, u);
        REQUIRE(nallocx(n, 0) == u, "nallocx(%zu) = %zu, sc_usable = %zu", n, nallocx(n, 0), u);
    }
    ck_assert_uint_eq(sc_usable(SIZE_MAX), 0);
    ck_assert_uint_eq(sc_usable((size_t)PTRDIFF_MAX + 1), 0);
    ck_assert_uint_eq(sc_usable(SIZE_MAX - SC_PAGE + 2), 0);
    ck_assert_uint_eq(sc_page_ceil(SIZE_MAX), 0);
    ck_assert_uint_eq(sc_page_ceil(SIZE_MAX - SC_PAGE + 2), 0);
    ck_assert_uint_eq(sc_page_ceil(SC_PAGE + 1), 2 * SC_PAGE);
    ck_assert_uint_eq(nallocx(SIZE_MAX, 0), 0);
    ck_assert_uint_eq(nallocx((size_t)PTRDIFF_MAX + 1, 0), 0);
}
END_TEST

/* A coarse class is refined once an arena holds class_refine_kb of its slabs
 * (4 MiB by default: 128 slabs of 32 blocks of 1 KiB), never with -1. Its
 * blocks stay valid; realloc keeps them in place for sizes of their coarse
 * class; other classes are not touched. */
START_TEST(t_sc_refine)
{
    enum { N = 6144 };
    void **v = malloc(N * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (int i = 0; i < 2048; i++) ck_assert_ptr_nonnull(v[i] = malloc(opaque(1000)));
    ck_assert_uint_eq(nallocx(1000, 0), 1024);   /* 2 MiB: not yet */
    conf_opt.class_refine_kb = -1;
    for (int i = 2048; i < 4608; i++) ck_assert_ptr_nonnull(v[i] = malloc(opaque(1000)));
    ck_assert_uint_eq(malloc_usable_size(v[4607]), 1024);   /* 4.5 MiB, but never */
    conf_opt.class_refine_kb = CONF_DEFAULT_REFINE_KB;
    for (int i = 4608; i < N; i++) v[i] = malloc(opaque(1000));
    ck_assert_uint_eq(nallocx(1000, 0), 1008);
    ck_assert_uint_eq(malloc_usable_size(v[N - 1]), 1008);
    ck_assert_uint_eq(malloc_usable_size(v[0]), 1024);
    ck_assert_uint_eq(nallocx(900, 0), 912);
    ck_assert_uint_eq(nallocx(150, 0), 160);     /* another class: still coarse */
    ck_assert_uint_eq(nallocx(1024, 0), 1024);
    ck_assert_ptr_eq(realloc(v[0], opaque(1000)), v[0]);   /* its coarse class: in place */
    ck_assert_ptr_eq(realloc(v[0], opaque(897)), v[0]);
    ck_assert_ptr_eq(realloc(v[0], opaque(1024)), v[0]);
    void *q = realloc(v[1], opaque(896));                   /* the coarse class below: moves */
    ck_assert_ptr_ne(q, v[1]);
    ck_assert_uint_eq(malloc_usable_size(q), 896);
    v[1] = q;
    for (int i = 0; i < N; i++) free(v[i]);
    free(v);
}
END_TEST

/* What malloc gives is what the classes say. */
START_TEST(t_sc_malloc)
{
    for (size_t n = 0; n <= 3 * MiB; n += (n < 20000 ? 1 : 4093)) {
        void *p = malloc(opaque(n));
        REQUIRE(p != NULL, "malloc(%zu)", n);
        REQUIRE(malloc_usable_size(p) == sc_usable(n), "malloc_usable_size(malloc(%zu)) = %zu, sc_usable = %zu",
                n, malloc_usable_size(p), sc_usable(n));
        free(p);
    }
}
END_TEST

/* ---- page map ---- */

static void check_ours(size_t n) {
    unsigned char *p = malloc(opaque(n));
    REQUIRE(p != NULL, "malloc(%zu)", n);
    uintptr_t e = pagemap_get(p), e_last = pagemap_get(p + n - 1);
    REQUIRE(e != 0, "pagemap_get(malloc(%zu)) == 0", n);
    REQUIRE(e_last == e, "last byte of malloc(%zu) maps elsewhere (%#lx vs %#lx)", n,
            (unsigned long)e_last, (unsigned long)e);
    if (n <= SC_LARGE_MAX) {
        REQUIRE(pagemap_is_chunk(e), "malloc(%zu): entry %#lx is not a chunk", n, (unsigned long)e);
        struct chunk *c = pagemap_ptr(e);
        REQUIRE((uintptr_t)c == ((uintptr_t)p & ~(CHUNK_SIZE - 1)), "malloc(%zu) = %p: chunk %p", n, (void *)p, (void *)c);
        REQUIRE(c->arena != NULL, "chunk %p has no arena", (void *)c);
        REQUIRE((uintptr_t)p >= (uintptr_t)c + ((uintptr_t)c->header_pages << SC_LG_PAGE),
                "malloc(%zu) = %p lies in the chunk header", n, (void *)p);
        struct slab *r = chunk_run_of(c, p);
        if (n <= SC_SMALL_MAX) {
            REQUIRE(r->kind == RUN_SLAB, "malloc(%zu): run kind %u", n, r->kind);
            REQUIRE(r->block_size == sc_usable(n), "malloc(%zu): block size %u", n, r->block_size);
            REQUIRE(slab_block_index(r, p) >= 0, "malloc(%zu) = %p is not a block start", n, (void *)p);
            REQUIRE(r->heap == test_heap(), "malloc(%zu): slab of another heap", n);
        } else {
            REQUIRE(r->kind == RUN_LARGE, "malloc(%zu): run kind %u", n, r->kind);
            REQUIRE(r->base == (uintptr_t)p, "malloc(%zu): run base %#lx", n, (unsigned long)r->base);
            REQUIRE(((size_t)r->npages << SC_LG_PAGE) == sc_usable(n), "malloc(%zu): %u pages", n, r->npages);
        }
        free(p);
    } else {
        REQUIRE(!pagemap_is_chunk(e), "malloc(%zu): entry %#lx is a chunk", n, (unsigned long)e);
        struct huge *h = pagemap_ptr(e);
        REQUIRE(h->ptr == p, "malloc(%zu): huge record for %p", n, h->ptr);
        REQUIRE(h->usable == malloc_usable_size(p) && h->usable >= n, "huge usable %zu", h->usable);
        REQUIRE((uintptr_t)h->map % PAGEMAP_SLOT == 0 && h->map_size % PAGEMAP_SLOT == 0,
                "huge mapping %p + %zu not slot-aligned", h->map, h->map_size);
        REQUIRE(p + h->usable <= (unsigned char *)h->map + h->map_size, "huge block past its mapping");
        REQUIRE(pagemap_get(h->map) == e && pagemap_get((char *)h->map + h->map_size - 1) == e,
                "huge mapping's slots do not all map to its record");
        free(p);
        /* Unmapped: the slots are no longer tide's. */
        REQUIRE(pagemap_get(p) == 0, "pagemap_get(%p) != 0 after the huge block was freed", (void *)p);
    }
}

START_TEST(t_pagemap_ours)
{
    static const size_t sizes[] = {1, 8, 100, 1000, 14336, 14337, 100 * KiB, MiB, SC_LARGE_MAX,
                                   SC_LARGE_MAX + 1, 8 * MiB, 64 * MiB + 3};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) check_ours(sizes[i]);
    /* Aligned blocks too. */
    void *p = aligned_alloc(opaque(MiB), opaque(MiB));
    ck_assert_ptr_nonnull(p);
    ck_assert(pagemap_is_chunk(pagemap_get(p)));
    free(p);
}
END_TEST

static int static_var = 42;

START_TEST(t_pagemap_foreign)
{
    int stack_var = 1;
    void *own = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(own, MAP_FAILED);
    /* glibc's own malloc, behind tide's. */
    void *(*libc_malloc)(size_t) = NULL;
    void (*libc_free)(void *) = NULL;
    *(void **)&libc_malloc = dlsym(RTLD_NEXT, "__libc_malloc");
    *(void **)&libc_free = dlsym(RTLD_NEXT, "__libc_free");
    void *g_small = NULL, *g_big = NULL;
    if (libc_malloc && libc_free) {
        g_small = libc_malloc(64);
        g_big = libc_malloc(2 * MiB);   /* mmapped by glibc */
        ck_assert(g_small && g_big);
    } else {
        fprintf(stderr, "unit: glibc's __libc_malloc not reachable through dlsym(RTLD_NEXT)\n");
    }
    void *foreign[] = {&stack_var, &static_var, own, (char *)own + 4 * MiB + 17, (void *)&check_ours,
                       g_small, g_big, NULL, (void *)((uintptr_t)1 << 48), (void *)UINTPTR_MAX,
                       (void *)((uintptr_t)1 << 47), (void *)(((uintptr_t)1 << 63) | 0x1000)};
    size_t nf = sizeof foreign / sizeof foreign[0];
    for (size_t i = 0; i < nf; i++) {
        if (!foreign[i] && i != 7) continue;   /* glibc pointers not available */
        REQUIRE(pagemap_get(foreign[i]) == 0, "pagemap_get(%p) = %#lx for a foreign pointer", foreign[i],
                (unsigned long)pagemap_get(foreign[i]));
        REQUIRE(malloc_usable_size(opaquep(foreign[i])) == 0, "malloc_usable_size(%p) = %zu", foreign[i],
                malloc_usable_size(foreign[i]));
    }
    /* Freeing them neither crashes nor touches them: tide reports them as
     * invalid frees, and with abort_on_misuse:false counts them. */
    conf_opt.abort_on_misuse = false;
    uint64_t before = misuse_count(MISUSE_INVALID_FREE);
    size_t counted = 0;
    for (size_t i = 0; i < nf; i++) {
        if (!foreign[i]) continue;
        if (i == 4 || i >= 8) continue;   /* unmapped or code: never dereferenced anyway, but keep it simple */
        free(opaquep(foreign[i]));
        counted++;
    }
    ck_assert_uint_eq(misuse_count(MISUSE_INVALID_FREE) - before, counted);
    ck_assert_int_eq(stack_var, 1);
    ck_assert_int_eq(static_var, 42);
    /* Wild addresses too. */
    for (size_t i = 8; i < nf; i++) free(opaquep(foreign[i]));
    if (g_small) {
        memset(g_small, 1, 64);   /* still glibc's, still valid */
        libc_free(g_small);
        libc_free(g_big);
    }
    munmap(own, 8 * MiB);
    void *p = malloc(opaque(100));
    ck_assert_ptr_nonnull(p);
    free(p);
}
END_TEST

/* ---- slab order ---- */

static struct slab *slab_of(const void *p) {
    uintptr_t e = pagemap_get(p);
    if (!e || !pagemap_is_chunk(e)) return NULL;
    return chunk_run_of(pagemap_ptr(e), p);
}

static bool slab_has_space(const struct slab *s) {
    return s->free || s->local_free || s->capacity < s->nregs || s->purged ||
           (__atomic_load_n(&s->thread_free, __ATOMIC_RELAXED) & ~SLAB_TF_MASK);
}

/* The slab the 2006 rule says the next block of class c comes from: the
 * lowest-address slab of the heap with a free block, counting the blocks
 * waiting in the thread's bin (filled from the lowest slabs, lowest address
 * on top); NULL if none (a new slab). */
static struct slab *expected_slab(struct heap *h, unsigned c) {
    struct slab *best = NULL;
    for (void **q = h->bins[c].base; q < h->bins[c].top; q++) {
        struct slab *s = slab_of(*q);
        if (!best || s->base < best->base) best = s;
    }
    for (struct slab *s = h->slabs[c]; s; s = s->next)
        if (slab_has_space(s) && (!best || s->base < best->base)) best = s;
    struct slab *cur = h->current[c];
    if (cur != &slab_empty && slab_has_space(cur) && (!best || cur->base < best->base)) best = cur;
    return best;
}

/* Allocate one block of size n and check it comes from the expected slab. */
static void *alloc_checked(size_t n, const char *phase, size_t i) {
    struct heap *h = tide_tls.arena ? test_heap() : &heap_empty;
    unsigned c = sc_index(n);
    struct slab *want = h != &heap_empty ? expected_slab(h, c) : NULL;
    void *p = malloc(opaque(n));
    REQUIRE(p != NULL, "malloc(%zu)", n);
    struct slab *got = slab_of(p);
    REQUIRE(got != NULL, "malloc(%zu) not in a chunk", n);
    if (want)
        REQUIRE(got == want, "%s, block %zu of size %zu: from slab %#lx, but slab %#lx (lower, with space) was skipped",
                phase, i, n, (unsigned long)got->base, (unsigned long)want->base);
    return p;
}

static void check_slab_order(size_t n) {
    unsigned c = sc_index(n);
    unsigned nregs = sc_table[c].nregs;
    size_t max = (size_t)nregs * 12;
    void **v = calloc(max, sizeof *v);
    ck_assert_ptr_nonnull(v);
    free(malloc(opaque(n)));   /* make sure the thread has its heap */
    /* Fill: every block from the lowest slab with space, until at least 8
     * slabs' worth are taken and the last slab is exhausted. */
    size_t k = 0;
    while (k < max) {
        v[k] = alloc_checked(n, "fill", k);
        k++;
        struct slab *s = slab_of(v[k - 1]);
        if (k >= (size_t)nregs * 8 && s->used == nregs && !slab_has_space(s)) break;
    }
    ck_assert_uint_lt(k, max);
    /* Slabs whose blocks are all ours, by address. */
    struct slab *mine[16];
    size_t nmine = 0;
    for (size_t i = 0; i < k && nmine < 16; i++) {
        struct slab *s = slab_of(v[i]);
        size_t cnt = 0;
        for (size_t j = 0; j < k; j++) cnt += slab_of(v[j]) == s;
        bool seen = false;
        for (size_t m = 0; m < nmine; m++) seen |= mine[m] == s;
        if (cnt == nregs && !seen) mine[nmine++] = s;
    }
    ck_assert_uint_ge(nmine, 4);
    for (size_t a = 0; a < nmine; a++)   /* sort by address */
        for (size_t b = a + 1; b < nmine; b++)
            if (mine[b]->base < mine[a]->base) { struct slab *t = mine[a]; mine[a] = mine[b]; mine[b] = t; }
    struct slab *low1 = mine[1], *low2 = mine[2], *high = mine[nmine - 1];
    /* Free every block of the highest slab, then some of two lower ones. */
    size_t freed1 = 0, freed2 = 0;
    for (size_t i = 0; i < k; i++) {
        struct slab *s = slab_of(v[i]);
        if (s == high) { free(v[i]); v[i] = NULL; }
    }
    for (size_t i = k; i-- > 0;) {
        if (!v[i]) continue;
        struct slab *s = slab_of(v[i]);
        if (s == low2 && freed2 < (nregs + 1) / 2) { free(v[i]); v[i] = NULL; freed2++; }
        else if (s == low1 && freed1 < (nregs + 2) / 3) { free(v[i]); v[i] = NULL; freed1++; }
    }
    /* Freed blocks wait in the thread's bin (LIFO, as in jemalloc's tcache);
     * flush it so they are back in their slabs. The 2006 design has no bins. */
    if (conf_opt.tcache) ck_assert_int_eq(mallctl("thread.tcache.flush", NULL, NULL, NULL, 0), 0);
    /* New blocks: the lower slab first, then the next, never the high one
     * while those have space. */
    size_t ne = freed1 + freed2;
    void **extra = calloc(ne, sizeof *extra);
    ck_assert_ptr_nonnull(extra);
    for (size_t i = 0; i < ne; i++) {
        extra[i] = alloc_checked(n, "refill", i);
        struct slab *s = slab_of(extra[i]);
        if (i < freed1) REQUIRE(s == low1, "refill block %zu of size %zu not from the lowest slab with space", i, n);
        else REQUIRE(s == low2, "refill block %zu of size %zu not from the second slab with space", i, n);
    }
    for (size_t i = 0; i < ne; i++) free(extra[i]);
    free(extra);
    for (size_t i = 0; i < k; i++) free(v[i]);
    free(v);
}

START_TEST(t_slab_order)
{
    check_slab_order(48);
    check_slab_order(640);
    check_slab_order(3584);
    check_slab_order(10240);
}
END_TEST

/* ---- run headers: from the arena's pool, one per live run ---- */

/* A slab that took pages holding old data (a freed large run's, dirty) and
 * carved only its first block gives every such page back dirty: a calloc of
 * a large run there must read zero. (The slab once marked only the pages up
 * to its last carved block, and calloc skipped its memset on the rest.) */
START_TEST(t_slab_dirty_pages)
{
    free(malloc(opaque(64)));   /* initialised; the thread has its arena */
    REQUIRE(arena_count() >= 2, "needs two arenas, have %u", arena_count());
    struct arena *a = arena_get(arena_count() - 1);
    if (a == tide_tls.arena) a = arena_get(0);
    unsigned cls = (unsigned)sc_index(1024);
    size_t run = (size_t)sc_table[cls].slab_pages << SC_LG_PAGE;
    REQUIRE(sc_table[cls].slab_pages >= 4, "class %u: a slab of %u pages", cls, sc_table[cls].slab_pages);
    bool grew = false;
    char *l = arena_large_alloc(a, run, SC_PAGE, false, &grew);
    ck_assert_ptr_nonnull(l);
    memset(l, 0xab, run);
    struct chunk *c = chunk_of(l);
    arena_large_free(c, chunk_run_of(c, l));   /* its pages are dirty now */
    util_lock(&a->lock);                       /* a shared heap's caller holds the lock */
    struct slab *s = arena_slab_alloc(a, cls, true, &grew);
    ck_assert_ptr_nonnull(s);
    REQUIRE(s->base == (uintptr_t)l, "the slab is at %#lx, not on the freed run %p", (unsigned long)s->base, l);
    s->capacity = 1;   /* one block carved, then freed */
    arena_slab_free(s, true);
    util_unlock(&a->lock);
    char *z = arena_large_alloc(a, run, SC_PAGE, true, &grew);
    REQUIRE(z == l, "the zeroed run is at %p, not at %p", z, l);
    for (size_t i = 0; i < run; i++)
        if (z[i]) ck_abort_msg("byte %zu of %zu (page %zu) of a zeroed run reads %#x", i, run, i >> SC_LG_PAGE,
                               (unsigned char)z[i]);
    arena_large_free(c, chunk_run_of(c, z));
}
END_TEST

START_TEST(t_run_headers)
{
    enum { N = 40 };
    void *v[N];
    struct slab *hdr[N];
    /* A chunk header costs a few pages whatever the runs (no per-page run header). */
    free(malloc(opaque(100 * KiB)));
    if (tide_tls.heap != &heap_empty) heap_flush(tide_tls.heap);   /* no kept run from before */
    for (const struct chunk *c = tide_tls.arena->chunks; c; c = c->next)
        REQUIRE(c->header_pages <= 8, "chunk header of %u pages", c->header_pages);
    for (int i = 0; i < N; i++) {
        /* Large runs; the first one above the sizes a heap keeps (it is freed below). */
        size_t sz = i == 0 ? HEAP_LRUN_MAX_BYTES + 20 * KiB : (size_t)(5 + i % 3) * SC_PAGE + (i & 1 ? 0 : 20000);
        v[i] = malloc(opaque(sz));
        ck_assert_ptr_nonnull(v[i]);
        struct chunk *c = pagemap_ptr(pagemap_get(v[i]));
        hdr[i] = chunk_run_of(c, v[i]);
        REQUIRE(hdr[i] != &slab_empty && hdr[i]->kind == RUN_LARGE, "run %d: kind %u", i, hdr[i]->kind);
        /* Its first page names the header, its later pages none (a large block
         * is looked up by its first byte only); the header lies in no chunk. */
        for (unsigned pg = 1; pg < hdr[i]->npages; pg++)
            REQUIRE(chunk_run_of(c, (char *)v[i] + ((size_t)pg << SC_LG_PAGE)) == &slab_empty, "run %d page %u", i,
                    pg);
        REQUIRE(((uintptr_t)hdr[i] & ~(CHUNK_SIZE - 1)) != (uintptr_t)c, "run %d: header inside its chunk", i);
        REQUIRE((uintptr_t)hdr[i] % 64 == 0, "run %d: header %p not on a cache line", i, (void *)hdr[i]);
    }
    /* Two live runs never share a cache line of their headers. */
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            uintptr_t a = (uintptr_t)hdr[i], b = (uintptr_t)hdr[j];
            REQUIRE(a + ARENA_RUN_HDR <= b || b + ARENA_RUN_HDR <= a, "headers of runs %d and %d overlap", i, j);
        }
    /* A freed run's pages read as free, with no stale header; its header is reused. */
    struct chunk *c0 = pagemap_ptr(pagemap_get(v[0]));
    unsigned np0 = hdr[0]->npages;
    char *base0 = v[0];
    free(v[0]);   /* above the sizes a heap keeps: back to the arena */
    for (unsigned pg = 0; pg < np0; pg++)
        REQUIRE(chunk_run_of(c0, base0 + ((size_t)pg << SC_LG_PAGE)) == &slab_empty, "freed page %u keeps a header",
                pg);
    void *w = malloc(opaque(5 * SC_PAGE));   /* large: a run of its own */
    ck_assert_ptr_nonnull(w);
    REQUIRE(chunk_run_of(pagemap_ptr(pagemap_get(w)), w) == hdr[0], "the freed run's header was not reused");
    free(w);
    for (int i = 1; i < N; i++) free(v[i]);
}
END_TEST

/* ---- large runs: first fit at the lowest address ---- */

static bool page_free(const struct chunk *c, unsigned i) { return (c->free_bits[i >> 6] >> (i & 63)) & 1; }

/* Lowest address where n free pages start, over the arena's chunks; 0 if none. */
static uintptr_t first_fit(const struct arena *a, unsigned n) {
    for (const struct chunk *c = a->chunks; c; c = c->next) {
        unsigned run = 0;
        for (unsigned i = c->header_pages; i < CHUNK_NPAGES; i++) {
            run = page_free(c, i) ? run + 1 : 0;
            if (run == n) return (uintptr_t)c + ((uintptr_t)(i + 1 - n) << SC_LG_PAGE);
        }
    }
    return 0;
}

START_TEST(t_large_first_fit)
{
    free(malloc(opaque(100 * KiB)));
    struct arena *a = tide_tls.arena;
    ck_assert_ptr_nonnull(a);
    /* The chunk list is in ascending address order. */
    for (const struct chunk *c = a->chunks; c && c->next; c = c->next)
        ck_assert((uintptr_t)c < (uintptr_t)c->next);
    enum { N = 24 };
    void *v[N];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(8 + (i % 3) * 4) * SC_PAGE;   /* 8, 12, 16 pages */
        uintptr_t want = first_fit(a, (unsigned)(n >> SC_LG_PAGE));
        v[i] = malloc(opaque(n));
        ck_assert_ptr_nonnull(v[i]);
        if (want) REQUIRE((uintptr_t)v[i] == want, "large #%d: %p, first fit is %#lx", i, v[i], (unsigned long)want);
    }
    /* Holes of 8, 12 and 16 pages; then requests that fit them. */
    free(v[3]);    /* 8 pages */
    free(v[7]);    /* 12 pages */
    free(v[14]);   /* 16 pages */
    free(v[18]);   /* 8 pages */
    if (tide_tls.heap != &heap_empty) heap_flush(tide_tls.heap);   /* runs of up to 8 pages kept: back to the arena */
    static const unsigned req[] = {16, 8, 12, 4, 4, 8, 20};
    void *w[7];
    for (int i = 0; i < 7; i++) {
        uintptr_t want = first_fit(a, req[i]);
        ck_assert(want != 0 || req[i] == 20);
        w[i] = malloc(opaque((size_t)req[i] << SC_LG_PAGE));
        ck_assert_ptr_nonnull(w[i]);
        if (want)
            REQUIRE((uintptr_t)w[i] == want, "request %d (%u pages): %p, first fit is %#lx", i, req[i], w[i],
                    (unsigned long)want);
    }
    /* With nothing lower free, the 8-page request took the first hole. */
    uintptr_t lowest_hole = (uintptr_t)v[3];
    bool lower_free = false;
    for (const struct chunk *c = a->chunks; c; c = c->next)
        for (unsigned i = c->header_pages; i < CHUNK_NPAGES; i++)
            if (page_free(c, i) && (uintptr_t)c + ((uintptr_t)i << SC_LG_PAGE) < lowest_hole) lower_free = true;
    if (!lower_free) ck_assert((uintptr_t)w[1] <= lowest_hole);
    for (int i = 0; i < 7; i++) free(w[i]);
    for (int i = 0; i < N; i++)
        if (i != 3 && i != 7 && i != 14 && i != 18) free(v[i]);
}
END_TEST

/* ---- large runs of 16-32 KiB kept by the thread's heap ---- */

static void *lkeep_thread(void *arg) {
    free(arg);   /* kept by this thread's heap, given back when it exits */
    return NULL;
}

/* A thread that starts with dirty_decay_ms:0 (its heap's budget is set when
 * it takes the heap): a freed run goes back to the arena at once. */
static void *decay0_thread(void *arg) {
    (void)arg;
    void *z = malloc(opaque(20000));
    if (!z) return (void *)"malloc(20000) failed";
    struct arena *za = chunk_of(z)->arena;
    uint64_t nf = za->ctr.large_nfree;
    free(z);
    return za->ctr.large_nfree == nf + 1 ? NULL : (void *)"a run was kept with dirty_decay_ms:0";
}

/* A thread whose first allocation is large: it keeps its runs as well. */
static void *large_first_thread(void *arg) {
    (void)arg;
    void *p = malloc(opaque(64 * KiB));
    if (!p) return (void *)"malloc(64 KiB) failed";
    struct arena *a = chunk_of(p)->arena;
    uint64_t nm = a->ctr.large_nmalloc, nf = a->ctr.large_nfree;
    free(p);
    if (!conf_opt.tcache) {   /* bsd2006: no heap, nothing kept */
        if (tide_tls.heap != &heap_empty) return (void *)"a heap without a thread cache";
        return a->ctr.large_nfree == nf + 1 ? NULL : (void *)"a run was kept without a thread cache";
    }
    if (tide_tls.heap == &heap_empty) return (void *)"a large malloc gave the thread no heap";
    if (a->ctr.large_nfree != nf) return (void *)"the thread's first 64 KiB run went back to the arena";
    void *q = malloc(opaque(64 * KiB));
    if (q != p) return (void *)"the second malloc(64 KiB) did not reuse the kept run";
    if (a->ctr.large_nmalloc != nm) return (void *)"the arena served a malloc the kept run could";
    free(q);
    return NULL;
}

START_TEST(t_large_first)
{
    pthread_t th;
    void *err = (void *)"not run";
    ck_assert_int_eq(pthread_create(&th, NULL, large_first_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(th, &err), 0);
    ck_assert_msg(err == NULL, "%s", (const char *)err);
}
END_TEST

/* Many threads keeping runs at once keep about HEAP_LRUN_TOTAL together
 * once each has made a few kept-run operations with all of them live. */
enum { SHARE_NT = 48, SHARE_RUNS = 8 };
static pthread_barrier_t share_bar;
static uint64_t share_kept[SHARE_NT];
static void *share_thread(void *arg) {
    free(malloc(opaque(100)));   /* the thread's heap is live before any run is kept */
    pthread_barrier_wait(&share_bar);
    void *v[SHARE_RUNS];
    for (int round = 0; round < 3; round++) {   /* 40 kept-run operations: past two decay checks */
        for (int i = 0; i < SHARE_RUNS; i++) v[i] = malloc(opaque(128 * KiB));
        for (int i = 0; i < SHARE_RUNS; i++) free(v[i]);
    }
    share_kept[(intptr_t)arg] = tide_tls.heap->lrun_bytes;
    pthread_barrier_wait(&share_bar);   /* all still live when the sizes are read */
    return NULL;
}

START_TEST(t_large_share)
{
    if (!conf_opt.tcache) return;   /* bsd2006: nothing is kept (large_keep checks it) */
    pthread_t th[SHARE_NT];
    ck_assert_int_eq(pthread_barrier_init(&share_bar, NULL, SHARE_NT), 0);
    for (intptr_t i = 0; i < SHARE_NT; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, share_thread, (void *)i), 0);
    for (int i = 0; i < SHARE_NT; i++) ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&share_bar);
    uint64_t total = 0, most = 0;
    for (int i = 0; i < SHARE_NT; i++) {
        total += share_kept[i];
        most = share_kept[i] > most ? share_kept[i] : most;
    }
    /* 48 threads of 1 MiB each would keep 48 MiB. */
    REQUIRE(total <= HEAP_LRUN_TOTAL, "%d threads keep %llu bytes of large runs, more than %zu", SHARE_NT,
            (unsigned long long)total, (size_t)HEAP_LRUN_TOTAL);
    REQUIRE(most > 0, "no thread kept a run");
}
END_TEST

/* A size the thread frees now is kept even when runs of a size it stopped
 * using fill the budget: the least recently pushed size gives way. */
START_TEST(t_large_evict)
{
    free(malloc(opaque(100)));   /* the thread has its heap, in thread-cache mode */
    if (!conf_opt.tcache) return;   /* bsd2006: nothing is kept (large_keep checks it) */
    struct heap *h = tide_tls.heap;
    heap_flush(h);
    REQUIRE(h->lrun_budget == HEAP_LRUN_BUDGET, "budget %llu with one live thread",
            (unsigned long long)h->lrun_budget);
    enum { N = (int)(HEAP_LRUN_BUDGET / (256 * KiB)) };
    void *v[N];
    for (int i = 0; i < N; i++) v[i] = malloc(opaque(256 * KiB));
    for (int i = 0; i < N; i++) free(v[i]);
    REQUIRE(h->lrun_bytes == HEAP_LRUN_BUDGET, "kept %llu bytes, expected the full budget",
            (unsigned long long)h->lrun_bytes);
    void *p = malloc(opaque(128 * KiB));
    ck_assert_ptr_nonnull(p);
    struct arena *a = chunk_of(p)->arena;
    uint64_t nf = a->ctr.large_nfree;
    free(p);   /* kept; one 256 KiB run goes back to make room */
    REQUIRE(a->ctr.large_nfree == nf + 1, "%llu runs went back to the arena, expected 1 (a 256 KiB one)",
            (unsigned long long)(a->ctr.large_nfree - nf));
    REQUIRE(h->lrun[128 / 4 - HEAP_LRUN_MIN_PAGES].n == 1 && h->lrun[256 / 4 - HEAP_LRUN_MIN_PAGES].n == N - 1,
            "kept %u of 128 KiB and %u of 256 KiB", h->lrun[128 / 4 - HEAP_LRUN_MIN_PAGES].n,
            h->lrun[256 / 4 - HEAP_LRUN_MIN_PAGES].n);
    uint64_t nm = a->ctr.large_nmalloc;
    void *q = malloc(opaque(128 * KiB));
    REQUIRE(q == p && a->ctr.large_nmalloc == nm, "malloc(128 KiB) did not reuse the kept run");
    free(q);
    heap_flush(h);
}
END_TEST

/* aligned_alloc of a kept size takes the last kept run if it starts on the
 * alignment (aligned_alloc's own runs come back so), and never a run that
 * does not. */
START_TEST(t_large_keep_aligned)
{
    free(malloc(opaque(100)));
    if (conf_opt.tcache) heap_flush(tide_tls.heap);   /* nothing kept from before */
    void *p = aligned_alloc(65536, opaque(65536));
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 65536, 0);
    struct arena *a = chunk_of(p)->arena;
    free(p);
    uint64_t nm = a->ctr.large_nmalloc;
    void *q = aligned_alloc(65536, opaque(65536));
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq((uintptr_t)q % 65536, 0);
    if (conf_opt.tcache)
        REQUIRE(q == p && a->ctr.large_nmalloc == nm, "aligned_alloc(64 KiB, 64 KiB) gave %p, not the kept run %p", q,
                p);
    size_t al = (size_t)((uintptr_t)q & -(uintptr_t)q) << 1;   /* q does not start on this */
    free(q);
    void *r = aligned_alloc(al, opaque(65536));
    ck_assert_ptr_nonnull(r);
    REQUIRE(r != q && (uintptr_t)r % al == 0, "aligned_alloc(%zu, 64 KiB) gave %p (kept run %p)", al, r, q);
    if (conf_opt.tcache) {
        void *t = malloc(opaque(65536));
        REQUIRE(t == q, "malloc(64 KiB) gave %p, not the run still kept %p", t, q);
        free(t);
    }
    free(r);
}
END_TEST

START_TEST(t_large_keep)
{
    free(malloc(opaque(100)));   /* the thread has its heap, in thread-cache mode */
    if (conf_opt.tcache) heap_flush(tide_tls.heap);   /* nothing kept from before */
    void *p = malloc(opaque(20000));   /* 5 pages */
    ck_assert_ptr_nonnull(p);
    struct arena *a = chunk_of(p)->arena;
    uint64_t nm = a->ctr.large_nmalloc, nf = a->ctr.large_nfree;
    size_t la = a->ctr.large_allocated;
    free(p);
    if (!conf_opt.tcache) {   /* bsd2006: no thread cache keeps anything */
        ck_assert_ptr_eq(tide_tls.heap, &heap_empty);
        REQUIRE(a->ctr.large_nfree == nf + 1, "a run was kept without a thread cache");
        return;
    }
    REQUIRE(a->ctr.large_nfree == nf && a->ctr.large_allocated == la, "a 20000-byte run went back to the arena");
    void *q = malloc(opaque(16385));   /* rounds to the same 5 pages */
    REQUIRE(q == p, "malloc(16385) gave %p, not the kept run %p", q, p);
    REQUIRE(a->ctr.large_nmalloc == nm, "the arena served a malloc the kept run could");
    free(q);
    /* Other page counts are kept apart; sizes above 1 MiB and runs beyond
     * HEAP_LRUN_SLOTS of one size go back to the arena at once. */
    enum { K = HEAP_LRUN_SLOTS + 3 };
    void *v[K], *big = malloc(opaque(HEAP_LRUN_MAX_BYTES + SC_PAGE));
    ck_assert_ptr_nonnull(big);
    for (int i = 0; i < K; i++) {
        v[i] = malloc(opaque(24 * KiB));   /* 6 pages */
        ck_assert_ptr_nonnull(v[i]);
        ck_assert_ptr_ne(v[i], p);         /* the 5-page run is not handed out for 6 pages */
    }
    nf = a->ctr.large_nfree;
    for (int i = 0; i < K; i++) free(v[i]);
    free(big);
    REQUIRE(a->ctr.large_nfree - nf == 3 + 1, "%llu runs went back to the arena, expected 4",
            (unsigned long long)(a->ctr.large_nfree - nf));
    /* Kept runs are reused last-freed first. */
    void *r = malloc(opaque(24 * KiB));
    REQUIRE(r == v[HEAP_LRUN_SLOTS - 1], "malloc(24 KiB) gave %p, expected the last kept run %p", r,
            v[HEAP_LRUN_SLOTS - 1]);
    free(r);
    /* malloc_trim gives every kept run back, and the pages read as free. */
    nf = a->ctr.large_nfree;
    malloc_trim(0);
    REQUIRE(a->ctr.large_nfree - nf == HEAP_LRUN_SLOTS + 1, "malloc_trim gave back %llu kept runs, expected %d",
            (unsigned long long)(a->ctr.large_nfree - nf), HEAP_LRUN_SLOTS + 1);
    REQUIRE(chunk_run_of(chunk_of(p), p) == &slab_empty, "a trimmed kept run still has its header");
    REQUIRE(tide_tls.heap->lrun_bytes == 0, "kept bytes %llu after malloc_trim",
            (unsigned long long)tide_tls.heap->lrun_bytes);
    /* At most HEAP_LRUN_BUDGET bytes are kept: four runs of 256 KiB, not five. */
    void *m[5];
    for (int i = 0; i < 5; i++) ck_assert_ptr_nonnull(m[i] = malloc(opaque(256 * KiB)));
    nf = a->ctr.large_nfree;
    for (int i = 0; i < 5; i++) {
        ck_assert_ptr_eq(chunk_of(m[i])->arena, a);   /* the heap's arena */
        free(m[i]);
    }
    REQUIRE(a->ctr.large_nfree - nf == 1, "%llu of five 256-KiB runs went back to the arena, expected 1",
            (unsigned long long)(a->ctr.large_nfree - nf));
    REQUIRE(tide_tls.heap->lrun_bytes == HEAP_LRUN_BUDGET, "kept bytes %llu, expected %zu",
            (unsigned long long)tide_tls.heap->lrun_bytes, (size_t)HEAP_LRUN_BUDGET);
    malloc_trim(0);
    /* A block realloc moves to a large size comes from first fit, not from a kept run. */
    void *kr = malloc(opaque(32 * KiB));
    free(kr);   /* kept */
    char *sm = malloc(opaque(8000)), *gr = realloc(sm, 30000);
    ck_assert_ptr_nonnull(gr);
    REQUIRE(gr != kr, "realloc moved a block into the kept run %p", kr);
    void *again = malloc(opaque(32 * KiB));
    REQUIRE(again == kr, "malloc(32 KiB) gave %p, not the kept run %p", again, kr);
    free(again);
    free(gr);
    malloc_trim(0);
    /* realloc grows a run in place past a run the thread keeps right after it. */
    char *ga = malloc(opaque(16 * KiB)), *gb = malloc(opaque(16 * KiB));
    ck_assert_ptr_nonnull(ga);
    REQUIRE(gb == ga + 16 * KiB, "first fit put the second 16-KiB run at %p, not right after %p", (void *)gb,
            (void *)ga);
    free(gb);   /* kept */
    char *gg = realloc(ga, 32 * KiB);
    REQUIRE(gg == ga, "realloc to 32 KiB moved the run (%p -> %p) instead of taking the kept run after it",
            (void *)ga, (void *)gg);
    free(gg);
    malloc_trim(0);
    /* dirty_decay_ms:0 asks for pages back at once: nothing is kept. */
    int decay = conf_opt.dirty_decay_ms;
    conf_opt.dirty_decay_ms = 0;
    pthread_t th;
    void *why = NULL;
    ck_assert_int_eq(pthread_create(&th, NULL, decay0_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(th, &why), 0);
    conf_opt.dirty_decay_ms = decay;
    REQUIRE(why == NULL, "%s", (const char *)why);
    /* A thread's kept runs go back when it exits. */
    void *w = malloc(opaque(28 * KiB));
    ck_assert_ptr_nonnull(w);
    struct arena *wa = chunk_of(w)->arena;
    nf = wa->ctr.large_nfree;
    ck_assert_int_eq(pthread_create(&th, NULL, lkeep_thread, w), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    REQUIRE(wa->ctr.large_nfree == nf + 1, "an exited thread's kept run was not given back");
}
END_TEST

/* ---- an adopted heap keeps its arena ---- */

static struct heap *adopt_heap;
static struct arena *adopt_arena, *adopt_other;

static void *adopt_first(void *arg) {
    (void)arg;
    free(malloc(opaque(64)));   /* this thread's heap, on its arena */
    adopt_heap = tide_tls.heap;
    adopt_arena = adopt_heap->arena;
    return NULL;                /* exit: the heap is parked */
}

static void *adopt_second(void *arg) {
    (void)arg;
    /* This thread's arena is another one (as when round-robin picks the next
     * arena because the thread it replaces still counts in its own). */
    tide_tls.arena = adopt_other;
    __atomic_fetch_add(&adopt_other->nthreads, 1, __ATOMIC_RELAXED);
    void *v[200];
    for (int i = 0; i < 200; i++) v[i] = malloc(opaque(3000));   /* new slabs of class 3072 */
    bool same_heap = tide_tls.heap == adopt_heap;
    struct arena *slab_arena = chunk_of(v[199])->arena;
    for (int i = 0; i < 200; i++) free(v[i]);
    return same_heap && slab_arena == adopt_arena ? (void *)1 : NULL;
}

START_TEST(t_adopt_keeps_arena)
{
    if (!conf_opt.tcache || arena_count() < 2) return;   /* no heaps to adopt, or one arena */
    pthread_t th;
    void *ok = NULL;
    ck_assert_int_eq(pthread_create(&th, NULL, adopt_first, NULL), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_ptr_nonnull(adopt_heap);
    adopt_other = arena_get(adopt_arena->index + 1 < arena_count() ? adopt_arena->index + 1 : 0);
    ck_assert_int_eq(pthread_create(&th, NULL, adopt_second, NULL), 0);
    ck_assert_int_eq(pthread_join(th, &ok), 0);
    REQUIRE(adopt_heap->arena == adopt_arena, "the adopted heap moved from arena %u to arena %u",
            adopt_arena->index, adopt_heap->arena->index);
    REQUIRE(ok != NULL, "the second thread did not adopt the parked heap, or its new slabs came from "
                        "another arena than the heap's");
}
END_TEST

/* ---- options ---- */

START_TEST(t_conf_parse)
{
    free(malloc(opaque(1)));
    ck_assert_int_eq(conf_parse("dirty_decay_ms:300"), 0);
    ck_assert_int_eq(conf_opt.dirty_decay_ms, 300);
    ck_assert_int_eq(conf_parse("dirty_decay_ms:-1"), 0);
    ck_assert_int_eq(conf_opt.dirty_decay_ms, -1);
    ck_assert_int_eq(conf_parse("no_such_option:1"), 1);
    ck_assert_int_eq(conf_parse("dirty_decay_ms:soon"), 1);
    ck_assert_int_eq(conf_opt.dirty_decay_ms, -1);
    ck_assert_int_eq(conf_parse("dirty_decay_ms:250,bogus,stats_print:maybe"), 2);
    ck_assert_int_eq(conf_opt.dirty_decay_ms, 250);
    ck_assert_int_eq(conf_opt.class_refine_kb, CONF_DEFAULT_REFINE_KB);
    ck_assert_int_eq(conf_parse("class_refine_kb:0"), 0);
    ck_assert_int_eq(conf_opt.class_refine_kb, 0);
    ck_assert_int_eq(conf_parse("class_refine_kb:-2,class_refine_kb:x"), 2);
    ck_assert_int_eq(conf_parse("class_refine_kb:-1"), 0);
    ck_assert_int_eq(conf_opt.class_refine_kb, -1);
}
END_TEST

/* ---- purge timing: a child process started with TIDE_CONF ---- */

#define PURGE_DECAY_MS 200

static int child_failures;
#define CHILD_CHECK(c, ...) do { if (!(c)) { child_failures++; \
    fprintf(stderr, "unit purge child: line %d: `%s` failed: ", __LINE__, #c); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t pdirty(void) {
    uint64_t epoch = 1;
    size_t v = 0, len = sizeof v;
    if (mallctl("epoch", NULL, NULL, &epoch, sizeof epoch) != 0 ||
        mallctl("stats.arenas.4096.pdirty", &v, &len, NULL, 0) != 0) {
        CHILD_CHECK(0, "mallctl epoch / stats.arenas.4096.pdirty failed");
        return 0;
    }
    return v;
}

static bool resident(const void *p) {
    unsigned char vec = 0;
    uintptr_t page = (uintptr_t)p & ~(SC_PAGE - 1);
    if (mincore((void *)page, SC_PAGE, &vec) != 0) return false;
    return vec & 1;
}

/* Some slow-path calls: a large block (arena lock, purge check) and slabs of
 * a class not used elsewhere. */
static void slow_paths(void) {
    for (int i = 0; i < 4; i++) {
        void *l = malloc(opaque(64 * KiB));
        void *s = malloc(opaque(12000));
        free(l);
        free(s);
    }
}

enum { PN = 8192, PSIZE = 2048 };   /* 16 MiB in 1-page slabs */
static void *pblk[PN];

static void fill_and_free(void) {
    for (int i = 0; i < PN; i++) {
        pblk[i] = malloc(opaque(PSIZE));
        if (!pblk[i]) { CHILD_CHECK(0, "malloc(%d) #%d", PSIZE, i); return; }
        memset(pblk[i], 0x5A, PSIZE);
    }
    for (int i = 0; i < PN; i++) free(pblk[i]);
}

static int purge_child(void) {
    free(malloc(opaque(1)));
    CHILD_CHECK(conf_opt.dirty_decay_ms == PURGE_DECAY_MS, "dirty_decay_ms is %lld, TIDE_CONF not applied",
                (long long)conf_opt.dirty_decay_ms);
    const size_t freed_pages = (size_t)PN * PSIZE / SC_PAGE;
    bool judged = false;
    for (int attempt = 0; attempt < 3 && !judged; attempt++) {
        size_t p0 = pdirty();
        uint64_t t0 = now_ms();
        fill_and_free();
        uint64_t t_freed = now_ms();
        size_t p1 = pdirty();
        slow_paths();
        size_t p2 = pdirty();
        bool res_early = resident(pblk[PN / 2]);
        uint64_t t2 = now_ms();
        if (t2 - t_freed >= PURGE_DECAY_MS * 3 / 4) {
            fprintf(stderr, "unit purge child: attempt %d took %llu ms, too slow to judge the delay; again\n",
                    attempt, (unsigned long long)(t2 - t0));
            usleep(PURGE_DECAY_MS * 2 * 1000);
            slow_paths();
            continue;
        }
        judged = true;
        CHILD_CHECK(p1 >= p0 + freed_pages * 9 / 10, "freeing %zu pages of slabs left pdirty %zu -> %zu",
                    freed_pages, p0, p1);
        CHILD_CHECK(p2 + 16 >= p1, "dirty pages purged before the delay: %zu -> %zu after %llu ms",
                    p1, p2, (unsigned long long)(t2 - t_freed));
        CHILD_CHECK(res_early, "a freed slab page was not resident before the delay");
        /* After the delay, the next slow path purges them. */
        usleep((PURGE_DECAY_MS + 100) * 1000);
        slow_paths();
        size_t p3 = pdirty();
        CHILD_CHECK(p3 <= p1 / 20 + 64, "after %d ms and a slow path, pdirty is still %zu (was %zu)",
                    PURGE_DECAY_MS + 100, p3, p1);
        CHILD_CHECK(!resident(pblk[PN / 2]), "a freed slab page is still resident after the purge");
    }
    CHILD_CHECK(judged, "three attempts too slow to judge the purge delay");
    /* malloc_trim(0) purges at once and says it released something. */
    fill_and_free();
    size_t p4 = pdirty();
    CHILD_CHECK(p4 >= freed_pages * 9 / 10, "pdirty %zu after freeing %zu pages", p4, freed_pages);
    int r = malloc_trim(0);
    CHILD_CHECK(r == 1, "malloc_trim(0) returned %d with %zu dirty pages", r, p4);
    size_t p5 = pdirty();
    CHILD_CHECK(p5 == 0, "pdirty %zu right after malloc_trim(0)", p5);
    CHILD_CHECK(!resident(pblk[PN / 2]), "a freed slab page is resident after malloc_trim(0)");
    r = malloc_trim(0);
    CHILD_CHECK(r == 0, "malloc_trim(0) with nothing to release returned %d", r);
    if (child_failures) fprintf(stderr, "unit purge child: %d failures\n", child_failures);
    return child_failures ? 1 : 0;
}

/* Run this test binary again as `flag` with TIDE_CONF set to conf (a
 * "TIDE_CONF=..." string) and no other TIDE_CONF; its wait status. */
static int spawn_child(const char *flag, const char *conf) {
    size_t n = 0;
    while (environ[n]) n++;
    char **envp = calloc(n + 2, sizeof *envp);
    ck_assert_ptr_nonnull(envp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TIDE_CONF=", 10) != 0) envp[k++] = environ[i];
    envp[k++] = (char *)conf;
    envp[k] = NULL;
    char *argv[] = {"unit_test", (char *)flag, NULL};
    pid_t pid;
    int r = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, envp);
    ck_assert_int_eq(r, 0);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    free(envp);
    return st;
}

START_TEST(t_purge_timing)
{
    int st = spawn_child("--purge-child", "TIDE_CONF=dirty_decay_ms:200");
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "purge child (TIDE_CONF=dirty_decay_ms:200) failed, status %#x; see its lines above", st);
}
END_TEST

/* ---- scavenging: sparse slabs give back the pages of their free blocks ---- */

enum { SN = 4000, SSIZE = 1280 };   /* class 1280: 10-page slabs of 32 blocks */
static unsigned char *sblk[SN];

static void spattern(unsigned char *p, int i) {
    for (int k = 0; k < SSIZE; k++) p[k] = (unsigned char)(i * 7 + k);
}

static bool spattern_ok(const unsigned char *p, int i) {
    for (int k = 0; k < SSIZE; k++)
        if (p[k] != (unsigned char)(i * 7 + k)) return false;
    return true;
}

/* Pages of the slabs holding sblk[] that are resident. */
static size_t sresident(void) {
    size_t n = 0;
    for (int i = 0; i < SN; i++) {
        struct slab *sl = slab_of(sblk[i]);
        if (!sl) continue;
        for (unsigned p = 0; p < sl->npages; p++) {
            unsigned char v = 0;
            if (mincore((void *)(sl->base + ((uintptr_t)p << SC_LG_PAGE)), SC_PAGE, &v) == 0 && (v & 1)) n++;
        }
    }
    return n;   /* counts each page once per block of it in sblk: a relative measure */
}

START_TEST(t_scavenge)
{
    free(malloc(opaque(1)));
    struct heap *h = test_heap();
    uint64_t before = h != &heap_empty && !h->shared ? h->scavenged_pages : 0;
    for (int i = 0; i < SN; i++) {
        sblk[i] = malloc(opaque(SSIZE));
        ck_assert_ptr_nonnull(sblk[i]);
        spattern(sblk[i], i);
    }
    size_t r0 = sresident();
    /* Free 85 % at random: the survivors leave every slab sparse. */
    uint64_t x = 12345;
    bool *gone = calloc(SN, 1);
    ck_assert_ptr_nonnull(gone);
    for (int i = 0; i < SN; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        gone[i] = (x >> 33) % 100 < 85;
    }
    unsigned char *keep[SN];
    for (int i = 0; i < SN; i++) keep[i] = sblk[i];
    for (int i = 0; i < SN; i++)
        if (gone[i]) free(sblk[i]);
    /* malloc_trim(0) gives the free pages of sparse slabs back at once. */
    malloc_trim(0);
    for (int i = 0; i < SN; i++) sblk[i] = keep[i];
    size_t r1 = sresident();
    if (conf_opt.tcache) {
        ck_assert_msg(h->scavenged_pages > before, "no slab page scavenged (%llu)",
                      (unsigned long long)h->scavenged_pages);
        ck_assert_msg(r1 * 10 < r0 * 7, "resident slab pages %zu -> %zu after freeing 85 %% and malloc_trim", r0,
                      r1);
        for (int i = 0; i < SN; i++)
            if (gone[i]) {   /* a page of a sparse slab with no survivor on it is not resident */
                bool alone = true;
                uintptr_t pg = (uintptr_t)sblk[i] & ~(SC_PAGE - 1);
                for (int j = 0; j < SN && alone; j++)
                    if (!gone[j] && ((uintptr_t)sblk[j] + SSIZE > pg && (uintptr_t)sblk[j] < pg + SC_PAGE)) alone = false;
                struct slab *sl = slab_of((void *)pg);
                if (alone && sl->used * 4 <= sl->nregs)   /* a sparse slab: its empty pages went back */
                    ck_assert_msg(!resident((void *)pg), "page %#lx of a slab %u/%u full holds no live block but is resident",
                                  (unsigned long)pg, sl->used, sl->nregs);
            }
    }
    /* The survivors are intact; new blocks come from the purged pages and
     * the slabs stay consistent (debug builds check every slab on the way). */
    for (int i = 0; i < SN; i++)
        if (!gone[i]) ck_assert_msg(spattern_ok(sblk[i], i), "survivor %d corrupted", i);
    for (int i = 0; i < SN; i++)
        if (gone[i]) {
            sblk[i] = malloc(opaque(SSIZE));
            ck_assert_ptr_nonnull(sblk[i]);
            spattern(sblk[i], i);
        }
    for (int i = 0; i < SN; i++) ck_assert_msg(spattern_ok(sblk[i], i), "block %d corrupted after refill", i);
    for (int i = 0; i < SN; i++) free(sblk[i]);
    free(gone);
}
END_TEST

/* ---- growth: a chunk mapped while sparse slabs and short dirty runs wait ---- */

/* GSIZE: runs above the sizes a heap keeps, so that the freed ones are dirty free runs. */
enum { GROW_DECAY_MS = 600000, GN = 64, GSIZE = 1028 * KiB, GBIG = 48, GBIGSIZE = 2 * MiB };
_Static_assert(GSIZE > (HEAP_LRUN_MAX_PAGES << SC_LG_PAGE) && GSIZE < GBIGSIZE && GBIGSIZE <= SC_LARGE_MAX,
               "GSIZE: not kept, and shorter than the big (still large) requests");

/* With a delay no test outlives, only the arena's growth can give back the
 * pages of queued sparse slabs and of dirty runs too short for the request. */
static int grow_child(void) {
    free(malloc(opaque(1)));
    CHILD_CHECK(conf_opt.dirty_decay_ms == GROW_DECAY_MS, "dirty_decay_ms is %lld, TIDE_CONF not applied",
                (long long)conf_opt.dirty_decay_ms);
    struct heap *h = test_heap();
    CHILD_CHECK(h != &heap_empty && !h->shared, "the thread has no heap of its own");
    if (child_failures) return 1;
    /* Allocate first (the arena may grow meanwhile), then free: class-1280
     * slabs left with 15 % of their blocks (sparse, queued), and every other
     * GSIZE run (dirty runs of 257 pages). */
    void *run[GN];
    for (int i = 0; i < GN; i++) {
        run[i] = malloc(opaque(GSIZE));
        CHILD_CHECK(run[i] != NULL, "malloc(%zu) #%d", (size_t)GSIZE, i);
        if (!run[i]) return 1;
        memset(run[i], 0x3C, GSIZE);
    }
    for (int i = 0; i < SN; i++) {
        sblk[i] = malloc(opaque(SSIZE));
        CHILD_CHECK(sblk[i] != NULL, "malloc(%d) #%d", SSIZE, i);
        if (!sblk[i]) return 1;
        spattern(sblk[i], i);
    }
    bool *gone = calloc(SN, 1);   /* before the frees: it must not take freed dirty pages */
    CHILD_CHECK(gone != NULL, "calloc(%d)", SN);
    if (!gone) return 1;
    for (int i = 0; i < GN; i += 2) free(run[i]);
    uint64_t x = 777;
    for (int i = 0; i < SN; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        gone[i] = (x >> 33) % 100 < 85;
        if (gone[i]) free(sblk[i]);
    }
    uint64_t scav0 = h->scavenged_pages;
    CHILD_CHECK(h->sparse_head != NULL, "freeing 85 %% of the blocks queued no sparse slab");
    size_t d1 = pdirty();
    CHILD_CHECK(d1 >= GN / 2 * (GSIZE >> SC_LG_PAGE), "freeing %d runs of %zu pages left %zu dirty pages", GN / 2,
                (size_t)(GSIZE >> SC_LG_PAGE), d1);
    CHILD_CHECK(resident(run[GN / 2]), "a freed GSIZE run was purged before the delay");
    CHILD_CHECK(h->scavenged_pages == scav0, "sparse slabs scavenged before the delay");
    /* Requests of 512 pages no free run holds: the arena maps chunks. */
    void *big[GBIG];
    for (int k = 0; k < GBIG; k++) {
        big[k] = malloc(opaque(GBIGSIZE));
        CHILD_CHECK(big[k] != NULL, "malloc(2 MiB) #%d", k);
        if (big[k]) memset(big[k], 0x11, GBIGSIZE);
    }
    size_t d2 = pdirty();
    CHILD_CHECK(d2 * 4 < d1, "dirty pages %zu -> %zu: the short runs were not purged when the arena grew", d1, d2);
    CHILD_CHECK(!resident(run[GN / 2]), "a freed GSIZE run is still resident after the arena grew");
    CHILD_CHECK(h->scavenged_pages > scav0, "the queued sparse slabs were not scavenged when the arena grew");
    CHILD_CHECK(h->sparse_head == NULL, "sparse slabs still queued after the arena grew");
    for (int i = 0; i < SN; i++)
        if (!gone[i]) CHILD_CHECK(spattern_ok(sblk[i], i), "survivor %d corrupted", i);
    for (int i = 1; i < GN; i += 2)
        CHILD_CHECK(((unsigned char *)run[i])[GSIZE - 1] == 0x3C, "live run %d corrupted", i);
    for (int k = 0; k < GBIG; k++) free(big[k]);
    for (int i = 1; i < GN; i += 2) free(run[i]);
    for (int i = 0; i < SN; i++)
        if (!gone[i]) free(sblk[i]);
    free(gone);
    if (child_failures) fprintf(stderr, "unit grow child: %d failures\n", child_failures);
    return child_failures ? 1 : 0;
}

START_TEST(t_grow_purge)
{
    char conf[64];
    snprintf(conf, sizeof conf, "TIDE_CONF=dirty_decay_ms:%d", GROW_DECAY_MS);
    int st = spawn_child("--grow-child", conf);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "grow child (%s) failed, status %#x; see its lines above",
                  conf, st);
}
END_TEST

/* ---- misuse (misuse.h) ---- */

static void *misuse_remote_free_twice(void *p) {
    free(p);
    free(p);
    return NULL;
}

/* With abort_on_misuse:false a double or invalid free is ignored and
 * counted, and no block is ever handed out twice; by default it aborts. */
START_TEST(t_misuse)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {   /* the default: a report and abort() */
        void *p = malloc(opaque(32));
        free(p);
        free(opaquep(p));
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    REQUIRE(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "a double free did not abort (status %#x)", st);

    conf_opt.abort_on_misuse = false;
    uint64_t d0 = misuse_count(MISUSE_DOUBLE_FREE), i0 = misuse_count(MISUSE_INVALID_FREE);
    static const size_t sizes[] = {1, 8, 16, 32, 100, 1024, 4000, 14336, 20000, 100 * KiB, 3 * MiB};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char *p = malloc(opaque(sizes[k]));
        ck_assert_ptr_nonnull(p);
        free(p);
        free(opaquep(p));   /* large and huge runs given back: an invalid free */
        char *a = malloc(opaque(sizes[k])), *b = malloc(opaque(sizes[k]));
        REQUIRE(a != b, "size %zu: a double free made malloc return %p twice", sizes[k], (void *)a);
        free(a);
        free(b);
    }
    REQUIRE(misuse_count(MISUSE_DOUBLE_FREE) + misuse_count(MISUSE_INVALID_FREE) - d0 - i0 >= 11,
            "double frees counted: %llu + %llu", (unsigned long long)(misuse_count(MISUSE_DOUBLE_FREE) - d0),
            (unsigned long long)(misuse_count(MISUSE_INVALID_FREE) - i0));
    /* free(p + 8) and a 16-aligned interior pointer of another thread's block. */
    char *q = malloc(opaque(64));
    uint64_t inv = misuse_count(MISUSE_INVALID_FREE);
    free(opaquep(q + 8));
    REQUIRE(misuse_count(MISUSE_INVALID_FREE) == inv + 1, "free(p + 8) not reported");
    for (int k = 0; k < 100; k++) {
        char *r = malloc(opaque(56));
        REQUIRE(r != q + 8, "free(p + 8) was handed out by malloc");
        free(r);
    }
    free(q);
    /* A double free from another thread. */
    uint64_t dbl = misuse_count(MISUSE_DOUBLE_FREE);
    void *x = malloc(opaque(48));
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, misuse_remote_free_twice, x), 0);
    pthread_join(th, NULL);
    REQUIRE(misuse_count(MISUSE_DOUBLE_FREE) == dbl + 1, "a remote double free was not reported");
    /* realloc of a freed block. */
    void *y = malloc(opaque(48));
    free(y);
    dbl = misuse_count(MISUSE_DOUBLE_FREE);
    REQUIRE(realloc(opaquep(y), 40) == NULL, "realloc of a freed block returned a block");
    REQUIRE(misuse_count(MISUSE_DOUBLE_FREE) == dbl + 1, "realloc of a freed block not reported");
}
END_TEST

static void tcase(Suite *s, const char *name, const TTest *t, int timeout) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--purge-child") == 0) return purge_child();
    if (argc == 2 && strcmp(argv[1], "--grow-child") == 0) return grow_child();
    if (argc != 1) {
        fprintf(stderr, "usage: unit_test\n");
        return 2;
    }
    Suite *s = suite_create("unit");
    tcase(s, "sc_table", t_sc_table, 10);
    tcase(s, "sc_sweep", t_sc_sweep, 60);
    tcase(s, "sc_malloc", t_sc_malloc, 60);
    tcase(s, "sc_refine", t_sc_refine, 30);
    tcase(s, "pagemap_ours", t_pagemap_ours, 30);
    tcase(s, "pagemap_foreign", t_pagemap_foreign, 30);
    tcase(s, "slab_order", t_slab_order, 30);
    tcase(s, "large_first_fit", t_large_first_fit, 30);
    tcase(s, "run_headers", t_run_headers, 30);
    tcase(s, "slab_dirty_pages", t_slab_dirty_pages, 30);
    tcase(s, "misuse", t_misuse, 30);
    tcase(s, "large_keep", t_large_keep, 30);
    tcase(s, "large_first", t_large_first, 30);
    tcase(s, "large_keep_aligned", t_large_keep_aligned, 30);
    tcase(s, "large_evict", t_large_evict, 30);
    tcase(s, "large_share", t_large_share, 60);
    tcase(s, "adopt_keeps_arena", t_adopt_keeps_arena, 30);
    tcase(s, "conf_parse", t_conf_parse, 10);
    tcase(s, "purge_timing", t_purge_timing, 60);
    tcase(s, "scavenge", t_scavenge, 60);
    tcase(s, "grow_purge", t_grow_purge, 60);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
