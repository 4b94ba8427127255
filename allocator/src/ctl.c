/*
 * ctl.c: jemalloc-compatible introspection: mallctl, mallctlnametomib,
 * mallctlbymib and malloc_stats_print.
 *
 * The name space is a static tree of struct ctl_node. A MIB holds, for each
 * component of a name, either the index of the child in its parent's kids[]
 * (named components) or the number itself (numeric components such as the
 * <i> of "stats.arenas.<i>"): a MIB taken once can be reused with other
 * numbers, as jemalloc allows. Return codes follow the jemalloc manual:
 * ENOENT unknown name, index out of range, or a name that stops at an
 * interior node; EPERM read of a write-only or write of a read-only name;
 * EINVAL *oldlenp or newlen different from the type's size, or a bad value;
 * EFAULT a side effect failed; EAGAIN tide could not initialise or map
 * memory for its snapshot.
 *
 * Statistics names read the snapshot that "epoch" refreshes (stats.c), never
 * live counters. Nothing here calls malloc: malloc_stats_print formats into
 * a stack buffer and hands it to write_cb, holding no lock while it does.
 */
#include "ctl.h"
#include "stats.h"
#include "arena.h"
#include "heap.h"
#include "conf.h"
#include "bg.h"
#include "init.h"
#include "misuse.h"
#include "os.h"
#include "tide.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#define CTL_MAXDEPTH 8
#define CTL_QUANTUM ((size_t)16)
/* Large sizes are whole pages from the first page multiple above the
 * largest small class up to SC_LARGE_MAX. */
#define CTL_LARGE_MIN (TIDE_ALIGN_UP(SC_SMALL_MAX + 1, SC_PAGE))
#define CTL_NLEXTENTS ((unsigned)((SC_LARGE_MAX - CTL_LARGE_MIN) / SC_PAGE + 1))

/* ---------------------------------------------------------------------- */
/* Values and the read/write protocol. */

enum ctl_type { CT_NONE, CT_BOOL, CT_UNSIGNED, CT_U32, CT_SIZE, CT_SSIZE, CT_U64, CT_STR };

union ctl_val {
    bool b;
    unsigned u;
    uint32_t u32;
    size_t z;
    ssize_t ss;
    uint64_t u64;
    const char *s;
};

struct ctl_args {
    void *oldp;
    size_t *oldlenp;
    void *newp;
    size_t newlen;
};

static size_t ctl_type_size(unsigned t) {
    switch (t) {
    case CT_BOOL: return sizeof(bool);
    case CT_UNSIGNED: return sizeof(unsigned);
    case CT_U32: return sizeof(uint32_t);
    case CT_SIZE: return sizeof(size_t);
    case CT_SSIZE: return sizeof(ssize_t);
    case CT_U64: return sizeof(uint64_t);
    case CT_STR: return sizeof(const char *);
    default: return 0;
    }
}

/* Hand a value to the caller. oldp == NULL with oldlenp set reports the size;
 * a size mismatch copies what fits, as jemalloc does, and fails with EINVAL. */
static int ctl_out(const struct ctl_args *a, unsigned type, union ctl_val v) {
    size_t sz = ctl_type_size(type);
    if (!a->oldlenp) return 0;
    if (!a->oldp) {
        *a->oldlenp = sz;
        return 0;
    }
    if (*a->oldlenp != sz) {
        size_t n = TIDE_MIN(sz, *a->oldlenp);
        memcpy(a->oldp, &v, n);
        *a->oldlenp = n;
        return EINVAL;
    }
    memcpy(a->oldp, &v, sz);
    return 0;
}

static bool ctl_writes(const struct ctl_args *a) { return a->newp != NULL || a->newlen != 0; }
static bool ctl_reads(const struct ctl_args *a) { return a->oldp != NULL || a->oldlenp != NULL; }

/* A read-only name: refuse writes, then answer. */
static int ctl_ro(const struct ctl_args *a, unsigned type, union ctl_val v) {
    if (ctl_writes(a)) return EPERM;
    return ctl_out(a, type, v);
}

/* Fetch a written value of the given type. */
static int ctl_in(const struct ctl_args *a, unsigned type, void *dst) {
    size_t sz = ctl_type_size(type);
    if (a->newlen != sz) return EINVAL;
    memcpy(dst, a->newp, sz);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The tree. */

struct ctl_node;
typedef int ctl_fn(const struct ctl_node *n, const size_t *mib, size_t miblen,
                   const struct ctl_args *a);

/*
 * A node is a leaf (fn != NULL, no kids), an interior node with named kids,
 * or an interior node with one numeric kid (kids[0].name == NULL), whose
 * index_ok says which numbers exist. Stat leaves find their field through
 * off/srcsz in the struct their fn reads and answer as `type`.
 */
struct ctl_node {
    const char *name;
    const struct ctl_node *kids;
    unsigned nkids;
    bool (*index_ok)(size_t i);
    ctl_fn *fn;
    uint16_t off;
    uint8_t srcsz;
    uint8_t type;
    uint8_t detail;   /* stat leaves: CTL_DETAIL_* (stats.h's detail pass) */
};

/* When a stat leaf needs the snapshot's detail pass (a walk of every run). */
enum { CTL_DETAIL_NONE = 0, CTL_DETAIL_ONE = 1 /* for one arena */, CTL_DETAIL_ALL = 2 };

#define CTL_COUNT(arr) ((unsigned)(sizeof(arr) / sizeof((arr)[0])))
#define NODE(nm, k)  { .name = (nm), .kids = (k), .nkids = CTL_COUNT(k) }
#define INDEX(k, ok) { .name = NULL, .kids = (k), .nkids = CTL_COUNT(k), .index_ok = (ok) }
#define LEAF(nm, f)  { .name = (nm), .fn = (f) }
#define FIELD(nm, f, st, fld, t, d) \
    { .name = (nm), .fn = (f), .off = offsetof(st, fld), \
      .srcsz = sizeof(((st *)0)->fld), .type = (t), .detail = (d) }
#define SA(nm, fld, t) FIELD(nm, ctl_stat_arena, struct stats_arena, fld, t, CTL_DETAIL_NONE)
#define SAD(nm, fld, t, d) FIELD(nm, ctl_stat_arena, struct stats_arena, fld, t, d)
#define SB(nm, fld, t) FIELD(nm, ctl_stat_bin, struct stats_bin, fld, t, CTL_DETAIL_NONE)
#define SBD(nm, fld, t, d) FIELD(nm, ctl_stat_bin, struct stats_bin, fld, t, d)
#define SG(nm, fld, t) FIELD(nm, ctl_stat_global, struct stats_global, fld, t, CTL_DETAIL_NONE)

static uint64_t ctl_load(const void *base, const struct ctl_node *n) {
    const char *p = (const char *)base + n->off;
    if (n->srcsz == 4) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static union ctl_val ctl_val_of(unsigned type, uint64_t raw) {
    union ctl_val v;
    memset(&v, 0, sizeof v);
    switch (type) {
    case CT_BOOL: v.b = raw != 0; break;
    case CT_UNSIGNED: v.u = (unsigned)raw; break;
    case CT_U32: v.u32 = (uint32_t)raw; break;
    case CT_SIZE: v.z = (size_t)raw; break;
    case CT_SSIZE: v.ss = (ssize_t)raw; break;
    default: v.u64 = raw; break;
    }
    return v;
}

static unsigned ctl_narenas(void) { return arena_count(); }

/* <i> of arena.<i> and stats.arenas.<i>: an arena, narenas or
 * MALLCTL_ARENAS_ALL (the last two mean "all arenas", as in jemalloc). */
static bool ctl_arena_ok(size_t i) { return i <= ctl_narenas() || i == MALLCTL_ARENAS_ALL; }
static bool ctl_all(size_t i) { return i == ctl_narenas() || i == MALLCTL_ARENAS_ALL; }
static bool ctl_bin_ok(size_t j) { return j < SC_NSMALL; }
static bool ctl_lextent_ok(size_t i) { return i < CTL_NLEXTENTS; }

/* ---- global names ---- */

static int ctl_version(const struct ctl_node *n, const size_t *mib, size_t miblen,
                       const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    return ctl_ro(a, CT_STR, (union ctl_val){ .s = TIDE_VERSION "-tide" });
}

static int ctl_epoch(const struct ctl_node *n, const size_t *mib, size_t miblen,
                     const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    if (a->newp) {
        uint64_t ignored;
        int r = ctl_in(a, CT_U64, &ignored);
        if (r) return r;
        /* A program that polls its statistics (Redis does, every 100 ms)
         * also gets its due decay work done here, idle or not: the calling
         * thread's sparse slabs and every arena's old dirty pages. */
        heap_maintain();
        for (unsigned i = 0; i < arena_count(); i++) arena_maybe_purge(arena_get(i));
        if (!stats_refresh()) return EAGAIN;
    }
    struct stats_global g;
    if (!stats_read_global(&g)) return EAGAIN;
    return ctl_out(a, CT_U64, (union ctl_val){ .u64 = g.epoch });
}

static int ctl_background_thread(const struct ctl_node *n, const size_t *mib, size_t miblen,
                                 const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    bool want = false;
    if (a->newp) {
        int r = ctl_in(a, CT_BOOL, &want);
        if (r) return r;
    }
    int r = ctl_out(a, CT_BOOL, (union ctl_val){ .b = bg_enabled() });
    if (r) return r;
    if (a->newp && want != bg_enabled() && bg_set(want) != 0) return EFAULT;
    return 0;
}

static int ctl_config_debug(const struct ctl_node *n, const size_t *mib, size_t miblen,
                            const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
#ifdef TIDE_DEBUG
    return ctl_ro(a, CT_BOOL, (union ctl_val){ .b = true });
#else
    return ctl_ro(a, CT_BOOL, (union ctl_val){ .b = false });
#endif
}

static int ctl_config_stats(const struct ctl_node *n, const size_t *mib, size_t miblen,
                            const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    return ctl_ro(a, CT_BOOL, (union ctl_val){ .b = true });
}

/* opt.*: the options in effect (conf.h). */
static int ctl_opt(const struct ctl_node *n, const size_t *mib, size_t miblen,
                   const struct ctl_args *a) {
    (void)mib, (void)miblen;
    union ctl_val v;
    memset(&v, 0, sizeof v);
    switch (n->off) {
    case 0: v.u = conf_opt.narenas; break;
    case 1: v.b = conf_opt.tcache; break;
    case 2: v.ss = (ssize_t)conf_opt.dirty_decay_ms; break;
    case 3: v.ss = 0; break;
    case 4: v.b = conf_opt.background_thread; break;
    case 5: v.b = conf_opt.stats_print; break;
    case 7: v.ss = (ssize_t)conf_opt.class_refine_kb; break;
    case 8: v.b = conf_opt.abort_on_misuse; break;
    case 9: v.s = conf_opt.stats_opts ? conf_opt.stats_opts : ""; break;
    default: v.s = conf_opt.preset ? conf_opt.preset : "default"; break;
    }
    return ctl_ro(a, n->type, v);
}
#define OPT(nm, k, t) { .name = (nm), .fn = ctl_opt, .off = (k), .type = (t) }

/* ---- thread.* ---- */

static bool ctl_thread_has_heap(void) {
    return tide_tls.heap != NULL && tide_tls.heap != &heap_empty;
}

static int ctl_thread_counter(const struct ctl_node *n, const size_t *mib, size_t miblen,
                              const struct ctl_args *a) {
    (void)mib, (void)miblen;
    uint64_t al = 0, de = 0;
    heap_thread_counters(&al, &de);
    return ctl_ro(a, CT_U64, (union ctl_val){ .u64 = n->off ? de : al });
}

static int ctl_thread_arena(const struct ctl_node *n, const size_t *mib, size_t miblen,
                            const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    if (ctl_writes(a)) return EPERM;
    struct arena *ar = heap_thread_arena();
    return ctl_out(a, CT_UNSIGNED, (union ctl_val){ .u = ar ? ar->index : 0 });
}

static int ctl_tcache_enabled(const struct ctl_node *n, const size_t *mib, size_t miblen,
                              const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    return ctl_ro(a, CT_BOOL, (union ctl_val){ .b = conf_opt.tcache && tide_tls.state != TLS_DEAD });
}

static int ctl_tcache_flush(const struct ctl_node *n, const size_t *mib, size_t miblen,
                            const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    if (ctl_reads(a) || ctl_writes(a)) return EPERM;
    /* jemalloc answers EFAULT when the thread has no cache to flush. */
    if (!conf_opt.tcache || tide_tls.state == TLS_DEAD) return EFAULT;
    if (ctl_thread_has_heap()) heap_flush(tide_tls.heap);
    return 0;
}

/* ---- arena.<i>.* ---- */

static int ctl_arena_purge(const struct ctl_node *n, const size_t *mib, size_t miblen,
                           const struct ctl_args *a) {
    (void)miblen;
    if (ctl_reads(a) || ctl_writes(a)) return EPERM;
    bool all = n->off != 0;   /* purge: everything; decay: what is due */
    size_t i = mib[1];
    if (ctl_all(i)) {
        for (unsigned k = 0, na = ctl_narenas(); k < na; k++) {
            struct arena *ar = arena_get(k);
            if (ar) arena_purge(ar, all);
        }
    } else {
        struct arena *ar = arena_get((unsigned)i);
        if (ar) arena_purge(ar, all);
    }
    return 0;
}

static int ctl_arena_initialized(const struct ctl_node *n, const size_t *mib, size_t miblen,
                                 const struct ctl_args *a) {
    (void)n, (void)miblen;
    bool init = ctl_all(mib[1]) || arena_get((unsigned)mib[1]) != NULL;
    return ctl_ro(a, CT_BOOL, (union ctl_val){ .b = init });
}

/* ---- arenas.* ---- */

static int ctl_arenas_const(const struct ctl_node *n, const size_t *mib, size_t miblen,
                            const struct ctl_args *a) {
    (void)mib, (void)miblen;
    uint64_t v;
    switch (n->off) {
    case 0: v = ctl_narenas(); break;
    case 1: v = SC_PAGE; break;
    case 2: v = CTL_QUANTUM; break;
    case 3: v = SC_NSMALL; break;
    default: v = CTL_NLEXTENTS; break;
    }
    return ctl_ro(a, n->type, ctl_val_of(n->type, v));
}
#define ACONST(nm, k, t) { .name = (nm), .fn = ctl_arenas_const, .off = (k), .type = (t) }

static int ctl_arenas_bin(const struct ctl_node *n, const size_t *mib, size_t miblen,
                          const struct ctl_args *a) {
    (void)miblen;
    const struct sc_info *si = &sc_table[mib[2]];
    uint64_t v;
    switch (n->off) {
    case 0: v = si->size; break;
    case 1: v = si->nregs; break;
    default: v = (uint64_t)si->slab_pages << SC_LG_PAGE; break;
    }
    return ctl_ro(a, n->type, ctl_val_of(n->type, v));
}
#define ABIN(nm, k, t) { .name = (nm), .fn = ctl_arenas_bin, .off = (k), .type = (t) }

static int ctl_lextent_size(const struct ctl_node *n, const size_t *mib, size_t miblen,
                            const struct ctl_args *a) {
    (void)n, (void)miblen;
    return ctl_ro(a, CT_SIZE, (union ctl_val){ .z = CTL_LARGE_MIN + mib[2] * SC_PAGE });
}

/* ---- stats.* ---- */

static int ctl_stat_global(const struct ctl_node *n, const size_t *mib, size_t miblen,
                           const struct ctl_args *a) {
    (void)mib, (void)miblen;
    if (ctl_writes(a)) return EPERM;
    struct stats_global g;
    if (!stats_read_global(&g)) return EAGAIN;
    return ctl_out(a, n->type, ctl_val_of(n->type, ctl_load(&g, n)));
}

static unsigned ctl_slot(size_t i) { return ctl_all(i) ? ctl_narenas() : (unsigned)i; }

static bool ctl_detail(const struct ctl_node *n, size_t i) {
    return n->detail == CTL_DETAIL_ALL || (n->detail == CTL_DETAIL_ONE && !ctl_all(i));
}

static int ctl_stat_arena(const struct ctl_node *n, const size_t *mib, size_t miblen,
                          const struct ctl_args *a) {
    (void)miblen;
    if (ctl_writes(a)) return EPERM;
    struct stats_arena sa;
    if (!stats_read_arena(ctl_slot(mib[2]), ctl_detail(n, mib[2]), &sa)) return EAGAIN;
    return ctl_out(a, n->type, ctl_val_of(n->type, ctl_load(&sa, n)));
}

static int ctl_stat_bin(const struct ctl_node *n, const size_t *mib, size_t miblen,
                        const struct ctl_args *a) {
    (void)miblen;
    if (ctl_writes(a)) return EPERM;
    struct stats_arena sa;
    if (!stats_read_arena(ctl_slot(mib[2]), ctl_detail(n, mib[2]), &sa)) return EAGAIN;
    return ctl_out(a, n->type, ctl_val_of(n->type, ctl_load(&sa.bins[mib[4]], n)));
}

/* stats.arenas.<i>.{dirty,muzzy}_decay_ms: every arena runs with the options. */
static int ctl_stat_arena_decay(const struct ctl_node *n, const size_t *mib, size_t miblen,
                                const struct ctl_args *a) {
    (void)mib, (void)miblen;
    ssize_t v = n->off ? 0 : (ssize_t)conf_opt.dirty_decay_ms;
    return ctl_ro(a, CT_SSIZE, (union ctl_val){ .ss = v });
}

/* stats.misuse.*: misuse reported so far (counted with abort_on_misuse:false). */
static int ctl_stat_misuse(const struct ctl_node *n, const size_t *mib, size_t miblen,
                           const struct ctl_args *a) {
    (void)mib, (void)miblen;
    return ctl_ro(a, CT_U64, (union ctl_val){ .u64 = misuse_count((enum misuse_kind)n->off) });
}

static int ctl_stat_bg_threads(const struct ctl_node *n, const size_t *mib, size_t miblen,
                               const struct ctl_args *a) {
    (void)n, (void)mib, (void)miblen;
    return ctl_ro(a, CT_SIZE, (union ctl_val){ .z = bg_enabled() ? 1 : 0 });
}

/* ---- the tree itself, leaves first ---- */

static const struct ctl_node ctl_config_kids[] = {
    LEAF("debug", ctl_config_debug),
    LEAF("stats", ctl_config_stats),
};

static const struct ctl_node ctl_opt_kids[] = {
    OPT("narenas", 0, CT_UNSIGNED),
    OPT("tcache", 1, CT_BOOL),
    OPT("dirty_decay_ms", 2, CT_SSIZE),
    OPT("muzzy_decay_ms", 3, CT_SSIZE),
    OPT("background_thread", 4, CT_BOOL),
    OPT("stats_print", 5, CT_BOOL),
    OPT("preset", 6, CT_STR),
    OPT("class_refine_kb", 7, CT_SSIZE),
    OPT("abort_on_misuse", 8, CT_BOOL),
    OPT("stats_print_opts", 9, CT_STR),
};

static const struct ctl_node ctl_thread_tcache_kids[] = {
    LEAF("enabled", ctl_tcache_enabled),
    LEAF("flush", ctl_tcache_flush),
};

static const struct ctl_node ctl_thread_kids[] = {
    { .name = "allocated", .fn = ctl_thread_counter, .off = 0 },
    { .name = "deallocated", .fn = ctl_thread_counter, .off = 1 },
    LEAF("arena", ctl_thread_arena),
    NODE("tcache", ctl_thread_tcache_kids),
};

static const struct ctl_node ctl_arena_i_kids[] = {
    { .name = "purge", .fn = ctl_arena_purge, .off = 1 },
    { .name = "decay", .fn = ctl_arena_purge, .off = 0 },
    LEAF("initialized", ctl_arena_initialized),
};
static const struct ctl_node ctl_arena_i[] = { INDEX(ctl_arena_i_kids, ctl_arena_ok) };

static const struct ctl_node ctl_arenas_bin_j_kids[] = {
    ABIN("size", 0, CT_SIZE),
    ABIN("nregs", 1, CT_U32),
    ABIN("slab_size", 2, CT_SIZE),
};
static const struct ctl_node ctl_arenas_bin_j[] = { INDEX(ctl_arenas_bin_j_kids, ctl_bin_ok) };

static const struct ctl_node ctl_arenas_lextent_i_kids[] = {
    LEAF("size", ctl_lextent_size),
};
static const struct ctl_node ctl_arenas_lextent_i[] = {
    INDEX(ctl_arenas_lextent_i_kids, ctl_lextent_ok),
};

static const struct ctl_node ctl_arenas_kids[] = {
    ACONST("narenas", 0, CT_UNSIGNED),
    ACONST("page", 1, CT_SIZE),
    ACONST("quantum", 2, CT_SIZE),
    ACONST("nbins", 3, CT_UNSIGNED),
    ACONST("nlextents", 4, CT_UNSIGNED),
    NODE("bin", ctl_arenas_bin_j),
    NODE("lextent", ctl_arenas_lextent_i),
};

static const struct ctl_node ctl_stats_bins_j_kids[] = {
    SB("nmalloc", nmalloc, CT_U64),
    SB("ndalloc", nfree, CT_U64),
    SB("nrequests", nrequests, CT_U64),
    SBD("curregs", curregs, CT_SIZE, CTL_DETAIL_ONE),
    SB("nslabs", nslabs, CT_U64),
    SB("curslabs", curslabs, CT_SIZE),
    SBD("nonfull_slabs", nonfull_slabs, CT_SIZE, CTL_DETAIL_ALL),
};
static const struct ctl_node ctl_stats_bins_j[] = { INDEX(ctl_stats_bins_j_kids, ctl_bin_ok) };

static const struct ctl_node ctl_stats_small_kids[] = {
    SAD("allocated", small_allocated, CT_SIZE, CTL_DETAIL_ONE),
    SA("nmalloc", small_nmalloc, CT_U64),
    SA("ndalloc", small_ndalloc, CT_U64),
    SA("nrequests", small_nmalloc, CT_U64),
    SA("resident", small_resident, CT_SIZE),
};

static const struct ctl_node ctl_stats_large_kids[] = {
    SA("allocated", large_allocated, CT_SIZE),
    SA("nmalloc", large_nmalloc, CT_U64),
    SA("ndalloc", large_ndalloc, CT_U64),
    SA("nrequests", large_nmalloc, CT_U64),
};

static const struct ctl_node ctl_stats_arenas_i_kids[] = {
    SA("nthreads", nthreads, CT_UNSIGNED),
    SA("pactive", pactive, CT_SIZE),
    SA("pdirty", pdirty, CT_SIZE),
    SA("pmuzzy", pmuzzy, CT_SIZE),
    SA("mapped", mapped, CT_SIZE),
    SA("retained", retained, CT_SIZE),
    SA("resident", resident, CT_SIZE),
    SA("base", metadata, CT_SIZE),
    SA("tcache_bytes", tcache_bytes, CT_SIZE),
    SA("dirty_npurge", npurge, CT_U64),
    SA("dirty_purged", purged, CT_U64),
    { .name = "dirty_decay_ms", .fn = ctl_stat_arena_decay, .off = 0 },
    { .name = "muzzy_decay_ms", .fn = ctl_stat_arena_decay, .off = 1 },
    NODE("small", ctl_stats_small_kids),
    NODE("large", ctl_stats_large_kids),
    NODE("bins", ctl_stats_bins_j),
};
static const struct ctl_node ctl_stats_arenas_i[] = {
    INDEX(ctl_stats_arenas_i_kids, ctl_arena_ok),
};

static const struct ctl_node ctl_stats_bg_kids[] = {
    LEAF("num_threads", ctl_stat_bg_threads),
};

static const struct ctl_node ctl_stats_misuse_kids[] = {
    { .name = "double_free", .fn = ctl_stat_misuse, .off = MISUSE_DOUBLE_FREE },
    { .name = "invalid_free", .fn = ctl_stat_misuse, .off = MISUSE_INVALID_FREE },
    { .name = "corrupted", .fn = ctl_stat_misuse, .off = MISUSE_CORRUPTED },
};

static const struct ctl_node ctl_stats_kids[] = {
    SG("allocated", allocated, CT_SIZE),
    SG("active", active, CT_SIZE),
    SG("resident", resident, CT_SIZE),
    SG("mapped", mapped, CT_SIZE),
    SG("metadata", metadata, CT_SIZE),
    SG("retained", retained, CT_SIZE),
    NODE("background_thread", ctl_stats_bg_kids),
    NODE("misuse", ctl_stats_misuse_kids),
    NODE("arenas", ctl_stats_arenas_i),
};

static const struct ctl_node ctl_root_kids[] = {
    LEAF("version", ctl_version),
    LEAF("epoch", ctl_epoch),
    LEAF("background_thread", ctl_background_thread),
    NODE("config", ctl_config_kids),
    NODE("opt", ctl_opt_kids),
    NODE("thread", ctl_thread_kids),
    NODE("arena", ctl_arena_i),
    NODE("arenas", ctl_arenas_kids),
    NODE("stats", ctl_stats_kids),
};
static const struct ctl_node ctl_root = NODE("", ctl_root_kids);

/* ---------------------------------------------------------------------- */
/* Lookup. */

static bool ctl_numeric(const struct ctl_node *n) { return n->nkids == 1 && n->kids[0].name == NULL; }

/* Parse a decimal component [s, s + len); false unless all digits and < 2^32. */
static bool ctl_parse_index(const char *s, size_t len, size_t *out) {
    if (len == 0 || len > 10) return false;
    uint64_t v = 0;
    for (size_t k = 0; k < len; k++) {
        if (s[k] < '0' || s[k] > '9') return false;
        v = v * 10 + (uint64_t)(s[k] - '0');
    }
    if (v > UINT32_MAX) return false;
    *out = (size_t)v;
    return true;
}

/* Name to MIB: *depth is the room in mib on entry, the components on exit.
 * Only names of leaves resolve (as in jemalloc). */
static int ctl_lookup_name(const char *name, size_t *mib, size_t *depth, const struct ctl_node **leaf) {
    if (!name) return ENOENT;
    const struct ctl_node *n = &ctl_root;
    size_t d = 0;
    const char *s = name;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (n->nkids == 0 || d >= *depth) return ENOENT;
        if (ctl_numeric(n)) {
            size_t i;
            if (!ctl_parse_index(s, len, &i) || !n->kids[0].index_ok(i)) return ENOENT;
            mib[d++] = i;
            n = &n->kids[0];
        } else {
            unsigned k = 0;
            while (k < n->nkids && !(strncmp(n->kids[k].name, s, len) == 0 && n->kids[k].name[len] == '\0'))
                k++;
            if (k == n->nkids) return ENOENT;
            mib[d++] = k;
            n = &n->kids[k];
        }
        if (!dot) break;
        s = dot + 1;
    }
    if (!n->fn) return ENOENT;
    *depth = d;
    *leaf = n;
    return 0;
}

static int ctl_lookup_mib(const size_t *mib, size_t miblen, const struct ctl_node **leaf) {
    if (!mib && miblen) return ENOENT;
    const struct ctl_node *n = &ctl_root;
    for (size_t d = 0; d < miblen; d++) {
        if (n->nkids == 0) return ENOENT;
        if (ctl_numeric(n)) {
            if (!n->kids[0].index_ok(mib[d])) return ENOENT;
            n = &n->kids[0];
        } else {
            if (mib[d] >= n->nkids) return ENOENT;
            n = &n->kids[mib[d]];
        }
    }
    if (!n->fn) return ENOENT;
    *leaf = n;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The exported API. */

TIDE_EXPORT int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) {
    if (!init_ensure()) return EAGAIN;
    size_t mib[CTL_MAXDEPTH], depth = CTL_MAXDEPTH;
    const struct ctl_node *leaf;
    int r = ctl_lookup_name(name, mib, &depth, &leaf);
    if (r) return r;
    struct ctl_args a = { oldp, oldlenp, newp, newlen };
    return leaf->fn(leaf, mib, depth, &a);
}

TIDE_EXPORT int mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp) {
    if (!init_ensure()) return EAGAIN;
    if (!mibp || !miblenp) return EINVAL;
    size_t mib[CTL_MAXDEPTH], depth = TIDE_MIN(*miblenp, (size_t)CTL_MAXDEPTH);
    const struct ctl_node *leaf;
    int r = ctl_lookup_name(name, mib, &depth, &leaf);
    if (r) return r;
    memcpy(mibp, mib, depth * sizeof(size_t));
    *miblenp = depth;
    return 0;
}

TIDE_EXPORT int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
                             void *newp, size_t newlen) {
    if (!init_ensure()) return EAGAIN;
    const struct ctl_node *leaf;
    int r = ctl_lookup_mib(mib, miblen, &leaf);
    if (r) return r;
    struct ctl_args a = { oldp, oldlenp, newp, newlen };
    return leaf->fn(leaf, mib, miblen, &a);
}

/* ---------------------------------------------------------------------- */
/* malloc_stats_print: text, formatted on the stack. */

struct ctl_pbuf {
    void (*cb)(void *, const char *);
    void *opaque;
    size_t len;
    char b[1024];
};

static void p_flush(struct ctl_pbuf *p) {
    if (!p->len) return;
    p->b[p->len] = '\0';
    p->cb(p->opaque, p->b);
    p->len = 0;
}

static void p_ch(struct ctl_pbuf *p, char c) {
    if (p->len >= sizeof p->b - 1) p_flush(p);
    p->b[p->len++] = c;
}

static void p_str(struct ctl_pbuf *p, const char *s) {
    while (*s) p_ch(p, *s++);
}

static void p_pad(struct ctl_pbuf *p, size_t have, int width) {
    for (size_t k = have; k < (size_t)(width < 0 ? -width : width); k++) p_ch(p, ' ');
}

/* A string right-aligned in width (left-aligned when width < 0). */
static void p_strw(struct ctl_pbuf *p, const char *s, int width) {
    size_t n = strlen(s);
    if (width > 0) p_pad(p, n, width);
    p_str(p, s);
    if (width < 0) p_pad(p, n, width);
}

static void p_u(struct ctl_pbuf *p, uint64_t v, int width) {
    char t[24];
    size_t n = util_utoa(v, t);
    t[n] = '\0';
    p_strw(p, t, width);
}

static void p_i(struct ctl_pbuf *p, int64_t v, int width) {
    char t[24];
    size_t n = 0;
    if (v < 0) {
        t[n++] = '-';
        n += util_utoa((uint64_t)0 - (uint64_t)v, t + 1);
    } else {
        n = util_utoa((uint64_t)v, t);
    }
    t[n] = '\0';
    p_strw(p, t, width);
}

/* num/den as a percentage with `dec` decimals (rounded), "-" when den == 0. */
static void p_pct(struct ctl_pbuf *p, uint64_t num, uint64_t den, unsigned dec, int width) {
    char t[40];
    if (den == 0) {
        p_strw(p, "-", width);
        return;
    }
    uint64_t scale = dec == 2 ? 100 : dec == 1 ? 10 : 1;
    /* Avoid overflow on huge counters: shrink both while num is large. */
    while (num > UINT64_MAX / (100 * scale * 2)) {
        num >>= 1;
        den >>= 1;
        if (den == 0) den = 1;
    }
    uint64_t v = (num * 100 * scale * 2 + den) / (2 * den);
    size_t n = util_utoa(v / scale, t);
    if (dec) {
        t[n++] = '.';
        uint64_t frac = v % scale;
        if (dec == 2) t[n++] = (char)('0' + frac / 10);
        t[n++] = (char)('0' + frac % 10);
    }
    t[n++] = '%';
    t[n] = '\0';
    p_strw(p, t, width);
}

static void p_bool(struct ctl_pbuf *p, bool b) { p_str(p, b ? "true" : "false"); }

static void p_kv(struct ctl_pbuf *p, const char *k, uint64_t v) {
    p_str(p, k);
    p_u(p, v, 0);
}

static void ctl_write_err_cb(void *opaque, const char *s) {
    (void)opaque;
    util_write_err(s);
}

struct ctl_popts {
    bool general, merged, per_arena, bins, large;
};

static void ctl_print_general(struct ctl_pbuf *p, const struct stats_global *g) {
    p_str(p, "Version: \"" TIDE_VERSION "-tide\"\n");
    p_str(p, "Build: config.debug: ");
#ifdef TIDE_DEBUG
    p_bool(p, true);
#else
    p_bool(p, false);
#endif
    p_str(p, ", config.stats: true\n");
    p_str(p, "Run-time options:\n");
    p_kv(p, "  opt.narenas: ", conf_opt.narenas);
    p_str(p, "\n  opt.tcache: ");
    p_bool(p, conf_opt.tcache);
    p_str(p, "\n  opt.dirty_decay_ms: ");
    p_i(p, conf_opt.dirty_decay_ms, 0);
    p_str(p, "\n  opt.muzzy_decay_ms: 0\n  opt.background_thread: ");
    p_bool(p, conf_opt.background_thread);
    p_str(p, " (running now: ");
    p_bool(p, bg_enabled());
    p_str(p, ")\n  opt.stats_print: ");
    p_bool(p, conf_opt.stats_print);
    p_str(p, "\n  opt.stats_print_opts: \"");
    p_str(p, conf_opt.stats_opts ? conf_opt.stats_opts : "");
    p_str(p, "\"");
    p_str(p, "\n  opt.preset: \"");
    p_str(p, conf_opt.preset ? conf_opt.preset : "default");
    p_str(p, "\"\n  opt.class_refine_kb: ");
    p_i(p, conf_opt.class_refine_kb, 0);
    p_str(p, "\n");
    p_kv(p, "Arenas: ", g->narenas);
    p_kv(p, "\nPage size: ", SC_PAGE);
    p_kv(p, ", quantum: ", CTL_QUANTUM);
    p_kv(p, ", chunk size: ", CHUNK_SIZE);
    p_kv(p, "\nSize classes: ", SC_NSMALL);
    p_kv(p, " small (", sc_size(0));
    p_kv(p, " .. ", SC_SMALL_MAX);
    p_kv(p, " bytes), ", CTL_NLEXTENTS);
    p_kv(p, " large (", CTL_LARGE_MIN);
    p_kv(p, " .. ", SC_LARGE_MAX);
    p_str(p, " bytes, whole pages), huge above (whole pages, own mapping)\n");
    p_str(p, "Coarse classes refined to 16-byte classes:");
    unsigned nref = 0;
    for (unsigned c = 0; c < SC_NSMALL; c++)
        if (sc_refined(c)) {
            p_kv(p, " ", sc_size(c));
            nref++;
        }
    p_str(p, nref ? "\n" : " none\n");
    p_kv(p, "Run headers: a struct slab of ", stats_run_header_bytes());
    p_kv(p, " bytes per slab or large run, from the arena's pool; chunk header cost ",
         stats_page_header_bytes());
    p_str(p, " bytes per data page (");
    p_pct(p, stats_page_header_bytes(), SC_PAGE, 2, 0);
    p_str(p, ")\n");
}

static void ctl_print_totals(struct ctl_pbuf *p, const struct stats_global *g, bool large) {
    p_kv(p, "Allocated: ", g->allocated);
    p_kv(p, ", active: ", g->active);
    p_kv(p, ", metadata: ", g->metadata);
    p_kv(p, ", resident: ", g->resident);
    p_kv(p, ", mapped: ", g->mapped);
    p_kv(p, ", retained: ", g->retained);
    p_kv(p, "\nMetadata: chunk headers ",
         g->metadata - g->base_mapped - g->pagemap_mapped);
    p_kv(p, ", base ", g->base_mapped);
    p_kv(p, ", page map ", g->pagemap_mapped);
    p_str(p, "\n");
    if (large) {
        p_kv(p, "Huge: allocated ", g->huge_allocated);
        p_kv(p, ", mapped ", g->huge_mapped);
        p_kv(p, ", nmalloc ", g->huge_nmalloc);
        p_kv(p, ", ndalloc ", g->huge_nfree);
        p_kv(p, ", live ", g->huge_nmalloc - g->huge_nfree);
        p_str(p, "\n");
    }
}

static void ctl_print_bins(struct ctl_pbuf *p, const struct stats_arena *sa, bool all_rows) {
    p_str(p, "bins:           size  nregs  slab_size  run_hdr  hdr_ovh    requests     ndalloc"
             "   nslabs  curslabs     curregs    util\n");
    size_t hdr = stats_run_header_bytes();
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        const struct stats_bin *b = &sa->bins[c];
        if (!all_rows && !b->nmalloc && !b->nslabs && !b->curslabs) continue;
        const struct sc_info *si = &sc_table[c];
        size_t slab = (size_t)si->slab_pages << SC_LG_PAGE;
        p_str(p, "  ");
        p_u(p, c, 4);
        p_u(p, si->size, 13);
        p_u(p, si->nregs, 7);
        p_u(p, slab, 11);
        p_u(p, hdr, 9);
        p_pct(p, hdr, slab, 2, 9);
        p_u(p, b->nrequests, 12);
        p_u(p, b->nfree, 12);
        p_u(p, b->nslabs, 9);
        p_u(p, b->curslabs, 10);
        p_u(p, b->curregs, 12);
        p_pct(p, b->curregs, b->curslabs * si->nregs, 1, 8);
        p_str(p, "\n");
    }
}

static void ctl_print_arena(struct ctl_pbuf *p, const struct stats_arena *sa, const struct ctl_popts *o,
                            bool all_rows) {
    p_kv(p, "assigned threads: ", sa->nthreads);
    p_kv(p, "\nchunks: ", sa->nchunks);
    p_kv(p, ", mapped: ", sa->mapped);
    p_kv(p, ", resident: ", sa->resident);
    p_kv(p, ", chunk headers: ", sa->metadata);
    p_kv(p, ", retained: ", sa->retained);
    p_kv(p, "\npages: active ", sa->pactive);
    p_kv(p, ", dirty ", sa->pdirty);
    p_kv(p, ", muzzy ", sa->pmuzzy);
    p_kv(p, "\npurge: passes ", sa->npurge);
    p_kv(p, ", pages purged ", sa->purged);
    p_str(p, ", decay ");
    p_i(p, conf_opt.dirty_decay_ms, 0);
    p_str(p, " ms\n                  allocated       nmalloc       ndalloc     nrequests\n");
    p_str(p, "small: ");
    p_u(p, sa->small_allocated, 18);
    p_u(p, sa->small_nmalloc, 14);
    p_u(p, sa->small_ndalloc, 14);
    p_u(p, sa->small_nmalloc, 14);
    p_str(p, "\n");
    if (o->large) {
        p_str(p, "large: ");
        p_u(p, sa->large_allocated, 18);
        p_u(p, sa->large_nmalloc, 14);
        p_u(p, sa->large_ndalloc, 14);
        p_u(p, sa->large_nmalloc, 14);
        p_str(p, "\n");
    }
    p_str(p, "total: ");
    p_u(p, sa->small_allocated + sa->large_allocated, 18);
    p_u(p, sa->small_nmalloc + sa->large_nmalloc, 14);
    p_u(p, sa->small_ndalloc + sa->large_ndalloc, 14);
    p_u(p, sa->small_nmalloc + sa->large_nmalloc, 14);
    p_str(p, "\n");
    if (o->bins) ctl_print_bins(p, sa, all_rows);
}

/* ---- 'J': the same content as JSON, in jemalloc's layout where it has one
 * (keys named like the mallctl names), under a top-level "tide" key. ---- */

struct ctl_json {
    struct ctl_pbuf *p;
    bool first;   /* no member yet at the current nesting level */
};

static void j_key(struct ctl_json *j, const char *k) {
    if (!j->first) p_ch(j->p, ',');
    j->first = false;
    if (k) {
        p_ch(j->p, '"');
        p_str(j->p, k);
        p_str(j->p, "\":");
    }
}
static void j_u(struct ctl_json *j, const char *k, uint64_t v) { j_key(j, k); p_u(j->p, v, 0); }
static void j_i(struct ctl_json *j, const char *k, int64_t v) { j_key(j, k); p_i(j->p, v, 0); }
static void j_b(struct ctl_json *j, const char *k, bool v) { j_key(j, k); p_bool(j->p, v); }
/* Strings here are tide's own (version, preset): no character needs escaping. */
static void j_s(struct ctl_json *j, const char *k, const char *v) {
    j_key(j, k);
    p_ch(j->p, '"');
    p_str(j->p, v);
    p_ch(j->p, '"');
}
static void j_open(struct ctl_json *j, const char *k, char c) {
    j_key(j, k);
    p_ch(j->p, c);
    j->first = true;
}
static void j_close(struct ctl_json *j, char c) {
    p_ch(j->p, c);
    j->first = false;
}

static void ctl_json_general(struct ctl_json *j, const struct stats_global *g) {
    j_s(j, "version", TIDE_VERSION "-tide");
    j_open(j, "config", '{');
#ifdef TIDE_DEBUG
    j_b(j, "debug", true);
#else
    j_b(j, "debug", false);
#endif
    j_b(j, "stats", true);
    j_close(j, '}');
    j_open(j, "opt", '{');
    j_u(j, "narenas", conf_opt.narenas);
    j_b(j, "tcache", conf_opt.tcache);
    j_i(j, "dirty_decay_ms", conf_opt.dirty_decay_ms);
    j_i(j, "muzzy_decay_ms", 0);
    j_b(j, "background_thread", conf_opt.background_thread);
    j_b(j, "stats_print", conf_opt.stats_print);
    j_s(j, "stats_print_opts", conf_opt.stats_opts ? conf_opt.stats_opts : "");
    j_s(j, "preset", conf_opt.preset ? conf_opt.preset : "default");
    j_i(j, "class_refine_kb", conf_opt.class_refine_kb);
    j_close(j, '}');
    j_open(j, "arenas", '{');
    j_u(j, "narenas", g->narenas);
    j_u(j, "quantum", CTL_QUANTUM);
    j_u(j, "page", SC_PAGE);
    j_u(j, "chunk_size", CHUNK_SIZE);
    j_u(j, "run_header_bytes", stats_run_header_bytes());
    j_u(j, "page_header_bytes", stats_page_header_bytes());
    j_u(j, "nbins", SC_NSMALL);
    j_u(j, "nlextents", CTL_NLEXTENTS);
    j_open(j, "bin", '[');
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        j_open(j, NULL, '{');
        j_u(j, "size", sc_table[c].size);
        j_u(j, "nregs", sc_table[c].nregs);
        j_u(j, "slab_size", (uint64_t)sc_table[c].slab_pages << SC_LG_PAGE);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_open(j, "lextent", '[');
    for (unsigned i = 0; i < CTL_NLEXTENTS; i++) {
        j_open(j, NULL, '{');
        j_u(j, "size", CTL_LARGE_MIN + (size_t)i * SC_PAGE);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_close(j, '}');
}

static void ctl_json_totals(struct ctl_json *j, const struct stats_global *g, bool large) {
    j_open(j, "stats", '{');
    j_u(j, "allocated", g->allocated);
    j_u(j, "active", g->active);
    j_u(j, "metadata", g->metadata);
    j_u(j, "resident", g->resident);
    j_u(j, "mapped", g->mapped);
    j_u(j, "retained", g->retained);
    j_u(j, "base", g->base_mapped);
    j_u(j, "pagemap", g->pagemap_mapped);
    j_open(j, "background_thread", '{');
    j_u(j, "num_threads", bg_enabled() ? 1 : 0);
    j_close(j, '}');
    if (large) {
        j_open(j, "huge", '{');
        j_u(j, "allocated", g->huge_allocated);
        j_u(j, "mapped", g->huge_mapped);
        j_u(j, "nmalloc", g->huge_nmalloc);
        j_u(j, "ndalloc", g->huge_nfree);
        j_close(j, '}');
    }
    j_close(j, '}');
}

static void ctl_json_arena(struct ctl_json *j, const char *key, const struct stats_arena *sa,
                           const struct ctl_popts *o) {
    j_open(j, key, '{');
    j_u(j, "nthreads", sa->nthreads);
    j_u(j, "nchunks", sa->nchunks);
    j_u(j, "pactive", sa->pactive);
    j_u(j, "pdirty", sa->pdirty);
    j_u(j, "pmuzzy", sa->pmuzzy);
    j_u(j, "mapped", sa->mapped);
    j_u(j, "retained", sa->retained);
    j_u(j, "resident", sa->resident);
    j_u(j, "base", sa->metadata);
    j_u(j, "dirty_npurge", sa->npurge);
    j_u(j, "dirty_purged", sa->purged);
    j_i(j, "dirty_decay_ms", conf_opt.dirty_decay_ms);
    j_open(j, "small", '{');
    j_u(j, "allocated", sa->small_allocated);
    j_u(j, "nmalloc", sa->small_nmalloc);
    j_u(j, "ndalloc", sa->small_ndalloc);
    j_u(j, "nrequests", sa->small_nmalloc);
    j_u(j, "resident", sa->small_resident);
    j_close(j, '}');
    if (o->large) {
        j_open(j, "large", '{');
        j_u(j, "allocated", sa->large_allocated);
        j_u(j, "nmalloc", sa->large_nmalloc);
        j_u(j, "ndalloc", sa->large_ndalloc);
        j_u(j, "nrequests", sa->large_nmalloc);
        j_close(j, '}');
    }
    if (o->bins) {
        j_open(j, "bins", '[');
        for (unsigned c = 0; c < SC_NSMALL; c++) {
            const struct stats_bin *b = &sa->bins[c];
            j_open(j, NULL, '{');
            j_u(j, "nmalloc", b->nmalloc);
            j_u(j, "ndalloc", b->nfree);
            j_u(j, "nrequests", b->nrequests);
            j_u(j, "curregs", b->curregs);
            j_u(j, "nslabs", b->nslabs);
            j_u(j, "curslabs", b->curslabs);
            j_u(j, "nonfull_slabs", b->nonfull_slabs);
            j_close(j, '}');
        }
        j_close(j, ']');
    }
    j_close(j, '}');
}

static void ctl_stats_json(struct ctl_pbuf *p, const struct ctl_popts *o) {
    struct ctl_json j = { p, true };
    struct stats_global g;
    p_str(p, "{\"tide\":{");
    if (!init_ensure() || !stats_refresh() || !stats_read_global(&g)) {
        p_str(p, "\"error\":\"statistics unavailable\"}}\n");
        p_flush(p);
        return;
    }
    if (o->general) ctl_json_general(&j, &g);
    ctl_json_totals(&j, &g, o->large);
    p_flush(p);
    if (o->merged || o->per_arena) {
        struct stats_arena sa;
        j_open(&j, "stats.arenas", '{');
        if (o->merged && stats_read_arena(g.narenas, true, &sa)) {
            ctl_json_arena(&j, "merged", &sa, o);
            p_flush(p);
        }
        for (unsigned i = 0; o->per_arena && i < g.narenas; i++) {
            if (!stats_read_arena(i, true, &sa)) break;
            if (sa.nchunks == 0 && sa.nthreads == 0 && sa.small_nmalloc == 0 && sa.large_nmalloc == 0)
                continue;
            char key[24];
            key[util_utoa(i, key)] = '\0';
            ctl_json_arena(&j, key, &sa, o);
            p_flush(p);
        }
        j_close(&j, '}');
    }
    p_str(p, "}}\n");
    p_flush(p);
}

/* ---- 'P': the layout of the 2006 paper's P dump (BSDCan 2006, Evans):
 * the configuration, the totals, chunk and huge counts, and per arena the
 * calls and a per-bin table of runs. tide's slabs play the runs. ---- */

static unsigned ctl_lg(uint64_t v) { return v ? 63u - (unsigned)__builtin_clzll(v) : 0; }

static void ctl_paper_header(struct ctl_pbuf *p, const struct stats_global *g) {
    p_kv(p, "Number of CPUs: ", os_ncpus());
    p_kv(p, "\nNumber of arenas: ", g->narenas);
    p_kv(p, "\nChunk size: ", CHUNK_SIZE);
    p_kv(p, " (2^", ctl_lg(CHUNK_SIZE));
    p_kv(p, ")\nQuantum size: ", CTL_QUANTUM);
    p_kv(p, " (2^", ctl_lg(CTL_QUANTUM));
    p_kv(p, ")\nMax small size: ", SC_SMALL_MAX);
    p_kv(p, "\nPointer size: ", sizeof(void *));
#ifdef TIDE_DEBUG
    p_str(p, "\nAssertions enabled\n");
#else
    p_str(p, "\nAssertions disabled\n");
#endif
    p_str(p, "Runs are tide's slabs: hiruns = the most slabs of the bin at once (merged: the arenas' peaks"
             " added), npromo = slabs that became full (set aside by their heap), ndemo = full slabs"
             " that got a block back\n");
    p_kv(p, "Run headers: ", stats_run_header_bytes());
    p_kv(p, " bytes per run, outside the run; chunk headers: ", stats_page_header_bytes());
    p_str(p, " bytes per page\n");
}

/* A titled three-column table of the P layout: the header line, then one row
 * (the first column `first` wide, the others 13). */
static void ctl_paper_table3(struct ctl_pbuf *p, const char *title, const char *const cols[3],
                             const uint64_t vals[3], int first) {
    p_str(p, "\n");
    p_str(p, title);
    p_str(p, ":\n");
    for (int i = 0; i < 3; i++) p_strw(p, cols[i], i ? 13 : first);
    p_str(p, "\n");
    for (int i = 0; i < 3; i++) p_u(p, vals[i], i ? 13 : first);
    p_str(p, "\n");
}

/* One bin row; the paper's columns, with the bin index first. */
#define CTL_PAPER_COLS "bin", "size", "nregs", "run_sz", "nrequests", "nruns", "hiruns", "curruns", \
                       "npromo", "ndemo"
static const int ctl_paper_w[] = { 4, 7, 6, 8, 12, 9, 8, 8, 9, 9 };

static void ctl_paper_gap(struct ctl_pbuf *p, int start, unsigned end) {
    if (start < 0) return;
    p_kv(p, "[", (unsigned)start);
    if ((unsigned)start + 1 < end) p_kv(p, "..", end - 1);
    p_str(p, "]\n");
}

static void ctl_paper_bins(struct ctl_pbuf *p, const struct stats_arena *sa) {
    static const char *const cols[] = { CTL_PAPER_COLS };
    p_str(p, "bins:\n");
    for (unsigned k = 0; k < sizeof cols / sizeof cols[0]; k++) p_strw(p, cols[k], ctl_paper_w[k]);
    p_str(p, "\n");
    int gap = -1;   /* first class of the run of unused classes being skipped */
    for (unsigned c = 0; c < SC_NSMALL; c++) {
        const struct stats_bin *b = &sa->bins[c];
        if (!b->nrequests && !b->nslabs) {
            if (gap < 0) gap = (int)c;
            continue;
        }
        ctl_paper_gap(p, gap, c);
        gap = -1;
        const struct sc_info *si = &sc_table[c];
        uint64_t v[] = { c, si->size, si->nregs, (uint64_t)si->slab_pages << SC_LG_PAGE, b->nrequests,
                         b->nslabs, b->highslabs, b->curslabs, b->nfull, b->nunfull };
        for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++) p_u(p, v[k], ctl_paper_w[k]);
        p_str(p, "\n");
    }
    ctl_paper_gap(p, gap, SC_NSMALL);
}

static void ctl_paper_arena(struct ctl_pbuf *p, const struct stats_arena *sa, const struct ctl_popts *o) {
    p_str(p, "calls:\n");
    p_strw(p, "nmalloc", 12);
    p_strw(p, "ndalloc", 13);
    p_strw(p, "nmadvise", 13);
    p_str(p, "\n");
    p_u(p, sa->small_nmalloc + sa->large_nmalloc, 12);
    p_u(p, sa->small_ndalloc + sa->large_ndalloc, 13);
    p_u(p, sa->nmadvise, 13);
    p_str(p, "\n");
    if (o->large) {
        p_kv(p, "large requests: ", sa->large_nmalloc);
        p_str(p, "\n");
    }
    if (o->bins) ctl_paper_bins(p, sa);
}

static bool ctl_arena_unused(const struct stats_arena *sa) {
    return sa->nchunks == 0 && sa->nthreads == 0 && sa->small_nmalloc == 0 && sa->large_nmalloc == 0;
}

static void ctl_stats_paper(struct ctl_pbuf *p, const struct ctl_popts *o) {
    p_str(p, "___ Begin malloc statistics ___\n");
    struct stats_global g;
    if (!init_ensure() || !stats_refresh() || !stats_read_global(&g)) {
        p_str(p, "(statistics unavailable: no memory for the snapshot)\n--- End malloc statistics ---\n");
        p_flush(p);
        return;
    }
    if (o->general) ctl_paper_header(p, &g);
    p_kv(p, "Allocated: ", g.allocated);
    p_kv(p, ", space used: ", g.mapped);
    p_str(p, "\n");
    const char *chunk_cols[3] = {"nchunks", "highchunks", "curchunks"};
    const uint64_t chunk_vals[3] = {g.nchunks, g.highchunks, g.curchunks};
    ctl_paper_table3(p, "chunks", chunk_cols, chunk_vals, 14);
    if (o->large) {
        const char *huge_cols[3] = {"nmalloc", "ndalloc", "allocated"};
        const uint64_t huge_vals[3] = {g.huge_nmalloc, g.huge_nfree, g.huge_allocated};
        ctl_paper_table3(p, "huge", huge_cols, huge_vals, 12);
    }
    p_flush(p);
    /* As in ctl_stats_print: copies on the stack, no lock held while write_cb runs. */
    struct stats_arena sa;
    if (o->merged && stats_read_arena(g.narenas, false, &sa)) {
        p_str(p, "\nmerged arenas:\n");
        ctl_paper_arena(p, &sa, o);
        p_flush(p);
    }
    for (unsigned i = 0; o->per_arena && i < g.narenas; i++) {
        if (!stats_read_arena(i, false, &sa)) break;
        if (ctl_arena_unused(&sa)) continue;
        p_kv(p, "\narenas[", i);
        p_str(p, "]:\n");
        ctl_paper_arena(p, &sa, o);
        p_flush(p);
    }
    p_str(p, "--- End malloc statistics ---\n");
    p_flush(p);
}

void ctl_stats_print(void (*write_cb)(void *, const char *), void *cbopaque, const char *opts) {
    struct ctl_popts o = { true, true, true, true, true };
    bool json = false, paper = false;
    for (const char *s = opts; s && *s; s++) {
        switch (*s) {
        case 'J': json = true; break;
        case 'P': paper = true; break;   /* the 2006 paper's layout (J wins) */
        case 'g': o.general = false; break;
        case 'm': o.merged = false; break;
        case 'a': o.per_arena = false; break;
        case 'b': o.bins = false; break;
        case 'l': o.large = false; break;
        default: break;   /* d, x, e, h...: sections tide does not have */
        }
    }
    struct ctl_pbuf p;
    p.cb = write_cb ? write_cb : ctl_write_err_cb;
    p.opaque = write_cb ? cbopaque : NULL;
    p.len = 0;
    if (json) {
        ctl_stats_json(&p, &o);
        return;
    }
    if (paper) {
        ctl_stats_paper(&p, &o);
        return;
    }
    p_str(&p, "___ Begin tide statistics ___\n");
    struct stats_global g;
    if (!init_ensure() || !stats_refresh() || !stats_read_global(&g)) {
        p_str(&p, "(statistics unavailable: no memory for the snapshot)\n--- End tide statistics ---\n");
        p_flush(&p);
        return;
    }
    if (o.general) ctl_print_general(&p, &g);
    ctl_print_totals(&p, &g, o.large);
    p_flush(&p);

    /* The per-arena snapshot copies live on the stack; no lock is held while
     * write_cb runs, so it may itself call malloc or mallctl. */
    struct stats_arena sa;
    if (o.merged && stats_read_arena(g.narenas, true, &sa)) {
        p_str(&p, "Merged arenas stats:\n");
        ctl_print_arena(&p, &sa, &o, true);
        p_flush(&p);
    }
    if (o.per_arena) {
        for (unsigned i = 0; i < g.narenas; i++) {
            if (!stats_read_arena(i, true, &sa)) break;
            p_kv(&p, "arenas[", i);
            if (ctl_arena_unused(&sa)) {
                p_str(&p, "]: unused\n");
                continue;
            }
            p_str(&p, "]:\n");
            ctl_print_arena(&p, &sa, &o, false);
            p_flush(&p);
        }
    }
    p_str(&p, "--- End tide statistics ---\n");
    p_flush(&p);
}

TIDE_EXPORT void malloc_stats_print(void (*write_cb)(void *, const char *), void *cbopaque,
                                    const char *opts) {
    ctl_stats_print(write_cb, cbopaque, opts);
}

/* stats_print:true prints the statistics when the program exits, with the
 * opts of stats_opts (stats_opts:P: the 2006 paper's layout). */
__attribute__((destructor)) static void ctl_at_exit(void) {
    if (init_ready() && conf_opt.stats_print) ctl_stats_print(NULL, NULL, conf_opt.stats_opts);
}
