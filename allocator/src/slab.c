/* slab.c: blocks inside one slab: lazy carving, collection, remote frees. */
#include "slab.h"
#include "os.h"

#include <string.h>

struct slab slab_empty;
uintptr_t slab_link_key;

void slab_init(struct slab *s, unsigned cls, struct heap *owner, uintptr_t base) {
    const struct sc_info *ci = &sc_table[cls];
    s->free = NULL;
    s->local_free = NULL;
    s->heap = owner;
    s->used = 0;
    s->capacity = 0;
    s->block_size = ci->size;
    s->nregs = ci->nregs;
    s->cls = (uint8_t)cls;
    s->kind = RUN_SLAB;
    s->linked = 0;
    s->shared = 0;
    s->scavenged = SLAB_SCAV_NONE;
    s->sparse_next = s->sparse_prev = NULL;
    __atomic_store_n(&s->purged, 0, __ATOMIC_RELAXED);
    s->cached = 0;
    s->npages = ci->slab_pages;
    s->base = base;
    s->div_magic = UINT64_MAX / ci->size + 1;
    s->next = s->prev = NULL;
    __atomic_store_n(&s->thread_free, SLAB_TF_NORMAL, __ATOMIC_RELAXED);
    __atomic_store_n(&s->pending_next, NULL, __ATOMIC_RELAXED);
}

uint32_t slab_collect(struct slab *s) {
    if (!s->free) {
        s->free = s->local_free;
        s->local_free = NULL;
    }
    uintptr_t tf = __atomic_load_n(&s->thread_free, __ATOMIC_RELAXED);
    if ((tf & ~SLAB_TF_MASK) == 0) return 0;
    /* Take the whole remote list, keeping the state bits. */
    while (!__atomic_compare_exchange_n(&s->thread_free, &tf, tf & SLAB_TF_MASK, true,
                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
    }
    slab_block_t *head = (slab_block_t *)(tf & ~SLAB_TF_MASK);
    slab_block_t *tail = head;
    uint32_t n = 1;
    while (slab_raw_next(tail)) {   /* remote frees: plain links (slab.h) */
        tail = slab_raw_next(tail);
        n++;
    }
    slab_set_raw_next(tail, s->free);
    s->free = head;
    s->used -= n;
    return n;
}

bool slab_try_mark_full(struct slab *s) {
    uintptr_t tf = __atomic_load_n(&s->thread_free, __ATOMIC_ACQUIRE);
    for (;;) {
        if (tf & ~SLAB_TF_MASK) return false;
        if ((tf & SLAB_TF_MASK) != SLAB_TF_NORMAL) return true;   /* FULL or NOTIFIED already */
        if (__atomic_compare_exchange_n(&s->thread_free, &tf, SLAB_TF_FULL, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
}

void slab_clear_notified(struct slab *s) {
    uintptr_t tf = __atomic_load_n(&s->thread_free, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&s->thread_free, &tf, tf & ~SLAB_TF_MASK, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
    }
}

long slab_block_index(const struct slab *s, const void *p) {
    uintptr_t off = (uintptr_t)p - s->base;
    if ((uintptr_t)p < s->base || off >= (uintptr_t)s->nregs * s->block_size) return -1;
    if (off % s->block_size) return -1;
    return (long)(off / s->block_size);
}

/* ---- page scavenging ------------------------------------------------------ */

/* Blocks of s whose index starts in page p of the slab: [first, end). */
static void slab_page_blocks(const struct slab *s, unsigned p, uint32_t *first, uint32_t *end) {
    uint32_t bs = s->block_size;
    uint32_t lo = (uint32_t)(((size_t)p << SC_LG_PAGE) + bs - 1) / bs;
    uint32_t hi = (uint32_t)(((size_t)(p + 1) << SC_LG_PAGE) + bs - 1) / bs;
    *first = TIDE_MIN(lo, (uint32_t)s->nregs);
    *end = TIDE_MIN(hi, (uint32_t)s->nregs);
}

/* Link the free blocks of s (bitmap `fr`) that start outside purged pages
 * into s->free, in address order; local_free ends up empty. */
static void slab_relink(struct slab *s, const uint64_t *fr) {
    slab_block_t *head = NULL;
    for (uint32_t i = s->capacity; i-- > 0;) {
        if (!util_bit_get(fr, i)) continue;
        unsigned p = (unsigned)(((size_t)i * s->block_size) >> SC_LG_PAGE);
        if (s->purged & (1u << p)) continue;
        slab_block_t *b = (slab_block_t *)(s->base + (uintptr_t)i * s->block_size);
        slab_set_next(b, head);
        head = b;
    }
    s->free = head;
    s->local_free = NULL;
}

/* Free blocks of s: its lists, the blocks of its purged pages, and the
 * blocks never carved. */
static void slab_free_map(const struct slab *s, uint64_t *fr) {
    memset(fr, 0, SLAB_MAP_WORDS * sizeof(uint64_t));
    for (const slab_block_t *b = s->free; b; b = slab_next(b)) util_bit_set(fr, (uint32_t)slab_block_index(s, b));
    for (const slab_block_t *b = s->local_free; b; b = slab_next(b)) util_bit_set(fr, (uint32_t)slab_block_index(s, b));
    for (unsigned p = 0; p < s->npages; p++) {
        if (!(s->purged & (1u << p))) continue;
        uint32_t f, e;
        slab_page_blocks(s, p, &f, &e);
        for (uint32_t i = f; i < e && i < s->capacity; i++) util_bit_set(fr, i);
    }
    for (uint32_t i = s->capacity; i < s->nregs; i++) util_bit_set(fr, i);
}

unsigned slab_scavenge(struct slab *s) {
    if (s->npages < 2 || s->npages > 16) return 0;
    uint64_t fr[SLAB_MAP_WORDS];
    slab_free_map(s, fr);
    uint32_t bs = s->block_size;
    unsigned fresh = 0, n = 0;
    for (unsigned p = 0; p < s->npages; p++) {
        if (s->purged & (1u << p)) continue;
        uint32_t lo = (uint32_t)(((size_t)p << SC_LG_PAGE) / bs);               /* first block overlapping p */
        uint32_t hi = (uint32_t)((((size_t)(p + 1) << SC_LG_PAGE) - 1) / bs);  /* last one */
        if (lo >= s->capacity) break;   /* never touched from here on */
        bool all = true;
        for (uint32_t i = lo; i <= hi && i < s->nregs && all; i++) all = util_bit_get(fr, i);
        if (all) fresh |= 1u << p;
    }
    if (!fresh) return 0;
    for (unsigned p = 0; p < s->npages;) {   /* one madvise per run of pages */
        if (!(fresh & (1u << p))) {
            p++;
            continue;
        }
        unsigned q = p;
        while (q < s->npages && (fresh & (1u << q))) q++;
        os_purge((void *)(s->base + ((uintptr_t)p << SC_LG_PAGE)), (size_t)(q - p) << SC_LG_PAGE);
        n += q - p;
        p = q;
    }
    __atomic_store_n(&s->purged, (uint16_t)(s->purged | fresh), __ATOMIC_RELAXED);   /* remote frees read it */
    slab_relink(s, fr);
    return n;
}

bool slab_unpurge(struct slab *s) {
    if (!s->purged) return false;
    uint64_t fr[SLAB_MAP_WORDS];
    slab_free_map(s, fr);
    __atomic_store_n(&s->purged, 0, __ATOMIC_RELAXED);
    slab_relink(s, fr);
    return s->free != NULL;
}

void slab_check(const struct slab *s) {
#ifdef TIDE_DEBUG
    TIDE_ASSERT(s->kind == RUN_SLAB);
    TIDE_ASSERT(s->capacity <= s->nregs);
    uint32_t nfree = 0;
    for (const slab_block_t *b = s->free; b; b = slab_next(b)) {
        TIDE_ASSERT(slab_block_index(s, b) >= 0 && (uint32_t)slab_block_index(s, b) < s->capacity);
        TIDE_ASSERT(++nfree <= s->capacity);
    }
    for (const slab_block_t *b = s->local_free; b; b = slab_next(b)) {
        TIDE_ASSERT(slab_block_index(s, b) >= 0 && (uint32_t)slab_block_index(s, b) < s->capacity);
        TIDE_ASSERT(++nfree <= s->capacity);
    }
    for (unsigned p = 0; p < s->npages; p++) {
        if (!(s->purged & (1u << p))) continue;
        uint32_t f, e;
        slab_page_blocks(s, p, &f, &e);
        for (uint32_t i = f; i < e && i < s->capacity; i++) nfree++;
    }
    TIDE_ASSERT(s->used + nfree == s->capacity);
#else
    (void)s;
#endif
}
