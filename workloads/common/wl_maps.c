/* wl_maps.c: see wl_maps.h. */
#include "wl_maps.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wl_maps_known[] = {
    "libjemalloc", "libtcmalloc", "libmimalloc", "libtide", "liblocked",
    "libhoard", "libsnmalloc", "librpmalloc", NULL,
};

static const char *wl_maps_base(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int wl_maps_is_libc(const char *path) {
    const char *b = wl_maps_base(path);
    return strncmp(b, "libc.so", 7) == 0 || strncmp(b, "libc-", 5) == 0;
}

static int wl_maps_is_allocator(const char *path) {
    const char *b = wl_maps_base(path);
    for (int i = 0; wl_maps_known[i]; i++)
        if (strncmp(b, wl_maps_known[i], strlen(wl_maps_known[i])) == 0) return 1;
    return 0;
}

/* The canonical form of path (itself when realpath fails). */
static void wl_maps_canon(const char *path, char *out, size_t n) {
    char buf[PATH_MAX];
    snprintf(out, n, "%s", realpath(path, buf) ? buf : path);
}

int wl_maps_allocator(pid_t pid, char *out, size_t n) {
    char fn[64], line[PATH_MAX + 256], want[PATH_MAX] = "";
    snprintf(fn, sizeof fn, "/proc/%ld/maps", (long)pid);
    FILE *f = fopen(fn, "r");
    if (!f) return -1;
    const char *env = getenv("ALLOCBENCH_ALLOCATOR_FILE");
    if (env && *env) wl_maps_canon(env, want, sizeof want);
    char libc[PATH_MAX] = "", known[PATH_MAX] = "";
    int want_seen = 0;
    while (fgets(line, sizeof line, f)) {
        char *path = strchr(line, '/');
        if (!path) continue;
        path[strcspn(path, "\n")] = '\0';
        char c[PATH_MAX];
        wl_maps_canon(path, c, sizeof c);
        if (*want && strcmp(c, want) == 0) want_seen = 1;
        if (!*libc && wl_maps_is_libc(c)) snprintf(libc, sizeof libc, "%s", c);
        if (!*known && wl_maps_is_allocator(c)) snprintf(known, sizeof known, "%s", c);
    }
    fclose(f);
    if (!*libc) return -1;
    if (want_seen && !wl_maps_is_libc(want)) snprintf(out, n, "%s", want);
    else if (*known) snprintf(out, n, "%s", known);
    else snprintf(out, n, "%s", libc);
    return 0;
}
