/* systest.c: helpers shared by tide's C system tests (see systest.h). */
#include "systest.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

size_t st_rss(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* "size resident shared ...": skip the first field. */
    const char *s = buf;
    while (*s && *s != ' ')
        s++;
    size_t pages = 0;
    while (*s == ' ')
        s++;
    while (*s >= '0' && *s <= '9')
        pages = pages * 10 + (size_t)(*s++ - '0');
    return pages * (size_t)sysconf(_SC_PAGESIZE);
}

double st_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void st_sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool env_is(const char *name, const char *val)
{
    const char *v = getenv(name);
    return v && strcmp(v, val) == 0;
}

bool st_quick(void) { return env_is("SYSTEST_QUICK", "1") || env_is("SYSTEST_QUICK", "tsan"); }
bool st_is_tide(void) { return env_is("SYSTEST_ALLOC", "tide"); }

unsigned long st_count(unsigned long full, unsigned long quick, unsigned long tsan)
{
    return env_is("SYSTEST_QUICK", "tsan") ? tsan : env_is("SYSTEST_QUICK", "1") ? quick : full;
}

size_t st_rss_bound(void)
{
    const char *v = getenv("SYSTEST_RSS_MB");
    long mb = v ? strtol(v, NULL, 10) : 0;
    return (mb > 0 ? (size_t)mb : 64) * ST_MiB;
}

const char *st_check_allocator(void)
{
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    if (!m || !dladdr(m, &info) || !info.dli_fname)
        return "cannot locate the object that defines malloc";
    bool tide = strstr(info.dli_fname, "libtide") != NULL;
    bool libc = strstr(info.dli_fname, "libc.so") != NULL;
    if (st_is_tide() && !tide)
        return "SYSTEST_ALLOC=tide but malloc does not come from libtide (preload ineffective?)";
    if (!st_is_tide() && !libc)
        return "SYSTEST_ALLOC=glibc but malloc does not come from libc.so";
    if (!st_is_tide())
        return NULL;
    /* tide answers mallctl, and runs with the preset TIDE_CONF asked for. */
    typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
    mallctl_fn ctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    const char *ver = NULL, *preset = NULL;
    size_t sz = sizeof ver;
    if (!ctl || ctl("version", &ver, &sz, NULL, 0) != 0 || !ver || !strstr(ver, "tide"))
        return "mallctl(\"version\") does not answer with tide's version";
    const char *conf = getenv("TIDE_CONF");
    const char *want = conf ? strstr(conf, "preset:") : NULL;
    sz = sizeof preset;
    if (ctl("opt.preset", &preset, &sz, NULL, 0) != 0 || !preset)
        return "mallctl(\"opt.preset\") failed";
    want = want ? want + 7 : "default";
    size_t n = strcspn(want, ",");
    if (strlen(preset) != n || strncmp(preset, want, n) != 0)
        return "opt.preset differs from the preset in TIDE_CONF";
    /* A 4 MiB malloc shows in tide's stats.allocated. */
    uint64_t epoch = 1;
    size_t before = 0, during = 0;
    sz = sizeof epoch;
    ctl("epoch", &epoch, &sz, &epoch, sz);
    sz = sizeof before;
    if (ctl("stats.allocated", &before, &sz, NULL, 0) != 0)
        return "mallctl(\"stats.allocated\") failed";
    void *volatile big = malloc((size_t)4 << 20);
    sz = sizeof epoch;
    ctl("epoch", &epoch, &sz, &epoch, sz);
    sz = sizeof during;
    ctl("stats.allocated", &during, &sz, NULL, 0);
    free(big);
    if (!big || during < before + ((size_t)4 << 20))
        return "a 4 MiB malloc did not show in tide's stats.allocated: malloc is not tide's";
    if (strcmp(preset, "bsd2006") == 0) {
        bool tcache = true;
        sz = sizeof tcache;
        if (ctl("opt.tcache", &tcache, &sz, NULL, 0) != 0 || tcache)
            return "preset bsd2006 but opt.tcache is not false";
    }
    return NULL;
}

bool st_allocated(size_t *bytes)
{
    if (!st_is_tide())
        return false;
    typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
    mallctl_fn ctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    uint64_t epoch = 1;
    size_t v = 0, sz = sizeof epoch;
    if (!ctl || ctl("epoch", &epoch, &sz, &epoch, sz) != 0)
        return false;
    sz = sizeof v;
    if (ctl("stats.allocated", &v, &sz, NULL, 0) != 0)
        return false;
    *bytes = v;
    return true;
}

static void *st_nothing(void *arg) { return arg; }

void st_warm_thread_stacks(unsigned n)
{
    pthread_t t[64];
    if (n > 64)
        n = 64;
    unsigned made = 0;
    for (; made < n; made++)
        if (pthread_create(&t[made], NULL, st_nothing, NULL) != 0)
            break;
    for (unsigned i = 0; i < made; i++)
        pthread_join(t[i], NULL);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

void st_fill(void *p, size_t n, uint64_t seed)
{
    unsigned char *b = p;
    uint64_t v = mix(seed + 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> ((i & 7) * 8)) ^ (unsigned char)(i >> 3);
}

bool st_verify(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *b = p;
    uint64_t v = mix(seed + 1);
    for (size_t i = 0; i < n; i++)
        if (b[i] != ((unsigned char)(v >> ((i & 7) * 8)) ^ (unsigned char)(i >> 3)))
            return false;
    return true;
}

int st_report(struct SRunner *sr, const char *prefix, const char *const *skipped)
{
    int nfail = 0;
    int n = srunner_ntests_run(sr);
    TestResult **res = srunner_results(sr);
    for (int i = 0; i < n; i++) {
        if (tr_rtype(res[i]) == CK_PASS) {
            printf("PASS %s/%s\n", prefix, tr_tcname(res[i]));
        } else {
            nfail++;
            printf("FAIL %s/%s: %s (%s:%d)\n", prefix, tr_tcname(res[i]), tr_msg(res[i]),
                   tr_lfile(res[i]) ? tr_lfile(res[i]) : "?", tr_lno(res[i]));
        }
    }
    free(res);
    for (size_t i = 0; skipped && skipped[i]; i++)
        printf("SKIP %s/%s\n", prefix, skipped[i]);
    fflush(stdout);
    return nfail;
}
