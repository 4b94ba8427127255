/*
 * systest.h: helpers shared by tide's C system tests (prefix st_).
 *
 * The tests run against whichever malloc the process uses: glibc, or tide
 * through LD_PRELOAD. The driver (suite.sh) says which one it meant through
 * SYSTEST_ALLOC ("tide" or "glibc"); st_check_allocator() verifies that the
 * malloc actually in use matches, so a preload that silently did not take
 * effect fails instead of testing glibc twice.
 *
 * Environment read here:
 *   SYSTEST_ALLOC    "tide" or "glibc" (default "glibc")
 *   SYSTEST_QUICK    "1": reduced iteration counts (debug run); "tsan": smaller
 *                    still (ThreadSanitizer run, ~10x slower)
 *   SYSTEST_RSS_MB   RSS-growth bound in MiB for the concurrency tests (default 64)
 *
 * Nothing here allocates except st_fail_set, so the RSS probes can be called
 * from code that must not enter the allocator.
 */
#ifndef SYSTEST_H
#define SYSTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_MiB ((size_t)1 << 20)

/* Resident set size of this process in bytes, from /proc/self/statm (read
 * with open/read only: no stdio, no malloc). 0 if it cannot be read. */
size_t st_rss(void);
/* Monotonic clock in milliseconds. */
double st_now_ms(void);
/* Sleep for ms milliseconds (nanosleep; no allocation). */
void st_sleep_ms(unsigned ms);

/* True when SYSTEST_QUICK is set (to "1" or "tsan"). */
bool st_quick(void);
/* full normally, quick with SYSTEST_QUICK=1, tsan with SYSTEST_QUICK=tsan. */
unsigned long st_count(unsigned long full, unsigned long quick, unsigned long tsan);
/* The RSS growth bound (SYSTEST_RSS_MB, default 64 MiB), in bytes. */
size_t st_rss_bound(void);
/* True when SYSTEST_ALLOC=tide. */
bool st_is_tide(void);

/* tide's stats.allocated, after mallctl("epoch") refreshed it (mallctl
 * resolved with dlsym). False, with *bytes untouched, when SYSTEST_ALLOC is
 * not tide or mallctl fails. tide counts there the bytes of the blocks the
 * program holds (by size class, whatever thread caches keep aside), so once
 * the threads are joined it is exact: the tests compare it with a baseline. */
bool st_allocated(size_t *bytes);
/* Creates and joins n threads that do nothing: glibc's cache of thread
 * stacks (each stack with the dtv glibc malloc'ed for it) is then as full as
 * later batches of up to n threads leave it, and the malloc'ed bytes that
 * glibc keeps for threads no longer change with such batches. */
void st_warm_thread_stacks(unsigned n);

/* Check that malloc as the dynamic linker resolves it comes from the
 * expected allocator: a file whose name contains "libtide" (SYSTEST_ALLOC=tide)
 * or libc (otherwise). Returns NULL when it does, else a static message. */
const char *st_check_allocator(void);

/* Deterministic pattern helpers: fill p[0..n) from seed, verify it. */
void st_fill(void *p, size_t n, uint64_t seed);
bool st_verify(const void *p, size_t n, uint64_t seed);

/* Print "PASS name" / "FAIL name: msg" for every result of a Check runner
 * (one test case per test, named after it), "SKIP prefix/entry" for each
 * entry of skipped[] (NULL-terminated; entries read "name: why"), and
 * return the number of failures. A skipped test is reported, never passed. */
struct SRunner;
int st_report(struct SRunner *sr, const char *prefix, const char *const *skipped);

#endif /* SYSTEST_H */
