/* util.h: compiler helpers, locks and assertions shared by every module. */
#ifndef TIDE_UTIL_H
#define TIDE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>

#define TIDE_LIKELY(x)   __builtin_expect(!!(x), 1)
#define TIDE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TIDE_NOINLINE    __attribute__((noinline))
#define TIDE_COLD        __attribute__((cold, noinline))
#define TIDE_INLINE      static inline __attribute__((always_inline))
#define TIDE_EXPORT      __attribute__((visibility("default")))
/* A variable of the library read on a fast path: one RIP-relative load. */
#define TIDE_HIDDEN      __attribute__((visibility("hidden")))
#define TIDE_TLS         __thread __attribute__((tls_model("initial-exec")))
#if defined(__SANITIZE_THREAD__)
#define TIDE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TIDE_TSAN 1
#endif
#endif
/* Statistics readers walk other threads' plain counters on purpose. */
#define TIDE_RACY_READER __attribute__((no_sanitize("thread")))

#define TIDE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TIDE_MAX(a, b) ((a) > (b) ? (a) : (b))
#define TIDE_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((uintptr_t)(a) - 1))

/* Bitmaps of 64-bit words: bit i is bit (i % 64) of word i / 64. */
static inline bool util_bit_get(const uint64_t *b, size_t i) { return (b[i >> 6] >> (i & 63)) & 1; }
static inline void util_bit_set(uint64_t *b, size_t i) { b[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline void util_bit_clear(uint64_t *b, size_t i) { b[i >> 6] &= ~((uint64_t)1 << (i & 63)); }

/* d[0 .. n) = v, 16 bytes per store (gcc does not vectorise the plain loop
 * at -O2): a large run's pages get their dirty time at 4 per store. */
static inline void util_fill32(uint32_t *d, uint32_t v, size_t n) {
    typedef uint32_t util_v4 __attribute__((vector_size(16)));
    util_v4 x = {v, v, v, v};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __builtin_memcpy(d + i, &x, sizeof x);
        __builtin_memcpy(d + i + 4, &x, sizeof x);
        __builtin_memcpy(d + i + 8, &x, sizeof x);
        __builtin_memcpy(d + i + 12, &x, sizeof x);
    }
    for (; i + 4 <= n; i += 4) __builtin_memcpy(d + i, &x, sizeof x);
    for (; i < n; i++) d[i] = v;
}

/* Internal consistency checks: compiled in by -DTIDE_DEBUG (the debug build). */
#ifdef TIDE_DEBUG
#define TIDE_ASSERT(c) ((c) ? (void)0 : util_assert_fail(#c, __FILE__, __LINE__))
#else
#define TIDE_ASSERT(c) ((void)0)
#endif
TIDE_COLD void util_assert_fail(const char *cond, const char *file, int line);

/* Write a message to stderr without allocating. */
void util_write_err(const char *s);
/* Format "tide: <a><b>\n" to stderr without allocating. */
void util_warn2(const char *a, const char *b);
/* Minimal unsigned-to-decimal, returns chars written (no NUL); buf >= 21. */
size_t util_utoa(uint64_t v, char *buf);

/* Locks are plain glibc mutexes: they never allocate, and the fork
 * handlers re-initialise them in the child. */
typedef pthread_mutex_t util_mutex_t;
#define UTIL_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
static inline void util_lock(util_mutex_t *m) { pthread_mutex_lock(m); }
static inline void util_unlock(util_mutex_t *m) { pthread_mutex_unlock(m); }
static inline void util_mutex_reinit(util_mutex_t *m) { pthread_mutex_init(m, NULL); }

#endif
