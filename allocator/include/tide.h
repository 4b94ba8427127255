/*
 * tide.h: the public interface of the tide allocator.
 *
 * tide replaces malloc(3) as a whole: link with -ltide, or start a program
 * with LD_PRELOAD=libtide.so. The standard functions (malloc, free, calloc,
 * realloc, the aligned family, malloc_usable_size, malloc_trim, mallinfo2)
 * keep their glibc declarations from <stdlib.h> and <malloc.h>; this header
 * declares what glibc does not: the C23 sized frees and the jemalloc
 * extended API, with jemalloc's flag encoding and return codes.
 */
#ifndef TIDE_H
#define TIDE_H

#include <stddef.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIDE_VERSION "1.0.0"

/* C23 sized deallocation. */
void free_sized(void *ptr, size_t size);
void free_aligned_sized(void *ptr, size_t alignment, size_t size);

/* jemalloc-compatible flags for the *allocx functions. */
#define MALLOCX_LG_ALIGN(la)   ((int)(la))
#define MALLOCX_ALIGN(a)       ((int)(__builtin_ffsll((long long)(a)) - 1))
#define MALLOCX_ZERO           ((int)0x40)
#define MALLOCX_TCACHE(tc)     ((int)(((tc) + 2) << 8))
#define MALLOCX_TCACHE_NONE    MALLOCX_TCACHE(-1)
#define MALLOCX_ARENA(a)       ((int)(((unsigned)(a) + 1) << 20))
#define MALLCTL_ARENAS_ALL     4096

void  *mallocx(size_t size, int flags);
void  *rallocx(void *ptr, size_t size, int flags);
size_t xallocx(void *ptr, size_t size, size_t extra, int flags);
size_t sallocx(const void *ptr, int flags);
void   dallocx(void *ptr, int flags);
void   sdallocx(void *ptr, size_t size, int flags);
size_t nallocx(size_t size, int flags);

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
int mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp);
int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
                 void *newp, size_t newlen);
void malloc_stats_print(void (*write_cb)(void *, const char *), void *cbopaque,
                        const char *opts);

#ifdef __cplusplus
}
#endif
#endif /* TIDE_H */
