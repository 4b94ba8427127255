/* base.c: bump allocation of metadata from 1 MiB mappings. */
#include "base.h"
#include "os.h"

#define BASE_BLOCK ((size_t)1 << 20)

static util_mutex_t base_lock = UTIL_MUTEX_INIT;
static char *base_cur, *base_end;   /* current block: [base_cur, base_end) unused */
static size_t base_total;

void *base_alloc(size_t size) {
    size = TIDE_ALIGN_UP(size, 64);
    util_lock(&base_lock);
    if ((size_t)(base_end - base_cur) < size) {
        size_t n = TIDE_MAX(BASE_BLOCK, TIDE_ALIGN_UP(size, 4096));
        char *b = os_map(n);
        if (!b) {
            util_unlock(&base_lock);
            return NULL;
        }
        base_total += n;
        base_cur = b;
        base_end = b + n;
    }
    void *p = base_cur;
    base_cur += size;
    util_unlock(&base_lock);
    return p;
}

size_t base_mapped(void) {
    util_lock(&base_lock);
    size_t n = base_total;
    util_unlock(&base_lock);
    return n;
}

void base_prefork(void) { util_lock(&base_lock); }
void base_postfork_parent(void) { util_unlock(&base_lock); }
void base_postfork_child(void) { util_mutex_reinit(&base_lock); }
