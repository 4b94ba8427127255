/*
 * alloc.c: the public allocation API. Fast paths first, each readable on its
 * own; everything else is in *_slow functions, noinline.
 */
#include "arena.h"
#include "conf.h"
#include "heap.h"
#include "huge.h"
#include "init.h"
#include "misuse.h"
#include "sc.h"
#include "secure.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tide.h"

/* In the ThreadSanitizer build, tsanboot.c defines malloc, free, calloc and
 * realloc, and serves the calls the TSan runtime makes before it is ready. */
#ifdef TIDE_TSAN
#define ALLOC_API(name) alloc_tsan_##name
#else
#define ALLOC_API(name) name
#endif

/* ---- slow paths --------------------------------------------------------- */

static TIDE_NOINLINE void *alloc_large_or_huge_slow(size_t n, size_t align, bool zero) {
    if (TIDE_UNLIKELY(n > (size_t)PTRDIFF_MAX || !init_ensure())) {
        errno = ENOMEM;
        return NULL;
    }
    if (conf_opt.secure) return secure_alloc(n, align, zero);
    size_t size = sc_page_ceil(n ? n : 1);
    void *p;
    bool grew = false;
    for (int tries = 0;; tries++) {
        if (size <= SC_LARGE_MAX && align <= SC_LARGE_MAX) {
            p = arena_large_alloc(heap_large_arena(), size, align, zero, &grew);
            if (grew) heap_arena_grew();
        } else
            p = huge_alloc(size, align);
        /* Out of address space: empty chunks give theirs back, once. */
        if (p || tries || !arena_release_empty()) break;
    }
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    tide_tls.slow_allocated += size;
    return p;
}

/* The thread's bin b is empty; n: the size asked (preset:secure lays the
 * block out for it). The class is b's index: passing the bin keeps the fast
 * path from holding the class in a register of its own. */
static TIDE_NOINLINE void *alloc_small_slow(const struct heap_bin *b, size_t n) {
    unsigned c = (unsigned)(b - tide_tls.heap->bins);
    if (TIDE_UNLIKELY(!init_ensure())) {
        errno = ENOMEM;
        return NULL;
    }
    if (conf_opt.secure) return secure_alloc_small(c, n);
    void *p = heap_alloc_small_any(c);
    if (TIDE_UNLIKELY(!p) && arena_release_empty()) p = heap_alloc_small_any(c);   /* see alloc_large_or_huge_slow */
    if (TIDE_UNLIKELY(!p)) errno = ENOMEM;
    else misuse_mark_live(p);
    return p;
}


/* The owner of a block, found through the page map. */
struct alloc_owner {
    uintptr_t entry;
    struct chunk *chunk;   /* NULL for huge or foreign */
    struct slab *run;
    struct huge *huge;
};

/* The owner of p from its page-map entry e (pagemap_get(p)). */
static struct alloc_owner alloc_owner_at(const void *p, uintptr_t e) {
    struct alloc_owner o = {e, NULL, NULL, NULL};
    if (!o.entry) return o;
    if (!pagemap_is_chunk(o.entry)) {
        struct huge *hg = pagemap_ptr(o.entry);
        if (hg->ptr == p) o.huge = hg;
        return o;
    }
    o.chunk = pagemap_ptr(o.entry);
    struct slab *r = chunk_run_of(o.chunk, p);
    if ((uintptr_t)p < (uintptr_t)o.chunk + ((uintptr_t)o.chunk->header_pages << SC_LG_PAGE)) return o;
    if (r->kind == RUN_SLAB && slab_block_index(r, p) >= 0) o.run = r;
    else if (r->kind == RUN_LARGE && r->base == (uintptr_t)p) o.run = r;
    return o;
}

/* The owner of p, through the page map. */
static struct alloc_owner alloc_owner_of(const void *p) { return alloc_owner_at(p, pagemap_get(p)); }

/* p starts no live block of ours (misuse.h): reported, never touched. A
 * large run's first byte or a huge block's start that is no longer live
 * lands here too (its pages name no run, its slots no record). */
static TIDE_NOINLINE void alloc_invalid_slow(const void *p, const char *what) {
    misuse_report(MISUSE_INVALID_FREE, what, p, -1, 0);
}

static TIDE_NOINLINE void free_slow(void *p) {
    if (!p) return;
    int e = errno;
    struct alloc_owner o = alloc_owner_of(p);
    if (o.run && o.run->kind == RUN_SLAB) {
        heap_free_foreign_slab(o.run, p);
    } else if (o.run) {
        tide_tls.slow_deallocated += (size_t)o.run->npages << SC_LG_PAGE;
        arena_large_free(o.chunk, o.run);
    } else if (o.huge) {
        tide_tls.slow_deallocated += o.huge->usable;
        huge_free(o.huge);
    } else {
        alloc_invalid_slow(p, "invalid free");
    }
    errno = e;
}

/* A block of page `page` of chunk c that is not ours: another thread's or a
 * shared heap's slab, a purged page of any slab, or not a slab at all (large
 * run, header, free page). */
static TIDE_NOINLINE void free_other_slow(struct chunk *c, size_t page, void *p) {
    struct slab *s = c->page_slab[page];
    /* The slab of the run this thread holds is a slab: its header (written
     * by its owner) need not be read. */
    if (TIDE_LIKELY(s == tide_tls.rf_slab || (s->kind == RUN_SLAB && s->heap))) return heap_free_foreign_slab(s, p);
    if (s->kind == RUN_LARGE && heap_lrun_push(s, p)) return;   /* 16 KiB - 1 MiB: kept by the thread */
    free_slow(p);
}

/* p, a block of one of the thread's own slabs, carries the free mark: a
 * double free unless the program copied the key into a live block. */
static TIDE_NOINLINE void free_marked_slow(struct heap *h, struct heap_bin *b, void *p);

/* p, a block of h's own slab, and its bin b (the class is b's index) is full. */
static TIDE_NOINLINE void free_bin_full_slow(struct heap *h, struct heap_bin *b, void *p) {
    heap_free_bin_full(h, (unsigned)(b - h->bins), p);
}

/* ---- fast paths ---------------------------------------------------------- */

#ifdef TIDE_BREAK_TWICE
/* Deliberately broken build (the self-check): every 16th malloc of the
 * 192-byte class hands out the block the one before returned, a second
 * time. */
static TIDE_TLS void *break_last;
static TIDE_TLS unsigned break_n;
static void *alloc_small_broken(size_t c, size_t n);
#define alloc_small(c, n) alloc_small_broken(c, n)
#endif

/* Pop a block of class c (for n bytes) from the thread's bin; it loses the
 * free mark. */
TIDE_INLINE void *(alloc_small)(size_t c, size_t n) {
    struct heap *h = tide_tls.heap;
    struct heap_bin *b = &h->bins[c];
    void **t = b->top;
    if (TIDE_UNLIKELY(t == b->base)) return alloc_small_slow(b, n);
    b->top = --t;
    b->nmalloc++;
    void *p = *t;
    misuse_mark_live(p);
    return p;
}

#ifdef TIDE_BREAK_TWICE
static void *alloc_small_broken(size_t c, size_t n) {
    if (sc_size(c) != 192) return (alloc_small)(c, n);
    if (break_last && ++break_n % 16 == 0) return break_last;
    return break_last = (alloc_small)(c, n);
}
#endif

/* Sizes above the lookup table: the upper small classes, large and huge. */
static TIDE_NOINLINE void *malloc_above_lookup(size_t n) {
    if (n <= SC_SMALL_MAX) return alloc_small(sc_index(n), n);
    if (n <= HEAP_LRUN_MAX_BYTES) {
        void *p = heap_lrun_pop(n);
        if (p) return p;
    }
    return alloc_large_or_huge_slow(n, SC_PAGE, false);
}

TIDE_EXPORT void *ALLOC_API(malloc)(size_t n) {
    if (TIDE_LIKELY(n <= SC_LOOKUP_MAX)) return alloc_small(sc_lookup_index(n), n);
    return malloc_above_lookup(n);
}

/* free of p, a 16-aligned pointer into chunk c: marked free and into the
 * thread's bin if it is a block of one of the thread's own slabs. */
TIDE_INLINE void free_in_chunk(struct tide_tls *t, struct chunk *c, void *p) {
    size_t page = chunk_page_of(p);
    struct heap_bin *b = c->page_owner[page];
    if (TIDE_UNLIKELY(b->heap != t->heap)) return free_other_slow(c, page, p);
    if (TIDE_UNLIKELY(misuse_marked(p))) return free_marked_slow(t->heap, b, p);
    misuse_mark_free(p);
    void **top = b->top;
    if (TIDE_UNLIKELY(top == b->limit)) return free_bin_full_slow(t->heap, b, p);
    *top = p;
    b->top = top + 1;
}

/* The chunk the page map just confirmed becomes the thread's last one
 * (never under preset:secure: its frees and reallocs take the slow paths). */
static void alloc_confirm_chunk(struct chunk *c) {
    if (!conf_opt.secure) tide_tls.last_chunk = (uintptr_t)c;
}

/* free of p outside the thread's last confirmed chunk, or not 16-aligned:
 * ask the page map (a misaligned pointer starts no block). */
static TIDE_NOINLINE void free_unconfirmed_slow(void *p) {
    if (conf_opt.secure) return secure_free(p);
    struct chunk *c = chunk_of(p);
    if (((uintptr_t)p & 15) || !pagemap_is_chunk(pagemap_get(p))) return free_slow(p);
    alloc_confirm_chunk(c);   /* chunks are never unmapped: it stays one */
    free_in_chunk(&tide_tls, c, p);
}

/* The mask keeps the chunk and the pointer's low 4 bits: it equals the last
 * confirmed chunk only for a 16-aligned pointer into it. */
#define ALLOC_FREE_MASK (~(uintptr_t)(CHUNK_SIZE - 1) | 15)

TIDE_EXPORT void ALLOC_API(free)(void *p) {
    struct tide_tls *t = &tide_tls;
    uintptr_t m = (uintptr_t)p & ALLOC_FREE_MASK;
    if (TIDE_UNLIKELY(m != t->last_chunk)) return free_unconfirmed_slow(p);
    free_in_chunk(t, (struct chunk *)m, p);
}

static TIDE_NOINLINE void free_marked_slow(struct heap *h, struct heap_bin *b, void *p) {
    struct slab *s = chunk_run_of(chunk_of(p), p);
    int cls = (int)(b - h->bins);
    if (heap_block_is_free(h, s, p)) return misuse_report(MISUSE_DOUBLE_FREE, "double free", p, cls, s->block_size);
    if (!slab_block_start(s, p)) return misuse_report(MISUSE_INVALID_FREE, "invalid free", p, cls, s->block_size);
    misuse_mark_live(p);   /* a live block that held the key: freed as usual */
    free_in_chunk(&tide_tls, chunk_of(p), p);
}

/* ---- sizes --------------------------------------------------------------- */

/* Usable size of the block an owner lookup found (0: not ours). */
static size_t alloc_owner_usable(const struct alloc_owner *o) {
    if (o->run) return o->run->kind == RUN_SLAB ? o->run->block_size : (size_t)o->run->npages << SC_LG_PAGE;
    if (o->huge) return o->huge->usable;
    return 0;
}

/* The block p an owner lookup found is free: a marked small block its slab
 * or a bin holds, or a large run a heap keeps (misuse.h). */
static bool alloc_owner_freed(const struct alloc_owner *o, void *p) {
    if (!o->run || !misuse_marked(p)) return false;
    if (o->run->kind == RUN_LARGE) return heap_lrun_holds(p);
    return o->run->heap != tide_tls.heap || heap_block_is_free(o->run->heap, o->run, p);
}

/* Usable size of p (0: not ours), through the page map; the chunk it finds
 * becomes the thread's last confirmed chunk, as in free. A slab block is
 * answered from its run header with no block-start check, as on the fast
 * path (Redis asks the size of blocks all over its heap: a third of its
 * calls come here). */
static TIDE_NOINLINE size_t alloc_usable_slow(const void *p) {
    if (conf_opt.secure) return secure_usable(p);
    uintptr_t e = pagemap_get(p);
    if (pagemap_is_chunk(e)) {
        struct chunk *c = pagemap_ptr(e);
        alloc_confirm_chunk(c);   /* chunks are never unmapped */
        const struct slab *s = chunk_run_of(c, p);
        if (s->kind == RUN_SLAB) return s->block_size;
    }
    struct alloc_owner o = alloc_owner_at(p, e);
    return alloc_owner_usable(&o);
}

/* The slab holding p if p lies in the chunk the thread last confirmed and
 * its page is a slab's, read from the page's run header with no page-map
 * walk and no check that p starts a block (p must come from malloc, as for
 * free; jemalloc does not check either); else NULL. */
TIDE_INLINE const struct slab *alloc_slab_in_last_chunk(const void *p) {
    struct chunk *c = chunk_of(p);
    if ((uintptr_t)c != tide_tls.last_chunk) return NULL;
    const struct slab *s = c->page_slab[chunk_page_of(p)];
    return TIDE_LIKELY(s->kind == RUN_SLAB) ? s : NULL;
}

/* A block of slab s stays where it is for a size of n bytes: n is of its class. */
TIDE_INLINE bool alloc_slab_keeps(const struct slab *s, size_t n) {
    return n <= SC_SMALL_MAX && sc_size(sc_index(n)) == s->block_size;
}

/* A block of `size` bytes of a coarse class stays where it is for n bytes of
 * that class after sc_refine moved n to a 16-byte class. */
static bool alloc_block_keeps_coarse(size_t size, size_t n) {
    return n <= size && n <= SC_LOOKUP_MAX && sc_size(sc_coarse_index(n)) == size;
}

/* Usable size of p: a slab block in the thread's last confirmed chunk is
 * answered from its run header (Redis asks the size of every block it
 * allocates and frees); anything else through the page map. */
static size_t alloc_usable(const void *p) {
    const struct slab *s = alloc_slab_in_last_chunk(p);
    return s ? s->block_size : alloc_usable_slow(p);
}

TIDE_EXPORT size_t malloc_usable_size(void *p) { return p ? alloc_usable(p) : 0; }

/* The small class for n bytes aligned to `align` (a power of two <= page):
 * the first class from that of n rounded up to `align` whose blocks all
 * start on it (slabs start on a page; the 8-byte class is only 8-aligned);
 * SC_NSMALL when no small class will do. */
TIDE_INLINE size_t alloc_aligned_class(size_t n, size_t align) {
    if (n > SC_SMALL_MAX) return SC_NSMALL;
    size_t m = TIDE_ALIGN_UP(n ? n : 1, align);
    if (m > SC_SMALL_MAX) return SC_NSMALL;
    size_t c = sc_index(m);
    while (c < SC_NSMALL && (sc_size(c) & (align - 1))) c++;
    return c;
}

/* Usable size of an allocation of n bytes aligned to align (0: impossible).
 * align is 0 when none was asked (nallocx without MALLOCX_ALIGN): the
 * `align <= 16` case answers it, as alloc_aligned_class needs a power of two. */
static size_t alloc_size_for(size_t n, size_t align) {
    if (n > (size_t)PTRDIFF_MAX) return 0;
    if (conf_opt.secure) return n ? n : 1;   /* the canary starts right after the block */
    if (align > SC_PAGE && (align > (size_t)PTRDIFF_MAX || n > (size_t)PTRDIFF_MAX - align)) return 0;
    if (align <= 16) return sc_usable(TIDE_MAX(n, align));
    if (align <= SC_PAGE) {
        size_t c = alloc_aligned_class(n, align);
        if (c < SC_NSMALL) return sc_size(c);
    }
    size_t r = sc_page_ceil(n ? n : 1);
    return r > (size_t)PTRDIFF_MAX ? 0 : r;
}

/* ---- the aligned family -------------------------------------------------- */

/* An aligned allocation of a page run or more: a run the thread keeps if
 * the last kept one of its size starts on the alignment (not for zeroed
 * memory: a kept run is dirty), else the arena or a mapping. Out of line:
 * the small path of alloc_aligned then saves no registers. */
static TIDE_NOINLINE void *alloc_aligned_large_slow(size_t n, size_t align, bool zero) {
    if (!zero && n > SC_SMALL_MAX && n <= HEAP_LRUN_MAX_BYTES) {
        void *p = heap_lrun_pop_aligned(n, align);
        if (p) return p;
    }
    return alloc_large_or_huge_slow(n, TIDE_MAX(align, SC_PAGE), zero);
}

/* n bytes aligned to `align` (a power of two, never 0: mallocx passes 16
 * when no alignment was asked): a block of a small class from the thread's
 * bin when one will do, else a page run or a mapping. */
TIDE_INLINE void *alloc_aligned(size_t align, size_t n, bool zero) {
    if (TIDE_LIKELY(align <= SC_PAGE)) {
        size_t c = alloc_aligned_class(n, align);
        if (TIDE_LIKELY(c < SC_NSMALL)) {
            void *p = alloc_small(c, n);
            if (p && zero) memset(p, 0, n);
            return p;
        }
    }
    return alloc_aligned_large_slow(n, align, zero);
}

static bool alloc_pow2(size_t a) { return a && !(a & (a - 1)); }

TIDE_EXPORT int posix_memalign(void **out, size_t align, size_t n) {
    if (!alloc_pow2(align) || align % sizeof(void *)) return EINVAL;
    int e = errno;
    void *p = alloc_aligned(align, n, false);
    if (!p) {
        errno = e;
        return ENOMEM;
    }
    *out = p;
    return 0;
}

TIDE_EXPORT void *aligned_alloc(size_t align, size_t n) {
    if (!alloc_pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_aligned(align, n, false);
}

TIDE_EXPORT void *memalign(size_t align, size_t n) {
    /* glibc accepts any alignment and rounds it up to a power of two. */
    if (align > (size_t)PTRDIFF_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    size_t a = 1;
    while (a < align) a <<= 1;
    return alloc_aligned(a, n, false);
}

TIDE_EXPORT void *valloc(size_t n) { return alloc_aligned(SC_PAGE, n, false); }

TIDE_EXPORT void *pvalloc(size_t n) {
    size_t r = sc_page_ceil(n ? n : 1);
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc_aligned(SC_PAGE, r, false);
}

/* ---- calloc and realloc -------------------------------------------------- */

TIDE_EXPORT void *ALLOC_API(calloc)(size_t k, size_t n) {
    size_t total;
    if (TIDE_UNLIKELY(__builtin_mul_overflow(k, n, &total))) {
        errno = ENOMEM;
        return NULL;
    }
    if (total <= SC_SMALL_MAX) {
        void *p = alloc_small(sc_index(total), total);
#ifdef TIDE_BREAK_ZEROING
        /* Deliberately broken build (the self-check): calloc of the 48-byte
         * class is not zeroed. */
        if (sc_size(sc_index(total)) == 48) return p;
#endif
        if (p) memset(p, 0, total);
        return p;
    }
    return alloc_large_or_huge_slow(total, SC_PAGE, true);
}

/* realloc's new block. A large one comes from the arena's first fit, not
 * from the runs the thread keeps: a block realloc moved tends to grow again,
 * and a kept run usually has no free pages after it to grow into, while the
 * lowest free run that fits often has (BM_realloc_grow to 1 MiB after the
 * large malloc/free cases: 10.4 us from kept runs, 0.70 from first fit). */
static void *alloc_move(void *p, size_t old, size_t n, size_t align, bool zero) {
    void *q = align > 16        ? alloc_aligned(align, n, false)
              : n > SC_SMALL_MAX ? alloc_large_or_huge_slow(n, SC_PAGE, false)
                                 : malloc(n);
    if (!q) return NULL;
    memcpy(q, p, TIDE_MIN(old, n));
    if (zero && n > old) memset((char *)q + old, 0, n - old);
    free(p);
    return q;
}

/* A large run could not grow in place to `size`: if runs this thread keeps
 * (heap.lrun) stand right after it, give them back and try again. Without
 * this, a kept run would turn a realloc that grows in place into a copy. */
static TIDE_NOINLINE bool alloc_grow_past_kept_slow(const struct alloc_owner *o, size_t size) {
    const char *q = (const char *)o->run->base + ((size_t)o->run->npages << SC_LG_PAGE);
    const char *want = (const char *)o->run->base + size;
    unsigned pages;
    while (q < want && (pages = heap_lrun_release(q)) != 0) {
        q += (size_t)pages << SC_LG_PAGE;
        if (arena_large_resize(o->chunk, o->run, size)) return true;
    }
    return false;
}

/* Resize in place if the block's size class or page run allows it. */
static bool alloc_resize_in_place(const struct alloc_owner *o, size_t n) {
    if (o->run && o->run->kind == RUN_SLAB)
        return alloc_slab_keeps(o->run, n) || alloc_block_keeps_coarse(o->run->block_size, n);
    if (o->run) {
        size_t size = sc_page_ceil(n);
        if (n <= SC_SMALL_MAX || size > SC_LARGE_MAX) return false;
        return arena_large_resize(o->chunk, o->run, size) || alloc_grow_past_kept_slow(o, size);
    }
    if (o->huge) return n > SC_LARGE_MAX && huge_realloc(o->huge, n, false) != NULL;
    return false;
}

static TIDE_NOINLINE void *realloc_slow(void *p, size_t n, size_t align, bool zero) {
    if (n > (size_t)PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    if (conf_opt.secure) return secure_realloc(p, n, align, zero);
    struct alloc_owner o = alloc_owner_of(p);
    if (!o.run && !o.huge) {
        alloc_invalid_slow(p, "invalid realloc");
        errno = ENOMEM;   /* not a block of ours: its size is unknown */
        return NULL;
    }
    if (alloc_owner_freed(&o, p)) {
        misuse_report(MISUSE_DOUBLE_FREE, "realloc of a freed block", p,
                      o.run->kind == RUN_SLAB ? (int)o.run->cls : -1, alloc_owner_usable(&o));
        errno = ENOMEM;
        return NULL;
    }
    if (o.chunk) alloc_confirm_chunk(o.chunk);   /* chunks are never unmapped */
    size_t old = alloc_owner_usable(&o);
    if ((align <= 16 || ((uintptr_t)p & (align - 1)) == 0) && alloc_resize_in_place(&o, n)) {
        if (zero && n > old) memset((char *)p + old, 0, n - old);
        return p;
    }
    if (o.huge && n > SC_LARGE_MAX && align <= SC_PAGE) {
        void *q = huge_realloc(o.huge, n, true);
        if (q) return q;
    }
    return alloc_move(p, old, n, align, zero);
}

/* realloc of a slab block of `old` bytes to a small size n of another class
 * (out of line: the fast path below then saves no registers). */
static TIDE_NOINLINE void *realloc_small_move_slow(void *p, size_t old, size_t n) {
    if (alloc_block_keeps_coarse(old, n)) return p;
    return alloc_move(p, old, n, 0, false);
}

/* A slab block in the thread's last confirmed chunk, resized to a small
 * size, reads its class from the run header, as malloc_usable_size does;
 * everything else takes realloc_slow. */
TIDE_EXPORT void *ALLOC_API(realloc)(void *p, size_t n) {
    if (!p) return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    const struct slab *s = n <= SC_SMALL_MAX ? alloc_slab_in_last_chunk(p) : NULL;
    if (s && !misuse_marked(p)) return alloc_slab_keeps(s, n) ? p : realloc_small_move_slow(p, s->block_size, n);
    return realloc_slow(p, n, 0, false);
}

TIDE_EXPORT void *reallocarray(void *p, size_t k, size_t n) {
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

/* ---- sized frees (C23) --------------------------------------------------- */

TIDE_EXPORT void free_sized(void *p, size_t n) {
    (void)n;
    free(p);
}

TIDE_EXPORT void free_aligned_sized(void *p, size_t align, size_t n) {
    (void)align;
    (void)n;
    free(p);
}

TIDE_EXPORT void cfree(void *p) { free(p); }

/* ---- glibc extras -------------------------------------------------------- */

TIDE_EXPORT int malloc_trim(size_t pad) {
    (void)pad;
    if (!init_ready()) return 0;
    int e = errno;
    if (conf_opt.secure) secure_drain();
    struct heap *h = tide_tls.heap;
    if (h != &heap_empty) heap_flush(h);
    heap_trim_parked();
    size_t n = 0;
    for (unsigned i = 0; i < arena_count(); i++) n += arena_purge(arena_get(i), true);
    errno = e;
    return n > 0;
}

TIDE_EXPORT struct mallinfo2 mallinfo2(void) {
    struct mallinfo2 mi;
    memset(&mi, 0, sizeof mi);
    if (!init_ready()) return mi;
    size_t active = 0, dirty = 0, mapped = 0;
    for (unsigned i = 0; i < arena_count(); i++) {
        struct arena *a = arena_get(i);
        util_lock(&a->lock);
        active += a->pactive << SC_LG_PAGE;
        dirty += a->ndirty << SC_LG_PAGE;
        mapped += a->nchunks * CHUNK_SIZE;
        util_unlock(&a->lock);
    }
    size_t hall, hmap;
    uint64_t hn, hf;
    huge_stats(&hall, &hmap, &hn, &hf);
    /* Large runs the threads keep count as free, as in the statistics. */
    size_t kept = TIDE_MIN(heap_kept_bytes(), active);
    mi.arena = mapped;            /* bytes in chunks */
    mi.hblks = hn - hf;           /* huge blocks */
    mi.hblkhd = hmap;
    mi.uordblks = active - kept + hall;  /* bytes in use, page granularity */
    mi.fordblks = mapped - active + kept;
    mi.keepcost = dirty;
    return mi;
}

TIDE_EXPORT struct mallinfo mallinfo(void) {
    struct mallinfo2 m2 = mallinfo2();
    struct mallinfo m;
    memset(&m, 0, sizeof m);
    m.arena = (int)m2.arena;
    m.hblks = (int)m2.hblks;
    m.hblkhd = (int)m2.hblkhd;
    m.uordblks = (int)m2.uordblks;
    m.fordblks = (int)m2.fordblks;
    m.keepcost = (int)m2.keepcost;
    return m;
}

TIDE_EXPORT int mallopt(int param, int value) {
    (void)param;
    (void)value;
    return 1;   /* accepted, no effect: tide has no glibc tunables */
}

/* ---- the jemalloc API ---------------------------------------------------- */

static size_t alloc_flag_align(int flags) {
    int la = flags & 0x3f;
    return la ? (size_t)1 << la : 0;
}

TIDE_EXPORT void *mallocx(size_t n, int flags) {
    size_t align = alloc_flag_align(flags);
    bool zero = flags & MALLOCX_ZERO;
    if (align >= 16 || zero) return alloc_aligned(align ? align : 16, n, zero);
    return malloc(n);
}

TIDE_EXPORT void *rallocx(void *p, size_t n, int flags) {
    size_t align = alloc_flag_align(flags);
    bool zero = flags & MALLOCX_ZERO;
    if (!p) return mallocx(n, flags);
    return realloc_slow(p, n ? n : 1, align, zero);
}

TIDE_EXPORT size_t xallocx(void *p, size_t n, size_t extra, int flags) {
    bool zero = flags & MALLOCX_ZERO;
    if (conf_opt.secure) return secure_usable(p);   /* never in place: the canary follows the block */
    struct alloc_owner o = alloc_owner_of(p);
    size_t old = alloc_owner_usable(&o);
    size_t want = n + extra < n ? SIZE_MAX : n + extra;
    if (want > (size_t)PTRDIFF_MAX) want = (size_t)PTRDIFF_MAX;
    /* Try the largest first, then the minimum. */
    if ((want != old && alloc_resize_in_place(&o, want)) || (n != old && n < want && alloc_resize_in_place(&o, n))) {
        size_t now = alloc_owner_usable(&o);   /* the run or huge record, resized in place */
        if (zero && now > old) memset((char *)p + old, 0, now - old);
        return now;
    }
    return old;
}

TIDE_EXPORT size_t sallocx(const void *p, int flags) {
    (void)flags;
    return alloc_usable(p);
}

TIDE_EXPORT void dallocx(void *p, int flags) {
    (void)flags;
    free(p);
}

TIDE_EXPORT void sdallocx(void *p, size_t n, int flags) {
    (void)n;
    (void)flags;
    free(p);
}

TIDE_EXPORT size_t nallocx(size_t n, int flags) {
    size_t align = alloc_flag_align(flags);
    return alloc_size_for(n, align);
}

/* ---- aliases for code that calls glibc's internal names ----------------- */

TIDE_EXPORT void *__libc_malloc(size_t n) { return malloc(n); }
TIDE_EXPORT void __libc_free(void *p) { free(p); }
TIDE_EXPORT void *__libc_calloc(size_t k, size_t n) { return calloc(k, n); }
TIDE_EXPORT void *__libc_realloc(void *p, size_t n) { return realloc(p, n); }
TIDE_EXPORT void *__libc_memalign(size_t a, size_t n) { return memalign(a, n); }
TIDE_EXPORT void *__libc_valloc(size_t n) { return valloc(n); }
TIDE_EXPORT void *__libc_pvalloc(size_t n) { return pvalloc(n); }
TIDE_EXPORT int __posix_memalign(void **p, size_t a, size_t n) { return posix_memalign(p, a, n); }
