/*
 * ctl.h: jemalloc-compatible introspection: mallctl, mallctlnametomib,
 * mallctlbymib and malloc_stats_print (the exported functions are defined in
 * ctl.c). The name space is a static table; numeric components (<i>, <j>)
 * are parsed into the MIB.
 */
#ifndef TIDE_CTL_H
#define TIDE_CTL_H

#include "util.h"

/* Print the statistics report through write_cb (stderr when NULL). */
void ctl_stats_print(void (*write_cb)(void *, const char *), void *cbopaque, const char *opts);

#endif
