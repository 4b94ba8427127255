/*
 * stats.h: statistics snapshots. stats_refresh() reads every arena, chunk
 * and heap and fills the snapshot that mallctl ("epoch" refreshes it) and
 * malloc_stats_print read. Counters that threads bump on their fast paths
 * are plain words read racily here; totals are exact once threads are quiet.
 *
 * Definitions (bytes unless named n*):
 *  allocated  bytes in live blocks, by class size (small), run size (large)
 *             and page-rounded size (huge)
 *  active     pages in allocated runs and huge blocks
 *  resident   active + dirty free pages + metadata (upper bound of RSS owned)
 *  mapped     chunks + huge mappings
 *  metadata   chunk headers + base allocations + page-map leaves
 *  retained   mapped but purged (virtual memory kept, no RSS)
 *
 * Two passes. The cheap one runs at every refresh ("epoch"): O(chunks) per
 * arena under its lock plus O(heaps x classes) racy reads, so that a program
 * refreshing often (Redis: every 100 ms) pays little for a large heap. The
 * detail pass walks every run of every chunk under the arena lock; it runs
 * on demand, at most once per snapshot, when a per-arena small figure or
 * nonfull_slabs is read (stats_get, stats_read_arena(.., true, ..)).
 *
 * Where each number comes from:
 *  - Pages (pactive, pdirty, retained, mapped, chunk headers), slabs
 *    (curslabs, nslabs), large and purge counters: the arena's own counters
 *    and its chunk headers, read under its lock: exact.
 *  - nmalloc / ndalloc of a bin: the heaps' cumulative counters (ndalloc =
 *    nfree + nfree_remote: remote frees count once the owner collects them,
 *    exactly when they leave slab->used), attributed to heap->arena (an
 *    adopted heap moves to its new thread's arena); nrequests == nmalloc.
 *  - curregs of the merged slot: sum over heaps of nmalloc - ndalloc, which
 *    with quiet threads equals the number of live blocks (every malloc and
 *    free of a small block is counted by the heap owning its slab).
 *  - curregs of one arena (detail pass): the sum of slab->used over that
 *    arena's slabs of the class, less the blocks of those slabs waiting in
 *    the heaps' bins (free for the program, still in used). used is
 *    maintained by the slab's owner and counts every block handed out and
 *    not yet returned (blocks waiting in thread_free still count, as they
 *    do in the counters), so this is exact per arena even when heaps move
 *    between arenas. With quiet threads the per-arena sums add up to the
 *    merged curregs (the tests check this: two independent counts).
 *  - small_allocated = sum of curregs x class size, in either pass.
 *  - nonfull_slabs (detail pass): slabs with used < nregs.
 *  - highslabs, nfull, nunfull, nmadvise: the arena's counters (arena.h);
 *    the merged highslabs is the sum of the arenas' peaks, an upper bound
 *    of the most slabs of the class alive at once in the process.
 *  - nchunks, highchunks, curchunks: arena_chunk_counts (arena chunks only;
 *    huge blocks are counted apart).
 * Invariants of a snapshot: resident >= active, mapped >= active,
 * pactive * page == small_resident + large_allocated + tcache_bytes (the
 * large runs the arena's heaps keep, heap.h: counted as freed) per arena,
 * and
 * arenas[narenas] is the field-by-field sum of arenas[0 .. narenas-1]
 * (curregs and small_allocated: once threads are quiet).
 *
 * Concurrency: one lock (stats_prefork & co.) guards the snapshot. Lock
 * order: the stats lock comes before every arena, huge and base lock, so
 * stats_prefork must run before the other modules' prefork handlers (and
 * the postfork handlers after theirs, in either order).
 */
#ifndef TIDE_STATS_H
#define TIDE_STATS_H

#include "sc.h"

struct stats_bin {
    uint64_t nmalloc, nfree;      /* cumulative blocks */
    uint64_t nrequests;           /* = nmalloc (no batching in tide) */
    uint64_t curregs;             /* live blocks */
    uint64_t nslabs;              /* slabs created, cumulative */
    uint64_t curslabs;            /* slabs now */
    uint64_t nonfull_slabs;       /* slabs with a free block */
    uint64_t highslabs;           /* the most slabs at once (merged slot: sum of the arenas' peaks) */
    uint64_t nfull;               /* slabs found exhausted and set aside (arena.h), cumulative */
    uint64_t nunfull;             /* of those, linked again when a block came back, cumulative */
};

struct stats_arena {
    unsigned nthreads;
    size_t pactive, pdirty, pmuzzy; /* pages; pmuzzy is always 0 */
    size_t mapped, retained, metadata, resident;
    size_t small_allocated, large_allocated;
    uint64_t small_nmalloc, small_ndalloc, large_nmalloc, large_ndalloc;
    size_t small_resident;          /* pages of slabs, in bytes */
    size_t tcache_bytes;            /* large runs the arena's heaps keep (heap.h), in bytes */
    uint64_t npurge, purged;        /* purge passes, pages purged */
    uint64_t nmadvise;              /* madvise calls of those passes */
    size_t nchunks;                 /* chunks owned (metadata: their headers) */
    struct stats_bin bins[SC_NSMALL];
};

struct stats_global {
    uint64_t epoch;
    size_t allocated, active, resident, mapped, metadata, retained;
    size_t huge_allocated;
    uint64_t huge_nmalloc, huge_nfree;
    size_t huge_mapped;           /* huge mappings, whole page-map slots */
    size_t base_mapped;           /* metadata from base_alloc */
    size_t pagemap_mapped;        /* metadata: page-map leaves */
    uint64_t nchunks;             /* arena chunks mapped, cumulative (arena_chunk_counts) */
    size_t highchunks, curchunks; /* the most mapped at once, mapped now */
    unsigned narenas;
    struct stats_arena *arenas;   /* narenas + 1 entries; [narenas] merges all */
};

/* Take a new snapshot (cheap pass only: per-arena curregs, small_allocated
 * and nonfull_slabs are zero until the detail pass); returns it, or NULL if
 * its memory could not be mapped. Thread-safe (serialised by a lock). The
 * returned pointer stays valid, but a concurrent refresh rewrites it: use
 * the stats_read_* copies below when other threads may refresh. */
const struct stats_global *stats_refresh(void);
/* The last snapshot, complete (refreshing once if none was taken, and
 * running its detail pass if not done yet). */
const struct stats_global *stats_get(void);
/* Consistent copies of the last snapshot (refreshing once if none was taken),
 * taken under the lock; `detail` runs the detail pass first if needed.
 * stats_read_global clears out->arenas. False when no snapshot could be
 * made or, for an arena, slot > narenas. */
bool stats_read_global(struct stats_global *out);
bool stats_read_arena(unsigned slot, bool detail, struct stats_arena *out);
/* Per-run metadata bytes for the run-header overhead column: the struct slab
 * slot each slab or large run takes in its arena's header pool. */
size_t stats_run_header_bytes(void);
/* Chunk-header bytes per data page (page_owner[], page_slab[], dirty_ms[] and
 * the two bitmaps, amortised): a slab of n pages pins n times this. */
size_t stats_page_header_bytes(void);

void stats_prefork(void);
void stats_postfork_parent(void);
void stats_postfork_child(void);

#endif
