/* init.c: lazy initialisation, fork handlers, the thread-exit hook. */
#include "init.h"
#include "arena.h"
#include "base.h"
#include "bg.h"
#include "conf.h"
#include "heap.h"
#include "huge.h"
#include "misuse.h"
#include "os.h"
#include "pagemap.h"
#include "secure.h"
#include "stats.h"

int init_state;   /* __atomic builtins only */
static util_mutex_t init_lock = UTIL_MUTEX_INIT;

/* Fork: take every lock in one global order, so that no other thread is
 * inside the allocator while the address space is copied. */
static void init_prefork(void) {
    bg_prefork();
    secure_prefork();
    stats_prefork();
    heap_prefork();
    arena_prefork();
    huge_prefork();
    pagemap_prefork();
    base_prefork();
}
static void init_postfork_parent(void) {
    base_postfork_parent();
    pagemap_postfork_parent();
    huge_postfork_parent();
    arena_postfork_parent();
    heap_postfork_parent();
    stats_postfork_parent();
    secure_postfork_parent();
    bg_postfork_parent();
}
static void init_postfork_child(void) {
    base_postfork_child();
    pagemap_postfork_child();
    huge_postfork_child();
    arena_postfork_child();
    heap_postfork_child();
    stats_postfork_child();
    secure_postfork_child();
    bg_postfork_child();
}

bool init_ensure(void) {
    if (init_ready()) return true;
    util_lock(&init_lock);
    if (__atomic_load_n(&init_state, __ATOMIC_RELAXED) == 0) {
        /* Phase 1: nothing here may call malloc. */
        __atomic_store_n(&init_state, 1, __ATOMIC_RELAXED);
        conf_init(os_ncpus());
        misuse_boot();
        if (conf_opt.secure) slab_link_key = misuse_key * 0xbf58476d1ce4e5b9u | 1;   /* never 0 */
        if (!arena_boot(conf_opt.narenas, &heap_bin_none) || !heap_boot()) {
            __atomic_store_n(&init_state, 0, __ATOMIC_RELEASE);
            util_unlock(&init_lock);
            return false;
        }
        __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
        /* Phase 2: these may allocate; that is served by the shared heaps. */
        heap_boot_threads();
        pthread_atfork(init_prefork, init_postfork_parent, init_postfork_child);
        if (conf_opt.background_thread) bg_set(true);
        __atomic_store_n(&init_state, 3, __ATOMIC_RELEASE);
    }
    util_unlock(&init_lock);
    return init_ready();
}

/* Initialise at load time too, so that the first malloc seldom pays for it. */
__attribute__((constructor)) static void init_at_load(void) { init_ensure(); }

