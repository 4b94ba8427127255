/*
 * oom.c: running out of memory (Check, fork mode; one test per case).
 *
 * Each test forks a child that maps its pointer array, then limits its own
 * address space with setrlimit(RLIMIT_AS) to its current size (VmSize, the
 * first field of /proc/self/statm) plus OOM_MARGIN, and runs one case:
 *
 *   small_64, large_64k, large_1m, huge_64m   malloc of that size until it
 *                      fails
 *   huge_over_limit    single requests larger than the whole limit (malloc,
 *                      calloc, realloc, posix_memalign, aligned_alloc)
 *   posix_memalign_4k, posix_memalign_2m, aligned_alloc_4k, aligned_alloc_2m
 *                      aligned blocks (size = alignment) until it fails
 *   calloc_64k         calloc(16, 4096) until it fails; every block zeroed
 *   calloc_overflow    calloc and reallocarray whose product overflows size_t
 *   realloc_fail       realloc growing a block past the limit, from a small,
 *                      a large and a huge block, and with the space filled
 *
 * Every failure must return NULL with errno ENOMEM (posix_memalign: return
 * ENOMEM), never crash; every block obtained is written at both ends; a
 * failed realloc leaves the old block and its contents as they were. Then
 * everything is freed, and a few allocations of each kind (64 B, 64 KiB,
 * 1 MiB, 64 MiB, 4 KiB- and 2 MiB-aligned, calloc) must succeed again.
 *
 * The child reports through its exit status (0: all good; 1: a check
 * failed, explained on stderr; a signal: it crashed) and one INFO line; the
 * Check test in the parent turns that into PASS or FAIL for the case. The
 * child writes with write(2) only, so nothing it says needs memory.
 *
 *   oom [CASE]          run all cases, or one
 *   oom --list          print the case names
 *   oom --preset        print mallctl("opt.preset") (suite.sh's probe for
 *                       TIDE_CONF=preset:...), or "none" without mallctl
 */
#include "systest.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define OOM_MARGIN (128 * ST_MiB)
#define OOM_MAXPTR ((size_t)1 << 22) /* > OOM_MARGIN / 64 */
#define OOM_CHILD_MS 30000
#define KiB ((size_t)1 << 10)

static const char *oom_case;   /* the case the child runs */
static int oom_bad;            /* checks failed in the child */
static void **oom_ptr;         /* blocks held, mapped before the limit */
static size_t oom_n;
static size_t oom_limit;
static int oom_msgfd = -1;     /* the child's first failure goes here too */

/* ---- output without malloc ---------------------------------------------- */
static void out(int fd, const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, (size_t)n);
        if (w <= 0)
            break;
        p += w;
        n -= (int)w;
    }
}

__attribute__((format(printf, 1, 2))) static void info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out(1, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 1, 2))) static void bad(const char *fmt, ...)
{
    char f[256];
    snprintf(f, sizeof f, "oom/%s: %s", oom_case, fmt);
    va_list ap;
    va_start(ap, fmt);
    out(2, f, ap);
    va_end(ap);
    if (oom_bad++ == 0 && oom_msgfd >= 0) {
        va_start(ap, fmt);
        out(oom_msgfd, fmt, ap);
        va_end(ap);
    }
}

static size_t vm_size(void)
{
    char buf[128];
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (size_t)strtoull(buf, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- allocation kinds ----------------------------------------------------- */
enum kind { K_MALLOC, K_CALLOC, K_MEMALIGN, K_ALIGNED };

/* One allocation of size bytes (alignment align); NULL on failure, with
 * *err the error reported (errno, or posix_memalign's return value). */
static void *get(enum kind k, size_t size, size_t align, int *err)
{
    void *p = NULL;
    errno = 0;
    switch (k) {
    case K_MALLOC:
        p = malloc(size);
        break;
    case K_CALLOC:
        p = calloc(size / 4096 ? size / 4096 : 1, size / 4096 ? 4096 : size);
        break;
    case K_ALIGNED:
        p = aligned_alloc(align, size);
        break;
    case K_MEMALIGN: {
        void *q = (void *)&p; /* POSIX: left as it is, or NULL, on failure */
        int rc = posix_memalign(&q, align, size);
        *err = rc;
        if (rc == 0)
            p = q;
        else if (q != (void *)&p && q != NULL)
            bad("posix_memalign(%zu, %zu) failed (%d) but set *memptr to %p", align, size, rc, q);
        return rc == 0 ? p : NULL;
    }
    }
    *err = p ? 0 : errno;
    return p;
}

static const char *kind_name(enum kind k)
{
    return k == K_MALLOC ? "malloc" : k == K_CALLOC ? "calloc" : k == K_MEMALIGN ? "posix_memalign" : "aligned_alloc";
}

/* Checks a block just obtained: aligned, zeroed for calloc, writable at
 * both ends. */
static void touch(enum kind k, void *p, size_t size, size_t align)
{
    unsigned char *b = p;
    if (align && ((uintptr_t)p & (align - 1)))
        bad("%s(%zu, align %zu) = %p is not aligned", kind_name(k), size, align, p);
    if (k == K_CALLOC && (b[0] || b[size / 2] || b[size - 1]))
        bad("calloc(%zu) returned a block that is not zeroed", size);
    b[0] = 0xa5;
    b[size - 1] = 0x5a;
}

static bool is_enomem(int err) { return err == ENOMEM; }

/* Allocates blocks of one kind until one fails; they stay in oom_ptr. */
static void fill(enum kind k, size_t size, size_t align)
{
    size_t start = oom_n;
    int err = 0;
    for (;;) {
        if (oom_n == OOM_MAXPTR) {
            bad("%s(%zu) still succeeds after %zu blocks (%zu MiB) under a %zu MiB margin", kind_name(k), size,
                oom_n - start, (oom_n - start) * size / ST_MiB, OOM_MARGIN / ST_MiB);
            return;
        }
        void *p = get(k, size, align, &err);
        if (!p)
            break;
        touch(k, p, size, align);
        oom_ptr[oom_n++] = p;
    }
    if (!is_enomem(err))
        bad("%s(%zu%s) failed with error %d (%s), not ENOMEM", kind_name(k), size, align ? ", aligned" : "", err,
            strerror(err));
    info("INFO oom/%s: %zu blocks of %zu bytes (%zu MiB) by %s before ENOMEM", oom_case, oom_n - start, size,
         (oom_n - start) * size / ST_MiB, kind_name(k));
}

static void free_all(void)
{
    for (size_t i = 0; i < oom_n; i++)
        free(oom_ptr[i]);
    oom_n = 0;
}

/* After everything was freed: a few allocations of each kind succeed. */
static void recover(void)
{
    static const struct {
        enum kind k;
        size_t size, align;
        int count;
    } want[] = {
        { K_MALLOC, 64, 0, 16 },         { K_MALLOC, 64 * KiB, 0, 4 },
        { K_MALLOC, ST_MiB, 0, 4 },      { K_MALLOC, 64 * ST_MiB, 0, 1 },
        { K_MEMALIGN, 4 * KiB, 4 * KiB, 2 }, { K_ALIGNED, 4 * KiB, 4 * KiB, 2 },
        { K_MEMALIGN, 2 * ST_MiB, 2 * ST_MiB, 1 }, { K_ALIGNED, 2 * ST_MiB, 2 * ST_MiB, 1 },
        { K_CALLOC, 64 * KiB, 0, 2 },
    };
    free_all();
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++)
        for (int i = 0; i < want[w].count; i++) {
            int err = 0;
            void *p = get(want[w].k, want[w].size, want[w].align, &err);
            if (!p) {
                bad("after everything was freed, %s(%zu) #%d failed (error %d)", kind_name(want[w].k),
                    want[w].size, i + 1, err);
                break;
            }
            touch(want[w].k, p, want[w].size, want[w].align);
            oom_ptr[oom_n++] = p;
        }
    free_all();
}

/* ---- the cases -------------------------------------------------------------- */
static void c_small(void) { fill(K_MALLOC, 64, 0); }
static void c_large_64k(void) { fill(K_MALLOC, 64 * KiB, 0); }
static void c_large_1m(void) { fill(K_MALLOC, ST_MiB, 0); }
static void c_huge_64m(void) { fill(K_MALLOC, 64 * ST_MiB, 0); }
static void c_memalign_4k(void) { fill(K_MEMALIGN, 4 * KiB, 4 * KiB); }
static void c_memalign_2m(void) { fill(K_MEMALIGN, 2 * ST_MiB, 2 * ST_MiB); }
static void c_aligned_4k(void) { fill(K_ALIGNED, 4 * KiB, 4 * KiB); }
static void c_aligned_2m(void) { fill(K_ALIGNED, 2 * ST_MiB, 2 * ST_MiB); }
static void c_calloc(void) { fill(K_CALLOC, 64 * KiB, 0); }

static void c_over_limit(void)
{
    size_t big = oom_limit + 64 * ST_MiB;
    const size_t sizes[] = { big, 2 * big, ((size_t)1 << 46), SIZE_MAX / 2 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t s = sizes[i];
        int err = 0;
        for (enum kind k = K_MALLOC; k <= K_ALIGNED; k++) {
            size_t align = k == K_MEMALIGN || k == K_ALIGNED ? 2 * ST_MiB : 0;
            size_t sz = align ? s & ~(align - 1) : s;
            void *p = get(k, sz, align, &err);
            if (p) {
                bad("%s(%zu) larger than the %zu MiB limit succeeded", kind_name(k), sz, oom_limit / ST_MiB);
                free(p);
            } else if (!is_enomem(err)) {
                bad("%s(%zu) failed with error %d, not ENOMEM", kind_name(k), sz, err);
            }
        }
        void *q = malloc(100);
        if (!q) {
            bad("malloc(100) failed");
            continue;
        }
        memset(q, 0x3c, 100);
        errno = 0;
        void *r = realloc(q, s);
        err = errno;
        if (r) {
            bad("realloc to %zu bytes succeeded under a %zu MiB limit", s, oom_limit / ST_MiB);
            free(r);
        } else {
            if (!is_enomem(err))
                bad("realloc to %zu bytes failed with error %d, not ENOMEM", s, err);
            for (int j = 0; j < 100; j++)
                if (((unsigned char *)q)[j] != 0x3c) {
                    bad("a failed realloc changed the old block");
                    break;
                }
            free(q);
        }
    }
    info("INFO oom/%s: requests of %zu MiB up to SIZE_MAX/2 refused (limit %zu MiB)", oom_case, big / ST_MiB,
         oom_limit / ST_MiB);
}

static void c_calloc_overflow(void)
{
    static volatile const size_t pairs[][2] = {
        { SIZE_MAX / 2 + 1, 2 },
        { 2, SIZE_MAX / 2 + 1 },
        { (size_t)1 << 33, (size_t)1 << 31 },
        { SIZE_MAX, SIZE_MAX },
        { SIZE_MAX / 16 + 1, 16 },
        { 65537, SIZE_MAX / 65536 },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t a = pairs[i][0], b = pairs[i][1];
        errno = 0;
        void *p = calloc(a, b);
        int err = errno;
        if (p) {
            bad("calloc(%zu, %zu), whose product overflows, returned %p", a, b, p);
            free(p);
        } else if (!is_enomem(err)) {
            bad("calloc(%zu, %zu) failed with errno %d, not ENOMEM", a, b, err);
        }
        errno = 0;
        p = reallocarray(NULL, a, b);
        err = errno;
        if (p) {
            bad("reallocarray(NULL, %zu, %zu), whose product overflows, returned %p", a, b, p);
            free(p);
        } else if (!is_enomem(err)) {
            bad("reallocarray(NULL, %zu, %zu) failed with errno %d, not ENOMEM", a, b, err);
        }
    }
    /* And once the space is full. */
    fill(K_MALLOC, ST_MiB, 0);
    errno = 0;
    volatile size_t half = SIZE_MAX / 2 + 1; /* no compile-time size warning */
    void *p = calloc(half, 2);
    if (p || errno != ENOMEM)
        bad("calloc(SIZE_MAX/2+1, 2) with the space full: %p, errno %d", p, errno);
}

/* Grows p (old bytes, filled from seed) to want bytes, which must fail
 * with ENOMEM and leave p as it was. Returns the block to keep. */
static void *realloc_must_fail(void *p, size_t old, size_t want, uint64_t seed, const char *what)
{
    errno = 0;
    void *r = realloc(p, want);
    int err = errno;
    if (r) {
        bad("realloc of a %s block (%zu bytes) to %zu bytes succeeded", what, old, want);
        return r;
    }
    if (!is_enomem(err))
        bad("realloc of a %s block to %zu bytes failed with errno %d, not ENOMEM", what, want, err);
    if (!st_verify(p, old, seed))
        bad("a failed realloc of a %s block (%zu -> %zu bytes) changed its contents", what, old, want);
    return p;
}

static void c_realloc(void)
{
    enum { NB = 4 };
    const size_t olds[NB] = { 1000, 64 * KiB, ST_MiB, 8 * ST_MiB };
    const char *names[NB] = { "small", "large", "large", "huge" };
    void *blk[NB];
    for (int i = 0; i < NB; i++) {
        blk[i] = malloc(olds[i]);
        if (!blk[i]) {
            bad("malloc(%zu) failed under the limit", olds[i]);
            while (i--)
                free(blk[i]);
            return;
        }
        st_fill(blk[i], olds[i], (uint64_t)i);
    }
    /* Past the whole limit. */
    for (int i = 0; i < NB; i++)
        blk[i] = realloc_must_fail(blk[i], olds[i], oom_limit + 64 * ST_MiB, (uint64_t)i, names[i]);
    /* With the space filled by 1 MiB blocks: growing by 96 MiB must fail;
     * doubling may succeed (in place, or into a gap) or fail, and either
     * way the contents stay. */
    fill(K_MALLOC, ST_MiB, 0);
    for (int i = 0; i < NB; i++)
        blk[i] = realloc_must_fail(blk[i], olds[i], olds[i] + 96 * ST_MiB, (uint64_t)i, names[i]);
    int moved = 0;
    for (int i = 0; i < NB; i++) {
        errno = 0;
        void *r = realloc(blk[i], olds[i] * 2);
        int err = errno;
        if (!r && !is_enomem(err))
            bad("realloc of a %s block to %zu bytes failed with errno %d, not ENOMEM", names[i], olds[i] * 2, err);
        if (r) {
            blk[i] = r;
            moved++;
        }
        if (!st_verify(blk[i], olds[i], (uint64_t)i))
            bad("realloc of a %s block (%zu -> %zu bytes, %s) lost its contents", names[i], olds[i], olds[i] * 2,
                r ? "succeeded" : "failed");
    }
    for (int i = 0; i < NB; i++)
        free(blk[i]);
    info("INFO oom/%s: realloc past the limit failed and kept small, large and huge blocks intact; "
         "%d of %d doublings succeeded with the space full", oom_case, moved, (int)NB);
}

static const struct oom_def {
    const char *name;
    void (*fn)(void);
} cases[] = {
    { "small_64", c_small },
    { "large_64k", c_large_64k },
    { "large_1m", c_large_1m },
    { "huge_64m", c_huge_64m },
    { "huge_over_limit", c_over_limit },
    { "posix_memalign_4k", c_memalign_4k },
    { "posix_memalign_2m", c_memalign_2m },
    { "aligned_alloc_4k", c_aligned_4k },
    { "aligned_alloc_2m", c_aligned_2m },
    { "calloc_64k", c_calloc },
    { "calloc_overflow", c_calloc_overflow },
    { "realloc_fail", c_realloc },
};
#define NCASES (sizeof cases / sizeof cases[0])

static int oom_child(const struct oom_def *c)
{
    oom_case = c->name;
    oom_ptr = mmap(NULL, OOM_MAXPTR * sizeof *oom_ptr, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (oom_ptr == MAP_FAILED) {
        bad("mmap of the pointer array failed");
        return 1;
    }
    free(malloc(64)); /* the allocator is set up before the limit */
    size_t vm = vm_size();
    if (!vm) {
        bad("cannot read /proc/self/statm");
        return 1;
    }
    oom_limit = vm + OOM_MARGIN;
    struct rlimit rl = { oom_limit, oom_limit };
    if (setrlimit(RLIMIT_AS, &rl) != 0) {
        bad("setrlimit(RLIMIT_AS, %zu) failed: %s", oom_limit, strerror(errno));
        return 1;
    }
    c->fn();
    recover();
    return oom_bad ? 1 : 0;
}

START_TEST(test_case)
{
    const struct oom_def *c = &cases[_i];
    int msg[2];
    ck_assert_msg(pipe(msg) == 0, "pipe failed");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(msg[0]);
        oom_msgfd = msg[1];
        _exit(oom_child(c));
    }
    close(msg[1]);
    ck_assert_msg(pid > 0, "fork failed");
    int status = 0;
    double deadline = st_now_ms() + OOM_CHILD_MS;
    pid_t got;
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && st_now_ms() < deadline)
        st_sleep_ms(5);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ck_abort_msg("the child did not finish in %d s (killed)", OOM_CHILD_MS / 1000);
    }
    ck_assert_msg(!WIFSIGNALED(status), "the child was killed by signal %d (%s)", WTERMSIG(status),
                  strsignal(WTERMSIG(status)));
    char first[400] = "";
    ssize_t n = read(msg[0], first, sizeof first - 1);
    close(msg[0]);
    first[n > 0 ? n : 0] = '\0';
    first[strcspn(first, "\n")] = '\0';
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exited with status %d: %s%s",
                  WEXITSTATUS(status), first[0] ? first : "(no message)",
                  first[0] ? " (the others, if any, on stderr)" : "");
}
END_TEST

static int print_preset(void)
{
    typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
    mallctl_fn ctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    const char *preset = NULL;
    size_t sz = sizeof preset;
    if (!ctl || ctl("opt.preset", &preset, &sz, NULL, 0) != 0 || !preset) {
        printf("none\n");
        return 1;
    }
    printf("%s\n", preset);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--preset") == 0)
        return print_preset();
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < NCASES; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: oom [CASE] | oom --list | oom --preset\n");
        return 2;
    }
    Suite *s = suite_create("oom");
    int added = 0;
    for (size_t i = 0; i < NCASES; i++) {
        if (argc == 2 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, OOM_CHILD_MS / 1000 + 10);
        tcase_add_loop_test(tc, test_case, (int)i, (int)i + 1);
        suite_add_tcase(s, tc);
        added++;
    }
    if (!added) {
        fprintf(stderr, "oom: unknown case '%s'\n", argv[1]);
        return 2;
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_SILENT);
    int nfail = st_report(sr, "oom", NULL);
    srunner_free(sr);
    return nfail ? 1 : 0;
}
