/*
 * arena.h: chunks and the arenas that own them (the 2006 paper's layer).
 *
 * A chunk is 4 MiB, aligned to 4 MiB, from mmap. Its first pages hold this
 * header; the rest are data pages handed out as runs (slabs or large
 * allocations), first-fit at the lowest address: chunks are kept in address
 * order and each is searched from its first page.
 *
 * Invariants (under arena->lock):
 *  - free_bits has a 1 for every free data page; header pages are never free.
 *  - dirty_bits is a subset of free_bits: free pages that may be resident.
 *    A free page that is not dirty reads as zero (fresh or purged).
 *  - page_owner[i] is &owner->bins[class] for every page of a slab of that
 *    class owned by `owner` (set by the owner, arena_set_owner), and the
 *    no-owner bin registered at arena_boot (heap_bin_none) for header pages,
 *    pages of large runs, free pages and the purged pages of slabs. free's fast path reads
 *    this one dense word: the block is the calling thread's iff
 *    page_owner[i]->heap is the thread's heap.
 *  - page_slab[i] is the header of the slab holding page i, or of the large
 *    run starting at page i (a large block is only ever looked up by its
 *    first byte), and &slab_empty (RUN_FREE, no owner) for header pages, free
 *    pages and the later pages of large runs: taking or freeing a large run
 *    of n pages writes one entry, and its bitmaps a word at a time.
 *  - nfree == popcount(free_bits), ndirty == popcount(dirty_bits).
 * Run headers are not in the chunk: each live run has one struct slab from
 * its arena's pool (ARENA_RUN_HDR bytes apiece, base memory, handed out under
 * the lock and taken back when the run is freed), so a chunk's header costs
 * about 20 bytes per page (6 pages) whatever its runs, and a run's header
 * only exists while the run does. A header of 128 bytes starting on a cache line
 * shares no line with another run's header.
 * An arena's chunks never move to another arena and are never unmapped
 * (address space is kept, physical memory is purged).
 */
#ifndef TIDE_ARENA_H
#define TIDE_ARENA_H

#include "slab.h"
#include "pagemap.h"

#define CHUNK_SIZE    PAGEMAP_SLOT
#define CHUNK_NPAGES  ((unsigned)(CHUNK_SIZE >> SC_LG_PAGE))
#define CHUNK_NWORDS  (CHUNK_NPAGES / 64)

struct arena;
struct heap_bin;

struct chunk {
    struct arena *arena;
    struct chunk *next;                 /* arena's list, ascending address */
    uint32_t header_pages;
    uint32_t nfree;
    uint32_t ndirty;
    uint32_t fail_hint;                 /* no free run of >= this many pages */
    bool released;                      /* its data pages are unmapped (arena_release_empty):
                                           none is free, none holds a run */
    uint64_t free_bits[CHUNK_NWORDS];
    uint64_t dirty_bits[CHUNK_NWORDS];
    uint32_t dirty_ms[CHUNK_NPAGES];    /* when each dirty page was freed */
    struct heap_bin *page_owner[CHUNK_NPAGES];
    struct slab *page_slab[CHUNK_NPAGES];
};

#define ARENA_RUN_HDR 128   /* bytes of a run header in the pool: 2 cache lines */
_Static_assert(sizeof(struct slab) <= ARENA_RUN_HDR, "a run header fits its pool slot");

/* Per-arena counters, under the arena lock (slabs_full and slabs_unfull:
 * relaxed atomic adds, see arena_slab_note_full). */
struct arena_counters {
    uint64_t large_nmalloc, large_nfree;
    uint64_t large_allocated;   /* bytes in live large runs */
    uint64_t slabs_created[SC_NSMALL], slabs_current[SC_NSMALL];
    uint64_t slabs_high[SC_NSMALL];     /* the most slabs of the class at once */
    uint64_t slabs_full[SC_NSMALL];     /* slabs found exhausted and set aside ("full") */
    uint64_t slabs_unfull[SC_NSMALL];   /* full slabs that got a block back */
    uint64_t npurge, purged_pages;
    uint64_t nmadvise;                  /* madvise calls of the arena's purges */
};

struct arena {
    util_mutex_t lock;
    unsigned index;
    struct chunk *chunks;
    struct heap *shared;        /* the locked heap: 2006 mode and exiting threads (set by
                                   heap_boot; the arena never looks inside it) */
    size_t nchunks;
    size_t pactive;             /* pages in allocated runs */
    size_t ndirty;              /* dirty free pages */
    uint64_t next_purge_ms;     /* earliest time a dirty page can be due */
    unsigned nthreads;          /* threads assigned (live heaps or tls) */
    struct slab *spare_hdrs;    /* run headers of freed runs, linked by next */
    struct arena_counters ctr;
};

unsigned arena_count(void);
struct arena *arena_get(unsigned i);
/* The arena for a new thread: the first with the fewest live threads, which
 * is round-robin while threads live on (the 2006 preset: plain round-robin). */
struct arena *arena_next_rr(void);
/* Create the arenas (called once by init). no_owner is what page_owner[]
 * names for pages without a slab: the layer above registers it, and the
 * arena never looks inside it. */
bool arena_boot(unsigned n, struct heap_bin *no_owner);

/* A fresh slab of class cls from arena a (the caller holds a's lock if
 * `locked`), with no owner yet: slab_init'ed with heap NULL, its pages
 * naming no owner. NULL when out of memory. Sets *grew when the arena had
 * to map a chunk for it. */
struct slab *arena_slab_alloc(struct arena *a, unsigned cls, bool locked, bool *grew);
/* The pages of slab s in `mask` (bit p: page p of the slab) name bin b in
 * page_owner[] (NULL: no owner). Whoever owns s. */
void arena_set_owner(struct slab *s, unsigned mask, struct heap_bin *b);
/* Return an empty slab to its chunk's arena (the caller holds the lock if
 * `locked`). */
void arena_slab_free(struct slab *s, bool locked);
/* Large allocation of `size` bytes (page multiple) aligned to `align` (>= page).
 * Sets *grew when the arena had to map a chunk for it. */
void *arena_large_alloc(struct arena *a, size_t size, size_t align, bool zero, bool *grew);
void arena_large_free(struct chunk *c, struct slab *run);
/* Resize a large run in place to `size` (page multiple). False if it cannot grow. */
bool arena_large_resize(struct chunk *c, struct slab *run, size_t size);

/* The owner of slab s unlinked it as exhausted (slab.h: "full"), or
 * linked such a slab again when a block of it came back. Counted in the
 * arena of s's chunk with a relaxed atomic add: a thread's own heap does
 * this without the arena lock. Slow paths only (heap.c). */
void arena_slab_note_full(const struct slab *s);
void arena_slab_note_unfull(const struct slab *s);

/* Chunks of every arena: mappings made (new chunks and released chunks
 * mapped again), the most mapped at once, mapped now (released chunks,
 * whose data pages are unmapped, do not count). */
void arena_chunk_counts(uint64_t *nchunks, size_t *highchunks, size_t *curchunks);

/* An allocation failed for want of address space (RLIMIT_AS): unmap the
 * data pages of every chunk that holds no run, keeping its header mapped and
 * its page-map slot (so free's cached chunk and the page map stay valid: a
 * pointer into it starts no block). chunk_new maps them again first, at the
 * same address, when the arena grows. Returns the chunks released. Takes
 * each arena's lock in turn. */
unsigned arena_release_empty(void);
/* Purge dirty pages older than the decay delay; all of them when `all`.
 * Returns pages purged. Takes the lock. */
size_t arena_purge(struct arena *a, bool all);
/* Cheap check from slow paths: purge if something is due. */
void arena_maybe_purge(struct arena *a);

/* The chunk slot of p (its chunk, if p is in one: chunks are CHUNK_SIZE-aligned)
 * and p's page in it. */
TIDE_INLINE struct chunk *chunk_of(const void *p) { return (struct chunk *)((uintptr_t)p & ~(CHUNK_SIZE - 1)); }
TIDE_INLINE size_t chunk_page_of(const void *p) { return ((uintptr_t)p >> SC_LG_PAGE) & (CHUNK_NPAGES - 1); }

/* The run holding p inside chunk c. */
TIDE_INLINE struct slab *chunk_run_of(struct chunk *c, const void *p) { return c->page_slab[chunk_page_of(p)]; }

void arena_prefork(void);
void arena_postfork_parent(void);
void arena_postfork_child(void);
/* Debug builds: check a chunk's invariants (arena lock held). */
void arena_check_chunk(const struct chunk *c);

#endif
