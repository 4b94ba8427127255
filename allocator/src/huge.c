/* huge.c: one mapping per huge block, registered slot by slot in the page map. */
#include "huge.h"
#include "base.h"
#include "os.h"
#include "pagemap.h"
#include "sc.h"

#include <errno.h>
#include <sys/mman.h>

static util_mutex_t huge_lock = UTIL_MUTEX_INIT;
static struct huge *huge_recs;                 /* recycled records */
static size_t huge_allocated, huge_mapped_bytes;
static uint64_t huge_nmalloc, huge_nfree;

static struct huge *huge_rec_get(void) {
    util_lock(&huge_lock);
    struct huge *h = huge_recs;
    if (h) huge_recs = h->next_free;
    util_unlock(&huge_lock);
    return h ? h : base_alloc(sizeof *h);
}

static void huge_account(struct huge *h, bool add) {
    util_lock(&huge_lock);
    if (add) {
        huge_allocated += h->usable;
        huge_mapped_bytes += h->map_size;
        huge_nmalloc++;
    } else {
        huge_allocated -= h->usable;
        huge_mapped_bytes -= h->map_size;
        huge_nfree++;
        h->next_free = huge_recs;
        huge_recs = h;
    }
    util_unlock(&huge_lock);
}

/* A mapping for `size` bytes aligned to `align`; with `guard`, the block
 * starts `front` bytes in (a multiple of the alignment) and the page before
 * it and the page after it are PROT_NONE. */
static void *huge_map(size_t size, size_t align, bool guard) {
    size = sc_page_ceil(size);
    size_t front = guard ? TIDE_MAX(align, SC_PAGE) : 0;
    if (!size || size > (size_t)PTRDIFF_MAX - front - SC_PAGE) return NULL;
    size_t map_size = TIDE_ALIGN_UP(front + size + (guard ? SC_PAGE : 0), PAGEMAP_SLOT);
    if (map_size < size) return NULL;
    struct huge *h = huge_rec_get();
    if (!h) return NULL;
    char *map = os_map_aligned(map_size, TIDE_MAX(align, PAGEMAP_SLOT));
    if (!map) {
        util_lock(&huge_lock);
        h->next_free = huge_recs;
        huge_recs = h;
        util_unlock(&huge_lock);
        return NULL;
    }
    if (guard) {
        os_guard(map + front - SC_PAGE, SC_PAGE);
        os_guard(map + front + size, SC_PAGE);
    }
    h->map = map;
    h->map_size = map_size;
    h->ptr = map + front;
    h->usable = size;
    if (!pagemap_set(map, map_size, (uintptr_t)h)) {
        pagemap_set(map, map_size, 0);
        os_unmap(map, map_size);
        h->usable = h->map_size = 0;
        huge_account(h, true);
        huge_account(h, false);
        return NULL;
    }
    huge_account(h, true);
    return h->ptr;
}

void *huge_alloc(size_t size, size_t align) { return huge_map(size, align, false); }
void *huge_alloc_guarded(size_t size, size_t align) { return huge_map(size, align, true); }

void huge_free(struct huge *h) {
    pagemap_set(h->map, h->map_size, 0);
    os_unmap(h->map, h->map_size);
    huge_account(h, false);
}

/* Grow the mapping of h to map_size: in place if the range after it is free,
 * else (may_move) onto a fresh slot-aligned range. The page map is set up
 * before the remap, so a failure leaves the block as it was. */
static void *huge_grow(struct huge *h, size_t size, size_t map_size, bool may_move) {
    int e = errno;
    char *old = h->map, *tail = old + h->map_size;
    void *ret = NULL;
    if (pagemap_ensure(tail, map_size - h->map_size) &&
        mremap(old, h->map_size, map_size, 0) != MAP_FAILED) {
        pagemap_set(tail, map_size - h->map_size, (uintptr_t)h);
        ret = old;
    } else if (may_move) {
        void *dst = os_map_aligned(map_size, PAGEMAP_SLOT);
        if (dst && pagemap_set(dst, map_size, (uintptr_t)h) &&
            mremap(old, h->map_size, map_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != MAP_FAILED) {
            pagemap_set(old, h->map_size, 0);
            ret = dst;
        } else if (dst) {
            pagemap_set(dst, map_size, 0);
            os_unmap(dst, map_size);
        }
    }
    if (ret) {
        h->map = h->ptr = ret;
        h->map_size = map_size;
        h->usable = size;
    }
    errno = e;
    return ret;
}

void *huge_realloc(struct huge *h, size_t size, bool may_move) {
    size = sc_page_ceil(size);
    if (!size || size > (size_t)PTRDIFF_MAX) return NULL;
    size_t map_size = TIDE_ALIGN_UP(size, PAGEMAP_SLOT);
    if (h->ptr != h->map) return NULL;   /* never: huge blocks start their mapping */
    util_lock(&huge_lock);
    huge_allocated -= h->usable;
    huge_mapped_bytes -= h->map_size;
    util_unlock(&huge_lock);
    void *ret = h->ptr;
    if (map_size == h->map_size) {
        if (size < h->usable) os_purge((char *)h->map + size, h->usable - size);
        h->usable = size;
    } else if (map_size < h->map_size) {
        char *tail = (char *)h->map + map_size;
        pagemap_set(tail, h->map_size - map_size, 0);
        os_unmap(tail, h->map_size - map_size);
        h->map_size = map_size;
        h->usable = size;
    } else {
        ret = huge_grow(h, size, map_size, may_move);
    }
    util_lock(&huge_lock);
    huge_allocated += h->usable;
    huge_mapped_bytes += h->map_size;
    util_unlock(&huge_lock);
    return ret;
}

void huge_stats(size_t *allocated, size_t *mapped, uint64_t *nmalloc, uint64_t *nfree) {
    util_lock(&huge_lock);
    *allocated = huge_allocated;
    *mapped = huge_mapped_bytes;
    *nmalloc = huge_nmalloc;
    *nfree = huge_nfree;
    util_unlock(&huge_lock);
}

void huge_prefork(void) { util_lock(&huge_lock); }
void huge_postfork_parent(void) { util_unlock(&huge_lock); }
void huge_postfork_child(void) { util_mutex_reinit(&huge_lock); }
