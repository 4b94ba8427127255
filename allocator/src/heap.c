/* heap.c: thread heaps: slab selection, local and remote frees, pooling. */
#include "heap.h"
#include "base.h"
#include "conf.h"
#include "misuse.h"
#include "os.h"

#include <pthread.h>

#include <string.h>

TIDE_TLS struct tide_tls tide_tls = {.heap = &heap_empty, .last_chunk = 1};
struct heap_bin heap_bin_none;
_Alignas(64) struct heap heap_empty = {.current = {[0 ... SC_NSMALL - 1] = &slab_empty}};

/* A bin's initial capacity: about 64 KiB of blocks, between 8 and HEAP_BIN_MAX of them. */
static uint32_t heap_bin_cap0(unsigned c) {
    size_t n = ((size_t)64 << 10) / sc_size(c);
    return (uint32_t)TIDE_MAX(8, TIDE_MIN(n, HEAP_BIN_MAX));
}

/* The most a bin grows to (its reserved stack). */
static uint32_t heap_bin_capmax(unsigned c) {
    size_t n = HEAP_BIN_GROW_BYTES / sc_size(c);
    return (uint32_t)TIDE_MAX(heap_bin_cap0(c), TIDE_MIN(n, HEAP_BIN_GROW_MAX));
}

static util_mutex_t heap_lock = UTIL_MUTEX_INIT;  /* heap_pool and heap_list */
static pthread_key_t heap_key;   /* its destructor runs heap_thread_exit */
static bool heap_key_ready;      /* heap_key exists: threads may own heaps (atomic) */
static struct heap *heap_pool;
static struct heap *heap_list;   /* published with __atomic stores */
static uint64_t heap_seq;        /* heaps taken and parked so far (under heap_lock) */
static unsigned heap_nlive;      /* heaps owned by a thread (atomic; read racily) */

static TIDE_NOINLINE void heap_lrun_share_slow(struct heap *h);
static TIDE_NOINLINE bool heap_lrun_evict_slow(struct heap *h, const struct heap_lrun *keep, size_t size);

struct heap *heap_all(void) { return __atomic_load_n(&heap_list, __ATOMIC_ACQUIRE); }

TIDE_RACY_READER size_t heap_kept_bytes(void) {
    size_t n = 0;
    for (const struct heap *h = heap_all(); h; h = h->next_all)
        n += (size_t)__atomic_load_n(&h->lrun_bytes, __ATOMIC_RELAXED);
    return n;
}

/* Under heap_lock: h joins the pool of parked heaps. */
static void heap_park_locked(struct heap *h) {
    __atomic_fetch_sub(&heap_nlive, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&h->parked, true, __ATOMIC_RELAXED);
    h->next_pool = heap_pool;
    heap_pool = h;
}

struct heap *heap_create(struct arena *a, bool shared) {
    struct heap *h = base_alloc(sizeof *h);
    if (!h) return NULL;
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        h->current[c] = &slab_empty;
        h->bins[c].heap = h;
    }
    if (!shared) {
        size_t total = 0;
        for (unsigned c = 0; c < SC_NSMALL; c++) total += heap_bin_capmax(c);
        void **stacks = base_alloc(total * sizeof(void *));   /* untouched until used */
        if (!stacks) return NULL;
        for (unsigned c = 0; c < SC_NSMALL; c++) {
            h->bins[c].base = h->bins[c].top = stacks;
            h->bins[c].limit = stacks + heap_bin_cap0(c);
            stacks += heap_bin_capmax(c);
        }
    }
    h->arena = a;
    h->shared = shared;
    util_lock(&heap_lock);
    h->next_all = heap_list;
    __atomic_store_n(&heap_list, h, __ATOMIC_RELEASE);
    util_unlock(&heap_lock);
    return h;
}

bool heap_boot(void) {
    for (unsigned i = 0; i < arena_count(); i++) {
        struct arena *a = arena_get(i);
        a->shared = heap_create(a, true);
        if (!a->shared) return false;
    }
    return true;
}

static void heap_key_dtor(void *arg) {
    (void)arg;
    heap_thread_exit();
}

void heap_boot_threads(void) {
    if (pthread_key_create(&heap_key, heap_key_dtor) == 0) __atomic_store_n(&heap_key_ready, true, __ATOMIC_RELEASE);
}

void heap_register_thread(void *arg) {
    if (__atomic_load_n(&heap_key_ready, __ATOMIC_ACQUIRE)) pthread_setspecific(heap_key, arg);
}

struct arena *heap_thread_arena(void) {
    struct tide_tls *t = &tide_tls;
    if (TIDE_UNLIKELY(!t->arena)) {
        t->arena = arena_next_rr();
        __atomic_fetch_add(&t->arena->nthreads, 1, __ATOMIC_RELAXED);
    }
    return t->arena;
}

/* ---- slab lists --------------------------------------------------------- */

static void heap_link(struct heap *h, struct slab *s) {
    TIDE_ASSERT(!s->linked);
    s->prev = NULL;
    s->next = h->slabs[s->cls];
    if (s->next) s->next->prev = s;
    h->slabs[s->cls] = s;
    s->linked = 1;
}

static void heap_unlink(struct heap *h, struct slab *s) {
    TIDE_ASSERT(s->linked);
    if (s->prev) s->prev->next = s->next;
    else h->slabs[s->cls] = s->next;
    if (s->next) s->next->prev = s->prev;
    s->next = s->prev = NULL;
    s->linked = 0;
    if (h->current[s->cls] == s) h->current[s->cls] = &slab_empty;
}

static void heap_collect(struct heap *h, struct slab *s) {
    h->nfree_remote[s->cls] += slab_collect(s);
}

/* An empty slab goes back to its arena. */
static void heap_uncache(struct heap *h, struct slab *s) {
    if (s->cached) {
        s->cached = 0;
        h->cached_pages -= s->npages;
    }
}

static void heap_sparse_remove(struct heap *h, struct slab *s);

static void heap_retire(struct heap *h, struct slab *s) {
    if (s->scavenged == SLAB_SCAV_QUEUED) heap_sparse_remove(h, s);
    TIDE_ASSERT(s->used == 0 && s->linked);
    heap_uncache(h, s);
    heap_unlink(h, s);
    __atomic_store_n(&h->slab_pages, h->slab_pages - s->npages, __ATOMIC_RELAXED);   /* read racily by heap_adopt_parked */
    arena_slab_free(s, h->shared);   /* a shared heap's caller holds the lock */
}

/* Slab s just became empty (used == 0) and is not current: keep it for reuse
 * while the heap's budget allows, else give it back. */
static void heap_slab_emptied(struct heap *h, struct slab *s) {
    if (!slab_retirable(s) || s->cached) return;   /* on its way to pending: decided at the pop */
    if (h->cached_pages + s->npages <= HEAP_CACHE_PAGES && !h->shared) {
        h->cached_pages += s->npages;
        s->cached = 1;
        return;
    }
    heap_retire(h, s);
}

/* Make s the slab class c allocates from. */
static void heap_set_current(struct heap *h, unsigned c, struct slab *s) {
    struct slab *old = h->current[c];
    heap_uncache(h, s);
    h->current[c] = s;
    if (old != &slab_empty && old != s && old->linked && old->used == 0) heap_slab_emptied(h, old);
}

/* ---- scavenging sparse slabs ----------------------------------------------
 * A slab that mass frees leave a quarter full or less pins its pages for the
 * few survivors. After the decay delay (dirty_decay_ms, as for free pages),
 * if it is still that sparse, the pages its free blocks cover are given back
 * (slab_scavenge). The delay keeps a program that empties and refills its
 * slabs (threadtest) from paying a madvise and page faults per cycle. */

static void heap_sparse_remove(struct heap *h, struct slab *s) {
    TIDE_ASSERT(s->scavenged == SLAB_SCAV_QUEUED);
    if (s->sparse_prev) s->sparse_prev->sparse_next = s->sparse_next;
    else h->sparse_head = s->sparse_next;
    if (s->sparse_next) s->sparse_next->sparse_prev = s->sparse_prev;
    else h->sparse_tail = s->sparse_prev;
    s->sparse_next = s->sparse_prev = NULL;
    s->scavenged = SLAB_SCAV_NONE;
}

/* s filled past half: it may be scavenged again after its next dip. */
static void heap_sparse_reset(struct heap *h, struct slab *s) {
    if (s->scavenged == SLAB_SCAV_QUEUED) heap_sparse_remove(h, s);
    s->scavenged = SLAB_SCAV_NONE;
}

/* Purged pages hold only free blocks: they name no owner, so that a free
 * into them leaves free's fast path and is found to be a double free
 * (misuse.h). slab_unpurge gives them their owner back. */
static void heap_scavenge_now(struct heap *h, struct slab *s) {
    s->scavenged = SLAB_SCAV_DONE;
    if (s->used * 4 > s->nregs) return;
    unsigned before = s->purged;
    h->scavenged_pages += slab_scavenge(s);
    arena_set_owner(s, s->purged & ~before, NULL);
}

static bool heap_unpurge(struct heap *h, struct slab *s) {
    unsigned was = s->purged;
    bool any = slab_unpurge(s);
    arena_set_owner(s, was, &h->bins[s->cls]);
    return any;
}

/* After the owner handed out blocks of s (used already raised). */
static inline void heap_slab_taken(struct heap *h, struct slab *s) {
    if (TIDE_UNLIKELY(s->scavenged) && s->used * 2 > s->nregs) heap_sparse_reset(h, s);
}

/* Scavenge the queued slabs whose delay is over (all of them if `all`). */
static TIDE_NOINLINE void heap_sparse_run(struct heap *h, bool all) {
    h->sparse_tick = 0;
    uint32_t now = (uint32_t)os_now_ms();
    struct slab *s;
    while ((s = h->sparse_head)) {
        if (!all && (int64_t)(uint32_t)(now - s->sparse_ms) < conf_opt.dirty_decay_ms) break;
        heap_sparse_remove(h, s);
        heap_scavenge_now(h, s);
    }
}

/* Slab s of h went down to a quarter full or less. */
static TIDE_NOINLINE void heap_sparse_note(struct heap *h, struct slab *s) {
    if (conf_opt.dirty_decay_ms < 0) {
        s->scavenged = SLAB_SCAV_DONE;   /* never purge */
    } else if (conf_opt.dirty_decay_ms == 0) {
        heap_scavenge_now(h, s);
    } else {
        s->scavenged = SLAB_SCAV_QUEUED;
        s->sparse_ms = (uint32_t)os_now_ms();
        s->sparse_next = NULL;
        s->sparse_prev = h->sparse_tail;
        if (h->sparse_tail) h->sparse_tail->sparse_next = s;
        else h->sparse_head = s;
        h->sparse_tail = s;
    }
}

/* From the slow paths: look at the queue now and then (every 64th call). */
static inline void heap_sparse_tick(struct heap *h) {
    if (TIDE_UNLIKELY(h->sparse_head != NULL) && ++h->sparse_tick >= 64) heap_sparse_run(h, false);
}

/* After the owner returned blocks to s (used already lowered). */
static inline void heap_slab_freed(struct heap *h, struct slab *s) {
    if (TIDE_UNLIKELY(s->used == 0)) return heap_free_local_slow(h, s);   /* may retire it */
    if (TIDE_UNLIKELY(!s->linked)) heap_free_local_slow(h, s);            /* was full: relink */
    if (TIDE_UNLIKELY(s->used * 4 <= s->nregs && s->scavenged == SLAB_SCAV_NONE && s->npages > 1 && !h->shared))
        heap_sparse_note(h, s);
}

/* Take in the slabs that remote frees made non-full. */
static void heap_process_pending(struct heap *h) {
    if (!__atomic_load_n(&h->pending, __ATOMIC_RELAXED)) return;
    struct slab *s = __atomic_exchange_n(&h->pending, NULL, __ATOMIC_ACQUIRE);
    while (s) {
        struct slab *next = __atomic_load_n(&s->pending_next, __ATOMIC_RELAXED);
        TIDE_ASSERT(s->heap == h);
        slab_clear_notified(s);
        heap_collect(h, s);
        if (!s->linked) {
            heap_link(h, s);
            arena_slab_note_unfull(s);   /* statistics: a full slab got blocks back */
        }
        if (s->used == 0 && h->current[s->cls] != s) heap_slab_emptied(h, s);
        s = next;
    }
}

/* The linked slab of class c at the lowest address (the 2006 paper's rule). */
static struct slab *heap_lowest(struct heap *h, unsigned c) {
    struct slab *best = h->slabs[c];
    for (struct slab *s = best; s; s = s->next)
        if (s->base < best->base) best = s;
    return best;
}

/* When the arena had to grow (map a chunk) for a slab or a large run, the
 * sparse slabs the heap has queued are scavenged at once, not after the decay
 * delay: the program is taking new memory while those slabs hold free pages
 * only their own class can reuse. (fragprobe: after a mass free, a refill in
 * other sizes maps chunks well within the delay, and the sparse slabs' pages
 * stayed resident beside them.) */
static void heap_grew(struct heap *h) {
    if (h->sparse_head) heap_sparse_run(h, true);
}

void heap_arena_grew(void) {
    struct heap *h = tide_tls.heap;
    if (h != &heap_empty) heap_grew(h);
}

/* preset:secure: every block of fresh slab s on its free list at once, in
 * a random order (Fisher-Yates with a generator seeded from the key and the
 * slab), so that the next block handed out cannot be told from the last. */
static void heap_slab_shuffle(struct slab *s) {
    uint16_t order[SLAB_MAP_WORDS * 64];
    uint64_t x = misuse_key ^ s->base ^ 0x9e3779b97f4a7c15u;
    for (uint32_t i = 0; i < s->nregs; i++) order[i] = (uint16_t)i;
    for (uint32_t i = s->nregs; i > 1; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t j = (uint32_t)(x % i);
        uint16_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    slab_block_t *head = NULL;
    for (uint32_t i = 0; i < s->nregs; i++) {
        slab_block_t *b = (slab_block_t *)(s->base + (uintptr_t)order[i] * s->block_size);
        slab_set_next(b, head);
        head = b;
    }
    s->free = head;
    s->capacity = s->nregs;
}

static struct slab *heap_new_slab(struct heap *h, unsigned c) {
    bool grew = false;
    struct slab *s = arena_slab_alloc(h->arena, c, h->shared, &grew);   /* a shared heap's caller holds the lock */
    if (grew) heap_grew(h);
    if (s) {
        s->heap = h;
        s->shared = h->shared;
        if (TIDE_UNLIKELY(conf_opt.secure)) heap_slab_shuffle(s);
        arena_set_owner(s, ~0u, &h->bins[c]);
        heap_link(h, s);
        __atomic_store_n(&h->slab_pages, h->slab_pages + s->npages, __ATOMIC_RELAXED);
    }
    return s;
}

void *heap_alloc_small(struct heap *h, unsigned c) {
    struct slab *s = h->current[c];
    for (;;) {
        if (s != &slab_empty) {
            if (!s->free) heap_collect(h, s);
            if (!s->free && s->purged) heap_unpurge(h, s);
            slab_block_t *b = s->free;
            if (b) {
                slab_block_t *next = slab_next(b);
                if (TIDE_UNLIKELY(slab_link_key) && next && !slab_block_start(s, next)) {
                    /* preset:secure: a link written after free. The rest of
                     * the list is dropped (its blocks leak, none is handed
                     * out twice). */
                    misuse_report(MISUSE_CORRUPTED, "free-list link overwritten after", b, s->cls, s->block_size);
                    next = NULL;
                }
                s->free = next;
                s->used++;
                heap_slab_taken(h, s);
#ifdef TIDE_DEBUG
                slab_check(s);
#endif
                return b;
            }
            if (s->capacity < s->nregs) {   /* a never-used block (lazy extension) */
                s->used++;
                heap_slab_taken(h, s);
                return (void *)(s->base + (uintptr_t)s->capacity++ * s->block_size);
            }
            if (!slab_try_mark_full(s)) continue;  /* remote frees arrived: collect them */
            heap_unlink(h, s);
            arena_slab_note_full(s);   /* statistics: set aside as full */
        }
        heap_process_pending(h);
        s = heap_lowest(h, c);
        if (!s && !(s = heap_new_slab(h, c))) return NULL;
        heap_set_current(h, c, s);
    }
}

void *heap_refill(struct heap *h, unsigned c) {
    struct heap_bin *b = &h->bins[c];
    TIDE_ASSERT(b->top == b->base);
    heap_sparse_tick(h);
    util_bit_set(h->bin_refilled, c);
    util_bit_set(h->bin_active, c);
    h->bin_refill_mark[c] = b->nmalloc;
    void *first = heap_alloc_small(h, c);   /* may switch slabs, lowest address first */
    if (!first) return NULL;
    b->nmalloc++;
    /* Then what the current slab has ready, no further switch: its free
     * list, its own returned blocks, then never-used blocks carved straight
     * into the bin (addresses only: no block is touched before malloc hands
     * it out). Stacked top down, so the first taken is popped first. */
    struct slab *s = h->current[c];
    uint32_t half = TIDE_MIN(heap_bin_cap_of(b) / 2, HEAP_REFILL_MAX), k = 0;
    void **dst = b->base + half;   /* fills dst[-1], dst[-2], ... */
    for (;;) {
        slab_block_t *blk = s->free;
        while (k < half && blk) {   /* the thread cache: plain links (slab.h) */
            dst[-(ptrdiff_t)++k] = blk;
            blk = slab_raw_next(blk);
        }
        s->free = blk;
        if (k == half) break;
        if (s->local_free) {
            s->free = s->local_free;
            s->local_free = NULL;
        } else if (!s->purged || !heap_unpurge(h, s)) {
            break;
        }
    }
    if (k < half && !s->free && s->capacity < s->nregs) {
        uint32_t n = TIDE_MIN(half - k, (uint32_t)(s->nregs - s->capacity));
        uintptr_t a = s->base + (uintptr_t)s->capacity * s->block_size;
        for (uint32_t i = 0; i < n; i++, a += s->block_size) dst[-(ptrdiff_t)++k] = (void *)a;
        s->capacity += n;
    }
    s->used += k;
    heap_slab_taken(h, s);
    if (k < half) memmove(b->base, dst - k, (size_t)k * sizeof(void *));
    b->top = b->base + k;
    b->nfill += k + 1;   /* the first block counts as put in and popped */
    return first;
}

/* Return a run of blocks [head .. tail] of slab s to its local list. */
static void heap_slab_take_back(struct heap *h, struct slab *s, slab_block_t *head, slab_block_t *tail,
                                uint32_t n) {
    slab_set_raw_next(tail, s->local_free);
    s->local_free = head;
    s->used -= n;
    heap_slab_freed(h, s);
}

/* Give the oldest `count` blocks of bin c back to their slabs. Blocks in a
 * row often share a slab: each run of them is linked up and handed back at
 * once. */
static void heap_bin_flush(struct heap *h, unsigned c, uint32_t count) {
    struct heap_bin *b = &h->bins[c];
    uint32_t n = heap_bin_n(b);
    count = TIDE_MIN(count, n);
    struct slab *s = NULL;
    uintptr_t lo = 0, span = 0;
    slab_block_t *head = NULL, *tail = NULL;
    uint32_t run = 0;
    for (uint32_t i = 0; i < count; i++) {
        slab_block_t *blk = b->base[i];
        if ((uintptr_t)blk - lo >= span) {   /* another slab */
            if (run) heap_slab_take_back(h, s, head, tail, run);
            s = chunk_run_of(chunk_of(blk), blk);
            TIDE_ASSERT(s->heap == h && s->cls == c);
            lo = s->base;
            span = (uintptr_t)s->npages << SC_LG_PAGE;
            tail = blk;
            head = NULL;
            run = 0;
        }
        slab_set_raw_next(blk, head);
        head = blk;
        run++;
    }
    if (run) heap_slab_take_back(h, s, head, tail, run);
    memmove(b->base, b->base + count, (size_t)(n - count) * sizeof(void *));
    b->top = b->base + (n - count);
    b->nflush += count;
}

/* Set bin c's capacity to cap, flushing the oldest blocks that do not fit. */
static void heap_bin_set_cap(struct heap *h, unsigned c, uint32_t cap) {
    struct heap_bin *b = &h->bins[c];
    uint32_t n = heap_bin_n(b), old = heap_bin_cap_of(b);
    if (n > cap) heap_bin_flush(h, c, n - cap);
    h->bin_bytes = h->bin_bytes - (size_t)old * sc_size(c) + (size_t)cap * sc_size(c);
    b->limit = b->base + cap;
}

/* Halve the grown bins (but `keep`) that saw no refill since the last round. */
static void heap_bin_shrink_idle(struct heap *h, unsigned keep) {
    for (unsigned d = 0; d < SC_NSMALL; d++) {
        uint32_t cap = heap_bin_cap_of(&h->bins[d]), cap0 = heap_bin_cap0(d);
        if (d != keep && cap > cap0 && !util_bit_get(h->bin_active, d)) heap_bin_set_cap(h, d, TIDE_MAX(cap / 2, cap0));
    }
    memset(h->bin_active, 0, sizeof h->bin_active);
}

/* Double bin c's capacity if the heap's budget allows; false if it cannot grow. */
static bool heap_bin_grow(struct heap *h, unsigned c) {
    uint32_t cap = heap_bin_cap_of(&h->bins[c]), max = heap_bin_capmax(c);
    if (cap >= max) return false;
    uint32_t grown = TIDE_MIN(2 * cap, max);
    size_t need = (size_t)(grown - cap) * sc_size(c);
    if (h->bin_bytes + need > HEAP_BIN_BUDGET) heap_bin_shrink_idle(h, c);
    if (h->bin_bytes + need > HEAP_BIN_BUDGET) return false;
    heap_bin_set_cap(h, c, grown);
    return true;
}

void heap_free_bin_full(struct heap *h, unsigned c, void *p) {
    struct heap_bin *b = &h->bins[c];
    heap_sparse_tick(h);
    /* Grow a bin that went from empty to full with fewer mallocs than it
     * holds: the program sweeps through more blocks of this class than the
     * bin has room for (allocate all, free all). A bin that only takes frees
     * (the program releases memory), or drifts between empty and full over
     * many mallocs and frees (a random mix), is flushed instead. */
    bool sweep = util_bit_get(h->bin_refilled, c) && b->nmalloc - h->bin_refill_mark[c] < heap_bin_cap_of(b);
    if (!sweep || !heap_bin_grow(h, c)) heap_bin_flush(h, c, heap_bin_cap_of(b) / 2);
    util_bit_clear(h->bin_refilled, c);
    *b->top++ = p;
}

void heap_free_local_slow(struct heap *h, struct slab *s) {
    struct slab *cur = h->current[s->cls];
    if (!s->linked) {
        /* It was full: it has space again. Prefer it if it is lower. */
        heap_link(h, s);
        arena_slab_note_unfull(s);   /* statistics */
        if (cur == &slab_empty || s->base < cur->base) {
            heap_set_current(h, s->cls, s);
            return;
        }
    }
#ifdef TIDE_DEBUG
    slab_check(s);
#endif
    if (s->used == 0 && cur != s) heap_slab_emptied(h, s);
}

static void heap_push_pending(struct heap *h, struct slab *s) {
    struct slab *old = __atomic_load_n(&h->pending, __ATOMIC_RELAXED);
    do {
        __atomic_store_n(&s->pending_next, old, __ATOMIC_RELAXED);
    } while (!__atomic_compare_exchange_n(&h->pending, &old, s, true, __ATOMIC_RELEASE,
                                          __ATOMIC_RELAXED));
}

/* A block of an arena-shared heap's slab: freed under the arena lock, which
 * lets it check that the block is live (the shared heap has no bins). */
static TIDE_NOINLINE void heap_free_shared_slab(struct slab *s, void *p) {
    struct heap *owner = s->heap;
    struct arena *a = owner->arena;
#ifdef TIDE_BREAK_REMOTE
    static TIDE_TLS unsigned break_n;   /* the same break for frees under the lock */
    if (++break_n % 1024 == 0) return;
#endif
    util_lock(&a->lock);
    if (TIDE_UNLIKELY(misuse_marked(p) || slab_in_purged_page(s, p)) && heap_block_is_free(owner, s, p)) {
        util_unlock(&a->lock);
        return misuse_report(MISUSE_DOUBLE_FREE, "double free", p, s->cls, s->block_size);
    }
    misuse_mark_free(p);
    slab_block_t *b = p;
    slab_set_next(b, s->local_free);
    s->local_free = b;
    owner->bins[s->cls].nfree_slow++;
    s->used--;
    heap_slab_freed(owner, s);
    util_unlock(&a->lock);
}

static bool heap_list_holds(const slab_block_t *b, const void *p) {
    for (; b; b = slab_next(b))
        if (b == p) return true;
    return false;
}

bool heap_block_is_free(struct heap *h, struct slab *s, void *p) {
    if (!slab_block_start(s, p)) return false;
    if ((uint32_t)slab_block_index(s, p) >= s->capacity || slab_in_purged_page(s, p)) return true;
    const struct heap_bin *b = &h->bins[s->cls];
    for (void **q = b->base; q < b->top; q++)
        if (*q == p) return true;
    if (heap_list_holds(s->free, p) || heap_list_holds(s->local_free, p)) return true;
    if (tide_tls.rf_slab == s && heap_list_holds(tide_tls.rf_head, p)) return true;
    uintptr_t tf = __atomic_load_n(&s->thread_free, __ATOMIC_ACQUIRE);
    return heap_list_holds((const slab_block_t *)(tf & ~SLAB_TF_MASK), p);
}

static TIDE_NOINLINE void heap_adopt_parked(struct heap *p);
static void heap_empty_out(struct heap *h, bool now);

void heap_remote_flush(void) {
    struct tide_tls *t = &tide_tls;
    struct slab *s = t->rf_slab;
    if (!s) return;
    t->rf_slab = NULL;
#ifdef TIDE_BREAK_REMOTE
    /* Deliberately broken build (the self-check): every 16th run of remote
     * frees is lost. */
    static TIDE_TLS unsigned break_n;
    if (++break_n % 16 == 0) return;
#endif
    t->slow_deallocated += (uint64_t)t->rf_n * s->block_size;
    if (slab_remote_free_list(s, t->rf_head, t->rf_tail)) heap_push_pending(s->heap, s);
}

/* p, a block of another heap's slab s, that is not a block start, or lies in
 * a purged page, or carries the free mark: report it, unless the mark is a
 * copy the program made into a live block of a slab this thread can check
 * (then false: free it as usual). */
static TIDE_NOINLINE bool heap_foreign_misuse_slow(struct slab *s, void *p) {
    if (!slab_block_start(s, p)) {
        misuse_report(MISUSE_INVALID_FREE, "invalid free", p, s->cls, s->block_size);
        return true;
    }
    if (s->shared) return false;   /* checked under the arena lock */
    /* Another thread's slab: its bins and lists are its own, so a marked
     * block is taken to be free (the key is random, misuse.h); the run this
     * thread holds is checked. */
    misuse_report(MISUSE_DOUBLE_FREE, "double free", p, s->cls, s->block_size);
    return true;
}

/* A block of the held run's slab that carries the free mark: reported, or
 * (the program's copy of the key in a live block) freed as usual. */
static TIDE_NOINLINE void heap_free_foreign_marked_slow(struct slab *s, void *p) {
    if (heap_foreign_misuse_slow(s, p)) return;
    misuse_mark_live(p);
    heap_free_foreign_slab(s, p);
}

/* The checks of the first remote free of a run into slab s (misuse.h): it
 * reads the slab header anyway. The rest of the run test only the free mark,
 * on the block's own line, which the free writes anyway: the header's first
 * line is the owner's, written on its every refill and flush, and reading
 * it on every remote free cost prodcons 11 % of its throughput. */
TIDE_INLINE bool heap_foreign_misuse(struct slab *s, void *p) {
    if (TIDE_LIKELY(slab_block_start(s, p) && !misuse_marked(p) && !slab_in_purged_page(s, p))) return false;
    return heap_foreign_misuse_slow(s, p);
}

/* The first of a run of remote frees into slab s: hand over the held run
 * and start holding a new one. */
static TIDE_NOINLINE void heap_free_foreign_first(struct slab *s, void *p) {
    struct tide_tls *t = &tide_tls;
    if (TIDE_UNLIKELY(heap_foreign_misuse(s, p))) return;
    if (TIDE_UNLIKELY(s->shared)) {
        t->slow_deallocated += s->block_size;
        return heap_free_shared_slab(s, p);
    }
    if (TIDE_UNLIKELY(__atomic_load_n(&s->heap->parked, __ATOMIC_RELAXED))) heap_adopt_parked(s->heap);
    heap_remote_flush();
    misuse_mark_free(p);
    slab_block_t *b = p;
    if (TIDE_UNLIKELY(t->state == TLS_DEAD)) {   /* past its exit hook: nothing would hand a run over later */
        t->slow_deallocated += s->block_size;
        if (slab_remote_free(s, p)) heap_push_pending(s->heap, s);
        return;
    }
    if (TIDE_UNLIKELY(!t->rf_exit_hook)) {   /* a thread that only frees: heap_thread_exit must run */
        t->rf_exit_hook = true;
        if (t->state == TLS_FRESH) heap_register_thread(&heap_empty);
    }
    slab_set_raw_next(b, NULL);
    t->rf_slab = s;
    t->rf_head = t->rf_tail = b;
    t->rf_n = 1;
}

void heap_free_foreign_slab(struct slab *s, void *p) {
    struct tide_tls *t = &tide_tls;
    if (t->rf_slab != s) return heap_free_foreign_first(s, p);
    /* More of the run (a consumer freeing a producer's batch): held, and
     * handed over with one CAS per HEAP_REMOTE_BATCH blocks. */
    if (TIDE_UNLIKELY(misuse_marked(p))) return heap_free_foreign_marked_slow(s, p);   /* a tail call */
    misuse_mark_free(p);
    slab_block_t *b = p;
    slab_set_raw_next(b, t->rf_head);
    t->rf_head = b;
    if (TIDE_UNLIKELY(++t->rf_n >= HEAP_REMOTE_BATCH)) heap_remote_flush();
}

TIDE_RACY_READER static void heap_bytes(const struct heap *h, uint64_t *in, uint64_t *out) {
    uint64_t a = 0, d = 0;
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        a += h->bins[c].nmalloc * sc_size(c);
        d += heap_bin_nfree(&h->bins[c]) * sc_size(c);
    }
    *in = a;
    *out = d;
}

/* ---- the calling thread's heap ------------------------------------------ */

struct heap *heap_thread_acquire(void) {
    struct tide_tls *t = &tide_tls;
    struct arena *a = heap_thread_arena();
    util_lock(&heap_lock);
    struct heap *h = heap_pool;
    if (h) {
        heap_pool = h->next_pool;
        __atomic_store_n(&h->parked, false, __ATOMIC_RELAXED);
    }
    t->acquire_seq = ++heap_seq;
    util_unlock(&heap_lock);
    if (!h && !(h = heap_create(a, false))) return NULL;
    __atomic_fetch_add(&heap_nlive, 1, __ATOMIC_RELAXED);
    heap_lrun_share_slow(h);
    __atomic_store_n(&h->acquire_seq, t->acquire_seq, __ATOMIC_RELAXED);
    heap_empty_out(h, false);  /* take in what other threads freed while it was parked */
    t->heap = h;
    t->state = TLS_LIVE;
    heap_bytes(h, &t->allocated0, &t->deallocated0);
    heap_register_thread(h);
    return h;
}

/* The calling thread frees a block of parked heap p. If p owns more slab
 * pages than the thread's own heap, the thread takes p over and parks its
 * own heap (see heap.h). The block is then freed as before: to its slab's
 * remote list, which the new owner collects. */
static TIDE_NOINLINE void heap_adopt_parked(struct heap *p) {
    struct tide_tls *t = &tide_tls;
    struct heap *h = t->heap;
    if (h == &heap_empty || t->declined == p || t->took_over) return;
    t->declined = p;
    /* Only the heap of a thread that took it before this thread took its
     * own, and parked it after: a predecessor still running when this
     * thread started (larson's generations). Not the heaps of threads
     * started later (mstress's main freeing what its workers left). */
    if (__atomic_load_n(&p->acquire_seq, __ATOMIC_RELAXED) >= t->acquire_seq ||
        __atomic_load_n(&p->park_seq, __ATOMIC_RELAXED) <= t->acquire_seq)
        return;
    if (__atomic_load_n(&p->slab_pages, __ATOMIC_RELAXED) <= h->slab_pages) return;
    util_lock(&heap_lock);
    if (!p->parked) {   /* another thread adopted it first */
        util_unlock(&heap_lock);
        return;
    }
    for (struct heap **q = &heap_pool; *q; q = &(*q)->next_pool) {
        if (*q == p) {
            *q = p->next_pool;
            break;
        }
    }
    __atomic_store_n(&p->parked, false, __ATOMIC_RELAXED);
    __atomic_fetch_add(&heap_nlive, 1, __ATOMIC_RELAXED);   /* h's parking takes it off again */
    /* The thread's counters so far move to its slow counters (thread.allocated). */
    uint64_t in, out;
    heap_bytes(h, &in, &out);
    t->slow_allocated += in - t->allocated0;
    t->slow_deallocated += out - t->deallocated0;
    t->heap = &heap_empty;
    heap_empty_out(h, false);
    heap_park_locked(h);
    util_unlock(&heap_lock);
    heap_empty_out(p, false);   /* take in what other threads freed while it was parked */
    heap_lrun_share_slow(p);
    t->heap = p;
    t->took_over = true;
    heap_bytes(p, &t->allocated0, &t->deallocated0);
}

void *heap_alloc_small_any(unsigned c) {
    struct tide_tls *t = &tide_tls;
    struct heap *h = t->heap;
    if (h == &heap_empty) {
        if (t->state == TLS_FRESH && conf_opt.tcache && __atomic_load_n(&heap_key_ready, __ATOMIC_ACQUIRE))
            h = heap_thread_acquire();
        if (!h || h == &heap_empty) {
            struct arena *a = heap_thread_arena();
            util_lock(&a->lock);
            void *p = heap_alloc_small(a->shared, c);
            if (p) {   /* counted as put in and popped: see heap_bin_nfree */
                a->shared->bins[c].nmalloc++;
                a->shared->bins[c].nfill++;
            }
            util_unlock(&a->lock);
            if (p) t->slow_allocated += sc_size(c);
            return p;
        }
    }
    return heap_refill(h, c);
}

struct arena *heap_large_arena(void) {
    struct tide_tls *t = &tide_tls;
    struct heap *h = t->heap;
    /* A thread whose first allocation is large gets its heap now, as one
     * whose first is small does, so that it keeps its large runs too. */
    if (h == &heap_empty && t->state == TLS_FRESH && conf_opt.tcache &&
        __atomic_load_n(&heap_key_ready, __ATOMIC_ACQUIRE))
        h = heap_thread_acquire();
    return h && h != &heap_empty ? h->arena : heap_thread_arena();
}

TIDE_NOINLINE bool heap_lrun_push_slow(struct heap *h, struct heap_lrun *l, void *p, size_t size) {
    if (l->n == HEAP_LRUN_SLOTS || !heap_lrun_evict_slow(h, l, size)) return false;
    heap_lrun_keep(h, l, p, size);
    return true;
}

bool heap_lrun_holds(const void *p) {
    const struct heap *h = tide_tls.heap;
    for (unsigned i = 0; i < HEAP_LRUN_NSIZES; i++)
        for (unsigned k = 0; k < h->lrun[i].n; k++)
            if (h->lrun[i].run[k] == p) return true;
    return false;
}

TIDE_NOINLINE bool heap_lrun_push_marked_slow(struct slab *run, void *p) {
    if (heap_lrun_holds(p)) {
        misuse_report(MISUSE_DOUBLE_FREE, "double free", p, -1, (size_t)run->npages << SC_LG_PAGE);
        return true;   /* handled: left as it is */
    }
    misuse_mark_live(p);   /* the program's copy of the key: freed as usual */
    return heap_lrun_push(run, p);
}

/* Kept run p (taken off its list) back to its arena. */
static void heap_lrun_give(struct heap *h, void *p) {
    struct chunk *c = chunk_of(p);
    struct slab *run = chunk_run_of(c, p);
    h->lrun_bytes -= (size_t)run->npages << SC_LG_PAGE;
    h->lrun_nflush++;
    arena_large_free(c, run);
}

/* Make room for `size` more kept bytes in h's budget by giving back the runs
 * of the sizes other than `keep` pushed least recently. False if it cannot. */
static TIDE_NOINLINE bool heap_lrun_evict_slow(struct heap *h, const struct heap_lrun *keep, size_t size) {
    if (size > h->lrun_budget) return false;
    while (h->lrun_bytes + size > h->lrun_budget) {
        struct heap_lrun *old = NULL;
        uint32_t old_age = 0;
        for (unsigned i = 0; i < HEAP_LRUN_NSIZES; i++) {
            struct heap_lrun *l = &h->lrun[i];
            uint32_t age = (uint32_t)h->lrun_nkeep - l->stamp;   /* pushes since its last one (wraps) */
            if (l != keep && l->n && (!old || age > old_age)) {
                old = l;
                old_age = age;
            }
        }
        if (!old) return false;   /* only `keep`'s own runs hold the budget */
        heap_lrun_give(h, old->run[--old->n]);
    }
    return true;
}

/* Give h's kept runs back to their arenas, the largest first, until it
 * keeps at most `limit` bytes. */
static void heap_lrun_trim(struct heap *h, uint64_t limit) {
    for (unsigned i = HEAP_LRUN_NSIZES; i-- > 0 && h->lrun_bytes > limit;) {
        struct heap_lrun *l = &h->lrun[i];
        while (l->n && h->lrun_bytes > limit) heap_lrun_give(h, l->run[--l->n]);
    }
}

/* h's share of HEAP_LRUN_TOTAL among the live heaps; kept runs beyond it go
 * back to their arena. */
static TIDE_NOINLINE void heap_lrun_share_slow(struct heap *h) {
    unsigned n = __atomic_load_n(&heap_nlive, __ATOMIC_RELAXED);
    h->lrun_budget = conf_opt.dirty_decay_ms == 0 ? 0 : TIDE_MIN(HEAP_LRUN_BUDGET, HEAP_LRUN_TOTAL / TIDE_MAX(n, 1u));
    heap_lrun_trim(h, h->lrun_budget);
}

TIDE_NOINLINE void heap_lrun_tick_slow(struct heap *h) {
    heap_lrun_share_slow(h);
    heap_sparse_tick(h);
    arena_maybe_purge(h->arena);
}

unsigned heap_lrun_release(const void *q) {
    struct heap *h = tide_tls.heap;
    if (!h->lrun_bytes) return 0;   /* keeps none (heap_empty included) */
    for (unsigned i = 0; i < HEAP_LRUN_NSIZES; i++) {
        struct heap_lrun *l = &h->lrun[i];
        for (unsigned k = 0; k < l->n; k++) {
            if (l->run[k] != q) continue;
            memmove(&l->run[k], &l->run[k + 1], (l->n - k - 1) * sizeof l->run[0]);
            l->n--;
            heap_lrun_give(h, (void *)q);
            return HEAP_LRUN_MIN_PAGES + i;
        }
    }
    return 0;
}

/* heap_flush; the sparse slabs whose delay is not over are scavenged now
 * only with `now` (malloc_trim, tcache flush), else when it is. */
static void heap_empty_out(struct heap *h, bool now) {
    if (h == tide_tls.heap) heap_remote_flush();
    heap_lrun_trim(h, 0);   /* every kept run back to its arena */
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        heap_bin_flush(h, c, heap_bin_n(&h->bins[c]));
        if (!h->shared) heap_bin_set_cap(h, c, heap_bin_cap0(c));
    }
    memset(h->bin_refilled, 0, sizeof h->bin_refilled);
    memset(h->bin_active, 0, sizeof h->bin_active);
    heap_process_pending(h);
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        h->current[c] = &slab_empty;
        struct slab *s = h->slabs[c];
        while (s) {
            struct slab *next = s->next;
            heap_collect(h, s);
            if (s->used == 0 && slab_retirable(s)) heap_retire(h, s);
            else heap_uncache(h, s);
            s = next;
        }
    }
    if (h->sparse_head) heap_sparse_run(h, now);   /* sparse slabs give back their free pages */
}

void heap_flush(struct heap *h) { heap_empty_out(h, true); }

/* heap_empty_out of every parked heap (sparse slabs at once with `now`). */
static void heap_pool_empty_out(bool now) {
    if (!__atomic_load_n(&heap_pool, __ATOMIC_RELAXED)) return;
    util_lock(&heap_lock);
    for (struct heap *p = heap_pool; p; p = p->next_pool) heap_empty_out(p, now);
    util_unlock(&heap_lock);
}

void heap_maintain(void) {
    heap_remote_flush();
    struct heap *h = tide_tls.heap;
    if (h != &heap_empty && h->sparse_head) heap_sparse_run(h, false);
    /* Parked heaps take in the frees other threads made into their slabs
     * (so the statistics count them: stats.allocated is exact once the
     * threads are quiet), give back the slabs that emptied, and scavenge
     * the sparse slabs whose delay is over, as at a thread exit. */
    heap_pool_empty_out(false);
}

void heap_trim_parked(void) {
    heap_remote_flush();
    heap_pool_empty_out(true);
}

void heap_thread_exit(void) {
    struct tide_tls *t = &tide_tls;
    struct heap *h = t->heap;
    heap_remote_flush();
    t->state = TLS_DEAD;
    if (t->arena) __atomic_fetch_sub(&t->arena->nthreads, 1, __ATOMIC_RELAXED);
    if (h == &heap_empty) return;
    /* From here on this thread allocates from its arena's shared heap. */
    t->heap = &heap_empty;
    /* Sparse slabs are scavenged when their delay is over (here, at a later
     * thread exit, or on epoch), so that a program whose threads come and go
     * (mstress) does not madvise and fault its pages back in every time. */
    heap_empty_out(h, false);
    util_lock(&heap_lock);
    /* Blocks of parked heaps freed by other threads since: give back the
     * slabs they emptied, so memory does not wait for an adopter. */
    for (struct heap *p = heap_pool; p; p = p->next_pool) heap_empty_out(p, false);
    __atomic_store_n(&h->park_seq, ++heap_seq, __ATOMIC_RELAXED);
    heap_park_locked(h);
    util_unlock(&heap_lock);
}

void heap_thread_counters(uint64_t *allocated, uint64_t *deallocated) {
    struct tide_tls *t = &tide_tls;
    heap_remote_flush();   /* held remote frees count when handed over */
    uint64_t in = 0, out = 0;
    if (t->heap != &heap_empty) {
        heap_bytes(t->heap, &in, &out);
        in -= t->allocated0;
        out -= t->deallocated0;
    }
    *allocated = in + t->slow_allocated;
    *deallocated = out + t->slow_deallocated;
}

/* ---- fork ---------------------------------------------------------------- */

void heap_prefork(void) { util_lock(&heap_lock); }
void heap_postfork_parent(void) { util_unlock(&heap_lock); }

void heap_postfork_child(void) {
    util_mutex_reinit(&heap_lock);
    /* The other threads are gone: their heaps become adoptable. */
    for (struct heap *h = heap_list; h; h = h->next_all) {
        if (h->shared || h->parked || h == tide_tls.heap) continue;
        heap_park_locked(h);
    }
}
