/*
 * locked.c: a deliberately non-scalable baseline allocator: one global
 * mutex around a simple segregated-fit allocator. It stands in for the
 * lock-based allocators of the BSDCan 2006 paper (dlmalloc, phkmalloc):
 * every malloc and free of every thread takes the same lock.
 *
 * Layout. Every block starts with a 16-byte header just before the user
 * pointer:
 *   size  usable bytes from the user pointer
 *   cls   size class (< NCLASS), or CLS_HUGE for a block mapped on its own
 *   off   bytes between the user pointer and the start of the underlying
 *         block's user area (0 except for over-aligned blocks)
 * Small requests (<= 1 MiB) are rounded to a class: multiples of 16 up to
 * 1024, then 8 steps per doubling. Blocks come from 4 MiB chunks by bump
 * allocation and go back to a per-class LIFO free list; memory is never
 * returned to the OS (like dlmalloc without trim) and never coalesced.
 * Larger requests are mmap'ed individually and munmap'ed on free.
 *
 * Invariants (under g_lock): every free-list block has cls == its list's
 * class and size == class size; bump <= bump_end; stats.allocated is the
 * sum of class/huge sizes of live blocks.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define HDR 16u
#define CHUNK (4u << 20)
#define SMALL_MAX (1u << 20)
#define NCLASS 160
#define CLS_HUGE 0xffffu

typedef struct hdr {
    size_t   size;
    uint32_t cls;
    uint32_t off;
} hdr;

typedef struct fblock { struct fblock *next; } fblock;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static fblock *g_free[NCLASS];
static size_t g_class_size[NCLASS];
static int g_nclass;
static char *g_bump, *g_bump_end;
static size_t g_allocated, g_mapped, g_huge;
static int g_init;

static void init_classes(void)
{
    int n = 0;
    for (size_t s = 16; s <= 1024; s += 16) g_class_size[n++] = s;
    size_t s = 1024;
    while (s < SMALL_MAX) {
        size_t step = s / 8;
        for (int i = 0; i < 8 && n < NCLASS; i++) { s += step; g_class_size[n++] = s; }
    }
    g_nclass = n;
    g_init = 1;
}

static int class_of(size_t n)
{
    if (n <= 1024) return n == 0 ? 0 : (int)((n + 15) / 16) - 1;
    int lo = 64, hi = g_nclass - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (g_class_size[mid] >= n) hi = mid; else lo = mid + 1;
    }
    return lo;
}

static void *os_map(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Caller holds g_lock. Returns the user pointer. */
static void *alloc_locked(size_t n)
{
    if (!g_init) init_classes();
    if (n > SMALL_MAX) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        if (n > SIZE_MAX - HDR - page) return NULL;
        size_t total = (n + HDR + page - 1) & ~(page - 1);
        char *p = os_map(total);
        if (!p) return NULL;
        hdr *h = (hdr *)p;
        h->size = total - HDR;
        h->cls = CLS_HUGE;
        h->off = 0;
        g_allocated += total;
        g_huge += total;
        return p + HDR;
    }
    int c = class_of(n);
    fblock *b = g_free[c];
    if (b) {
        g_free[c] = b->next;
        g_allocated += g_class_size[c];
        return b;
    }
    size_t need = g_class_size[c] + HDR;
    if ((size_t)(g_bump_end - g_bump) < need) {
        char *p = os_map(CHUNK);
        if (!p) return NULL;
        g_mapped += CHUNK;
        g_bump = p;
        g_bump_end = p + CHUNK;
    }
    hdr *h = (hdr *)g_bump;
    g_bump += need;
    h->size = g_class_size[c];
    h->cls = (uint32_t)c;
    h->off = 0;
    g_allocated += g_class_size[c];
    return (char *)h + HDR;
}

static void free_locked(void *p)
{
    hdr *h = (hdr *)((char *)p - HDR);
    if (h->off) {
        p = (char *)p - h->off;
        h = (hdr *)((char *)p - HDR);
    }
    if (h->cls == CLS_HUGE) {
        size_t total = h->size + HDR;
        g_allocated -= total;
        g_huge -= total;
        munmap(h, total);
        return;
    }
    g_allocated -= g_class_size[h->cls];
    fblock *b = p;
    b->next = g_free[h->cls];
    g_free[h->cls] = b;
}

EXPORT void *malloc(size_t n)
{
    pthread_mutex_lock(&g_lock);
    void *p = alloc_locked(n);
    pthread_mutex_unlock(&g_lock);
    if (!p) errno = ENOMEM;
    return p;
}

EXPORT void free(void *p)
{
    if (!p) return;
    pthread_mutex_lock(&g_lock);
    free_locked(p);
    pthread_mutex_unlock(&g_lock);
}

EXPORT size_t malloc_usable_size(void *p)
{
    if (!p) return 0;
    hdr *h = (hdr *)((char *)p - HDR);
    return h->size;
}

EXPORT void *calloc(size_t n, size_t m)
{
    size_t t;
    if (__builtin_mul_overflow(n, m, &t)) { errno = ENOMEM; return NULL; }
    void *p = malloc(t);
    if (p) memset(p, 0, t);
    return p;
}

EXPORT void *realloc(void *p, size_t n)
{
    if (!p) return malloc(n);
    if (n == 0) { free(p); return NULL; }
    size_t old = malloc_usable_size(p);
    if (n <= old && n >= old / 2) return p;
    void *q = malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    free(p);
    return q;
}

/* Over-aligned block: allocate size + align, place the user pointer on the
 * boundary and give it its own header whose off points back. */
static void *aligned(size_t align, size_t n)
{
    if (align <= 16) return malloc(n);
    if (n > SIZE_MAX - align - HDR) { errno = ENOMEM; return NULL; }
    pthread_mutex_lock(&g_lock);
    char *raw = alloc_locked(n + align + HDR);
    pthread_mutex_unlock(&g_lock);
    if (!raw) { errno = ENOMEM; return NULL; }
    uintptr_t u = ((uintptr_t)raw + HDR + align - 1) & ~(uintptr_t)(align - 1);
    if (u == (uintptr_t)raw) return raw;
    char *p = (char *)u;
    hdr *rh = (hdr *)(raw - HDR);
    hdr *h = (hdr *)(p - HDR);
    h->off = (uint32_t)(p - raw);
    h->size = rh->size - h->off;
    h->cls = rh->cls;
    return p;
}

static int pow2(size_t a) { return a && !(a & (a - 1)); }

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (!pow2(align) || align % sizeof(void *)) return EINVAL;
    void *p = aligned(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *memalign(size_t align, size_t n)
{
    if (!pow2(align)) { errno = EINVAL; return NULL; }
    return aligned(align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    if (!pow2(align)) { errno = EINVAL; return NULL; }
    return aligned(align, n);
}

EXPORT void *valloc(size_t n) { return aligned((size_t)sysconf(_SC_PAGESIZE), n); }

EXPORT void *pvalloc(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (n > SIZE_MAX - page) { errno = ENOMEM; return NULL; }
    return aligned(page, (n + page - 1) & ~(page - 1));
}

EXPORT int malloc_trim(size_t pad) { (void)pad; return 0; }

/* Statistics in mallinfo2 form: uordblks = allocated bytes (class sizes),
 * arena = bytes in chunks, hblkhd = bytes in individually mapped blocks. */
EXPORT struct mallinfo2 mallinfo2(void)
{
    struct mallinfo2 m;
    memset(&m, 0, sizeof m);
    pthread_mutex_lock(&g_lock);
    m.arena = g_mapped;
    m.hblkhd = g_huge;
    m.uordblks = g_allocated;
    m.fordblks = g_mapped + g_huge > g_allocated ? g_mapped + g_huge - g_allocated : 0;
    pthread_mutex_unlock(&g_lock);
    return m;
}

EXPORT const char *locked_version(void) { return "1.0"; }

static void before_fork(void) { pthread_mutex_lock(&g_lock); }
static void after_fork(void) { pthread_mutex_unlock(&g_lock); }
static void child_fork(void) { pthread_mutex_init(&g_lock, NULL); }

__attribute__((constructor)) static void locked_init(void)
{
    pthread_atfork(before_fork, after_fork, child_fork);
}

EXPORT void *reallocarray(void *p, size_t n, size_t m)
{
    size_t t;
    if (__builtin_mul_overflow(n, m, &t)) { errno = ENOMEM; return NULL; }
    return realloc(p, t);
}
