/* stats.c: statistics snapshots (see stats.h for definitions and sources). */
#include "stats.h"
#include "arena.h"
#include "heap.h"
#include "huge.h"
#include "base.h"
#include "pagemap.h"

#include <string.h>

/* The snapshot. stats_arenas is NULL until the first refresh, then holds
 * stats_snap.narenas + 1 entries from base_alloc (never freed). Everything
 * here is guarded by stats_mtx. */
static util_mutex_t stats_mtx = UTIL_MUTEX_INIT;
static struct stats_global stats_snap;
static struct stats_arena *stats_arenas;
static bool stats_taken;
static uint64_t stats_detail_epoch;   /* epoch the detail pass last filled */

size_t stats_run_header_bytes(void) { return ARENA_RUN_HDR; }

size_t stats_page_header_bytes(void) {
    return (sizeof(struct chunk) + CHUNK_NPAGES - 1) / CHUNK_NPAGES;
}

/* Owner-maintained words of other threads: plain loads, on purpose. */
TIDE_RACY_READER static uint32_t stats_slab_used(const struct slab *s) {
    return __atomic_load_n(&s->used, __ATOMIC_RELAXED);
}

TIDE_RACY_READER static uint64_t stats_word(const uint64_t *w) {
    return __atomic_load_n(w, __ATOMIC_RELAXED);
}

/* ---- the cheap pass: every epoch ------------------------------------------
 * O(chunks) per arena under its lock, plus O(heaps x classes) racy reads. */

static void stats_sum_arena(struct arena *a, struct stats_arena *sa) {
    util_lock(&a->lock);
    for (const struct chunk *c = a->chunks; c; c = c->next) {
        sa->nchunks++;
        sa->mapped += c->released ? (size_t)c->header_pages << SC_LG_PAGE : CHUNK_SIZE;
        sa->metadata += (size_t)c->header_pages << SC_LG_PAGE;
        sa->pdirty += c->ndirty;
        sa->retained += (size_t)(c->nfree - c->ndirty) << SC_LG_PAGE;
    }
    TIDE_ASSERT(sa->pdirty == a->ndirty);
    sa->pactive = a->pactive;
    sa->nthreads = __atomic_load_n(&a->nthreads, __ATOMIC_RELAXED);
    sa->large_allocated = a->ctr.large_allocated;
    sa->large_nmalloc = a->ctr.large_nmalloc;
    sa->large_ndalloc = a->ctr.large_nfree;
    sa->npurge = a->ctr.npurge;
    sa->purged = a->ctr.purged_pages;
    sa->nmadvise = a->ctr.nmadvise;
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        sa->bins[c].nslabs = a->ctr.slabs_created[c];
        sa->bins[c].curslabs = a->ctr.slabs_current[c];
        sa->bins[c].highslabs = a->ctr.slabs_high[c];
        /* Owners count these without the lock (arena_slab_note_full): exact
         * once the threads are quiet. */
        sa->bins[c].nunfull = __atomic_load_n(&a->ctr.slabs_unfull[c], __ATOMIC_RELAXED);
        sa->bins[c].nfull = __atomic_load_n(&a->ctr.slabs_full[c], __ATOMIC_RELAXED);
    }
    util_unlock(&a->lock);
    sa->small_resident = (sa->pactive << SC_LG_PAGE) - sa->large_allocated;
    sa->resident = ((sa->pactive + sa->pdirty) << SC_LG_PAGE) + sa->metadata;
}

TIDE_RACY_READER static struct arena *stats_heap_arena(const struct heap *h) {
    return __atomic_load_n(&h->arena, __ATOMIC_RELAXED);
}

/* Heaps' per-class counters: nmalloc and ndalloc attributed to each heap's
 * (current) arena, and live blocks per class for the merged slot. The frees
 * are read before nmalloc: every free counted was preceded by its malloc,
 * so a heap never shows more frees than mallocs. */
static void stats_sum_heaps(struct stats_arena *arenas, unsigned n, uint64_t *live) {
    for (const struct heap *h = heap_all(); h; h = h->next_all) {
        const struct arena *a = stats_heap_arena(h);
        unsigned i = a ? a->index : 0;
        if (i >= n) i = 0;
        struct stats_arena *sa = &arenas[i];
        for (unsigned c = 0; c < SC_NSMALL; c++) {
            uint64_t f = heap_bin_nfree(&h->bins[c]) + stats_word(&h->nfree_remote[c]);
            uint64_t m = stats_word(&h->bins[c].nmalloc);
            if (m < f) m = f;   /* weakly ordered stores seen out of order */
            sa->bins[c].nmalloc += m;
            sa->bins[c].nfree += f;
            live[c] += m - f;
        }
        /* Kept large runs (heap.h): freed and reused at the program's level. */
        uint64_t kept = stats_word(&h->lrun_nkeep), given = stats_word(&h->lrun_nflush);
        uint64_t kept_bytes = stats_word(&h->lrun_bytes);
        sa->large_nmalloc += stats_word(&h->lrun_nhit);
        sa->large_ndalloc += kept > given ? kept - given : 0;
        kept_bytes = TIDE_MIN(kept_bytes, (uint64_t)sa->large_allocated);
        sa->large_allocated -= (size_t)kept_bytes;
        sa->tcache_bytes += (size_t)kept_bytes;
        if (sa->large_ndalloc > sa->large_nmalloc) sa->large_ndalloc = sa->large_nmalloc;
    }
}

/* ---- the detail pass: on demand, at most once per epoch --------------------
 * Walks every run of every chunk under the arena lock: curregs (sum of
 * slab->used), small_allocated and nonfull_slabs per arena. */

#ifdef TIDE_DEBUG
static bool stats_page_free(const struct chunk *c, unsigned p) {
    return (c->free_bits[p >> 6] >> (p & 63)) & 1;
}
#endif

/* First allocated page at or after p, or CHUNK_NPAGES. */
static unsigned stats_next_used(const struct chunk *c, unsigned p) {
    while (p < CHUNK_NPAGES) {
        uint64_t w = ~c->free_bits[p >> 6] & (~(uint64_t)0 << (p & 63));
        if (w) return (p & ~63u) + (unsigned)__builtin_ctzll(w);
        p = (p & ~63u) + 64;
    }
    return CHUNK_NPAGES;
}

/* One chunk's runs into sa's per-class fields; returns pages in runs. */
static size_t stats_walk_chunk(const struct chunk *c, struct stats_arena *sa, uint64_t *slabs) {
    size_t pages = 0;
    unsigned p = stats_next_used(c, c->header_pages);
    while (p < CHUNK_NPAGES) {
        TIDE_ASSERT(!stats_page_free(c, p));
        const struct slab *r = c->page_slab[p];
        unsigned np = r->npages;
        TIDE_ASSERT(np >= 1 && p + np <= CHUNK_NPAGES);
        if (np == 0) np = 1;  /* never loop forever on a corrupt header */
        if (r->kind == RUN_SLAB && r->cls < SC_NSMALL) {
            struct stats_bin *b = &sa->bins[r->cls];
            uint32_t used = stats_slab_used(r);
            slabs[r->cls]++;
            b->curregs += used;
            if (used < r->nregs) b->nonfull_slabs++;
        } else {
            TIDE_ASSERT(r->kind == RUN_LARGE);
        }
        pages += np;
        p = stats_next_used(c, p + np);
    }
    return pages;
}

static void stats_walk_arena(struct arena *a, struct stats_arena *sa) {
    uint64_t slabs[SC_NSMALL] = {0};
    size_t pages = 0;
    util_lock(&a->lock);
    for (const struct chunk *c = a->chunks; c; c = c->next) pages += stats_walk_chunk(c, sa, slabs);
    TIDE_ASSERT(pages == a->pactive);
    for (unsigned c = 0; c < SC_NSMALL; c++) TIDE_ASSERT(slabs[c] == a->ctr.slabs_current[c]);
    util_unlock(&a->lock);
    (void)pages;
}

/* Everything but the per-class detail (curregs, nonfull_slabs) and
 * small_allocated, which stats_detail_locked adds. */
static void stats_add(struct stats_arena *d, const struct stats_arena *s) {
    d->nthreads += s->nthreads;
    d->pactive += s->pactive;
    d->pdirty += s->pdirty;
    d->pmuzzy += s->pmuzzy;
    d->mapped += s->mapped;
    d->retained += s->retained;
    d->metadata += s->metadata;
    d->resident += s->resident;
    d->large_allocated += s->large_allocated;
    d->small_nmalloc += s->small_nmalloc;
    d->small_ndalloc += s->small_ndalloc;
    d->large_nmalloc += s->large_nmalloc;
    d->large_ndalloc += s->large_ndalloc;
    d->small_resident += s->small_resident;
    d->tcache_bytes += s->tcache_bytes;
    d->npurge += s->npurge;
    d->purged += s->purged;
    d->nmadvise += s->nmadvise;
    d->nchunks += s->nchunks;
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        struct stats_bin *db = &d->bins[c];
        const struct stats_bin *sb = &s->bins[c];
        db->nmalloc += sb->nmalloc;
        db->nfree += sb->nfree;
        db->nrequests += sb->nrequests;
        db->nslabs += sb->nslabs;
        db->curslabs += sb->curslabs;
        db->highslabs += sb->highslabs;
        db->nfull += sb->nfull;
        db->nunfull += sb->nunfull;
    }
}

static bool stats_refresh_locked(void) {
    if (!stats_arenas) {
        unsigned n = arena_count();
        stats_arenas = base_alloc(((size_t)n + 1) * sizeof(struct stats_arena));
        if (!stats_arenas) return false;
        stats_snap.narenas = n;
        stats_snap.arenas = stats_arenas;
    }
    unsigned n = stats_snap.narenas;
    memset(stats_arenas, 0, ((size_t)n + 1) * sizeof(struct stats_arena));
    for (unsigned i = 0; i < n; i++) {
        struct arena *a = arena_get(i);
        if (a) stats_sum_arena(a, &stats_arenas[i]);
    }
    uint64_t live[SC_NSMALL] = {0};
    stats_sum_heaps(stats_arenas, n, live);
    struct stats_arena *all = &stats_arenas[n];
    for (unsigned i = 0; i < n; i++) {
        struct stats_arena *sa = &stats_arenas[i];
        for (unsigned c = 0; c < SC_NSMALL; c++) {
            sa->bins[c].nrequests = sa->bins[c].nmalloc;
            sa->small_nmalloc += sa->bins[c].nmalloc;
            sa->small_ndalloc += sa->bins[c].nfree;
        }
        stats_add(all, sa);
    }
    /* Live blocks of the merged slot: the heaps' counters (exact once the
     * threads are quiet; the detail pass finds the same sum of slab->used). */
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        all->bins[c].curregs = live[c];
        all->small_allocated += (size_t)live[c] * sc_size(c);
    }

    struct stats_global *g = &stats_snap;
    size_t hmapped = 0;
    huge_stats(&g->huge_allocated, &hmapped, &g->huge_nmalloc, &g->huge_nfree);
    g->huge_mapped = hmapped;
    g->base_mapped = base_mapped();
    g->pagemap_mapped = pagemap_mapped();
    arena_chunk_counts(&g->nchunks, &g->highchunks, &g->curchunks);
    g->allocated = all->small_allocated + all->large_allocated + g->huge_allocated;
    g->active = (all->pactive << SC_LG_PAGE) + g->huge_allocated;
    g->metadata = all->metadata + g->base_mapped + g->pagemap_mapped;
    g->resident = g->active + (all->pdirty << SC_LG_PAGE) + g->metadata;
    g->mapped = all->mapped + hmapped;
    /* Slot tails of huge mappings are never touched: address space only. */
    g->retained = all->retained + (hmapped > g->huge_allocated ? hmapped - g->huge_allocated : 0);
    g->epoch++;
    stats_taken = true;
    return true;
}

/* Blocks waiting in the heaps' bins are free for the program but still
 * count in their slab's used: take each off the curregs of the arena that
 * owns its chunk. The bins are the owners' plain words, read racily (a
 * stale entry is still a pointer the page map can classify). */
TIDE_RACY_READER static void stats_uncount_bins(struct stats_arena *arenas, unsigned n) {
    for (const struct heap *h = heap_all(); h; h = h->next_all) {
        for (unsigned c = 0; c < SC_NSMALL; c++) {
            const struct heap_bin *b = &h->bins[c];
            void *const *st = b->base;
            void **top = __atomic_load_n(&b->top, __ATOMIC_RELAXED);
            uint32_t k = top >= b->base && top <= b->limit ? (uint32_t)(top - b->base) : 0;
            for (uint32_t x = 0; x < k; x++) {
                uintptr_t e = pagemap_get(__atomic_load_n(&st[x], __ATOMIC_RELAXED));
                if (!pagemap_is_chunk(e)) continue;
                const struct chunk *ch = pagemap_ptr(e);
                unsigned i = ch->arena->index;
                if (i < n && arenas[i].bins[c].curregs) arenas[i].bins[c].curregs--;
            }
        }
    }
}

static void stats_detail_locked(void) {
    if (stats_detail_epoch == stats_snap.epoch) return;
    unsigned n = stats_snap.narenas;
    struct stats_arena *all = &stats_arenas[n];
    for (unsigned c = 0; c < SC_NSMALL; c++) all->bins[c].nonfull_slabs = 0;
    for (unsigned i = 0; i < n; i++) {
        struct arena *a = arena_get(i);
        struct stats_arena *sa = &stats_arenas[i];
        for (unsigned c = 0; c < SC_NSMALL; c++) sa->bins[c].curregs = sa->bins[c].nonfull_slabs = 0;
        if (a) stats_walk_arena(a, sa);
        for (unsigned c = 0; c < SC_NSMALL; c++) all->bins[c].nonfull_slabs += sa->bins[c].nonfull_slabs;
    }
    stats_uncount_bins(stats_arenas, n);
    for (unsigned i = 0; i < n; i++) {
        struct stats_arena *sa = &stats_arenas[i];
        sa->small_allocated = 0;
        for (unsigned c = 0; c < SC_NSMALL; c++)
            sa->small_allocated += (size_t)sa->bins[c].curregs * sc_size(c);
    }
    stats_detail_epoch = stats_snap.epoch;
}

static bool stats_ensure_locked(bool detail) {
    if (!stats_taken && !stats_refresh_locked()) return false;
    if (detail) stats_detail_locked();
    return true;
}

const struct stats_global *stats_refresh(void) {
    util_lock(&stats_mtx);
    bool ok = stats_refresh_locked();
    util_unlock(&stats_mtx);
    return ok ? &stats_snap : NULL;
}

const struct stats_global *stats_get(void) {
    util_lock(&stats_mtx);
    bool ok = stats_ensure_locked(true);
    util_unlock(&stats_mtx);
    return ok ? &stats_snap : NULL;
}

bool stats_read_global(struct stats_global *out) {
    util_lock(&stats_mtx);
    bool ok = stats_ensure_locked(false);
    if (ok) {
        *out = stats_snap;
        out->arenas = NULL;
    }
    util_unlock(&stats_mtx);
    return ok;
}

bool stats_read_arena(unsigned slot, bool detail, struct stats_arena *out) {
    util_lock(&stats_mtx);
    bool ok = stats_ensure_locked(detail) && slot <= stats_snap.narenas;
    if (ok) *out = stats_arenas[slot];
    util_unlock(&stats_mtx);
    return ok;
}

void stats_prefork(void) { util_lock(&stats_mtx); }
void stats_postfork_parent(void) { util_unlock(&stats_mtx); }
void stats_postfork_child(void) { util_mutex_reinit(&stats_mtx); }
