/* glibcshim.c: LD_PRELOAD shim that routes malloc and friends to glibc's
 * ptmalloc (the __libc_* entry points) in a program linked to another
 * allocator. Debian's redis-server links libjemalloc.so.2, so a plain run
 * uses jemalloc; under this shim it uses glibc. malloc_usable_size comes from
 * libc.so.6 by dlvsym/dlsym on its handle, since the next definition in the
 * lookup order would be jemalloc's. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

EXPORT void *malloc(size_t n) { return __libc_malloc(n); }
EXPORT void *calloc(size_t a, size_t b) { return __libc_calloc(a, b); }
EXPORT void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
EXPORT void free(void *p) { __libc_free(p); }
EXPORT void *memalign(size_t a, size_t n) { return __libc_memalign(a, n); }
EXPORT void *aligned_alloc(size_t a, size_t n) { return __libc_memalign(a, n); }
EXPORT void *valloc(size_t n) { return __libc_valloc(n); }
EXPORT void *pvalloc(size_t n) { return __libc_pvalloc(n); }
EXPORT int posix_memalign(void **out, size_t a, size_t n)
{
    if (a < sizeof(void *) || (a & (a - 1))) return EINVAL;
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

EXPORT size_t malloc_usable_size(void *p)
{
    static size_t (*fn)(void *);
    if (!fn) {
        void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        if (h) fn = (size_t (*)(void *))dlsym(h, "malloc_usable_size");
        if (!fn) return 0;
    }
    return fn(p);
}
