/* tracer.c: LD_PRELOAD library that records every allocation call of a
 * process into a trace file (format: FORMAT.md, encoder: tracefmt.c).
 *
 *   ALLOCTRACE_OUT=path LD_PRELOAD=build/redis-trace/liballoctrace.so prog ...
 *
 * Each interposed call is forwarded to the allocator underneath (the next
 * definition after this library: libjemalloc for Debian's redis-server,
 * glibc otherwise) and recorded as (thread, op, size, object id, address,
 * time). Records collect in a per-thread buffer; a full buffer is encoded
 * (delta + varint) and appended to the file as one stored (uncompressed,
 * checksummed) block under a writer lock; `trace pack` compresses the
 * finished file, off the traced process's time.
 * Thread exit flushes the thread's buffer; process exit flushes every buffer
 * and writes the phase marks and the end block. A forked child records
 * nothing. Signal SIGRTMIN+7 starts the next scenario phase.
 *
 * Object ids: an allocation's id is its sequence number + 1; frees,
 * reallocs and queries are written with id 0 and resolved by address when
 * the trace is read (see order_lock below for why that is exact). Keeping
 * no address table in the traced process halves the tracer's cost.
 */
#include "tracefmt.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define BUF_EVENTS 4096u
#define MAX_MARKS 255u /* phase numbers fit the format's 1..255 */
#define PHASE_SIGNAL (SIGRTMIN + 7)

/* ---- the allocator underneath ---- */
static void *(*r_malloc)(size_t);
static void *(*r_calloc)(size_t, size_t);
static void *(*r_realloc)(void *, size_t);
static void (*r_free)(void *);
static int (*r_posix_memalign)(void **, size_t, size_t);
static void *(*r_aligned_alloc)(size_t, size_t);
static void *(*r_memalign)(size_t, size_t);
static void *(*r_valloc)(size_t);
static void *(*r_pvalloc)(size_t);
static size_t (*r_usable)(void *);
static void *(*r_mallocx)(size_t, int);
static void *(*r_rallocx)(void *, size_t, int);
static size_t (*r_xallocx)(void *, size_t, size_t, int);
static size_t (*r_sallocx)(const void *, int);
static void (*r_dallocx)(void *, int);
static void (*r_sdallocx)(void *, size_t, int);
static size_t (*r_nallocx)(size_t, int);
static int (*r_mallctl)(const char *, void *, size_t *, void *, size_t);
static int (*r_mallctlnametomib)(const char *, size_t *, size_t *);
static int (*r_mallctlbymib)(const size_t *, size_t, void *, size_t *, void *, size_t);
static void (*r_stats_print)(void (*)(void *, const char *), void *, const char *);

/* Bootstrap arena for allocations made by dlsym while resolving the above.
 * Invariant: boot_used <= sizeof boot_mem; blocks in it are never freed. */
static _Alignas(64) unsigned char boot_mem[64 * 1024];
static size_t boot_used;
static int in_boot(const void *p) { return (const unsigned char *)p >= boot_mem && (const unsigned char *)p < boot_mem + sizeof boot_mem; }
static void *boot_alloc(size_t n)
{
    n = (n + 63) & ~(size_t)63;
    if (boot_used + n > sizeof boot_mem) return NULL;
    void *p = boot_mem + boot_used;
    boot_used += n;
    return p;
}

/* ---- per-thread buffers ----
 * Invariants: n <= BUF_EVENTS; ev[0..n) ascending seq; lock is held by
 * whoever appends or flushes; a buffer is on g_bufs forever, `dead` once its
 * thread exited (then n == 0 and it may be reused by a new thread). */
typedef struct tbuf {
    atomic_flag lock;
    atomic_int dead;
    uint16_t thread;
    uint32_t n;
    tf_event ev[BUF_EVENTS];
    uint8_t raw[BUF_EVENTS * TF_REC_MAX_BYTES];
    struct tbuf *next;
} tbuf;

static __thread tbuf *t_buf __attribute__((tls_model("initial-exec")));
static __thread int t_busy __attribute__((tls_model("initial-exec")));

/* ---- global state ---- */
static atomic_int g_state;          /* 0 uninit, 1 initialising, 2 ready */
static atomic_int g_tracing;        /* recording enabled */
static int g_fd = -1;
static uint64_t g_t0_ns;
static pthread_key_t g_key;
static pthread_mutex_t g_writer = PTHREAD_MUTEX_INITIALIZER;  /* fd, block buffer, g_bufs, g_blocks */
static uint8_t *g_blk;
static size_t g_blk_cap;
static uint64_t g_blocks;
static tbuf *g_bufs;
static atomic_uint g_nthreads;
static tf_phase g_marks[MAX_MARKS];
static atomic_uint g_nmarks;

/* Order lock. Frees and reallocs run inside it, real call included, and take
 * their sequence number inside it (a realloc before its call); allocations
 * and queries take theirs after their call, without it. Then, for every
 * address, the global order of the events is the real order: a block is
 * allocated before it is freed, freed before the address is handed out
 * again, and a realloc's old block is released at the realloc's number. The
 * reader resolves object ids by address on that order (FORMAT.md). */
static atomic_flag g_order = ATOMIC_FLAG_INIT;
static void order_lock(void) { while (atomic_flag_test_and_set_explicit(&g_order, memory_order_acquire)) sched_yield(); }
static void order_unlock(void) { atomic_flag_clear_explicit(&g_order, memory_order_release); }
static _Atomic uint64_t g_seq;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Event time in microseconds since g_t0_ns. On x86-64 from the TSC, scaled
 * by a rate calibrated against CLOCK_MONOTONIC at start-up (2 ms), which
 * is several times cheaper than clock_gettime in a VM; elsewhere from the
 * clock. */
#if defined(__x86_64__)
#include <x86intrin.h>
static uint64_t g_tsc0;
static double g_us_per_tick;
static void time_init(void)
{
    uint64_t n0 = now_ns(), t0 = __rdtsc(), n1;
    while ((n1 = now_ns()) - n0 < 2000000u) {}
    uint64_t t1 = __rdtsc();
    g_us_per_tick = t1 > t0 ? (double)(n1 - n0) / 1000.0 / (double)(t1 - t0) : 0.0;
    g_tsc0 = t0;
    g_t0_ns = n0;
}
static uint64_t event_us(void)
{
    if (g_us_per_tick == 0.0) return (now_ns() - g_t0_ns) / 1000u;
    return (uint64_t)((double)(__rdtsc() - g_tsc0) * g_us_per_tick);
}
#else
static void time_init(void) { g_t0_ns = now_ns(); }
static uint64_t event_us(void) { return (now_ns() - g_t0_ns) / 1000u; }
#endif

static void *map_mem(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* ---- writing ---- */

static void write_all(const uint8_t *p, size_t n)
{
    while (n > 0 && g_fd >= 0) {
        ssize_t w = write(g_fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; close(g_fd); g_fd = -1; return; }
        p += w;
        n -= (size_t)w;
    }
}

/* Called with g_writer held. */
static void emit_block(unsigned type, unsigned thread, uint32_t nrec, uint64_t base_seq,
                       const uint8_t *raw, size_t raw_len)
{
    size_t need = tf_block_bound(raw_len);
    if (need > g_blk_cap) {
        if (g_blk) munmap(g_blk, g_blk_cap);
        g_blk_cap = need;
        g_blk = map_mem(g_blk_cap);
        if (!g_blk) { g_blk_cap = 0; return; }
    }
    size_t len = tf_build_block(NULL, type, thread, nrec, base_seq, raw, raw_len, g_blk, g_blk_cap);
    if (len) { write_all(g_blk, len); g_blocks++; }
}

/* Flush b (its lock held by the caller). */
static void flush_buf(tbuf *b)
{
    if (!b->n) return;
    size_t raw_len = tf_encode_events(b->ev, b->n, b->raw);
    pthread_mutex_lock(&g_writer);
    emit_block(TF_BLK_EVENTS, b->thread, b->n, b->ev[0].seq, b->raw, raw_len);
    pthread_mutex_unlock(&g_writer);
    b->n = 0;
}

static void buf_lock(tbuf *b) { while (atomic_flag_test_and_set_explicit(&b->lock, memory_order_acquire)) sched_yield(); }
static void buf_unlock(tbuf *b) { atomic_flag_clear_explicit(&b->lock, memory_order_release); }

static void thread_exit(void *arg)
{
    tbuf *b = arg;
    t_busy = 1;
    buf_lock(b);
    flush_buf(b);
    atomic_store(&b->dead, 1);
    buf_unlock(b);
    t_buf = NULL;
}

static tbuf *get_buf(void)
{
    if (t_buf) return t_buf;
    tbuf *b = NULL;
    pthread_mutex_lock(&g_writer);
    for (tbuf *x = g_bufs; x; x = x->next)
        if (atomic_load(&x->dead)) { b = x; atomic_store(&b->dead, 0); break; }
    pthread_mutex_unlock(&g_writer);
    if (!b) {
        b = map_mem(sizeof *b);
        if (!b) return NULL;
        atomic_flag_clear(&b->lock);
        pthread_mutex_lock(&g_writer);
        b->next = g_bufs;
        g_bufs = b;
        pthread_mutex_unlock(&g_writer);
    }
    b->thread = (uint16_t)atomic_fetch_add(&g_nthreads, 1);
    b->n = 0;
    t_buf = b;
    pthread_setspecific(g_key, b);
    return b;
}

/* Append one event; seq was taken by the caller (under order_lock() when the
 * event changes the table). */
static void record(unsigned op, uint64_t seq, uint64_t size, uint64_t id, const void *addr, uint64_t aux,
                   const void *old)
{
    tbuf *b = get_buf();
    if (!b) return;
    buf_lock(b);
    tf_event *e = &b->ev[b->n++];
    e->seq = seq;
    e->time_us = event_us();
    e->size = size;
    e->id = id;
    e->addr = (uint64_t)(uintptr_t)addr;
    e->aux = aux;
    e->old_addr = (uint64_t)(uintptr_t)old;
    e->op = (uint8_t)op;
    e->thread = b->thread;
    e->phase = 0;
    if (b->n == BUF_EVENTS) flush_buf(b);
    buf_unlock(b);
}

/* ---- events ---- */

static void ev_alloc(unsigned op, uint64_t size, void *p, uint64_t aux)
{
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    record(op, seq, size, p ? seq + 1 : 0, p, aux, 0);
}

/* Queries and calls on no block: id 0, the reader resolves it by address. */
static void ev_query(unsigned op, const void *p, uint64_t result, uint64_t aux)
{
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    record(op, seq, result, 0, p, aux, 0);
}

/* ---- init, phases, fork, exit ---- */

static void phase_handler(int sig)
{
    (void)sig;
    unsigned k = atomic_fetch_add(&g_nmarks, 1);
    if (k >= MAX_MARKS) return;
    g_marks[k].phase = k + 1;
    g_marks[k].seq = atomic_load(&g_seq);
    g_marks[k].time_us = event_us();
}

static void fork_prepare(void) { pthread_mutex_lock(&g_writer); order_lock(); }
static void fork_parent(void) { order_unlock(); pthread_mutex_unlock(&g_writer); }
static void fork_child(void)
{
    /* The child records nothing and must never write to the parent's file. */
    atomic_store(&g_tracing, 0);
    g_fd = -1;
    order_unlock();
    pthread_mutex_unlock(&g_writer);
}


#define RESOLVE(var, name) (var = (__typeof__(var))dlsym(RTLD_NEXT, name))

static void init(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&g_state, &expect, 1)) {
        while (atomic_load(&g_state) != 2) {
            if (t_busy) return; /* dlsym re-entered us: the caller uses boot_alloc */
            sched_yield();
        }
        return;
    }
    t_busy = 1;
    RESOLVE(r_malloc, "malloc"); RESOLVE(r_calloc, "calloc"); RESOLVE(r_realloc, "realloc");
    RESOLVE(r_free, "free"); RESOLVE(r_posix_memalign, "posix_memalign");
    RESOLVE(r_aligned_alloc, "aligned_alloc"); RESOLVE(r_memalign, "memalign");
    RESOLVE(r_valloc, "valloc"); RESOLVE(r_pvalloc, "pvalloc"); RESOLVE(r_usable, "malloc_usable_size");
    RESOLVE(r_mallocx, "mallocx"); RESOLVE(r_rallocx, "rallocx"); RESOLVE(r_xallocx, "xallocx");
    RESOLVE(r_sallocx, "sallocx"); RESOLVE(r_dallocx, "dallocx"); RESOLVE(r_sdallocx, "sdallocx");
    RESOLVE(r_nallocx, "nallocx"); RESOLVE(r_mallctl, "mallctl");
    RESOLVE(r_mallctlnametomib, "mallctlnametomib"); RESOLVE(r_mallctlbymib, "mallctlbymib");
    RESOLVE(r_stats_print, "malloc_stats_print");
    if (!r_malloc || !r_free || !r_calloc || !r_realloc) {
        static const char msg[] = "alloctrace: cannot find the underlying malloc\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    time_init();
    const char *path = getenv("ALLOCTRACE_OUT");
    char def[64];
    if (!path || !*path) {
        snprintf(def, sizeof def, "alloctrace.%d.trc", (int)getpid());
        path = def;
    }
    g_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (g_fd >= 0) {
        char note[TF_MAX_NOTE];
        size_t nl = 0;
        int cf = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
        if (cf >= 0) {
            ssize_t r = read(cf, note, sizeof note - 1);
            close(cf);
            if (r > 0) nl = (size_t)r;
            for (size_t i = 0; i + 1 < nl; i++) if (!note[i]) note[i] = ' ';
        }
        note[nl] = 0;
        if (nl && !note[nl - 1]) nl--;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint8_t hdr[32 + TF_MAX_NOTE + 16];
        size_t hl = tf_encode_header(hdr, note, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, 0);
        write_all(hdr, hl);
        pthread_key_create(&g_key, thread_exit);
        pthread_atfork(fork_prepare, fork_parent, fork_child);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = phase_handler;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(PHASE_SIGNAL, &sa, NULL);
        atomic_store(&g_tracing, 1);
    } else {
        static const char msg[] = "alloctrace: cannot open the output file; not tracing\n";
        (void)!write(2, msg, sizeof msg - 1);
    }
    t_busy = 0;
    atomic_store(&g_state, 2);
}

__attribute__((destructor)) static void fini(void)
{
    if (atomic_load(&g_state) != 2 || !atomic_exchange(&g_tracing, 0)) return;
    t_busy = 1;
    /* Every buffer, including those of threads still running. */
    for (tbuf *b = g_bufs; b; b = b->next) {
        buf_lock(b);
        flush_buf(b);
        buf_unlock(b);
    }
    pthread_mutex_lock(&g_writer);
    unsigned nm = atomic_load(&g_nmarks);
    if (nm > MAX_MARKS) nm = MAX_MARKS;
    uint8_t raw[MAX_MARKS * 32 + 64];
    if (nm) emit_block(TF_BLK_PHASES, 0xFFFF, nm, 0, raw, tf_encode_phases(g_marks, nm, raw));
    uint64_t total = atomic_load(&g_seq), nb = g_blocks;
    emit_block(TF_BLK_END, 0xFFFF, 0, 0, raw, tf_encode_end(total, atomic_load(&g_nthreads), nb, raw));
    if (g_fd >= 0) close(g_fd);
    g_fd = -1;
    pthread_mutex_unlock(&g_writer);
}

__attribute__((constructor)) static void ctor(void) { if (atomic_load(&g_state) == 0) init(); }

/* Returns 1 when the caller should record, 0 to forward only. */
static inline int begin(void)
{
    if (__builtin_expect(atomic_load_explicit(&g_state, memory_order_acquire) != 2, 0)) init();
    if (t_busy || !atomic_load_explicit(&g_tracing, memory_order_relaxed)) return 0;
    t_busy = 1;
    return 1;
}
static inline void end(void) { t_busy = 0; }
static inline int ready(void) { return atomic_load_explicit(&g_state, memory_order_acquire) == 2; }

/* ---- the interposed API ---- */

EXPORT void *malloc(size_t n)
{
    if (!ready() && (init(), !ready())) return boot_alloc(n);
    if (!begin()) return r_malloc(n);
    void *p = r_malloc(n);
    ev_alloc(TF_OP_MALLOC, n, p, 0);
    end();
    return p;
}

EXPORT void *calloc(size_t nm, size_t sz)
{
    size_t n;
    if (__builtin_mul_overflow(nm, sz, &n)) n = SIZE_MAX;
    if (!ready() && (init(), !ready())) return n == SIZE_MAX ? NULL : boot_alloc(n); /* static memory is zero */
    if (!begin()) return r_calloc(nm, sz);
    void *p = r_calloc(nm, sz);
    ev_alloc(TF_OP_CALLOC, n, p, 0);
    end();
    return p;
}

EXPORT void free(void *p)
{
    if (in_boot(p)) return;
    if (!ready() && (init(), !ready())) return;
    if (!begin()) { r_free(p); return; }
    order_lock();
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    r_free(p);
    order_unlock();
    record(TF_OP_FREE, seq, 0, 0, p, 0, 0);
    end();
}

EXPORT void *realloc(void *p, size_t n)
{
    if (in_boot(p)) {
        void *q = malloc(n);
        if (q) memcpy(q, p, n < 64 ? n : 64); /* boot blocks are tiny; callers are dlsym internals */
        return q;
    }
    if (!ready() && (init(), !ready())) return boot_alloc(n);
    if (!begin()) return r_realloc(p, n);
    order_lock();
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    void *q = r_realloc(p, n);
    order_unlock();
    record(TF_OP_REALLOC, seq, n, p ? 0 : seq + 1, q, 0, p);
    end();
    return q;
}

#define ALIGNED_BODY(op, call, align, size)                              \
    void *p;                                                             \
    if (!ready()) init();                                                \
    if (!begin()) return call;                                           \
    p = call;                                                            \
    ev_alloc(op, size, p, align);                                        \
    end();                                                               \
    return p;

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (!ready()) init();
    if (!begin()) return r_posix_memalign(out, align, n);
    int rc = r_posix_memalign(out, align, n);
    ev_alloc(TF_OP_POSIX_MEMALIGN, n, rc == 0 ? *out : NULL, align);
    end();
    return rc;
}
EXPORT void *aligned_alloc(size_t align, size_t n) { ALIGNED_BODY(TF_OP_ALIGNED_ALLOC, r_aligned_alloc(align, n), align, n) }
EXPORT void *memalign(size_t align, size_t n) { ALIGNED_BODY(TF_OP_MEMALIGN, r_memalign(align, n), align, n) }
EXPORT void *valloc(size_t n) { ALIGNED_BODY(TF_OP_VALLOC, r_valloc(n), 4096, n) }
EXPORT void *pvalloc(size_t n) { ALIGNED_BODY(TF_OP_PVALLOC, r_pvalloc(n), 4096, n) }

EXPORT size_t malloc_usable_size(void *p)
{
    if (in_boot(p)) return 0;
    if (!ready()) init();
    if (!r_usable) return 0;
    if (!begin()) return r_usable(p);
    size_t r = r_usable(p);
    ev_query(TF_OP_USABLE_SIZE, p, r, 0);
    end();
    return r;
}

/* jemalloc API: forwarded when the allocator underneath has it. */
EXPORT void *mallocx(size_t n, int flags)
{
    if (!ready()) init();
    if (!r_mallocx) return NULL;
    if (!begin()) return r_mallocx(n, flags);
    void *p = r_mallocx(n, flags);
    ev_alloc(TF_OP_MALLOCX, n, p, (uint64_t)(unsigned)flags);
    end();
    return p;
}
EXPORT void *rallocx(void *p, size_t n, int flags)
{
    if (!ready()) init();
    if (!r_rallocx) return NULL;
    if (!begin()) return r_rallocx(p, n, flags);
    order_lock();
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    void *q = r_rallocx(p, n, flags);
    order_unlock();
    record(TF_OP_RALLOCX, seq, n, 0, q, (uint64_t)(unsigned)flags, p);
    end();
    return q;
}
EXPORT size_t xallocx(void *p, size_t n, size_t extra, int flags)
{
    if (!ready()) init();
    if (!r_xallocx) return 0;
    if (!begin()) return r_xallocx(p, n, extra, flags);
    size_t r = r_xallocx(p, n, extra, flags);
    ev_query(TF_OP_XALLOCX, p, r, (uint64_t)(unsigned)flags);
    end();
    return r;
}
EXPORT size_t sallocx(const void *p, int flags)
{
    if (!ready()) init();
    if (!r_sallocx) return 0;
    if (!begin()) return r_sallocx(p, flags);
    size_t r = r_sallocx(p, flags);
    ev_query(TF_OP_SALLOCX, p, r, (uint64_t)(unsigned)flags);
    end();
    return r;
}
EXPORT void dallocx(void *p, int flags)
{
    if (!ready()) init();
    if (!r_dallocx) return;
    if (!begin()) { r_dallocx(p, flags); return; }
    order_lock();
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    r_dallocx(p, flags);
    order_unlock();
    record(TF_OP_DALLOCX, seq, 0, 0, p, (uint64_t)(unsigned)flags, 0);
    end();
}
EXPORT void sdallocx(void *p, size_t n, int flags)
{
    if (!ready()) init();
    if (!r_sdallocx) return;
    if (!begin()) { r_sdallocx(p, n, flags); return; }
    order_lock();
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    r_sdallocx(p, n, flags);
    order_unlock();
    record(TF_OP_SDALLOCX, seq, n, 0, p, (uint64_t)(unsigned)flags, 0);
    end();
}
EXPORT size_t nallocx(size_t n, int flags)
{
    if (!ready()) init();
    if (!r_nallocx) return 0;
    if (!begin()) return r_nallocx(n, flags);
    size_t r = r_nallocx(n, flags);
    ev_query(TF_OP_NALLOCX, NULL, r, (uint64_t)(unsigned)flags);
    end();
    return r;
}
EXPORT int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
    if (!ready()) init();
    if (!r_mallctl) return ENOENT;
    if (!begin()) return r_mallctl(name, oldp, oldlenp, newp, newlen);
    int rc = r_mallctl(name, oldp, oldlenp, newp, newlen);
    ev_query(TF_OP_MALLCTL, NULL, 0, 0);
    end();
    return rc;
}
EXPORT int mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp)
{
    if (!ready()) init();
    if (!r_mallctlnametomib) return ENOENT;
    if (!begin()) return r_mallctlnametomib(name, mibp, miblenp);
    int rc = r_mallctlnametomib(name, mibp, miblenp);
    ev_query(TF_OP_MALLCTL, NULL, 0, 0);
    end();
    return rc;
}
EXPORT int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
    if (!ready()) init();
    if (!r_mallctlbymib) return ENOENT;
    if (!begin()) return r_mallctlbymib(mib, miblen, oldp, oldlenp, newp, newlen);
    int rc = r_mallctlbymib(mib, miblen, oldp, oldlenp, newp, newlen);
    ev_query(TF_OP_MALLCTL, NULL, 0, 0);
    end();
    return rc;
}
EXPORT void malloc_stats_print(void (*cb)(void *, const char *), void *opaque, const char *opts)
{
    if (!ready()) init();
    if (!r_stats_print) return;
    if (!begin()) { r_stats_print(cb, opaque, opts); return; }
    ev_query(TF_OP_STATS_PRINT, NULL, 0, 0);
    end(); /* the callback's own allocations are traced like any other */
    r_stats_print(cb, opaque, opts);
}
