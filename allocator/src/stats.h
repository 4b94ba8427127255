/*
 * stats.h: statistics snapshots. stats_refresh() walks every arena, chunk
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
 * Where each number comes from:
 *  - Everything about pages, runs and slabs (pactive, pdirty, retained,
 *    curslabs, nonfull_slabs, curregs, small/large allocated) comes from a
 *    walk of every chunk of every arena under that arena's lock.
 *  - curregs of a bin is the sum of slab->used over the arena's slabs of that
 *    class. used is maintained by the slab's owner and counts every block
 *    handed out and not yet returned (blocks waiting in thread_free still
 *    count), so the sum is exact for any set of quiet threads, per arena,
 *    and never drifts. (The alternative, sum of heap nmalloc - nfree, is
 *    the same number globally but attributes blocks to the heap's arena
 *    rather than the chunk's, so it is not used for curregs.)
 *  - nmalloc / ndalloc of a bin are the heaps' cumulative counters
 *    (ndalloc = nfree + nfree_remote: remote frees count once the owner
 *    collects them, exactly when they leave slab->used), attributed to
 *    heap->arena; nrequests == nmalloc. So, with quiet threads, merged
 *    nmalloc - ndalloc == curregs for every class.
 *  - nslabs (slabs created) and the purge and large counters are the
 *    arena's own counters, read under its lock.
 * Invariants of a snapshot: resident >= active, mapped >= active,
 * arenas[i].pactive * page == small_resident + large_allocated, and
 * arenas[narenas] is the field-by-field sum of arenas[0 .. narenas-1].
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
};

struct stats_arena {
    unsigned nthreads;
    size_t pactive, pdirty, pmuzzy; /* pages; pmuzzy is always 0 */
    size_t mapped, retained, metadata, resident;
    size_t small_allocated, large_allocated;
    uint64_t small_nmalloc, small_ndalloc, large_nmalloc, large_ndalloc;
    size_t small_resident;          /* pages of slabs, in bytes */
    uint64_t npurge, purged;        /* purge passes, pages purged */
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
    unsigned narenas;
    struct stats_arena *arenas;   /* narenas + 1 entries; [narenas] merges all */
};

/* Take a new snapshot; returns it (NULL if its memory could not be mapped).
 * Thread-safe (serialised by a lock). The returned pointer stays valid, but
 * a concurrent refresh rewrites it: use the stats_read_* copies below when
 * other threads may refresh. */
const struct stats_global *stats_refresh(void);
/* The last snapshot (refreshing once if none was taken). */
const struct stats_global *stats_get(void);
/* Consistent copies of the last snapshot (refreshing once if none was taken),
 * taken under the lock. stats_read_global clears out->arenas. False when no
 * snapshot could be made or, for an arena, slot > narenas. */
bool stats_read_global(struct stats_global *out);
bool stats_read_arena(unsigned slot, struct stats_arena *out);
/* Per-slab metadata bytes for the run-header overhead column: the struct slab
 * kept in the chunk header for every slab. */
size_t stats_run_header_bytes(void);
/* Chunk-header bytes per data page (runs[], page_run[], dirty_ms[] and the
 * two bitmaps, amortised): a slab of n pages pins n times this. */
size_t stats_page_header_bytes(void);

void stats_prefork(void);
void stats_postfork_parent(void);
void stats_postfork_child(void);

#endif
