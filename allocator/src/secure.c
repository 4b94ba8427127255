/* secure.c: preset:secure (secure.h): canaries, trailers, the quarantine. */
#include "secure.h"
#include "arena.h"
#include "heap.h"
#include "huge.h"
#include "misuse.h"
#include "pagemap.h"

#include <errno.h>
#include <string.h>

#define SECURE_FREED            ((uintptr_t)1 << 63)
#define SECURE_POISON           0xdb
#define SECURE_POISON_MAX       4096    /* bytes of a freed block poisoned and checked */
#define SECURE_CANARY_MAX       64      /* canary bytes checked after n */
#define SECURE_QUARANTINE       256     /* blocks ... */
#define SECURE_QUARANTINE_BYTES ((size_t)4 << 20)   /* ... and bytes held before reuse */

/* A block found from a pointer: its bytes and, for a slab block, its slab. */
struct secure_block {
    size_t bytes;          /* 0: p starts no block of ours */
    struct slab *slab;     /* NULL for a guarded mapping */
    struct huge *huge;
};

static struct secure_block secure_find(const void *p) {
    struct secure_block b = {0, NULL, NULL};
    uintptr_t e = pagemap_get(p);
    if (!e) return b;
    if (pagemap_is_chunk(e)) {
        struct chunk *c = pagemap_ptr(e);
        struct slab *s = chunk_run_of(c, p);
        if (s->kind == RUN_SLAB && s->heap && slab_block_start(s, p)) {
            b.bytes = s->block_size;
            b.slab = s;
        }
        return b;
    }
    struct huge *hg = pagemap_ptr(e);
    if (hg->ptr == p) {
        b.bytes = hg->usable;
        b.huge = hg;
    }
    return b;
}

static uintptr_t *secure_trailer(void *p, size_t bytes) { return (uintptr_t *)((char *)p + bytes - sizeof(uintptr_t)); }
static unsigned char secure_canary(uintptr_t a) { return (unsigned char)((misuse_key >> ((a & 7) * 8)) ^ 0xa5); }

/* Out of memory: the quarantine lets its blocks go, and empty chunks give
 * back their address space. True if anything was freed. */
static bool secure_make_room(void) {
    bool any = secure_drain();
    return arena_release_empty() > 0 || any;
}

/* Lay out a block of `bytes` for n bytes of the program. */
static void *secure_arm(void *p, size_t bytes, size_t n) {
    unsigned char *c = (unsigned char *)p + n, *end = (unsigned char *)secure_trailer(p, bytes);
    for (; c < end; c++) *c = secure_canary((uintptr_t)c);
    *secure_trailer(p, bytes) = n ^ misuse_key;
    return p;
}

/* n of live block p of `bytes`, or report what is wrong and return SIZE_MAX. */
static size_t secure_check(void *p, size_t bytes, const char *what, int cls) {
    uintptr_t t = *secure_trailer(p, bytes) ^ misuse_key;
    if (t & SECURE_FREED) {
        misuse_report(MISUSE_DOUBLE_FREE, what, p, cls, bytes);
        return SIZE_MAX;
    }
    if (t + SECURE_TAIL > bytes) {
        misuse_report(MISUSE_CORRUPTED, "overflow past the end (trailer)", p, cls, bytes);
        return SIZE_MAX;
    }
    const unsigned char *c = (const unsigned char *)p + t;
    const unsigned char *end = (const unsigned char *)secure_trailer(p, bytes);
    if (end - c > SECURE_CANARY_MAX) end = c + SECURE_CANARY_MAX;
    for (; c < end; c++)
        if (*c != secure_canary((uintptr_t)c)) {
            misuse_report(MISUSE_CORRUPTED, "overflow past the end", p, cls, bytes);
            return SIZE_MAX;
        }
    return t;
}

void *secure_alloc_small(unsigned cls, size_t n) {
    n = n ? n : 1;   /* malloc(0): a block of one byte, as nallocx says */
    size_t need = n + SECURE_TAIL;
    size_t align = (size_t)sc_size(cls) & -(size_t)sc_size(cls);   /* what the caller's class gives */
    if (need <= SC_SMALL_MAX) {
        size_t c = sc_index(need);
        while (c < SC_NSMALL && (sc_size(c) & (align - 1))) c++;
        if (c < SC_NSMALL) {
            void *p = heap_alloc_small_any((unsigned)c);
            if (!p && secure_make_room()) p = heap_alloc_small_any((unsigned)c);
            if (!p) {
                errno = ENOMEM;
                return NULL;
            }
            misuse_mark_live(p);
            return secure_arm(p, sc_size(c), n);
        }
    }
    return secure_alloc(n, align, false);
}

void *secure_alloc(size_t n, size_t align, bool zero) {
    if (n > (size_t)PTRDIFF_MAX - SECURE_TAIL - SC_PAGE) {
        errno = ENOMEM;
        return NULL;
    }
    n = n ? n : 1;
    size_t need = n + SECURE_TAIL;
    void *p;
    if (need <= SC_SMALL_MAX && align <= SC_PAGE) {
        size_t c = sc_index(need);
        while (c < SC_NSMALL && (sc_size(c) & (align - 1))) c++;
        if (c < SC_NSMALL) {
            p = secure_alloc_small((unsigned)c, n);
            if (p && zero) memset(p, 0, n);
            return p;
        }
    }
    p = huge_alloc_guarded(need, TIDE_MAX(align, SC_PAGE));   /* fresh pages: zero */
    if (!p && secure_make_room()) p = huge_alloc_guarded(need, TIDE_MAX(align, SC_PAGE));
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    size_t bytes = sc_page_ceil(need);
    tide_tls.slow_allocated += bytes;
    return secure_arm(p, bytes, n);
}

/* Free p for real: back to its slab, or unmapped. */
static void secure_release(void *p, const struct secure_block *b) {
    if (b->slab) return heap_free_foreign_slab(b->slab, p);
    tide_tls.slow_deallocated += b->bytes;
    huge_free(b->huge);
}

/* ---- the quarantine ------------------------------------------------------ */

static util_mutex_t secure_lock = UTIL_MUTEX_INIT;
static struct { void *p; size_t n; } secure_q[SECURE_QUARANTINE];
static unsigned secure_qhead, secure_qlen;
static size_t secure_qbytes;

/* Take the oldest entry out if the quarantine is over a bound (or `all`). */
static bool secure_q_pop(bool all, void **p, size_t *n) {
    bool out = false;
    util_lock(&secure_lock);
    if (secure_qlen && (all || secure_qlen > SECURE_QUARANTINE - 1 || secure_qbytes > SECURE_QUARANTINE_BYTES)) {
        *p = secure_q[secure_qhead].p;
        *n = secure_q[secure_qhead].n;
        secure_qhead = (secure_qhead + 1) % SECURE_QUARANTINE;
        secure_qlen--;
        secure_qbytes -= *n;
        out = true;
    }
    util_unlock(&secure_lock);
    return out;
}

/* A block leaves the quarantine: its poison must be intact. */
static void secure_evict(void *p, size_t n) {
    struct secure_block b = secure_find(p);
    if (!b.bytes) return;   /* cannot happen: the block stayed allocated */
    const unsigned char *c = p;
    size_t m = TIDE_MIN(n, (size_t)SECURE_POISON_MAX);
    for (size_t i = 0; i < m; i++)
        if (c[i] != SECURE_POISON) {
            misuse_report(MISUSE_CORRUPTED, "write after free", p, b.slab ? (int)b.slab->cls : -1, b.bytes);
            break;
        }
    secure_release(p, &b);
}

void secure_free(void *p) {
    if (!p) return;
    int e = errno;
    struct secure_block b = secure_find(p);
    if (!b.bytes) {
        misuse_report(MISUSE_INVALID_FREE, "invalid free", p, -1, 0);
        errno = e;
        return;
    }
    size_t n = secure_check(p, b.bytes, "double free", b.slab ? (int)b.slab->cls : -1);
    if (n == SIZE_MAX) {   /* reported and ignored: the block stays as it is */
        errno = e;
        return;
    }
    *secure_trailer(p, b.bytes) = (n | SECURE_FREED) ^ misuse_key;
    memset(p, SECURE_POISON, TIDE_MIN(n, (size_t)SECURE_POISON_MAX));
    util_lock(&secure_lock);
    unsigned tail = (secure_qhead + secure_qlen) % SECURE_QUARANTINE;
    bool room = secure_qlen < SECURE_QUARANTINE;
    if (room) {
        secure_q[tail].p = p;
        secure_q[tail].n = n;
        secure_qlen++;
        secure_qbytes += n;
    }
    util_unlock(&secure_lock);
    if (!room) secure_evict(p, n);   /* only under a race of many threads */
    void *q;
    size_t qn;
    while (secure_q_pop(false, &q, &qn)) secure_evict(q, qn);
    errno = e;
}

bool secure_drain(void) {
    void *q;
    size_t qn;
    bool any = false;
    for (; secure_q_pop(true, &q, &qn); any = true) secure_evict(q, qn);
    return any;
}

size_t secure_usable(const void *p) {
    struct secure_block b = secure_find(p);
    if (!b.bytes) return 0;
    uintptr_t t = *secure_trailer((void *)p, b.bytes) ^ misuse_key;
    return (t & SECURE_FREED) || t + SECURE_TAIL > b.bytes ? 0 : t;
}

void *secure_realloc(void *p, size_t n, size_t align, bool zero) {
    struct secure_block b = secure_find(p);
    if (!b.bytes) {
        misuse_report(MISUSE_INVALID_FREE, "invalid realloc", p, -1, 0);
        errno = ENOMEM;
        return NULL;
    }
    size_t old = secure_check(p, b.bytes, "realloc of a freed block", b.slab ? (int)b.slab->cls : -1);
    if (old == SIZE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    void *q = secure_alloc(n, align, false);
    if (!q) return NULL;   /* the old block stays as it was */
    memcpy(q, p, TIDE_MIN(old, n));
    if (zero && n > old) memset((char *)q + old, 0, n - old);
    secure_free(p);
    return q;
}

void secure_prefork(void) { util_lock(&secure_lock); }
void secure_postfork_parent(void) { util_unlock(&secure_lock); }
void secure_postfork_child(void) { util_mutex_reinit(&secure_lock); }
