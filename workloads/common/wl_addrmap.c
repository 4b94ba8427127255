/* wl_addrmap.c: recording heap events and writing the address x time map
 * (see wl_addrmap.h). No malloc anywhere in this file. */
#include "wl_addrmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { OP_NONE = 0, OP_ALLOC = 1, OP_FREE = 2, MORE = 4 };
#define BUCKET_SHIFT 16 /* 64 KiB buckets */

static void *map_anon(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int wl_addrmap_init(wl_addrmap *m, size_t cap_hint)
{
    memset(m, 0, sizeof *m);
    size_t cap = cap_hint > 4096 ? cap_hint : 4096;
    m->rec = map_anon(cap * sizeof *m->rec);
    if (!m->rec) { m->failed = 1; return -1; }
    m->cap = cap;
    return 0;
}

void wl_addrmap_free_all(wl_addrmap *m)
{
    if (m->rec) munmap(m->rec, m->cap * sizeof *m->rec);
    memset(m, 0, sizeof *m);
}

/* Room for two more records (the most one event takes); 0 or -1. */
static int reserve(wl_addrmap *m)
{
    if (m->failed) return -1;
    if (m->n + 2 <= m->cap) return 0;
    size_t ncap = m->cap ? 2 * m->cap : 4096;
    void *p = m->rec ? mremap(m->rec, m->cap * sizeof *m->rec, ncap * sizeof *m->rec, MREMAP_MAYMOVE)
                     : mmap(NULL, ncap * sizeof *m->rec, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) { m->failed = 1; return -1; }
    m->rec = p;
    m->cap = ncap;
    return 0;
}

static void put(wl_addrmap *m, uint64_t addr, uint64_t size, unsigned flags)
{
    m->rec[m->n].addr = addr;
    m->rec[m->n].word = size << 3 | flags;
    m->n++;
    if (!(flags & MORE)) m->events++;
}

void wl_addrmap_alloc(wl_addrmap *m, uint64_t addr, uint64_t size)
{
    if (reserve(m) < 0) return;
    put(m, addr, size, size ? OP_ALLOC : OP_NONE);
}

void wl_addrmap_free(wl_addrmap *m, uint64_t addr, uint64_t size)
{
    if (reserve(m) < 0) return;
    put(m, addr, size, size ? OP_FREE : OP_NONE);
}

void wl_addrmap_realloc(wl_addrmap *m, uint64_t oldaddr, uint64_t oldsize, uint64_t newaddr, uint64_t newsize)
{
    if (reserve(m) < 0) return;
    if (oldsize) put(m, oldaddr, oldsize, OP_FREE | (newsize ? MORE : 0));
    if (newsize) put(m, newaddr, newsize, OP_ALLOC);
    if (!oldsize && !newsize) put(m, 0, 0, OP_NONE);
}

void wl_addrmap_tick(wl_addrmap *m)
{
    if (reserve(m) < 0) return;
    put(m, 0, 0, OP_NONE);
}

/* In-place heapsort of a[0..n) (qsort may malloc a merge buffer). */
static void sift(uint64_t *a, size_t i, size_t n)
{
    uint64_t v = a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1] > a[c]) c++;
        if (a[c] <= v) break;
        a[i] = a[c];
        i = c;
    }
    a[i] = v;
}

static void sort_u64(uint64_t *a, size_t n)
{
    if (n < 2) return;
    for (size_t i = n / 2; i-- > 0;) sift(a, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end);
    }
}

/* Index of k in the sorted array b[0..n), or n when absent. */
static size_t find(const uint64_t *b, size_t n, uint64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid] < k) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && b[lo] == k ? lo : n;
}

/* Add (sign = +1) or remove (-1) the bytes [a, a + n) from the rows. */
static void account(double *used, const uint64_t *b, size_t nu, size_t g, uint64_t a, uint64_t n, double sign)
{
    uint64_t e = a + n;
    while (a < e) {
        uint64_t k = a >> BUCKET_SHIFT, hi = (k + 1) << BUCKET_SHIFT;
        uint64_t c = (e < hi ? e : hi) - a;
        size_t f = find(b, nu, k);
        if (f < nu) used[f / g] += sign * (double)c;
        a += c;
    }
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return -1;
    int rc = write_all(fd, buf, len);
    if (close(fd) < 0) rc = -1;
    return rc;
}

int wl_addrmap_write(const wl_addrmap *m, const char *dir, const char *base, char *err, size_t errlen)
{
    if (m->failed) {
        snprintf(err, errlen, "records lost: the address map buffer could not grow past %zu records", m->cap);
        return -1;
    }
    int rc = -1;
    uint64_t *b = NULL;
    double *used = NULL;
    float *mat = NULL;
    size_t nbcap = 0, rows = 0, nb = 0;

    /* Buckets touched by any allocation (consecutive repeats skipped here,
     * the rest removed after sorting). */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t last = UINT64_MAX;
        nb = 0;
        for (size_t i = 0; i < m->n; i++) {
            const wl_addrmap_rec *r = &m->rec[i];
            if ((r->word & 3) != OP_ALLOC) continue;
            uint64_t a = r->addr, size = r->word >> 3;
            for (uint64_t k = a >> BUCKET_SHIFT; k <= (a + size - 1) >> BUCKET_SHIFT; k++) {
                if (k == last) continue;
                if (pass) b[nb] = k;
                nb++;
                last = k;
            }
        }
        if (!pass) {
            nbcap = nb;
            b = map_anon(nbcap * sizeof *b);
            if (!b) goto oom;
        }
    }
    sort_u64(b, nb);
    size_t nu = 0;
    for (size_t i = 0; i < nb; i++)
        if (!nu || b[nu - 1] != b[i]) b[nu++] = b[i];
    size_t g = (nu + WL_ADDRMAP_MAX_ROWS - 1) / WL_ADDRMAP_MAX_ROWS;
    if (!g) g = 1;
    rows = (nu + g - 1) / g;
    used = map_anon((rows + 1) * sizeof *used);
    mat = map_anon((rows + 1) * WL_ADDRMAP_COLS * sizeof *mat);
    if (!used || !mat) goto oom;

    size_t col = 0, ev = 0;
    for (size_t i = 0; i < m->n; i++) {
        const wl_addrmap_rec *r = &m->rec[i];
        uint64_t size = r->word >> 3;
        if ((r->word & 3) == OP_ALLOC) account(used, b, nu, g, r->addr, size, 1);
        else if ((r->word & 3) == OP_FREE) account(used, b, nu, g, r->addr, size, -1);
        if (r->word & MORE) continue;
        ev++;
        size_t c = (size_t)(ev * WL_ADDRMAP_COLS / m->events);
        while (col < c && col < WL_ADDRMAP_COLS) {
            for (size_t row = 0; row < rows; row++)
                mat[row * WL_ADDRMAP_COLS + col] = (float)(used[row] / (65536.0 * (double)g));
            col++;
        }
    }

    char path[4096], txt[512];
    snprintf(path, sizeof path, "%s/%s.f32", dir, base);
    if (write_file(path, mat, rows * WL_ADDRMAP_COLS * sizeof *mat) < 0) goto wfail;
    snprintf(path, sizeof path, "%s/%s.txt", dir, base);
    int tl = snprintf(txt, sizeof txt,
                      "cols %d\nrows %zu\nbuckets_per_row %zu\nbucket_bytes 65536\nevents %zu\nbuckets %zu\n"
                      "first_bucket 0x%llx\nlast_bucket 0x%llx\n",
                      WL_ADDRMAP_COLS, rows, g, m->events, nu,
                      nu ? (unsigned long long)(b[0] << BUCKET_SHIFT) : 0ull,
                      nu ? (unsigned long long)(b[nu - 1] << BUCKET_SHIFT) : 0ull);
    if (write_file(path, txt, (size_t)tl) < 0) goto wfail;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory (address map)");
    goto out;
wfail:
    snprintf(err, errlen, "cannot write %s", path);
out:
    if (b) munmap(b, (nbcap ? nbcap : 1) * sizeof *b);
    if (used) munmap(used, (rows + 1) * sizeof *used);
    if (mat) munmap(mat, (rows + 1) * WL_ADDRMAP_COLS * sizeof *mat);
    return rc;
}
