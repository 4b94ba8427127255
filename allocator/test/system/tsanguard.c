/*
 * tsanguard.c: lets the ThreadSanitizer build of tide be preloaded.
 *
 * Use: LD_PRELOAD="build/systest/libtsanguard.so build/tsan/libtide.so".
 * ThreadSanitizer's runtime calls malloc while it initialises (glibc's dlsym
 * error path allocates), before its per-thread state exists; tide's
 * instrumented code would then call into the half-initialised runtime and
 * crash. This library links libtsan, so its constructor runs after the
 * runtime has initialised. Until then, allocations are served from a static
 * bump arena (never reused, a few KiB in practice); afterwards every call
 * goes to the next definition in lookup order, tide's, except for blocks of
 * the arena (free ignores them, realloc copies them to tide). So the malloc
 * that the tests exercise is tide's from the first line of main on.
 *
 * Arena invariant: each block is preceded by a 16-byte header holding its
 * size; arena_used only grows, and only before `ready` is set (start-up is
 * single-threaded).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARENA_SIZE (1u << 20)
static _Alignas(64) unsigned char arena[ARENA_SIZE];
static size_t arena_used;
static volatile bool ready;

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);
static size_t (*next_usable)(void *);

static bool in_arena(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_SIZE;
}

static void *arena_alloc(size_t align, size_t n)
{
    if (align < 16)
        align = 16;
    size_t start = (arena_used + 16 + align - 1) & ~(align - 1);
    if (n > ARENA_SIZE || start + n > ARENA_SIZE)
        return NULL;
    memcpy(arena + start - 16, &n, sizeof n);
    arena_used = start + n;
    return arena + start;
}

static size_t arena_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - 16, sizeof n);
    return n;
}

__attribute__((constructor)) static void guard_init(void)
{
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    next_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    next_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    next_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    if (next_malloc && next_calloc && next_realloc && next_free && next_posix_memalign && next_aligned_alloc &&
        next_memalign && next_usable)
        ready = true;
}

void *malloc(size_t n) { return ready ? next_malloc(n) : arena_alloc(16, n); }
void *memalign(size_t al, size_t n) { return ready ? next_memalign(al, n) : arena_alloc(al, n); }
void *aligned_alloc(size_t al, size_t n) { return ready ? next_aligned_alloc(al, n) : arena_alloc(al, n); }

void *calloc(size_t a, size_t b)
{
    if (ready)
        return next_calloc(a, b);
    if (b && a > SIZE_MAX / b)
        return NULL;
    return arena_alloc(16, a * b); /* the arena is zero and never reused */
}

int posix_memalign(void **out, size_t al, size_t n)
{
    if (ready)
        return next_posix_memalign(out, al, n);
    void *p = arena_alloc(al, n);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void free(void *p)
{
    if (p && !in_arena(p) && ready)
        next_free(p);
}

size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    return in_arena(p) ? arena_size(p) : ready ? next_usable(p) : 0;
}

void *realloc(void *p, size_t n)
{
    if (!p || in_arena(p)) {
        void *q = malloc(n ? n : 1);
        if (q && p) {
            size_t old = arena_size(p);
            memcpy(q, p, old < n ? old : n);
        }
        return q;
    }
    return next_realloc(p, n);
}
