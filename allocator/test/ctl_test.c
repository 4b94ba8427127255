/*
 * ctl_test.c: tide's introspection: mallctl, mallctlnametomib, mallctlbymib
 * and malloc_stats_print, against the true state of the allocator.
 *
 * Linked against allocator/libtide.so, so every malloc of this program is
 * tide's. Tests run in one process, one after another (no fork per test):
 * they compare counters before and after their own allocations, so nothing
 * else may allocate in between; every test leaves the allocator as it
 * found it (blocks freed, background thread as before).
 */
#include <tide.h>

#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#define MALLCTL_OK(...) ck_assert_int_eq(mallctl(__VA_ARGS__), 0)

/* ---- helpers (no allocation: names are formatted on the stack) ---- */

static const char *fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static const char *fmt(char *buf, size_t n, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
    return buf;
}

/* Readers do not assert: Check's assertions allocate (they record the last
 * passed check), which would disturb the counters under test. A failed read
 * is remembered and reported by reads_ok(), which every test calls after
 * its measurements. */
static char read_failed[128];
static int read_failed_rc;

static int rd(const char *name, void *v, size_t size) {
    size_t sz = size;
    int r = mallctl(name, v, &sz, NULL, 0);
    if ((r != 0 || sz != size) && !read_failed[0]) {
        snprintf(read_failed, sizeof read_failed, "%s", name);
        read_failed_rc = r ? r : -1;
    }
    return r;
}

static void reads_reset(void) {
    read_failed[0] = '\0';
    read_failed_rc = 0;
}

static void reads_ok(void) {
    ck_assert_msg(read_failed[0] == '\0', "mallctl(\"%s\") failed: %d", read_failed, read_failed_rc);
}

static size_t rd_size(const char *name) {
    size_t v = 0;
    rd(name, &v, sizeof v);
    return v;
}

static uint64_t rd_u64(const char *name) {
    uint64_t v = 0;
    rd(name, &v, sizeof v);
    return v;
}

static unsigned rd_uns(const char *name) {
    unsigned v = 0;
    rd(name, &v, sizeof v);
    return v;
}

static bool rd_bool(const char *name) {
    bool v = false;
    rd(name, &v, sizeof v);
    return v;
}

static ssize_t rd_ssize(const char *name) {
    ssize_t v = 0;
    rd(name, &v, sizeof v);
    return v;
}

static uint64_t refresh(void) {
    uint64_t e = 1;
    size_t sz = sizeof e;
    if (mallctl("epoch", &e, &sz, &e, sizeof e) != 0 && !read_failed[0])
        snprintf(read_failed, sizeof read_failed, "epoch (write)");
    return e;
}

static size_t arena_size(const char *i, const char *field) {
    char n[128];
    return rd_size(fmt(n, sizeof n, "stats.arenas.%s.%s", i, field));
}

static size_t bin_size(const char *i, unsigned j, const char *field) {
    char n[128];
    return rd_size(fmt(n, sizeof n, "stats.arenas.%s.bins.%u.%s", i, j, field));
}

static uint64_t bin_u64(const char *i, unsigned j, const char *field) {
    char n[128];
    return rd_u64(fmt(n, sizeof n, "stats.arenas.%s.bins.%u.%s", i, j, field));
}

static unsigned narenas(void) { return rd_uns("arenas.narenas"); }

/* Class index of a small size, from arenas.bin.<j>.size. */
static unsigned bin_of(size_t size) {
    unsigned nbins = rd_uns("arenas.nbins");
    char n[64];
    for (unsigned j = 0; j < nbins; j++)
        if (rd_size(fmt(n, sizeof n, "arenas.bin.%u.size", j)) >= size) return j;
    ck_abort_msg("no bin for %zu", size);
    return 0;
}

/* ---- every name Redis (and the issue) needs, with its jemalloc type ---- */

struct typed { const char *name; size_t size; };

START_TEST(test_names_and_types) {
    static const struct typed names[] = {
        { "version", sizeof(const char *) },
        { "epoch", sizeof(uint64_t) },
        { "background_thread", sizeof(bool) },
        { "config.debug", sizeof(bool) },
        { "config.stats", sizeof(bool) },
        { "opt.narenas", sizeof(unsigned) },
        { "opt.tcache", sizeof(bool) },
        { "opt.dirty_decay_ms", sizeof(ssize_t) },
        { "opt.muzzy_decay_ms", sizeof(ssize_t) },
        { "opt.background_thread", sizeof(bool) },
        { "opt.stats_print", sizeof(bool) },
        { "opt.preset", sizeof(const char *) },
        { "opt.class_refine_kb", sizeof(ssize_t) },
        { "thread.allocated", sizeof(uint64_t) },
        { "thread.deallocated", sizeof(uint64_t) },
        { "thread.arena", sizeof(unsigned) },
        { "thread.tcache.enabled", sizeof(bool) },
        { "stats.allocated", sizeof(size_t) },
        { "stats.active", sizeof(size_t) },
        { "stats.resident", sizeof(size_t) },
        { "stats.retained", sizeof(size_t) },
        { "stats.mapped", sizeof(size_t) },
        { "stats.metadata", sizeof(size_t) },
        { "stats.background_thread.num_threads", sizeof(size_t) },
        { "arenas.narenas", sizeof(unsigned) },
        { "arenas.page", sizeof(size_t) },
        { "arenas.quantum", sizeof(size_t) },
        { "arenas.nbins", sizeof(unsigned) },
        { "arenas.nlextents", sizeof(unsigned) },
        { "arenas.bin.0.size", sizeof(size_t) },
        { "arenas.bin.35.nregs", sizeof(uint32_t) },
        { "arenas.bin.7.slab_size", sizeof(size_t) },
        { "arenas.lextent.0.size", sizeof(size_t) },
        { "arena.0.initialized", sizeof(bool) },
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t sz = 12345;
        ck_assert_msg(mallctl(names[k].name, NULL, &sz, NULL, 0) == 0, "%s", names[k].name);
        ck_assert_msg(sz == names[k].size, "%s: size %zu, want %zu", names[k].name, sz, names[k].size);
        char buf[16];
        sz = names[k].size;
        ck_assert_msg(mallctl(names[k].name, buf, &sz, NULL, 0) == 0, "%s", names[k].name);
    }

    static const struct typed per_arena[] = {
        { "nthreads", sizeof(unsigned) },
        { "pactive", sizeof(size_t) },
        { "pdirty", sizeof(size_t) },
        { "pmuzzy", sizeof(size_t) },
        { "mapped", sizeof(size_t) },
        { "retained", sizeof(size_t) },
        { "resident", sizeof(size_t) },
        { "base", sizeof(size_t) },
        { "dirty_npurge", sizeof(uint64_t) },
        { "dirty_purged", sizeof(uint64_t) },
        { "dirty_decay_ms", sizeof(ssize_t) },
        { "muzzy_decay_ms", sizeof(ssize_t) },
        { "small.allocated", sizeof(size_t) },
        { "small.nmalloc", sizeof(uint64_t) },
        { "small.ndalloc", sizeof(uint64_t) },
        { "small.nrequests", sizeof(uint64_t) },
        { "small.resident", sizeof(size_t) },
        { "large.allocated", sizeof(size_t) },
        { "large.nmalloc", sizeof(uint64_t) },
        { "large.ndalloc", sizeof(uint64_t) },
        { "large.nrequests", sizeof(uint64_t) },
        { "bins.0.nmalloc", sizeof(uint64_t) },
        { "bins.0.ndalloc", sizeof(uint64_t) },
        { "bins.0.nrequests", sizeof(uint64_t) },
        { "bins.35.curregs", sizeof(size_t) },
        { "bins.35.curslabs", sizeof(size_t) },
        { "bins.35.nslabs", sizeof(uint64_t) },
        { "bins.35.nonfull_slabs", sizeof(size_t) },
    };
    unsigned na = narenas();
    ck_assert_uint_ge(na, 1);
    unsigned idx[] = { 0, na - 1, na, MALLCTL_ARENAS_ALL };
    for (size_t x = 0; x < sizeof idx / sizeof idx[0]; x++) {
        for (size_t k = 0; k < sizeof per_arena / sizeof per_arena[0]; k++) {
            char n[128];
            fmt(n, sizeof n, "stats.arenas.%u.%s", idx[x], per_arena[k].name);
            size_t sz = 0;
            ck_assert_msg(mallctl(n, NULL, &sz, NULL, 0) == 0, "%s", n);
            ck_assert_msg(sz == per_arena[k].size, "%s: size %zu", n, sz);
            char buf[16];
            ck_assert_msg(mallctl(n, buf, &sz, NULL, 0) == 0, "%s", n);
        }
    }
}
END_TEST

/* Redis 7.0's exact calls (src/zmalloc.c). */
START_TEST(test_redis_calls) {
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    ck_assert_int_eq(mallctl("epoch", &epoch, &sz, &epoch, sz), 0);
    size_t resident, active, allocated;
    sz = sizeof(size_t);
    ck_assert_int_eq(mallctl("stats.resident", &resident, &sz, NULL, 0), 0);
    ck_assert_int_eq(mallctl("stats.active", &active, &sz, NULL, 0), 0);
    ck_assert_int_eq(mallctl("stats.allocated", &allocated, &sz, NULL, 0), 0);
    ck_assert_uint_gt(allocated, 0);
    ck_assert_uint_ge(active, allocated);
    ck_assert_uint_ge(resident, active);

    bool was = rd_bool("background_thread");
    char val = 1;
    ck_assert_int_eq(mallctl("background_thread", NULL, 0, &val, 1), 0);
    ck_assert(rd_bool("background_thread"));
    val = (char)was;
    ck_assert_int_eq(mallctl("background_thread", NULL, 0, &val, 1), 0);
    ck_assert_int_eq(rd_bool("background_thread"), was);

    unsigned na = 0;
    sz = sizeof(unsigned);
    ck_assert_int_eq(mallctl("arenas.narenas", &na, &sz, NULL, 0), 0);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "arena.%d.purge", (int)na);
    ck_assert_int_eq(mallctl(tmp, NULL, 0, NULL, 0), 0);
}
END_TEST

/* ---- global numbers are true ---- */

#define NSMALL_BLOCKS (10u << 20) / 64
static void *blocks[NSMALL_BLOCKS];

START_TEST(test_allocated_grows) {
    unsigned j = bin_of(64);
    refresh();
    size_t al0 = rd_size("stats.allocated"), ac0 = rd_size("stats.active");
    bool oom = false;
    for (unsigned k = 0; k < NSMALL_BLOCKS; k++) {
        blocks[k] = malloc(64);
        oom |= blocks[k] == NULL;
    }
    refresh();
    size_t al1 = rd_size("stats.allocated"), ac1 = rd_size("stats.active");
    size_t rs1 = rd_size("stats.resident"), mp1 = rd_size("stats.mapped");
    size_t md1 = rd_size("stats.metadata");
    size_t sa1 = arena_size("4096", "small.allocated"), cr1 = bin_size("4096", j, "curregs");
    for (unsigned k = 0; k < NSMALL_BLOCKS; k++) free(blocks[k]);
    refresh();
    size_t al2 = rd_size("stats.allocated");
    reads_ok();
    ck_assert(!oom);
    ck_assert_uint_ge(al1 - al0, (size_t)10 << 20);
    ck_assert_uint_le(al1 - al0, (size_t)13 << 20);
    ck_assert_uint_ge(ac1, al1);
    ck_assert_uint_ge(ac1 - ac0, (size_t)10 << 20);
    ck_assert_uint_ge(rs1, ac1);
    ck_assert_uint_ge(mp1, ac1);
    ck_assert_uint_gt(md1, 0);
    /* Small bytes live in the merged slot, by class. */
    ck_assert_uint_ge(sa1, (size_t)NSMALL_BLOCKS * 64);
    ck_assert_uint_ge(cr1, NSMALL_BLOCKS);
    /* Freed: back where it was (nothing else allocated in between). */
    ck_assert_uint_eq(al2, al0);
}
END_TEST

START_TEST(test_large_and_huge) {
    size_t nl = nallocx(100000, 0), nh = nallocx(8u << 20, 0);
    refresh();
    size_t al0 = rd_size("stats.allocated");
    uint64_t ln0 = rd_u64("stats.arenas.4096.large.nmalloc");
    uint64_t ld0 = rd_u64("stats.arenas.4096.large.ndalloc");
    size_t la0 = arena_size("4096", "large.allocated");
    void *l = malloc(100000);     /* large: 25 pages */
    void *h = malloc(8u << 20);   /* huge */
    refresh();
    uint64_t ln1 = rd_u64("stats.arenas.4096.large.nmalloc");
    size_t la1 = arena_size("4096", "large.allocated");
    size_t al1 = rd_size("stats.allocated"), mp1 = rd_size("stats.mapped"), ac1 = rd_size("stats.active");
    free(l);
    free(h);
    refresh();
    size_t al2 = rd_size("stats.allocated");
    uint64_t ld2 = rd_u64("stats.arenas.4096.large.ndalloc");
    reads_ok();
    ck_assert_ptr_nonnull(l);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(nl, 25 * 4096);
    ck_assert_uint_eq(ln1, ln0 + 1);
    ck_assert_uint_eq(la1 - la0, nl);
    ck_assert_uint_eq(al1 - al0, nl + nh);
    ck_assert_uint_ge(mp1, ac1);
    ck_assert_uint_ge(ac1, al1);
    ck_assert_uint_eq(al2, al0);
    ck_assert_uint_eq(ld2, ld0 + 1);
}
END_TEST

/* curregs follows this thread's allocations of one class exactly. */
START_TEST(test_curregs_exact) {
    enum { N = 3000 };
    static void *p[N];
    unsigned j = bin_of(40);
    size_t cls = rd_size("arenas.bin.3.size");
    uint32_t nregs = 0;
    rd("arenas.bin.3.nregs", &nregs, sizeof nregs);
    refresh();
    size_t c0 = bin_size("4096", j, "curregs");
    uint64_t m0 = bin_u64("4096", j, "nmalloc"), d0 = bin_u64("4096", j, "ndalloc");
    size_t s0 = arena_size("4096", "small.allocated");
    for (int k = 0; k < N; k++) p[k] = malloc(40);
    refresh();
    size_t c1 = bin_size("4096", j, "curregs");
    uint64_t m1 = bin_u64("4096", j, "nmalloc"), r1 = bin_u64("4096", j, "nrequests");
    size_t s1 = arena_size("4096", "small.allocated");
    size_t slabs = bin_size("4096", j, "curslabs"), nonfull = bin_size("4096", j, "nonfull_slabs");
    uint64_t nslabs = bin_u64("4096", j, "nslabs");
    for (int k = 0; k < N / 2; k++) free(p[k]);
    refresh();
    size_t c2 = bin_size("4096", j, "curregs");
    uint64_t d2 = bin_u64("4096", j, "ndalloc");
    for (int k = N / 2; k < N; k++) free(p[k]);
    refresh();
    size_t c3 = bin_size("4096", j, "curregs");
    uint64_t m3 = bin_u64("4096", j, "nmalloc"), d3 = bin_u64("4096", j, "ndalloc");
    reads_ok();
    ck_assert_uint_eq(j, 3);
    ck_assert_uint_eq(cls, 48);
    ck_assert_uint_eq(c1, c0 + N);
    ck_assert_uint_eq(m1, m0 + N);
    ck_assert_uint_eq(r1, m1);
    ck_assert_uint_eq(s1, s0 + N * cls);
    ck_assert_uint_ge(slabs * nregs, c1);
    ck_assert_uint_lt((slabs - nonfull) * nregs, c1 + 1);
    ck_assert_uint_le(nonfull, slabs);
    ck_assert_uint_ge(nslabs, slabs);
    ck_assert_uint_eq(c2, c0 + N - N / 2);
    ck_assert_uint_eq(d2, d0 + N / 2);
    ck_assert_uint_eq(c3, c0);
    ck_assert_uint_eq(m3 - d3, m0 - d0);
}
END_TEST

/* The merged slot (4096 and narenas alike) is the sum of the arenas. */
START_TEST(test_arenas_all_merges) {
    void *keep[64];
    for (int k = 0; k < 64; k++) keep[k] = malloc((size_t)(k + 1) * 100);
    refresh();
    unsigned na = narenas();
    char all2[16];
    fmt(all2, sizeof all2, "%u", na);
    static const char *fields[] = { "pactive", "pdirty", "mapped", "retained", "resident",
                                    "small.allocated", "large.allocated", "small.resident" };
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        size_t sum = 0;
        for (unsigned i = 0; i < na; i++) {
            char is[16];
            sum += arena_size(fmt(is, sizeof is, "%u", i), fields[f]);
        }
        ck_assert_msg(sum == arena_size("4096", fields[f]), "%s: sum %zu", fields[f], sum);
        ck_assert_uint_eq(arena_size(all2, fields[f]), arena_size("4096", fields[f]));
    }
    unsigned nt = 0;
    for (unsigned i = 0; i < na; i++) {
        char n[64];
        nt += rd_uns(fmt(n, sizeof n, "stats.arenas.%u.nthreads", i));
    }
    ck_assert_uint_eq(nt, rd_uns("stats.arenas.4096.nthreads"));
    ck_assert_uint_ge(nt, 1);
    ck_assert_uint_eq(arena_size("4096", "pmuzzy"), 0);
    for (unsigned j = 0, nb = rd_uns("arenas.nbins"); j < nb; j++) {
        size_t sum = 0;
        for (unsigned i = 0; i < na; i++) {
            char is[16];
            sum += bin_size(fmt(is, sizeof is, "%u", i), j, "curregs");
        }
        ck_assert_uint_eq(sum, bin_size("4096", j, "curregs"));
    }
    /* Page accounting: active pages hold exactly the slabs, the large runs
     * and the large runs thread caches keep. */
    size_t page = rd_size("arenas.page");
    ck_assert_uint_eq(arena_size("4096", "pactive") * page, arena_size("4096", "small.resident") +
                                                                arena_size("4096", "large.allocated") +
                                                                arena_size("4096", "tcache_bytes"));
    ck_assert_uint_ge(arena_size("4096", "small.resident"), arena_size("4096", "small.allocated"));
    ck_assert_uint_ge(rd_size("stats.active"), arena_size("4096", "pactive") * page);
    ck_assert_uint_ge(rd_size("stats.mapped"), arena_size("4096", "mapped"));
    for (int k = 0; k < 64; k++) free(keep[k]);
}
END_TEST

/* ---- static tables ---- */

/* A bin's size is what malloc gives for it, except for the 8-byte class
 * (sizes up to 8 take 16 bytes: every block has room for the free mark) and
 * the 16-byte classes between 128 bytes and 1 KiB whose coarse class (4 per
 * doubling) is not refined yet: those sizes still round up to the coarse
 * class (sc.h). */
static void check_bin_size(size_t s) {
    size_t u = nallocx(s, 0);
    if (u == s) return;
    if (s == 8) {
        ck_assert_msg(u == 16, "nallocx(8) = %zu", u);
        return;
    }
    ck_assert_msg(s > 128 && s < 1024 && u > s && u - s <= s / 4, "nallocx(%zu) = %zu", s, u);
}

START_TEST(test_size_tables) {
    unsigned nbins = rd_uns("arenas.nbins");
    ck_assert_uint_eq(nbins, 80);   /* 8, 16..1024 by 16, 4 per doubling to 14336 */
    ck_assert_uint_eq(rd_size("arenas.page"), (size_t)sysconf(_SC_PAGESIZE));
    ck_assert_uint_eq(rd_size("arenas.quantum"), 16);
    size_t prev = 0;
    for (unsigned j = 0; j < nbins; j++) {
        char n[64];
        size_t s = rd_size(fmt(n, sizeof n, "arenas.bin.%u.size", j));
        size_t slab = rd_size(fmt(n, sizeof n, "arenas.bin.%u.slab_size", j));
        uint32_t nregs = 0;
        size_t sz = sizeof nregs;
        MALLCTL_OK(fmt(n, sizeof n, "arenas.bin.%u.nregs", j), &nregs, &sz, NULL, 0);
        ck_assert_uint_gt(s, prev);
        check_bin_size(s);
        ck_assert_uint_eq(nallocx(prev + 1, 0), nallocx(s, 0));
        ck_assert_uint_eq(slab % 4096, 0);
        ck_assert_uint_ge(nregs, 1);
        ck_assert_uint_le((size_t)nregs * s, slab);
        ck_assert_uint_gt((size_t)(nregs + 1) * s, slab);
        prev = s;
    }
    unsigned nl = rd_uns("arenas.nlextents");
    ck_assert_uint_gt(nl, 0);
    char n[64];
    size_t first = rd_size("arenas.lextent.0.size");
    size_t last = rd_size(fmt(n, sizeof n, "arenas.lextent.%u.size", nl - 1));
    ck_assert_uint_eq(first, nallocx(prev + 1, 0));
    ck_assert_uint_eq(last, (size_t)2 << 20);
    for (unsigned i = 0; i < nl; i += 37) {
        size_t s = rd_size(fmt(n, sizeof n, "arenas.lextent.%u.size", i));
        ck_assert_uint_eq(s % 4096, 0);
        ck_assert_uint_eq(nallocx(s, 0), s);
        ck_assert_uint_eq(nallocx(s - 4095 > 14336 ? s - 4095 : 14337, 0), s);
    }
}
END_TEST

START_TEST(test_opts_and_thread) {
    const char *v = NULL;
    size_t sz = sizeof v;
    MALLCTL_OK("version", &v, &sz, NULL, 0);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(strncmp(v, TIDE_VERSION, strlen(TIDE_VERSION)), 0);
    ck_assert_uint_eq(rd_uns("opt.narenas"), narenas());
    ck_assert_int_eq(rd_ssize("opt.muzzy_decay_ms"), 0);
    ck_assert_int_ge(rd_ssize("opt.dirty_decay_ms"), -1);
    ck_assert_int_eq(rd_ssize("opt.class_refine_kb"), 4096);   /* the default: 4 MiB */
    ck_assert(rd_bool("config.stats"));
    const char *preset = NULL;
    sz = sizeof preset;
    MALLCTL_OK("opt.preset", &preset, &sz, NULL, 0);
    const char *env = getenv("TIDE_CONF");
    bool bsd = env && strstr(env, "preset:bsd2006");
    ck_assert_str_eq(preset, bsd ? "bsd2006" : "default");
    bool tc = rd_bool("opt.tcache");
    ck_assert_int_eq(tc, !bsd);
    ck_assert_int_eq(rd_bool("thread.tcache.enabled"), tc);
    ck_assert_uint_lt(rd_uns("thread.arena"), narenas());

    /* thread.allocated / deallocated: bytes by usable size. */
    uint64_t a0 = rd_u64("thread.allocated"), d0 = rd_u64("thread.deallocated");
    void *p = malloc(1000);
    uint64_t a1 = rd_u64("thread.allocated");
    free(p);
    uint64_t d1 = rd_u64("thread.deallocated");
    if (tc) {
        ck_assert_uint_eq(a1 - a0, nallocx(1000, 0));
        ck_assert_uint_eq(d1 - d0, nallocx(1000, 0));
        if (rd_bool("opt.tcache")) ck_assert_int_eq(mallctl("thread.tcache.flush", NULL, NULL, NULL, 0), 0);
    } else {
        /* No thread cache: nothing to flush, as in jemalloc with tcache:false. */
        ck_assert_int_eq(mallctl("thread.tcache.flush", NULL, NULL, NULL, 0), EFAULT);
    }
}
END_TEST

/* ---- MIBs ---- */

START_TEST(test_mib) {
    size_t mib[8], len = 8;
    ck_assert_int_eq(mallctlnametomib("stats.arenas.0.bins.0.curregs", mib, &len), 0);
    ck_assert_uint_eq(len, 6);
    ck_assert_uint_eq(mib[2], 0);
    ck_assert_uint_eq(mib[4], 0);
    void *keep[100];
    for (int k = 0; k < 100; k++) keep[k] = malloc(24);
    refresh();
    unsigned na = narenas(), nbins = rd_uns("arenas.nbins");
    unsigned idx[] = { 0, na / 2, na, MALLCTL_ARENAS_ALL };
    for (size_t x = 0; x < 4; x++) {
        for (unsigned j = 0; j < nbins; j++) {
            mib[2] = idx[x];
            mib[4] = j;
            size_t v = 0, sz = sizeof v;
            ck_assert_int_eq(mallctlbymib(mib, len, &v, &sz, NULL, 0), 0);
            char n[96];
            ck_assert_uint_eq(v, rd_size(fmt(n, sizeof n, "stats.arenas.%u.bins.%u.curregs", idx[x], j)));
        }
    }
    /* Out of range numbers in a reused MIB. */
    mib[2] = na + 1;
    mib[4] = 0;
    size_t v, sz = sizeof v;
    ck_assert_int_eq(mallctlbymib(mib, len, &v, &sz, NULL, 0), ENOENT);
    mib[2] = 0;
    mib[4] = nbins;
    ck_assert_int_eq(mallctlbymib(mib, len, &v, &sz, NULL, 0), ENOENT);
    /* A prefix of a MIB names an interior node. */
    mib[4] = 0;
    ck_assert_int_eq(mallctlbymib(mib, 3, &v, &sz, NULL, 0), ENOENT);
    ck_assert_int_eq(mallctlbymib(mib, 7, &v, &sz, NULL, 0), ENOENT);
    size_t bad[2] = { 999, 0 };
    ck_assert_int_eq(mallctlbymib(bad, 2, &v, &sz, NULL, 0), ENOENT);

    /* arenas.bin.<j>.size by MIB, as Redis's fragmentation code does. */
    len = 4;
    ck_assert_int_eq(mallctlnametomib("arenas.bin.0.size", mib, &len), 0);
    ck_assert_uint_eq(len, 4);
    for (unsigned j = 0; j < 36; j++) {
        mib[2] = j;
        sz = sizeof v;
        ck_assert_int_eq(mallctlbymib(mib, len, &v, &sz, NULL, 0), 0);
        check_bin_size(v);
    }
    /* Too little room, no room, bad arguments. */
    len = 3;
    ck_assert_int_eq(mallctlnametomib("stats.arenas.0.pactive", mib, &len), ENOENT);
    len = 8;
    ck_assert_int_eq(mallctlnametomib("stats.arenas", mib, &len), ENOENT);
    ck_assert_int_eq(mallctlnametomib("epoch", NULL, &len), EINVAL);
    /* An action by MIB. */
    len = 8;
    ck_assert_int_eq(mallctlnametomib("arena.0.purge", mib, &len), 0);
    ck_assert_uint_eq(len, 3);
    mib[1] = MALLCTL_ARENAS_ALL;
    ck_assert_int_eq(mallctlbymib(mib, len, NULL, NULL, NULL, 0), 0);
    for (int k = 0; k < 100; k++) free(keep[k]);
}
END_TEST

/* ---- error codes ---- */

START_TEST(test_errors) {
    size_t v = 0, sz = sizeof v;
    unsigned na = narenas();
    char n[96];
    static const char *missing[] = {
        "", "nope", "stats", "stats.arenas", "stats.arenas.0", "stats.allocated.x",
        "stats..allocated", "epoch.", ".epoch", "stats.arenas.-1.pactive", "stats.arenas.+1.pactive",
        "stats.arenas.x.pactive", "stats.arenas.99999999999.pactive", "stats.arenas.0.bins.80.curregs",
        "arenas.bin.80.size", "arena.4097.purge", "Epoch", "stats.arenas.0.bins.0",
    };
    for (size_t k = 0; k < sizeof missing / sizeof missing[0]; k++)
        ck_assert_msg(mallctl(missing[k], &v, &sz, NULL, 0) == ENOENT, "'%s'", missing[k]);
    ck_assert_int_eq(mallctl(NULL, &v, &sz, NULL, 0), ENOENT);
    ck_assert_int_eq(mallctl(fmt(n, sizeof n, "stats.arenas.%u.pactive", na + 1), &v, &sz, NULL, 0), ENOENT);
    ck_assert_int_eq(mallctl(fmt(n, sizeof n, "arena.%u.purge", na + 1), NULL, NULL, NULL, 0), ENOENT);
    ck_assert_int_eq(mallctl(fmt(n, sizeof n, "arenas.lextent.%u.size", rd_uns("arenas.nlextents")),
                             &v, &sz, NULL, 0), ENOENT);

    /* Size mismatches: EINVAL, copying what fits as jemalloc does. */
    uint32_t small = 0;
    sz = sizeof small;
    ck_assert_int_eq(mallctl("stats.allocated", &small, &sz, NULL, 0), EINVAL);
    ck_assert_uint_eq(sz, sizeof small);
    unsigned u = 0;
    sz = sizeof(size_t);
    size_t wide = 0;
    ck_assert_int_eq(mallctl("arenas.narenas", &wide, &sz, NULL, 0), EINVAL);
    ck_assert_uint_eq(sz, sizeof(unsigned));
    sz = sizeof u;
    ck_assert_int_eq(mallctl("arenas.narenas", &u, &sz, NULL, 0), 0);
    ck_assert_uint_eq(u, na);
    uint32_t e32 = 1;
    ck_assert_int_eq(mallctl("epoch", NULL, NULL, &e32, sizeof e32), EINVAL);
    int on = 1;
    ck_assert_int_eq(mallctl("background_thread", NULL, NULL, &on, sizeof on), EINVAL);

    /* Writes to read-only names, reads of actions: EPERM. */
    v = 1;
    ck_assert_int_eq(mallctl("stats.allocated", NULL, NULL, &v, sizeof v), EPERM);
    ck_assert_int_eq(mallctl("arenas.page", NULL, NULL, &v, sizeof v), EPERM);
    ck_assert_int_eq(mallctl("stats.arenas.0.bins.0.curregs", NULL, NULL, &v, sizeof v), EPERM);
    ck_assert_int_eq(mallctl("opt.narenas", NULL, NULL, &u, sizeof u), EPERM);
    const char *s = "x";
    ck_assert_int_eq(mallctl("version", NULL, NULL, &s, sizeof s), EPERM);
    sz = sizeof v;
    ck_assert_int_eq(mallctl("arena.0.purge", &v, &sz, NULL, 0), EPERM);
    ck_assert_int_eq(mallctl("arena.0.purge", NULL, NULL, &v, sizeof v), EPERM);
    ck_assert_int_eq(mallctl("thread.tcache.flush", &v, &sz, NULL, 0), EPERM);

    /* oldp == NULL with oldlenp: the size, nothing else. */
    sz = 0;
    ck_assert_int_eq(mallctl("stats.allocated", NULL, &sz, NULL, 0), 0);
    ck_assert_uint_eq(sz, sizeof(size_t));
    ck_assert_int_eq(mallctl("arenas.bin.0.nregs", NULL, &sz, NULL, 0), 0);
    ck_assert_uint_eq(sz, sizeof(uint32_t));
    /* Neither: a no-op that succeeds. */
    ck_assert_int_eq(mallctl("stats.allocated", NULL, NULL, NULL, 0), 0);
}
END_TEST

/* ---- actions ---- */

static void dirty_some(void) {
    void *p[32];
    for (int k = 0; k < 32; k++) {
        p[k] = malloc(64 << 10);
        ck_assert_ptr_nonnull(p[k]);
        memset(p[k], 1, 64 << 10);
    }
    for (int k = 0; k < 32; k++) free(p[k]);
    /* Runs the thread cache kept: dirty too (EFAULT without a thread cache, as in jemalloc). */
    int r = mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    ck_assert(r == 0 || r == EFAULT);
}

START_TEST(test_purge) {
    unsigned me = rd_uns("thread.arena"), na = narenas();
    ssize_t decay = rd_ssize("opt.dirty_decay_ms");
    char mine[16], n[64];
    fmt(mine, sizeof mine, "%u", me);

    dirty_some();
    refresh();
    if (decay != 0) ck_assert_uint_ge(arena_size(mine, "pdirty"), 32 * 16);
    uint64_t np0 = rd_u64(fmt(n, sizeof n, "stats.arenas.%u.dirty_npurge", me));
    uint64_t pp0 = rd_u64(fmt(n, sizeof n, "stats.arenas.%u.dirty_purged", me));
    size_t dirty = arena_size(mine, "pdirty");
    MALLCTL_OK(fmt(n, sizeof n, "arena.%u.purge", me), NULL, NULL, NULL, 0);
    refresh();
    ck_assert_uint_eq(arena_size(mine, "pdirty"), 0);
    ck_assert_uint_gt(rd_u64(fmt(n, sizeof n, "stats.arenas.%u.dirty_npurge", me)), np0);
    ck_assert_uint_ge(rd_u64(fmt(n, sizeof n, "stats.arenas.%u.dirty_purged", me)), pp0 + dirty);
    ck_assert_uint_ge(arena_size(mine, "retained"), dirty * 4096);

    /* "all" spelled as narenas (Redis) and as MALLCTL_ARENAS_ALL. */
    dirty_some();
    MALLCTL_OK(fmt(n, sizeof n, "arena.%u.purge", na), NULL, NULL, NULL, 0);
    refresh();
    ck_assert_uint_eq(arena_size("4096", "pdirty"), 0);
    dirty_some();
    MALLCTL_OK("arena.4096.purge", NULL, NULL, NULL, 0);
    refresh();
    ck_assert_uint_eq(arena_size("4096", "pdirty"), 0);
    /* decay purges only what is due: it must succeed, and cannot add dirt. */
    dirty_some();
    refresh();
    size_t before = arena_size("4096", "pdirty");
    MALLCTL_OK("arena.4096.decay", NULL, NULL, NULL, 0);
    MALLCTL_OK(fmt(n, sizeof n, "arena.%u.decay", me), NULL, NULL, NULL, 0);
    refresh();
    ck_assert_uint_le(arena_size("4096", "pdirty"), before);
    ck_assert(rd_bool("arena.0.initialized"));
}
END_TEST

START_TEST(test_background_thread) {
    bool was = rd_bool("background_thread");
    ck_assert_int_eq(was, rd_bool("opt.background_thread"));
    bool on = true, old = !was;
    size_t sz = sizeof old;
    MALLCTL_OK("background_thread", &old, &sz, &on, sizeof on);
    ck_assert_int_eq(old, was);   /* the old value comes back */
    ck_assert(rd_bool("background_thread"));
    ck_assert_uint_eq(rd_size("stats.background_thread.num_threads"), 1);
    MALLCTL_OK("background_thread", NULL, NULL, &on, sizeof on);  /* idempotent */
    bool off = false;
    MALLCTL_OK("background_thread", NULL, NULL, &off, sizeof off);
    ck_assert(!rd_bool("background_thread"));
    ck_assert_uint_eq(rd_size("stats.background_thread.num_threads"), 0);
    MALLCTL_OK("background_thread", NULL, NULL, &was, sizeof was);
    ck_assert_int_eq(rd_bool("background_thread"), was);
}
END_TEST

/* ---- malloc_stats_print ---- */

static char out[1 << 20];
static size_t out_len;
static unsigned out_calls;
static bool out_bad_opaque;

/* Appends to a static buffer: never allocates (so no assertion here). */
static void out_cb(void *opaque, const char *s) {
    out_bad_opaque |= opaque != (void *)out;
    size_t n = strlen(s);
    if (out_len + n >= sizeof out) n = sizeof out - 1 - out_len;
    memcpy(out + out_len, s, n);
    out_len += n;
    out[out_len] = '\0';
    out_calls++;
}

static const char *print_raw(const char *opts) {
    out_len = 0;
    out_calls = 0;
    out_bad_opaque = false;
    out[0] = '\0';
    malloc_stats_print(out_cb, out, opts);
    return out;
}

static const char *print(const char *opts) {
    print_raw(opts);
    ck_assert_uint_gt(out_calls, 0);
    ck_assert(!out_bad_opaque);
    return out;
}

START_TEST(test_stats_print) {
    void *keep[10];
    for (int k = 0; k < 10; k++) keep[k] = malloc(100);
    const char *s = print(NULL);
    ck_assert_ptr_nonnull(strstr(s, "___ Begin tide statistics ___"));
    ck_assert_ptr_nonnull(strstr(s, "--- End tide statistics ---\n"));
    ck_assert_ptr_nonnull(strstr(s, "Run-time options:"));
    ck_assert_ptr_nonnull(strstr(s, "opt.narenas: "));
    ck_assert_ptr_nonnull(strstr(s, "opt.dirty_decay_ms: "));
    ck_assert_ptr_nonnull(strstr(s, "opt.class_refine_kb: 4096\n"));
    ck_assert_ptr_nonnull(strstr(s, "Allocated: "));
    ck_assert_ptr_nonnull(strstr(s, "Merged arenas stats:"));
    ck_assert_ptr_nonnull(strstr(s, "Huge: "));
    ck_assert_ptr_nonnull(strstr(s, "large: "));
    ck_assert_ptr_nonnull(strstr(s, "arenas[0]"));
    /* The per-bin table, as in the 2006 paper's P dump, with the run-header
     * overhead of every class. */
    const char *hdr = strstr(s, "bins:");
    ck_assert_ptr_nonnull(hdr);
    static const char *cols[] = { "size", "nregs", "slab_size", "run_hdr", "hdr_ovh", "requests",
                                  "nslabs", "curslabs", "curregs", "util" };
    const char *eol = strchr(hdr, '\n');
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        const char *c = strstr(hdr, cols[k]);
        ck_assert_msg(c && c < eol, "column %s", cols[k]);
    }
    /* Header bytes per slab, and the overhead of the one-page 8-byte class. */
    const char *rh = strstr(s, "Run headers: a struct slab of ");
    ck_assert_ptr_nonnull(rh);
    unsigned long hb = strtoul(rh + strlen("Run headers: a struct slab of "), NULL, 10);
    ck_assert_uint_gt(hb, 0);
    ck_assert_uint_lt(hb, 4096);
    char row[128], pct[16];
    unsigned long bp = (hb * 1000000 / 4096 + 50) / 100;   /* hundredths of a percent */
    snprintf(pct, sizeof pct, "%lu.%02lu%%", bp / 100, bp % 100);
    snprintf(row, sizeof row, "   0            8    512       4096 %8lu %8s", hb, pct);
    ck_assert_msg(strstr(s, row) != NULL, "row '%s' missing", row);
    /* Every class appears in the merged table. */
    ck_assert_ptr_nonnull(strstr(s, "        14336      4      57344 "));
    for (int k = 0; k < 10; k++) free(keep[k]);

    /* Omitted sections. */
    s = print("g");
    ck_assert_ptr_null(strstr(s, "Run-time options:"));
    ck_assert_ptr_nonnull(strstr(s, "Allocated: "));
    s = print("b");
    ck_assert_ptr_null(strstr(s, "bins:"));
    ck_assert_ptr_nonnull(strstr(s, "Merged arenas stats:"));
    s = print("m");
    ck_assert_ptr_null(strstr(s, "Merged arenas stats:"));
    ck_assert_ptr_nonnull(strstr(s, "arenas[0]"));
    s = print("a");
    ck_assert_ptr_null(strstr(s, "arenas[0]"));
    ck_assert_ptr_nonnull(strstr(s, "Merged arenas stats:"));
    s = print("l");
    ck_assert_ptr_null(strstr(s, "large: "));
    ck_assert_ptr_null(strstr(s, "Huge: "));
    s = print("gmab");
    ck_assert_ptr_nonnull(strstr(s, "Allocated: "));
    ck_assert_ptr_null(strstr(s, "bins:"));

    /* NULL write_cb: to stderr (sent to /dev/null here). */
    fflush(stderr);
    int saved = dup(2), nul = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(nul, 0);
    dup2(nul, 2);
    malloc_stats_print(NULL, NULL, NULL);
    dup2(saved, 2);
    close(saved);
    close(nul);
}
END_TEST

/* A strict little JSON checker: true when [*s, end) starts with one value. */
static bool json_value(const char **s);

static void json_ws(const char **s) {
    while (**s == ' ' || **s == '\n' || **s == '\t' || **s == '\r') (*s)++;
}

static bool json_string(const char **s) {
    if (**s != '"') return false;
    for ((*s)++; **s && **s != '"'; (*s)++) {
        if ((unsigned char)**s < 0x20) return false;
        if (**s == '\\' && !*++*s) return false;
    }
    if (**s != '"') return false;
    (*s)++;
    return true;
}

static bool json_seq(const char **s, char close, bool keyed) {
    (*s)++;
    json_ws(s);
    if (**s == close) {
        (*s)++;
        return true;
    }
    for (;;) {
        json_ws(s);
        if (keyed) {
            if (!json_string(s)) return false;
            json_ws(s);
            if (**s != ':') return false;
            (*s)++;
        }
        if (!json_value(s)) return false;
        json_ws(s);
        if (**s == close) {
            (*s)++;
            return true;
        }
        if (**s != ',') return false;
        (*s)++;
    }
}

static bool json_value(const char **s) {
    json_ws(s);
    if (**s == '{') return json_seq(s, '}', true);
    if (**s == '[') return json_seq(s, ']', false);
    if (**s == '"') return json_string(s);
    if (strncmp(*s, "true", 4) == 0 || strncmp(*s, "null", 4) == 0) return *s += 4, true;
    if (strncmp(*s, "false", 5) == 0) return *s += 5, true;
    const char *b = *s;
    if (**s == '-') (*s)++;
    while (**s >= '0' && **s <= '9') (*s)++;
    return *s > b && (*s)[-1] != '-';
}

static bool json_ok(const char *doc) {
    const char *s = doc;
    if (!json_value(&s)) return false;
    json_ws(&s);
    return *s == '\0';
}

START_TEST(test_stats_print_json) {
    ck_assert(json_ok("{\"a\":[1,-2,{\"b\":true}],\"c\":\"x\"}"));
    ck_assert(!json_ok("{\"a\":1,}"));
    ck_assert(!json_ok("{\"a\":[1,2}"));
    const char *s = print("J");
    ck_assert_msg(json_ok(s), "not JSON: %.200s", s);
    ck_assert_ptr_nonnull(strstr(s, "{\"tide\":{\"version\":\"" TIDE_VERSION));
    ck_assert_ptr_nonnull(strstr(s, "\"stats.arenas\":{\"merged\":{"));
    ck_assert_ptr_nonnull(strstr(s, "\"bins\":[{\"nmalloc\":"));
    ck_assert_ptr_nonnull(strstr(s, "\"run_header_bytes\":"));
    ck_assert_ptr_nonnull(strstr(s, "\"bin\":[{\"size\":8,\"nregs\":512,\"slab_size\":4096}"));
    static const char *opts[] = { "Jg", "Jm", "Ja", "Jb", "Jl", "Jgmabl" };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        s = print(opts[k]);
        ck_assert_msg(json_ok(s), "%s: not JSON: %.200s", opts[k], s);
    }
    s = print("Jgmabl");
    ck_assert_ptr_null(strstr(s, "\"opt\""));
    ck_assert_ptr_null(strstr(s, "\"merged\""));
    ck_assert_ptr_null(strstr(s, "\"bins\""));
    ck_assert_ptr_nonnull(strstr(s, "\"allocated\":"));
}
END_TEST

/* The statistics name the coarse classes refined (sc.h): none at first,
 * 1 KiB once an arena holds 4 MiB of its slabs. */
START_TEST(test_stats_print_refined) {
    ck_assert_ptr_nonnull(strstr(print(NULL), "Coarse classes refined to 16-byte classes: none\n"));
    enum { N = 6144 };
    static void *v[N];
    for (int i = 0; i < N; i++) ck_assert_ptr_nonnull(v[i] = malloc(1000));
    ck_assert_ptr_nonnull(strstr(print(NULL), "Coarse classes refined to 16-byte classes: 1024\n"));
    ck_assert_uint_eq(malloc_usable_size(v[N - 1]), 1008);
    for (int i = 0; i < N; i++) free(v[i]);
}
END_TEST

/* malloc_stats_print allocates nothing: every counter of allocations stays. */
START_TEST(test_stats_print_no_alloc) {
    print(NULL);   /* warm: any one-time snapshot memory comes from mmap anyway */
    refresh();
    uint64_t sn = rd_u64("stats.arenas.4096.small.nmalloc");
    uint64_t ln = rd_u64("stats.arenas.4096.large.nmalloc");
    size_t al = rd_size("stats.allocated");
    uint64_t ta = rd_u64("thread.allocated");
    print_raw(NULL);
    size_t len1 = out_len;
    print_raw("gmablJ");
    refresh();
    uint64_t sn1 = rd_u64("stats.arenas.4096.small.nmalloc");
    uint64_t ln1 = rd_u64("stats.arenas.4096.large.nmalloc");
    size_t al1 = rd_size("stats.allocated");
    uint64_t ta1 = rd_u64("thread.allocated");
    /* And the counters do move when something is allocated. */
    void *p = malloc(100);
    refresh();
    uint64_t sn2 = rd_u64("stats.arenas.4096.small.nmalloc");
    free(p);
    reads_ok();
    ck_assert_uint_gt(len1, 1000);
    ck_assert_uint_eq(sn1, sn);
    ck_assert_uint_eq(ln1, ln);
    ck_assert_uint_eq(al1, al);
    ck_assert_uint_eq(ta1, ta);
    ck_assert_uint_eq(sn2, sn + 1);
}
END_TEST

/* ---- 'P': the 2006 paper's layout ---- */

/* The bin table's columns, in order (the paper's, with the bin index first). */
static const char *const paper_cols[] = { "bin", "size", "nregs", "run_sz", "nrequests", "nruns",
                                          "hiruns", "curruns", "npromo", "ndemo" };
enum { P_BIN, P_SIZE, P_NREGS, P_RUNSZ, P_NREQ, P_NRUNS, P_HIRUNS, P_CURRUNS, P_NPROMO, P_NDEMO, P_NCOLS };

/* One bin row at line l: its ten numbers, or false. */
static bool paper_row(const char *l, unsigned long long v[P_NCOLS]) {
    int n = 0;
    if (sscanf(l, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu%n", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7], &v[8], &v[9], &n) != P_NCOLS)
        return false;
    return l[n] == '\n';
}

/* The row of bin j in the table of section `sect` ("merged arenas:" or
 * "arenas[i]:"); all zeros when the table skips the bin (unused). False
 * when the section or its table is missing. */
static bool paper_find(const char *dump, const char *sect, unsigned j, unsigned long long v[P_NCOLS]) {
    memset(v, 0, P_NCOLS * sizeof v[0]);
    char key[48];
    snprintf(key, sizeof key, "\n%s\n", sect);
    const char *s = strstr(dump, key);
    if (!s) return false;
    s = strstr(s + 1, "\nbins:\n");
    if (!s) return false;
    for (s = strchr(s + 7, '\n') + 1; *s && *s != '\n' && *s != '-'; s = strchr(s, '\n') + 1) {
        unsigned long long r[P_NCOLS];
        if (paper_row(s, r) && r[P_BIN] == j) {
            memcpy(v, r, sizeof r);
            break;
        }
        if (!strchr(s, '\n')) break;
    }
    return true;
}

/* Every bin row of the dump: nruns >= hiruns >= curruns, run_sz = size x
 * nregs or more, ndemo <= npromo and npromo - ndemo <= curruns (a slab
 * set aside as full is still a slab). Returns the rows checked, or -1 (the
 * bad row in `bad`). */
static char paper_bad[256];
static int paper_rows_ok(const char *dump) {
    int rows = 0;
    for (const char *l = dump; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        unsigned long long v[P_NCOLS];
        if (!paper_row(l, v)) continue;
        rows++;
        if (v[P_NRUNS] < v[P_HIRUNS] || v[P_HIRUNS] < v[P_CURRUNS] || v[P_RUNSZ] < v[P_SIZE] * v[P_NREGS] ||
            v[P_NDEMO] > v[P_NPROMO] || v[P_NPROMO] - v[P_NDEMO] > v[P_CURRUNS]) {
            const char *e = strchr(l, '\n');
            snprintf(paper_bad, sizeof paper_bad, "%.*s", (int)(e - l), l);
            return -1;
        }
    }
    return rows;
}

/* Runs in a child under TIDE_CONF=tcache:false (ctl_test --paper-child):
 * fills three slabs of the largest small class in its arena, then frees a
 * block of the first (full) one, then everything, reading the bin's row
 * of the P dump after each step. Returns the exit status; every failure
 * printed. No Check here (not under the runner). */
static int paper_child_fail(const char *what, const unsigned long long *v) {
    fprintf(stdout, "paper-child: %s: nruns %llu hiruns %llu curruns %llu npromo %llu ndemo %llu\n", what,
            v[P_NRUNS], v[P_HIRUNS], v[P_CURRUNS], v[P_NPROMO], v[P_NDEMO]);
    fflush(stdout);
    return 1;
}

static int paper_child(void) {
    if (rd_bool("opt.tcache")) return printf("paper-child: tcache is on\n"), 1;
    const char *so = NULL;
    size_t sz = sizeof so;
    if (mallctl("opt.stats_print_opts", &so, &sz, NULL, 0) != 0 || !so || strcmp(so, "P") != 0)
        return printf("paper-child: opt.stats_print_opts is not \"P\"\n"), 1;
    void *first = malloc(16);   /* this thread's arena is chosen now */
    unsigned a = rd_uns("thread.arena");
    unsigned nbins = rd_uns("arenas.nbins");
    char n[64], sect[32];
    size_t size = rd_size(fmt(n, sizeof n, "arenas.bin.%u.size", nbins - 1));
    uint32_t nregs = 0;
    sz = sizeof nregs;
    mallctl(fmt(n, sizeof n, "arenas.bin.%u.nregs", nbins - 1), &nregs, &sz, NULL, 0);
    if (read_failed[0] || nregs == 0 || nregs > 64) return printf("paper-child: bin sizes unreadable\n"), 1;
    fmt(sect, sizeof sect, "arenas[%u]:", a);
    unsigned long long v0[P_NCOLS], v[P_NCOLS];
    if (!paper_find(print_raw("P"), sect, nbins - 1, v0)) return printf("paper-child: no %s table\n", sect), 1;
    if (v0[P_CURRUNS] != 0) return paper_child_fail("the class is in use before the test", v0);

    /* 2 x nregs + 1 blocks: two slabs filled, the third holds one. A slab
     * is found full when the next malloc looks in it. */
    void *blk[129];
    unsigned nb = 2 * nregs + 1;
    for (unsigned k = 0; k < nb; k++)
        if (!(blk[k] = malloc(size))) return printf("paper-child: malloc failed\n"), 1;
    paper_find(print_raw("P"), sect, nbins - 1, v);
    if (v[P_NRUNS] != v0[P_NRUNS] + 3 || v[P_CURRUNS] != 3 || v[P_HIRUNS] < 3 || v[P_HIRUNS] > v[P_NRUNS] ||
        v[P_NREQ] != v0[P_NREQ] + nb)
        return paper_child_fail("after the mallocs", v);
    unsigned long long hi = v[P_HIRUNS];
    /* Two slabs found full (set aside), none back yet. */
    if (v[P_NPROMO] != v0[P_NPROMO] + 2 || v[P_NDEMO] != v0[P_NDEMO]) return paper_child_fail("promotions", v);

    free(blk[0]);   /* the first slab was full: it gets a block back */
    paper_find(print_raw("P"), sect, nbins - 1, v);
    if (v[P_CURRUNS] != 3 || v[P_HIRUNS] != hi) return paper_child_fail("after one free", v);
    if (v[P_NPROMO] != v0[P_NPROMO] + 2 || v[P_NDEMO] != v0[P_NDEMO] + 1) return paper_child_fail("a demotion", v);

    for (unsigned k = 1; k < nb; k++) free(blk[k]);
    free(first);
    paper_find(print_raw("P"), sect, nbins - 1, v);
    if (v[P_CURRUNS] > 1 || v[P_HIRUNS] != hi || v[P_NRUNS] != v0[P_NRUNS] + 3)
        return paper_child_fail("after every free", v);
    if (v[P_NPROMO] != v0[P_NPROMO] + 2 || v[P_NDEMO] != v0[P_NDEMO] + 2) return paper_child_fail("demotions", v);
    if (paper_rows_ok(out) <= 0) return printf("paper-child: bad row: %s\n", paper_bad), 1;
    if (read_failed[0]) return printf("paper-child: mallctl(\"%s\") failed\n", read_failed), 1;
    printf("paper-child: ok\n");
    fflush(stdout);
    return 0;
}

START_TEST(test_stats_print_paper) {
    void *keep[10];
    for (int k = 0; k < 10; k++) keep[k] = malloc(100 + 1000 * k);
    void *huge = malloc(3 << 20);
    ck_assert_ptr_nonnull(huge);
    const char *s = print("P");
    ck_assert_msg(strncmp(s, "___ Begin malloc statistics ___\n", 32) == 0, "%.100s", s);
    ck_assert_ptr_nonnull(strstr(s, "--- End malloc statistics ---\n"));
    ck_assert_ptr_null(strstr(s, "tide statistics"));
    char line[128];
    ck_assert_ptr_nonnull(strstr(s, "\nNumber of CPUs: "));
    ck_assert_ptr_nonnull(strstr(s, fmt(line, sizeof line, "\nNumber of arenas: %u\n", narenas())));
    ck_assert_ptr_nonnull(strstr(s, "\nChunk size: 4194304 (2^22)\n"));
    ck_assert_ptr_nonnull(strstr(s, "\nQuantum size: 16 (2^4)\n"));
    ck_assert_ptr_nonnull(strstr(s, "\nMax small size: 14336\n"));
    ck_assert_ptr_nonnull(strstr(s, fmt(line, sizeof line, "\nPointer size: %zu\n", sizeof(void *))));
    /* The header line says what the runs and their columns are in tide. */
    ck_assert_ptr_nonnull(strstr(s, "\nRuns are tide's slabs: hiruns = the most slabs"));
    ck_assert_ptr_nonnull(strstr(s, " bytes per run, outside the run; chunk headers: "));
    ck_assert_ptr_nonnull(strstr(s, "npromo = slabs that became full"));
    ck_assert_ptr_nonnull(strstr(s, "ndemo = full slabs that got a block back"));
    /* Totals, chunks (made >= peak >= now >= 1), huge. */
    const char *t = strstr(s, "\nAllocated: ");
    ck_assert_ptr_nonnull(t);
    unsigned long long alloc = 0, used = 0, nch = 0, hich = 0, cur = 0, hn = 0, hd = 0, ha = 0;
    ck_assert_int_eq(sscanf(t, "\nAllocated: %llu, space used: %llu\n", &alloc, &used), 2);
    ck_assert_uint_gt(alloc, 3 << 20);
    ck_assert_uint_ge(used, alloc);
    t = strstr(s, "\nchunks:\n       nchunks   highchunks    curchunks\n");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(sscanf(strchr(t + 9, '\n'), "%llu %llu %llu", &nch, &hich, &cur), 3);
    ck_assert_uint_ge(cur, 1);
    ck_assert_uint_ge(hich, cur);
    ck_assert_uint_ge(nch, hich);
    t = strstr(s, "\nhuge:\n     nmalloc      ndalloc    allocated\n");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(sscanf(strchr(t + 7, '\n'), "%llu %llu %llu", &hn, &hd, &ha), 3);
    ck_assert_uint_ge(hn, hd + 1);
    ck_assert_uint_ge(ha, 3 << 20);
    /* The merged table and each arena used: calls, large requests, bins,
     * with exactly the paper's column names in order. */
    ck_assert_ptr_nonnull(strstr(s, "\nmerged arenas:\ncalls:\n     nmalloc      ndalloc     nmadvise\n"));
    ck_assert_ptr_nonnull(strstr(s, "\nlarge requests: "));
    ck_assert_ptr_nonnull(strstr(s, fmt(line, sizeof line, "\narenas[%u]:\ncalls:\n", rd_uns("thread.arena"))));
    const char *h = strstr(s, "\nbins:\n");
    ck_assert_ptr_nonnull(h);
    h += 7;
    const char *eol = strchr(h, '\n');
    for (size_t k = 0; k < P_NCOLS; k++) {
        while (*h == ' ') h++;
        size_t len = strlen(paper_cols[k]);
        ck_assert_msg(strncmp(h, paper_cols[k], len) == 0 && (h[len] == ' ' || h + len == eol),
                      "column %zu: expected %s at '%.20s'", k, paper_cols[k], h);
        h += len;
    }
    ck_assert_ptr_eq(h, eol);
    /* The 100-byte blocks (112-byte class) show in the merged table. */
    unsigned long long v[P_NCOLS];
    unsigned j = bin_of(100);
    ck_assert(paper_find(s, "merged arenas:", j, v));
    ck_assert_uint_eq(v[P_BIN], j);
    ck_assert_uint_eq(v[P_SIZE], 112);
    ck_assert_uint_ge(v[P_NREQ], 1);
    ck_assert_uint_ge(v[P_CURRUNS], 1);
    int rows = paper_rows_ok(s);
    ck_assert_msg(rows > 0, "bad row: %s", paper_bad);
    /* Unused arenas are left out. */
    for (unsigned i = 0; i < narenas(); i++) {
        char is[16];
        bool used_arena = arena_size(fmt(is, sizeof is, "%u", i), "mapped") > 0 ||
                          rd_uns(fmt(line, sizeof line, "stats.arenas.%u.nthreads", i)) > 0;
        if (!used_arena) ck_assert_ptr_null(strstr(s, fmt(line, sizeof line, "\narenas[%u]:\n", i)));
    }
    for (int k = 0; k < 10; k++) free(keep[k]);
    free(huge);
    reads_ok();

    /* Omitted sections, as in the other layouts; J wins over P. */
    ck_assert_ptr_null(strstr(print("Pg"), "Number of CPUs"));
    ck_assert_ptr_null(strstr(print("Pb"), "\nbins:\n"));
    ck_assert_ptr_null(strstr(print("Pm"), "merged arenas:"));
    ck_assert_ptr_null(strstr(print("Pa"), "\narenas["));
    s = print("Pl");
    ck_assert_ptr_null(strstr(s, "huge:"));
    ck_assert_ptr_null(strstr(s, "large requests"));
    ck_assert(json_ok(print("PJ")));
    const char *so = NULL;
    size_t sz = sizeof so;
    MALLCTL_OK("opt.stats_print_opts", &so, &sz, NULL, 0);
    ck_assert_str_eq(so, "");

    /* A child under tcache:false: the bin's runs step by step, and its
     * exit dump in this layout (stats_print:true,stats_opts:P). */
    char path[] = "/tmp/ctl_test_paper.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    extern char **environ;
    static char *env[512];
    size_t ne = 0;
    for (char **e = environ; *e && ne < 510; e++)
        if (strncmp(*e, "TIDE_CONF=", 10) != 0) env[ne++] = *e;
    env[ne++] = "TIDE_CONF=tcache:false,stats_print:true,stats_opts:P";
    env[ne] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        char *argv[] = { "ctl_test", "--paper-child", NULL };
        execve("/proc/self/exe", argv, env);
        _exit(127);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    off_t len = lseek(fd, 0, SEEK_END);
    ck_assert_int_gt(len, 0);
    ck_assert_int_lt(len, (off_t)sizeof out);
    ck_assert_int_eq(pread(fd, out, (size_t)len, 0), len);
    out[len] = '\0';
    close(fd);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: status %#x:\n%s", status, out);
    const char *ok = strstr(out, "paper-child: ok\n");
    ck_assert_msg(ok != NULL, "%s", out);
    ck_assert_ptr_null(strstr(out, "TIDE_CONF:"));   /* every option accepted */
    const char *dump = strstr(ok, "___ Begin malloc statistics ___\n");
    ck_assert_msg(dump != NULL, "no exit dump in P layout:\n%s", out);
    ck_assert_ptr_nonnull(strstr(dump, "--- End malloc statistics ---\n"));
    ck_assert_msg(paper_rows_ok(dump) > 0, "bad row: %s", paper_bad);
}
END_TEST

/* ---- threads and fork ---- */

struct worker { void **hand; unsigned n; pthread_barrier_t *bar; };

static void *worker_main(void *arg) {
    struct worker *w = arg;
    void *mine[500];
    for (unsigned r = 0; r < 20; r++) {
        for (unsigned k = 0; k < 500; k++) mine[k] = malloc(8 + (k * 37) % 3000);
        for (unsigned k = 0; k < 500; k += 2) free(mine[k]);
        for (unsigned k = 1; k < 500; k += 2) free(mine[k]);
        uint64_t e = 1;
        size_t sz = sizeof e;
        mallctl("epoch", &e, &sz, &e, sizeof e);
    }
    /* Blocks handed to the main thread, freed there (remote frees). */
    for (unsigned k = 0; k < w->n; k++) w->hand[k] = malloc(16 + (k % 200) * 8);
    pthread_barrier_wait(w->bar);   /* main frees half of them */
    pthread_barrier_wait(w->bar);
    /* Collect them while alive (tcache mode; EFAULT and nothing to do without). */
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    pthread_barrier_wait(w->bar);   /* main checks */
    pthread_barrier_wait(w->bar);
    return NULL;
}

/* Two independent counts of live blocks per class must agree: the merged
 * curregs (the heaps' malloc and free counters) and the sum over arenas of
 * each arena's curregs (a walk of every slab). No assertion here (threads
 * may be waiting on a barrier): the first disagreement is kept in `bad`. */
static char bad[256];

static void check_bins_consistent(const char *when) {
    refresh();
    unsigned na = narenas();
    for (unsigned j = 0; j < 36 && !bad[0]; j++) {
        uint64_t m = bin_u64("4096", j, "nmalloc"), d = bin_u64("4096", j, "ndalloc");
        size_t c = bin_size("4096", j, "curregs"), walk = 0;
        for (unsigned i = 0; i < na; i++) {
            char is[16];
            walk += bin_size(fmt(is, sizeof is, "%u", i), j, "curregs");
        }
        if (m - d != c)
            snprintf(bad, sizeof bad, "%s: bin %u: nmalloc %llu - ndalloc %llu != curregs %zu", when, j,
                     (unsigned long long)m, (unsigned long long)d, c);
        else if (walk != c)
            snprintf(bad, sizeof bad, "%s: bin %u: the arenas' slabs hold %zu blocks, counters say %zu",
                     when, j, walk, c);
    }
}

/* With quiet threads, per class, the counters and the slabs agree, whether
 * the blocks were freed by their owner or by another thread (remote frees,
 * counted once the owner collects them), before and after the owners exit. */
START_TEST(test_threads_consistent) {
    enum { T = 4, H = 2000 };
    static void *hand[T][H];
    static struct worker w[T];
    static pthread_barrier_t bar;
    pthread_t t[T];
    bad[0] = '\0';
    ck_assert_int_eq(pthread_barrier_init(&bar, NULL, T + 1), 0);
    for (int i = 0; i < T; i++) {
        w[i].hand = hand[i];
        w[i].n = H;
        w[i].bar = &bar;
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int r = 0; r < 20; r++) refresh();
    pthread_barrier_wait(&bar);
    check_bins_consistent("handed over");
    uint64_t nd0 = rd_u64("stats.arenas.4096.small.ndalloc");
    for (int i = 0; i < T; i++)
        for (int k = 0; k < H; k += 2) free(hand[i][k]);
    /* A thread holds its last run of remote frees into one slab until it
     * frees into another or flushes its cache (as jemalloc's tcache holds
     * every freed block): hand them over before the owners collect. */
    if (rd_bool("opt.tcache")) ck_assert_int_eq(mallctl("thread.tcache.flush", NULL, NULL, NULL, 0), 0);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    /* The owners have collected: the remote frees now count. */
    check_bins_consistent("remote frees collected");
    uint64_t nd1 = rd_u64("stats.arenas.4096.small.ndalloc");
    pthread_barrier_wait(&bar);
    for (int i = 0; i < T; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&bar);
    check_bins_consistent("owners exited");
    for (int i = 0; i < T; i++)
        for (int k = 1; k < H; k += 2) free(hand[i][k]);
    check_bins_consistent("all freed");
    ck_assert_msg(bad[0] == '\0', "%s", bad);
    if (rd_bool("opt.tcache")) ck_assert_uint_ge(nd1, nd0 + T * H / 2);
    size_t nonempty = 0;
    for (unsigned j = 0; j < 36; j++) nonempty += bin_size("4096", j, "curregs") != 0;
    ck_assert_uint_gt(nonempty, 0);   /* Check's own blocks at least */
}
END_TEST

/* A thread that only frees (it never calls malloc) holds its last run of
 * remote frees; its exit must hand them over, or the owner never sees them. */
enum { FREER_N = 40 };
static void *freer_main(void *arg) {
    void **v = arg;
    for (int i = 0; i < FREER_N; i++) free(v[i]);
    return NULL;
}

/* The same frees from a key destructor that runs after tide's own
 * thread-exit hook (its key is older): they cannot be held any more. */
static pthread_key_t late_key;
static void late_free(void *arg) { freer_main(arg); }
static void *late_freer_main(void *arg) {
    void **v = arg;
    free(malloc(16));            /* a thread with a heap */
    free(v[FREER_N]);            /* and a held remote free */
    pthread_setspecific(late_key, v);
    return NULL;
}

static void check_freer(void *(*fn)(void *), int extra) {
    static void *v[FREER_N + 1];
    for (int i = 0; i < FREER_N + 1; i++) ck_assert_ptr_nonnull(v[i] = malloc(64));
    malloc_trim(0);
    refresh();
    uint64_t nd0 = rd_u64("stats.arenas.4096.small.ndalloc");
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fn, v), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    malloc_trim(0);   /* the owner collects its slabs' remote frees */
    refresh();
    uint64_t nd1 = rd_u64("stats.arenas.4096.small.ndalloc");
    ck_assert_uint_ge(nd1, nd0 + FREER_N + extra);
    if (!extra) free(v[FREER_N]);
}

START_TEST(test_freeing_thread_exit) {
    check_freer(freer_main, 0);
    ck_assert_int_eq(pthread_key_create(&late_key, late_free), 0);
    check_freer(late_freer_main, 1);
}
END_TEST

/* A thread that replaces another and starts before the other exits (larson's
 * thread generations) takes the other's parked heap over when it frees into
 * it: afterwards its frees of the old blocks go to its own bins, and its
 * mallocs get those blocks back. Without the takeover the old blocks would
 * wait on the parked heap's slabs and the thread would allocate elsewhere. */
enum { TAKE_N = 2000 };
static void *take_old[TAKE_N];
static pthread_barrier_t take_bar;
static int take_hits;

static void *take_successor(void *arg) {
    (void)arg;
    free(malloc(64));                    /* this thread takes its heap now */
    pthread_barrier_wait(&take_bar);     /* the predecessor may exit */
    pthread_barrier_wait(&take_bar);     /* it has */
    for (int i = 0; i < TAKE_N; i++) free(take_old[i]);
    void *got[16];
    for (int k = 0; k < 16; k++) {
        got[k] = malloc(64);
        for (int i = 0; i < TAKE_N; i++) take_hits += got[k] == take_old[i];
    }
    for (int k = 0; k < 16; k++) free(got[k]);
    return NULL;
}

static void *take_predecessor(void *arg) {
    pthread_t *succ = arg;
    for (int i = 0; i < TAKE_N; i++) take_old[i] = malloc(64);
    if (pthread_create(succ, NULL, take_successor, NULL) != 0) return (void *)1;
    pthread_barrier_wait(&take_bar);     /* the successor has its heap */
    return NULL;                         /* exit: the heap is parked */
}

START_TEST(test_successor_takes_heap) {
    if (!rd_bool("opt.tcache")) return;   /* 2006 mode: arena-shared heaps, nothing to take */
    pthread_t pred, succ;
    take_hits = 0;
    ck_assert_int_eq(pthread_barrier_init(&take_bar, NULL, 2), 0);
    ck_assert_int_eq(pthread_create(&pred, NULL, take_predecessor, &succ), 0);
    void *rc;
    ck_assert_int_eq(pthread_join(pred, &rc), 0);
    ck_assert_ptr_null(rc);
    pthread_barrier_wait(&take_bar);     /* the predecessor has exited and parked */
    ck_assert_int_eq(pthread_join(succ, NULL), 0);
    pthread_barrier_destroy(&take_bar);
    ck_assert_int_gt(take_hits, 0);
}
END_TEST

static int spin_stop;   /* read and written with __atomic builtins */

static void *spinner(void *arg) {
    (void)arg;
    while (!__atomic_load_n(&spin_stop, __ATOMIC_RELAXED)) {
        uint64_t e = 1;
        size_t sz = sizeof e;
        mallctl("epoch", &e, &sz, &e, sizeof e);
        free(malloc(200));
    }
    return NULL;
}

static void null_cb(void *o, const char *s) {
    (void)o;
    (void)s;
}

/* Fork while another thread refreshes statistics: the child's mallctl and
 * malloc_stats_print must not find the statistics lock held. */
START_TEST(test_fork) {
    pthread_t t;
    __atomic_store_n(&spin_stop, 0, __ATOMIC_RELAXED);
    ck_assert_int_eq(pthread_create(&t, NULL, spinner, NULL), 0);
    for (int k = 0; k < 20; k++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            alarm(10);
            uint64_t e = 1;
            size_t sz = sizeof e;
            int r = mallctl("epoch", &e, &sz, &e, sizeof e);
            void *p = malloc(300);
            malloc_stats_print(null_cb, NULL, NULL);
            free(p);
            _exit(r == 0 && p ? 0 : 1);
        }
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: status %#x", k, status);
    }
    __atomic_store_n(&spin_stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
}
END_TEST

static Suite *ctl_suite(void) {
    Suite *s = suite_create("ctl");
    TCase *tc = tcase_create("ctl");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, reads_reset, reads_ok);
    tcase_add_test(tc, test_names_and_types);
    tcase_add_test(tc, test_redis_calls);
    tcase_add_test(tc, test_allocated_grows);
    tcase_add_test(tc, test_large_and_huge);
    tcase_add_test(tc, test_curregs_exact);
    tcase_add_test(tc, test_arenas_all_merges);
    tcase_add_test(tc, test_size_tables);
    tcase_add_test(tc, test_opts_and_thread);
    tcase_add_test(tc, test_mib);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_purge);
    tcase_add_test(tc, test_background_thread);
    tcase_add_test(tc, test_stats_print);
    tcase_add_test(tc, test_stats_print_json);
    tcase_add_test(tc, test_stats_print_refined);
    tcase_add_test(tc, test_stats_print_no_alloc);
    tcase_add_test(tc, test_stats_print_paper);
    tcase_add_test(tc, test_threads_consistent);
    tcase_add_test(tc, test_freeing_thread_exit);
    tcase_add_test(tc, test_successor_takes_heap);
    tcase_add_test(tc, test_fork);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--paper-child") == 0) return paper_child();   /* test_stats_print_paper */
    /* The tests must run against tide, not glibc or jemalloc. */
    const char *v = NULL;
    size_t sz = sizeof v;
    if (mallctl("version", &v, &sz, NULL, 0) != 0 || !v || !strstr(v, "tide")) {
        fprintf(stderr, "ctl_test: mallctl is not tide's\n");
        return 1;
    }
    /* The make target runs this against the debug build too, through
     * LD_LIBRARY_PATH: make sure the library is the one intended. */
    const char *want = getenv("CTL_TEST_EXPECT_DEBUG");
    bool dbg = false;
    sz = sizeof dbg;
    if (mallctl("config.debug", &dbg, &sz, NULL, 0) != 0 || dbg != (want && strcmp(want, "1") == 0)) {
        fprintf(stderr, "ctl_test: config.debug is %s, expected %s\n", dbg ? "true" : "false",
                want && strcmp(want, "1") == 0 ? "true" : "false");
        return 1;
    }
    SRunner *sr = srunner_create(ctl_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
