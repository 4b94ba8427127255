/* cfrac: an analogue of the cfrac benchmark of Evans' BSDCan 2006 jemalloc
 * paper, written from the paper's description only. The original cfrac
 * factors large numbers with the continued-fraction method on a bignum
 * library that allocates every number, and its key property for an
 * allocator is that it "overwhelmingly allocates 16- and 32-byte objects".
 * This program is NOT cfrac: it is our own factoring program with the same
 * allocation character. Its method is Pollard-Brent rho (Brent's cycle
 * detection, gcd taken over batches of products), with Miller-Rabin
 * primality tests and trial division by the primes below 1000.
 *
 *   cfrac [N=<the full-run semiprime>]
 *
 * Bignums are immutable and individually malloc'd: an 8-byte header and 1
 * to 3 64-bit limbs, i.e. 16, 24 or 32 bytes. Every arithmetic result
 * (sum, difference, product, remainder, quotient, shift, even a copy) is a
 * fresh malloc and every operand is freed as soon as it is dead, as in a
 * naive bignum library. N must be below 2^96, so that all values (below
 * N) and their products (below N^2 < 2^192) fit in 3 limbs.
 *
 * The factorisation is verified: the factors multiply back to N, each is
 * above 1 and below N, and each passes Miller-Rabin (20 prime bases); a
 * prime N is a usage error. It is printed on stdout as "N = p1 * p2 ...".
 * With --threads N, N copies factor the number at once, copy 0 on the main
 * thread (the paper's run is one thread).
 *
 * Result: metric time (seconds, wall clock of the factorisation, without
 * the verification), extras mallocs (all mallocs of the factorisation),
 * share_16_32 (the share of those with a size of 16..32 bytes; checked to
 * be above 0.9), the counts of 16-, 24- and 32-byte mallocs, and the
 * number of factors.
 */
#include "common/wl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXL 3 /* limbs of the largest value: products of two numbers below 2^96 */

/* An immutable number. Invariants: 1 <= n <= MAXL; d[n-1] != 0 unless
 * n == 1 (zero is n = 1, d[0] = 0); the block is 8 + 8n bytes. */
typedef struct bn {
    uint32_t n;
    uint32_t pad;
    uint64_t d[];
} bn;

/* Allocation counts of one copy. Invariant: live == mallocs - frees. */
typedef struct cf_stats {
    uint64_t mallocs, frees, in_16_32, sz[4]; /* sz[k]: blocks of 8 + 8k bytes */
} cf_stats;

static _Thread_local cf_stats *t_st;

typedef unsigned __int128 u128;

static bn *bn_alloc(uint32_t n)
{
    if (n < 1 || n > MAXL) wl_fatal("internal error: a %u-limb number", n);
    size_t size = sizeof(bn) + n * sizeof(uint64_t);
    bn *r = malloc(size);
    if (!r) wl_fatal("malloc(%zu) failed", size);
    r->n = n;
    r->pad = 0;
    t_st->mallocs++;
    t_st->sz[n]++;
    if (size >= 16 && size <= 32) t_st->in_16_32++;
    return r;
}

static void bn_free(bn *a)
{
    if (!a) return;
    t_st->frees++;
    free(a);
}

/* A fresh number from limbs l[0..n) (n may exceed MAXL if the top limbs
 * are zero). */
static bn *bn_make(const uint64_t *l, uint32_t n)
{
    while (n > 1 && l[n - 1] == 0) n--;
    bn *r = bn_alloc(n);
    memcpy(r->d, l, n * sizeof *l);
    return r;
}

static bn *bn_u64(uint64_t x) { return bn_make(&x, 1); }
static bn *bn_copy(const bn *a) { return bn_make(a->d, a->n); }
static int bn_is_zero(const bn *a) { return a->n == 1 && a->d[0] == 0; }
static int bn_is_one(const bn *a) { return a->n == 1 && a->d[0] == 1; }
static int bn_is_u64(const bn *a, uint64_t x) { return a->n == 1 && a->d[0] == x; }

static int bn_cmp(const bn *a, const bn *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (uint32_t i = a->n; i-- > 0;)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

static bn *bn_add(const bn *a, const bn *b)
{
    uint64_t l[MAXL + 1] = {0};
    uint32_t n = a->n > b->n ? a->n : b->n;
    uint64_t c = 0;
    for (uint32_t i = 0; i < n; i++) {
        u128 s = (u128)(i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0) + c;
        l[i] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    l[n] = c;
    return bn_make(l, n + 1);
}

/* a - b, a >= b */
static bn *bn_sub(const bn *a, const bn *b)
{
    uint64_t l[MAXL];
    uint64_t br = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t y = i < b->n ? b->d[i] : 0;
        u128 s = (u128)y + br;
        l[i] = a->d[i] - (uint64_t)s;
        br = (uint64_t)(s >> 64) + (a->d[i] < (uint64_t)s);
    }
    if (br) wl_fatal("internal error: negative difference");
    return bn_make(l, a->n);
}

static bn *bn_mul(const bn *a, const bn *b)
{
    uint64_t l[2 * MAXL] = {0};
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t c = 0;
        for (uint32_t j = 0; j < b->n; j++) {
            u128 p = (u128)a->d[i] * b->d[j] + l[i + j] + c;
            l[i + j] = (uint64_t)p;
            c = (uint64_t)(p >> 64);
        }
        l[i + b->n] = c;
    }
    return bn_make(l, a->n + b->n);
}

/* Knuth's algorithm D (TAOCP 4.3.1) on 64-bit limbs: u[0..m) / v[0..n),
 * m >= n >= 1, v[n-1] != 0; quotient q[0..m-n+1), remainder r[0..n). */
static void divmod_limbs(const uint64_t *u, uint32_t m, const uint64_t *v, uint32_t n, uint64_t *q, uint64_t *r)
{
    if (n == 1) {
        uint64_t k = 0;
        for (uint32_t j = m; j-- > 0;) {
            u128 cur = (u128)k << 64 | u[j];
            q[j] = (uint64_t)(cur / v[0]);
            k = (uint64_t)(cur % v[0]);
        }
        r[0] = k;
        return;
    }
    uint64_t vn[2 * MAXL], un[2 * MAXL + 1];
    int s = __builtin_clzll(v[n - 1]);
    for (uint32_t i = n - 1; i > 0; i--) vn[i] = v[i] << s | (s ? v[i - 1] >> (64 - s) : 0);
    vn[0] = v[0] << s;
    un[m] = s ? u[m - 1] >> (64 - s) : 0;
    for (uint32_t i = m - 1; i > 0; i--) un[i] = u[i] << s | (s ? u[i - 1] >> (64 - s) : 0);
    un[0] = u[0] << s;
    for (uint32_t j = m - n + 1; j-- > 0;) {
        u128 num = (u128)un[j + n] << 64 | un[j + n - 1];
        u128 qhat = num / vn[n - 1], rhat = num % vn[n - 1];
        while (qhat >> 64 || qhat * vn[n - 2] > (rhat << 64 | un[j + n - 2])) {
            qhat--;
            rhat += vn[n - 1];
            if (rhat >> 64) break;
        }
        uint64_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            u128 p = qhat * vn[i];
            u128 sub = (u128)(uint64_t)p + k;
            uint64_t t = un[i + j] - (uint64_t)sub;
            k = (uint64_t)(p >> 64) + (uint64_t)(sub >> 64) + (un[i + j] < (uint64_t)sub);
            un[i + j] = t;
        }
        int neg = un[j + n] < k;
        un[j + n] -= k;
        q[j] = (uint64_t)qhat;
        if (neg) { /* qhat was one too large: add v back */
            q[j]--;
            uint64_t c = 0;
            for (uint32_t i = 0; i < n; i++) {
                u128 t = (u128)un[i + j] + vn[i] + c;
                un[i + j] = (uint64_t)t;
                c = (uint64_t)(t >> 64);
            }
            un[j + n] += c;
        }
    }
    for (uint32_t i = 0; i + 1 < n; i++) r[i] = un[i] >> s | (s ? un[i + 1] << (64 - s) : 0);
    r[n - 1] = un[n - 1] >> s;
}

/* a mod m (m != 0) */
static bn *bn_mod(const bn *a, const bn *m)
{
    if (bn_is_zero(m)) wl_fatal("internal error: division by zero");
    if (bn_cmp(a, m) < 0) return bn_copy(a);
    uint64_t q[2 * MAXL], r[MAXL];
    divmod_limbs(a->d, a->n, m->d, m->n, q, r);
    return bn_make(r, m->n);
}

/* a / m (m != 0) */
static bn *bn_div(const bn *a, const bn *m)
{
    if (bn_is_zero(m)) wl_fatal("internal error: division by zero");
    if (bn_cmp(a, m) < 0) return bn_u64(0);
    uint64_t q[2 * MAXL], r[MAXL];
    divmod_limbs(a->d, a->n, m->d, m->n, q, r);
    return bn_make(q, a->n - m->n + 1);
}

/* a >> k, k < 64 * MAXL */
static bn *bn_shr(const bn *a, unsigned k)
{
    uint64_t l[MAXL] = {0};
    unsigned w = k / 64, b = k % 64;
    for (uint32_t i = 0; i + w < a->n; i++) {
        l[i] = a->d[i + w] >> b;
        if (b && i + w + 1 < a->n) l[i] |= a->d[i + w + 1] << (64 - b);
    }
    return bn_make(l, a->n);
}

static unsigned bn_bits(const bn *a)
{
    uint64_t top = a->d[a->n - 1];
    return top ? 64 * (a->n - 1) + 64 - (unsigned)__builtin_clzll(top) : 0;
}

static int bn_bit(const bn *a, unsigned i) { return i / 64 < a->n && (a->d[i / 64] >> (i % 64) & 1); }

/* (a * b) mod m, operands kept */
static bn *bn_mulmod(const bn *a, const bn *b, const bn *m)
{
    bn *t = bn_mul(a, b);
    bn *r = bn_mod(t, m);
    bn_free(t);
    return r;
}

static bn *bn_gcd(const bn *x, const bn *y)
{
    bn *a = bn_copy(x), *b = bn_copy(y);
    while (!bn_is_zero(b)) {
        bn *t = bn_mod(a, b);
        bn_free(a);
        a = b;
        b = t;
    }
    bn_free(b);
    return a;
}

/* |a - b| */
static bn *bn_absdiff(const bn *a, const bn *b) { return bn_cmp(a, b) >= 0 ? bn_sub(a, b) : bn_sub(b, a); }

/* Decimal text of a (no malloc). */
static void bn_to_dec(const bn *a, char *out, size_t outlen)
{
    uint64_t l[MAXL], q[MAXL], r[1];
    const uint64_t ten19 = 10000000000000000000ULL;
    uint32_t n = a->n;
    memcpy(l, a->d, n * sizeof *l);
    char buf[80];
    size_t pos = sizeof buf;
    buf[--pos] = 0;
    for (;;) {
        divmod_limbs(l, n, &ten19, 1, q, r);
        memcpy(l, q, n * sizeof *l);
        while (n > 1 && l[n - 1] == 0) n--;
        int last = n == 1 && l[0] == 0;
        for (int k = 0; k < 19 && (!last || r[0]); k++) {
            buf[--pos] = (char)('0' + r[0] % 10);
            r[0] /= 10;
        }
        if (last) break;
    }
    if (!buf[pos]) buf[--pos] = '0';
    snprintf(out, outlen, "%s", buf + pos);
}

/* Miller-Rabin with the first 20 primes as bases. */
static const unsigned k_small_primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71};

static bn *bn_powmod(const bn *b, const bn *e, const bn *m)
{
    bn *r = bn_u64(1), *base = bn_mod(b, m);
    for (unsigned i = bn_bits(e); i-- > 0;) {
        bn *t = bn_mulmod(r, r, m);
        bn_free(r);
        r = t;
        if (bn_bit(e, i)) {
            t = bn_mulmod(r, base, m);
            bn_free(r);
            r = t;
        }
    }
    bn_free(base);
    return r;
}

static int bn_is_prime(const bn *n)
{
    if (n->n == 1 && n->d[0] < 2) return 0;
    for (size_t i = 0; i < sizeof k_small_primes / sizeof *k_small_primes; i++) {
        if (bn_is_u64(n, k_small_primes[i])) return 1;
        bn *p = bn_u64(k_small_primes[i]), *r = bn_mod(n, p);
        int z = bn_is_zero(r);
        bn_free(p);
        bn_free(r);
        if (z) return 0;
    }
    bn *one = bn_u64(1), *nm1 = bn_sub(n, one);
    unsigned s = 0;
    while (!bn_bit(nm1, s)) s++;
    bn *d = bn_shr(nm1, s);
    int prime = 1;
    for (size_t i = 0; prime && i < sizeof k_small_primes / sizeof *k_small_primes; i++) {
        bn *a = bn_u64(k_small_primes[i]);
        bn *x = bn_powmod(a, d, n);
        bn_free(a);
        if (!bn_is_one(x) && bn_cmp(x, nm1) != 0) {
            unsigned k;
            for (k = 1; k < s; k++) {
                bn *t = bn_mulmod(x, x, n);
                bn_free(x);
                x = t;
                if (bn_cmp(x, nm1) == 0) break;
            }
            if (k >= s) prime = 0;
        }
        bn_free(x);
    }
    bn_free(d);
    bn_free(nm1);
    bn_free(one);
    return prime;
}

/* y -> (y^2 + c) mod n; frees y */
static bn *rho_step(bn *y, const bn *c, const bn *n)
{
    bn *t = bn_mul(y, y);
    bn_free(y);
    bn *u = bn_add(t, c);
    bn_free(t);
    bn *r = bn_mod(u, n);
    bn_free(u);
    return r;
}

/* Pollard-Brent rho with start x0 and increment c: a factor of n, or n
 * itself when this (c, x0) failed. */
static bn *brent(const bn *n, uint64_t c0, uint64_t x0)
{
    enum { BATCH = 128 };
    bn *c = bn_u64(c0), *y = bn_u64(x0), *x = NULL, *ys = NULL, *q = bn_u64(1), *g = bn_u64(1);
    uint64_t r = 1;
    while (bn_is_one(g)) {
        bn_free(x);
        x = bn_copy(y);
        for (uint64_t i = 0; i < r; i++) y = rho_step(y, c, n);
        for (uint64_t k = 0; k < r && bn_is_one(g); k += BATCH) {
            bn_free(ys);
            ys = bn_copy(y);
            uint64_t lim = r - k < BATCH ? r - k : BATCH;
            for (uint64_t i = 0; i < lim; i++) {
                y = rho_step(y, c, n);
                bn *d = bn_absdiff(x, y);
                bn *t = bn_mulmod(q, d, n);
                bn_free(d);
                bn_free(q);
                q = t;
            }
            bn_free(g);
            g = bn_gcd(q, n);
        }
        r *= 2;
    }
    if (bn_cmp(g, n) == 0) { /* the batch overshot: redo it one step at a time */
        bn_free(g);
        g = bn_u64(1);
        for (uint64_t i = 0; i <= r && bn_is_one(g); i++) {
            ys = rho_step(ys, c, n);
            bn *d = bn_absdiff(x, ys);
            bn_free(g);
            g = bn_gcd(d, n);
            bn_free(d);
        }
    }
    bn_free(c);
    bn_free(y);
    bn_free(x);
    bn_free(ys);
    bn_free(q);
    return g;
}

#define MAXF 128

typedef struct fac_list {
    bn *f[MAXF];
    int n;
} fac_list;

static void add_factor(fac_list *fl, bn *p)
{
    if (fl->n == MAXF) wl_fatal("internal error: more than %d factors", MAXF);
    fl->f[fl->n++] = p;
}

/* Factor n (> 1, no prime factor below 1000) into primes; takes n. */
static void factor_rec(bn *n, fac_list *fl)
{
    if (bn_is_prime(n)) { add_factor(fl, n); return; }
    for (uint64_t c = 1;; c++) {
        bn *g = brent(n, c, 2);
        if (bn_cmp(g, n) != 0 && !bn_is_one(g)) {
            bn *h = bn_div(n, g);
            bn_free(n);
            factor_rec(g, fl);
            factor_rec(h, fl);
            return;
        }
        bn_free(g);
        if (c > 1000) wl_fatal("rho found no factor after 1000 increments");
    }
}

/* Trial division by the primes below 1000, then rho on the cofactor. */
static void factor(const bn *N, fac_list *fl)
{
    bn *n = bn_copy(N);
    for (uint64_t p = 2; p < 1000; p++) {
        int isp = 1;
        for (uint64_t k = 2; k * k <= p; k++) if (p % k == 0) { isp = 0; break; }
        if (!isp) continue;
        bn *pb = bn_u64(p);
        for (;;) {
            bn *r = bn_mod(n, pb);
            int z = bn_is_zero(r);
            bn_free(r);
            if (!z || bn_is_one(n)) break;
            bn *q = bn_div(n, pb);
            bn_free(n);
            n = q;
            add_factor(fl, bn_copy(pb));
        }
        bn_free(pb);
    }
    if (bn_is_one(n)) bn_free(n);
    else factor_rec(n, fl);
}

/* One copy of the benchmark. */
typedef struct cf_copy {
    int idx;
    const bn *N;
    fac_list fl;
    cf_stats st;
} cf_copy;

static wl_barrier *g_start;

static void run_copy(cf_copy *c)
{
    t_st = &c->st;
    factor(c->N, &c->fl);
}

/* Decimal text to a number below 2^96; NULL if it is not one. */
static bn *cf_parse(const char *s)
{
    u128 v = 0;
    size_t len = strlen(s);
    if (len == 0 || len > 29) return NULL; /* 10^29 > 2^96 */
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return NULL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v >> 96) return NULL;
    uint64_t l[2] = {(uint64_t)v, (uint64_t)(v >> 64)};
    return bn_make(l, 2);
}

static void *copy_thread(void *arg)
{
    cf_copy *c = arg;
    wl_pin_thread(c->idx);
    wl_barrier_wait(g_start);
    run_copy(c);
    return NULL;
}

/* The full run's number (workloads.tsv): a 96-bit semiprime,
 * 212634627769699 x 212561525056481. */
#define FULL_N "45197940758544384642035369219"

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "cfrac", "[N=" FULL_N "]",
            "cfrac analogue (BSDCan 2006): factors N (decimal, 4 <= N < 2^96, not prime) with Pollard-Brent rho on\n"
            "a naive bignum library whose numbers are individually malloc'd 16..32-byte immutable objects.\n"
            "Verifies and prints the factorisation; reports the run time and the share of 16..32-byte mallocs.\n"
            "--threads N runs N copies at once.",
            1, argc, argv);
    const char *g_ntext = o.npos > 0 ? o.pos[0] : FULL_N;
    cf_stats setup = {0};
    t_st = &setup;
    bn *N = cf_parse(g_ntext);
    if (!N) wl_usage_error("N must be a decimal integer below 2^96, got '%s'", g_ntext);
    if (N->n == 1 && N->d[0] < 4)
        wl_usage_error("N must be at least 4, got %s", g_ntext);
    if (bn_is_prime(N)) wl_usage_error("N is prime: %s", g_ntext);
    int nt = o.threads;

    cf_copy *cs = calloc((size_t)nt, sizeof *cs);
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    if (!cs || !th) wl_fatal("out of memory");
    wl_begin(&o, nt);
    g_start = wl_barrier_new(nt);
    for (int t = 0; t < nt; t++) {
        cs[t].idx = t;
        cs[t].N = N; /* immutable: the copies only read it */
    }
    for (int t = 1; t < nt; t++)
        if (pthread_create(&th[t], NULL, copy_thread, &cs[t]) != 0) wl_fatal("cannot create thread %d", t);
    wl_pin_thread(0);
    wl_barrier_wait(g_start);
    double t0 = wl_now();
    run_copy(&cs[0]);
    for (int t = 1; t < nt; t++) pthread_join(th[t], NULL);
    double el = wl_now() - t0;

    /* Verify every copy: product == N, each factor in (1, N) and prime. */
    cf_stats vst = {0};
    t_st = &vst;
    cf_stats tot = {0};
    for (int t = 0; t < nt; t++) {
        cf_copy *c = &cs[t];
        if (c->st.mallocs - c->st.frees != (uint64_t)c->fl.n) /* only the factors are still live */
            wl_fatal("copy %d: %llu numbers never freed", t,
                     (unsigned long long)(c->st.mallocs - c->st.frees - (uint64_t)c->fl.n));
        bn *prod = bn_u64(1);
        for (int i = 0; i < c->fl.n; i++) {
            const bn *f = c->fl.f[i];
            char d[64];
            bn_to_dec(f, d, sizeof d);
            if (bn_cmp(f, N) >= 0 || bn_is_zero(f) || bn_is_one(f)) wl_fatal("copy %d: trivial factor %s", t, d);
            if (!bn_is_prime(f)) wl_fatal("copy %d: factor %s is not prime", t, d);
            bn *p = bn_mul(prod, f);
            bn_free(prod);
            prod = p;
        }
        if (bn_cmp(prod, N) != 0 || c->fl.n < 2) wl_fatal("copy %d: the factors do not multiply back to %s", t, g_ntext);
        bn_free(prod);
        tot.mallocs += c->st.mallocs;
        tot.in_16_32 += c->st.in_16_32;
        for (int k = 0; k < 4; k++) tot.sz[k] += c->st.sz[k];
    }
    /* Print copy 0's factorisation (all copies found the same primes). */
    char line[1024];
    size_t ll = (size_t)snprintf(line, sizeof line, "%s =", g_ntext);
    for (int i = 0; i < cs[0].fl.n; i++) {
        char d[64];
        bn_to_dec(cs[0].fl.f[i], d, sizeof d);
        ll += (size_t)snprintf(line + ll, sizeof line - ll, "%s %s", i ? " *" : "", d);
    }
    printf("%s\n", line);
    double share = tot.mallocs ? (double)tot.in_16_32 / (double)tot.mallocs : 0;
    if (share <= 0.9) wl_fatal("only %.3f of the mallocs were 16..32 bytes", share);
    wl_result(&o, "time", el, "s", "lower",
              "mallocs=%llu share_16_32=%.4f mallocs_16=%llu mallocs_24=%llu mallocs_32=%llu factors=%d",
              (unsigned long long)tot.mallocs, share, (unsigned long long)tot.sz[1], (unsigned long long)tot.sz[2],
              (unsigned long long)tot.sz[3], cs[0].fl.n);
    for (int t = 0; t < nt; t++)
        for (int i = 0; i < cs[t].fl.n; i++) bn_free(cs[t].fl.f[i]);
    bn_free(N);
    wl_barrier_free(g_start);
    free(cs);
    free(th);
    return 0;
}
