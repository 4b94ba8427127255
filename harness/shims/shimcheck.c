/*
 * shimcheck.c: build/harness/shimcheck, the C side of harness/shims/test.sh.
 * It runs with one injection shim preloaded (or none).
 *
 *   shimcheck check    the forwarding contract; exit 0 when it holds:
 *                      usable size >= the request (malloc(100) first),
 *                      calloc zeroes, realloc and reallocarray keep the
 *                      contents, reallocarray overflow gives ENOMEM, every
 *                      aligned function keeps its alignment, free keeps
 *                      errno, and 4 threads churn blocks whose contents
 *                      are verified before each free. With SHIMCHECK_PAD=P
 *                      the usable size must also be at least the padded
 *                      request ceil(n (100+P)/100), and below the request
 *                      padded twice for n = 1000 (the shim pads once).
 *   shimcheck pairs K  K malloc(32)/free pairs and nothing else (callgrind
 *                      calibration of libab-slow.so).
 *
 * Built with -fno-builtin so that the compiler keeps every call.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int g_fails;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
            g_fails++;                                                        \
        }                                                                     \
    } while (0)

static long g_pad = -1;  /* SHIMCHECK_PAD, -1 when not set */

static size_t padded(size_t n)
{
    return g_pad < 0 ? n : n + (n * (size_t)g_pad + 99) / 100;
}

static void check_usable(void *p, size_t n, const char *what)
{
    CHECK(p != NULL, "%s(%zu) returned NULL", what, n);
    if (!p) return;
    size_t u = malloc_usable_size(p);
    CHECK(u >= padded(n), "%s(%zu): usable %zu < %zu", what, n, u, padded(n));
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7);
}
static int same(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7)) return 0;
    return 1;
}

static int aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

static void *churn(void *arg)
{
    unsigned s = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    enum { SLOTS = 256 };
    unsigned char *slot[SLOTS] = { 0 };
    size_t len[SLOTS] = { 0 };
    for (int it = 0; it < 20000; it++) {
        s = s * 1103515245u + 12345u;
        int i = (int)((s >> 8) % SLOTS);
        size_t n = 1 + (s >> 16) % 3000;
        if (slot[i]) {
            if (!same(slot[i], len[i], (unsigned)i)) {
                __atomic_add_fetch(&g_fails, 1, __ATOMIC_RELAXED);
                printf("FAIL churn: contents of slot %d changed\n", i);
                return NULL;
            }
            if (s & 0x10000) {
                unsigned char *q = realloc(slot[i], n);
                if (!q) {
                    __atomic_add_fetch(&g_fails, 1, __ATOMIC_RELAXED);
                    return NULL;
                }
                size_t keep = len[i] < n ? len[i] : n;
                if (!same(q, keep, (unsigned)i)) {
                    __atomic_add_fetch(&g_fails, 1, __ATOMIC_RELAXED);
                    printf("FAIL churn: realloc lost contents\n");
                    return NULL;
                }
                fill(q, n, (unsigned)i);
                slot[i] = q;
                len[i] = n;
                continue;
            }
            free(slot[i]);
            slot[i] = NULL;
            continue;
        }
        slot[i] = (s & 0x20000) ? calloc(1, n) : malloc(n);
        if (!slot[i]) {
            __atomic_add_fetch(&g_fails, 1, __ATOMIC_RELAXED);
            return NULL;
        }
        fill(slot[i], n, (unsigned)i);
        len[i] = n;
    }
    for (int i = 0; i < SLOTS; i++) free(slot[i]);
    return NULL;
}

static int run_check(void)
{
    const char *e = getenv("SHIMCHECK_PAD");
    if (e && *e) g_pad = atol(e);

    /* malloc(100) first: the usable size the brief asks about. */
    void *p100 = malloc(100);
    check_usable(p100, 100, "malloc");
    printf("malloc_usable_size(malloc(100)) = %zu\n", p100 ? malloc_usable_size(p100) : 0);
    free(p100);

    static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 1000, 4096, 5000, 70000, 300000, 5u << 20 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        unsigned char *p = malloc(n);
        check_usable(p, n, "malloc");
        if (p) fill(p, n, 3);
        unsigned char *q = realloc(p, 2 * n + 10);
        check_usable(q, 2 * n + 10, "realloc up");
        if (q) CHECK(same(q, n, 3), "realloc(%zu -> %zu) lost contents", n, 2 * n + 10);
        if (q) fill(q, 2 * n + 10, 5);
        unsigned char *r = realloc(q, n / 2 + 1);
        check_usable(r, n / 2 + 1, "realloc down");
        if (r) CHECK(same(r, n / 2 + 1, 5), "realloc(%zu -> %zu) lost contents", 2 * n + 10, n / 2 + 1);
        free(r);

        unsigned char *c = calloc(3, n);
        check_usable(c, 3 * n, "calloc");
        size_t nz = 0;
        for (size_t i = 0; c && i < 3 * n; i++) nz += c[i] != 0;
        CHECK(nz == 0, "calloc(3, %zu): %zu non-zero bytes", n, nz);
        if (c) fill(c, 3 * n, 9);
        unsigned char *ra = reallocarray(c, 4, n + 1);
        check_usable(ra, 4 * (n + 1), "reallocarray");
        if (ra) CHECK(same(ra, 3 * n, 9), "reallocarray lost contents");
        free(ra);

        static const size_t aligns[] = { 16, 64, 256, 4096, 65536 };
        for (size_t j = 0; j < sizeof aligns / sizeof aligns[0]; j++) {
            size_t a = aligns[j];
            void *x = NULL;
            int rc = posix_memalign(&x, a, n);
            CHECK(rc == 0 && aligned(x, a), "posix_memalign(%zu, %zu): rc %d %p", a, n, rc, x);
            if (!rc) check_usable(x, n, "posix_memalign");
            free(x);
            x = aligned_alloc(a, n);
            CHECK(x && aligned(x, a), "aligned_alloc(%zu, %zu): %p", a, n, x);
            check_usable(x, n, "aligned_alloc");
            free(x);
            x = memalign(a, n);
            CHECK(x && aligned(x, a), "memalign(%zu, %zu): %p", a, n, x);
            check_usable(x, n, "memalign");
            free(x);
        }
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        void *v = valloc(n);
        CHECK(v && aligned(v, pg), "valloc(%zu): %p", n, v);
        check_usable(v, n, "valloc");
        free(v);
        v = pvalloc(n);
        CHECK(v && aligned(v, pg), "pvalloc(%zu): %p", n, v);
        check_usable(v, n, "pvalloc");
        free(v);
    }

    /* With the pad shim: padded once, not twice (n = 1000). */
    if (g_pad > 0) {
        void *x = malloc(1000);
        size_t u = x ? malloc_usable_size(x) : 0, twice = padded(padded(1000));
        CHECK(u >= padded(1000) && u < twice, "malloc(1000): usable %zu, want [%zu, %zu)", u, padded(1000), twice);
        free(x);
    }

    /* Errors, and errno across free. */
    volatile size_t huge = SIZE_MAX / 2;  /* volatile: no compile-time size warning */
    errno = 0;
    void *big = reallocarray(NULL, huge, 3);
    CHECK(big == NULL && errno == ENOMEM, "reallocarray overflow: %p errno %d", big, errno);
    errno = 0;
    big = calloc(huge, 3);
    CHECK(big == NULL && errno == ENOMEM, "calloc overflow: %p errno %d", big, errno);
    void *x = NULL;
    CHECK(posix_memalign(&x, 24, 10) == EINVAL, "posix_memalign(24) must be EINVAL");
    free(NULL);
    CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) != 0");
    errno = 1234;
    free(malloc(100));
    free(malloc(1u << 22));
    CHECK(errno == 1234, "free changed errno to %d", errno);

    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);

    printf("shimcheck: %s (%d failures)\n", g_fails ? "FAIL" : "ok", g_fails);
    return g_fails ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "check")) return run_check();
    if (argc == 3 && !strcmp(argv[1], "pairs")) {
        long k = atol(argv[2]);
        for (long i = 0; i < k; i++) {
            char *volatile p = malloc(32);
            if (!p) return 1;
            free(p);
        }
        return 0;
    }
    fprintf(stderr, "usage: shimcheck check | shimcheck pairs K\n");
    return 2;
}
