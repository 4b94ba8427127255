/*
 * api_test.c: API semantics of a malloc(3) implementation.
 *
 * The binary is linked against glibc only and tests whatever malloc the
 * process ends up with: glibc's, or tide's under LD_PRELOAD. Every case of
 * allocator-design.md section 3.6 A (items 1-9, the C++ part is cxx_test.cpp)
 * is here. Functions glibc 2.36 lacks (free_sized, free_aligned_sized, the
 * jemalloc API) are looked up with dlsym; their test cases run only when the
 * library under test exports them, and API_REQUIRE_TIDE=1 makes a missing one
 * a failure (the tide runs set it).
 *
 * Check runs every test in a forked child: a crash is reported as an error
 * of that test and the others still run. Assertions inside loops use
 * REQUIRE, which costs nothing on success (Check's ck_assert records every
 * passing assertion through a pipe).
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tide.h"   /* MALLOCX_* flag encodings only; the functions come from dlsym */

/* ck_assert_msg for loops: silent on success (no mark point per check). */
#define REQUIRE(c, ...) do { if (!(c)) { char m_[512]; snprintf(m_, sizeof m_, __VA_ARGS__); \
    ck_abort_msg("`%s` failed: %s", #c, m_); } } while (0)

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* Hide a value from the optimiser: no constant folding of malloc(SIZE_MAX),
 * no -Walloc-size-larger-than, no elision of malloc/free pairs. */
static size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }
static void *opaquep(void *p) { __asm__ volatile("" : "+r"(p)); return p; }

/* ---- the library under test ---- */

static struct {
    void *(*mallocx)(size_t, int);
    void *(*rallocx)(void *, size_t, int);
    size_t (*xallocx)(void *, size_t, size_t, int);
    size_t (*sallocx)(const void *, int);
    void (*dallocx)(void *, int);
    void (*sdallocx)(void *, size_t, int);
    size_t (*nallocx)(size_t, int);
    int (*mallctl)(const char *, void *, size_t *, void *, size_t);
    void (*free_sized)(void *, size_t);
    void (*free_aligned_sized)(void *, size_t, size_t);
} lib;

static bool require_tide;
static bool glibc_malloc;       /* malloc resolves into libc.so */
static bool glibc_ge_238;

static void *sym(const char *name) { return dlsym(RTLD_DEFAULT, name); }

static void lib_resolve(void) {
    *(void **)&lib.mallocx = sym("mallocx");
    *(void **)&lib.rallocx = sym("rallocx");
    *(void **)&lib.xallocx = sym("xallocx");
    *(void **)&lib.sallocx = sym("sallocx");
    *(void **)&lib.dallocx = sym("dallocx");
    *(void **)&lib.sdallocx = sym("sdallocx");
    *(void **)&lib.nallocx = sym("nallocx");
    *(void **)&lib.mallctl = sym("mallctl");
    *(void **)&lib.free_sized = sym("free_sized");
    *(void **)&lib.free_aligned_sized = sym("free_aligned_sized");
    Dl_info info;
    void *m = sym("malloc");
    glibc_malloc = m && dladdr(m, &info) && info.dli_fname && strstr(info.dli_fname, "libc.so");
    unsigned maj = 0, min = 0;
    sscanf(gnu_get_libc_version(), "%u.%u", &maj, &min);
    glibc_ge_238 = maj > 2 || (maj == 2 && min >= 38);
    const char *r = getenv("API_REQUIRE_TIDE");
    require_tide = r && strcmp(r, "1") == 0;
}

static bool have_jemalloc_api(void) {
    return lib.mallocx && lib.rallocx && lib.xallocx && lib.sallocx && lib.dallocx &&
           lib.sdallocx && lib.nallocx;
}

/* Byte j of a block tagged `tag`. */
static unsigned char pat(size_t tag, size_t j) { return (unsigned char)(tag * 131u + j * 7u + 1u); }
static void fill(void *p, size_t n, size_t tag) {
    unsigned char *b = p;
    for (size_t j = 0; j < n; j++) b[j] = pat(tag, j);
}
/* Index of the first byte that differs from the pattern, or n. */
static size_t verify(const void *p, size_t n, size_t tag) {
    const unsigned char *b = p;
    for (size_t j = 0; j < n; j++)
        if (b[j] != pat(tag, j)) return j;
    return n;
}
/* Index of the first non-zero byte, or n (memcmp against zeros, a page at a time). */
static size_t first_nonzero(const void *p, size_t n) {
    static const unsigned char zero[4096];
    const unsigned char *b = p;
    for (size_t off = 0; off < n; off += sizeof zero) {
        size_t len = n - off < sizeof zero ? n - off : sizeof zero;
        if (memcmp(b + off, zero, len) == 0) continue;
        for (size_t j = off; j < off + len; j++)
            if (b[j]) return j;
    }
    return n;
}
static bool aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

/* Bytes in use according to mallinfo2 (arena plus mmapped blocks). */
static size_t mallinfo_used(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* ---- 1. malloc(0), free(NULL) ---- */

START_TEST(t_malloc0)
{
    void *a = malloc(opaque(0));
    void *b = malloc(opaque(0));
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
    free(opaquep(NULL));
    free(a);
    free(b);
    /* Many zero-size blocks alive at once are all distinct. */
    void *v[256];
    for (int i = 0; i < 256; i++) {
        v[i] = malloc(opaque(0));
        REQUIRE(v[i] != NULL, "malloc(0) #%d", i);
        for (int j = 0; j < i; j++) REQUIRE(v[i] != v[j], "malloc(0) #%d == #%d", i, j);
    }
    for (int i = 0; i < 256; i++) free(v[i]);
}
END_TEST

/* ---- 2. every size: alignment, usable size, writable ---- */

static void check_size(size_t s) {
    unsigned char *p = malloc(opaque(s));
    REQUIRE(p != NULL, "malloc(%zu)", s);
    if (s >= 16) REQUIRE(aligned(p, 16), "malloc(%zu) = %p is not 16-aligned", s, (void *)p);
    size_t u = malloc_usable_size(p);
    REQUIRE(u >= s, "malloc_usable_size(malloc(%zu)) = %zu", s, u);
    memset(p, 0xA5, u);
    REQUIRE(p[0] == 0xA5 && p[u - 1] == 0xA5, "malloc(%zu): usable bytes not writable", s);
    free(p);
}

START_TEST(t_sizes_small)
{
    for (size_t s = 1; s <= 64 * KiB; s++) check_size(s);
}
END_TEST

START_TEST(t_sizes_pow2)
{
    for (size_t s = 1; s <= 64 * MiB; s <<= 1) {
        check_size(s);
        check_size(s + 1);
        if (s > 1) check_size(s - 1);
    }
}
END_TEST

/* 1000 live blocks of mixed sizes: filling each one's usable bytes leaves
 * every other block intact; replace half and check again. */
START_TEST(t_neighbours)
{
    enum { N = 1000 };
    static unsigned char *blk[N];
    static size_t usable[N], tag[N];
    uint64_t rng = 88172645463325252ull;
    size_t next_tag = 1;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            if (round > 0 && (i + round) % 2 == 0) continue;   /* keep the other half */
            if (blk[i]) free(blk[i]);
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            size_t s;
            switch (rng % 16) {
            case 0: s = 16 * KiB + rng % (600 * KiB); break;        /* large */
            case 1: s = (rng >> 8) % 4 == 0 ? 3 * MiB + rng % MiB : 1 + rng % 256; break; /* some huge */
            default: s = 1 + (rng >> 5) % 4096; break;             /* small */
            }
            blk[i] = malloc(opaque(s));
            REQUIRE(blk[i] != NULL, "malloc(%zu)", s);
            usable[i] = malloc_usable_size(blk[i]);
            REQUIRE(usable[i] >= s, "usable %zu < %zu", usable[i], s);
            tag[i] = next_tag++;
            fill(blk[i], usable[i], tag[i]);
        }
        for (int i = 0; i < N; i++) {
            size_t bad = verify(blk[i], usable[i], tag[i]);
            REQUIRE(bad == usable[i], "round %d: block %d (%p, usable %zu) corrupted at byte %zu",
                    round, i, (void *)blk[i], usable[i], bad);
        }
    }
    for (int i = 0; i < N; i++) free(blk[i]);
}
END_TEST

/* ---- 3. calloc ---- */

static void check_calloc(size_t n, size_t s) {
    /* Dirty memory of the same size first, so calloc may get it back. */
    unsigned char *d = malloc(opaque(n * s));
    REQUIRE(d != NULL, "malloc(%zu)", n * s);
    memset(d, 0xAA, malloc_usable_size(d));
    free(d);
    unsigned char *p = calloc(opaque(n), opaque(s));
    REQUIRE(p != NULL, "calloc(%zu, %zu)", n, s);
    if (n * s >= 16) REQUIRE(aligned(p, 16), "calloc(%zu, %zu) not 16-aligned", n, s);
    size_t bad = first_nonzero(p, n * s);
    REQUIRE(bad == n * s, "calloc(%zu, %zu): byte %zu is not zero", n, s, bad);
    memset(p, 0xAA, n * s);
    free(p);
}

START_TEST(t_calloc)
{
    for (size_t s = 1; s <= 64 * MiB; s <<= 1) {
        check_calloc(1, s);
        if (s <= MiB) check_calloc(s > 3 ? 3 : 1, s / 3 + 1);
        if (s <= 4 * MiB || s == 64 * MiB) check_calloc(1, s + 17);
    }
    for (size_t s = 1; s <= 20000; s += 37) check_calloc(s, 1);
    /* Zero-sized products give unique non-NULL blocks. */
    void *a = calloc(opaque(0), opaque(16)), *b = calloc(opaque(16), opaque(0));
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
    free(a);
    free(b);
    /* Overflow of n * s. */
    errno = 0;
    ck_assert_ptr_null(calloc(opaque(SIZE_MAX / 2 + 1), opaque(2)));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(calloc(opaque(((size_t)1 << 32) + 1), opaque((size_t)1 << 32)));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(calloc(opaque(SIZE_MAX), opaque(SIZE_MAX)));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* ---- 4. too large (glibc tst-malloc-too-large) ---- */

static void check_too_large(size_t size) {
    void *p;
    errno = 0;
    REQUIRE(malloc(opaque(size)) == NULL && errno == ENOMEM, "malloc(%#zx), errno %d", size, errno);
    errno = 0;
    REQUIRE(calloc(opaque(1), opaque(size)) == NULL && errno == ENOMEM, "calloc(1, %#zx)", size);
    errno = 0;
    REQUIRE(calloc(opaque(size), opaque(1)) == NULL && errno == ENOMEM, "calloc(%#zx, 1)", size);
    /* A failed realloc leaves the old block intact. */
    unsigned char *old = malloc(opaque(100));
    REQUIRE(old != NULL, "malloc(100)");
    fill(old, 100, 7);
    errno = 0;
    REQUIRE(realloc(old, opaque(size)) == NULL && errno == ENOMEM, "realloc(p, %#zx)", size);
    REQUIRE(verify(old, 100, 7) == 100, "realloc(p, %#zx) failed but changed p", size);
    errno = 0;
    REQUIRE(reallocarray(old, opaque(size), opaque(1)) == NULL && errno == ENOMEM,
            "reallocarray(p, %#zx, 1)", size);
    REQUIRE(verify(old, 100, 7) == 100, "reallocarray(p, %#zx, 1) failed but changed p", size);
    free(old);
    static const size_t aligns[] = {16, 64, 4096, (size_t)1 << 20};
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        size_t a = aligns[i];
        errno = 0;
        REQUIRE(memalign(opaque(a), opaque(size)) == NULL && errno == ENOMEM,
                "memalign(%zu, %#zx)", a, size);
        errno = 0;
        REQUIRE(aligned_alloc(opaque(a), opaque(size)) == NULL && errno == ENOMEM,
                "aligned_alloc(%zu, %#zx)", a, size);
        p = (void *)0x1234;
        int r = posix_memalign(&p, opaque(a), opaque(size));
        REQUIRE(r == ENOMEM, "posix_memalign(%zu, %#zx) returned %d", a, size, r);
        REQUIRE(p == (void *)0x1234, "posix_memalign(%zu, %#zx) wrote *p on failure", a, size);
    }
    errno = 0;
    REQUIRE(valloc(opaque(size)) == NULL && errno == ENOMEM, "valloc(%#zx)", size);
    errno = 0;
    REQUIRE(pvalloc(opaque(size)) == NULL && errno == ENOMEM, "pvalloc(%#zx)", size);
}

START_TEST(t_too_large)
{
    /* Warm up as glibc's test does. */
    free(malloc(opaque(1)));
    for (size_t i = 0; i < 64; i++) {
        check_too_large(SIZE_MAX - i);
        check_too_large((size_t)PTRDIFF_MAX + 1 + i);
    }
    for (size_t i = 64; i < ((size_t)1 << 14); i = i * 3 + 1) {
        check_too_large(SIZE_MAX - i);
        check_too_large((size_t)PTRDIFF_MAX + 1 + i);
    }
    /* Below PTRDIFF_MAX but beyond any address space. */
    static const size_t ks[] = {1, 2, 3, 4, 7, 8, 15, 16, 100, 1000, 8191};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) check_too_large(ks[i] << 50);
    /* reallocarray overflow of n * s leaves the block alone. */
    unsigned char *p = malloc(opaque(64));
    ck_assert_ptr_nonnull(p);
    fill(p, 64, 3);
    errno = 0;
    ck_assert_ptr_null(reallocarray(p, opaque(SIZE_MAX / 2 + 1), opaque(2)));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(reallocarray(p, opaque(((size_t)1 << 32) + 1), opaque((size_t)1 << 32)));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(verify(p, 64, 3), 64);
    /* reallocarray works like realloc when n * s fits. */
    unsigned char *q = reallocarray(p, opaque(100), opaque(10));
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(verify(q, 64, 3), 64);
    free(q);
}
END_TEST

/* ---- 5. realloc ---- */

START_TEST(t_realloc_basic)
{
    /* realloc(NULL, n) is malloc(n). */
    unsigned char *p = realloc(opaquep(NULL), opaque(100));
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(malloc_usable_size(p), 100);
    fill(p, 100, 5);
    ck_assert_uint_eq(verify(p, 100, 5), 100);
    /* realloc(p, 0) frees p and returns NULL. */
    ck_assert_ptr_null(realloc(p, opaque(0)));
    /* ... checked with the allocator's statistics on a 1 MiB block. */
    unsigned char *big = malloc(opaque(MiB));
    ck_assert_ptr_nonnull(big);
    memset(big, 1, MiB);
    size_t used_before = mallinfo_used();
    ck_assert_ptr_null(realloc(big, opaque(0)));
    size_t used_after = mallinfo_used();
    ck_assert_msg(used_before >= used_after + MiB,
                  "mallinfo2 in-use bytes went from %zu to %zu: realloc(p, 0) did not free p",
                  used_before, used_after);
    /* Repeated realloc(p, 0) must not grow the heap. */
    for (int i = 0; i < 2000; i++) {
        void *q = malloc(opaque(MiB));
        REQUIRE(q != NULL, "malloc(1 MiB) #%d", i);
        REQUIRE(realloc(q, opaque(0)) == NULL, "realloc(q, 0) #%d", i);
    }
    ck_assert_msg(mallinfo_used() < used_after + 8 * MiB, "2000 x realloc(1 MiB block, 0) leaked");
}
END_TEST

/* Grow then shrink through every class boundary region, small -> large ->
 * huge and back, preserving the common prefix each time. */
START_TEST(t_realloc_sweep)
{
    size_t sizes[512];
    size_t n = 0;
    for (size_t s = 1; s <= 12 * MiB && n < 512; s += s / 8 + 1) sizes[n++] = s;
    unsigned char *p = NULL;
    size_t cur = 0, tag = 1;
    for (int dir = 0; dir < 2; dir++) {
        for (size_t k = 0; k < n; k++) {
            size_t s = dir == 0 ? sizes[k] : sizes[n - 1 - k];
            unsigned char *q = realloc(p, opaque(s));
            REQUIRE(q != NULL, "realloc(%p, %zu)", (void *)p, s);
            if (s >= 16) REQUIRE(aligned(q, 16), "realloc to %zu not 16-aligned", s);
            REQUIRE(malloc_usable_size(q) >= s, "usable %zu < %zu", malloc_usable_size(q), s);
            size_t keep = cur < s ? cur : s;
            size_t bad = verify(q, keep, tag);
            REQUIRE(bad == keep, "realloc %zu -> %zu: byte %zu of the prefix changed", cur, s, bad);
            fill(q, s, ++tag);
            p = q;
            cur = s;
        }
    }
    free(p);
    /* Exactly across each size-class boundary up to 64 KiB: grow to the
     * usable size, then one byte more. */
    p = NULL;
    cur = 0;
    for (size_t s = 1; s <= 64 * KiB;) {
        unsigned char *q = realloc(p, opaque(s));
        REQUIRE(q != NULL, "realloc(%zu)", s);
        size_t keep = cur < s ? cur : s;
        size_t bad = verify(q, keep, tag);
        REQUIRE(bad == keep, "realloc %zu -> %zu: byte %zu of the prefix changed", cur, s, bad);
        size_t u = malloc_usable_size(q);
        REQUIRE(u >= s, "usable %zu < %zu", u, s);
        fill(q, u, ++tag);
        p = q;
        cur = u;
        s = s == u ? u + 1 : u;   /* to the class end, then past it */
    }
    free(p);
    /* Jumps between the kinds of blocks. */
    static const size_t jumps[] = {16, 20000, 3 * MiB, 64 * MiB, 100, 5 * MiB, 300 * KiB, 24,
                                   40 * MiB, 8, 1 * MiB, 2 * MiB + 1, 9000, 0};
    p = NULL;
    cur = 0;
    for (size_t k = 0; jumps[k]; k++) {
        size_t s = jumps[k];
        unsigned char *q = realloc(p, opaque(s));
        REQUIRE(q != NULL, "realloc(%zu -> %zu)", cur, s);
        size_t keep = cur < s ? cur : s;
        size_t bad = verify(q, keep, tag);
        REQUIRE(bad == keep, "realloc %zu -> %zu: byte %zu of the prefix changed", cur, s, bad);
        fill(q, s, ++tag);
        p = q;
        cur = s;
    }
    free(p);
}
END_TEST

/* ---- 6. alignment ---- */

static void check_aligned_block(const char *fn, unsigned char *p, size_t a, size_t s) {
    REQUIRE(p != NULL, "%s(%zu, %zu) returned NULL", fn, a, s);
    REQUIRE(aligned(p, a), "%s(%zu, %zu) = %p is not aligned", fn, a, s, (void *)p);
    REQUIRE(malloc_usable_size(p) >= s, "%s(%zu, %zu): usable %zu", fn, a, s, malloc_usable_size(p));
    fill(p, s, a + s);
    unsigned char *q = realloc(p, s * 2 + 1);
    REQUIRE(q != NULL, "realloc of %s(%zu, %zu)", fn, a, s);
    REQUIRE(verify(q, s, a + s) == s, "realloc of %s(%zu, %zu) lost the contents", fn, a, s);
    free(q);
}

START_TEST(t_aligned)
{
    for (size_t a = 1; a <= ((size_t)1 << 22); a <<= 1) {
        size_t sizes[] = {1, a / 2 + 1, a > 1 ? a - 1 : 1, a, a + 1, 2 * a + 3};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t s = sizes[k];
            check_aligned_block("memalign", memalign(opaque(a), opaque(s)), a, s);
            check_aligned_block("aligned_alloc", aligned_alloc(opaque(a), opaque(s)), a, s);
            if (a >= sizeof(void *)) {
                void *p = NULL;
                int r = posix_memalign(&p, opaque(a), opaque(s));
                REQUIRE(r == 0, "posix_memalign(%zu, %zu) returned %d", a, s, r);
                check_aligned_block("posix_memalign", p, a, s);
            }
        }
    }
    /* Many live aligned blocks do not overlap. */
    enum { N = 200 };
    unsigned char *v[N];
    for (int i = 0; i < N; i++) {
        size_t a = (size_t)16 << (i % 12), s = 24 + (size_t)i * 40;
        v[i] = aligned_alloc(opaque(a), opaque(s));
        REQUIRE(v[i] != NULL && aligned(v[i], a), "aligned_alloc(%zu, %zu)", a, s);
        fill(v[i], s, (size_t)i);
    }
    for (int i = 0; i < N; i++) {
        size_t s = 24 + (size_t)i * 40;
        REQUIRE(verify(v[i], s, (size_t)i) == s, "aligned block %d corrupted", i);
        free(v[i]);
    }
}
END_TEST

START_TEST(t_aligned_bad)
{
    static const size_t bad_pm[] = {0, 1, 2, 4, 3 * 8, 4097, 12, ((size_t)1 << 20) + 8};
    for (size_t i = 0; i < sizeof bad_pm / sizeof bad_pm[0]; i++) {
        void *p = (void *)0x5678;
        int r = posix_memalign(&p, opaque(bad_pm[i]), opaque(64));
        REQUIRE(r == EINVAL, "posix_memalign(%zu) returned %d, not EINVAL", bad_pm[i], r);
        REQUIRE(p == (void *)0x5678, "posix_memalign(%zu) wrote *p on failure", bad_pm[i]);
    }
    /* aligned_alloc with an alignment that is not a power of two: EINVAL per
     * C17 and glibc >= 2.38; the glibc 2.36 here accepts them, so against
     * glibc < 2.38 this part is not checked. */
    if (glibc_malloc && !glibc_ge_238) {
        fprintf(stderr, "api: aligned_alloc(non-power-of-two) not checked on glibc %s\n",
                gnu_get_libc_version());
    } else {
        static const size_t bad_aa[] = {0, 3, 9, 24, 4097, ((size_t)1 << 12) + ((size_t)1 << 11)};
        for (size_t i = 0; i < sizeof bad_aa / sizeof bad_aa[0]; i++) {
            errno = 0;
            void *p = aligned_alloc(opaque(bad_aa[i]), opaque(64));
            REQUIRE(p == NULL, "aligned_alloc(%zu, 64) = %p, expected NULL", bad_aa[i], p);
            REQUIRE(errno == EINVAL, "aligned_alloc(%zu, 64): errno %d, expected EINVAL", bad_aa[i], errno);
        }
    }
    /* memalign, the legacy call, rounds a non-power-of-two alignment up. */
    static const size_t odd[] = {3, 24, 100, 4097};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        size_t up = 1;
        while (up < odd[i]) up <<= 1;
        unsigned char *p = memalign(opaque(odd[i]), opaque(100));
        REQUIRE(p != NULL && aligned(p, up), "memalign(%zu, 100) = %p, not %zu-aligned", odd[i], (void *)p, up);
        memset(p, 1, 100);
        free(p);
    }
    unsigned char *p = memalign(opaque(0), opaque(100));
    ck_assert_ptr_nonnull(p);
    free(p);
}
END_TEST

START_TEST(t_valloc)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    static const size_t sizes[] = {0, 1, 100, 4095, 4096, 4097, 70000, 3 * MiB + 5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t s = sizes[i];
        unsigned char *v = valloc(opaque(s));
        REQUIRE(v != NULL && aligned(v, page), "valloc(%zu) = %p", s, (void *)v);
        REQUIRE(malloc_usable_size(v) >= s, "valloc(%zu): usable %zu", s, malloc_usable_size(v));
        memset(v, 2, s);
        free(v);
        unsigned char *pv = pvalloc(opaque(s));
        /* pvalloc(0) gives one page (allocator-design.md 3.6 A.6); glibc
         * 2.36 gives a minimum block, so that case is not checked there. */
        size_t want = s == 0 ? (glibc_malloc ? 0 : page) : (s + page - 1) / page * page;
        REQUIRE(pv != NULL && aligned(pv, page), "pvalloc(%zu) = %p", s, (void *)pv);
        REQUIRE(malloc_usable_size(pv) >= want, "pvalloc(%zu): usable %zu < %zu", s,
                malloc_usable_size(pv), want);
        memset(pv, 3, want);   /* pvalloc rounds the size itself up to pages */
        free(pv);
    }
}
END_TEST

/* ---- 7. errno ---- */

START_TEST(t_errno_free)
{
    static const size_t sizes[] = {8, 100, 14000, 20 * KiB, 500 * KiB, 2 * MiB, 3 * MiB, 64 * MiB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = malloc(opaque(sizes[i]));
        REQUIRE(p != NULL, "malloc(%zu)", sizes[i]);
        memset(p, 1, sizes[i]);
        errno = 12345;
        free(p);
        REQUIRE(errno == 12345, "free of a %zu-byte block changed errno to %d", sizes[i], errno);
    }
    /* A burst of frees that empties whole slabs and runs. */
    enum { N = 4096 };
    static void *v[N];
    for (int i = 0; i < N; i++) {
        v[i] = malloc(opaque(i % 3 == 0 ? 40 * KiB : 512));
        REQUIRE(v[i] != NULL, "malloc #%d", i);
        memset(v[i], 1, 512);
    }
    errno = 777;
    for (int i = 0; i < N; i++) {
        free(v[i]);
        REQUIRE(errno == 777, "free #%d changed errno to %d", i, errno);
    }
    errno = 55;
    free(NULL);
    ck_assert_int_eq(errno, 55);
}
END_TEST

START_TEST(t_errno_success)
{
    free(malloc(opaque(10)));   /* warm-up */
    errno = 4321;
    void *a = malloc(opaque(10));
    void *b = calloc(opaque(10), opaque(10));
    void *c = realloc(malloc(opaque(10)), opaque(100000));
    void *d = aligned_alloc(opaque(64), opaque(64));
    void *e = memalign(opaque(4096), opaque(10));
    void *f = NULL;
    int r = posix_memalign(&f, opaque(256), opaque(300));
    void *g = malloc(opaque(5 * MiB));
    void *h = valloc(opaque(10));
    ck_assert(a && b && c && d && e && f && g && h && r == 0);
    ck_assert_int_eq(errno, 4321);
    free(a); free(b); free(c); free(d); free(e); free(f); free(g); free(h);
    ck_assert_int_eq(errno, 4321);
}
END_TEST

/* ---- malloc_usable_size, malloc_trim, mallinfo2 ---- */

START_TEST(t_usable_trim_info)
{
    ck_assert_uint_eq(malloc_usable_size(NULL), 0);
    size_t base = mallinfo_used();
    unsigned char *big = malloc(opaque(MiB));
    ck_assert_ptr_nonnull(big);
    memset(big, 1, MiB);
    size_t with = mallinfo_used();
    ck_assert_msg(with >= base + MiB, "mallinfo2: %zu in use before malloc(1 MiB), %zu after", base, with);
    free(big);
    ck_assert_msg(mallinfo_used() + MiB <= with, "mallinfo2 does not see the free of 1 MiB");
    /* Free 32 MiB of small blocks: malloc_trim(0) releases something. */
    enum { N = 32768 };
    static void *v[N];
    for (int i = 0; i < N; i++) {
        v[i] = malloc(opaque(KiB));
        REQUIRE(v[i] != NULL, "malloc #%d", i);
        memset(v[i], 1, KiB);
    }
    for (int i = N - 1; i >= 0; i--) free(v[i]);
    ck_assert_int_eq(malloc_trim(0), 1);
    /* After a trim the heap still works. */
    void *p = malloc(opaque(KiB));
    ck_assert_ptr_nonnull(p);
    memset(p, 2, KiB);
    free(p);
}
END_TEST

/* ---- 8. sized frees and the jemalloc API (tide only) ---- */

START_TEST(t_missing_tide_api)
{
    ck_abort_msg("API_REQUIRE_TIDE=1 but the library under test does not export %s%s%s%s",
                 have_jemalloc_api() ? "" : "the *allocx functions ",
                 lib.mallctl ? "" : "mallctl ", lib.free_sized ? "" : "free_sized ",
                 lib.free_aligned_sized ? "" : "free_aligned_sized");
}
END_TEST

START_TEST(t_free_sized)
{
    for (size_t s = 1; s < 8 * MiB; s += s / 4 + 1) {
        void *p = malloc(opaque(s));
        REQUIRE(p != NULL, "malloc(%zu)", s);
        memset(p, 1, s);
        lib.free_sized(p, s);
    }
    lib.free_sized(NULL, 0);
    for (size_t a = 16; a <= MiB; a <<= 1) {
        for (size_t s = a; s <= 8 * a; s *= 2) {
            void *p = aligned_alloc(opaque(a), opaque(s));
            REQUIRE(p != NULL && aligned(p, a), "aligned_alloc(%zu, %zu)", a, s);
            memset(p, 1, s);
            lib.free_aligned_sized(p, a, s);
        }
    }
    lib.free_aligned_sized(NULL, 64, 0);
    /* Freed memory is reused: a loop of sized frees does not grow the heap. */
    size_t before = mallinfo_used();
    for (int i = 0; i < 20000; i++) {
        void *p = malloc(opaque(64 * KiB));
        REQUIRE(p != NULL, "malloc #%d", i);
        lib.free_sized(p, 64 * KiB);
    }
    ck_assert_uint_lt(mallinfo_used(), before + 4 * MiB);
}
END_TEST

START_TEST(t_nallocx_sweep)
{
    for (size_t s = 0; s <= MiB; s++) {
        void *p = lib.mallocx(s, 0);
        REQUIRE(p != NULL, "mallocx(%zu, 0)", s);
        size_t u = malloc_usable_size(p), n = lib.nallocx(s, 0);
        REQUIRE(n == u, "nallocx(%zu, 0) = %zu but malloc_usable_size(mallocx(%zu, 0)) = %zu", s, n, s, u);
        REQUIRE(lib.sallocx(p, 0) == u, "sallocx %zu != usable %zu (size %zu)", lib.sallocx(p, 0), u, s);
        lib.dallocx(p, 0);
    }
    /* Powers of two beyond, into the huge range. */
    for (size_t s = 2 * MiB; s <= 64 * MiB; s <<= 1) {
        for (int d = -1; d <= 1; d++) {
            void *p = lib.mallocx(s + (size_t)d, 0);
            REQUIRE(p != NULL, "mallocx(%zu)", s + (size_t)d);
            REQUIRE(lib.nallocx(s + (size_t)d, 0) == malloc_usable_size(p), "nallocx(%zu)", s + (size_t)d);
            lib.sdallocx(p, s + (size_t)d, 0);
        }
    }
    /* Impossible requests: 0. */
    ck_assert_uint_eq(lib.nallocx(SIZE_MAX, 0), 0);
    ck_assert_uint_eq(lib.nallocx((size_t)PTRDIFF_MAX + 1, 0), 0);
    ck_assert_uint_eq(lib.nallocx(SIZE_MAX - 4095, 0), 0);
    ck_assert_uint_eq(lib.nallocx(1, MALLOCX_LG_ALIGN(63)), 0);
    ck_assert_uint_eq(lib.nallocx((size_t)PTRDIFF_MAX - 10, MALLOCX_ALIGN(4096)), 0);
}
END_TEST

START_TEST(t_mallocx_flags)
{
    /* Alignment flags. */
    for (unsigned lg = 0; lg <= 22; lg++) {
        size_t a = (size_t)1 << lg;
        size_t sizes[] = {1, a / 2 + 1, a, a + 1, 3 * a};
        for (size_t k = 0; k < 5; k++) {
            size_t s = sizes[k];
            unsigned char *p = lib.mallocx(s, MALLOCX_LG_ALIGN(lg));
            REQUIRE(p && aligned(p, a), "mallocx(%zu, LG_ALIGN(%u)) = %p", s, lg, (void *)p);
            REQUIRE(lib.sallocx(p, 0) >= s, "sallocx < %zu", s);
            REQUIRE(lib.nallocx(s, MALLOCX_LG_ALIGN(lg)) == lib.sallocx(p, 0),
                    "nallocx(%zu, LG_ALIGN(%u)) = %zu, sallocx = %zu", s, lg,
                    lib.nallocx(s, MALLOCX_LG_ALIGN(lg)), lib.sallocx(p, 0));
            memset(p, 1, s);
            lib.sdallocx(p, s, MALLOCX_LG_ALIGN(lg));
            p = lib.mallocx(s, MALLOCX_ALIGN(a));
            REQUIRE(p && aligned(p, a), "mallocx(%zu, ALIGN(%zu)) = %p", s, a, (void *)p);
            memset(p, 1, s);
            lib.dallocx(p, MALLOCX_ALIGN(a));
        }
    }
    /* MALLOCX_ZERO, on memory dirtied just before. */
    for (size_t s = 1; s <= 16 * MiB; s = s * 2 + 3) {
        unsigned char *d = lib.mallocx(s, 0);
        REQUIRE(d != NULL, "mallocx(%zu)", s);
        memset(d, 0xAA, lib.sallocx(d, 0));
        lib.dallocx(d, 0);
        unsigned char *z = lib.mallocx(s, MALLOCX_ZERO);
        REQUIRE(z != NULL, "mallocx(%zu, ZERO)", s);
        REQUIRE(first_nonzero(z, s) == s, "mallocx(%zu, MALLOCX_ZERO) is not zeroed", s);
        memset(z, 0xAA, s);
        lib.dallocx(z, 0);
        z = lib.mallocx(s, MALLOCX_ZERO | MALLOCX_ALIGN(256));
        REQUIRE(z && aligned(z, 256) && first_nonzero(z, s) == s, "mallocx(%zu, ZERO|ALIGN(256))", s);
        lib.dallocx(z, 0);
    }
    /* tcache and arena flags are accepted. */
    int flags[] = {MALLOCX_TCACHE_NONE, MALLOCX_TCACHE(0), MALLOCX_ARENA(0),
                   MALLOCX_ARENA(0) | MALLOCX_TCACHE_NONE | MALLOCX_ZERO | MALLOCX_LG_ALIGN(6)};
    for (size_t i = 0; i < 4; i++) {
        for (size_t s = 8; s <= 4 * MiB; s *= 4) {
            unsigned char *p = lib.mallocx(s, flags[i]);
            REQUIRE(p != NULL, "mallocx(%zu, %#x)", s, (unsigned)flags[i]);
            memset(p, 1, s);
            lib.dallocx(p, flags[i]);
        }
    }
    /* Impossible requests. */
    ck_assert_ptr_null(lib.mallocx(SIZE_MAX, 0));
    ck_assert_ptr_null(lib.mallocx((size_t)PTRDIFF_MAX + 1, 0));
    ck_assert_ptr_null(lib.mallocx(1, MALLOCX_LG_ALIGN(63)));
}
END_TEST

START_TEST(t_rallocx_xallocx)
{
    unsigned char *p = lib.mallocx(10, 0);
    ck_assert_ptr_nonnull(p);
    size_t cur = 10, tag = 1;
    fill(p, cur, tag);
    for (size_t s = 11; s <= 12 * MiB; s += s / 5 + 1) {
        size_t old_usable = lib.sallocx(p, 0);
        unsigned char *q = lib.rallocx(p, s, MALLOCX_ZERO);
        REQUIRE(q != NULL, "rallocx(%zu)", s);
        REQUIRE(lib.sallocx(q, 0) >= s, "rallocx(%zu): sallocx %zu", s, lib.sallocx(q, 0));
        REQUIRE(verify(q, cur, tag) == cur, "rallocx %zu -> %zu lost the prefix", cur, s);
        /* With MALLOCX_ZERO, bytes past the old real size are zero. */
        if (old_usable < s)
            REQUIRE(first_nonzero(q + old_usable, s - old_usable) == s - old_usable,
                    "rallocx(%zu, ZERO): grown bytes not zero", s);
        fill(q, s, ++tag);
        p = q;
        cur = s;
    }
    /* Shrink with an alignment change. */
    unsigned char *q = lib.rallocx(p, 5000, MALLOCX_ALIGN(4096));
    ck_assert_ptr_nonnull(q);
    ck_assert(aligned(q, 4096));
    ck_assert_uint_eq(verify(q, 5000, tag), 5000);
    p = q;
    cur = 5000;
    /* Failure leaves the block valid. */
    ck_assert_ptr_null(lib.rallocx(p, (size_t)PTRDIFF_MAX + 1, 0));
    ck_assert_uint_eq(verify(p, cur, tag), cur);
    /* xallocx never moves and returns the real size. */
    static const size_t xs[] = {1, 100, 4000, 5000, 8000, 20000, 100000, 3 * MiB, 10, 0};
    for (size_t k = 0; xs[k]; k++) {
        size_t old = lib.sallocx(p, 0);
        size_t r = lib.xallocx(p, xs[k], 0, 0);
        REQUIRE(r == lib.sallocx(p, 0), "xallocx returned %zu, sallocx says %zu", r, lib.sallocx(p, 0));
        REQUIRE(r >= xs[k] || r == old, "xallocx(%zu) = %zu, was %zu", xs[k], r, old);
        size_t keep = cur < r ? cur : r;
        keep = keep < xs[k] ? keep : xs[k];
        REQUIRE(verify(p, keep, tag) == keep, "xallocx(%zu) changed the contents", xs[k]);
        fill(p, r, ++tag);
        cur = r;
    }
    size_t r = lib.xallocx(p, cur, 64 * KiB, 0);
    ck_assert_uint_eq(r, lib.sallocx(p, 0));
    ck_assert_uint_ge(r, cur);
    lib.dallocx(p, 0);
    /* A large block can usually grow in place into free pages right after it. */
    unsigned char *l = lib.mallocx(64 * KiB, 0);
    ck_assert_ptr_nonnull(l);
    r = lib.xallocx(l, 64 * KiB, 64 * KiB, 0);
    ck_assert_uint_ge(r, 64 * KiB);
    ck_assert_uint_eq(r, lib.sallocx(l, 0));
    lib.sdallocx(l, 64 * KiB, 0);
}
END_TEST

START_TEST(t_mallctl)
{
    const char *ver = NULL;
    size_t len = sizeof ver;
    ck_assert_int_eq(lib.mallctl("version", &ver, &len, NULL, 0), 0);
    ck_assert_ptr_nonnull(ver);
    size_t page = 0;
    len = sizeof page;
    ck_assert_int_eq(lib.mallctl("arenas.page", &page, &len, NULL, 0), 0);
    ck_assert_uint_eq(page, 4096);
    unsigned narenas = 0;
    len = sizeof narenas;
    ck_assert_int_eq(lib.mallctl("arenas.narenas", &narenas, &len, NULL, 0), 0);
    ck_assert_uint_ge(narenas, 1);
    /* stats.allocated follows a 1 MiB block after an epoch refresh. */
    uint64_t epoch = 1;
    size_t a0 = 0, a1 = 0, a2 = 0;
    len = sizeof a0;
    ck_assert_int_eq(lib.mallctl("epoch", NULL, NULL, &epoch, sizeof epoch), 0);
    ck_assert_int_eq(lib.mallctl("stats.allocated", &a0, &len, NULL, 0), 0);
    void *p = malloc(opaque(MiB));
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(lib.mallctl("epoch", NULL, NULL, &epoch, sizeof epoch), 0);
    ck_assert_int_eq(lib.mallctl("stats.allocated", &a1, &len, NULL, 0), 0);
    ck_assert_uint_ge(a1, a0 + MiB);
    ck_assert_ptr_null(realloc(p, opaque(0)));
    ck_assert_int_eq(lib.mallctl("epoch", NULL, NULL, &epoch, sizeof epoch), 0);
    ck_assert_int_eq(lib.mallctl("stats.allocated", &a2, &len, NULL, 0), 0);
    ck_assert_uint_le(a2 + MiB, a1);
    /* Error codes of the jemalloc man page. */
    len = sizeof a0;
    ck_assert_int_eq(lib.mallctl("no.such.name", &a0, &len, NULL, 0), ENOENT);
    uint8_t small = 0;
    len = sizeof small;
    ck_assert_int_eq(lib.mallctl("stats.allocated", &small, &len, NULL, 0), EINVAL);
    size_t w = 5;
    ck_assert_int_eq(lib.mallctl("stats.allocated", NULL, NULL, &w, sizeof w), EPERM);
}
END_TEST

/* The first malloc of the process comes from a preinit_array function,
 * before libc has set environ (as a sanitizer runtime's does): tide must
 * still read TIDE_CONF, which the preset check below then sees. */
static void api_preinit(int argc, char **argv, char **envp) {
    (void)argc, (void)argv, (void)envp;
    free(malloc(24));
}
__attribute__((section(".preinit_array"), used)) static void (*const api_preinit_p)(int, char **, char **) = api_preinit;

/* The run really tests the configuration run.sh meant: API_EXPECT_PRESET
 * (opt.preset) and API_EXPECT_DEBUG (config.debug, 0 or 1). */
START_TEST(t_configuration)
{
    const char *want_preset = getenv("API_EXPECT_PRESET");
    const char *want_debug = getenv("API_EXPECT_DEBUG");
    if (want_preset) {
        const char *preset = NULL;
        size_t len = sizeof preset;
        ck_assert_int_eq(lib.mallctl("opt.preset", &preset, &len, NULL, 0), 0);
        ck_assert_ptr_nonnull(preset);
        ck_assert_str_eq(preset, want_preset);
        bool tcache = true;
        len = sizeof tcache;
        ck_assert_int_eq(lib.mallctl("opt.tcache", &tcache, &len, NULL, 0), 0);
        ck_assert_int_eq(tcache, strcmp(want_preset, "bsd2006") != 0);
    }
    if (want_debug) {
        bool debug = false;
        size_t len = sizeof debug;
        ck_assert_int_eq(lib.mallctl("config.debug", &debug, &len, NULL, 0), 0);
        ck_assert_int_eq(debug, strcmp(want_debug, "1") == 0);
    }
}
END_TEST

/* ---- the suite ---- */

static TCase *tcase(Suite *s, const char *name, const TTest *t, int timeout) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
    return tc;
}

int main(void) {
    lib_resolve();
    Suite *s = suite_create("api");
    tcase(s, "malloc0", t_malloc0, 30);
    tcase(s, "sizes_small", t_sizes_small, 120);
    tcase(s, "sizes_pow2", t_sizes_pow2, 60);
    tcase(s, "neighbours", t_neighbours, 60);
    tcase(s, "calloc", t_calloc, 60);
    tcase(s, "too_large", t_too_large, 60);
    tcase(s, "realloc_basic", t_realloc_basic, 60);
    tcase(s, "realloc_sweep", t_realloc_sweep, 60);
    tcase(s, "aligned", t_aligned, 60);
    tcase(s, "aligned_bad", t_aligned_bad, 30);
    tcase(s, "valloc", t_valloc, 30);
    tcase(s, "errno_free", t_errno_free, 30);
    tcase(s, "errno_success", t_errno_success, 30);
    tcase(s, "usable_trim_info", t_usable_trim_info, 60);

    bool sized = lib.free_sized && lib.free_aligned_sized;
    bool jem = have_jemalloc_api();
    if (sized) tcase(s, "free_sized", t_free_sized, 60);
    if (jem) {
        tcase(s, "nallocx_sweep", t_nallocx_sweep, 120);
        tcase(s, "mallocx_flags", t_mallocx_flags, 60);
        tcase(s, "rallocx_xallocx", t_rallocx_xallocx, 60);
    }
    if (lib.mallctl) {
        tcase(s, "mallctl", t_mallctl, 30);
        tcase(s, "configuration", t_configuration, 10);
    }
    if (!sized || !jem || !lib.mallctl) {
        if (require_tide)
            tcase(s, "tide_api_exported", t_missing_tide_api, 10);
        else
            fprintf(stderr, "api: library under test lacks the tide-only API; "
                    "free_sized, *allocx and mallctl cases skipped\n");
    }

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
