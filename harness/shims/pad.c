/*
 * pad.c: build/harness/libab-pad.so, an injection shim that makes any
 * allocator use more memory by a fixed fraction of every request.
 *
 *   LD_PRELOAD="build/harness/libab-pad.so /path/liballoc.so" AB_PAD_PERCENT=P prog
 *   LD_PRELOAD=build/harness/libab-pad.so AB_PAD_PERCENT=P prog     (over glibc)
 *
 * Every allocation of n bytes (malloc, calloc's product, realloc,
 * reallocarray, the aligned family with their alignment unchanged, valloc,
 * pvalloc, operator new) asks the next allocator for
 * ceil(n * (100 + P) / 100) bytes, so that the live heap, and the resident
 * memory with it, grows by about P %. free is forwarded unchanged; sized
 * frees (free_sized, free_aligned_sized, sized operator delete) pass the
 * padded size, the one the allocator was asked for. malloc_usable_size
 * reports the next allocator's answer for the padded block, so it is at
 * least n; realloc keeps the contents (the next realloc copies them).
 * AB_PAD_PERCENT is read once, when the symbols are looked up: unset or
 * empty means 5, values from 0 to 10000 are accepted. A padded size that
 * would overflow size_t becomes SIZE_MAX, which the allocator refuses.
 */
#include "shim.h"

static size_t pad_percent = 5;

static void shim_hook_env(void)
{
    pad_percent = shim_env_ulong("AB_PAD_PERCENT", 5, 10000);
}

static inline void shim_hook_op(void)
{
}

/* n + ceil(n * P / 100) without overflowing n * P: n = 100 q + r. */
static inline size_t shim_hook_size(size_t n)
{
    size_t q = n / 100, r = n % 100, extra, m;
    if (__builtin_mul_overflow(q, pad_percent, &extra) ||
        __builtin_add_overflow(extra, (r * pad_percent + 99) / 100, &extra) ||
        __builtin_add_overflow(n, extra, &m))
        return SIZE_MAX;
    return m;
}
