/* larson: server simulation of Larson & Krishnan (ISMM'98), as run by
 * Hoard and mimalloc-bench, re-implemented from their published description.
 *
 *   larson <seconds> <min_size> <max_size> <chunks_per_thread> <rounds> <seed> <threads>
 *
 * main() allocates threads*chunks blocks with sizes min + lran2()%(max-min),
 * shuffles them (Fisher-Yates on the global lran2 stream), replaces
 * 4*threads*chunks random slots, then starts one worker per slot range.
 * A worker does rounds*chunks {free random own slot; malloc random size;
 * write 'a' to byte 0, read it, write 'b' to byte 1}, then starts its
 * successor on the same slot range and exits, until the stop flag is set.
 * Throughput = allocations / (time from after thread creation until every
 * slot range's current thread has finished).
 */
#include "common/wl.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* lran2: shuffled linear congruential generator (Numerical Recipes
 * constants, 97-entry shuffle table), the generator larson has always used.
 * Invariant: 0 <= x, y, v[i] < LRAN2_MAX. */
#define LRAN2_MAX 714025L
#define LRAN2_IA 1366L
#define LRAN2_IC 150889L
typedef struct { long x, y, v[97]; } lran2_t;

static void lran2_init(lran2_t *d, long seed)
{
    long x = (LRAN2_IC - seed) % LRAN2_MAX;
    if (x < 0) x = -x;
    for (int j = 0; j < 97; j++) {
        x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
        d->v[j] = x;
    }
    d->x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
    d->y = d->x;
}

static long lran2(lran2_t *d)
{
    int j = (int)(d->y % 97);
    d->y = d->v[j];
    d->x = (LRAN2_IA * d->x + LRAN2_IC) % LRAN2_MAX;
    d->v[j] = d->x;
    return d->y;
}

/* Per slot-range state, handed from one thread generation to the next.
 * Invariant: only the current generation's thread writes the fields below
 * `finished`; main reads the counters after every finished flag is set. */
typedef struct {
    char **array;        /* this range's slots, asize entries, all non-NULL */
    long asize;
    long nblocks;        /* operations per generation (rounds * chunks) */
    long cfrees, callocs;
    long generations;    /* threads that ran on this range */
    lran2_t rgen;        /* continues across generations */
    int idx;             /* worker index, for pinning */
    atomic_int finished; /* 1 when the current generation is done */
} slot_range;

static long g_min, g_range;
static atomic_int g_stop;

static void *exercise_heap(void *arg);

static int start_generation(slot_range *sr)
{
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &at, exercise_heap, sr);
    pthread_attr_destroy(&at);
    return rc;
}

static void *exercise_heap(void *arg)
{
    slot_range *sr = arg;
    if (atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        atomic_store(&sr->finished, 1);
        return NULL;
    }
    wl_pin_thread(sr->idx);
    sr->generations++;
    for (long i = 0; i < sr->nblocks; i++) {
        long victim = lran2(&sr->rgen) % sr->asize;
        free(sr->array[victim]);
        sr->cfrees++;
        long sz = g_min + lran2(&sr->rgen) % g_range;
        char *p = malloc((size_t)sz);
        if (!p) wl_fatal("malloc(%ld) failed", sz);
        sr->array[victim] = p;
        volatile char *ch = p;
        ch[0] = 'a';
        (void)ch[0];
        ch[1] = 'b';
        sr->callocs++;
        if (atomic_load_explicit(&g_stop, memory_order_relaxed)) break;
    }
    if (!atomic_load(&g_stop)) {
        if (start_generation(sr) != 0) {
            fprintf(stderr, "larson: cannot start a successor thread; range %d stops\n", sr->idx);
            atomic_store(&sr->finished, 1);
        }
    } else {
        atomic_store(&sr->finished, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "larson", "<seconds> <min_size> <max_size> <chunks_per_thread> <rounds> <seed> <threads>",
            "Larson & Krishnan server simulation (thread generations, frees of blocks allocated by exited threads).\n"
            "Reference: larson 5 8 1000 5000 100 4141 <threads>. <seconds> may be fractional.\n"
            "--threads overrides <threads>; prints the original 'Throughput = ...' line too.",
            7, argc, argv);
    if (o.npos < 6) wl_usage_error("need 7 arguments: <seconds> <min_size> <max_size> <chunks_per_thread> <rounds> <seed> <threads>");
    if (o.npos < 7 && !o.threads_given) wl_usage_error("missing <threads> (or give --threads)");
    double seconds = wl_arg_double(&o, 0, "seconds", 5, 0.001, 3600);
    long min_size = wl_arg_long(&o, 1, "min_size", 8, 2, 1L << 30);
    long max_size = wl_arg_long(&o, 2, "max_size", 1000, 2, 1L << 30);
    long chunks = wl_arg_long(&o, 3, "chunks_per_thread", 5000, 1, 10000000);
    long rounds = wl_arg_long(&o, 4, "rounds", 100, 1, 1000000000L);
    long seed = wl_arg_long(&o, 5, "seed", 4141, 0, LRAN2_MAX - 1);
    int nthreads = wl_threads_arg(&o, 6);
    if (max_size < min_size) wl_usage_error("max_size (%ld) < min_size (%ld)", max_size, min_size);
    if ((long)nthreads * chunks > 100000000L) wl_usage_error("threads * chunks_per_thread too large");
    g_min = min_size;
    g_range = max_size > min_size ? max_size - min_size : 1;
    wl_begin(&o, nthreads);

    printf("Larson: %g s, sizes %ld..%ld, %ld chunks/thread, %ld rounds, seed %ld, %d threads\n",
           seconds, min_size, max_size, chunks, rounds, seed, nthreads);
    lran2_t rgen;
    lran2_init(&rgen, seed);
    long nchunks = (long)nthreads * chunks;
    char **blkp = calloc((size_t)nchunks, sizeof *blkp);
    slot_range *sr = calloc((size_t)nthreads, sizeof *sr);
    if (!blkp || !sr) wl_fatal("out of memory");

    /* Warm-up in main: allocate, shuffle, replace 4x. */
    for (long i = 0; i < nchunks; i++) {
        blkp[i] = malloc((size_t)(g_min + lran2(&rgen) % g_range));
        if (!blkp[i]) wl_fatal("warm-up malloc failed");
    }
    for (long c = nchunks; c > 0; c--) {
        long victim = lran2(&rgen) % c;
        char *t = blkp[victim];
        blkp[victim] = blkp[c - 1];
        blkp[c - 1] = t;
    }
    for (long c = 0; c < 4 * nchunks; c++) {
        long victim = lran2(&rgen) % nchunks;
        free(blkp[victim]);
        blkp[victim] = malloc((size_t)(g_min + lran2(&rgen) % g_range));
        if (!blkp[victim]) wl_fatal("warm-up malloc failed");
    }

    for (int i = 0; i < nthreads; i++) {
        sr[i].array = &blkp[(long)i * chunks];
        sr[i].asize = chunks;
        sr[i].nblocks = rounds * chunks;
        sr[i].idx = i;
        lran2_init(&sr[i].rgen, lran2(&rgen));
        atomic_init(&sr[i].finished, 0);
    }
    for (int i = 0; i < nthreads; i++)
        if (start_generation(&sr[i]) != 0) wl_fatal("cannot create thread %d", i);
    double t0 = wl_now(), c0 = wl_cpu_seconds();

    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&ts, &ts) != 0) {}
    atomic_store(&g_stop, 1);
    for (int i = 0; i < nthreads; i++)
        while (!atomic_load(&sr[i].finished)) sched_yield();
    double dur = wl_now() - t0, cpu = wl_cpu_seconds() - c0;

    long allocs = 0, frees = 0, gens = 0;
    for (int i = 0; i < nthreads; i++) {
        allocs += sr[i].callocs;
        frees += sr[i].cfrees;
        gens += sr[i].generations;
    }
    double thr = (double)allocs / dur;
    printf("Throughput = %8.0f operations per second, relative time: %.3fs.\n", thr, 1e9 / thr);
    wl_result(&o, "throughput", thr, "ops/s", "higher",
              "allocs=%ld frees=%ld generations=%ld duration_s=%.4f relative_time=%.3f interval_cpu_s=%.4f "
              "ops_per_cpu_s=%.6g",
              allocs, frees, gens, dur, 1e9 / thr, cpu, cpu > 0 ? (double)allocs / cpu : 0.0);
    for (long i = 0; i < nchunks; i++) free(blkp[i]);
    free(blkp);
    free(sr);
    return 0;
}
