/*
 * broken.c: deliberately faulty malloc replacements, to show that the
 * system tests can fail (make test-system-selfcheck). LD_PRELOAD it with
 * BROKEN_MODE set:
 *   leak      free() of blocks up to 4 KiB does nothing (lost remote frees,
 *             no memory returned);
 *   forklock  every malloc/free takes a global mutex that is not handled at
 *             fork, so a child forked while another thread holds it hangs.
 *   none      glibc's malloc only; with redis-server (linked with
 *             libjemalloc) that leaves jemalloc's mallctl idle.
 *   leak64    preloaded in front of tide (LD_PRELOAD="libbroken.so
 *             libtide.so"): everything goes to tide, but every 64th free()
 *             of a block up to 4 KiB does nothing. Too little for an RSS
 *             bound to notice; tide's stats.allocated keeps the blocks.
 * In the other modes everything else is forwarded to glibc's __libc_* entry
 * points, and malloc_usable_size to libc's (a program linked with another
 * allocator would otherwise ask that one about glibc's blocks).
 */
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

enum { M_NONE, M_LEAK, M_FORKLOCK, M_LEAK64 };
static int mode = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* leak64: the next definitions in the lookup order (tide's). */
static void *(*next_malloc)(size_t);
static void (*next_free)(void *);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static size_t (*next_usable)(void *);
static unsigned long nfrees;

/* While dlsym runs, a malloc it makes comes from here (never freed). */
static _Alignas(16) char boot[4096];
static size_t boot_used;
static int resolving;

static void resolve_next(void)
{
    resolving = 1;
    next_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
}

static int get_mode(void)
{
    if (mode < 0) {
        const char *m = getenv("BROKEN_MODE");
        mode = !m                             ? M_NONE
               : strcmp(m, "leak") == 0     ? M_LEAK
               : strcmp(m, "forklock") == 0 ? M_FORKLOCK
               : strcmp(m, "leak64") == 0   ? M_LEAK64
                                            : M_NONE;
        if (mode == M_LEAK64)
            resolve_next();
    }
    return mode;
}

static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot)
        return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
}

static int in_boot(const void *p) { return (const char *)p >= boot && (const char *)p < boot + sizeof boot; }

void *malloc(size_t n)
{
    if (resolving)
        return boot_alloc(n);
    int m = get_mode();
    if (m == M_LEAK64)
        return next_malloc(n);
    if (m != M_FORKLOCK)
        return __libc_malloc(n);
    pthread_mutex_lock(&lock);
    void *p = __libc_malloc(n);
    pthread_mutex_unlock(&lock);
    return p;
}

static size_t (*libc_usable)(void *);

size_t malloc_usable_size(void *p)
{
    if (get_mode() == M_LEAK64)
        return in_boot(p) ? 0 : next_usable(p);
    if (!libc_usable) {
        void *h = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
        libc_usable = h ? (size_t(*)(void *))dlsym(h, "malloc_usable_size") : NULL;
    }
    return libc_usable ? libc_usable(p) : 0;
}

void free(void *p)
{
    if (!p || in_boot(p))
        return;
    int m = get_mode();
    if (m == M_LEAK64) {
        if (next_usable(p) <= 4096 && __atomic_add_fetch(&nfrees, 1, __ATOMIC_RELAXED) % 64 == 0)
            return;
        next_free(p);
        return;
    }
    if (m == M_LEAK && malloc_usable_size(p) <= 4096)
        return;
    if (m != M_FORKLOCK) {
        __libc_free(p);
        return;
    }
    pthread_mutex_lock(&lock);
    __libc_free(p);
    pthread_mutex_unlock(&lock);
}

void *calloc(size_t a, size_t b)
{
    if (resolving) {
        void *p = a && b <= sizeof boot / a ? boot_alloc(a * b) : NULL;
        if (p)
            memset(p, 0, a * b);
        return p;
    }
    return get_mode() == M_LEAK64 ? next_calloc(a, b) : __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (get_mode() == M_LEAK64) {
        if (in_boot(p)) {
            void *q = next_malloc(n);
            if (q)
                memcpy(q, p, n < sizeof boot - (size_t)((char *)p - boot) ? n : sizeof boot - (size_t)((char *)p - boot));
            return q;
        }
        return next_realloc(p, n);
    }
    return __libc_realloc(p, n);
}
