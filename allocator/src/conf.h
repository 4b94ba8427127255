/*
 * conf.h: options, from TIDE_CONF ("key:value,key:value", jemalloc's
 * MALLOC_CONF syntax). A bad key or value prints one line naming it and is
 * otherwise ignored. Parsed once, at initialisation, without allocating.
 */
#ifndef TIDE_CONF_H
#define TIDE_CONF_H

#include "util.h"

struct conf {
    unsigned narenas;          /* 0 before init; default 4 x CPUs */
    bool tcache;               /* per-thread cache layer (false: 2006 design) */
    int64_t dirty_decay_ms;    /* purge delay; -1 never, 0 immediately */
    int64_t class_refine_kb;   /* KiB of one coarse class's slabs in an arena that
                                  refine it (sc.h); -1 never, 0 at its first slab */
    bool background_thread;    /* purge from a background thread */
    bool stats_print;          /* malloc_stats_print at exit */
    const char *stats_opts;    /* its opts string ("" by default; "P": the 2006 paper's layout) */
    bool bsd2006;              /* preset:bsd2006 was given */
    bool abort_on_misuse;      /* misuse (double or invalid free) aborts; false: ignored and counted */
    bool secure;               /* preset:secure: the hardened mode (misuse.h) */
    const char *preset;        /* "default", "bsd2006" or "secure" */
};
extern struct conf conf_opt;

#define CONF_DEFAULT_DECAY_MS 1000
#define CONF_DEFAULT_REFINE_KB 4096

void conf_init(unsigned ncpus);
/* Parse one option string (exposed for tests). Returns the number of bad entries. */
int conf_parse(const char *s);

#endif
