/* wl.h: the common convention shared by every allocbench workload.
 *
 * A workload's main() calls wl_init() first: it parses the common options
 * (--threads N, --pin compact|scatter|none, --help) and leaves the positional
 * arguments in wl_opts. After validating its own arguments it calls
 * wl_begin(), which prints the "ALLOCBENCH allocator" line and prepares
 * thread placement. Worker threads call wl_pin_thread(i) once. At the end the
 * workload calls wl_result() exactly once, which prints the single
 * "ALLOCBENCH result ..." line and then the "ALLOCBENCH alloc-stats ..." line.
 *
 * Errors in the command line print one line on stderr and exit(2).
 */
#ifndef WL_H
#define WL_H

#include <stddef.h>
#include <stdint.h>

#include "wl_place.h"

/* Parsed common options.
 * Invariants after wl_init(): threads >= 1 (1 when --threads was not given
 * and threads_given == 0); npos == number of positional arguments and
 * pos[0..npos) point into the original argv; name points to a static string. */
typedef struct wl_opts {
    const char *name;     /* workload name, printed as workload=<name> */
    int threads;          /* --threads N (default 1) */
    int threads_given;    /* 1 if --threads appeared on the command line */
    wl_pin_policy pin;    /* --pin policy (default WL_PIN_NONE) */
    int npos;             /* number of positional arguments */
    char **pos;           /* positional arguments */
} wl_opts;

/* Parse argv; usage is the positional synopsis, desc a short paragraph for
 * --help. max_pos bounds the number of positional arguments accepted. */
void wl_init(wl_opts *o, const char *name, const char *usage, const char *desc,
             int max_pos, int argc, char **argv);

/* Bad-input exit: prints "<name>: <message>" on stderr and exits 2. */
void wl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Runtime failure: prints "<name>: <message>" on stderr and exits 1. */
void wl_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Positional argument i parsed as a number within [lo, hi]; def when i is
 * beyond npos. Non-numeric or out-of-range input is a usage error. */
long wl_arg_long(const wl_opts *o, int i, const char *what, long def, long lo, long hi);
double wl_arg_double(const wl_opts *o, int i, const char *what, double def, double lo, double hi);

/* For workloads whose original program takes the thread count as a
 * positional argument (index i): --threads wins when given, otherwise the
 * positional value is used, otherwise o->threads stays 1. Sets and returns
 * o->threads. */
int wl_threads_arg(wl_opts *o, int i);

/* Start of the run, once the arguments are validated and the thread count
 * is final: prints the "ALLOCBENCH allocator" line, then loads the topology
 * and computes the placement for nworkers worker indexes (only when --pin is
 * not none). Call once, before starting workers. */
void wl_begin(const wl_opts *o, int nworkers);

/* Bind the calling thread to the PU chosen for worker index idx by the --pin
 * policy (no-op for --pin none). A failed bind prints one warning. */
void wl_pin_thread(int idx);

/* Monotonic clock in seconds. */
double wl_now(void);

/* CPU time (user + system) used by the whole process so far, in seconds. */
double wl_cpu_seconds(void);

/* Resident set size of this process in bytes (/proc/self/statm), 0 on error. */
size_t wl_rss_bytes(void);
/* Peak resident set size in bytes (VmHWM in /proc/self/status), 0 on error. */
size_t wl_peak_rss_bytes(void);

/* Path of the object that defines the malloc this process uses (static
 * buffer); the executable's own path when malloc is linked into it. */
const char *wl_allocator_file(void);

/* Allocator statistics in one common form; a field the source cannot provide
 * is -1. source is "mallctl", "mimalloc", "tcmalloc", "mallinfo2" or "none". */
typedef struct wl_alloc_stats {
    const char *source;
    long long allocated, active, resident, mapped;
} wl_alloc_stats;
void wl_alloc_stats_get(wl_alloc_stats *st);

/* Print the result line, then the alloc-stats line. extra_fmt (may be NULL)
 * adds workload-specific " key=value" pairs; it must not contain newlines.
 * better is "higher" or "lower". The line also carries pin=, peak_rss= (bytes)
 * and cpu_s= (process CPU seconds so far). Call exactly once. */
void wl_result(const wl_opts *o, const char *metric, double value, const char *unit,
               const char *better, const char *extra_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The same two lines for a workload that measures another process (a real
 * program it started): peak_rss (bytes) and cpu_s are that process's (its
 * wait4 rusage), and the alloc-stats line says source=unavailable with every
 * field -1 (another process's allocator cannot be asked). Call exactly once. */
void wl_result_child(const wl_opts *o, const char *metric, double value, const char *unit,
                     const char *better, size_t peak_rss, double cpu_s, const char *extra_fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Small, fast per-thread PRNG (xorshift64*); state must be non-zero. */
static inline uint64_t wl_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}
/* Uniform double in [0, 1). */
static inline double wl_rand_unit(uint64_t *s) { return (double)(wl_rand(s) >> 11) * (1.0 / 9007199254740992.0); }

/* A reusable barrier for n threads (pthread_barrier_t is optional in C11
 * builds, this is a plain mutex/condvar one). */
typedef struct wl_barrier wl_barrier;
wl_barrier *wl_barrier_new(int n);
void wl_barrier_wait(wl_barrier *b);
void wl_barrier_free(wl_barrier *b);

#endif
