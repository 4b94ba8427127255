/*
 * memret.c: does the allocator give memory back to the OS?
 *
 * Each test runs the scenario in a fresh child process (this program re-run
 * with "--child MODE"), because the allocator options (TIDE_CONF) are read
 * once, when a process starts. The child:
 *   1. maps and touches its pointer array, allocates and frees a little,
 *      and takes the baseline RSS;
 *   2. allocates 1 GiB of mixed small objects (64 B .. 1 KiB), writing every
 *      byte, and checks that RSS rose by at least 900 MiB (else the test
 *      would prove nothing);
 *   3. frees them all, then, depending on MODE:
 *      trim     malloc_trim(0) once;
 *      decay    keeps calling the allocator (a 64 KiB malloc/free every
 *               10 ms) and waits for the purge (TIDE_CONF dirty_decay_ms:500);
 *      bg       only sleeps (TIDE_CONF dirty_decay_ms:500,background_thread:true);
 *   4. passes when RSS is back within 64 MiB of the baseline, for decay and
 *      bg within the purge delay (500 ms) plus a 2.5 s margin.
 * decay and bg are tide-specific (glibc has no time-based purge) and run
 * only when SYSTEST_ALLOC=tide. The child prints its measurements on one
 * INFO line; the parent (a Check test) checks its exit status.
 */
#include "systest.h"

#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MR_TOTAL ((size_t)1 << 30)
#define MR_MIN_RISE (900 * ST_MiB)
#define MR_SLACK (64 * ST_MiB)
#define MR_DECAY_MS 500
#define MR_MARGIN_MS 2500
#define MR_CHILD_TIMEOUT_MS 60000

static size_t mr_size(size_t i) { return 64 + (i * 2654435761u) % 961; }

static int mr_child(const char *mode)
{
    bool trim = strcmp(mode, "trim") == 0, decay = strcmp(mode, "decay") == 0, bg = strcmp(mode, "bg") == 0;
    if (!trim && !decay && !bg) {
        fprintf(stderr, "memret: unknown child mode '%s'\n", mode);
        return 2;
    }
    /* Count the objects first, so that the pointer array can be mapped and
     * touched before the baseline is taken. */
    size_t cap = 0;
    for (size_t sum = 0; sum < MR_TOTAL; cap++)
        sum += mr_size(cap);
    void **ptr = mmap(NULL, cap * sizeof *ptr, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ptr == MAP_FAILED) {
        fprintf(stderr, "memret: mmap of the pointer array failed\n");
        return 1;
    }
    memset(ptr, 0, cap * sizeof *ptr);
    for (int i = 0; i < 100; i++)
        free(malloc(mr_size((size_t)i)));
    size_t base = st_rss();

    size_t n = 0, total = 0;
    while (total < MR_TOTAL && n < cap) {
        size_t sz = mr_size(n);
        ptr[n] = malloc(sz);
        if (!ptr[n]) {
            fprintf(stderr, "memret: malloc(%zu) failed after %zu MiB\n", sz, total / ST_MiB);
            return 1;
        }
        memset(ptr[n], (int)(n & 0xff), sz);
        total += sz;
        n++;
    }
    size_t peak = st_rss();
    for (size_t i = 0; i < n; i++)
        free(ptr[i]);
    size_t after_free = st_rss();
    double t0 = st_now_ms(), waited = 0;
    size_t last = after_free;
    if (trim) {
        malloc_trim(0);
        last = st_rss();
        waited = st_now_ms() - t0;
    } else {
        double deadline = t0 + MR_DECAY_MS + MR_MARGIN_MS;
        for (;;) {
            last = st_rss();
            waited = st_now_ms() - t0;
            if (last <= base + MR_SLACK || st_now_ms() > deadline)
                break;
            if (decay) {
                char *p = malloc(64 << 10);
                if (p) {
                    memset(p, 1, 64 << 10);
                    free(p);
                }
                st_sleep_ms(10);
            } else {
                st_sleep_ms(50);
            }
        }
    }
    printf("INFO memret/%s: %zu objects, %zu MiB; RSS MiB: baseline %.1f, allocated %.1f, freed %.1f, "
           "end %.1f after %.0f ms (limit baseline + %zu)\n",
           mode, n, total / ST_MiB, (double)base / ST_MiB, (double)peak / ST_MiB, (double)after_free / ST_MiB,
           (double)last / ST_MiB, waited, MR_SLACK / ST_MiB);
    fflush(stdout);
    if (peak < base + MR_MIN_RISE) {
        fprintf(stderr, "memret/%s: RSS rose by only %.1f MiB while 1 GiB was live\n", mode,
                (double)(peak - base) / ST_MiB);
        return 1;
    }
    if (last > base + MR_SLACK) {
        fprintf(stderr, "memret/%s: RSS %.1f MiB above the baseline after %.0f ms\n", mode,
                (double)(last - base) / ST_MiB, waited);
        return 1;
    }
    return 0;
}

/* Run "self --child mode" with TIDE_CONF extended by extra_conf (appended
 * to any TIDE_CONF the suite set, e.g. preset:bsd2006); return its wait
 * status, or -1 if it could not run or timed out (then *why says so). */
static int mr_spawn(const char *mode, const char *extra_conf, const char **why)
{
    static char conf[512];
    const char *old = getenv("TIDE_CONF");
    if (extra_conf) {
        snprintf(conf, sizeof conf, "%s%s%s", old ? old : "", old && *old ? "," : "", extra_conf);
        setenv("TIDE_CONF", conf, 1);
    }
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        *why = "readlink /proc/self/exe failed";
        return -1;
    }
    self[len] = '\0';
    char *argv[] = { self, "--child", (char *)mode, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, self, NULL, NULL, argv, environ);
    if (rc != 0) {
        *why = "posix_spawn failed";
        return -1;
    }
    int status = 0;
    double deadline = st_now_ms() + MR_CHILD_TIMEOUT_MS;
    pid_t got;
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && st_now_ms() < deadline)
        st_sleep_ms(20);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        *why = "child timed out";
        return -1;
    }
    return status;
}

#define MR_CHECK(mode, extra)                                                                      \
    do {                                                                                           \
        const char *why = NULL;                                                                    \
        int st = mr_spawn(mode, extra, &why);                                                      \
        ck_assert_msg(st != -1, "%s", why ? why : "");                                             \
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %s: %s %d (see stderr)", mode, \
                      WIFEXITED(st) ? "exit code" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st)); \
    } while (0)

START_TEST(test_allocator)
{
    const char *err = st_check_allocator();
    ck_assert_msg(err == NULL, "%s", err ? err : "");
}
END_TEST

START_TEST(test_trim) { MR_CHECK("trim", NULL); }
END_TEST

START_TEST(test_decay) { MR_CHECK("decay", "dirty_decay_ms:500"); }
END_TEST

START_TEST(test_decay_bg) { MR_CHECK("bg", "dirty_decay_ms:500,background_thread:true"); }
END_TEST

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return mr_child(argv[2]);
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: memret [TEST]   (or memret --child trim|decay|bg)\n");
        return 2;
    }
    const char *only = argc == 2 ? argv[1] : NULL;
    Suite *s = suite_create("memret");
    struct {
        const char *name;
        const TTest *fn;
        bool tide_only;
    } tests[] = {
        { "allocator", test_allocator, false },
        { "trim", test_trim, false },
        { "decay_active", test_decay, true },
        { "decay_background_thread", test_decay_bg, true },
    };
    const char *skipped[5] = { 0 };
    static char why[4][128];
    int nskip = 0;
    int added = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (only && strcmp(only, tests[i].name) != 0)
            continue;
        added++;
        if (tests[i].tide_only && !st_is_tide()) {
            snprintf(why[nskip], sizeof why[nskip], "%s: tide's time-based purge (SYSTEST_ALLOC is not tide)",
                     tests[i].name);
            skipped[nskip] = why[nskip];
            nskip++;
            continue;
        }
        TCase *tc = tcase_create(tests[i].name);
        tcase_set_timeout(tc, MR_CHILD_TIMEOUT_MS / 1000 + 10);
        tcase_add_test(tc, tests[i].fn);
        suite_add_tcase(s, tc);
    }
    if (!added) {
        fprintf(stderr, "memret: unknown test '%s'\n", only);
        return 2;
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_SILENT);
    int nfail = st_report(sr, "memret", skipped);
    srunner_free(sr);
    return nfail ? 1 : 0;
}
