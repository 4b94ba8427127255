/* bg.h: the optional background purge thread (mallctl "background_thread"). */
#ifndef TIDE_BG_H
#define TIDE_BG_H

#include "util.h"

/* Start or stop it. Returns 0, or an errno value. */
int bg_set(bool on);
bool bg_enabled(void);
void bg_prefork(void);
void bg_postfork_parent(void);
void bg_postfork_child(void);

#endif
