/* bg.c: the background purge thread. It wakes every quarter of the purge
 * delay (10 ms at least, 1 s at most) and purges what is due in every arena. */
#include "bg.h"
#include "arena.h"
#include "conf.h"

#include <errno.h>
#include <time.h>

static util_mutex_t bg_lock = UTIL_MUTEX_INIT;
static pthread_cond_t bg_cond;
static bool bg_cond_ready, bg_running, bg_stop;
static pthread_t bg_thread;

static void *bg_main(void *arg) {
    (void)arg;
    int64_t d = conf_opt.dirty_decay_ms > 0 ? conf_opt.dirty_decay_ms / 4 : 100;
    d = TIDE_MAX(10, TIDE_MIN(d, 1000));
    util_lock(&bg_lock);
    while (!bg_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += d * 1000000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&bg_cond, &bg_lock, &ts);
        if (bg_stop) break;
        util_unlock(&bg_lock);
        for (unsigned i = 0; i < arena_count(); i++) arena_maybe_purge(arena_get(i));
        util_lock(&bg_lock);
    }
    util_unlock(&bg_lock);
    return NULL;
}

int bg_set(bool on) {
    int err = 0;
    util_lock(&bg_lock);
    if (!bg_cond_ready) {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&bg_cond, &ca);
        pthread_condattr_destroy(&ca);
        bg_cond_ready = true;
    }
    if (on && !bg_running) {
        bg_stop = false;
        int e = errno;
        err = pthread_create(&bg_thread, NULL, bg_main, NULL);
        errno = e;
        bg_running = err == 0;
        util_unlock(&bg_lock);
    } else if (!on && bg_running) {
        bg_stop = true;
        pthread_cond_signal(&bg_cond);
        pthread_t t = bg_thread;
        bg_running = false;
        util_unlock(&bg_lock);
        pthread_join(t, NULL);
    } else {
        util_unlock(&bg_lock);
    }
    return err;
}

bool bg_enabled(void) {
    util_lock(&bg_lock);
    bool r = bg_running;
    util_unlock(&bg_lock);
    return r;
}

void bg_prefork(void) { util_lock(&bg_lock); }
void bg_postfork_parent(void) { util_unlock(&bg_lock); }
void bg_postfork_child(void) {
    /* The thread does not exist in the child; it is off there until asked again. */
    util_mutex_reinit(&bg_lock);
    bg_running = false;
    bg_stop = false;
    bg_cond_ready = false;   /* re-created by the next bg_set */
}
