/* slab.c: blocks inside one slab: lazy carving, collection, remote frees. */
#include "slab.h"

struct slab slab_empty;

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
    s->cached = 0;
    s->npages = ci->slab_pages;
    s->base = base;
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
    while (tail->next) {
        tail = tail->next;
        n++;
    }
    tail->next = s->free;
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

void slab_check(const struct slab *s) {
#ifdef TIDE_DEBUG
    TIDE_ASSERT(s->kind == RUN_SLAB);
    TIDE_ASSERT(s->capacity <= s->nregs);
    uint32_t nfree = 0;
    for (const slab_block_t *b = s->free; b; b = b->next) {
        TIDE_ASSERT(slab_block_index(s, b) >= 0 && (uint32_t)slab_block_index(s, b) < s->capacity);
        TIDE_ASSERT(++nfree <= s->capacity);
    }
    for (const slab_block_t *b = s->local_free; b; b = b->next) {
        TIDE_ASSERT(slab_block_index(s, b) >= 0 && (uint32_t)slab_block_index(s, b) < s->capacity);
        TIDE_ASSERT(++nfree <= s->capacity);
    }
    TIDE_ASSERT(s->used + nfree == s->capacity);
#else
    (void)s;
#endif
}
