/* os.h: the operating system below tide: mappings, purging, time. */
#ifndef TIDE_OS_H
#define TIDE_OS_H

#include "util.h"

/* Map `size` bytes aligned to `align` (a power of two >= page); NULL on failure. */
void *os_map_aligned(size_t size, size_t align);
void *os_map(size_t size);
void os_unmap(void *p, size_t size);
/* Map [p, p + size) read-write, only if nothing is mapped there. */
bool os_map_fixed(void *p, size_t size);
/* Give the pages back to the OS; they read as zero afterwards. */
void os_purge(void *p, size_t size);
/* Make [p, p + size) inaccessible (guard pages). */
void os_guard(void *p, size_t size);
/* Monotonic milliseconds, coarse clock (cheap vDSO read). */
uint64_t os_now_ms(void);
unsigned os_ncpus(void);
/* Current resident set size of this process in bytes (from /proc/self/statm). */
size_t os_rss(void);

#endif
