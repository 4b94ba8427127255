/*
 * heap.h: the per-thread cache layer.
 *
 * A heap owns slabs. A thread's heap is reached through initial-exec TLS
 * (tide_tls.heap), which starts at heap_empty: a static heap whose current
 * slabs are all slab_empty, so the first malloc of a thread falls into the
 * slow path with no "is it initialised" test on the fast path.
 *
 * Thread-cache mode: each thread owns one heap, and the heap's slabs are the
 * thread's cache. malloc pops the first block of current[c]->free; free of a
 * block of one of the calling thread's own slabs pushes it on that slab's
 * local_free. Neither takes a lock, does an atomic read-modify-write or
 * touches memory another thread writes. When current[c] runs dry the slow
 * path collects the slab's local_free and remote frees, carves fresh blocks,
 * or switches to the lowest-address slab of the class with space.
 * 2006 mode (tcache:false), and threads past their TLS destructor:
 * tide_tls.heap stays heap_empty and the slow path uses the arena's shared
 * heap under the arena lock: the paper's design, with the same slab code.
 *
 * Invariants:
 *  - current[c] is slab_empty or a slab on slabs[c] (linked).
 *  - slabs[c] holds this heap's slabs of class c with space (doubly linked);
 *    full[c] its exhausted ones (owner tagged SLAB_OWNER_FULL). Every slab
 *    the heap owns is on exactly one of the two.
 *  - nmalloc[c] counts the owner's mallocs of class c, nfree[c] the owner's
 *    frees of blocks of its own slabs, nfree_remote[c] other threads' frees
 *    once collected: live blocks of class c = nmalloc - nfree - nfree_remote
 *    (exact when the heap's thread is quiet and remote frees are collected).
 *  - pending is a lock-free stack of slabs in state NOTIFIED.
 *  - cached_pages = pages of the slabs with the `cached` flag: linked, empty
 *    slabs other than the current ones, kept for reuse instead of returned
 *    to the arena, at most HEAP_CACHE_PAGES, so that a class that empties and refills
 *    a slab does not take the arena lock each time.
 *  - Heaps are never freed. A thread's heap is parked in a pool at thread
 *    exit, still owning its non-empty slabs, and adopted by a later thread.
 */
#ifndef TIDE_HEAP_H
#define TIDE_HEAP_H

#include "arena.h"

#define HEAP_CACHE_PAGES 64

struct heap {
    /* Fast path. */
    struct slab *current[SC_NSMALL];
    uint64_t nmalloc[SC_NSMALL];       /* owner's plain counters */
    uint64_t nfree[SC_NSMALL];
    /* Slow path. */
    struct slab *slabs[SC_NSMALL];
    struct slab *full[SC_NSMALL];
    struct arena *arena;               /* where new slabs come from */
    struct slab *pending;              /* atomic (__atomic builtins) */
    struct heap *next_all;             /* every heap ever made */
    struct heap *next_pool;            /* parked heaps */
    uint64_t nfree_remote[SC_NSMALL];  /* other threads' frees, counted when collected */
    uint32_t cached_pages;
    bool shared;
    bool parked;
};

/* Per-thread state, initial-exec TLS. */
enum { TLS_FRESH = 0, TLS_LIVE = 1, TLS_DEAD = 2 };
struct tide_tls {
    struct heap *heap;      /* heap_empty until the thread owns a heap */
    uintptr_t last_chunk;   /* a chunk free found through the page map (1: none yet) */
    struct arena *arena;    /* the thread's arena (round-robin on first use) */
    uint8_t state;
    uint64_t allocated0, deallocated0;  /* the heap's small-block bytes when this thread took it */
    uint64_t slow_allocated;            /* bytes outside the thread's own slabs: */
    uint64_t slow_deallocated;          /* large, huge, shared-heap and remote frees */
};
extern TIDE_TLS struct tide_tls tide_tls;
extern struct heap heap_empty;

/* A new heap drawing on arena a (base memory, never freed). */
struct heap *heap_create(struct arena *a, bool shared);
/* Slow path: the thread's arena, assigning one round-robin on first use. */
struct arena *heap_thread_arena(void);
/* Slow path: give the calling thread a heap (thread-cache mode only). */
struct heap *heap_thread_acquire(void);

/* Allocate a block of class c from h (owner or lock holder). NULL if OOM. */
void *heap_alloc_small(struct heap *h, unsigned c);
/* A block of class c for the calling thread, whatever its mode (slow path). */
void *heap_alloc_small_any(unsigned c);
/* Owner side of a local free that left slab s of h empty (used == 0). */
void heap_free_emptied(struct heap *h, struct slab *s);
/* Free block p of slab s that free's fast path did not take: a full slab of
 * the calling thread's own, another thread's slab (remote free), or a slab of
 * an arena-shared heap (under its arena lock). */
void heap_free_other(struct slab *s, void *p);
/* Collect every slab's returned blocks and give empty slabs back to the arena. */
void heap_flush(struct heap *h);
/* Thread exit: flush and park the calling thread's heap. */
void heap_thread_exit(void);

/* Bytes this thread allocated / freed since it took its heap. */
void heap_thread_counters(uint64_t *allocated, uint64_t *deallocated);
/* Every heap ever made (for statistics); walk with ->next_all. */
struct heap *heap_all(void);

void heap_prefork(void);
void heap_postfork_parent(void);
void heap_postfork_child(void);

#endif
