/*
 * secure.h: preset:secure, the hardened mode (learning from Scudo,
 * hardened_malloc, mimalloc's secure mode and glibc's safe-linking).
 *
 * The preset turns the thread cache off, so every call misses the fast
 * paths (tide_tls.heap stays heap_empty, and no chunk is ever the thread's
 * last confirmed one) and alloc.c hands it here:
 *  - layout: a block of n bytes takes the first class (or guarded mapping)
 *    of n + SECURE_TAIL bytes, laid out as [n bytes][canary][trailer], the
 *    trailer being the block's last word: n ^ misuse_key, with SECURE_FREED
 *    set while the block is freed. free checks the trailer (a freed block:
 *    double free) and the canary bytes after n (an overflow of the block:
 *    corrupted), so an overflow of even one byte past n is caught at free;
 *  - large and huge blocks are mappings of their own with a PROT_NONE guard
 *    page before and after (huge.c);
 *  - fresh slabs hand their blocks out in a random order (heap.c), and slab
 *    free-list links are stored XORed with a per-process key (slab.h), so a
 *    link overwritten after free is found when it is followed;
 *  - freed blocks wait in a bounded quarantine (SECURE_QUARANTINE blocks,
 *    SECURE_QUARANTINE_BYTES bytes) before they are freed for real, filled
 *    with SECURE_POISON; a block whose poison changed when it leaves was
 *    written after free (corrupted).
 * malloc_usable_size answers n: the canary starts there.
 *
 * Invariants: a live block's trailer decodes to its n, n + SECURE_TAIL <=
 * its bytes; a block in the quarantine has SECURE_FREED in its trailer and
 * its first min(n, SECURE_POISON_MAX) bytes are SECURE_POISON.
 */
#ifndef TIDE_SECURE_H
#define TIDE_SECURE_H

#include "util.h"

#define SECURE_TAIL 16          /* at least 8 canary bytes and the trailer word */

/* n bytes (1 for 0) aligned to align (a power of two). NULL with errno
 * ENOMEM when it cannot. */
void *secure_alloc(size_t n, size_t align, bool zero);
/* The same for a small class chosen by the fast path's caller: the first
 * class that fits n + SECURE_TAIL whose size keeps the alignment of cls's. */
void *secure_alloc_small(unsigned cls, size_t n);
void secure_free(void *p);
/* realloc: a new block, the contents copied, the old one freed. */
void *secure_realloc(void *p, size_t n, size_t align, bool zero);
/* n of a live block (0 for a pointer that is none). */
size_t secure_usable(const void *p);
/* Flush the quarantine (malloc_trim, out of memory). True if it held any. */
bool secure_drain(void);

void secure_prefork(void);
void secure_postfork_parent(void);
void secure_postfork_child(void);

#endif
