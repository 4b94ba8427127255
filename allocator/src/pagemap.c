/* pagemap.c: leaves of the two-level slot map, mapped on demand. */
#include "pagemap.h"
#include "os.h"

static pagemap_leaf_t pagemap_zero_leaf;   /* stands for every leaf not yet mapped */
pagemap_leaf_t *pagemap_root[(size_t)1 << PAGEMAP_LG_ROOT] = {
    [0 ...((size_t)1 << PAGEMAP_LG_ROOT) - 1] = &pagemap_zero_leaf};
static util_mutex_t pagemap_lock = UTIL_MUTEX_INIT;
static size_t pagemap_nleaves;

static pagemap_leaf_t *pagemap_leaf(uintptr_t a) {
    size_t ri = a >> (PAGEMAP_LG_SLOT + PAGEMAP_LG_LEAF);
    pagemap_leaf_t *leaf = __atomic_load_n(&pagemap_root[ri], __ATOMIC_ACQUIRE);
    if (leaf != &pagemap_zero_leaf) return leaf;
    util_lock(&pagemap_lock);
    leaf = __atomic_load_n(&pagemap_root[ri], __ATOMIC_ACQUIRE);
    if (leaf == &pagemap_zero_leaf) {
        leaf = os_map(sizeof(pagemap_leaf_t));
        if (leaf) {
            __atomic_store_n(&pagemap_root[ri], leaf, __ATOMIC_RELEASE);
            __atomic_fetch_add(&pagemap_nleaves, 1, __ATOMIC_RELAXED);
        } else {
            leaf = NULL;
        }
    }
    util_unlock(&pagemap_lock);
    return leaf;
}

bool pagemap_set(void *p, size_t size, uintptr_t v) {
    uintptr_t a = (uintptr_t)p, end = a + size;
    TIDE_ASSERT((a & (PAGEMAP_SLOT - 1)) == 0 && (size & (PAGEMAP_SLOT - 1)) == 0);
    if (end >> 48) return false;
    for (; a < end; a += PAGEMAP_SLOT) {
        pagemap_leaf_t *leaf = pagemap_leaf(a);
        if (!leaf) return false;
        __atomic_store_n(&(*leaf)[(a >> PAGEMAP_LG_SLOT) & (((uintptr_t)1 << PAGEMAP_LG_LEAF) - 1)], v,
                         __ATOMIC_RELEASE);
    }
    return true;
}

bool pagemap_ensure(void *p, size_t size) {
    uintptr_t a = (uintptr_t)p & ~(PAGEMAP_SLOT - 1), end = (uintptr_t)p + size;
    if (end >> 48) return false;
    for (; a < end; a += PAGEMAP_SLOT)
        if (!pagemap_leaf(a)) return false;
    return true;
}

size_t pagemap_mapped(void) {
    return __atomic_load_n(&pagemap_nleaves, __ATOMIC_RELAXED) * sizeof(pagemap_leaf_t);
}

void pagemap_prefork(void) { util_lock(&pagemap_lock); }
void pagemap_postfork_parent(void) { util_unlock(&pagemap_lock); }
void pagemap_postfork_child(void) { util_mutex_reinit(&pagemap_lock); }
