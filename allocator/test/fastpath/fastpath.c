/*
 * fastpath.c: the loop the fast-path gate counts instructions of.
 *
 *   fastpath [N]           warm up, then N malloc(32)/malloc_usable_size/
 *                          realloc(24)/free rounds (default 100000)
 *   fastpath N aligned     N aligned_alloc(64, 64)/free rounds
 *   fastpath N large       N malloc(64 KiB)/free rounds: a run the thread
 *                          keeps (heap.lrun), taken back by the next malloc
 *
 * A few blocks of the class stay live throughout, as in a real program, so
 * the loop's slab never becomes empty and the loop measures the hit paths
 * (plus the amortised refill of the free list). check.sh runs it under
 * callgrind with collection on inside malloc, malloc_usable_size, realloc
 * or free only. (Redis asks malloc_usable_size of every block it allocates
 * and frees; a realloc within the block's class returns it in place.)
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *opaquep(void *p) { __asm__ volatile("" : "+r"(p)); return p; }

/* N rounds of `size` bytes aligned to `align` (0: malloc) and free. */
static int pairs(long n, size_t align, size_t size) {
    for (int i = 0; i < 1000; i++) free(opaquep(align ? aligned_alloc(align, size) : malloc(size)));
    for (long i = 0; i < n; i++) {
        void *p = opaquep(align ? aligned_alloc(align, size) : malloc(size));
        if (!p || (align && (size_t)p % align)) {
            fprintf(stderr, "fastpath: allocation of %zu bytes (alignment %zu) failed\n", size, align);
            return 1;
        }
        free(p);
    }
    return 0;
}

int main(int argc, char **argv) {
    long n = 100000;
    if (argc > 3 || (argc == 3 && strcmp(argv[2], "aligned") && strcmp(argv[2], "large"))) {
        fprintf(stderr, "usage: fastpath [N [aligned|large]]\n");
        return 2;
    }
    if (argc >= 2) {
        char *end;
        errno = 0;
        n = strtol(argv[1], &end, 10);
        if (errno || *end || end == argv[1] || n < 1) {
            fprintf(stderr, "fastpath: bad iteration count: %s\n", argv[1]);
            return 2;
        }
    }
    if (argc == 3) return !strcmp(argv[2], "aligned") ? pairs(n, 64, 64) : pairs(n, 0, 64 << 10);
    enum { KEEP = 8 };
    void *keep[KEEP];
    for (int i = 0; i < KEEP; i++) keep[i] = opaquep(malloc(32));
    for (int i = 0; i < 1000; i++) free(opaquep(malloc(32)));
    for (long i = 0; i < n; i++) {
        void *p = opaquep(malloc(32));
        if (!p) {
            fprintf(stderr, "fastpath: malloc(32) failed\n");
            return 1;
        }
        volatile size_t u = malloc_usable_size(p);
        (void)u;
        p = opaquep(realloc(p, 24));   /* same class (32): stays in place */
        if (!p) {
            fprintf(stderr, "fastpath: realloc(p, 24) failed\n");
            return 1;
        }
        free(p);
    }
    for (int i = 0; i < KEEP; i++) free(keep[i]);
    return 0;
}
