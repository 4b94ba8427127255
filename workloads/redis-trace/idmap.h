/* idmap.h: a growable open-addressing map from non-zero uint64 keys to
 * uint64 values (object id -> dense index or size). Not thread-safe. Its
 * arrays are mmap'ed (see idmap.c).
 * Invariants: cap is 0 or a power of two; count * 2 <= cap; a slot is free
 * iff its key is 0; linear probing, deletion by backward shift. */
#ifndef IDMAP_H
#define IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct im_map {
    uint64_t *keys, *vals;
    size_t cap, count;
} im_map;

void im_init(im_map *m);
void im_free(im_map *m);
/* Insert or overwrite; returns -1 when out of memory (key 0 is rejected). */
int im_put(im_map *m, uint64_t key, uint64_t val);
/* Pointer to the value of key, or NULL. */
uint64_t *im_get(const im_map *m, uint64_t key);
/* Remove key; returns 1 if it was present (its value in *val when val). */
int im_del(im_map *m, uint64_t key, uint64_t *val);

#endif
