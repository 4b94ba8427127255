/* conf.c: TIDE_CONF parsing, without allocating. */
#include "conf.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conf conf_opt = {
    .narenas = 0,
    .tcache = true,
    .dirty_decay_ms = CONF_DEFAULT_DECAY_MS,
    .class_refine_kb = CONF_DEFAULT_REFINE_KB,
    .background_thread = false,
    .stats_print = false,
    .stats_opts = "",
    .bsd2006 = false,
    .abort_on_misuse = true,
    .secure = false,
    .preset = "default",
};

static bool conf_eq(const char *s, size_t n, const char *lit) {
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool conf_bool(const char *v, size_t n, bool *out) {
    if (conf_eq(v, n, "true")) *out = true;
    else if (conf_eq(v, n, "false")) *out = false;
    else return false;
    return true;
}

static bool conf_int(const char *v, size_t n, int64_t lo, int64_t hi, int64_t *out) {
    bool neg = n > 0 && v[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == n || n - i > 12) return false;
    int64_t x = 0;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return false;
        x = x * 10 + (v[i] - '0');
    }
    if (neg) x = -x;
    if (x < lo || x > hi) return false;
    *out = x;
    return true;
}

static void conf_complain(const char *what, const char *s, size_t n) {
    char buf[160];
    size_t m = n < 100 ? n : 100;
    memcpy(buf, s, m);
    buf[m] = 0;
    util_warn2(what, buf);
}

/* stats_opts: malloc_stats_print's letters (ctl.c), at most 15 of them. */
static bool conf_stats_opts(const char *v, size_t n) {
    static char buf[16];
    if (n >= sizeof buf) return false;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z'))) return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    conf_opt.stats_opts = buf;
    return true;
}

/* One "key:value" entry; false when the key or the value is bad. */
static bool conf_entry(const char *k, size_t kn, const char *v, size_t vn) {
    int64_t x;
    if (conf_eq(k, kn, "narenas")) {
        if (!conf_int(v, vn, 1, 4096, &x)) return false;
        conf_opt.narenas = (unsigned)x;
    } else if (conf_eq(k, kn, "tcache")) {
        return conf_bool(v, vn, &conf_opt.tcache);
    } else if (conf_eq(k, kn, "dirty_decay_ms")) {
        if (!conf_int(v, vn, -1, 3600000, &x)) return false;
        conf_opt.dirty_decay_ms = x;
    } else if (conf_eq(k, kn, "class_refine_kb")) {
        if (!conf_int(v, vn, -1, (int64_t)1 << 32, &x)) return false;
        conf_opt.class_refine_kb = x;
    } else if (conf_eq(k, kn, "background_thread")) {
        return conf_bool(v, vn, &conf_opt.background_thread);
    } else if (conf_eq(k, kn, "stats_print")) {
        return conf_bool(v, vn, &conf_opt.stats_print);
    } else if (conf_eq(k, kn, "stats_opts") || conf_eq(k, kn, "stats_print_opts")) {   /* and jemalloc's name */
        return conf_stats_opts(v, vn);
    } else if (conf_eq(k, kn, "abort_on_misuse")) {
        return conf_bool(v, vn, &conf_opt.abort_on_misuse);
    } else if (conf_eq(k, kn, "preset")) {
        if (conf_eq(v, vn, "bsd2006")) {
            /* BSDCan 2006: arenas (4 x CPUs, round-robin), no thread cache. */
            conf_opt.bsd2006 = true;
            conf_opt.secure = false;
            conf_opt.tcache = false;
            conf_opt.preset = "bsd2006";
        } else if (conf_eq(v, vn, "secure")) {
            /* Hardened (misuse.h): every call takes the checked slow paths. */
            conf_opt.bsd2006 = false;
            conf_opt.secure = true;
            conf_opt.tcache = false;
            conf_opt.preset = "secure";
        } else if (conf_eq(v, vn, "default")) {
            conf_opt.bsd2006 = false;
            conf_opt.secure = false;
            conf_opt.tcache = true;
            conf_opt.preset = "default";
        } else {
            return false;
        }
    } else {
        return false;
    }
    return true;
}

static bool conf_known(const char *k, size_t kn) {
    static const char *const keys[] = {"narenas", "tcache", "dirty_decay_ms", "background_thread",
                                       "stats_print", "stats_opts", "stats_print_opts", "preset",
                                       "class_refine_kb", "abort_on_misuse"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (conf_eq(k, kn, keys[i])) return true;
    return false;
}

int conf_parse(const char *s) {
    int bad = 0;
    while (*s) {
        const char *e = s;
        while (*e && *e != ',') e++;
        const char *colon = memchr(s, ':', (size_t)(e - s));
        if (e > s) {
            if (!colon) {
                conf_complain("TIDE_CONF: expected key:value, ignored: ", s, (size_t)(e - s));
                bad++;
            } else if (!conf_known(s, (size_t)(colon - s))) {
                conf_complain("TIDE_CONF: unknown option ignored: ", s, (size_t)(colon - s));
                bad++;
            } else if (!conf_entry(s, (size_t)(colon - s), colon + 1, (size_t)(e - colon - 1))) {
                conf_complain("TIDE_CONF: bad value ignored: ", s, (size_t)(e - s));
                bad++;
            }
        }
        s = *e ? e + 1 : e;
    }
    return bad;
}

/* TIDE_CONF from /proc/self/environ: the first malloc can come before libc
 * has set environ (a preinit_array function, such as a sanitizer runtime's),
 * when getenv finds nothing. No allocation: a static buffer, read in pieces. */
static const char *conf_env_from_proc(void) {
    static char val[1024];
    static const char key[] = "TIDE_CONF=";
    char buf[512];
    int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t pos = 0, len = 0;   /* position in the current entry; bytes of its value kept */
    bool match = true, found = false;
    ssize_t n;
    while (!found && (n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n && !found; i++) {
            char ch = buf[i];
            if (ch == 0) {
                found = match && pos >= sizeof key - 1;
                pos = len = 0;
                match = true;
                continue;
            }
            if (pos < sizeof key - 1) match = match && ch == key[pos];
            else if (match && len < sizeof val - 1) val[len++] = ch;
            if (match && pos >= sizeof key - 1) val[len] = 0;
            pos++;
        }
    }
    close(fd);
    return found ? val : NULL;
}

void conf_init(unsigned ncpus) {
    const char *s = getenv("TIDE_CONF");
    if (!s && !environ) s = conf_env_from_proc();
    if (s) conf_parse(s);
    if (conf_opt.narenas == 0) conf_opt.narenas = 4 * ncpus;
}
