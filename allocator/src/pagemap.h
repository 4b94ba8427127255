/*
 * pagemap.h: from any address to tide's metadata, or "not ours".
 *
 * The address space is cut into 4 MiB slots (one chunk each). A two-level
 * radix tree maps a slot to a tagged word: a chunk pointer with bit 0 set, a
 * huge record (bit 0 clear), or 0 for memory tide does not own. The root is
 * static (2^10 entries, initially all pointing to a static all-zero leaf, so
 * a lookup needs no NULL test); real leaves (2^16 entries, 512 KiB of address
 * space, touched only where chunks are) are mapped on first use and never
 * freed, so a lookup needs no lock.
 *
 * Invariant: a slot's entry is non-zero exactly while tide owns the whole slot
 * (chunks and huge mappings are aligned to, and rounded up to, whole slots).
 */
#ifndef TIDE_PAGEMAP_H
#define TIDE_PAGEMAP_H

#include "util.h"

#define PAGEMAP_LG_SLOT   22
#define PAGEMAP_SLOT      ((size_t)1 << PAGEMAP_LG_SLOT)
#define PAGEMAP_LG_LEAF   16
#define PAGEMAP_LG_ROOT   (48 - PAGEMAP_LG_SLOT - PAGEMAP_LG_LEAF)
#define PAGEMAP_TAG_CHUNK ((uintptr_t)1)

typedef uintptr_t pagemap_leaf_t[(size_t)1 << PAGEMAP_LG_LEAF];
extern pagemap_leaf_t *pagemap_root[(size_t)1 << PAGEMAP_LG_ROOT];

/* The tagged entry for address p (0 when p is not tide's). */
TIDE_INLINE uintptr_t pagemap_get(const void *p) {
    uintptr_t a = (uintptr_t)p;
    if (TIDE_UNLIKELY(a >> 48)) return 0;
    pagemap_leaf_t *leaf = __atomic_load_n(&pagemap_root[a >> (PAGEMAP_LG_SLOT + PAGEMAP_LG_LEAF)],
                                          __ATOMIC_ACQUIRE);
    return __atomic_load_n(&(*leaf)[(a >> PAGEMAP_LG_SLOT) & (((uintptr_t)1 << PAGEMAP_LG_LEAF) - 1)],
                           __ATOMIC_ACQUIRE);
}
TIDE_INLINE bool pagemap_is_chunk(uintptr_t e) { return e & PAGEMAP_TAG_CHUNK; }
TIDE_INLINE void *pagemap_ptr(uintptr_t e) { return (void *)(e & ~PAGEMAP_TAG_CHUNK); }
/* Set the entry of every slot in [p, p+size) to v. False if a leaf could not be mapped. */
bool pagemap_set(void *p, size_t size, uintptr_t v);
/* Map the leaves covering [p, p+size) without changing any entry. */
bool pagemap_ensure(void *p, size_t size);
size_t pagemap_mapped(void);  /* bytes of leaves mapped */
void pagemap_prefork(void);
void pagemap_postfork_parent(void);
void pagemap_postfork_child(void);

#endif
