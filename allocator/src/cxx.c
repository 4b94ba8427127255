/*
 * cxx.c: the 20 C++ operator new/delete symbols that Debian's libjemalloc.so.2
 * exports, written in C so that libtide does not depend on libstdc++.
 *
 * operator new must call the installed new_handler until it succeeds, and
 * throw std::bad_alloc when there is none. Both are reached through weak
 * references to libstdc++ (std::get_new_handler, std::__throw_bad_alloc),
 * which every program that calls operator new links. This file is compiled
 * with unwind tables, so the exception passes through these frames.
 * The nothrow forms return NULL instead of throwing.
 */
#include "util.h"

#include <errno.h>
#include <stdlib.h>

typedef void (*cxx_handler_t)(void);
extern cxx_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));


static void *cxx_try(size_t n, size_t align) {
    if (align <= 8) return malloc(n ? n : 1);
    void *p = NULL;
    return posix_memalign(&p, align, n ? n : 1) == 0 ? p : NULL;
}

static TIDE_NOINLINE void *cxx_new_slow(size_t n, size_t align, bool nothrow) {
    for (;;) {
        void *p = cxx_try(n, align);
        if (p) return p;
        cxx_handler_t h = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
        if (!h) {
            if (nothrow) return NULL;
            if (_ZSt17__throw_bad_allocv) _ZSt17__throw_bad_allocv();
            /* No C++ runtime in the process: nothing can catch; NULL is all we can give. */
            errno = ENOMEM;
            return NULL;
        }
        h();
    }
}

static inline void *cxx_new(size_t n, size_t align, bool nothrow) {
    void *p = cxx_try(n, align);
    return TIDE_LIKELY(p != NULL) ? p : cxx_new_slow(n, align, nothrow);
}

#define NT const void *nt_ __attribute__((unused))
/* new, new[] */
TIDE_EXPORT void *_Znwm(size_t n) { return cxx_new(n, 0, false); }
TIDE_EXPORT void *_Znam(size_t n) { return cxx_new(n, 0, false); }
TIDE_EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, NT) { return cxx_new(n, 0, true); }
TIDE_EXPORT void *_ZnamRKSt9nothrow_t(size_t n, NT) { return cxx_new(n, 0, true); }
TIDE_EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t a) { return cxx_new(n, a, false); }
TIDE_EXPORT void *_ZnamSt11align_val_t(size_t n, size_t a) { return cxx_new(n, a, false); }
TIDE_EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, NT) { return cxx_new(n, a, true); }
TIDE_EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, NT) { return cxx_new(n, a, true); }
/* delete, delete[] */
TIDE_EXPORT void _ZdlPv(void *p) { free(p); }
TIDE_EXPORT void _ZdaPv(void *p) { free(p); }
TIDE_EXPORT void _ZdlPvm(void *p, size_t n) { (void)n; free(p); }
TIDE_EXPORT void _ZdaPvm(void *p, size_t n) { (void)n; free(p); }
TIDE_EXPORT void _ZdlPvRKSt9nothrow_t(void *p, NT) { free(p); }
TIDE_EXPORT void _ZdaPvRKSt9nothrow_t(void *p, NT) { free(p); }
TIDE_EXPORT void _ZdlPvSt11align_val_t(void *p, size_t a) { (void)a; free(p); }
TIDE_EXPORT void _ZdaPvSt11align_val_t(void *p, size_t a) { (void)a; free(p); }
TIDE_EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t a) { (void)n; (void)a; free(p); }
TIDE_EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t a) { (void)n; (void)a; free(p); }
TIDE_EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, NT) { (void)a; free(p); }
TIDE_EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, NT) { (void)a; free(p); }
