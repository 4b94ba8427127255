/* misuse.c: the free-mark key and misuse reports. */
#include "misuse.h"
#include "conf.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uintptr_t misuse_key = 0x9e3779b97f4a7c15u;   /* until misuse_boot draws one */
static uint64_t misuse_counts[MISUSE_NKINDS];

void misuse_boot(void) {
    int e = errno;
    uintptr_t k = 0;
    if (getrandom(&k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        k = ((uintptr_t)ts.tv_nsec << 32) ^ (uintptr_t)ts.tv_sec ^ ((uintptr_t)&k >> 4) ^ (uintptr_t)getpid() * 0x9e3779b97f4a7c15u;
    }
    if (k) misuse_key = k;
    errno = e;
}

static size_t misuse_hex(uintptr_t v, char *buf) {
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    buf[0] = '0';
    buf[1] = 'x';
    for (size_t i = 0; i < n; i++) buf[2 + i] = tmp[n - 1 - i];
    return n + 2;
}

void misuse_report(enum misuse_kind kind, const char *what, const void *p, int cls, size_t size) {
    int e = errno;
    char line[160];
    size_t n = 0;
    const char *parts[] = {"tide: ", what, " of "};
    for (size_t i = 0; i < 3; i++)
        for (const char *s = parts[i]; *s && n < 80; s++) line[n++] = *s;
    n += misuse_hex((uintptr_t)p, line + n);
    if (cls >= 0 || size) {
        const char *open = cls >= 0 ? " (class " : " (";
        for (const char *s = open; *s; s++) line[n++] = *s;
        if (cls >= 0) {
            n += util_utoa((uint64_t)cls, line + n);
            line[n++] = ',';
            line[n++] = ' ';
        }
        n += util_utoa(size, line + n);
        for (const char *s = " bytes)"; *s; s++) line[n++] = *s;
    }
    line[n++] = '\n';
    line[n] = 0;
    util_write_err(line);
    if (conf_opt.abort_on_misuse) abort();
    __atomic_fetch_add(&misuse_counts[kind], 1, __ATOMIC_RELAXED);
    errno = e;
}

uint64_t misuse_count(enum misuse_kind kind) { return __atomic_load_n(&misuse_counts[kind], __ATOMIC_RELAXED); }
