/*
 * ckhang.c: a self-test of the test machinery (suite.sh runs it first).
 * Check's fork mode is what bounds the C system tests' hangs: a test that
 * overruns its tcase timeout must be reported as failed, and every process
 * it started must be gone, not only the test's own process.
 *
 * One Check test, "hang", with a 1 s timeout: it forks a grandchild that
 * ignores SIGTERM and sleeps, writes the grandchild's pid into a pipe, and
 * sleeps itself. main() then checks that Check reported the test as failed
 * on its timeout and that the grandchild no longer runs (gone, or a zombie
 * nobody reaped yet), and prints one PASS or FAIL line.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pidpipe[2];

START_TEST(test_hang)
{
    pid_t g = fork();
    if (g == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    ck_assert_int_gt(g, 0);
    if (write(pidpipe[1], &g, sizeof g) != (ssize_t)sizeof g)
        ck_abort_msg("write to the pid pipe failed");
    for (;;)
        pause();
}
END_TEST

/* True while pid runs: it exists and is not a zombie. */
static bool running(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')');
    return close && close[1] == ' ' && close[2] != 'Z' && close[2] != 'X';
}

int main(void)
{
    if (pipe(pidpipe) != 0) {
        printf("FAIL ckhang: pipe failed\n");
        return 1;
    }
    Suite *s = suite_create("ckhang");
    TCase *tc = tcase_create("hang");
    tcase_set_timeout(tc, 1);
    tcase_add_test(tc, test_hang);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_SILENT);
    int nrun = srunner_ntests_run(sr), nfailed = srunner_ntests_failed(sr);
    TestResult **res = srunner_results(sr);
    char msg[256] = "";
    if (nrun == 1 && tr_msg(res[0]))
        snprintf(msg, sizeof msg, "%s", tr_msg(res[0]));
    free(res);
    srunner_free(sr);

    pid_t g = 0;
    close(pidpipe[1]);
    if (read(pidpipe[0], &g, sizeof g) != (ssize_t)sizeof g)
        g = 0;
    bool alive = g > 0 && running(g);
    for (int i = 0; alive && i < 200; i++) { /* up to 2 s for SIGKILL to land */
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
        alive = running(g);
    }
    if (alive)
        kill(g, SIGKILL);
    if (nrun != 1 || nfailed != 1 || !strstr(msg, "imeout")) {
        printf("FAIL ckhang: Check ran %d test(s), %d failed, message '%s'; expected 1 failed on its timeout\n",
               nrun, nfailed, msg);
        return 1;
    }
    if (g <= 0) {
        printf("FAIL ckhang: the hanging test did not report its grandchild's pid\n");
        return 1;
    }
    if (alive) {
        printf("FAIL ckhang: the grandchild %d of a timed-out Check test survived (killed now)\n", (int)g);
        return 1;
    }
    printf("PASS ckhang: a timed-out Check test ('%s') and its grandchild were killed\n", msg);
    return 0;
}
