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
 * Everything else is forwarded to glibc's __libc_* entry points, and
 * malloc_usable_size to libc's (a program linked with another allocator
 * would otherwise ask that one about glibc's blocks).
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

static int mode = -1; /* 0 none, 1 leak, 2 forklock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int get_mode(void)
{
    if (mode < 0) {
        const char *m = getenv("BROKEN_MODE");
        mode = !m ? 0 : strcmp(m, "leak") == 0 ? 1 : strcmp(m, "forklock") == 0 ? 2 : 0;
    }
    return mode;
}

void *malloc(size_t n)
{
    if (get_mode() != 2)
        return __libc_malloc(n);
    pthread_mutex_lock(&lock);
    void *p = __libc_malloc(n);
    pthread_mutex_unlock(&lock);
    return p;
}

static size_t (*libc_usable)(void *);

size_t malloc_usable_size(void *p)
{
    if (!libc_usable) {
        void *h = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
        libc_usable = h ? (size_t(*)(void *))dlsym(h, "malloc_usable_size") : NULL;
    }
    return libc_usable ? libc_usable(p) : 0;
}

void free(void *p)
{
    int m = get_mode();
    if (m == 1 && p && malloc_usable_size(p) <= 4096)
        return;
    if (m != 2) {
        __libc_free(p);
        return;
    }
    pthread_mutex_lock(&lock);
    __libc_free(p);
    pthread_mutex_unlock(&lock);
}

void *calloc(size_t a, size_t b) { return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
