/*
 * init.h: lazy initialisation and the fork handlers (the thread-exit hook is
 * heap.c's, the exit-time statistics ctl.c's: they register themselves).
 * Initialisation runs on the first slow-path call, uses only mmap, getenv,
 * sysconf and the like, and never recurses: a call made while it runs
 * (pthread_atfork, pthread_key_create may allocate) is served from the
 * already-initialised arenas.
 */
#ifndef TIDE_INIT_H
#define TIDE_INIT_H

#include "util.h"

extern int init_state;            /* 0 none, 1 running, 2 arenas ready, 3 done */
TIDE_INLINE bool init_ready(void) { return __atomic_load_n(&init_state, __ATOMIC_ACQUIRE) >= 2; }
/* Initialise if needed. False if tide cannot work (no memory at all). */
bool init_ensure(void);

#endif
