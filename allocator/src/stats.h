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
    struct stats_bin bins[SC_NSMALL];
};

struct stats_global {
    uint64_t epoch;
    size_t allocated, active, resident, mapped, metadata, retained;
    size_t huge_allocated;
    uint64_t huge_nmalloc, huge_nfree;
    unsigned narenas;
    struct stats_arena *arenas;   /* narenas + 1 entries; [narenas] merges all */
};

/* Take a new snapshot; returns it. Thread-safe (serialised by a lock). */
const struct stats_global *stats_refresh(void);
/* The last snapshot (refreshing once if none was taken). */
const struct stats_global *stats_get(void);
/* Per-slab metadata bytes for the run-header overhead column. */
size_t stats_run_header_bytes(void);

#endif
