/*
 * slab.h: a run of pages inside a chunk: a slab of equal blocks of one size
 * class, or one large allocation. The header comes from the arena's pool of
 * run headers (arena.h) and is found through chunk->page_slab[], never beside
 * user data.
 *
 * A slab is owned by exactly one heap (slab->heap). The owner's thread (or,
 * for an arena-shared heap, whoever holds the arena lock) alone touches
 * free, local_free, used, capacity, linked, next and prev. Other threads only
 * push onto thread_free with a CAS (a run of blocks of the slab at once).
 *
 * Invariants, for a slab owned by a heap:
 *  - used = blocks handed out and not yet returned to free/local_free; blocks
 *    sitting in thread_free, or held by a freeing thread before it pushes
 *    them there (tide_tls.rf_*), still count in used until the owner
 *    collects them.
 *  - used + len(free) + len(local_free) + (blocks below capacity that start
 *    in a purged page) == capacity <= nregs.
 *  - blocks [capacity, nregs) have never been handed out (lazy extension);
 *    their pages read as zero unless they are among the first dirty_pages
 *    pages, which the arena handed out dirty. A slab given back therefore
 *    marks dirty its pages up to the last carved block, and at least its
 *    first dirty_pages (arena_slab_free), so that the arena never takes a
 *    page holding old data for one that reads as zero.
 *  - purged pages (slabs of 2..16 pages only) hold no used block and no
 *    list link: every block overlapping them was free when slab_scavenge
 *    gave them back; the blocks starting in them are on no list until
 *    slab_unpurge links them again.
 *  - linked == 1 iff the slab is on heap->slabs[cls]. A slab is unlinked
 *    only when its owner found it exhausted ("full").
 *  - thread_free's low two bits are a state, for the remote side:
 *      NORMAL   remote frees just push;
 *      FULL     the owner unlinked the slab (or did so once: the owner relinks
 *               a slab on a local free without touching this word, so FULL may
 *               be stale); the next remote free turns it into NOTIFIED;
 *      NOTIFIED that remote free pushed the slab on heap->pending (or is about
 *               to); the owner turns it back into NORMAL when it pops it.
 *    A NOTIFIED slab is never retired: it may still be on its way to pending.
 *    A slab with used == 0 has no live block, so no remote free can be under
 *    way on it, and its state can change no more.
 * A large run has heap == NULL and kind == RUN_LARGE.
 */
#ifndef TIDE_SLAB_H
#define TIDE_SLAB_H

#include "sc.h"

struct heap;

/* A free block's first word links it to the next one. slab_next and
 * slab_set_next store it XORed with slab_link_key: 0, or a random key under
 * preset:secure (secure.h), so that a link overwritten after free decodes to
 * an address outside its slab. They serve every path preset:secure takes
 * (heap_alloc_small, shared-heap frees, scavenging, the checks); the paths
 * of the thread cache and of remote frees, which preset:secure never takes
 * (it has no thread cache: every free of a slab block is a shared-heap free
 * under the arena lock), store links plain (slab_raw_next): one instruction
 * less per block on them, and the same value while the key is 0. */
typedef struct slab_block { uintptr_t link; } slab_block_t;
extern TIDE_HIDDEN uintptr_t slab_link_key;
TIDE_INLINE slab_block_t *slab_next(const slab_block_t *b) { return (slab_block_t *)(b->link ^ slab_link_key); }
TIDE_INLINE void slab_set_next(slab_block_t *b, const slab_block_t *next) { b->link = (uintptr_t)next ^ slab_link_key; }
TIDE_INLINE slab_block_t *slab_raw_next(const slab_block_t *b) { return (slab_block_t *)b->link; }
TIDE_INLINE void slab_set_raw_next(slab_block_t *b, const slab_block_t *next) {
    TIDE_ASSERT(slab_link_key == 0);   /* not under preset:secure */
    b->link = (uintptr_t)next;
}

enum { RUN_FREE = 0, RUN_SLAB = 1, RUN_LARGE = 2 };

#define SLAB_TF_NORMAL   ((uintptr_t)0)
#define SLAB_TF_FULL     ((uintptr_t)1)
#define SLAB_TF_NOTIFIED ((uintptr_t)2)
#define SLAB_TF_MASK     ((uintptr_t)3)

#define SLAB_MAP_WORDS   8   /* bitmap words for the most blocks a slab holds (512) */

struct slab {
    /* First cache line: what refills and flushes of the owner's bins touch. */
    slab_block_t *free;          /* next blocks to hand out */
    slab_block_t *local_free;    /* blocks the owner freed */
    struct heap *heap;           /* owner, NULL for a large run */
    uint32_t used;
    uint32_t capacity;
    uint32_t block_size;
    uint16_t nregs;
    uint8_t cls;
    uint8_t kind;                /* RUN_* */
    uint8_t linked;
    uint8_t shared;              /* owned by an arena-shared heap (frees under its lock) */
    uint8_t cached;              /* counted in heap->cached_pages */
    uint8_t scavenged;           /* SLAB_SCAV_*: since used last exceeded nregs / 2 */
    uint16_t npages;
    uint16_t purged;             /* pages given back by slab_scavenge (bit p = page p) */
    uint16_t dirty_pages;        /* its first pages that held old data when the arena handed it out */
    uintptr_t base;              /* first data byte */
    /* Second cache line: list links and the remote side. */
    struct slab *next, *prev;    /* heap->slabs[cls] */
    uintptr_t thread_free;                /* remote frees | SLAB_TF_* */
    struct slab *pending_next;            /* link on heap->pending */
    struct slab *sparse_next, *sparse_prev;   /* heap->sparse queue (owner only) */
    uint32_t sparse_ms;                   /* when it went on the queue */
    uint64_t div_magic;                   /* UINT64_MAX / block_size + 1: slab_block_start */
};

/* A slab's scavenging state, owner only. It went down to a quarter full or
 * less: QUEUED, it waits on its heap's sparse queue for the decay delay;
 * DONE, slab_scavenge ran (or will not). Back to NONE past half full. */
enum { SLAB_SCAV_NONE = 0, SLAB_SCAV_QUEUED = 1, SLAB_SCAV_DONE = 2 };

/* The static slab with no free block: every fast path that finds it misses. */
extern struct slab slab_empty;

void slab_init(struct slab *s, unsigned cls, struct heap *owner, uintptr_t base);
/* Owner, on a sparse slab: give back (MADV_DONTNEED) every page of s that
 * holds only free blocks, taking their blocks off the lists. Returns pages. */
unsigned slab_scavenge(struct slab *s);
/* Owner, when s has no listed free block: put the blocks of its purged pages
 * back on s->free (the pages fault back in as they are linked). False if none. */
bool slab_unpurge(struct slab *s);
/* Owner: move local_free and remote frees onto free. Returns blocks collected remotely. */
uint32_t slab_collect(struct slab *s);
/* Any thread but the owner: push the linked blocks head .. tail (tail's link
 * is overwritten) on thread_free with one CAS. True when the caller must
 * push the slab on its heap's pending list (the FULL -> NOTIFIED transition). */
TIDE_INLINE bool slab_remote_free_list(struct slab *s, void *head, void *tail) {
    slab_block_t *t = tail;
    uintptr_t tf = __atomic_load_n(&s->thread_free, __ATOMIC_RELAXED);
    for (;;) {
        uintptr_t state = tf & SLAB_TF_MASK;
        slab_set_raw_next(t, (slab_block_t *)(tf & ~SLAB_TF_MASK));
        uintptr_t nv = (uintptr_t)head | (state == SLAB_TF_FULL ? SLAB_TF_NOTIFIED : state);
        if (__atomic_compare_exchange_n(&s->thread_free, &tf, nv, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return state == SLAB_TF_FULL;
    }
}
/* The same for one block p. */
TIDE_INLINE bool slab_remote_free(struct slab *s, void *p) { return slab_remote_free_list(s, p, p); }
/* Owner: before unlinking an exhausted slab, make sure the next remote free
 * notifies us. False if remote frees are waiting (collect them instead). */
bool slab_try_mark_full(struct slab *s);
/* Owner: take a NOTIFIED slab back to NORMAL (after popping it from pending). */
void slab_clear_notified(struct slab *s);
/* Owner: may this empty slab go back to the arena now? */
TIDE_INLINE bool slab_retirable(const struct slab *s) {
    return (__atomic_load_n(&s->thread_free, __ATOMIC_ACQUIRE) & SLAB_TF_MASK) != SLAB_TF_NOTIFIED;
}
/* Block index of p inside the slab, or -1 if p is not a block start. */
long slab_block_index(const struct slab *s, const void *p);
/* p starts one of the slab's blocks: an offset inside it that is a multiple
 * of block_size, tested with one multiplication (offsets < 2^32: off is a
 * multiple of d iff off * ceil(2^64 / d) mod 2^64 < ceil(2^64 / d)). */
TIDE_INLINE bool slab_block_start(const struct slab *s, const void *p) {
    uintptr_t off = (uintptr_t)p - s->base;
    return off < (uintptr_t)s->nregs * s->block_size && off * s->div_magic < s->div_magic;
}
/* p lies in a page slab_scavenge gave back (any thread: a relaxed read; a
 * thread that got p from the program after the owner linked the page again
 * reads the store that did). */
TIDE_INLINE bool slab_in_purged_page(const struct slab *s, const void *p) {
    unsigned pg = (unsigned)(((uintptr_t)p - s->base) >> SC_LG_PAGE);
    return (__atomic_load_n(&s->purged, __ATOMIC_RELAXED) >> pg) & 1;
}
/* Debug builds: check the invariants above (owner's view). */
void slab_check(const struct slab *s);

#endif
