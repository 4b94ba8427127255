/*
 * huge.h: allocations above SC_LARGE_MAX, each its own mapping, aligned to
 * and rounded up to whole page-map slots so that no other mapping shares a
 * slot. realloc moves them with mremap, keeping that alignment.
 *
 * Invariant: every slot of [map, map + map_size) maps to this record in the
 * page map, and ptr + usable <= map + map_size.
 */
#ifndef TIDE_HUGE_H
#define TIDE_HUGE_H

#include "util.h"

struct huge {
    void *map;           /* start of the mapping */
    size_t map_size;     /* whole slots */
    void *ptr;           /* the block handed out */
    size_t usable;       /* page multiple */
    struct huge *next_free;
};

void *huge_alloc(size_t size, size_t align);
/* The same with a PROT_NONE page before and after the block (preset:secure);
 * such a block never grows in place (huge_realloc: ptr != map). */
void *huge_alloc_guarded(size_t size, size_t align);
void huge_free(struct huge *h);
/* Resize (moving if allowed). Returns the new pointer or NULL. */
void *huge_realloc(struct huge *h, size_t size, bool may_move);
/* Live huge bytes and count. */
void huge_stats(size_t *allocated, size_t *mapped, uint64_t *nmalloc, uint64_t *nfree);
void huge_prefork(void);
void huge_postfork_parent(void);
void huge_postfork_child(void);

#endif
