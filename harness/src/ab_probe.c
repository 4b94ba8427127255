/*
 * ab_probe.c: started by allocbench under each allocator's environment
 * before any result is recorded. Prints one line
 *   ALLOCBENCH allocator file=<object defining malloc> version=<v> api=<api>
 * where the version comes from the allocator itself: mallctl("version")
 * (jemalloc, tide), mi_version() (mimalloc), tc_version() (gperftools),
 * locked_version() (the locked baseline) or gnu_get_libc_version() (glibc).
 * Where mallctl answers "opt.preset" (tide), preset=<name> is added.
 */
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*mi_version_fn)(void);
typedef const char *(*tc_version_fn)(int *, int *, const char **);
typedef const char *(*str_fn)(void);

/* Symbol sym, only if it is defined in the object whose base is base. */
static void *sym_in(void *h, const char *sym, void *base)
{
    void *p = dlsym(h, sym);
    Dl_info di;
    if (!p || !dladdr(p, &di) || di.dli_fbase != base) return NULL;
    return p;
}

int main(void)
{
    Dl_info di;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    char path[PATH_MAX];
    if (!m || !dladdr(m, &di) || !di.dli_fname) { puts("ALLOCBENCH allocator file=unknown"); return 1; }
    if (!realpath(di.dli_fname, path)) snprintf(path, sizeof path, "%s", di.dli_fname);
    void *h = dlopen(di.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
    char ver[256] = "unknown";
    char preset[64] = "";
    const char *api = "none";
    void *p;
    if (h && (p = sym_in(h, "mallctl", di.dli_fbase))) {
        const char *v = NULL;
        size_t len = sizeof v;
        if (((mallctl_fn)(uintptr_t)p)("version", &v, &len, NULL, 0) == 0 && v) snprintf(ver, sizeof ver, "%s", v);
        api = "mallctl";
        const char *pre = NULL;
        len = sizeof pre;
        if (((mallctl_fn)(uintptr_t)p)("opt.preset", &pre, &len, NULL, 0) == 0 && pre)
            snprintf(preset, sizeof preset, "%s", pre);
    } else if (h && (p = sym_in(h, "mi_version", di.dli_fbase))) {
        int v = ((mi_version_fn)(uintptr_t)p)();
        snprintf(ver, sizeof ver, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
        api = "mimalloc";
    } else if (h && (p = sym_in(h, "tc_version", di.dli_fbase))) {
        int ma = 0, mi = 0;
        const char *pa = NULL;
        const char *s = ((tc_version_fn)(uintptr_t)p)(&ma, &mi, &pa);
        snprintf(ver, sizeof ver, "%d.%d%s", ma, mi, pa ? pa : "");
        (void)s;
        api = "tcmalloc";
    } else if (h && (p = sym_in(h, "locked_version", di.dli_fbase))) {
        snprintf(ver, sizeof ver, "%s", ((str_fn)(uintptr_t)p)());
        api = "mallinfo2";
    } else {
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        if (!strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5)) {
            snprintf(ver, sizeof ver, "%s", gnu_get_libc_version());
            api = "mallinfo2";
        }
    }
    /* The version must not contain blanks (key=value convention). */
    for (char *c = ver; *c; c++) if (*c == ' ' || *c == '\t') *c = '_';
    void *x = malloc(64);
    for (char *c = preset; *c; c++) if (*c == ' ' || *c == '\t') *c = '_';
    printf("ALLOCBENCH allocator file=%s version=%s api=%s%s%s\n", path, ver, api,
           *preset ? " preset=" : "", preset);
    free(x);
    return 0;
}
