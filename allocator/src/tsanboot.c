/*
 * tsanboot.c: the ThreadSanitizer build only. The TSan runtime allocates
 * (through dlsym) while it initialises, before instrumented code may run.
 * These uninstrumented entry points serve those calls from a static buffer,
 * and pass everything to tide once TSan is ready in the calling thread: in
 * the main thread from the library's first constructor on (libtsan is tide's
 * dependency, and an instrumented program initialises it from .preinit_array),
 * in other threads from the moment their start routine runs (TSan's own
 * thread start allocates before that): tide wraps pthread_create to know it.
 */
#include "util.h"

#ifdef TIDE_TSAN
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void *alloc_tsan_malloc(size_t n);
void alloc_tsan_free(void *p);
void *alloc_tsan_calloc(size_t k, size_t n);
void *alloc_tsan_realloc(void *p, size_t n);

#define BOOT_SIZE ((size_t)1 << 20)
#define BOOT_NO_TSAN __attribute__((no_sanitize("thread"), noinline))

static int boot_ready;
static TIDE_TLS int boot_thread_ready;
static size_t boot_used;
static _Alignas(16) char boot_mem[BOOT_SIZE];

__attribute__((constructor(101))) BOOT_NO_TSAN static void boot_mark_ready(void) {
    boot_thread_ready = 1;
    __atomic_store_n(&boot_ready, 1, __ATOMIC_RELEASE);
}

BOOT_NO_TSAN static bool boot_is_ready(void) {
    return boot_thread_ready && __atomic_load_n(&boot_ready, __ATOMIC_ACQUIRE);
}

struct boot_start {
    void *(*fn)(void *);
    void *arg;
};

BOOT_NO_TSAN static void *boot_thread_main(void *p) {
    struct boot_start st = *(struct boot_start *)p;
    boot_thread_ready = 1;
    free(p);
    return st.fn(st.arg);
}

typedef int (*boot_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

TIDE_EXPORT BOOT_NO_TSAN int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                                            void *arg) {
    static boot_create_fn next;
    if (!next) *(void **)&next = dlsym(RTLD_NEXT, "pthread_create");
    if (!next) return EAGAIN;
    struct boot_start *st = malloc(sizeof *st);
    if (!st) return EAGAIN;
    st->fn = fn;
    st->arg = arg;
    int r = next(t, attr, boot_thread_main, st);
    if (r) free(st);
    return r;
}

BOOT_NO_TSAN static bool boot_owns(const void *p) {
    return (const char *)p >= boot_mem && (const char *)p < boot_mem + BOOT_SIZE;
}

/* Bump allocation, a 16-byte header holding the size; never freed. */
BOOT_NO_TSAN static void *boot_alloc(size_t n) {
    if (n > BOOT_SIZE) return NULL;
    size_t need = TIDE_ALIGN_UP(n, 16) + 16;
    size_t off = __atomic_fetch_add(&boot_used, need, __ATOMIC_RELAXED);
    if (off + need > BOOT_SIZE) return NULL;
    *(size_t *)(boot_mem + off) = n;
    return boot_mem + off + 16;   /* static memory: already zero */
}

TIDE_EXPORT BOOT_NO_TSAN void *malloc(size_t n) {
    return boot_is_ready() ? alloc_tsan_malloc(n) : boot_alloc(n);
}

TIDE_EXPORT BOOT_NO_TSAN void *calloc(size_t k, size_t n) {
    if (boot_is_ready()) return alloc_tsan_calloc(k, n);
    size_t t;
    return __builtin_mul_overflow(k, n, &t) ? NULL : boot_alloc(t);
}

TIDE_EXPORT BOOT_NO_TSAN void free(void *p) {
    if (p && !boot_owns(p)) alloc_tsan_free(p);
}

TIDE_EXPORT BOOT_NO_TSAN void *realloc(void *p, size_t n) {
    if (!boot_owns(p)) return boot_is_ready() ? alloc_tsan_realloc(p, n) : boot_alloc(n);
    size_t old = *(const size_t *)((const char *)p - 16);
    void *q = malloc(n ? n : 1);
    if (q) memcpy(q, p, old < n ? old : n);
    return q;
}
#else
typedef int tsanboot_unused_t;   /* ISO C needs something in a translation unit */
#endif
