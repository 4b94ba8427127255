/*
 * slow.c: build/harness/libab-slow.so, an injection shim that makes any
 * allocator slower by a fixed amount of work per call.
 *
 *   LD_PRELOAD="build/harness/libab-slow.so /path/liballoc.so" AB_SLOW_SPINS=N prog
 *   LD_PRELOAD=build/harness/libab-slow.so AB_SLOW_SPINS=N prog     (over glibc)
 *
 * Every allocating or freeing call (malloc, calloc, realloc, reallocarray,
 * the aligned family, free, free_sized, free_aligned_sized, operator new and
 * delete) runs N iterations of an empty loop the compiler must keep (an
 * empty asm statement with a memory clobber in its body), then forwards to
 * the next definition unchanged (shim.h). realloc counts once.
 * malloc_usable_size is forwarded without extra work. AB_SLOW_SPINS is read
 * once, when the symbols are looked up; unset or empty means 0, the largest
 * value is 1000000000.
 *
 * Finer doses, for the regression gate's self-test:
 *   AB_SLOW_EVERY=K   spin only on every K-th call of each thread (K >= 1;
 *                     the count is kept on every call, spinning or not, so
 *                     a run with AB_SLOW_SPINS=0 pays the same counting);
 *   AB_SLOW_FOR=NAME  spin only in runs of the allocator allocbench names
 *                     NAME (its ALLOCBENCH_ALLOCATOR); other runs load the
 *                     shim and count but do not spin. A base and a head that
 *                     both preload the shim then differ by the spins alone. The cost of one iteration is measured, not assumed:
 * harness/shims/test.sh counts it with callgrind, and the README section
 * "Injection shims" says how N is chosen for a given slowdown.
 */
#include "shim.h"

static unsigned long slow_spins, slow_every;
static __thread __attribute__((tls_model("initial-exec"))) unsigned long slow_calls;

static void shim_hook_env(void)
{
    slow_spins = shim_env_ulong("AB_SLOW_SPINS", 0, 1000000000UL);
    slow_every = shim_env_ulong("AB_SLOW_EVERY", 0, 1000000UL);
    const char *only = getenv("AB_SLOW_FOR"), *me = getenv("ALLOCBENCH_ALLOCATOR");
    if (only && *only && (!me || strcmp(only, me))) slow_spins = 0;
}

/* Out of line, so that a profile shows the injected work as its own
 * function and its cost does not depend on the caller's code. */
static __attribute__((noinline)) void slow_spin(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) __asm__ volatile("" ::: "memory");
}

static inline void shim_hook_op(void)
{
    if (slow_every) {
        if (++slow_calls < slow_every) return;
        slow_calls = 0;
    }
    if (slow_spins) slow_spin(slow_spins);
}

static inline size_t shim_hook_size(size_t n)
{
    return n;
}
