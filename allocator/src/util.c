/* util.c: allocation-free diagnostics. */
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void util_write_err(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

void util_warn2(const char *a, const char *b) {
    util_write_err("tide: ");
    util_write_err(a);
    util_write_err(b);
    util_write_err("\n");
}

size_t util_utoa(uint64_t v, char *buf) {
    char tmp[21];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

void util_assert_fail(const char *cond, const char *file, int line) {
    char num[21];
    num[util_utoa((uint64_t)line, num)] = 0;
    util_write_err("tide: internal check failed: ");
    util_write_err(cond);
    util_write_err(" at ");
    util_write_err(file);
    util_write_err(":");
    util_write_err(num);
    util_write_err("\n");
    abort();
}
