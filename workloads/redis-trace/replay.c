/* replay.c: the redis-replay allocbench workload.
 *
 *   redis-replay [--threads N] [--pin compact|scatter|none] TRACE
 *
 * Replays an allocation trace (FORMAT.md) under whatever malloc the process
 * uses, with the trace's thread structure: trace thread t runs on replay
 * thread t % N. --threads N sets N; without it N is the number of threads in
 * the trace (one replay thread per traced thread). N = 1 replays everything
 * on one thread in the trace's global order.
 *
 * Object ids map to live blocks. Every allocated byte is written, so RSS is
 * real. Events on one object run in trace order: a replay thread waits until
 * the object's previous event (possibly on another thread) has run. Since
 * every thread's events and every object's events are ordered by the same
 * global sequence, the waits cannot deadlock.
 *
 * Replayed: malloc calloc realloc free, the aligned family, mallocx rallocx
 * dallocx sdallocx (as their standard equivalents), malloc_usable_size,
 * sallocx and xallocx (as malloc_usable_size). Counted but not replayed:
 * nallocx, mallctl, malloc_stats_print (they do not allocate), frees of
 * unknown ids, failed allocations.
 *
 * Output: the "ALLOCBENCH allocator" line, one "ALLOCBENCH result" line
 * (metric replay_time in seconds, with per-phase rss_live_pN, peak_rss and
 * final_rss), and with ALLOCBENCH_RUN_DIR set: replay-timeline.csv (RSS and
 * live bytes over the events), replay-phases.csv, and with
 * REDIS_REPLAY_ADDRMAP=1 also replay-addrmap.f32 + replay-addrmap.txt (the
 * address x time fragmentation map, written by common/wl_addrmap.c).
 *
 * RSS figures are net of the RSS measured just before the first replayed
 * event (libraries, the loaded trace, the allocator's start-up state).
 */
#include "../common/wl_addrmap.h"
#include "idmap.h"
#include "tracefmt.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { K_SKIP, K_ALLOC, K_REALLOC, K_FREE, K_FREE_NULL, K_QUERY };

/* A replay event. Invariants: obj != 0 iff kind is K_ALLOC, K_REALLOC, K_FREE
 * or K_QUERY; step is the number of earlier events on obj; size is the
 * requested size; oldsize (realloc only) the object's size before. */
typedef struct rev {
    uint64_t size, oldsize;
    uint32_t obj, step;
    uint32_t aux;
    uint16_t worker;
    uint8_t kind, op, phase, phase_end;
} rev;

/* Per-object replay state. Invariant: step counts the events done on the
 * object; ptr is its block while live. */
typedef struct robj {
    void *ptr;
    _Atomic uint32_t step;
} robj;

#define NSAMPLES 2000
typedef struct sample { uint64_t ev; double t; int64_t rss, live; int phase; int valid; } sample;

static rev *g_ev;
static size_t g_nev;
static robj *g_obj;
static uint64_t *g_addr;            /* replay address per event, or NULL */
static int g_workers;
static int g_statm = -1;
static long g_page;
static int64_t g_base_rss;
static _Atomic int64_t g_live;
static sample g_samples[NSAMPLES + 1];
static size_t g_interval;
static sample g_phase_end[256];
static double g_t0;
static int g_pin_cpus[1024], g_npin;

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "redis-replay: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int64_t rss_bytes(void)
{
    char buf[128];
    ssize_t n = pread(g_statm, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = 0;
    long long size, res;
    if (sscanf(buf, "%lld %lld", &size, &res) != 2) return 0;
    return (int64_t)res * g_page;
}

static void *map_zero(size_t len)
{
    void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("out of memory (%s)", "mmap");
    if (len >= (4u << 20)) madvise(p, len, MADV_HUGEPAGE); /* fewer page faults */
    memset(p, 0, len); /* touch now, so that the RSS baseline includes it */
    return p;
}

static void take_sample(sample *s, uint64_t i, int phase)
{
    s->ev = i;
    s->t = now_s() - g_t0;
    s->rss = rss_bytes() - g_base_rss;
    s->live = atomic_load_explicit(&g_live, memory_order_relaxed);
    s->phase = phase;
    s->valid = 1;
}

static void *do_alloc(const rev *e)
{
    void *p = NULL;
    size_t n = e->size;
    switch (e->op) {
    case TF_OP_CALLOC: p = calloc(1, n ? n : 1); break;
    case TF_OP_POSIX_MEMALIGN:
        if (posix_memalign(&p, e->aux >= sizeof(void *) ? e->aux : sizeof(void *), n)) p = NULL;
        break;
    case TF_OP_ALIGNED_ALLOC: case TF_OP_MEMALIGN: case TF_OP_VALLOC: case TF_OP_PVALLOC: {
        size_t a = e->aux >= sizeof(void *) ? e->aux : sizeof(void *);
        if (posix_memalign(&p, a, n)) p = NULL;
        break;
    }
    case TF_OP_MALLOCX:
        if (e->aux & 0x3f) {
            size_t a = (size_t)1 << (e->aux & 0x3f);
            if (a < sizeof(void *)) a = sizeof(void *);
            if (posix_memalign(&p, a, n)) p = NULL;
        } else {
            p = malloc(n);
        }
        break;
    default: p = malloc(n); break;
    }
    return p;
}

static void run_event(uint64_t i)
{
    rev *e = &g_ev[i];
    robj *o = e->obj ? &g_obj[e->obj] : NULL;
    if (o) {
        unsigned spins = 0;
        while (atomic_load_explicit(&o->step, memory_order_acquire) != e->step)
            if (++spins > 64) sched_yield();
    }
    switch (e->kind) {
    case K_ALLOC: {
        void *p = do_alloc(e);
        if (!p && e->size) die("allocation failed (%s): out of memory", tf_op_name(e->op));
        if (e->size) memset(p, 0xA5, e->size);
        o->ptr = p;
        atomic_fetch_add_explicit(&g_live, (int64_t)e->size, memory_order_relaxed);
        if (g_addr) g_addr[i] = (uint64_t)(uintptr_t)p;
        break;
    }
    case K_REALLOC: {
        void *p = realloc(o->ptr, e->size);
        if (!p && e->size) die("reallocation failed (%s): out of memory", tf_op_name(e->op));
        if (e->size > e->oldsize) memset((char *)p + e->oldsize, 0x5A, e->size - e->oldsize);
        o->ptr = p;
        atomic_fetch_add_explicit(&g_live, (int64_t)e->size - (int64_t)e->oldsize, memory_order_relaxed);
        if (g_addr) g_addr[i] = (uint64_t)(uintptr_t)p;
        break;
    }
    case K_FREE:
        free(o->ptr);
        o->ptr = NULL;
        atomic_fetch_sub_explicit(&g_live, (int64_t)e->size, memory_order_relaxed);
        break;
    case K_FREE_NULL:
        free(NULL);
        break;
    case K_QUERY: {
        volatile size_t u = malloc_usable_size(o->ptr);
        (void)u;
        break;
    }
    default:
        break;
    }
    if (o) atomic_store_explicit(&o->step, e->step + 1, memory_order_release);
    if (g_interval && i % g_interval == 0) take_sample(&g_samples[i / g_interval], i, e->phase);
    if (e->phase_end) take_sample(&g_phase_end[e->phase], i, e->phase);
}

static void pin_self(int w)
{
    if (!g_npin) return;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(g_pin_cpus[w % g_npin], &s);
    if (sched_setaffinity(0, sizeof s, &s) < 0) fprintf(stderr, "redis-replay: warning: cannot pin thread %d\n", w);
}

static void *worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    pin_self(w);
    for (uint64_t i = 0; i < g_nev; i++)
        if (g_ev[i].worker == w) run_event(i);
    return NULL;
}

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "redis-replay: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, " (usage: redis-replay [--threads N] [--pin compact|scatter|none] TRACE)\n");
    return 2;
}

/* Address x time map (common/wl_addrmap.h), recorded after the replay in
 * the trace's global event order: one map event per replay event. */
static void write_addrmap(const char *dir, size_t nobj)
{
    wl_addrmap am;
    char err[4200];
    if (wl_addrmap_init(&am, g_nev + g_nev / 4) < 0) die("out of memory (%s)", "address map");
    uint64_t *oaddr = map_zero((nobj + 1) * sizeof *oaddr), *osize = map_zero((nobj + 1) * sizeof *osize);
    for (size_t i = 0; i < g_nev; i++) {
        const rev *e = &g_ev[i];
        if (e->kind == K_ALLOC) {
            wl_addrmap_alloc(&am, g_addr[i], e->size);
            oaddr[e->obj] = g_addr[i]; osize[e->obj] = e->size;
        } else if (e->kind == K_REALLOC) {
            wl_addrmap_realloc(&am, oaddr[e->obj], osize[e->obj], g_addr[i], e->size);
            oaddr[e->obj] = g_addr[i]; osize[e->obj] = e->size;
        } else if (e->kind == K_FREE) {
            wl_addrmap_free(&am, oaddr[e->obj], osize[e->obj]);
            osize[e->obj] = 0;
        } else {
            wl_addrmap_tick(&am);
        }
    }
    if (wl_addrmap_write(&am, dir, "replay-addrmap", err, sizeof err) < 0) die("%s", err);
    wl_addrmap_free_all(&am);
    munmap(oaddr, (nobj + 1) * sizeof *oaddr);
    munmap(osize, (nobj + 1) * sizeof *osize);
}

int main(int argc, char **argv)
{
    int threads = 0;
    const char *pin = "none", *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") || !strcmp(argv[i], "--pin")) {
            if (i + 1 >= argc) return bad_usage("option %s needs a value", argv[i]);
            if (argv[i][2] == 't') {
                char *end;
                long v = strtol(argv[i + 1], &end, 10);
                if (*end || end == argv[i + 1] || v < 1 || v > 1024) return bad_usage("--threads needs an integer in [1, 1024], got '%s'", argv[i + 1]);
                threads = (int)v;
            } else {
                pin = argv[i + 1];
                if (strcmp(pin, "compact") && strcmp(pin, "scatter") && strcmp(pin, "none"))
                    return bad_usage("--pin must be compact, scatter or none, got '%s'", pin);
            }
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return bad_usage("unknown option '%s'", argv[i]);
        } else if (path) {
            return bad_usage("more than one trace given ('%s')", argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (!path) return bad_usage("no trace given%s", "");

    Dl_info di;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    printf("ALLOCBENCH allocator file=%s\n", m && dladdr(m, &di) && di.dli_fname ? di.dli_fname : "unknown");
    fflush(stdout);

    tf_trace t;
    char err[512];
    if (tf_trace_load(path, &t, err, sizeof err) < 0) {
        fprintf(stderr, "redis-replay: %s\n", err);
        return 1;
    }
    g_page = sysconf(_SC_PAGESIZE);
    g_statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    g_workers = threads ? threads : (t.nthreads ? (int)t.nthreads : 1);
    g_nev = t.nev;

    /* Pre-pass in global order: resolve ids to objects, count steps. */
    g_ev = map_zero(g_nev * sizeof *g_ev);
    im_map idm;   /* trace id -> live object index */
    im_map addrm; /* trace address -> live object index (queries carry id 0) */
    im_init(&idm);
    im_init(&addrm);
    uint32_t nobj = 0;
    /* At most one object per event; mmap'ed, like every array built before
     * the replay, so the allocator under test starts from a clean heap. */
    size_t objcap = g_nev + 2;
    uint64_t *osize = map_zero(objcap * sizeof *osize);
    uint32_t *ostep = map_zero(objcap * sizeof *ostep);
    uint64_t *oaddr = map_zero(objcap * sizeof *oaddr);
    uint64_t unknown_frees = 0, not_replayed = 0, failed = 0;
    for (size_t i = 0; i < g_nev; i++) {
        const tf_event *s = &t.ev[i];
        rev *e = &g_ev[i];
        e->op = s->op;
        e->size = s->size;
        e->aux = (uint32_t)(s->aux > UINT32_MAX ? 0 : s->aux);
        e->phase = s->phase;
        e->worker = (uint16_t)(s->thread % (unsigned)g_workers);
        int eff = tf_op_effect(s->op);
        uint64_t *cur = s->id ? im_get(&idm, s->id) : NULL;
        if ((eff == TF_EFF_ALLOC || eff == TF_EFF_REALLOC) && !s->addr) {
            if (eff == TF_EFF_REALLOC && s->size == 0 && cur) eff = TF_EFF_FREE; /* realloc(p, 0) freed p */
            else { failed++; e->kind = K_SKIP; continue; }
        }
        if (eff == TF_EFF_REALLOC && !cur) eff = TF_EFF_ALLOC; /* realloc(NULL, n) */
        if (eff == TF_EFF_ALLOC) {
            if (cur) im_del(&idm, s->id, NULL); /* id reused while live (bad trace): old block stays live */
            ++nobj;
            if (s->id && im_put(&idm, s->id, nobj) < 0) die("out of memory (%s)", "ids");
            if (s->addr && im_put(&addrm, s->addr, nobj) < 0) die("out of memory (%s)", "addresses");
            oaddr[nobj] = s->addr;
            e->kind = K_ALLOC;
            if (s->op == TF_OP_REALLOC || s->op == TF_OP_RALLOCX) e->op = TF_OP_MALLOC;
            e->obj = nobj;
            osize[nobj] = s->size;
            ostep[nobj] = 0;
        } else if (eff == TF_EFF_REALLOC) {
            e->kind = K_REALLOC;
            e->obj = (uint32_t)*cur;
            e->oldsize = osize[e->obj];
            osize[e->obj] = s->size;
            uint64_t *a = im_get(&addrm, oaddr[e->obj]);
            if (a && *a == e->obj) im_del(&addrm, oaddr[e->obj], NULL);
            if (im_put(&addrm, s->addr, e->obj) < 0) die("out of memory (%s)", "addresses");
            oaddr[e->obj] = s->addr;
        } else if (eff == TF_EFF_FREE) {
            if (!cur) {
                if (s->addr) unknown_frees++;
                e->kind = s->addr ? K_SKIP : K_FREE_NULL;
                continue;
            }
            e->kind = K_FREE;
            e->obj = (uint32_t)*cur;
            e->size = osize[e->obj];
            im_del(&idm, s->id, NULL);
            uint64_t *a = im_get(&addrm, oaddr[e->obj]);
            if (a && *a == e->obj) im_del(&addrm, oaddr[e->obj], NULL);
        } else if ((s->op == TF_OP_USABLE_SIZE || s->op == TF_OP_SALLOCX || s->op == TF_OP_XALLOCX) &&
                   (cur || (s->addr && (cur = im_get(&addrm, s->addr))))) {
            e->kind = K_QUERY;
            e->obj = (uint32_t)*cur;
        } else {
            e->kind = K_SKIP;
            not_replayed++;
            continue;
        }
        e->step = ostep[e->obj]++;
    }
    /* Last event of each phase. */
    for (size_t i = 0; i < g_nev; i++)
        if (i + 1 == g_nev || g_ev[i + 1].phase != g_ev[i].phase) g_ev[i].phase_end = 1;
    int maxphase = 0;
    for (size_t i = 0; i < g_nev; i++) if (g_ev[i].phase > maxphase) maxphase = g_ev[i].phase;
    uint32_t nthreads_trace = t.nthreads;
    uint64_t dropped = t.dropped;
    tf_trace_free(&t);
    im_free(&idm);
    im_free(&addrm);
    munmap(oaddr, objcap * sizeof *oaddr);
    munmap(osize, objcap * sizeof *osize);
    munmap(ostep, objcap * sizeof *ostep);

    g_obj = map_zero(((size_t)nobj + 1) * sizeof *g_obj);
    const char *dir = getenv("ALLOCBENCH_RUN_DIR");
    const char *am = getenv("REDIS_REPLAY_ADDRMAP");
    if (dir && *dir && am && !strcmp(am, "1")) g_addr = map_zero(g_nev * sizeof *g_addr);
    g_interval = g_nev > NSAMPLES ? (g_nev + NSAMPLES - 1) / NSAMPLES : 1;

    if (strcmp(pin, "none")) {
        cpu_set_t s;
        if (sched_getaffinity(0, sizeof s, &s) == 0) {
            int cpus[1024], n = 0;
            for (int c = 0; c < CPU_SETSIZE && n < 1024; c++) if (CPU_ISSET(c, &s)) cpus[n++] = c;
            /* compact: CPUs in order; scatter: even positions first, then odd. */
            for (int k = 0; k < n; k++)
                g_pin_cpus[g_npin++] = !strcmp(pin, "compact") ? cpus[k] : cpus[(2 * k) % n + ((2 * k) / n) % 2];
        }
    }

    g_base_rss = rss_bytes();
    g_t0 = now_s();
    if (g_workers == 1) {
        pin_self(0);
        for (uint64_t i = 0; i < g_nev; i++) run_event(i);
    } else {
        pthread_t *tid = calloc((size_t)g_workers, sizeof *tid);
        if (!tid) die("out of memory (%s)", "threads");
        for (int w = 0; w < g_workers; w++)
            if (pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w)) die("cannot start a replay thread%s", "");
        for (int w = 0; w < g_workers; w++) pthread_join(tid[w], NULL);
        free(tid);
    }
    double elapsed = now_s() - g_t0;
    sample fin;
    take_sample(&fin, g_nev, maxphase);

    int64_t peak = fin.rss;
    for (int k = 0; k <= NSAMPLES; k++) if (g_samples[k].valid && g_samples[k].rss > peak) peak = g_samples[k].rss;
    for (int k = 0; k < 256; k++) if (g_phase_end[k].valid && g_phase_end[k].rss > peak) peak = g_phase_end[k].rss;

    char extra[2048];
    size_t xl = 0;
    for (int k = 0; k <= maxphase; k++) {
        sample *s = &g_phase_end[k];
        if (!s->valid) continue;
        xl += (size_t)snprintf(extra + xl, sizeof extra - xl, " rss_live_p%d=%.3f", k,
                               s->live > 0 ? (double)s->rss / (double)s->live : 0.0);
    }
    printf("ALLOCBENCH result workload=redis-replay threads=%d metric=replay_time value=%.6f unit=s better=lower "
           "events=%zu trace_threads=%u pin=%s peak_rss=%lld final_rss=%lld base_rss=%lld final_live=%lld "
           "unknown_frees=%llu not_replayed=%llu failed_allocs=%llu dropped=%llu%s\n",
           g_workers, elapsed, g_nev, nthreads_trace, pin, (long long)peak, (long long)fin.rss,
           (long long)g_base_rss, (long long)fin.live, (unsigned long long)unknown_frees,
           (unsigned long long)not_replayed, (unsigned long long)failed, (unsigned long long)dropped, extra);
    fflush(stdout);

    if (dir && *dir) {
        char p[4096];
        snprintf(p, sizeof p, "%s/replay-timeline.csv", dir);
        FILE *f = fopen(p, "w");
        if (!f) die("cannot write %s", p);
        fprintf(f, "event,time_s,rss_bytes,live_bytes,phase\n");
        for (int k = 0; k <= NSAMPLES; k++)
            if (g_samples[k].valid)
                fprintf(f, "%llu,%.6f,%lld,%lld,%d\n", (unsigned long long)g_samples[k].ev, g_samples[k].t,
                        (long long)g_samples[k].rss, (long long)g_samples[k].live, g_samples[k].phase);
        fprintf(f, "%llu,%.6f,%lld,%lld,%d\n", (unsigned long long)fin.ev, fin.t, (long long)fin.rss,
                (long long)fin.live, fin.phase);
        fclose(f);
        snprintf(p, sizeof p, "%s/replay-phases.csv", dir);
        f = fopen(p, "w");
        if (!f) die("cannot write %s", p);
        fprintf(f, "phase,end_event,time_s,rss_bytes,live_bytes,rss_live\n");
        for (int k = 0; k <= maxphase; k++) {
            sample *s = &g_phase_end[k];
            if (s->valid)
                fprintf(f, "%d,%llu,%.6f,%lld,%lld,%.4f\n", k, (unsigned long long)s->ev, s->t, (long long)s->rss,
                        (long long)s->live, s->live > 0 ? (double)s->rss / (double)s->live : 0.0);
        }
        fclose(f);
        if (g_addr) write_addrmap(dir, nobj);
    }
    return 0;
}
