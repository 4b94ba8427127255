/* prodcons: producer/consumer in the style of xmalloc-test (Lever &
 * Boreham; the xmalloc-test of mimalloc-bench), re-implemented from its
 * published description. Every free is remote.
 *
 *   prodcons [seconds=5] [size=64] [batch=4096] [max_batches=100]
 *
 * --threads N runs N producers and N consumers (like xmalloc-test -w N).
 * Producers malloc batches of `batch` objects of `size` bytes (the first
 * min(size,128) bytes are written) and push them on one bounded queue of at
 * most max_batches batches; consumers pop batches and free every object and
 * the batch record. After `seconds` producers stop, consumers drain the
 * queue. Result: million frees per second over the whole run.
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One batch: allocated by a producer, freed by a consumer. */
typedef struct batch {
    struct batch *next;
    long n;          /* objects in objs */
    void *objs[];    /* n pointers, each from malloc(g_size) */
} batch;

/* Bounded FIFO queue. Invariant: count == length of head..tail list,
 * 0 <= count <= g_max; done set once all producers have stopped. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    batch *head, *tail;
    long count;
    int producers_left;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0 };

static size_t g_size;
static long g_batch, g_max;
static int g_n;
static atomic_int g_stop;
static wl_barrier *g_start;

static void *producer(void *arg)
{
    int idx = (int)(long)arg;
    wl_pin_thread(idx);
    size_t touch = g_size < 128 ? g_size : 128;
    wl_barrier_wait(g_start);
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        batch *b = malloc(sizeof *b + (size_t)g_batch * sizeof(void *));
        if (!b) wl_fatal("malloc failed");
        b->n = g_batch;
        b->next = NULL;
        for (long i = 0; i < g_batch; i++) {
            void *p = malloc(g_size);
            if (!p) wl_fatal("malloc failed");
            memset(p, (int)i, touch);
            b->objs[i] = p;
        }
        pthread_mutex_lock(&q.mu);
        while (q.count >= g_max && !atomic_load(&g_stop)) pthread_cond_wait(&q.not_full, &q.mu);
        if (q.tail) q.tail->next = b; else q.head = b;
        q.tail = b;
        q.count++;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.mu);
    }
    pthread_mutex_lock(&q.mu);
    q.producers_left--;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.mu);
    return NULL;
}

/* Frees done by consumer i, written once by that consumer before it returns
 * (read after the join); --threads is at most 1024. */
static long g_frees[1024];

static void *consumer(void *arg)
{
    int idx = (int)(long)arg;
    wl_pin_thread(g_n + idx);
    long frees = 0;
    wl_barrier_wait(g_start);
    for (;;) {
        pthread_mutex_lock(&q.mu);
        while (!q.head && q.producers_left > 0) pthread_cond_wait(&q.not_empty, &q.mu);
        batch *b = q.head;
        if (!b) { pthread_mutex_unlock(&q.mu); break; }
        q.head = b->next;
        if (!q.head) q.tail = NULL;
        q.count--;
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.mu);
        for (long i = 0; i < b->n; i++) free(b->objs[i]);
        frees += b->n;
        free(b);
    }
    g_frees[idx] = frees;
    return NULL;
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "prodcons", "[seconds=5] [size=64] [batch=4096] [max_batches=100]",
            "xmalloc-style producer/consumer: --threads N gives N producers + N consumers; every free is\n"
            "remote. Reports million frees per second.",
            4, argc, argv);
    double secs = wl_arg_double(&o, 0, "seconds", 5, 0.001, 3600);
    g_size = (size_t)wl_arg_long(&o, 1, "size", 64, 1, 1L << 24);
    g_batch = wl_arg_long(&o, 2, "batch", 4096, 1, 1L << 20);
    g_max = wl_arg_long(&o, 3, "max_batches", 100, 1, 1L << 20);
    g_n = o.threads;
    q.producers_left = g_n;
    wl_begin(&o, 2 * g_n);
    g_start = wl_barrier_new(2 * g_n + 1);
    pthread_t *t = calloc((size_t)(2 * g_n), sizeof *t);
    if (!t) wl_fatal("out of memory");
    for (int i = 0; i < g_n; i++) {
        if (pthread_create(&t[i], NULL, producer, (void *)(long)i) != 0) wl_fatal("cannot create thread");
        if (pthread_create(&t[g_n + i], NULL, consumer, (void *)(long)i) != 0) wl_fatal("cannot create thread");
    }
    wl_barrier_wait(g_start);
    double t0 = wl_now();
    struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
    while (nanosleep(&ts, &ts) != 0) {}
    atomic_store(&g_stop, 1);
    pthread_mutex_lock(&q.mu);
    pthread_cond_broadcast(&q.not_full);
    pthread_mutex_unlock(&q.mu);
    for (int i = 0; i < 2 * g_n; i++) pthread_join(t[i], NULL);
    double el = wl_now() - t0;
    long frees = 0;
    for (int i = 0; i < g_n; i++) frees += g_frees[i];
    double mfs = (double)frees / el / 1e6;
    printf("rtime: %.3f, free/sec: %.3f M\n", 100.0 / mfs, mfs);
    wl_result(&o, "frees_per_s", mfs, "Mfrees/s", "higher", "frees=%ld time_s=%.4f size=%zu producers=%d consumers=%d",
              frees, el, g_size, g_n, g_n);
    free(t);
    return 0;
}
