/* ab_alloc.c: see ab_alloc.h. */
#include "ab_alloc.h"
#include "ab_parse.h"
#include "ab_util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *const ab_builtin_allocators[] = {
    "glibc", "jemalloc", "tcmalloc", "mimalloc", "tide", "tide-2006", "locked", NULL
};

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

static int builtin_spec(const char *name, const char *root, char **lib, char **env)
{
    *lib = NULL; *env = NULL;
    if (!strcmp(name, "glibc")) return 0;
    if (!strcmp(name, "jemalloc")) { *lib = ab_xstrdup(LIBDIR "libjemalloc.so.2"); return 0; }
    if (!strcmp(name, "tcmalloc")) { *lib = ab_xstrdup(LIBDIR "libtcmalloc_minimal.so.4"); return 0; }
    if (!strcmp(name, "mimalloc")) { *lib = ab_xstrdup(LIBDIR "libmimalloc.so.2"); return 0; }
    if (!strcmp(name, "tide")) { *lib = ab_xasprintf("%s/allocator/libtide.so", root); return 0; }
    if (!strcmp(name, "tide-2006")) {
        *lib = ab_xasprintf("%s/allocator/libtide.so", root);
        *env = ab_xstrdup("TIDE_CONF=preset:bsd2006");
        return 0;
    }
    if (!strcmp(name, "tide-secure")) {   /* not in `all`: the hardened mode, compared on demand */
        *lib = ab_xasprintf("%s/allocator/libtide.so", root);
        *env = ab_xstrdup("TIDE_CONF=preset:secure");
        return 0;
    }
    if (!strcmp(name, "locked")) { *lib = ab_xasprintf("%s/build/harness/liblocked.so", root); return 0; }
    return -1;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int push(ab_alloc **v, int *n, const char *name, char *lib, char *env, int builtin)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp((*v)[i].name, name)) {
            ab_err("allocator '%s' given twice", name);
            free(lib); free(env);
            return -1;
        }
    *v = ab_xrealloc(*v, sizeof(ab_alloc) * (size_t)(*n + 1));
    ab_alloc *a = &(*v)[*n];
    memset(a, 0, sizeof *a);
    a->name = ab_xstrdup(name);
    a->lib = lib;
    a->env = env;
    a->builtin = builtin;
    (*n)++;
    return 0;
}

int ab_alloc_parse(const char *list, const char *root, ab_alloc **out)
{
    ab_alloc *v = NULL;
    int n = 0;
    *out = NULL;
    if (!list || !*list) { ab_err("empty allocator list"); return -1; }
    char *copy = ab_xstrdup(list);
    char *save = NULL;
    int bad = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !bad; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) {
            if (!valid_name(tok, (size_t)(eq - tok))) { ab_err("bad allocator name in '%s' (use name=/path/lib.so, name of [A-Za-z0-9._-])", tok); bad = 1; break; }
            *eq = '\0';
            char *l0, *e0;
            int isb = builtin_spec(tok, root, &l0, &e0) == 0;
            free(l0); free(e0);
            if (isb || !strcmp(tok, "all")) {
                ab_err("allocator name '%s' is built in; choose another name for %s", tok, eq + 1);
                bad = 1; break;
            }
            /* name=/a.so:/b.so preloads a list, as LD_PRELOAD does (an
             * injection shim before an allocator): each path resolved. */
            ab_str libs = {0};
            char *psave = NULL;
            for (char *path = strtok_r(eq + 1, ":", &psave); path && !bad; path = strtok_r(NULL, ":", &psave)) {
                char real[PATH_MAX];
                if (!realpath(path, real)) { ab_err("allocator '%s': library '%s' not found", tok, path); bad = 1; }
                else ab_str_addf(&libs, "%s%s", libs.len ? ":" : "", real);
            }
            if (!bad && !libs.len) { ab_err("allocator '%s': no library given", tok); bad = 1; }
            if (bad || push(&v, &n, tok, ab_xstrdup(ab_str_c(&libs)), NULL, 0)) bad = 1;
            ab_str_free(&libs);
            if (bad) break;
            continue;
        }
        if (!strcmp(tok, "all")) {
            for (int i = 0; ab_builtin_allocators[i] && !bad; i++) {
                char *lib, *env;
                builtin_spec(ab_builtin_allocators[i], root, &lib, &env);
                if (push(&v, &n, ab_builtin_allocators[i], lib, env, 1)) bad = 1;
            }
            continue;
        }
        char *lib, *env;
        if (builtin_spec(tok, root, &lib, &env) != 0) {
            ab_str k = {0};
            for (int i = 0; ab_builtin_allocators[i]; i++) ab_str_addf(&k, "%s%s", i ? ", " : "", ab_builtin_allocators[i]);
            ab_err("unknown allocator '%s' (known: %s, tide-secure, or name=/path/lib.so)", tok, ab_str_c(&k));
            ab_str_free(&k);
            bad = 1; break;
        }
        if (push(&v, &n, tok, lib, env, 1)) bad = 1;
    }
    free(copy);
    if (!bad && n == 0) { ab_err("empty allocator list"); bad = 1; }
    for (int i = 0; i < n && !bad; i++) {
        if (v[i].lib && !strchr(v[i].lib, ':') && !ab_file_exists(v[i].lib)) {
            ab_err("allocator '%s': library %s not found%s", v[i].name, v[i].lib,
                   strstr(v[i].lib, "/usr/lib/") == v[i].lib ? " (run scripts/setup-deps.sh)" : " (run make)");
            bad = 1;
        }
    }
    if (bad) { ab_alloc_free(v, n); return -1; }
    *out = v;
    return n;
}

static char *package_of(const char *path)
{
    const char *cands[3] = { path, NULL, NULL };
    char real[PATH_MAX];
    char *alt = NULL;
    if (realpath(path, real)) cands[1] = real;
    if (cands[1] && !strncmp(cands[1], "/usr/lib/", 9)) alt = ab_xasprintf("%s", cands[1] + 4);
    cands[2] = alt;
    char *pkg = NULL;
    for (int i = 0; i < 3 && !pkg; i++) {
        if (!cands[i]) continue;
        char *q = ab_shell_quote(cands[i]);
        char *cmd = ab_xasprintf("dpkg-query -S %s 2>/dev/null | head -n1 | cut -d: -f1", q);
        pkg = ab_capture(cmd);
        free(cmd); free(q);
    }
    free(alt);
    return pkg;
}

int ab_alloc_probe(ab_alloc *a, const char *probe_bin, const char *root)
{
    ab_str cmd = {0};
    ab_str_add(&cmd, "env -u LD_PRELOAD -u TIDE_CONF");
    if (a->lib) { char *q = ab_shell_quote(a->lib); ab_str_addf(&cmd, " LD_PRELOAD=%s", q); free(q); }
    if (a->env) { char *q = ab_shell_quote(a->env); ab_str_addf(&cmd, " %s", q); free(q); }
    char *qb = ab_shell_quote(probe_bin);
    ab_str_addf(&cmd, " %s 2>&1", qb);
    free(qb);
    char *out = ab_capture(ab_str_c(&cmd));
    ab_str_free(&cmd);
    if (!out) { ab_err("allocator '%s': the probe %s failed to run under it", a->name, probe_bin); return -1; }
    ab_output o;
    ab_output_parse(out, &o);
    const char *file = o.has_allocator ? ab_kv_get(&o.allocator, "file") : NULL;
    if (!file) {
        ab_err("allocator '%s': the probe printed no allocator line: %.200s", a->name, out);
        ab_output_free(&o); free(out);
        return -1;
    }
    const char *ver = ab_kv_get(&o.allocator, "version");
    const char *api = ab_kv_get(&o.allocator, "api");
    const char *preset = ab_kv_get(&o.allocator, "preset");
    static const char pk[] = "TIDE_CONF=preset:";
    if (a->env && !strncmp(a->env, pk, sizeof pk - 1)) {
        const char *want = a->env + sizeof pk - 1;
        if (!preset || strcmp(preset, want) != 0) {
            ab_err("allocator '%s': %s did not take effect (the allocator reports preset %s)", a->name, a->env,
                   preset ? preset : "unknown");
            ab_output_free(&o); free(out);
            return -1;
        }
    }
    free(a->file); free(a->version); free(a->api);
    a->file = ab_xstrdup(file);
    a->version = preset && strcmp(preset, "default") ? ab_xasprintf("%s+preset:%s", ver ? ver : "unknown", preset)
                                                     : ab_xstrdup(ver ? ver : "unknown");
    a->api = ab_xstrdup(api ? api : "none");
    ab_output_free(&o);
    free(out);
    if (!ab_alloc_matches(a, a->file)) {
        ab_err("allocator '%s': malloc is served by %s, not by %s", a->name, a->file,
               a->lib ? a->lib : "libc.so.6");
        return -1;
    }
    free(a->package); free(a->package_version);
    char *pkg = package_of(a->file);
    if (pkg) {
        char *q = ab_shell_quote(pkg);
        char *c = ab_xasprintf("dpkg-query -W -f='${Version}' %s 2>/dev/null", q);
        char *pv = ab_capture(c);
        free(c); free(q);
        a->package = pkg;
        a->package_version = pv ? pv : ab_xstrdup("unknown");
    } else {
        char *q = ab_shell_quote(root);
        char *c = ab_xasprintf("git -C %s rev-parse --short HEAD 2>/dev/null", q);
        char *rev = ab_capture(c);
        free(c); free(q);
        a->package = ab_xstrdup("(built from this repository)");
        a->package_version = rev ? ab_xasprintf("git %s", rev) : ab_xstrdup("unknown");
        free(rev);
    }
    return 0;
}

int ab_alloc_matches(const ab_alloc *a, const char *reported)
{
    char r1[PATH_MAX], r2[PATH_MAX];
    if (!reported || !realpath(reported, r1)) return 0;
    if (a->lib) {   /* any library of a preload list */
        char *copy = ab_xstrdup(a->lib), *save = NULL;
        int hit = 0;
        for (char *l = strtok_r(copy, ":", &save); l && !hit; l = strtok_r(NULL, ":", &save))
            hit = realpath(l, r2) && strcmp(r1, r2) == 0;
        free(copy);
        return hit;
    }
    if (a->file && realpath(a->file, r2) && strcmp(r1, r2) == 0) return 1;
    const char *b = strrchr(r1, '/');
    b = b ? b + 1 : r1;
    return !strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5);
}

void ab_alloc_free(ab_alloc *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].name); free(v[i].lib); free(v[i].env); free(v[i].file);
        free(v[i].version); free(v[i].api); free(v[i].package); free(v[i].package_version);
    }
    free(v);
}
