/*
 * sc.h: size classes.
 *
 * Small classes (<= SC_SMALL_MAX) live in slabs: 8, then every multiple of 16
 * up to 1024 (64 classes), then 4 classes per doubling up to 14336. Sizes
 * up to 8 take the 16-byte class, so the 8-byte class is never used: every
 * block is at least 16 bytes, a multiple of 16 and 16-aligned, and has a
 * second word for the free mark (misuse.h). Large sizes (<= SC_LARGE_MAX) are page runs, rounded up to
 * whole pages. Huge sizes are direct mappings, rounded up to whole pages.
 *
 * Sizes up to 1 KiB map to classes through sc_lookup, which starts coarse:
 * above 128 bytes only 4 classes per doubling (160, 192, 224, 256, 320, ...,
 * 1024) are used, as in jemalloc. Few classes keep a small working set
 * dense: each class's last-freed block and partly used slab are reused
 * sooner (larson lost 5-9 % with all 64 classes from the start,
 * results/20261206T050142Z-vm). Once an arena holds conf class_refine bytes
 * of one coarse class's slabs, sc_refine points that class's sizes at the
 * 16-byte classes in its range for the rest of the process: a heap that
 * large is not in L1 anyway, and rounding to 4 classes per doubling wastes
 * 8 % of it on uniform sizes, 16-byte classes under 1.5 %. Blocks of the
 * coarse class stay valid and are freed as before; only new allocations
 * change class. nallocx answers with the mapping of the moment.
 *
 * Invariants: sc_size(sc_index(n)) >= n for 0 <= n <= SC_SMALL_MAX, coarse
 * or refined, and sc_size(sc_index(n)) - n < 16 for 8 < n <= 1024 once n's
 * coarse class is refined; sc_index(sc_size(c)) == c for every class c in
 * use (every class but the 8-byte one and the 16-byte ones of a coarse class
 * not yet refined).
 * sc_lookup entries only ever change from a coarse class to a smaller class
 * still >= the size: a racing reader gets one of two valid classes.
 */
#ifndef TIDE_SC_H
#define TIDE_SC_H

#include "util.h"

#define SC_LG_PAGE    12
#define SC_PAGE       ((size_t)1 << SC_LG_PAGE)
#define SC_NSMALL     80
#define SC_SMALL_MAX  ((size_t)14336)
#define SC_LARGE_MAX  ((size_t)2 << 20)
#define SC_LOOKUP_MAX 1024

struct sc_info {
    uint32_t size;       /* block size in bytes */
    uint16_t slab_pages; /* pages per slab */
    uint16_t nregs;      /* blocks per slab */
};

extern const struct sc_info sc_table[SC_NSMALL];
extern uint8_t sc_lookup[SC_LOOKUP_MAX + 1];

/* Class of n <= SC_LOOKUP_MAX: one table load (a relaxed atomic byte load is a
 * plain load; sc_refine may store to the table concurrently). */
TIDE_INLINE size_t sc_lookup_index(size_t n) {
    return __atomic_load_n(&sc_lookup[n], __ATOMIC_RELAXED);
}
/* Class of n <= SC_LOOKUP_MAX with 4 classes per doubling above 128 bytes,
 * refined or not. */
unsigned sc_coarse_index(size_t n);
/* c is a coarse class above 128 bytes not refined yet / already refined. */
bool sc_refinable(unsigned c);
bool sc_refined(unsigned c);
/* Map the sizes of coarse class c to the 16-byte classes in its range, for
 * the rest of the process (for any other class a no-op). Idempotent; any
 * thread, no lock. */
void sc_refine(unsigned c);

/* Class of a small size (n <= SC_SMALL_MAX). */
TIDE_INLINE size_t sc_index(size_t n) {
    if (TIDE_LIKELY(n <= SC_LOOKUP_MAX))
        return sc_lookup_index(n);
    size_t s = n - 1;
    unsigned lg = 63u - (unsigned)__builtin_clzll(s);
    return 65u + (lg - 10u) * 4u + (unsigned)((s >> (lg - 2u)) & 3u);
}
TIDE_INLINE size_t sc_size(size_t c) { return sc_table[c].size; }

/* Usable size malloc(n) gives, or 0 when n cannot be served. */
size_t sc_usable(size_t n);
/* Round up to whole pages (0 on overflow). */
TIDE_INLINE size_t sc_page_ceil(size_t n) {
    return n > SIZE_MAX - (SC_PAGE - 1) ? 0 : TIDE_ALIGN_UP(n, SC_PAGE);
}

#endif
