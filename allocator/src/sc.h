/*
 * sc.h: size classes.
 *
 * Small classes (<= SC_SMALL_MAX) live in slabs: 8, 16, 32, 48, 64, 80, 96,
 * 112, 128, then 4 classes per doubling up to 14336. Above 64 bytes the
 * worst-case internal fragmentation is < 25 %. Every class >= 16 is a
 * multiple of 16, so every block of 16 bytes or more is 16-aligned.
 * Large sizes (<= SC_LARGE_MAX) are page runs, rounded up to whole pages.
 * Huge sizes are direct mappings, rounded up to whole pages.
 *
 * Invariants: sc_size(sc_index(n)) >= n for 0 <= n <= SC_SMALL_MAX, and
 * sc_index(sc_size(c)) == c for every class c.
 */
#ifndef TIDE_SC_H
#define TIDE_SC_H

#include "util.h"

#define SC_LG_PAGE    12
#define SC_PAGE       ((size_t)1 << SC_LG_PAGE)
#define SC_NSMALL     36
#define SC_SMALL_MAX  ((size_t)14336)
#define SC_LARGE_MAX  ((size_t)2 << 20)
#define SC_LOOKUP_MAX 1024

struct sc_info {
    uint32_t size;       /* block size in bytes */
    uint16_t slab_pages; /* pages per slab */
    uint16_t nregs;      /* blocks per slab */
};

extern const struct sc_info sc_table[SC_NSMALL];
extern const uint8_t sc_lookup[(SC_LOOKUP_MAX >> 3) + 1];

/* Class of a small size (n <= SC_SMALL_MAX). */
TIDE_INLINE unsigned sc_index(size_t n) {
    if (TIDE_LIKELY(n <= SC_LOOKUP_MAX))
        return sc_lookup[(n + 7) >> 3];
    size_t s = n - 1;
    unsigned lg = 63u - (unsigned)__builtin_clzll(s);
    return 9u + (lg - 7u) * 4u + (unsigned)((s >> (lg - 2u)) & 3u);
}
TIDE_INLINE size_t sc_size(unsigned c) { return sc_table[c].size; }

/* Usable size malloc(n) gives, or 0 when n cannot be served. */
size_t sc_usable(size_t n);
/* Round up to whole pages (0 on overflow). */
TIDE_INLINE size_t sc_page_ceil(size_t n) {
    return n > SIZE_MAX - (SC_PAGE - 1) ? 0 : TIDE_ALIGN_UP(n, SC_PAGE);
}

#endif
