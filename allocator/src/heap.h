/*
 * heap.h: the per-thread cache layer.
 *
 * A heap owns slabs. A thread's heap is reached through initial-exec TLS
 * (tide_tls.heap), which starts at heap_empty: a static heap whose bins are
 * all empty, so the first malloc of a thread falls into the slow path with
 * no "is it initialised" test on the fast path.
 *
 * Thread-cache mode: each thread owns one heap. In front of its slabs sits a
 * bin per class: a bounded stack of free blocks of the heap's own slabs.
 * malloc pops from the bin and free pushes onto it, with no lock, no atomic
 * read-modify-write and no write to slab metadata; the bin is refilled from
 * the slabs (lowest address first) and flushed back to them in batches. 2006 mode
 * (tcache:false), and threads past their TLS destructor: tide_tls.heap stays
 * heap_empty and the slow path uses the arena's shared heap under the arena
 * lock: the paper's design, with the same slab code.
 *
 * Invariants:
 *  - bins[c] holds top - base <= limit - base free blocks, all of class c and all of slabs
 *    owned by this heap; they still count in their slab's `used`.
 *    bins[c].heap == this heap. heap_empty and shared heaps have empty bins
 *    (base == top == limit). chunk->page_owner[] names the bin of a slab's
 *    owner, so free finds "a block of my own slab" with one compare.
 *  - current[c] is slab_empty or a slab on slabs[c] (linked).
 *  - slabs[c] holds this heap's non-full slabs of class c (doubly linked).
 *  - sparse_head..sparse_tail: this heap's slabs in state SLAB_SCAV_QUEUED,
 *    in the order they went down to a quarter full (doubly linked through
 *    sparse_next/prev). After dirty_decay_ms a slab still that sparse has
 *    its free pages given back (slab_scavenge); a retired slab, or one that
 *    fills past half, leaves the queue first.
 *  - pending is a lock-free stack of slabs in state NOTIFIED.
 *  - Bin capacity adapts, as tcmalloc's thread-cache lists do: a bin that
 *    overflows after a refill since its last flush, with fewer mallocs since
 *    that refill than its capacity (the program sweeps: allocates many
 *    blocks of the class, then frees them), doubles its room, up to HEAP_BIN_GROW_MAX
 *    blocks and HEAP_BIN_GROW_BYTES, while bin_bytes = sum over classes of
 *    (capacity - initial capacity) * class size stays within HEAP_BIN_BUDGET
 *    (the classes no program uses, such as 16-byte classes never refined,
 *    cost no budget). To make room, bins
 *    grown past their initial capacity that saw no refill since the last such
 *    round are halved (their oldest blocks flushed). Each bin's stack has
 *    its largest capacity reserved (address space only; touched as used).
 *    heap_flush returns every bin to its initial capacity.
 *  - cached_pages = pages of the slabs with the `cached` flag: linked, empty
 *    slabs other than the current ones, kept for reuse instead of returned
 *    to the arena, at most HEAP_CACHE_PAGES, so that a class that empties and refills
 *    a slab does not take the arena lock each time.
 *  - Heaps are never freed. A thread's heap is parked in a pool at thread
 *    exit, still owning its non-empty slabs, and adopted by a later thread.
 *    A thread that frees a block of a parked heap takes that heap over and
 *    parks its own (at most once in its life) if the heap's last thread
 *    took it before this thread took its own and parked it after (it was
 *    running when this thread started), and it owns more slab pages than
 *    the thread's own heap: a thread that replaces another, and started
 *    before the other parked its heap, then frees its predecessor's blocks
 *    into its own heap instead of keeping two heaps of memory.
 */
#ifndef TIDE_HEAP_H
#define TIDE_HEAP_H

#include "arena.h"
#include "misuse.h"

#define HEAP_CACHE_PAGES 64
#define HEAP_BIN_MAX     512   /* most blocks a bin starts with room for (and about 64 KiB of them) */
#define HEAP_BIN_GROW_MAX 16384            /* most blocks a bin grows to hold ... */
#define HEAP_BIN_GROW_BYTES ((size_t)1 << 20)   /* ... and about this many bytes of them */
#define HEAP_BIN_BUDGET  ((size_t)2 << 20) /* bytes all bins of a heap may have room for past their initial room */
#define HEAP_CLS_WORDS   ((SC_NSMALL + 63) / 64)   /* words of a bitmap with a bit per class */
#define HEAP_REFILL_MAX  64    /* most blocks one refill moves into a bin */
#define HEAP_REMOTE_BATCH 64   /* most remote frees a thread holds before handing them over */

/* Large runs of 16 KiB to 1 MiB a heap keeps for reuse, as the bins keep
 * small blocks (tcmalloc's thread cache stops at 256 KiB and takes a
 * central lock above, jemalloc's stops at 32 KiB; the budget below bounds
 * what a heap keeps whatever the sizes): free of such a run of the heap's
 * arena pushes it here instead of taking the arena lock, and malloc of a
 * size that rounds to the same pages pops it. A kept run is still allocated in its arena, and is
 * the thread's: heap_empty_out (thread exit, malloc_trim, tcache flush, a
 * heap parked or taken over) gives every kept run back to its arena.
 * Statistics count at the program's level, as for blocks in the bins: a
 * kept run as freed (large.ndalloc, not in large.allocated), its reuse as a
 * malloc (stats.c: lrun_nkeep, lrun_nhit, lrun_nflush, lrun_bytes).
 * Invariants: lrun[i].run[0 .. n) are the first bytes of live RUN_LARGE runs
 * of HEAP_LRUN_MIN_PAGES + i pages, in chunks of this heap's arena, that no
 * program pointer names; lrun_bytes is the sum of their sizes. A push keeps
 * lrun_bytes within lrun_budget, the heap's share of HEAP_LRUN_TOTAL over
 * the live heaps, recomputed when the thread takes the heap and at every
 * decay check (every HEAP_LRUN_TICK kept frees), which gives back
 * what exceeds it: threads that keep runs keep about HEAP_LRUN_TOTAL
 * together. A push that does not fit the budget first gives back the runs
 * of the sizes pushed least recently (stamp), so that runs of sizes the
 * thread no longer uses do not hold the budget against those it does. A
 * thread that stopped calling the allocator keeps what its last share
 * allowed (as in tcmalloc's thread caches) until it exits, trims or
 * flushes. heap_empty and shared heaps keep none (n == 0). Not used with
 * dirty_decay_ms:0. */
#define HEAP_LRUN_MIN_PAGES 4    /* 16 KiB: the smallest large size (SC_SMALL_MAX < it) */
#define HEAP_LRUN_MAX_PAGES 256  /* 1 MiB: one such run takes a heap's whole budget */
#define HEAP_LRUN_SLOTS     8    /* runs kept per size ... */
#define HEAP_LRUN_BUDGET    ((size_t)1 << 20)   /* ... and bytes kept per heap, */
#define HEAP_LRUN_TOTAL     ((size_t)32 << 20)  /* ... and by all live heaps together (gperftools'
                                                   default for its thread caches): a heap's share is
                                                   this over the live heaps, at most HEAP_LRUN_BUDGET */
#define HEAP_LRUN_TICK      8    /* kept frees between two decay checks (heap_lrun_tick_slow): in a
                                    malloc/free loop, one every 16 kept-run operations */
#define HEAP_LRUN_MAX_BYTES ((size_t)HEAP_LRUN_MAX_PAGES << SC_LG_PAGE)
#define HEAP_LRUN_NSIZES    (HEAP_LRUN_MAX_PAGES - HEAP_LRUN_MIN_PAGES + 1)   /* kept sizes: lrun[] */
_Static_assert((HEAP_LRUN_TICK & (HEAP_LRUN_TICK - 1)) == 0, "the decay check masks lrun_nkeep");
_Static_assert(SC_SMALL_MAX < ((size_t)HEAP_LRUN_MIN_PAGES << SC_LG_PAGE) &&
               SC_SMALL_MAX >= ((size_t)(HEAP_LRUN_MIN_PAGES - 1) << SC_LG_PAGE),
               "the kept sizes start at the first large size");
struct heap_lrun {
    uint32_t n;
    uint32_t stamp;   /* the heap's lrun_nkeep (low bits) at this size's last push */
    void *run[HEAP_LRUN_SLOTS];
};

/* Two cache lines per class. The first holds only the owner (free's
 * ownership test): other threads read it on every remote free, and the
 * owner never writes it after heap_create. The second is the bin and the
 * class's counters, which the owner writes on every malloc and free; a
 * remote free never reads it (on one line with the owner, the consumer of a
 * producer/consumer pair took a cache miss on every free and made the
 * producer's next malloc wait for the line: prodcons 1 + 1 ran at 0.91x
 * the throughput it has with the lines apart, side by side).
 * The owner's frees of blocks of its own slabs are not counted one by one:
 * every such free pushes one block, so they number
 *   (top - base) + nmalloc + nflush - nfill + nfree_slow
 * (heap_bin_nfree): blocks in the bin, plus those popped, plus those flushed
 * back to their slabs, less those the refill put in. */
struct heap_bin {
    struct heap *heap;   /* the heap this bin belongs to (free's ownership test) */
    _Alignas(64) void **top;   /* next free slot: the stack holds [base, top) */
    void **base;
    void **limit;        /* base + capacity */
    uint64_t nmalloc;    /* owner's plain counters: blocks popped (mallocs of this class) */
    uint64_t nfill;      /* blocks the refill put in */
    uint64_t nflush;     /* blocks flushed back to their slabs */
    uint64_t nfree_slow; /* own frees that did not go through the bin (shared heaps) */
};
_Static_assert(sizeof(struct heap_bin) == 128, "the owner word and the bin on lines of their own");
/* A bin no heap owns: what chunk->page_owner[] names for pages without a slab. */
extern struct heap_bin heap_bin_none;
TIDE_INLINE uint32_t heap_bin_n(const struct heap_bin *b) { return (uint32_t)(b->top - b->base); }
TIDE_INLINE uint32_t heap_bin_cap_of(const struct heap_bin *b) { return (uint32_t)(b->limit - b->base); }
TIDE_INLINE uint64_t heap_bin_nfree(const struct heap_bin *b) {
    return (uint64_t)(__atomic_load_n(&b->top, __ATOMIC_RELAXED) - b->base) +
           __atomic_load_n(&b->nmalloc, __ATOMIC_RELAXED) + __atomic_load_n(&b->nflush, __ATOMIC_RELAXED) -
           __atomic_load_n(&b->nfill, __ATOMIC_RELAXED) + __atomic_load_n(&b->nfree_slow, __ATOMIC_RELAXED);
}

struct heap {
    /* Fast path. */
    struct heap_bin bins[SC_NSMALL];
    struct slab *current[SC_NSMALL];
    /* Slow path. */
    struct slab *slabs[SC_NSMALL];
    struct arena *arena;               /* where new slabs come from: the creating thread's arena, kept
                                          when the heap is adopted or taken over */
    struct slab *pending;              /* atomic (__atomic builtins) */
    bool parked;                       /* in heap_pool (written under heap_lock, read racily) */
    uint64_t acquire_seq, park_seq;    /* heap_seq when a thread last took it / parked it */
    struct heap *next_all;             /* every heap ever made */
    struct heap *next_pool;            /* parked heaps */
    uint64_t nfree_remote[SC_NSMALL];  /* other threads' frees, counted when collected */
    uint64_t scavenged_pages;          /* slab pages slab_scavenge gave back */
    struct slab *sparse_head, *sparse_tail;   /* slabs QUEUED for scavenging, oldest first */
    uint32_t sparse_tick;              /* slow paths since the queue was last looked at */
    uint64_t bin_refilled[HEAP_CLS_WORDS];  /* bit c: bins[c] was refilled since its last flush */
    uint64_t bin_active[HEAP_CLS_WORDS];    /* bit c: bins[c] was refilled since the last shrink round */
    size_t bin_bytes;                  /* sum of bins' (capacity - initial) * class size */
    uint64_t bin_refill_mark[SC_NSMALL];   /* bins[c].nmalloc at its last refill */
    uint32_t cached_pages;
    uint32_t slab_pages;               /* pages of all the slabs this heap owns */
    struct heap_lrun lrun[HEAP_LRUN_NSIZES];   /* kept large runs */
    uint64_t lrun_bytes;               /* bytes of the kept runs */
    uint64_t lrun_budget;              /* most bytes a push may keep (heap_lrun_share_slow) */
    uint64_t lrun_nhit;                /* owner's plain counters: large mallocs served from lrun, */
    uint64_t lrun_nkeep;               /* frees kept there (a decay check every HEAP_LRUN_TICK), */
    uint64_t lrun_nflush;              /* kept runs given back to the arena */
    bool shared;
};

/* Per-thread state, initial-exec TLS. */
enum { TLS_FRESH = 0, TLS_LIVE = 1, TLS_DEAD = 2 };
struct tide_tls {
    struct heap *heap;      /* heap_empty until the thread owns a heap */
    uintptr_t last_chunk;   /* a chunk free found through the page map (1: none yet) */
    struct arena *arena;    /* the thread's arena (round-robin on first use) */
    struct heap *declined;  /* the last parked heap this thread considered taking over */
    uint64_t acquire_seq;   /* heap_seq when it took its heap */
    bool took_over;         /* it took a parked heap over (at most once) */
    /* Remote frees on their way: blocks of slab rf_slab (another heap's),
     * linked rf_head .. rf_tail, rf_n of them, still counted in its `used`.
     * They go onto the slab's thread_free with one CAS when a remote free
     * hits another slab, at HEAP_REMOTE_BATCH blocks, and in
     * heap_remote_flush (thread exit, malloc_trim, tcache flush, epoch). */
    struct slab *rf_slab;
    void *rf_head, *rf_tail;
    uint32_t rf_n;
    bool rf_exit_hook;      /* heap_thread_exit will run for this thread (it hands them over) */
    uint8_t state;
    uint64_t allocated0, deallocated0;  /* the heap's small-block bytes when this thread took it */
    uint64_t slow_allocated;            /* bytes this thread got outside its bins: */
    uint64_t slow_deallocated;          /* large, huge, shared-heap and remote frees */
};
extern TIDE_TLS struct tide_tls tide_tls;
extern struct heap heap_empty;

/* The arena the calling thread's large runs come from: its heap's (whose
 * runs it can keep), else its own (heap_thread_arena). A fresh thread in
 * thread-cache mode gets its heap here. Slow path. */
struct arena *heap_large_arena(void);
/* A new heap drawing on arena a (base memory, never freed). */
struct heap *heap_create(struct arena *a, bool shared);
/* Initialisation, phase 1 (no malloc): every arena's shared heap. */
bool heap_boot(void);
/* Initialisation, phase 2 (may allocate): the key whose destructor runs
 * heap_thread_exit; threads own heaps from then on. */
void heap_boot_threads(void);
/* The thread-exit hook will run for the calling thread (arg: non-NULL). */
void heap_register_thread(void *arg);
/* Slow path: the thread's arena, assigning one round-robin on first use. */
struct arena *heap_thread_arena(void);
/* Slow path: give the calling thread a heap (thread-cache mode only). */
struct heap *heap_thread_acquire(void);

/* Allocate a block of class c from h (owner or lock holder). NULL if OOM. */
void *heap_alloc_small(struct heap *h, unsigned c);
/* A block of class c for the calling thread, whatever its mode (slow path). */
void *heap_alloc_small_any(unsigned c);
/* Fill the calling thread's bin of class c from its slabs and pop one block. */
void *heap_refill(struct heap *h, unsigned c);
/* Free p, a block of h's slab of class c, into its full bin: grow the bin,
 * or flush its oldest half first. */
void heap_free_bin_full(struct heap *h, unsigned c, void *p);
/* Owner-side slow part of a slab-level local free (slab full before, or now empty). */
void heap_free_local_slow(struct heap *h, struct slab *s);
/* Free block p of slab s whose owner is not the calling thread's heap
 * (another thread's heap, or an arena-shared heap: then under its arena lock). */
void heap_free_foreign_slab(struct slab *s, void *p);
/* Every HEAP_LRUN_TICK kept frees: the decay work the arena path
 * would have done (a program whose only slow-path calls are served by kept
 * runs still gets its dirty pages purged on time). */
void heap_lrun_tick_slow(struct heap *h);
/* Keep run p of `size` bytes on list l of h, the calling thread's heap
 * (room already checked), with a decay check every HEAP_LRUN_TICK kept frees. */
TIDE_INLINE void heap_lrun_keep(struct heap *h, struct heap_lrun *l, void *p, size_t size) {
    misuse_mark_free(p);   /* its second word: a second free finds it (misuse.h) */
    l->run[l->n++] = p;
    h->lrun_bytes += size;
    tide_tls.slow_deallocated += size;
    l->stamp = (uint32_t)++h->lrun_nkeep;
    if (TIDE_UNLIKELY((h->lrun_nkeep & (HEAP_LRUN_TICK - 1)) == 0)) heap_lrun_tick_slow(h);
}
/* malloc(n), SC_SMALL_MAX < n <= HEAP_LRUN_MAX_BYTES: a run the
 * calling thread's heap keeps (the last kept of its size, if its address
 * has no bit of `mask` set), or NULL. */
TIDE_INLINE void *heap_lrun_pop_masked(size_t n, uintptr_t mask) {
    struct tide_tls *t = &tide_tls;
    struct heap *h = t->heap;
    size_t pages = (n + SC_PAGE - 1) >> SC_LG_PAGE;
    struct heap_lrun *l = &h->lrun[pages - HEAP_LRUN_MIN_PAGES];
    uint32_t k = l->n;
    if (!k || ((uintptr_t)l->run[k - 1] & mask)) return NULL;
    void *p = l->run[k - 1];
    misuse_mark_live(p);
    l->n = k - 1;
    h->lrun_bytes -= pages << SC_LG_PAGE;
    t->slow_allocated += pages << SC_LG_PAGE;
    h->lrun_nhit++;
    return p;
}
TIDE_INLINE void *heap_lrun_pop(size_t n) { return heap_lrun_pop_masked(n, 0); }
/* The same for an allocation aligned to `align` (a power of two): only a
 * last-kept run that starts on such a boundary (aligned_alloc's runs come
 * back aligned when the program frees them). */
TIDE_INLINE void *heap_lrun_pop_aligned(size_t n, size_t align) {
    return heap_lrun_pop_masked(n, align > SC_PAGE ? align - 1 : 0);
}
/* A push that finds the size's slots or the budget full: make room and keep
 * the run, or not (a tail call: the common push saves no registers). */
bool heap_lrun_push_slow(struct heap *h, struct heap_lrun *l, void *p, size_t size);
/* The calling thread's heap keeps run p. */
bool heap_lrun_holds(const void *p);
/* A push of run p that carries the free mark: a double free if the heap
 * keeps p (reported; true), else pushed as usual. */
bool heap_lrun_push_marked_slow(struct slab *run, void *p);
/* p is a free block of slab s of heap h (h's owner thread, or the arena lock
 * of a shared heap): not carved yet, in a purged page, in h's bin, on s's
 * lists or thread_free, or in the calling thread's held remote run. False
 * for a live block or a pointer that starts none. */
bool heap_block_is_free(struct heap *h, struct slab *s, void *p);
/* free of p, the first byte of large run `run`: keep it in the calling
 * thread's heap if its size is kept, it is of the heap's arena (heap_empty
 * has none) and there is room (a heap's budget is 0 with dirty_decay_ms:0).
 * False: not kept. */
TIDE_INLINE bool heap_lrun_push(struct slab *run, void *p) {
    struct heap *h = tide_tls.heap;
    size_t i = (size_t)run->npages - HEAP_LRUN_MIN_PAGES;
    if (run->base != (uintptr_t)p || i >= HEAP_LRUN_NSIZES || chunk_of(p)->arena != h->arena) return false;
    if (TIDE_UNLIKELY(misuse_marked(p))) return heap_lrun_push_marked_slow(run, p);
    struct heap_lrun *l = &h->lrun[i];
    size_t size = (size_t)run->npages << SC_LG_PAGE;
    if (TIDE_UNLIKELY(l->n == HEAP_LRUN_SLOTS || h->lrun_bytes + size > h->lrun_budget))
        return heap_lrun_push_slow(h, l, p, size);
    heap_lrun_keep(h, l, p, size);
    return true;
}

/* realloc growing a large run in place found address q taken: if q starts
 * a run the calling thread's heap keeps, give that run back to its arena
 * and return its pages; else 0. */
unsigned heap_lrun_release(const void *q);

/* Hand the calling thread's held remote frees to their slab. */
void heap_remote_flush(void);
/* Return everything the calling thread's heap caches: collect, retire empty slabs. */
void heap_flush(struct heap *h);
/* Decay work of the calling thread's heap that is due (sparse slabs whose
 * delay is over); for entry points a program calls while otherwise idle. */
void heap_maintain(void);
/* The calling thread's arena just mapped a chunk for it: its heap's queued
 * sparse slabs are scavenged now, not after the decay delay (see heap.c). */
void heap_arena_grew(void);
/* malloc_trim: the parked heaps take in what other threads freed into their
 * slabs (counted then: stats.c), give back the slabs that emptied, and
 * scavenge their sparse slabs now. */
void heap_trim_parked(void);
/* Thread exit: flush and park the calling thread's heap. */
void heap_thread_exit(void);

/* Bytes this thread allocated / freed since it took its heap. */
void heap_thread_counters(uint64_t *allocated, uint64_t *deallocated);
/* Every heap ever made (for statistics); walk with ->next_all. */
struct heap *heap_all(void);
/* Bytes of the large runs all heaps keep (read racily: statistics). */
size_t heap_kept_bytes(void);

void heap_prefork(void);
void heap_postfork_parent(void);
void heap_postfork_child(void);

#endif
