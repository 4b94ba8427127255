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

size_t stats_run_header_bytes(void) { return sizeof(struct slab); }

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

static bool stats_page_free(const struct chunk *c, unsigned p) {
    return (c->free_bits[p >> 6] >> (p & 63)) & 1;
}

/* One chunk's pages and runs into sa. Caller holds the arena lock. */
static void stats_walk_chunk(const struct chunk *c, struct stats_arena *sa) {
    sa->nchunks++;
    sa->mapped += CHUNK_SIZE;
    sa->metadata += (size_t)c->header_pages << SC_LG_PAGE;
    sa->pdirty += c->ndirty;
    sa->retained += (size_t)(c->nfree - c->ndirty) << SC_LG_PAGE;
    unsigned p = c->header_pages;
    while (p < CHUNK_NPAGES) {
        if ((p & 63) == 0 && c->free_bits[p >> 6] == ~(uint64_t)0) {
            p += 64;
            continue;
        }
        if (stats_page_free(c, p)) {
            p++;
            continue;
        }
        const struct slab *r = &c->runs[p];
        unsigned np = r->npages;
        TIDE_ASSERT(np >= 1 && p + np <= CHUNK_NPAGES);
        if (np == 0) np = 1;  /* never loop forever on a corrupt header */
        if (r->kind == RUN_SLAB && r->cls < SC_NSMALL) {
            struct stats_bin *b = &sa->bins[r->cls];
            uint32_t used = stats_slab_used(r);
            b->curslabs++;
            b->curregs += used;
            if (used < r->nregs) b->nonfull_slabs++;
            sa->small_resident += (size_t)np << SC_LG_PAGE;
        } else {
            TIDE_ASSERT(r->kind == RUN_LARGE);
            sa->large_allocated += (size_t)np << SC_LG_PAGE;
        }
        sa->pactive += np;
        p += np;
    }
}

static void stats_walk_arena(struct arena *a, struct stats_arena *sa) {
    util_lock(&a->lock);
    for (const struct chunk *c = a->chunks; c; c = c->next) stats_walk_chunk(c, sa);
    TIDE_ASSERT(sa->pactive == a->pactive);
    TIDE_ASSERT(sa->pdirty == a->ndirty);
    sa->nthreads = __atomic_load_n(&a->nthreads, __ATOMIC_RELAXED);
    sa->large_nmalloc = a->ctr.large_nmalloc;
    sa->large_ndalloc = a->ctr.large_nfree;
    sa->npurge = a->ctr.npurge;
    sa->purged = a->ctr.purged_pages;
    for (unsigned c = 0; c < SC_NSMALL; c++) sa->bins[c].nslabs = a->ctr.slabs_created[c];
    util_unlock(&a->lock);
}

/* Heaps' per-class counters, attributed to each heap's arena. */
static void stats_walk_heaps(struct stats_arena *arenas, unsigned n) {
    for (const struct heap *h = heap_all(); h; h = h->next_all) {
        unsigned i = h->arena ? h->arena->index : 0;
        if (i >= n) i = 0;
        struct stats_arena *sa = &arenas[i];
        for (unsigned c = 0; c < SC_NSMALL; c++) {
            sa->bins[c].nmalloc += stats_word(&h->nmalloc[c]);
            sa->bins[c].nfree += stats_word(&h->nfree[c]) + stats_word(&h->nfree_remote[c]);
        }
    }
}

static void stats_add(struct stats_arena *d, const struct stats_arena *s) {
    d->nthreads += s->nthreads;
    d->pactive += s->pactive;
    d->pdirty += s->pdirty;
    d->pmuzzy += s->pmuzzy;
    d->mapped += s->mapped;
    d->retained += s->retained;
    d->metadata += s->metadata;
    d->resident += s->resident;
    d->small_allocated += s->small_allocated;
    d->large_allocated += s->large_allocated;
    d->small_nmalloc += s->small_nmalloc;
    d->small_ndalloc += s->small_ndalloc;
    d->large_nmalloc += s->large_nmalloc;
    d->large_ndalloc += s->large_ndalloc;
    d->small_resident += s->small_resident;
    d->npurge += s->npurge;
    d->purged += s->purged;
    d->nchunks += s->nchunks;
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        struct stats_bin *db = &d->bins[c];
        const struct stats_bin *sb = &s->bins[c];
        db->nmalloc += sb->nmalloc;
        db->nfree += sb->nfree;
        db->nrequests += sb->nrequests;
        db->curregs += sb->curregs;
        db->nslabs += sb->nslabs;
        db->curslabs += sb->curslabs;
        db->nonfull_slabs += sb->nonfull_slabs;
    }
}

/* Derived per-arena fields, once walks and heap counters are in. */
static void stats_finish_arena(struct stats_arena *sa) {
    sa->pmuzzy = 0;
    sa->small_allocated = 0;
    sa->small_nmalloc = sa->small_ndalloc = 0;
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        struct stats_bin *b = &sa->bins[c];
        b->nrequests = b->nmalloc;
        sa->small_allocated += (size_t)b->curregs * sc_size(c);
        sa->small_nmalloc += b->nmalloc;
        sa->small_ndalloc += b->nfree;
    }
    sa->resident = ((sa->pactive + sa->pdirty) << SC_LG_PAGE) + sa->metadata;
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
        if (a) stats_walk_arena(a, &stats_arenas[i]);
    }
    stats_walk_heaps(stats_arenas, n);
    struct stats_arena *all = &stats_arenas[n];
    for (unsigned i = 0; i < n; i++) {
        stats_finish_arena(&stats_arenas[i]);
        stats_add(all, &stats_arenas[i]);
    }

    struct stats_global *g = &stats_snap;
    size_t hmapped = 0;
    huge_stats(&g->huge_allocated, &hmapped, &g->huge_nmalloc, &g->huge_nfree);
    g->huge_mapped = hmapped;
    g->base_mapped = base_mapped();
    g->pagemap_mapped = pagemap_mapped();
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

const struct stats_global *stats_refresh(void) {
    util_lock(&stats_mtx);
    bool ok = stats_refresh_locked();
    util_unlock(&stats_mtx);
    return ok ? &stats_snap : NULL;
}

const struct stats_global *stats_get(void) {
    util_lock(&stats_mtx);
    bool ok = stats_taken || stats_refresh_locked();
    util_unlock(&stats_mtx);
    return ok ? &stats_snap : NULL;
}

bool stats_read_global(struct stats_global *out) {
    util_lock(&stats_mtx);
    bool ok = stats_taken || stats_refresh_locked();
    if (ok) {
        *out = stats_snap;
        out->arenas = NULL;
    }
    util_unlock(&stats_mtx);
    return ok;
}

bool stats_read_arena(unsigned slot, struct stats_arena *out) {
    util_lock(&stats_mtx);
    bool ok = (stats_taken || stats_refresh_locked()) && slot <= stats_snap.narenas;
    if (ok) *out = stats_arenas[slot];
    util_unlock(&stats_mtx);
    return ok;
}

void stats_prefork(void) { util_lock(&stats_mtx); }
void stats_postfork_parent(void) { util_unlock(&stats_mtx); }
void stats_postfork_child(void) { util_mutex_reinit(&stats_mtx); }
