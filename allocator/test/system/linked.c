/*
 * linked.c: a program linked against tide at build time, not preloaded:
 * with -ltide (built with -DEXPECT_SHARED; the shared library is found
 * through the rpath) or with allocator/libtide.a copied into the executable.
 * It checks that tide really serves malloc, for the program and for libc's
 * own internal allocations:
 *   - malloc as the dynamic linker resolves it lives in libtide.so (shared)
 *     or in this executable (static);
 *   - mallctl("version") answers with tide's version string;
 *   - an 8 MiB strdup made inside libc raises tide's stats.allocated by at
 *     least 8 MiB (after an "epoch" refresh), and lowers it again when freed.
 * Prints one PASS or FAIL line per check; exit status 0 when all pass.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tide.h"

#ifdef EXPECT_SHARED
#define NAME "linked_dyn"
#else
#define NAME "linked_static"
#endif

static int nfail;

static void report(int ok, const char *what, const char *detail)
{
    printf("%s %s/%s%s%s\n", ok ? "PASS" : "FAIL", NAME, what, detail[0] ? ": " : "", detail);
    if (!ok)
        nfail++;
}

static size_t allocated(void)
{
    uint64_t epoch = 1;
    size_t sz = sizeof epoch, v = 0;
    if (mallctl("epoch", &epoch, &sz, &epoch, sz) != 0)
        return (size_t)-1;
    sz = sizeof v;
    if (mallctl("stats.allocated", &v, &sz, NULL, 0) != 0)
        return (size_t)-1;
    return v;
}

int main(void)
{
    char detail[4200];

    /* 1. Where does malloc come from? */
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info = { 0 };
    char self[4096] = "";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        self[n] = '\0';
    int ok = m && dladdr(m, &info) && info.dli_fname;
#ifdef EXPECT_SHARED
    ok = ok && strstr(info.dli_fname, "libtide.so") != NULL;
#else
    /* The executable's own entry in the link map has the name "" or its path. */
    ok = ok && (info.dli_fname[0] == '\0' || strcmp(info.dli_fname, self) == 0 ||
                strstr(info.dli_fname, NAME) != NULL);
#endif
    snprintf(detail, sizeof detail, "malloc resolved in '%s'", ok || info.dli_fname ? info.dli_fname : "?");
    report(ok, "malloc_source", detail);

    /* 2. mallctl answers with tide's version. */
    const char *ver = NULL;
    size_t sz = sizeof ver;
    int rc = mallctl("version", &ver, &sz, NULL, 0);
    ok = rc == 0 && ver && strstr(ver, TIDE_VERSION) && strstr(ver, "tide");
    snprintf(detail, sizeof detail, "mallctl(\"version\") = %d, \"%s\"", rc, ver ? ver : "(null)");
    report(ok, "mallctl_version", detail);

    /* 3. libc's internal allocations are served by tide too. */
    size_t big = (size_t)8 << 20;
    char *src = malloc(big + 1);
    if (!src) {
        report(0, "libc_internal", "malloc of 8 MiB failed");
        return 1;
    }
    memset(src, 'x', big);
    src[big] = '\0';
    size_t before = allocated();
    char *dup = strdup(src); /* malloc called from inside libc */
    size_t during = allocated();
    free(dup);
    size_t after = allocated();
    ok = dup && before != (size_t)-1 && during >= before + big && after + big <= during;
    snprintf(detail, sizeof detail, "stats.allocated %zu -> %zu (strdup of 8 MiB) -> %zu (freed)", before, during,
             after);
    report(ok, "libc_internal", detail);
    free(src);
    return nfail ? 1 : 0;
}
