/* arena.c: chunks, first-fit page runs at the lowest address, and purging. */
#include "arena.h"
#include "base.h"
#include "conf.h"
#include "os.h"

#include <string.h>

static struct arena *arenas;
static unsigned narenas;
static unsigned arena_rr;   /* __atomic builtins only */
static uint64_t arena_boot_ms;
static struct heap_bin *arena_no_owner;   /* what pages without a slab name (arena_boot) */
/* Chunks of all arenas (arena_chunk_counts): __atomic builtins only, as
 * chunk_new and arena_release_empty run under different arenas' locks. */
static uint64_t arena_nchunks_made;
static size_t arena_chunks_cur, arena_chunks_high;

unsigned arena_count(void) { return narenas; }
struct arena *arena_get(unsigned i) { return i < narenas ? &arenas[i] : NULL; }

struct arena *arena_next_rr(void) {
    unsigned i = __atomic_fetch_add(&arena_rr, 1, __ATOMIC_RELAXED);
    if (conf_opt.bsd2006) return &arenas[i % narenas];   /* the paper: plain round-robin */
    /* The first arena with the fewest live threads (as jemalloc chooses).
     * While no thread exits this deals threads out exactly round-robin
     * (thread k gets arena k mod narenas); a program that keeps replacing
     * its threads reuses the arenas it already has memory in. */
    struct arena *best = &arenas[0];
    for (unsigned k = 1; k < narenas && __atomic_load_n(&best->nthreads, __ATOMIC_RELAXED); k++)
        if (__atomic_load_n(&arenas[k].nthreads, __ATOMIC_RELAXED) < __atomic_load_n(&best->nthreads, __ATOMIC_RELAXED))
            best = &arenas[k];
    return best;
}

bool arena_boot(unsigned n, struct heap_bin *no_owner) {
    arenas = base_alloc(sizeof(struct arena) * n);
    if (!arenas) return false;
    arena_boot_ms = os_now_ms();
    arena_no_owner = no_owner;
    for (unsigned i = 0; i < n; i++) {
        struct arena *a = &arenas[i];
        pthread_mutex_init(&a->lock, NULL);
        a->index = i;
        a->next_purge_ms = UINT64_MAX;
    }
    narenas = n;
    return true;
}

/* ---- bitmaps ---------------------------------------------------------- */

/* First index >= i whose bit equals `want`, looking no further than the
 * word holding bit limit - 1 (limit <= CHUNK_NPAGES); CHUNK_NPAGES if none
 * there. A result >= limit means: none below limit. */
static unsigned bit_next_below(const uint64_t *b, unsigned i, bool want, unsigned limit) {
    while (i < limit) {
        uint64_t w = want ? b[i >> 6] : ~b[i >> 6];
        w &= ~(uint64_t)0 << (i & 63);
        if (w) return (i & ~63u) + (unsigned)__builtin_ctzll(w);
        i = (i & ~63u) + 64;
    }
    return CHUNK_NPAGES;
}

/* First index >= i whose bit equals `want`, or CHUNK_NPAGES. */
static unsigned bit_next(const uint64_t *b, unsigned i, bool want) { return bit_next_below(b, i, want, CHUNK_NPAGES); }

static uint32_t arena_now32(uint64_t now) { return (uint32_t)(now - arena_boot_ms); }

/* ---- chunks ------------------------------------------------------------ */

/* A chunk's data pages were mapped (new, or released and mapped again). */
static void chunk_count_mapped(void) {
    __atomic_fetch_add(&arena_nchunks_made, 1, __ATOMIC_RELAXED);
    size_t cur = __atomic_add_fetch(&arena_chunks_cur, 1, __ATOMIC_RELAXED);
    size_t hi = __atomic_load_n(&arena_chunks_high, __ATOMIC_RELAXED);
    while (cur > hi && !__atomic_compare_exchange_n(&arena_chunks_high, &hi, cur, true, __ATOMIC_RELAXED,
                                                    __ATOMIC_RELAXED)) {
    }
}

void arena_chunk_counts(uint64_t *nchunks, size_t *highchunks, size_t *curchunks) {
    *nchunks = __atomic_load_n(&arena_nchunks_made, __ATOMIC_RELAXED);
    *highchunks = __atomic_load_n(&arena_chunks_high, __ATOMIC_RELAXED);
    *curchunks = __atomic_load_n(&arena_chunks_cur, __ATOMIC_RELAXED);
}

/* Every data page of c free (a chunk mapped again) or none (released). */
static void chunk_data_free(struct chunk *c, bool free) {
    for (unsigned i = c->header_pages; i < CHUNK_NPAGES; i++) {
        if (free) util_bit_set(c->free_bits, i);
        else util_bit_clear(c->free_bits, i);
    }
    c->nfree = free ? CHUNK_NPAGES - c->header_pages : 0;
    c->fail_hint = CHUNK_NPAGES + 1;
}

/* A chunk arena_release_empty released, mapped again (fresh pages: clean). */
static struct chunk *chunk_reuse_released(struct arena *a) {
    for (struct chunk *c = a->chunks; c; c = c->next) {
        if (!c->released) continue;
        char *data = (char *)c + ((size_t)c->header_pages << SC_LG_PAGE);
        if (!os_map_fixed(data, CHUNK_SIZE - ((size_t)c->header_pages << SC_LG_PAGE))) continue;
        c->released = false;
        chunk_data_free(c, true);
        chunk_count_mapped();
        return c;
    }
    return NULL;
}

static struct chunk *chunk_new(struct arena *a) {
    struct chunk *r = chunk_reuse_released(a);
    if (r) return r;
    struct chunk *c = os_map_aligned(CHUNK_SIZE, CHUNK_SIZE);
    if (!c) return NULL;
    c->arena = a;
    c->header_pages = (uint32_t)((sizeof(struct chunk) + SC_PAGE - 1) >> SC_LG_PAGE);
    for (unsigned i = c->header_pages; i < CHUNK_NPAGES; i++) util_bit_set(c->free_bits, i);
    /* Pages with no run map to the static empty slab (no owner, RUN_FREE), so
     * a lookup never reads a NULL header. */
    for (unsigned i = 0; i < CHUNK_NPAGES; i++) {
        c->page_slab[i] = &slab_empty;
        c->page_owner[i] = arena_no_owner;
    }
    c->nfree = CHUNK_NPAGES - c->header_pages;
    c->fail_hint = CHUNK_NPAGES + 1;
    if (!pagemap_set(c, CHUNK_SIZE, (uintptr_t)c | PAGEMAP_TAG_CHUNK)) {
        pagemap_set(c, CHUNK_SIZE, 0);
        os_unmap(c, CHUNK_SIZE);
        return NULL;
    }
    struct chunk **pp = &a->chunks;   /* keep ascending address order */
    while (*pp && *pp < c) pp = &(*pp)->next;
    c->next = *pp;
    *pp = c;
    a->nchunks++;
    chunk_count_mapped();
    return c;
}

/* First free run of n pages starting at a multiple of `align` pages. */
static long chunk_find_run(const struct chunk *c, unsigned n, unsigned align) {
    unsigned i = c->header_pages;
    for (;;) {
        i = bit_next(c->free_bits, i, true);
        if (i + n > CHUNK_NPAGES) return -1;
        unsigned al = (i + align - 1) / align * align;
        if (al != i) {
            i = al;
            continue;
        }
        unsigned j = bit_next_below(c->free_bits, i, false, i + n);   /* only [i, i+n) need be free */
        if (j - i >= n) return i;
        i = j;
    }
}

/* A run header from a's pool (NULL when base memory runs out). */
static struct slab *arena_hdr_get(struct arena *a) {
    enum { BATCH = 64 };
    if (TIDE_UNLIKELY(!a->spare_hdrs)) {
        char *m = base_alloc((size_t)BATCH * ARENA_RUN_HDR);   /* 64-byte aligned */
        if (!m) return NULL;
        for (unsigned k = 0; k < BATCH; k++) {
            struct slab *s = (struct slab *)(m + (size_t)k * ARENA_RUN_HDR);
            s->next = a->spare_hdrs;
            a->spare_hdrs = s;
        }
    }
    struct slab *s = a->spare_hdrs;
    a->spare_hdrs = s->next;
    memset(s, 0, sizeof *s);
    return s;
}

/* A freed run's header back to the pool. */
static void arena_hdr_put(struct arena *a, struct slab *s) {
    s->kind = RUN_FREE;
    s->next = a->spare_hdrs;
    a->spare_hdrs = s;
}

/* Bits [i, i+n) of bitmap b, a word at a time: f(word, mask) for each word. */
#define BITS_RANGE(b, i, n, w, m, body)                                                     \
    do {                                                                                    \
        unsigned s_ = (i), e_ = (i) + (n);                                                  \
        if (s_ >= e_) break;                                                                \
        unsigned ws_ = s_ >> 6, we_ = (e_ - 1) >> 6;                                        \
        for (unsigned k_ = ws_; k_ <= we_; k_++) {                                          \
            uint64_t m = ~(uint64_t)0;                                                      \
            if (k_ == ws_) m &= ~(uint64_t)0 << (s_ & 63);                                  \
            if (k_ == we_) m &= ~(uint64_t)0 >> (63 - ((e_ - 1) & 63));                     \
            uint64_t *w = &(b)[k_];                                                         \
            body;                                                                           \
        }                                                                                   \
    } while (0)

/* Take pages [i, i+n) of c for run `run`, pointing the first `nmap` of them
 * at it (page_slab[]). Returns how many of its first pages may hold old data:
 * pages [i, i + result) span every page that was dirty (0: all read as zero).
 * The run's owner must give at least those back as dirty (chunk_give). */
static unsigned chunk_take(struct arena *a, struct chunk *c, unsigned i, unsigned n, struct slab *run, unsigned nmap) {
    unsigned was_dirty = 0, dirty_end = 0;
    BITS_RANGE(c->free_bits, i, n, w, m, { TIDE_ASSERT((*w & m) == m); *w &= ~m; });
    BITS_RANGE(c->dirty_bits, i, n, w, m, {
        uint64_t d = *w & m;
        if (d) {
            /* A full word needs no popcount (x86-64's base ISA has no popcnt). */
            was_dirty += d == ~(uint64_t)0 ? 64u : (unsigned)__builtin_popcountll(d);
            dirty_end = (unsigned)((w - c->dirty_bits) * 64 + 64 - __builtin_clzll(d)) - i;
            *w &= ~m;
        }
    });
    for (unsigned p = i; p < i + nmap; p++) c->page_slab[p] = run;
    c->ndirty -= was_dirty;
    a->ndirty -= was_dirty;
    c->nfree -= n;
    a->pactive += n;
    return dirty_end;
}

/* Give pages [i, i+n) back; the first `touched` of them become dirty, and
 * the first `nmap` of them stop naming a run (page_slab[] = slab_empty). */
static void chunk_give(struct arena *a, struct chunk *c, unsigned i, unsigned n, unsigned touched, unsigned nmap,
                       uint64_t now) {
    uint32_t t = arena_now32(now);
#ifdef TIDE_DEBUG
    /* The pages given back clean must read as zero (calloc relies on it). */
    for (unsigned p = i + touched; p < i + n; p++) {
        const uint64_t *w = (const uint64_t *)((const char *)c + ((size_t)p << SC_LG_PAGE));
        for (size_t k = 0; k < SC_PAGE / sizeof *w; k++) TIDE_ASSERT(w[k] == 0);
    }
#endif
    BITS_RANGE(c->free_bits, i, n, w, m, { *w |= m; });
    BITS_RANGE(c->dirty_bits, i, touched, w, m, { *w |= m; });
    util_fill32(&c->dirty_ms[i], t, touched);
    for (unsigned p = i; p < i + nmap; p++) c->page_slab[p] = &slab_empty;
    c->nfree += n;
    c->ndirty += touched;
    a->ndirty += touched;
    a->pactive -= n;
    c->fail_hint = CHUNK_NPAGES + 1;
    if (touched && conf_opt.dirty_decay_ms >= 0) {
        uint64_t due = now + (uint64_t)conf_opt.dirty_decay_ms;
        if (due < a->next_purge_ms) a->next_purge_ms = due;
    }
}

/* Give back pages [i, j) of c, all of them dirty: they become clean (read
 * as zero). Returns the page count. */
static unsigned chunk_purge_dirty(struct arena *a, struct chunk *c, unsigned i, unsigned j) {
    BITS_RANGE(c->dirty_bits, i, j - i, w, m, { TIDE_ASSERT((*w & m) == m); *w &= ~m; });
    os_purge((char *)c + ((size_t)i << SC_LG_PAGE), (size_t)(j - i) << SC_LG_PAGE);
    a->ctr.nmadvise++;
    c->ndirty -= j - i;
    a->ndirty -= j - i;
    return j - i;
}

/* No free run of the arena fits n pages, so it maps a chunk: first give back
 * now, not after the decay delay, the dirty pages of free runs shorter than n.
 * They could not serve this request; kept until the delay ends they would stay
 * resident beside the new chunk, so that a program that left its free memory
 * in pieces too small for what it now allocates would hold both (fragprobe's
 * refill maps chunks well within the delay). Free runs of n pages or more stay
 * dirty for the next fit. */
static TIDE_NOINLINE void arena_purge_short_slow(struct arena *a, unsigned n) {
    size_t purged = 0;
    for (struct chunk *c = a->chunks; c; c = c->next) {
        if (!c->ndirty) continue;
        unsigned i = c->header_pages;
        while ((i = bit_next(c->free_bits, i, true)) < CHUNK_NPAGES) {
            unsigned end = bit_next(c->free_bits, i, false);   /* free run [i, end) */
            for (unsigned d = i; end - i < n && (d = bit_next(c->dirty_bits, d, true)) < end;) {
                unsigned e = TIDE_MIN(bit_next(c->dirty_bits, d, false), end);
                purged += chunk_purge_dirty(a, c, d, e);
                d = e;
            }
            i = end;
        }
    }
    if (purged) {
        a->ctr.npurge++;
        a->ctr.purged_pages += purged;
    }
}

/* Lowest-address first fit over the arena's chunks; maps a chunk if none fits
 * (and then sets *grew). *dirty_end: see chunk_take. */
static void *arena_run_alloc(struct arena *a, unsigned n, unsigned align, unsigned nmap, struct chunk **cp,
                             unsigned *dirty_end, bool *grew) {
    struct slab *run = arena_hdr_get(a);
    if (!run) return NULL;
    for (struct chunk *c = a->chunks; c; c = c->next) {
        if (c->nfree < n || n >= c->fail_hint) continue;
        long i = chunk_find_run(c, n, align);
        if (i < 0) {
            c->fail_hint = n;
            continue;
        }
        *dirty_end = chunk_take(a, c, (unsigned)i, n, run, nmap);
        *cp = c;
        return (char *)c + ((size_t)i << SC_LG_PAGE);
    }
    if (a->ndirty && conf_opt.dirty_decay_ms >= 0) arena_purge_short_slow(a, n);
    struct chunk *c = chunk_new(a);
    long i = c ? chunk_find_run(c, n, align) : -1;
    if (c) *grew = true;
    if (i < 0) {
        arena_hdr_put(a, run);
        return NULL;
    }
    *dirty_end = chunk_take(a, c, (unsigned)i, n, run, nmap);
    *cp = c;
    return (char *)c + ((size_t)i << SC_LG_PAGE);
}

static unsigned run_first_page(const struct chunk *c, const struct slab *run) {
    return (unsigned)((run->base - (uintptr_t)c) >> SC_LG_PAGE);
}

/* ---- purging ----------------------------------------------------------- */

static size_t arena_purge_locked(struct arena *a, bool all, uint64_t now) {
    size_t purged = 0;
    uint64_t next_due = UINT64_MAX;
    int64_t decay = conf_opt.dirty_decay_ms;
    uint32_t t = arena_now32(now);
    for (struct chunk *c = a->chunks; c; c = c->next) {
        if (!c->ndirty) continue;
        unsigned i = c->header_pages;
        while ((i = bit_next(c->dirty_bits, i, true)) < CHUNK_NPAGES) {
            uint32_t age = t - c->dirty_ms[i];
            bool due = all || (decay >= 0 && age >= (uint64_t)decay);
            if (!due) {
                uint64_t d = now + ((uint64_t)decay - age);
                if (d < next_due) next_due = d;
                i++;
                continue;
            }
            unsigned j = i;
            while (j < CHUNK_NPAGES && util_bit_get(c->dirty_bits, j) &&
                   (all || (uint32_t)(t - c->dirty_ms[j]) >= (uint64_t)decay))
                j++;
            purged += chunk_purge_dirty(a, c, i, j);
            i = j;
        }
    }
    a->next_purge_ms = a->ndirty ? next_due : UINT64_MAX;
    a->ctr.npurge++;
    a->ctr.purged_pages += purged;
    return purged;
}

static void arena_maybe_purge_locked(struct arena *a) {
    if (a->ndirty == 0 || conf_opt.dirty_decay_ms < 0) return;
    uint64_t now = os_now_ms();
    if (now >= a->next_purge_ms) arena_purge_locked(a, false, now);
}

unsigned arena_release_empty(void) {
    unsigned n = 0;
    for (unsigned i = 0; i < narenas; i++) {
        struct arena *a = &arenas[i];
        util_lock(&a->lock);
        for (struct chunk *c = a->chunks; c; c = c->next) {
            if (c->released || c->nfree != CHUNK_NPAGES - c->header_pages) continue;
            char *data = (char *)c + ((size_t)c->header_pages << SC_LG_PAGE);
            os_unmap(data, CHUNK_SIZE - ((size_t)c->header_pages << SC_LG_PAGE));
            a->ndirty -= c->ndirty;
            c->ndirty = 0;
            memset(c->dirty_bits, 0, sizeof c->dirty_bits);
            chunk_data_free(c, false);
            c->released = true;
            __atomic_fetch_sub(&arena_chunks_cur, 1, __ATOMIC_RELAXED);
            n++;
        }
        util_unlock(&a->lock);
    }
    return n;
}

size_t arena_purge(struct arena *a, bool all) {
    util_lock(&a->lock);
    size_t n = arena_purge_locked(a, all, os_now_ms());
    util_unlock(&a->lock);
    return n;
}

/* The unlocked look at ndirty only decides whether to take the lock; a
 * stale value delays the purge to the next call. */
TIDE_RACY_READER static bool arena_may_have_dirty(const struct arena *a) {
    return __atomic_load_n(&a->ndirty, __ATOMIC_RELAXED) != 0;
}

void arena_maybe_purge(struct arena *a) {
    if (!arena_may_have_dirty(a)) return;
    util_lock(&a->lock);
    arena_maybe_purge_locked(a);
    util_unlock(&a->lock);
}

/* ---- slabs and large runs --------------------------------------------- */

void arena_set_owner(struct slab *s, unsigned mask, struct heap_bin *b) {
    struct chunk *c = chunk_of((void *)s->base);
    size_t first = chunk_page_of((void *)s->base);
    if (!b) b = arena_no_owner;
    for (unsigned p = 0; p < s->npages; p++)
        if (mask & (1u << p)) c->page_owner[first + p] = b;
}

struct slab *arena_slab_alloc(struct arena *a, unsigned cls, bool locked, bool *grew) {
    const struct sc_info *ci = &sc_table[cls];
    struct chunk *c;
    unsigned dirty_end;
    if (!locked) util_lock(&a->lock);
    char *p = arena_run_alloc(a, ci->slab_pages, 1, ci->slab_pages, &c, &dirty_end, grew);
    struct slab *s = NULL;
    if (p) {
        s = chunk_run_of(c, p);
        slab_init(s, cls, NULL, (uintptr_t)p);
        s->dirty_pages = (uint16_t)dirty_end;
        a->ctr.slabs_created[cls]++;
        if (++a->ctr.slabs_current[cls] > a->ctr.slabs_high[cls]) a->ctr.slabs_high[cls] = a->ctr.slabs_current[cls];
        /* KiB of this class's slabs in the arena: refine it past the threshold
         * (sc.h). The count first: most slabs come below it. */
        if (conf_opt.class_refine_kb >= 0 &&
            a->ctr.slabs_current[cls] * ci->slab_pages * (SC_PAGE >> 10) >= (uint64_t)conf_opt.class_refine_kb &&
            sc_refinable(cls))
            sc_refine(cls);
    }
    arena_maybe_purge_locked(a);
    if (!locked) util_unlock(&a->lock);
    return s;
}

void arena_slab_note_full(const struct slab *s) {
    struct arena *a = chunk_of((void *)s->base)->arena;
    __atomic_fetch_add(&a->ctr.slabs_full[s->cls], 1, __ATOMIC_RELAXED);
}

void arena_slab_note_unfull(const struct slab *s) {
    struct arena *a = chunk_of((void *)s->base)->arena;
    __atomic_fetch_add(&a->ctr.slabs_unfull[s->cls], 1, __ATOMIC_RELAXED);
}

void arena_slab_free(struct slab *s, bool locked) {
    struct chunk *c = pagemap_ptr(pagemap_get((void *)s->base));
    struct arena *a = c->arena;
    /* Pages may hold data up to the last carved block, and the first
     * dirty_pages held old data when the slab took them: both stay dirty.
     * The pages past both read as zero. */
    uintptr_t touched_end = TIDE_ALIGN_UP(s->base + (uintptr_t)s->capacity * s->block_size, SC_PAGE);
    unsigned touched = TIDE_MAX((unsigned)((touched_end - s->base) >> SC_LG_PAGE), (unsigned)s->dirty_pages);
    uint64_t now = os_now_ms();
    if (!locked) util_lock(&a->lock);
    TIDE_ASSERT(s->used == 0);
    a->ctr.slabs_current[s->cls]--;
    unsigned first = run_first_page(c, s);
    arena_set_owner(s, ~0u, NULL);
    s->heap = NULL;
    chunk_give(a, c, first, s->npages, TIDE_MIN(touched, s->npages), s->npages, now);
    arena_hdr_put(a, s);
    if (conf_opt.dirty_decay_ms == 0) arena_purge_locked(a, false, now);
    else arena_maybe_purge_locked(a);
#ifdef TIDE_DEBUG
    arena_check_chunk(c);
#endif
    if (!locked) util_unlock(&a->lock);
}

void *arena_large_alloc(struct arena *a, size_t size, size_t align, bool zero, bool *grew) {
    unsigned n = (unsigned)(size >> SC_LG_PAGE);
    unsigned al = (unsigned)(TIDE_MAX(align, SC_PAGE) >> SC_LG_PAGE);
    struct chunk *c;
    unsigned dirty_end = 0;
    util_lock(&a->lock);
    char *p = arena_run_alloc(a, n, al, 1, &c, &dirty_end, grew);
    if (p) {
        struct slab *r = chunk_run_of(c, p);   /* zeroed by arena_hdr_get */
        r->kind = RUN_LARGE;
        r->npages = n;
        r->base = (uintptr_t)p;
        a->ctr.large_nmalloc++;
        a->ctr.large_allocated += size;
    }
    arena_maybe_purge_locked(a);
    util_unlock(&a->lock);
    if (p && zero && dirty_end) memset(p, 0, (size_t)dirty_end << SC_LG_PAGE);   /* the rest reads as zero */
    return p;
}

void arena_large_free(struct chunk *c, struct slab *run) {
    struct arena *a = c->arena;
    uint64_t now = os_now_ms();
    util_lock(&a->lock);
    a->ctr.large_nfree++;
    a->ctr.large_allocated -= (size_t)run->npages << SC_LG_PAGE;
    chunk_give(a, c, run_first_page(c, run), run->npages, run->npages, 1, now);
    arena_hdr_put(a, run);
    if (conf_opt.dirty_decay_ms == 0) arena_purge_locked(a, false, now);
    else arena_maybe_purge_locked(a);
    util_unlock(&a->lock);
}

bool arena_large_resize(struct chunk *c, struct slab *run, size_t size) {
    struct arena *a = c->arena;
    unsigned first = run_first_page(c, run), n = (unsigned)(size >> SC_LG_PAGE);
    bool ok = true;
    util_lock(&a->lock);
    if (n < run->npages) {
        chunk_give(a, c, first + n, run->npages - n, run->npages - n, 0, os_now_ms());
        a->ctr.large_allocated -= (size_t)(run->npages - n) << SC_LG_PAGE;
        run->npages = n;
    } else if (n > run->npages) {
        unsigned end = first + run->npages;
        ok = first + n <= CHUNK_NPAGES && bit_next_below(c->free_bits, end, false, first + n) >= first + n;
        if (ok) {
            chunk_take(a, c, end, first + n - end, run, 0);
            a->ctr.large_allocated += (size_t)(n - run->npages) << SC_LG_PAGE;
            run->npages = n;
        }
    }
    util_unlock(&a->lock);
    return ok;
}

/* ---- fork and checks --------------------------------------------------- */

void arena_prefork(void) {
    for (unsigned i = 0; i < narenas; i++) util_lock(&arenas[i].lock);
}
void arena_postfork_parent(void) {
    for (unsigned i = 0; i < narenas; i++) util_unlock(&arenas[i].lock);
}
void arena_postfork_child(void) {
    for (unsigned i = 0; i < narenas; i++) util_mutex_reinit(&arenas[i].lock);
}

void arena_check_chunk(const struct chunk *c) {
#ifdef TIDE_DEBUG
    if (c->released) {
        TIDE_ASSERT(c->nfree == 0 && c->ndirty == 0);
        return;
    }
    unsigned nfree = 0, ndirty = 0;
    for (unsigned i = 0; i < CHUNK_NPAGES; i++) {
        bool f = util_bit_get(c->free_bits, i), d = util_bit_get(c->dirty_bits, i);
        TIDE_ASSERT(!d || f);
        TIDE_ASSERT(!(f && i < c->header_pages));
        nfree += f;
        ndirty += d;
    }
    TIDE_ASSERT(nfree == c->nfree && ndirty == c->ndirty);
    for (unsigned i = c->header_pages; i < CHUNK_NPAGES;) {
        if (util_bit_get(c->free_bits, i)) { i++; continue; }
        const struct slab *r = c->page_slab[i];
        TIDE_ASSERT(r->kind == RUN_SLAB || r->kind == RUN_LARGE);
        TIDE_ASSERT(r->base == (uintptr_t)c + ((uintptr_t)i << SC_LG_PAGE));
        TIDE_ASSERT(r->npages >= 1 && i + r->npages <= CHUNK_NPAGES);
        for (unsigned p = i; p < i + r->npages; p++) {
            TIDE_ASSERT(!util_bit_get(c->free_bits, p));
            TIDE_ASSERT(c->page_slab[p] == (r->kind == RUN_SLAB || p == i ? r : &slab_empty));
        }
        i += r->npages;
    }
#else
    (void)c;
#endif
}
