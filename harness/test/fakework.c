/*
 * fakework.c: a tiny workload that follows the allocbench convention and
 * can misbehave on request, for the harness tests.
 *   fakework [--threads N] [--pin P] MODE [MS]
 * MODE: ok (allocate and free for MS milliseconds, default 50), crash
 * (SIGSEGV), abort, exit3 (exit status 3), hang (sleep forever, after
 * forking a child that ignores SIGTERM and sleeps forever too, and
 * appending that child's pid to the file named by env FAKEWORK_PIDFILE, if
 * set: the harness must kill the whole process group), noresult
 * (exit 0 without a result line), badline (a malformed result line),
 * gbench (also write a Google-Benchmark-style JSON to --benchmark_out=).
 * Env FAKEWORK_CRASH_ON=<allocator name>: crash only when
 * ALLOCBENCH_ALLOCATOR equals it (for the matrix-continues test).
 */
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = 1;
    const char *pin = "none", *mode = "ok", *gout = NULL;
    long ms = 50;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pin") && i + 1 < argc) pin = argv[++i];
        else if (!strncmp(argv[i], "--benchmark_out=", 16)) gout = argv[i] + 16;
        else if (!strncmp(argv[i], "--benchmark", 11)) continue;
        else if (npos == 0) { mode = argv[i]; npos++; }
        else if (npos == 1) { ms = atol(argv[i]); npos++; }
        else { fprintf(stderr, "fakework: too many arguments\n"); return 2; }
    }
    Dl_info di;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    char path[PATH_MAX] = "unknown";
    if (m && dladdr(m, &di) && di.dli_fname && !realpath(di.dli_fname, path))
        snprintf(path, sizeof path, "%s", di.dli_fname);
    printf("ALLOCBENCH allocator file=%s\n", path);
    fflush(stdout);
    const char *crash_on = getenv("FAKEWORK_CRASH_ON"), *me = getenv("ALLOCBENCH_ALLOCATOR");
    if (crash_on && me && !strcmp(crash_on, me) && !strcmp(mode, "ok")) mode = "crash";
    if (!strcmp(mode, "crash")) { raise(SIGSEGV); return 99; }
    if (!strcmp(mode, "abort")) abort();
    if (!strcmp(mode, "exit3")) { fprintf(stderr, "fakework: asked to fail\n"); return 3; }
    if (!strcmp(mode, "hang")) {
        pid_t g = fork();
        if (g == 0) {
            signal(SIGTERM, SIG_IGN);
            for (;;) pause();
        }
        const char *pf = getenv("FAKEWORK_PIDFILE");
        FILE *f = pf && g > 0 ? fopen(pf, "a") : NULL;
        if (f) { fprintf(f, "%d\n", (int)g); fclose(f); }
        for (;;) pause();
    }
    if (!strcmp(mode, "noresult")) return 0;
    if (!strcmp(mode, "badline")) { puts("ALLOCBENCH result workload=fake value"); return 0; }
    double t0 = now();
    unsigned long ops = 0;
    void *keep[256] = {0};
    uint64_t x = 88172645463325252ull;
    while ((now() - t0) * 1000.0 < (double)ms) {
        for (int k = 0; k < 1000; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            unsigned s = (unsigned)(x % 256);
            free(keep[s]);
            keep[s] = malloc(16 + (size_t)(x >> 40) % 2048);
            if (keep[s]) memset(keep[s], 1, 16);
            ops++;
        }
    }
    for (int s = 0; s < 256; s++) free(keep[s]);
    double dt = now() - t0;
    if (gout) {
        FILE *f = fopen(gout, "w");
        if (f) {
            fprintf(f, "{\n  \"context\": {\"num_cpus\": 2},\n  \"benchmarks\": [\n");
            for (int sz = 16, i = 0; sz <= 4096; sz *= 4, i++)
                fprintf(f, "%s    {\"name\": \"BM_fake/%d\", \"run_type\": \"iteration\", \"iterations\": 1000, "
                        "\"real_time\": %.3f, \"cpu_time\": %.3f, \"time_unit\": \"ns\"}\n",
                        i ? "," : "", sz, 10.0 + i, 9.0 + i);
            fprintf(f, "  ]\n}\n");
            fclose(f);
        }
    }
    printf("ALLOCBENCH result workload=fake threads=%d metric=ops_per_s value=%.6g unit=ops/s better=higher pin=%s ratio_final=%.3f\n",
           threads, (double)ops / dt, pin, 1.25);
    printf("ALLOCBENCH alloc-stats source=none allocated=-1 active=-1 resident=-1 mapped=-1\n");
    return 0;
}
