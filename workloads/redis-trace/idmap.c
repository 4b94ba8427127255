/* idmap.c: see idmap.h. */
#include "idmap.h"

#include <string.h>
#include <sys/mman.h>

/* Arrays come from mmap, not malloc: the replayer builds its maps before a
 * replay, and must leave the heap of the allocator under test untouched. */
static void *arr_alloc(size_t n)
{
    void *p = mmap(NULL, n * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static void arr_free(void *p, size_t n) { if (p) munmap(p, n * sizeof(uint64_t)); }

static size_t slot_of(uint64_t k, size_t cap) { return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1); }

void im_init(im_map *m) { m->keys = m->vals = NULL; m->cap = m->count = 0; }
void im_free(im_map *m) { arr_free(m->keys, m->cap); arr_free(m->vals, m->cap); im_init(m); }

static int grow(im_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    uint64_t *nk = arr_alloc(ncap), *nv = arr_alloc(ncap); /* zero-filled */
    if (!nk || !nv) { arr_free(nk, ncap); arr_free(nv, ncap); return -1; }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = slot_of(m->keys[i], ncap);
        while (nk[j]) j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    arr_free(m->keys, m->cap); arr_free(m->vals, m->cap);
    m->keys = nk; m->vals = nv; m->cap = ncap;
    return 0;
}

int im_put(im_map *m, uint64_t key, uint64_t val)
{
    if (!key) return -1;
    if ((m->count + 1) * 2 > m->cap && grow(m) < 0) return -1;
    size_t i = slot_of(key, m->cap);
    while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) { m->keys[i] = key; m->count++; }
    m->vals[i] = val;
    return 0;
}

uint64_t *im_get(const im_map *m, uint64_t key)
{
    if (!key || !m->cap) return NULL;
    for (size_t i = slot_of(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) return &m->vals[i];
    return NULL;
}

int im_del(im_map *m, uint64_t key, uint64_t *val)
{
    if (!key || !m->cap) return 0;
    size_t mask = m->cap - 1, i = slot_of(key, m->cap);
    while (m->keys[i] && m->keys[i] != key) i = (i + 1) & mask;
    if (!m->keys[i]) return 0;
    if (val) *val = m->vals[i];
    size_t j = i;
    for (;;) {
        m->keys[i] = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->keys[j]) { m->count--; return 1; }
            size_t h = slot_of(m->keys[j], m->cap);
            if (i <= j ? (i < h && h <= j) : (i < h || h <= j)) continue;
            break;
        }
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        i = j;
    }
}
