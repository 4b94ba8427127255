/*
 * misuse.h: how tide finds misuse of its API (double free, a free of a
 * pointer that does not start a live block) and answers it.
 *
 * The free mark: a small block that is free (in a bin, on its slab's lists,
 * in a remote run or on thread_free) holds misuse_key in its second word.
 * Every small block is at least 16 bytes (sizes up to 8 take the 16-byte
 * class) and 16-aligned, so the word is the block's own and on the block's
 * first page. free writes the mark and every path that hands a block out
 * clears it (alloc_small, alloc_small_slow). free and realloc find the mark
 * on a block they are given and confirm in a slow path that the block is
 * really free (its bin, its slab's lists; a remote free trusts the 64-bit
 * random key) before they report it: a live block only holds the key if the
 * program copied it out of freed memory.
 *
 * The page rule: free's fast path only takes 16-aligned pointers in the
 * thread's last confirmed chunk; anything else goes through the page map and
 * the run header, which check that the pointer starts a live block. Pages of
 * a slab that slab_scavenge gave back name no owner (heap_bin_none), so a
 * free into them (all their blocks are free) takes that slow path too. A
 * 16-aligned pointer inside a block of the calling thread's own slab is the
 * one case the fast path cannot tell from a block start (it would need a
 * division); preset:secure checks every free.
 *
 * Invariant: misuse_key is never 0, is drawn once before the first
 * allocation, and never changes.
 */
#ifndef TIDE_MISUSE_H
#define TIDE_MISUSE_H

#include "util.h"

enum misuse_kind {
    MISUSE_DOUBLE_FREE,    /* free or realloc of a block that is free */
    MISUSE_INVALID_FREE,   /* free or realloc of a pointer that starts no live block of ours */
    MISUSE_CORRUPTED,      /* preset:secure: a canary, a freed block or a free-list link was overwritten */
    MISUSE_NKINDS
};

extern TIDE_HIDDEN uintptr_t misuse_key;

/* Draw the key (initialisation, phase 1: no allocation). */
void misuse_boot(void);
/* The mark a free block carries, and its test. */
TIDE_INLINE void misuse_mark_free(void *p) { ((uintptr_t *)p)[1] = misuse_key; }
TIDE_INLINE void misuse_mark_live(void *p) { ((uintptr_t *)p)[1] = 0; }
TIDE_INLINE bool misuse_marked(const void *p) { return ((const uintptr_t *)p)[1] == misuse_key; }
/* Report misuse of p: one line on stderr ("tide: double free of 0x... (class
 * N, 32 bytes)"), then abort() unless abort_on_misuse:false, in which case it
 * is counted and the caller must leave the block as it is (ignore the call).
 * `cls` is the small class, or -1 for a large or unknown block; `size` the
 * block's bytes (0: unknown). Keeps errno. */
TIDE_COLD void misuse_report(enum misuse_kind kind, const char *what, const void *p, int cls, size_t size);
/* Misuse reported so far, of one kind (statistics). */
uint64_t misuse_count(enum misuse_kind kind);

#endif
