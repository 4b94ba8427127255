/* redis-gen.c: writes the RESP command streams of the capture scenario on
 * stdout, for `redis-cli --pipe`. Deterministic for a given seed.
 *
 *   redis-gen load   N SEED   phase 1: N keys key:<i>, mixed types and sizes
 *   redis-gen del    N SEED   phase 2: DEL a random 80 % of key:0..N-1
 *   redis-gen refill N SEED   phase 3: N keys new:<i>, a different size mix
 *   redis-gen ttl    B N SEED phase 4: batch B: N SETs ttl:<B>:<i> with PX 100..1500 ms
 *   redis-gen mix    N SEED   phase 5: N reads and writes on the surviving keys
 *
 * Mixes (v = value bytes, log-uniform in the range):
 *   load:   70 % strings v 10..1000; 10 % hashes of 4..32 fields, v 5..60;
 *           10 % lists of 4..48 elements, v 5..300; 10 % sets of 4..48 members, v 5..60
 *   refill: 40 % strings v 200..4000; 20 % strings v 10..40; 20 % hashes of 8..24
 *           fields, v 65..300 (hashtable encoding); 20 % lists of 8..48 elements, v 20..120
 *   mix:    half on key:*, half on new:*; by the key's type, 70 % reads (GET, HGET,
 *           LINDEX, SISMEMBER) and 30 % writes (SET v 10..1000, HSET, LPUSH+RPOP, SADD)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t g_rng;
static uint64_t rnd(void)
{
    uint64_t x = g_rng;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    g_rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static uint64_t urange(uint64_t lo, uint64_t hi) { return lo + rnd() % (hi - lo + 1); }
static size_t logu(double lo, double hi)
{
    double u = (double)(rnd() >> 11) / 9007199254740992.0;
    return (size_t)(exp(log(lo) + u * (log(hi) - log(lo))) + 0.5);
}

static char g_fill[8192];

/* Command assembly. */
static const char *g_arg[1024];
static size_t g_len[1024];
static int g_argc;
static char g_keybuf[1024][48];

static void arg(const char *s, size_t n) { g_arg[g_argc] = s; g_len[g_argc] = n; g_argc++; }
static void args(const char *s) { arg(s, strlen(s)); }
static void argv_fmt_key(const char *prefix, uint64_t a, uint64_t b, int two)
{
    char *k = g_keybuf[g_argc];
    int n = two ? snprintf(k, 48, "%s%llu:%llu", prefix, (unsigned long long)a, (unsigned long long)b)
                : snprintf(k, 48, "%s%llu", prefix, (unsigned long long)a);
    arg(k, (size_t)n);
}
static void value(size_t n) { arg(g_fill + rnd() % 1024, n); }
static void emit(void)
{
    printf("*%d\r\n", g_argc);
    for (int i = 0; i < g_argc; i++) {
        printf("$%zu\r\n", g_len[i]);
        fwrite(g_arg[i], 1, g_len[i], stdout);
        fputs("\r\n", stdout);
    }
    g_argc = 0;
}

/* Type of key:<i> in the load mix, a pure function of i. */
static int load_type(uint64_t i) { uint64_t h = (i * 0x9E3779B97F4A7C15ull) >> 33; return (int)(h % 10); }

static void gen_load(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        int t = load_type(i);
        if (t < 7) {
            args("SET"); argv_fmt_key("key:", i, 0, 0); value(logu(10, 1000));
        } else if (t == 7) {
            args("HSET"); argv_fmt_key("key:", i, 0, 0);
            for (uint64_t f = 0, nf = urange(4, 32); f < nf; f++) { argv_fmt_key("f", f, 0, 0); value(logu(5, 60)); }
        } else if (t == 8) {
            args("RPUSH"); argv_fmt_key("key:", i, 0, 0);
            for (uint64_t f = 0, nf = urange(4, 48); f < nf; f++) value(logu(5, 300));
        } else {
            args("SADD"); argv_fmt_key("key:", i, 0, 0);
            for (uint64_t f = 0, nf = urange(4, 48); f < nf; f++) argv_fmt_key("m", rnd() % 100000, 0, 0);
        }
        emit();
    }
}

static void gen_del(uint64_t n)
{
    uint32_t *perm = malloc(n * sizeof *perm);
    if (!perm) { fprintf(stderr, "redis-gen: out of memory\n"); exit(1); }
    for (uint64_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    for (uint64_t i = n; i > 1; i--) { uint64_t j = rnd() % i; uint32_t x = perm[i - 1]; perm[i - 1] = perm[j]; perm[j] = x; }
    for (uint64_t i = 0; i < n * 8 / 10; i++) { args("DEL"); argv_fmt_key("key:", perm[i], 0, 0); emit(); }
    free(perm);
}

/* Type of new:<i> in the refill mix (0-3 big string, 4-5 small string,
 * 6-7 hash, 8-9 list), a pure function of i. */
static int refill_type(uint64_t i) { uint64_t h = ((i + 77) * 0xD6E8FEB86659FD93ull) >> 33; return (int)(h % 10); }

static void gen_refill(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        int t = refill_type(i);
        if (t < 4) {
            args("SET"); argv_fmt_key("new:", i, 0, 0); value(logu(200, 4000));
        } else if (t < 6) {
            args("SET"); argv_fmt_key("new:", i, 0, 0); value(logu(10, 40));
        } else if (t < 8) {
            args("HSET"); argv_fmt_key("new:", i, 0, 0);
            for (uint64_t f = 0, nf = urange(8, 24); f < nf; f++) { argv_fmt_key("f", f, 0, 0); value(logu(65, 300)); }
        } else {
            args("RPUSH"); argv_fmt_key("new:", i, 0, 0);
            for (uint64_t f = 0, nf = urange(8, 48); f < nf; f++) value(logu(20, 120));
        }
        emit();
    }
}

static void gen_ttl(uint64_t b, uint64_t n)
{
    char px[32];
    for (uint64_t i = 0; i < n; i++) {
        args("SET"); argv_fmt_key("ttl:", b, i, 1); value(logu(10, 500));
        args("PX");
        int l = snprintf(px, sizeof px, "%llu", (unsigned long long)urange(100, 1500));
        arg(px, (size_t)l);
        emit();
    }
}

static void gen_mix(uint64_t n, uint64_t nload, uint64_t nrefill)
{
    for (uint64_t i = 0; i < n; i++) {
        int newkey = rnd() % 2;
        uint64_t k = newkey ? rnd() % nrefill : rnd() % nload;
        const char *pre = newkey ? "new:" : "key:";
        /* string / hash / list / set, by the key's type in its mix */
        int t = newkey ? refill_type(k) : load_type(k);
        int kind = newkey ? (t < 6 ? 0 : t < 8 ? 1 : 2) : (t < 7 ? 0 : t - 6);
        int write = rnd() % 10 < 3; /* 70 % reads, 30 % writes */
        switch (kind) {
        case 0:
            if (write) { args("SET"); argv_fmt_key(pre, k, 0, 0); value(logu(10, 1000)); }
            else { args("GET"); argv_fmt_key(pre, k, 0, 0); }
            break;
        case 1:
            if (write) { args("HSET"); argv_fmt_key(pre, k, 0, 0); argv_fmt_key("f", rnd() % 8, 0, 0); value(logu(5, 60)); }
            else { args("HGET"); argv_fmt_key(pre, k, 0, 0); argv_fmt_key("f", rnd() % 8, 0, 0); }
            break;
        case 2:
            if (write) { args("LPUSH"); argv_fmt_key(pre, k, 0, 0); value(logu(5, 300)); emit(); args("RPOP"); argv_fmt_key(pre, k, 0, 0); }
            else { args("LINDEX"); argv_fmt_key(pre, k, 0, 0); argv_fmt_key("", rnd() % 4, 0, 0); }
            break;
        default:
            if (write) { args("SADD"); argv_fmt_key(pre, k, 0, 0); argv_fmt_key("m", rnd() % 100000, 0, 0); }
            else { args("SISMEMBER"); argv_fmt_key(pre, k, 0, 0); argv_fmt_key("m", rnd() % 100000, 0, 0); }
            break;
        }
        emit();
    }
}

static uint64_t num(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || end == s || v == 0 || v > 100000000ull) {
        fprintf(stderr, "redis-gen: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof g_fill; i++) g_fill[i] = (char)('a' + (i * 7 + i / 26) % 26);
    if (argc == 4 && !strcmp(argv[1], "load")) { g_rng = num(argv[3]); gen_load(num(argv[2])); }
    else if (argc == 4 && !strcmp(argv[1], "del")) { g_rng = num(argv[3]); gen_del(num(argv[2])); }
    else if (argc == 4 && !strcmp(argv[1], "refill")) { g_rng = num(argv[3]); gen_refill(num(argv[2])); }
    else if (argc == 5 && !strcmp(argv[1], "ttl")) { g_rng = num(argv[4]) + num(argv[2]); gen_ttl(num(argv[2]), num(argv[3])); }
    else if (argc == 6 && !strcmp(argv[1], "mix")) { g_rng = num(argv[3]); gen_mix(num(argv[2]), num(argv[4]), num(argv[5])); }
    else {
        fprintf(stderr, "usage: redis-gen load|del|refill N SEED | ttl BATCH N SEED | mix N SEED NLOAD NREFILL\n");
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
