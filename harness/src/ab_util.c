/* ab_util.c: see ab_util.h. */
#include "ab_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void *ab_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) { fputs("allocbench: out of memory\n", stderr); exit(2); }
    return p;
}

void *ab_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) { fputs("allocbench: out of memory\n", stderr); exit(2); }
    return q;
}

char *ab_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ab_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static char *ab_xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *p = ab_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *ab_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = ab_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void ab_str_addn(ab_str *s, const char *text, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t c = s->cap ? s->cap : 64;
        while (c < s->len + n + 1) c *= 2;
        s->buf = ab_xrealloc(s->buf, c);
        s->cap = c;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

void ab_str_add(ab_str *s, const char *text) { ab_str_addn(s, text, strlen(text)); }

void ab_str_addf(ab_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *tmp = ab_xvasprintf(fmt, ap);
    va_end(ap);
    ab_str_add(s, tmp);
    free(tmp);
}

const char *ab_str_c(const ab_str *s) { return s->buf ? s->buf : ""; }

void ab_str_free(ab_str *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
}

char **ab_split_ws(const char *s, int *n)
{
    int cap = 8, cnt = 0;
    char **v = ab_xmalloc(sizeof(char *) * (size_t)cap);
    const char *p = s ? s : "";
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *b = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (cnt + 2 > cap) { cap *= 2; v = ab_xrealloc(v, sizeof(char *) * (size_t)cap); }
        char *w = ab_xmalloc((size_t)(p - b) + 1);
        memcpy(w, b, (size_t)(p - b));
        w[p - b] = '\0';
        v[cnt++] = w;
    }
    v[cnt] = NULL;
    if (n) *n = cnt;
    return v;
}

void ab_argv_free(char **v)
{
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

double ab_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void ab_utc_stamp(char *buf, size_t n, int compact)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *ab_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    ab_str s = {0};
    char buf[8192];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) ab_str_addn(&s, buf, k);
    fclose(f);
    if (!s.buf) ab_str_add(&s, "");
    if (len) *len = s.len;
    return s.buf;
}

int ab_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int ab_is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int ab_mkdirs(const char *path, int mode)
{
    char *p = ab_xstrdup(path);
    for (char *q = p + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) { free(p); return -1; }
            *q = '/';
        }
    }
    int rc = (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) ? -1 : 0;
    free(p);
    return rc;
}

char *ab_capture(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    ab_str s = {0};
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) ab_str_addn(&s, buf, k);
    int st = pclose(f);
    if (st != 0 || !s.buf) { ab_str_free(&s); return NULL; }
    while (s.len && (s.buf[s.len - 1] == '\n' || s.buf[s.len - 1] == '\r')) s.buf[--s.len] = '\0';
    if (!s.len) { ab_str_free(&s); return NULL; }
    return s.buf;
}

char *ab_shell_quote(const char *s)
{
    ab_str o = {0};
    ab_str_add(&o, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'') ab_str_add(&o, "'\\''");
        else ab_str_addn(&o, p, 1);
    }
    ab_str_add(&o, "'");
    return o.buf;
}

static int parse_pos(const char *b, const char *e, int *v)
{
    if (b == e) return -1;
    long x = 0;
    for (const char *p = b; p < e; p++) {
        if (!isdigit((unsigned char)*p)) return -1;
        x = x * 10 + (*p - '0');
        if (x > 4096) return -1;
    }
    if (x < 1) return -1;
    *v = (int)x;
    return 0;
}

int ab_parse_threads(const char *s, int *out, int max, char *err, size_t errn)
{
    int cnt = 0;
    if (!s || !*s) { snprintf(err, errn, "empty thread list"); return -1; }
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        if (!e) e = p + strlen(p);
        const char *dash = memchr(p, '-', (size_t)(e - p));
        int a, b;
        if (dash) {
            if (parse_pos(p, dash, &a) || parse_pos(dash + 1, e, &b) || b < a) {
                snprintf(err, errn, "bad thread list '%s': '%.*s' is not a range of positive integers", s, (int)(e - p), p);
                return -1;
            }
        } else {
            if (parse_pos(p, e, &a)) {
                snprintf(err, errn, "bad thread list '%s': '%.*s' is not a positive integer", s, (int)(e - p), p);
                return -1;
            }
            b = a;
        }
        for (int v = a; v <= b; v++) {
            if (cnt >= max) { snprintf(err, errn, "bad thread list '%s': more than %d entries", s, max); return -1; }
            for (int i = 0; i < cnt; i++)
                if (out[i] == v) { snprintf(err, errn, "bad thread list '%s': %d repeated", s, v); return -1; }
            out[cnt++] = v;
        }
        if (!*e) break;
        p = e + 1;
    }
    return cnt;
}

void ab_err(const char *fmt, ...)
{
    va_list ap;
    fputs("allocbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
