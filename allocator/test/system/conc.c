/*
 * conc.c: tide's concurrency and fork system tests (Check, fork mode: every
 * test runs in its own child process, so a crash or a hang fails that test
 * only, and the RSS each test measures is its own).
 *
 *   allocator          malloc comes from the allocator the driver asked for
 *   producer_consumer  10^7 remote frees through a bounded queue, RSS bounded
 *   thread_churn       10,000 threads (8 at a time) handing live objects on
 *   late_key_dtor      malloc in a pthread_key destructor created after the
 *                      allocator's key, re-armed for later destructor rounds
 *   thread_atexit_dtor malloc in a __cxa_thread_atexit_impl destructor
 *   fork_busy          100 forks while 4 threads malloc/free; the child frees
 *                      the parent threads' objects, allocates, and execs
 *
 * Counts are the full ones unless SYSTEST_QUICK is set (debug and TSan runs).
 * Worker threads never call ck_assert (only the test's main thread does):
 * they count problems in atomics that the main thread checks.
 *
 * Exact leak checks (SYSTEST_ALLOC=tide): producer_consumer, thread_churn
 * and fork_busy's child also compare tide's stats.allocated (st_allocated)
 * with a baseline once everything they allocated is freed. tide counts
 * there the blocks the program holds, by size class, so the difference
 * must be exactly what the test still holds on purpose:
 *   producer_consumer  0: the baseline is taken after the test's own state
 *                      was allocated, the comparison before it is freed;
 *   thread_churn       0: the pool's last objects are freed first;
 *   fork_busy (child)  minus the usable size of each parent object the
 *                      child freed (gifts, exchanged blocks): those were
 *                      in the baseline, taken right after fork.
 * glibc malloc's a dtv for each new thread stack and keeps it while the
 * stack is in its cache; st_warm_thread_stacks fills that cache before the
 * baseline, so the threads the test creates reuse cached stacks and glibc's
 * share stays the same. Without tide these checks print SKIP lines.
 */
#include "systest.h"

#include <check.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define COOKIE 0x7469646574657374ULL /* "tidetest" */

/* ------------------------------------------------------------------ */
START_TEST(test_allocator)
{
    const char *err = st_check_allocator();
    ck_assert_msg(err == NULL, "%s", err ? err : "");
}
END_TEST

/* ------------------------------------------------------------------ */
/*
 * Producer/consumer. One thread mallocs 48..96-byte objects and pushes them
 * into a single-producer single-consumer ring; the other pops, verifies and
 * frees them, so every free is remote. The ring holds at most PC_CAP
 * pointers (< 0.5 MiB of objects), so the live data is tiny and RSS growth
 * measures what the allocator keeps: 10^7 objects of ~80 B would be ~800 MB
 * if remote frees were lost, and a tenth of that (80 MB) still exceeds the
 * 64 MiB bound, which leaves ample room for thread caches, partly used slabs
 * and metadata.
 *
 * Ring invariants: 0 <= tail - head <= PC_CAP; slots [head, tail) (mod
 * PC_CAP) hold pointers written by the producer before its release store of
 * tail; only the producer writes tail, only the consumer writes head.
 */
#define PC_CAP 4096u

struct pc_ring {
    _Alignas(64) atomic_size_t head;
    _Alignas(64) atomic_size_t tail;
    _Alignas(64) void *slot[PC_CAP];
};

struct pc_state {
    struct pc_ring ring;
    unsigned long n;           /* objects to pass */
    size_t base_rss, bound;    /* RSS before, allowed growth */
    atomic_int stop;           /* set by the consumer on a failure */
    atomic_ulong bad_content;  /* objects that arrived corrupted */
    atomic_ulong alloc_fail;   /* malloc returned NULL */
    size_t peak_growth;        /* max RSS growth the consumer saw */
    unsigned long freed;
};

static size_t pc_size(unsigned long i) { return 48 + (size_t)((i * 7919u) % 49u); }

static void *pc_producer(void *arg)
{
    struct pc_state *s = arg;
    struct pc_ring *r = &s->ring;
    for (unsigned long i = 0; i < s->n; i++) {
        size_t sz = pc_size(i);
        uint64_t *p = malloc(sz);
        if (!p) {
            atomic_fetch_add(&s->alloc_fail, 1);
            atomic_store(&s->stop, 1);
            break;
        }
        p[0] = i ^ COOKIE;
        p[1] = sz;
        ((unsigned char *)p)[sz - 1] = (unsigned char)i;
        size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
        unsigned spins = 0;
        while (t - atomic_load_explicit(&r->head, memory_order_acquire) >= PC_CAP) {
            if (atomic_load_explicit(&s->stop, memory_order_relaxed)) {
                free(p);
                return NULL;
            }
            if (++spins > 64)
                sched_yield();
        }
        r->slot[t % PC_CAP] = p;
        atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    }
    return NULL;
}

static void *pc_consumer(void *arg)
{
    struct pc_state *s = arg;
    struct pc_ring *r = &s->ring;
    unsigned long i = 0;
    while (i < s->n) {
        size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
        unsigned spins = 0;
        while (atomic_load_explicit(&r->tail, memory_order_acquire) == h) {
            if (atomic_load_explicit(&s->stop, memory_order_relaxed))
                goto out;
            if (++spins > 64)
                sched_yield();
        }
        uint64_t *p = r->slot[h % PC_CAP];
        atomic_store_explicit(&r->head, h + 1, memory_order_release);
        size_t sz = pc_size(i);
        if (p[0] != (i ^ COOKIE) || p[1] != sz || ((unsigned char *)p)[sz - 1] != (unsigned char)i)
            atomic_fetch_add(&s->bad_content, 1);
        free(p);
        i++;
        if ((i & 0xffff) == 0) {
            size_t rss = st_rss();
            size_t g = rss > s->base_rss ? rss - s->base_rss : 0;
            if (g > s->peak_growth)
                s->peak_growth = g;
            if (g > s->bound) { /* stop early: a leak would take a while otherwise */
                atomic_store(&s->stop, 1);
                break;
            }
        }
    }
out:
    s->freed = i;
    return NULL;
}

static bool exact_under_tsan(void)
{
    const char *q = getenv("SYSTEST_QUICK");
    return q && strcmp(q, "tsan") == 0;
}

static void skip_exact(const char *test)
{
    if (exact_under_tsan())
        printf("SKIP conc/%s/exact_leak: the TSan runtime allocates through the allocator under test\n", test);
    else
        printf("SKIP conc/%s/exact_leak: needs tide's stats.allocated (SYSTEST_ALLOC=tide)\n", test);
    fflush(stdout);
}

/* The exact checks, where they can be exact: under TSan the runtime's own
 * per-thread state is malloc'd from tide too (a few hundred bytes that come
 * and go with its threads), so they are skipped there. */
static bool exact_allocated(size_t *bytes)
{
    return !exact_under_tsan() && st_allocated(bytes);
}

START_TEST(test_producer_consumer)
{
    struct pc_state *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    s->n = st_count(10000000ul, 2000000ul, 200000ul);
    s->bound = st_rss_bound();
    s->base_rss = st_rss();
    ck_assert_msg(s->base_rss > 0, "cannot read /proc/self/statm");
    st_warm_thread_stacks(2);
    size_t a0 = 0, a1 = 0;
    bool exact = exact_allocated(&a0);
    if (!exact)
        skip_exact("producer_consumer");
    double t0 = st_now_ms();
    pthread_t pt, ct;
    ck_assert_int_eq(pthread_create(&ct, NULL, pc_consumer, s), 0);
    ck_assert_int_eq(pthread_create(&pt, NULL, pc_producer, s), 0);
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    if (exact)
        ck_assert_msg(st_allocated(&a1), "mallctl(\"stats.allocated\") failed");
    size_t end = st_rss();
    size_t g = end > s->base_rss ? end - s->base_rss : 0;
    if (g > s->peak_growth)
        s->peak_growth = g;
    printf("INFO conc/producer_consumer: %lu remote frees in %.0f ms, RSS growth peak %.1f MiB (bound %zu MiB)",
           s->freed, st_now_ms() - t0, (double)s->peak_growth / ST_MiB, s->bound / ST_MiB);
    if (exact)
        printf(", stats.allocated %zu -> %zu", a0, a1);
    printf("\n");
    fflush(stdout);
    ck_assert_msg(atomic_load(&s->alloc_fail) == 0, "malloc returned NULL");
    ck_assert_msg(atomic_load(&s->bad_content) == 0, "%lu objects arrived corrupted",
                  (unsigned long)atomic_load(&s->bad_content));
    ck_assert_msg(s->peak_growth <= s->bound, "RSS grew by %.1f MiB (> %zu MiB) after %lu remote frees",
                  (double)s->peak_growth / ST_MiB, s->bound / ST_MiB, s->freed);
    ck_assert_msg(s->freed == s->n, "only %lu of %lu objects passed", s->freed, s->n);
    ck_assert_msg(!exact || a1 == a0,
                  "stats.allocated is %zu after all %lu objects were freed, %+lld bytes from the baseline %zu",
                  a1, s->freed, (long long)a1 - (long long)a0, a0);
    free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/*
 * Thread churn: threads are created and joined CH_BATCH at a time. Each
 * takes up to CH_TAKE objects left in the shared pool by earlier threads,
 * verifies and frees them (so they are freed after their owner exited),
 * works with local objects, and leaves CH_TAKE new ones. A per-thread cache
 * or heap that is not reclaimed at exit would show as RSS growth: 10,000
 * threads x even 10 KiB each is ~100 MB, over the 64 MiB bound.
 *
 * Pool invariant (under ch_lock): slots [0, ch_n) hold live objects, each
 * filled with st_fill(obj, ch_size[i], ch_seed[i]).
 */
#define CH_BATCH 8
#define CH_TAKE 16
#define CH_POOL 256

static pthread_mutex_t ch_lock = PTHREAD_MUTEX_INITIALIZER;
static void *ch_obj[CH_POOL];
static size_t ch_size[CH_POOL];
static uint64_t ch_seed[CH_POOL];
static unsigned ch_n;
static atomic_ulong ch_bad, ch_nomem, ch_handed;

static size_t ch_pick_size(uint64_t r)
{
    static const size_t sizes[] = { 8, 24, 64, 100, 256, 640, 1024, 3000, 8192, 20000, 70000 };
    return sizes[r % (sizeof sizes / sizeof sizes[0])];
}

static void *ch_thread(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    void *mine[CH_TAKE];
    size_t msz[CH_TAKE];
    uint64_t mseed[CH_TAKE];
    void *loc[32];

    /* Local work first, so this thread has a cache of its own. */
    for (int i = 0; i < 32; i++) {
        loc[i] = malloc(ch_pick_size(id + (uint64_t)i));
        if (!loc[i])
            atomic_fetch_add(&ch_nomem, 1);
        else
            memset(loc[i], (int)i, ch_pick_size(id + (uint64_t)i));
    }
    if (id % 64 == 0) { /* now and then a large one */
        void *big = malloc(1 << 20);
        if (big) {
            memset(big, 1, 1 << 20);
            free(big);
        }
    }
    /* Take objects left by earlier (exited) threads. */
    unsigned got = 0;
    pthread_mutex_lock(&ch_lock);
    while (got < CH_TAKE && ch_n > 0) {
        ch_n--;
        mine[got] = ch_obj[ch_n];
        msz[got] = ch_size[ch_n];
        mseed[got] = ch_seed[ch_n];
        got++;
    }
    pthread_mutex_unlock(&ch_lock);
    for (unsigned i = 0; i < got; i++) {
        if (!st_verify(mine[i], msz[i], mseed[i]))
            atomic_fetch_add(&ch_bad, 1);
        free(mine[i]);
    }
    atomic_fetch_add(&ch_handed, got);
    /* Leave new ones for later threads; free most local objects, keep a few
     * in the pool instead. */
    for (unsigned i = 0; i < CH_TAKE; i++) {
        msz[i] = ch_pick_size(id * 31 + i);
        mseed[i] = id * 1000 + i;
        mine[i] = malloc(msz[i]);
        if (!mine[i]) {
            atomic_fetch_add(&ch_nomem, 1);
            continue;
        }
        st_fill(mine[i], msz[i], mseed[i]);
    }
    for (int i = 0; i < 32; i++)
        free(loc[i]);
    pthread_mutex_lock(&ch_lock);
    for (unsigned i = 0; i < CH_TAKE; i++) {
        if (!mine[i])
            continue;
        if (ch_n < CH_POOL) {
            ch_obj[ch_n] = mine[i];
            ch_size[ch_n] = msz[i];
            ch_seed[ch_n] = mseed[i];
            ch_n++;
        } else {
            free(mine[i]);
        }
    }
    pthread_mutex_unlock(&ch_lock);
    return NULL;
}

START_TEST(test_thread_churn)
{
    unsigned long nthreads = st_count(10000, 1000, 200); /* multiples of CH_BATCH */
    size_t bound = st_rss_bound(), base = 0, peak = 0;
    st_warm_thread_stacks(CH_BATCH);
    size_t a0 = 0, a1 = 0;
    bool exact = exact_allocated(&a0);
    if (!exact)
        skip_exact("thread_churn");
    double t0 = st_now_ms();
    for (unsigned long done = 0; done < nthreads; done += CH_BATCH) {
        pthread_t t[CH_BATCH];
        for (int i = 0; i < CH_BATCH; i++) {
            int rc = pthread_create(&t[i], NULL, ch_thread, (void *)(uintptr_t)(done + (unsigned long)i));
            ck_assert_msg(rc == 0, "pthread_create failed (%d) after %lu threads", rc, done);
        }
        for (int i = 0; i < CH_BATCH; i++)
            pthread_join(t[i], NULL);
        /* The baseline is taken once the first batches have warmed up the
         * arenas and glibc's stack cache. */
        if (done == 8 * CH_BATCH)
            base = st_rss();
        if (base && (done / CH_BATCH) % 32 == 0) {
            size_t r = st_rss(), g = r > base ? r - base : 0;
            if (g > peak)
                peak = g;
            ck_assert_msg(g <= bound, "RSS grew by %.1f MiB (> %zu MiB) after %lu threads",
                          (double)g / ST_MiB, bound / ST_MiB, done + CH_BATCH);
        }
    }
    size_t r = st_rss(), g = r > base ? r - base : 0;
    if (g > peak)
        peak = g;
    /* The objects the last threads left: verified and freed. */
    unsigned pool_bad = 0, pool_n = ch_n;
    for (unsigned i = 0; i < ch_n; i++) {
        if (!st_verify(ch_obj[i], ch_size[i], ch_seed[i]))
            pool_bad++;
        free(ch_obj[i]);
    }
    ch_n = 0;
    if (exact)
        ck_assert_msg(st_allocated(&a1), "mallctl(\"stats.allocated\") failed");
    printf("INFO conc/thread_churn: %lu threads in %.0f ms, %lu objects handed on, RSS growth peak %.1f MiB (bound %zu MiB)",
           nthreads, st_now_ms() - t0, (unsigned long)atomic_load(&ch_handed), (double)peak / ST_MiB,
           bound / ST_MiB);
    if (exact)
        printf(", stats.allocated %zu -> %zu", a0, a1);
    printf("\n");
    fflush(stdout);
    ck_assert_msg(atomic_load(&ch_nomem) == 0, "malloc returned NULL %lu times",
                  (unsigned long)atomic_load(&ch_nomem));
    ck_assert_msg(atomic_load(&ch_bad) == 0, "%lu handed-on objects were corrupted",
                  (unsigned long)atomic_load(&ch_bad));
    ck_assert_msg(atomic_load(&ch_handed) >= (nthreads - CH_BATCH) * CH_TAKE / 2,
                  "too few objects handed on (%lu)", (unsigned long)atomic_load(&ch_handed));
    ck_assert_msg(g <= bound, "RSS grew by %.1f MiB (> %zu MiB)", (double)g / ST_MiB, bound / ST_MiB);
    ck_assert_msg(pool_bad == 0, "%u of the %u objects left in the pool corrupted", pool_bad, pool_n);
    ck_assert_msg(!exact || a1 == a0,
                  "stats.allocated is %zu after %lu threads and everything freed, %+lld bytes from the baseline %zu",
                  a1, nthreads, (long long)a1 - (long long)a0, a0);
}
END_TEST

/* ------------------------------------------------------------------ */
/*
 * malloc/free inside destructors that run at thread exit, after (or
 * interleaved with) the allocator's own thread-exit work. The allocator
 * registers its key (if any) on its first malloc; this key is created later,
 * so in glibc's key order its destructor runs after the allocator's in each
 * round. It re-arms itself twice, so it also runs in rounds 2 and 3, when the
 * allocator may already have torn down the thread's cache.
 */
#define LATE_ROUNDS 3
#define LATE_HELD 8

struct late_state {
    unsigned rounds;
    void *held[LATE_HELD]; /* allocated by the thread body, freed in round 1 */
    size_t held_size[LATE_HELD];
};

static pthread_key_t late_key;
static atomic_ulong late_rounds_total, late_bad, late_nomem;

static void late_work(uint64_t seed)
{
    static const size_t sizes[] = { 16, 100, 1000, 5000, 70000, 1 << 20 };
    void *p[6];
    for (int i = 0; i < 6; i++) {
        p[i] = malloc(sizes[i]);
        if (!p[i]) {
            atomic_fetch_add(&late_nomem, 1);
            continue;
        }
        st_fill(p[i], sizes[i], seed + (uint64_t)i);
    }
    for (int i = 0; i < 6; i++) {
        if (!p[i])
            continue;
        if (!st_verify(p[i], sizes[i], seed + (uint64_t)i))
            atomic_fetch_add(&late_bad, 1);
        free(p[i]);
    }
}

static void late_dtor(void *v)
{
    struct late_state *st = v;
    st->rounds++;
    if (st->rounds == 1) {
        for (int i = 0; i < LATE_HELD; i++) {
            if (!st_verify(st->held[i], st->held_size[i], (uint64_t)i))
                atomic_fetch_add(&late_bad, 1);
            free(st->held[i]);
        }
    }
    late_work(st->rounds * 100);
    if (st->rounds < LATE_ROUNDS) {
        pthread_setspecific(late_key, st); /* run again in the next round */
    } else {
        atomic_fetch_add(&late_rounds_total, st->rounds);
        free(st);
    }
}

static void *late_thread(void *arg)
{
    (void)arg;
    late_work(7); /* make sure the allocator set this thread up */
    struct late_state *st = calloc(1, sizeof *st);
    if (!st) {
        atomic_fetch_add(&late_nomem, 1);
        return NULL;
    }
    for (int i = 0; i < LATE_HELD; i++) {
        st->held_size[i] = (size_t)16 << i;
        st->held[i] = malloc(st->held_size[i]);
        if (!st->held[i]) {
            atomic_fetch_add(&late_nomem, 1);
            st->held_size[i] = 0;
        }
        st_fill(st->held[i], st->held_size[i], (uint64_t)i);
    }
    pthread_setspecific(late_key, st);
    return NULL;
}

START_TEST(test_late_key_dtor)
{
    free(malloc(1)); /* the allocator's own key, if any, exists from here on */
    ck_assert_int_eq(pthread_key_create(&late_key, late_dtor), 0);
    unsigned long n = st_count(1000, 200, 64); /* multiples of the batch size, 8 */
    size_t base = 0, bound = st_rss_bound(), peak = 0;
    for (unsigned long done = 0; done < n; done += 8) {
        pthread_t t[8];
        for (int i = 0; i < 8; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, late_thread, NULL), 0);
        for (int i = 0; i < 8; i++)
            pthread_join(t[i], NULL);
        if (done == 64)
            base = st_rss();
        if (base) {
            size_t r = st_rss(), g = r > base ? r - base : 0;
            peak = g > peak ? g : peak;
        }
    }
    late_work(9); /* the main thread's state is still sound */
    printf("INFO conc/late_key_dtor: %lu threads, %lu destructor rounds, RSS growth peak %.1f MiB\n", n,
           (unsigned long)atomic_load(&late_rounds_total), (double)peak / ST_MiB);
    fflush(stdout);
    ck_assert_msg(atomic_load(&late_nomem) == 0, "malloc returned NULL in a destructor");
    ck_assert_msg(atomic_load(&late_bad) == 0, "%lu corrupted blocks in destructors",
                  (unsigned long)atomic_load(&late_bad));
    ck_assert_msg(atomic_load(&late_rounds_total) == n * LATE_ROUNDS, "destructor rounds: %lu, expected %lu",
                  (unsigned long)atomic_load(&late_rounds_total), n * LATE_ROUNDS);
    ck_assert_msg(peak <= bound, "RSS grew by %.1f MiB (> %zu MiB)", (double)peak / ST_MiB, bound / ST_MiB);
    pthread_key_delete(late_key);
}
END_TEST

/* ------------------------------------------------------------------ */
/*
 * The C-level form of a thread_local object with a destructor: glibc's
 * __cxa_thread_atexit_impl (what g++ emits for C++ thread_local). These
 * destructors run before the pthread key destructors; this one allocates,
 * frees memory of the thread, and registers a second destructor from
 * inside the first (legal: glibc runs it in the same pass).
 */
extern int __cxa_thread_atexit_impl(void (*func)(void *), void *obj, void *dso_symbol);
extern void *__dso_handle;

static atomic_ulong tae_calls, tae_bad;

static void tae_second(void *v)
{
    late_work(55);
    free(v);
    atomic_fetch_add(&tae_calls, 1);
}

static void tae_first(void *v)
{
    uint64_t *obj = v;
    if (obj[0] != COOKIE)
        atomic_fetch_add(&tae_bad, 1);
    late_work(44);
    void *again = malloc(200);
    if (!again || __cxa_thread_atexit_impl(tae_second, again, &__dso_handle) != 0)
        atomic_fetch_add(&tae_bad, 1);
    free(obj);
    atomic_fetch_add(&tae_calls, 1);
}

static void *tae_thread(void *arg)
{
    (void)arg;
    uint64_t *obj = malloc(64);
    if (!obj) {
        atomic_fetch_add(&tae_bad, 1);
        return NULL;
    }
    obj[0] = COOKIE;
    if (__cxa_thread_atexit_impl(tae_first, obj, &__dso_handle) != 0)
        atomic_fetch_add(&tae_bad, 1);
    late_work(3);
    return NULL;
}

START_TEST(test_thread_atexit_dtor)
{
    unsigned long n = st_count(400, 104, 64); /* a multiple of the batch size, 8 */
    for (unsigned long done = 0; done < n; done += 8) {
        pthread_t t[8];
        for (int i = 0; i < 8; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, tae_thread, NULL), 0);
        for (int i = 0; i < 8; i++)
            pthread_join(t[i], NULL);
    }
    ck_assert_msg(atomic_load(&late_nomem) == 0, "malloc returned NULL in a destructor");
    ck_assert_msg(atomic_load(&tae_bad) == 0 && atomic_load(&late_bad) == 0, "corruption in thread_local destructors");
    ck_assert_msg(atomic_load(&tae_calls) == 2 * n, "destructor calls: %lu, expected %lu",
                  (unsigned long)atomic_load(&tae_calls), 2 * n);
}
END_TEST

/* ------------------------------------------------------------------ */
/*
 * fork while FK_THREADS threads run tight malloc/free loops and trade
 * objects through a shared exchange array (so remote frees are in flight
 * at any fork). Each worker first leaves FK_GIFTS objects of its own in
 * fk_gift; the child verifies and frees all of them (objects of threads that
 * do not exist in the child), allocates and frees, runs a thread of its own,
 * and execs /bin/true. The parent waits for each child with a deadline: a
 * child that hangs (a lock held across fork) is killed and fails the test.
 *
 * Invariant: fk_gift[t][i] is written once, before fk_ready is incremented,
 * and never touched again by the parent until the end.
 */
#define FK_THREADS 4
#define FK_GIFTS 24
#define FK_XCHG 64
#define FK_CHILD_MS 20000

static void *fk_gift[FK_THREADS][FK_GIFTS];
static _Atomic(void *) fk_xchg[FK_XCHG];
static atomic_int fk_ready, fk_stop;
static atomic_ulong fk_ops;

static size_t fk_gift_size(int t, int i) { return (size_t)(16 + 37 * i) << (i % 4 == 3 ? 8 : 0) | (size_t)t; }

static void *fk_worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < FK_GIFTS; i++) {
        size_t sz = fk_gift_size(t, i);
        fk_gift[t][i] = malloc(sz);
        if (fk_gift[t][i])
            st_fill(fk_gift[t][i], sz, (uint64_t)(t * 100 + i));
    }
    atomic_fetch_add(&fk_ready, 1);
    uint64_t x = (uint64_t)t * 2654435761u + 1;
    void *local[16] = { 0 };
    while (!atomic_load_explicit(&fk_stop, memory_order_relaxed)) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(x >> 33);
        size_t sz = (r & 255) == 0 ? (size_t)(r % 3 + 1) << 17 : 16 + (r % 2000);
        void *p = malloc(sz);
        if (!p)
            continue;
        ((volatile char *)p)[0] = 1;
        ((volatile char *)p)[sz - 1] = 2;
        if (r & 1) { /* trade with another thread */
            void *old = atomic_exchange(&fk_xchg[(r >> 8) % FK_XCHG], p);
            free(old);
        } else {
            unsigned k = (r >> 8) % 16;
            free(local[k]);
            local[k] = p;
        }
        atomic_fetch_add_explicit(&fk_ops, 1, memory_order_relaxed);
    }
    for (int k = 0; k < 16; k++)
        free(local[k]);
    return NULL;
}

static void *fk_child_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++)
        free(malloc((size_t)(i * 13 + 1)));
    return (void *)1;
}

/* The child's exit codes, from fk_child. */
static const char *const fk_why[] = {
    [3] = "a gift of a parent thread is missing",
    [4] = "a gift of a parent thread is corrupted",
    [5] = "malloc returned NULL",
    [6] = "a block the child filled is corrupted",
    [7] = "the child's thread failed",
    [8] = "exec of /bin/true failed",
    [9] = "stats.allocated is not back at the baseline (message on stderr)",
};

/* Runs in the child; returns an exit code (0 = all good) if it cannot exec. */
static int fk_child(void)
{
    /* Baseline: right after fork, with the parent's blocks (the parent
     * threads' heaps are frozen here, and their counters with them). */
    size_t a0 = 0, a1 = 0, freed = 0;
    bool exact = exact_allocated(&a0);
    for (int t = 0; t < FK_THREADS; t++)
        for (int i = 0; i < FK_GIFTS; i++) {
            if (!fk_gift[t][i])
                return 3;
            if (!st_verify(fk_gift[t][i], fk_gift_size(t, i), (uint64_t)(t * 100 + i)))
                return 4;
            freed += malloc_usable_size(fk_gift[t][i]);
            free(fk_gift[t][i]);
        }
    void *p[64];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 64; i++) {
            size_t sz = (size_t)(i * 97 % 5000) + 1 + (i == 63 ? 1 << 20 : 0);
            p[i] = malloc(sz);
            if (!p[i])
                return 5;
            st_fill(p[i], sz, (uint64_t)i);
        }
        for (int i = 0; i < 64; i++) {
            size_t sz = (size_t)(i * 97 % 5000) + 1 + (i == 63 ? 1 << 20 : 0);
            if (!st_verify(p[i], sz, (uint64_t)i))
                return 6;
            free(p[i]);
        }
    }
    for (int i = 0; i < FK_XCHG / 2; i++) { /* objects in flight between parent threads */
        void *x = atomic_exchange(&fk_xchg[i], NULL);
        if (x)
            freed += malloc_usable_size(x);
        free(x);
    }
    /* A thread in the child. Not under TSan: its registry keeps the parent's
     * threads after fork, and a new thread on a reused stack address stops
     * it ("dup thread with used id"), whatever the allocator. */
    const char *q = getenv("SYSTEST_QUICK");
    if (!q || strcmp(q, "tsan") != 0) {
        pthread_t th;
        void *ret = NULL;
        if (pthread_create(&th, NULL, fk_child_thread, NULL) != 0 || pthread_join(th, &ret) != 0 ||
            ret != (void *)1)
            return 7;
    }
    /* Everything the child allocated is freed, and so are the parent's
     * blocks it freed: the baseline less their usable sizes. */
    if (exact) {
        if (!st_allocated(&a1) || a1 + freed != a0) {
            char msg[256];
            int n = snprintf(msg, sizeof msg,
                             "conc/fork_busy child: stats.allocated %zu right after fork, %zu at the end, "
                             "%zu bytes of the parent's blocks freed: %+lld bytes unaccounted for\n",
                             a0, a1, freed, (long long)a1 + (long long)freed - (long long)a0);
            if (n > 0 && write(2, msg, (size_t)n) < 0)
                return 9;
            return 9;
        }
    }
    execl("/bin/true", "true", (char *)NULL);
    return 8;
}

START_TEST(test_fork_busy)
{
    if (!st_is_tide() || exact_under_tsan())
        skip_exact("fork_busy");
    if (strcmp(getenv("SYSTEST_QUICK") ? getenv("SYSTEST_QUICK") : "", "tsan") == 0) {
        printf("SKIP conc/fork_busy/child_thread: no thread in the child under TSan (its registry keeps the "
               "parent's threads)\n");
        fflush(stdout);
    }
    pthread_t w[FK_THREADS];
    for (int t = 0; t < FK_THREADS; t++)
        ck_assert_int_eq(pthread_create(&w[t], NULL, fk_worker, (void *)(intptr_t)t), 0);
    while (atomic_load(&fk_ready) < FK_THREADS)
        sched_yield();
    unsigned long nforks = st_count(100, 30, 10);
    int bad_status = -1;
    unsigned long hung = 0, failed = 0;
    double t0 = st_now_ms(), fork_ms = 0, fork_max = 0, child_ms = 0;
    for (unsigned long k = 0; k < nforks; k++) {
        /* let the workers get going between forks */
        unsigned long ops = atomic_load(&fk_ops);
        while (atomic_load(&fk_ops) < ops + 2000)
            sched_yield();
        double tf = st_now_ms();
        pid_t pid = fork();
        if (pid == 0)
            _exit(fk_child());
        ck_assert_msg(pid >= 0, "fork failed");
        double tw = st_now_ms();
        fork_ms += tw - tf;
        fork_max = tw - tf > fork_max ? tw - tf : fork_max;
        int status = 0;
        double deadline = st_now_ms() + FK_CHILD_MS;
        pid_t got;
        while ((got = waitpid(pid, &status, WNOHANG)) == 0 && st_now_ms() < deadline)
            st_sleep_ms(1);
        child_ms += st_now_ms() - tw;
        if (got == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            hung++;
            break;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed++;
            bad_status = status;
            break;
        }
    }
    atomic_store(&fk_stop, 1);
    for (int t = 0; t < FK_THREADS; t++)
        pthread_join(w[t], NULL);
    printf("INFO conc/fork_busy: %lu forks in %.0f ms (in fork(): %.1f ms mean, %.1f max; child until exit: "
           "%.1f ms mean), %lu worker operations\n",
           nforks, st_now_ms() - t0, fork_ms / (double)nforks, fork_max, child_ms / (double)nforks,
           (unsigned long)atomic_load(&fk_ops));
    fflush(stdout);
    ck_assert_msg(hung == 0, "a child hung for %d s after fork (killed)", FK_CHILD_MS / 1000);
    int code = WIFEXITED(bad_status) ? WEXITSTATUS(bad_status) : 0;
    ck_assert_msg(failed == 0, "a child failed: %s %d%s%s", WIFEXITED(bad_status) ? "exit code" : "signal",
                  WIFEXITED(bad_status) ? code : WTERMSIG(bad_status),
                  code > 0 && code < 10 && fk_why[code] ? ": " : "",
                  code > 0 && code < 10 && fk_why[code] ? fk_why[code] : "");
    for (int t = 0; t < FK_THREADS; t++)
        for (int i = 0; i < FK_GIFTS; i++) {
            ck_assert_msg(st_verify(fk_gift[t][i], fk_gift_size(t, i), (uint64_t)(t * 100 + i)),
                          "parent's gift %d/%d corrupted", t, i);
            free(fk_gift[t][i]);
        }
    for (int i = 0; i < FK_XCHG; i++)
        free(atomic_exchange(&fk_xchg[i], NULL));
}
END_TEST

/* ------------------------------------------------------------------ */
static void add(Suite *s, const char *name, const TTest *fn, double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout);
    tcase_add_test(tc, fn);
    suite_add_tcase(s, tc);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    Suite *s = suite_create("conc");
    struct {
        const char *name;
        const TTest *fn;
        double timeout;
    } tests[] = {
        { "allocator", test_allocator, 10 },
        { "producer_consumer", test_producer_consumer, 120 },
        { "thread_churn", test_thread_churn, 120 },
        { "late_key_dtor", test_late_key_dtor, 60 },
        { "thread_atexit_dtor", test_thread_atexit_dtor, 60 },
        { "fork_busy", test_fork_busy, 120 },
    };
    int added = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!only || strcmp(only, tests[i].name) == 0) {
            add(s, tests[i].name, tests[i].fn, tests[i].timeout);
            added++;
        }
    if (!added) {
        fprintf(stderr, "conc: unknown test '%s'\n", only);
        return 2;
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_SILENT);
    int nfail = st_report(sr, "conc", NULL);
    srunner_free(sr);
    return nfail ? 1 : 0;
}
