/*
 * base.h: metadata memory. A bump allocator over mmap'd blocks, under one
 * lock. What it hands out is never returned: heaps, huge records and the
 * statistics snapshot are recycled by their owners instead.
 */
#ifndef TIDE_BASE_H
#define TIDE_BASE_H

#include "util.h"

/* Zeroed, 64-byte aligned memory; NULL when the OS refuses. */
void *base_alloc(size_t size);
size_t base_mapped(void);   /* bytes of metadata mapped by base */
void base_prefork(void);
void base_postfork_parent(void);
void base_postfork_child(void);

#endif
