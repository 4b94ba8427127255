/* wl_maps.h: which allocator another process really uses, read from its
 * /proc/<pid>/maps. For workloads that run a real program (perl, gs,
 * mariadbd) under the harness's LD_PRELOAD: the program's malloc, not the
 * wrapper's, is the one to verify.
 */
#ifndef WL_MAPS_H
#define WL_MAPS_H

#include <stddef.h>
#include <sys/types.h>

/* The allocator mapped in process pid, written to out (n bytes):
 *  1. the file named by ALLOCBENCH_ALLOCATOR_FILE, when it is mapped there
 *     and is not the C library;
 *  2. else the first mapped library whose name marks it as an allocator
 *     (libjemalloc, libtcmalloc, libmimalloc, libtide, liblocked, libhoard,
 *     libsnmalloc, librpmalloc), preloaded or linked;
 *  3. else the C library.
 * Paths are compared after realpath. Returns 0; -1 when the maps cannot be
 * read (the process is gone) or the C library is not mapped yet (the
 * dynamic loader has not finished: the preloaded objects come before it). */
int wl_maps_allocator(pid_t pid, char *out, size_t n);

#endif /* WL_MAPS_H */
