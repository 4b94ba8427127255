/*
 * shim.h: the forwarding layer shared by the injection shims (slow.c,
 * pad.c). Included once, by one .c file, which then defines
 *
 *   static void   shim_hook_env(void);      read the shim's variables (once)
 *   static void   shim_hook_op(void);       extra work of one call
 *   static size_t shim_hook_size(size_t n); the size asked of the next allocator
 *
 * It defines malloc, free, calloc, realloc, reallocarray, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size, free_sized,
 * free_aligned_sized and the 20 C++ operator new/delete symbols; each calls
 * shim_hook_op() once (not malloc_usable_size), passes its size through
 * shim_hook_size() and forwards to the next definition in the lookup order
 * (dlsym(RTLD_NEXT): the allocator preloaded after the shim, else libc).
 *
 * Resolution. The constructor looks every next definition up; a call that
 * comes first (from an earlier constructor) does it lazily. One thread
 * claims the lookup (an atomic flag), fills the table and publishes it with
 * a release store; a thread that finds the lookup claimed by another waits
 * for the table. dlsym may itself call malloc or calloc: while the calling
 * thread is in the lookup (a thread-local flag) those calls are served from
 * a static bump buffer, which free and realloc recognise by address and
 * never pass on.
 *
 * C++ operators. Allocators such as tide define their own operator new and
 * delete, which do not call malloc through the PLT: the shim must catch
 * them itself. libstdc++'s do call malloc. Either way the operator wrapper
 * does the hook's work once and marks the thread "inside an operator"
 * while the next operator runs, so a malloc that operator makes is passed
 * on unchanged (no second spin, no second padding). Sized deletes get the
 * same adjusted size their new passed on. If no next operator exists (a
 * C++ library reached only through a local dlopen scope), the wrapper uses
 * the next malloc/posix_memalign/free; a throwing new that fails then calls
 * std::__throw_bad_alloc if it can be found, else aborts (no new_handler).
 *
 * Not intercepted: jemalloc's non-standard API (mallocx, sdallocx, ...), the
 * __libc_* aliases, mallinfo and malloc_trim: they reach the allocator
 * directly, as without the shim.
 */
#ifndef AB_SHIM_H
#define AB_SHIM_H

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHIM_EXPORT __attribute__((visibility("default")))
/* Defined by the including shim (see above). */
static void shim_hook_env(void);
static inline void shim_hook_op(void);
static inline size_t shim_hook_size(size_t n);
#define SHIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define SHIM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- the next definitions ------------------------------------------------ */

typedef void *(*shim_new_fn)(size_t);
typedef void *(*shim_new_nt_fn)(size_t, const void *);
typedef void *(*shim_new_al_fn)(size_t, size_t);
typedef void *(*shim_new_al_nt_fn)(size_t, size_t, const void *);
typedef void (*shim_del_fn)(void *);
typedef void (*shim_del_nt_fn)(void *, const void *);
typedef void (*shim_del_sz_fn)(void *, size_t);
typedef void (*shim_del_al_fn)(void *, size_t);
typedef void (*shim_del_al_nt_fn)(void *, size_t, const void *);
typedef void (*shim_del_sz_al_fn)(void *, size_t, size_t);

/* X(field, symbol, type): the C++ operators, in tide's cxx.c order. */
#define SHIM_CXX_OPS(X)                                                       \
    X(znwm, _Znwm, shim_new_fn)                                               \
    X(znam, _Znam, shim_new_fn)                                               \
    X(znwm_nt, _ZnwmRKSt9nothrow_t, shim_new_nt_fn)                           \
    X(znam_nt, _ZnamRKSt9nothrow_t, shim_new_nt_fn)                           \
    X(znwm_al, _ZnwmSt11align_val_t, shim_new_al_fn)                          \
    X(znam_al, _ZnamSt11align_val_t, shim_new_al_fn)                          \
    X(znwm_al_nt, _ZnwmSt11align_val_tRKSt9nothrow_t, shim_new_al_nt_fn)      \
    X(znam_al_nt, _ZnamSt11align_val_tRKSt9nothrow_t, shim_new_al_nt_fn)      \
    X(zdl, _ZdlPv, shim_del_fn)                                               \
    X(zda, _ZdaPv, shim_del_fn)                                               \
    X(zdl_sz, _ZdlPvm, shim_del_sz_fn)                                        \
    X(zda_sz, _ZdaPvm, shim_del_sz_fn)                                        \
    X(zdl_nt, _ZdlPvRKSt9nothrow_t, shim_del_nt_fn)                           \
    X(zda_nt, _ZdaPvRKSt9nothrow_t, shim_del_nt_fn)                           \
    X(zdl_al, _ZdlPvSt11align_val_t, shim_del_al_fn)                          \
    X(zda_al, _ZdaPvSt11align_val_t, shim_del_al_fn)                          \
    X(zdl_sz_al, _ZdlPvmSt11align_val_t, shim_del_sz_al_fn)                   \
    X(zda_sz_al, _ZdaPvmSt11align_val_t, shim_del_sz_al_fn)                   \
    X(zdl_al_nt, _ZdlPvSt11align_val_tRKSt9nothrow_t, shim_del_al_nt_fn)      \
    X(zda_al_nt, _ZdaPvSt11align_val_tRKSt9nothrow_t, shim_del_al_nt_fn)

typedef struct shim_next {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void (*free_sized)(void *, size_t);
    void (*free_aligned_sized)(void *, size_t, size_t);
    void (*throw_bad_alloc)(void);
#define SHIM_FIELD(f, sym, type) type f;
    SHIM_CXX_OPS(SHIM_FIELD)
#undef SHIM_FIELD
} shim_next;

static shim_next shim_tbl_store;
static shim_next *shim_tbl;  /* NULL until published (atomic access) */
static int shim_claim;       /* 1 once a thread has started the lookup (atomic) */

/* Per-thread flags (initial-exec: the shim is loaded at start-up, and a
 * dynamic TLS access could itself allocate). */
#define SHIM_IN_LOOKUP 1
#define SHIM_IN_OP 2
static __thread int shim_tls __attribute__((tls_model("initial-exec")));

/* ---- the bootstrap buffer ------------------------------------------------ */

#define SHIM_BOOT_BYTES (64 * 1024)
#define SHIM_BOOT_HDR 16
static _Alignas(4096) unsigned char shim_boot[SHIM_BOOT_BYTES];
static size_t shim_boot_used; /* atomic */

static int shim_is_boot(const void *p)
{
    return (const unsigned char *)p >= shim_boot && (const unsigned char *)p < shim_boot + SHIM_BOOT_BYTES;
}

/* n zeroed bytes aligned to align (a power of two); the size is kept in the
 * 16 bytes before the block. Never reused: the buffer only serves the
 * handful of calls dlsym makes. */
static void *shim_boot_alloc(size_t n, size_t align)
{
    if (align < SHIM_BOOT_HDR) align = SHIM_BOOT_HDR;
    size_t used = __atomic_load_n(&shim_boot_used, __ATOMIC_RELAXED);
    for (;;) {
        size_t start = (used + SHIM_BOOT_HDR + align - 1) & ~(align - 1);
        if (align > SHIM_BOOT_BYTES || start > SHIM_BOOT_BYTES || n > SHIM_BOOT_BYTES - start) {
            errno = ENOMEM;
            return NULL;
        }
        if (__atomic_compare_exchange_n(&shim_boot_used, &used, start + n, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            memcpy(shim_boot + start - sizeof(size_t), &n, sizeof n);
            return shim_boot + start;
        }
    }
}

static size_t shim_boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - sizeof(size_t), sizeof n);
    return n;
}

/* ---- resolution ---------------------------------------------------------- */

/* A non-negative decimal environment variable (at most max); def when it is
 * unset or empty; def and a warning on stderr when it is not a number. Reads
 * no locale and allocates nothing (it runs inside the symbol lookup). */
static unsigned long shim_env_ulong(const char *name, unsigned long def, unsigned long max)
{
    const char *s = getenv(name);
    if (!s || !*s) return def;
    unsigned long v = 0;
    const char *c = s;
    for (; *c >= '0' && *c <= '9'; c++) {
        v = v * 10 + (unsigned long)(*c - '0');
        if (v > max) break;
    }
    if (*c || v > max) {
        static const char w1[] = "allocbench shim: ignoring ", w2[] = " (not a decimal number within range)\n";
        ssize_t r = write(2, w1, sizeof w1 - 1);
        r = write(2, name, strlen(name));
        r = write(2, w2, sizeof w2 - 1);
        (void)r;
        return def;
    }
    return v;
}

static void shim_die(const char *msg)
{
    ssize_t r = write(2, msg, strlen(msg));
    (void)r;
    abort();
}

/* Function pointers from dlsym (ISO C has no conversion from void *). */
#define SHIM_SYM(dst, name)                                                   \
    do {                                                                      \
        void *s_ = dlsym(RTLD_NEXT, name);                                    \
        memcpy(&(dst), &s_, sizeof(dst));                                     \
    } while (0)

static void shim_lookup(shim_next *t)
{
    SHIM_SYM(t->malloc, "malloc");
    SHIM_SYM(t->free, "free");
    SHIM_SYM(t->calloc, "calloc");
    SHIM_SYM(t->realloc, "realloc");
    SHIM_SYM(t->posix_memalign, "posix_memalign");
    SHIM_SYM(t->aligned_alloc, "aligned_alloc");
    SHIM_SYM(t->memalign, "memalign");
    SHIM_SYM(t->valloc, "valloc");
    SHIM_SYM(t->pvalloc, "pvalloc");
    SHIM_SYM(t->malloc_usable_size, "malloc_usable_size");
    SHIM_SYM(t->free_sized, "free_sized");
    SHIM_SYM(t->free_aligned_sized, "free_aligned_sized");
    SHIM_SYM(t->throw_bad_alloc, "_ZSt17__throw_bad_allocv");
#define SHIM_LOOK(f, sym, type) SHIM_SYM(t->f, #sym);
    SHIM_CXX_OPS(SHIM_LOOK)
#undef SHIM_LOOK
    if (!t->malloc || !t->free || !t->calloc || !t->realloc || !t->posix_memalign)
        shim_die("allocbench shim: no next malloc/free/calloc/realloc/posix_memalign (dlsym RTLD_NEXT)\n");
}

/* The table, or NULL when this thread is inside the lookup (the caller then
 * serves the request from the bootstrap buffer). */
static __attribute__((noinline)) shim_next *shim_resolve(void)
{
    shim_next *t = __atomic_load_n(&shim_tbl, __ATOMIC_ACQUIRE);
    if (t) return t;
    if (shim_tls & SHIM_IN_LOOKUP) return NULL;
    if (!__atomic_exchange_n(&shim_claim, 1, __ATOMIC_ACQ_REL)) {
        shim_tls |= SHIM_IN_LOOKUP;
        shim_hook_env();
        shim_lookup(&shim_tbl_store);
        __atomic_store_n(&shim_tbl, &shim_tbl_store, __ATOMIC_RELEASE);
        shim_tls &= ~SHIM_IN_LOOKUP;
        return &shim_tbl_store;
    }
    /* Another thread is looking the symbols up: wait for its table. */
    while (!(t = __atomic_load_n(&shim_tbl, __ATOMIC_ACQUIRE))) sched_yield();
    return t;
}

static inline shim_next *shim_get(void)
{
    shim_next *t = __atomic_load_n(&shim_tbl, __ATOMIC_ACQUIRE);
    return SHIM_LIKELY(t != NULL) ? t : shim_resolve();
}

__attribute__((constructor)) static void shim_ctor(void)
{
    (void)shim_get();
}

/* The hook's work, unless this thread is inside an operator wrapper that
 * already did it. */
static inline void shim_op(void)
{
    if (SHIM_LIKELY(!(shim_tls & SHIM_IN_OP))) shim_hook_op();
}
static inline size_t shim_size(size_t n)
{
    return SHIM_LIKELY(!(shim_tls & SHIM_IN_OP)) ? shim_hook_size(n) : n;
}

/* ---- the C interface ----------------------------------------------------- */

SHIM_EXPORT void *malloc(size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) return shim_boot_alloc(n, 16);
    shim_op();
    return t->malloc(shim_size(n));
}

SHIM_EXPORT void free(void *p)
{
    if (!p || SHIM_UNLIKELY(shim_is_boot(p))) return;
    int e = errno;
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) return;  /* cannot happen: only boot blocks exist before the table */
    shim_op();
    t->free(p);
    errno = e;
}

SHIM_EXPORT void *calloc(size_t k, size_t n)
{
    shim_next *t = shim_get();
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        if (!t) {
            errno = ENOMEM;
            return NULL;
        }
        shim_op();
        return t->calloc(k, n);  /* the allocator's own overflow answer */
    }
    if (SHIM_UNLIKELY(!t)) return shim_boot_alloc(total, 16);  /* static: already zero */
    shim_op();
    size_t m = shim_size(total);
    return m == total ? t->calloc(k, n) : t->calloc(1, m);
}

SHIM_EXPORT void *realloc(void *p, size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) {
        if (p && !n) return NULL;
        void *q = shim_boot_alloc(n, 16);
        if (q && p) memcpy(q, p, shim_boot_size(p) < n ? shim_boot_size(p) : n);
        return q;
    }
    if (SHIM_UNLIKELY(p && shim_is_boot(p))) {
        /* A bootstrap block moves to the next allocator; the old one stays. */
        size_t old = shim_boot_size(p);
        if (!n) return NULL;
        shim_op();
        void *q = t->malloc(shim_size(n));
        if (q) memcpy(q, p, old < n ? old : n);
        return q;
    }
    shim_op();
    return t->realloc(p, shim_size(n));
}

SHIM_EXPORT void *reallocarray(void *p, size_t k, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

static int shim_pow2(size_t a)
{
    return a && !(a & (a - 1));
}

SHIM_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) {
        if (!shim_pow2(align) || align % sizeof(void *)) return EINVAL;
        int e = errno;
        void *q = shim_boot_alloc(n, align);
        errno = e;
        if (!q) return ENOMEM;
        *out = q;
        return 0;
    }
    shim_op();
    return t->posix_memalign(out, align, shim_size(n));
}

SHIM_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) {
        if (!shim_pow2(align)) {
            errno = EINVAL;
            return NULL;
        }
        return shim_boot_alloc(n, align);
    }
    shim_op();
    if (!t->aligned_alloc) {
        errno = ENOMEM;
        return NULL;
    }
    return t->aligned_alloc(align, shim_size(n));
}

SHIM_EXPORT void *memalign(size_t align, size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) {
        size_t a = 1;
        while (a < align && a < SHIM_BOOT_BYTES) a <<= 1;
        return shim_boot_alloc(n, a);
    }
    shim_op();
    if (!t->memalign) {
        errno = ENOMEM;
        return NULL;
    }
    return t->memalign(align, shim_size(n));
}

SHIM_EXPORT void *valloc(size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) return shim_boot_alloc(n, 4096);
    shim_op();
    if (!t->valloc) {
        errno = ENOMEM;
        return NULL;
    }
    return t->valloc(shim_size(n));
}

SHIM_EXPORT void *pvalloc(size_t n)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) return shim_boot_alloc(n > SHIM_BOOT_BYTES ? n : (n + 4095) & ~(size_t)4095, 4096);
    shim_op();
    if (!t->pvalloc) {
        errno = ENOMEM;
        return NULL;
    }
    return t->pvalloc(shim_size(n));
}

SHIM_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p) return 0;
    if (shim_is_boot(p)) return shim_boot_size(p);
    shim_next *t = shim_get();
    return t && t->malloc_usable_size ? t->malloc_usable_size(p) : 0;
}

/* C23: n (and align) as given to malloc/aligned_alloc; the next allocator
 * gets the size the shim asked it for. */
SHIM_EXPORT void free_sized(void *p, size_t n)
{
    if (!p || shim_is_boot(p)) return;
    int e = errno;
    shim_next *t = shim_get();
    if (!t) return;
    shim_op();
    if (t->free_sized)
        t->free_sized(p, shim_size(n));
    else
        t->free(p);
    errno = e;
}

SHIM_EXPORT void free_aligned_sized(void *p, size_t align, size_t n)
{
    if (!p || shim_is_boot(p)) return;
    int e = errno;
    shim_next *t = shim_get();
    if (!t) return;
    shim_op();
    if (t->free_aligned_sized)
        t->free_aligned_sized(p, align, shim_size(n));
    else
        t->free(p);
    errno = e;
}

/* ---- C++ operators ------------------------------------------------------- */

/* Entered around a call of the next operator; restored by the cleanup
 * attribute also when operator new throws (the file is built with
 * -fexceptions, so the exception passes through these frames). */
static inline int shim_op_enter(void)
{
    int old = shim_tls;
    shim_tls = old | SHIM_IN_OP;
    return old;
}
static inline void shim_op_leave(int *old)
{
    shim_tls = (shim_tls & ~SHIM_IN_OP) | (*old & SHIM_IN_OP);
}
#define SHIM_IN_NEXT_OP int shim_old_ __attribute__((cleanup(shim_op_leave), unused)) = shim_op_enter()

/* No next operator: the next malloc/posix_memalign (n already adjusted). */
static void *shim_new_fallback(shim_next *t, size_t n, size_t align, int nothrow)
{
    void *p = NULL;
    if (!n) n = 1;
    if (align <= 16)
        p = t->malloc(n);
    else if (t->posix_memalign(&p, align, n) != 0)
        p = NULL;
    if (p || nothrow) return p;
    if (t->throw_bad_alloc) t->throw_bad_alloc();
    shim_die("allocbench shim: operator new: out of memory\n");
    return NULL;
}

static inline shim_next *shim_cxx_get(void)
{
    shim_next *t = shim_get();
    if (SHIM_UNLIKELY(!t)) shim_die("allocbench shim: operator new/delete called by dlsym\n");
    return t;
}

#define SHIM_NEW(f, sym)                                                      \
    SHIM_EXPORT void *sym(size_t n)                                           \
    {                                                                         \
        shim_next *t = shim_cxx_get();                                        \
        shim_op();                                                            \
        n = shim_size(n);                                                     \
        if (!t->f) return shim_new_fallback(t, n, 0, 0);                      \
        SHIM_IN_NEXT_OP;                                                      \
        return t->f(n);                                                       \
    }
#define SHIM_NEW_NT(f, sym)                                                   \
    SHIM_EXPORT void *sym(size_t n, const void *nt)                           \
    {                                                                         \
        shim_next *t = shim_cxx_get();                                        \
        shim_op();                                                            \
        n = shim_size(n);                                                     \
        if (!t->f) return shim_new_fallback(t, n, 0, 1);                      \
        SHIM_IN_NEXT_OP;                                                      \
        return t->f(n, nt);                                                   \
    }
#define SHIM_NEW_AL(f, sym)                                                   \
    SHIM_EXPORT void *sym(size_t n, size_t al)                                \
    {                                                                         \
        shim_next *t = shim_cxx_get();                                        \
        shim_op();                                                            \
        n = shim_size(n);                                                     \
        if (!t->f) return shim_new_fallback(t, n, al, 0);                     \
        SHIM_IN_NEXT_OP;                                                      \
        return t->f(n, al);                                                   \
    }
#define SHIM_NEW_AL_NT(f, sym)                                                \
    SHIM_EXPORT void *sym(size_t n, size_t al, const void *nt)                \
    {                                                                         \
        shim_next *t = shim_cxx_get();                                        \
        shim_op();                                                            \
        n = shim_size(n);                                                     \
        if (!t->f) return shim_new_fallback(t, n, al, 1);                     \
        SHIM_IN_NEXT_OP;                                                      \
        return t->f(n, al, nt);                                               \
    }
/* DEL(f, sym, params, sz, args): args are those of the next operator; m is
 * the adjusted sz (computed before the thread is marked inside the operator). */
#define SHIM_DEL(f, sym, params, sz, ...)                                     \
    SHIM_EXPORT void sym params                                               \
    {                                                                         \
        if (!p || shim_is_boot(p)) return;                                    \
        shim_next *t = shim_cxx_get();                                        \
        shim_op();                                                            \
        size_t m = shim_size(sz);                                             \
        (void)m;                                                              \
        if (!t->f) {                                                          \
            t->free(p);                                                       \
            return;                                                           \
        }                                                                     \
        SHIM_IN_NEXT_OP;                                                      \
        t->f(__VA_ARGS__);                                                    \
    }

SHIM_NEW(znwm, _Znwm)
SHIM_NEW(znam, _Znam)
SHIM_NEW_NT(znwm_nt, _ZnwmRKSt9nothrow_t)
SHIM_NEW_NT(znam_nt, _ZnamRKSt9nothrow_t)
SHIM_NEW_AL(znwm_al, _ZnwmSt11align_val_t)
SHIM_NEW_AL(znam_al, _ZnamSt11align_val_t)
SHIM_NEW_AL_NT(znwm_al_nt, _ZnwmSt11align_val_tRKSt9nothrow_t)
SHIM_NEW_AL_NT(znam_al_nt, _ZnamSt11align_val_tRKSt9nothrow_t)
SHIM_DEL(zdl, _ZdlPv, (void *p), 0, p)
SHIM_DEL(zda, _ZdaPv, (void *p), 0, p)
SHIM_DEL(zdl_sz, _ZdlPvm, (void *p, size_t n), n, p, m)
SHIM_DEL(zda_sz, _ZdaPvm, (void *p, size_t n), n, p, m)
SHIM_DEL(zdl_nt, _ZdlPvRKSt9nothrow_t, (void *p, const void *nt), 0, p, nt)
SHIM_DEL(zda_nt, _ZdaPvRKSt9nothrow_t, (void *p, const void *nt), 0, p, nt)
SHIM_DEL(zdl_al, _ZdlPvSt11align_val_t, (void *p, size_t al), 0, p, al)
SHIM_DEL(zda_al, _ZdaPvSt11align_val_t, (void *p, size_t al), 0, p, al)
SHIM_DEL(zdl_sz_al, _ZdlPvmSt11align_val_t, (void *p, size_t n, size_t al), n, p, m, al)
SHIM_DEL(zda_sz_al, _ZdaPvmSt11align_val_t, (void *p, size_t n, size_t al), n, p, m, al)
SHIM_DEL(zdl_al_nt, _ZdlPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t al, const void *nt), 0, p, al, nt)
SHIM_DEL(zda_al_nt, _ZdaPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t al, const void *nt), 0, p, al, nt)

#endif /* AB_SHIM_H */
