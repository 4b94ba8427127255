/* wl.c: common option parsing, reporting, allocator identification and
 * statistics for allocbench workloads (see wl.h). */
#include "wl.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Process-wide state set by wl_init(); read-only afterwards. */
static const char *g_name = "workload";
static hwloc_topology_t g_topo;   /* loaded only when pin != none */
static unsigned *g_pus;           /* PU per worker index, g_npus entries */
static int g_npus;
static int g_bind_warned;

void wl_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", g_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try --help)\n");
    exit(2);
}

void wl_fatal(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", g_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

long wl_arg_long(const wl_opts *o, int i, const char *what, long def, long lo, long hi)
{
    if (i >= o->npos) return def;
    long v;
    if (parse_long(o->pos[i], &v) < 0) wl_usage_error("%s: not an integer: '%s'", what, o->pos[i]);
    if (v < lo || v > hi) wl_usage_error("%s must be in [%ld, %ld], got %ld", what, lo, hi, v);
    return v;
}

double wl_arg_double(const wl_opts *o, int i, const char *what, double def, double lo, double hi)
{
    if (i >= o->npos) return def;
    double v;
    if (parse_double(o->pos[i], &v) < 0) wl_usage_error("%s: not a number: '%s'", what, o->pos[i]);
    if (v < lo || v > hi) wl_usage_error("%s must be in [%g, %g], got %g", what, lo, hi, v);
    return v;
}

int wl_threads_arg(wl_opts *o, int i)
{
    if (i < o->npos) {
        long v = wl_arg_long(o, i, "thread count", 1, 1, 1024);
        if (o->threads_given) {
            if (v != o->threads)
                fprintf(stderr, "%s: --threads %d overrides the positional thread count %ld\n", g_name, o->threads, v);
        } else {
            o->threads = (int)v;
        }
    }
    return o->threads;
}

static void print_help(const char *name, const char *usage, const char *desc)
{
    printf("usage: %s [--threads N] [--pin compact|scatter|none] %s\n\n%s\n\n"
           "common options:\n"
           "  --threads N   worker threads (default 1; overrides a positional thread count)\n"
           "  --pin P       bind worker threads with hwloc: compact, scatter or none (default)\n"
           "  --help        this text\n"
           "output: one line 'ALLOCBENCH result workload=... threads=... metric=... value=... unit=... better=...'\n",
           name, usage, desc);
}

void wl_init(wl_opts *o, const char *name, const char *usage, const char *desc,
             int max_pos, int argc, char **argv)
{
    g_name = name;
    memset(o, 0, sizeof *o);
    o->name = name;
    o->threads = 1;
    o->pin = WL_PIN_NONE;
    o->pos = calloc((size_t)argc + 1, sizeof *o->pos);
    if (!o->pos) wl_fatal("out of memory");
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *val = NULL;
            const char *eq = strchr(a, '=');
            size_t klen = eq ? (size_t)(eq - a) : strlen(a);
            if (!strcmp(a, "--")) { only_pos = 1; continue; }
            if (!strncmp(a, "--help", klen) && klen == 6) { print_help(name, usage, desc); exit(0); }
            int is_threads = klen == 9 && !strncmp(a, "--threads", 9);
            int is_pin = klen == 5 && !strncmp(a, "--pin", 5);
            if (!is_threads && !is_pin) wl_usage_error("unknown option '%s'", a);
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else wl_usage_error("option '%s' needs a value", a);
            if (is_threads) {
                long v;
                if (parse_long(val, &v) < 0 || v < 1 || v > 1024)
                    wl_usage_error("--threads needs an integer in [1, 1024], got '%s'", val);
                o->threads = (int)v;
                o->threads_given = 1;
            } else if (wl_pin_parse(val, &o->pin) < 0) {
                wl_usage_error("--pin must be compact, scatter or none, got '%s'", val);
            }
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.')
            wl_usage_error("unknown option '%s'", a);
        o->pos[o->npos++] = argv[i];
    }
    if (o->npos > max_pos)
        wl_usage_error("too many arguments (%d, at most %d): usage %s", o->npos, max_pos, usage);
}

/* Placement state is computed once by wl_begin(). */
static pthread_once_t g_place_once = PTHREAD_ONCE_INIT;
static const wl_opts *g_place_opts;
static int g_place_threads;

static void place_setup(void)
{
    if (!g_place_opts || g_place_opts->pin == WL_PIN_NONE) return;
    if (hwloc_topology_init(&g_topo) < 0 || hwloc_topology_load(g_topo) < 0)
        wl_fatal("hwloc: cannot load the machine topology");
    g_pus = calloc((size_t)g_place_threads, sizeof *g_pus);
    if (!g_pus) wl_fatal("out of memory");
    g_npus = wl_place_compute(g_topo, g_place_opts->pin, g_place_threads, g_pus);
    fprintf(stderr, "%s: --pin %s:", g_name, wl_pin_name(g_place_opts->pin));
    for (int i = 0; i < g_npus; i++) fprintf(stderr, " %u", g_pus[i]);
    fputc('\n', stderr);
}

void wl_begin(const wl_opts *o, int nworkers)
{
    printf("ALLOCBENCH allocator file=%s\n", wl_allocator_file());
    fflush(stdout);
    g_place_opts = o;
    g_place_threads = nworkers > 0 ? nworkers : 1;
    pthread_once(&g_place_once, place_setup);
}

void wl_pin_thread(int idx)
{
    if (g_npus <= 0) return;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) return;
    hwloc_bitmap_only(set, g_pus[(idx < 0 ? 0 : idx) % g_npus]);
    if (hwloc_set_cpubind(g_topo, set, HWLOC_CPUBIND_THREAD) < 0 && !__atomic_exchange_n(&g_bind_warned, 1, __ATOMIC_RELAXED))
        fprintf(stderr, "%s: warning: cannot bind thread %d to PU %u: %s\n", g_name, idx,
                g_pus[idx % g_npus], strerror(errno));
    hwloc_bitmap_free(set);
}

double wl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double wl_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t wl_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
    fclose(f);
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

size_t wl_peak_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) { kb = strtoull(line + 6, NULL, 10); break; }
    fclose(f);
    return kb * 1024;
}

const char *wl_allocator_file(void)
{
    static char path[PATH_MAX];
    Dl_info mi, self;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    if (!m || !dladdr(m, &mi) || !mi.dli_fname) return "unknown";
    /* Is malloc defined in the executable itself (e.g. linked with -ltide)? */
    if (dladdr((void *)&wl_allocator_file, &self) && self.dli_fbase == mi.dli_fbase) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        if (n > 0) { path[n] = '\0'; return path; }
        return "unknown";
    }
    if (!realpath(mi.dli_fname, path)) {
        snprintf(path, sizeof path, "%s", mi.dli_fname);
    }
    return path;
}

/* Allocator statistics. Each source is looked up with dlsym(RTLD_DEFAULT)
 * in this order: mallctl (tide, jemalloc), mimalloc, tcmalloc, and glibc's
 * mallinfo2 last, because glibc always defines it. */
typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef void (*mi_process_info_fn)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *);
typedef void (*mi_collect_fn)(int);
typedef int (*tc_prop_fn)(const char *, size_t *);
typedef struct mallinfo2 (*mallinfo2_fn)(void);

static long long ctl_size(mallctl_fn ctl, const char *name)
{
    size_t v = 0, len = sizeof v;
    if (ctl(name, &v, &len, NULL, 0) != 0) return -1;
    return (long long)v;
}

static long long tc_prop(tc_prop_fn f, const char *name)
{
    size_t v = 0;
    return f(name, &v) ? (long long)v : -1;
}

void wl_alloc_stats_get(wl_alloc_stats *st)
{
    st->source = "none";
    st->allocated = st->active = st->resident = st->mapped = -1;
    mallctl_fn ctl = (mallctl_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "mallctl");
    if (ctl) {
        uint64_t epoch = 1;
        size_t sz = sizeof epoch;
        ctl("epoch", &epoch, &sz, &epoch, sz);
        st->source = "mallctl";
        st->allocated = ctl_size(ctl, "stats.allocated");
        st->active = ctl_size(ctl, "stats.active");
        st->resident = ctl_size(ctl, "stats.resident");
        st->mapped = ctl_size(ctl, "stats.mapped");
        return;
    }
    mi_process_info_fn mpi = (mi_process_info_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "mi_process_info");
    if (mpi) {
        size_t el = 0, us = 0, sy = 0, rss = 0, prss = 0, commit = 0, pcommit = 0, pf = 0;
        mpi(&el, &us, &sy, &rss, &prss, &commit, &pcommit, &pf);
        st->source = "mimalloc";
        st->resident = (long long)rss;   /* process RSS as mimalloc sees it */
        st->mapped = (long long)commit;  /* memory mimalloc has committed */
        return;
    }
    tc_prop_fn tp = (tc_prop_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
    if (tp) {
        long long heap = tc_prop(tp, "generic.heap_size");
        long long pfree = tc_prop(tp, "tcmalloc.pageheap_free_bytes");
        long long unm = tc_prop(tp, "tcmalloc.pageheap_unmapped_bytes");
        st->source = "tcmalloc";
        st->allocated = tc_prop(tp, "generic.current_allocated_bytes");
        if (heap >= 0 && pfree >= 0 && unm >= 0) st->active = heap - pfree - unm;
        if (heap >= 0 && unm >= 0) st->resident = heap - unm;
        st->mapped = heap;
        return;
    }
    mallinfo2_fn mi2 = (mallinfo2_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "mallinfo2");
    if (mi2) {
        struct mallinfo2 m = mi2();
        st->source = "mallinfo2";
        st->allocated = (long long)(m.uordblks + m.hblkhd);
        st->active = (long long)(m.arena - m.fordblks + m.hblkhd);
        st->mapped = (long long)(m.arena + m.hblkhd);
        return;
    }
}

static void wl_result_line(const wl_opts *o, const char *metric, double value, const char *unit,
                           const char *better, size_t peak_rss, double cpu_s, const char *extra_fmt,
                           va_list ap)
{
    char extra[1024] = "";
    if (extra_fmt) vsnprintf(extra, sizeof extra, extra_fmt, ap);
    printf("ALLOCBENCH result workload=%s threads=%d metric=%s value=%.6g unit=%s better=%s pin=%s "
           "peak_rss=%zu cpu_s=%.4f%s%s\n",
           o->name, o->threads, metric, value, unit, better, wl_pin_name(o->pin),
           peak_rss, cpu_s, extra[0] ? " " : "", extra);
}

void wl_result(const wl_opts *o, const char *metric, double value, const char *unit,
               const char *better, const char *extra_fmt, ...)
{
    va_list ap;
    va_start(ap, extra_fmt);
    wl_result_line(o, metric, value, unit, better, wl_peak_rss_bytes(), wl_cpu_seconds(), extra_fmt, ap);
    va_end(ap);
    wl_alloc_stats st;
    wl_alloc_stats_get(&st);
    printf("ALLOCBENCH alloc-stats source=%s allocated=%lld active=%lld resident=%lld mapped=%lld\n",
           st.source, st.allocated, st.active, st.resident, st.mapped);
    fflush(stdout);
}

void wl_result_child(const wl_opts *o, const char *metric, double value, const char *unit,
                     const char *better, size_t peak_rss, double cpu_s, const char *extra_fmt, ...)
{
    va_list ap;
    va_start(ap, extra_fmt);
    wl_result_line(o, metric, value, unit, better, peak_rss, cpu_s, extra_fmt, ap);
    va_end(ap);
    printf("ALLOCBENCH alloc-stats source=unavailable allocated=-1 active=-1 resident=-1 mapped=-1\n");
    fflush(stdout);
}

/* Generation-counting barrier. Invariant: 0 <= waiting < n outside the
 * mutex; gen increases by one each time n threads have arrived. */
struct wl_barrier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n, waiting;
    unsigned long gen;
};

wl_barrier *wl_barrier_new(int n)
{
    wl_barrier *b = calloc(1, sizeof *b);
    if (!b) wl_fatal("out of memory");
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->n = n;
    return b;
}

void wl_barrier_wait(wl_barrier *b)
{
    pthread_mutex_lock(&b->mu);
    unsigned long gen = b->gen;
    if (++b->waiting == b->n) {
        b->waiting = 0;
        b->gen++;
        pthread_cond_broadcast(&b->cv);
    } else {
        while (gen == b->gen) pthread_cond_wait(&b->cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
}

void wl_barrier_free(wl_barrier *b)
{
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}
