/*
 * ab_alloc.h: the allocators allocbench knows, how each one is loaded
 * (LD_PRELOAD and extra environment), and the pre-flight probe that checks
 * which object really serves malloc and records its version and package.
 */
#ifndef AB_ALLOC_H
#define AB_ALLOC_H

/* One allocator to measure.
 * Invariants: name is non-empty and contains only [A-Za-z0-9._-];
 * lib is NULL exactly for glibc (no LD_PRELOAD), otherwise an absolute
 * path or a ':'-separated list of them (name=/a.so:/b.so: a preload list,
 * e.g. an injection shim before an allocator; the probe accepts malloc
 * from any of them); env is NULL or one "KEY=VALUE" string. After ab_alloc_probe()
 * succeeds, file is the real path of the object defining malloc in a child
 * started with this allocator's environment, and version/package/
 * package_version are non-NULL (possibly "unknown"). */
typedef struct ab_alloc {
    char *name;
    char *lib;
    char *env;
    int   builtin;
    char *file;
    char *version;
    char *api;
    char *package;
    char *package_version;
} ab_alloc;

/* Names of the built-in allocators, in the default order; NULL-terminated. */
extern const char *const ab_builtin_allocators[];

/* Parse a comma list of names ("all" = every built-in; name=/path/lib.so
 * for any other). root is the repository root used for tide and locked.
 * Checks that every library file exists. Returns the count, or -1 after
 * printing one error line. */
int  ab_alloc_parse(const char *list, const char *root, ab_alloc **out);

/* Run the probe binary under the allocator's environment; fill file,
 * version and api; check that malloc comes from lib (or from libc for
 * glibc). Returns 0, or -1 after printing one error line. */
int  ab_alloc_probe(ab_alloc *a, const char *probe_bin, const char *root);

/* The environment changes for a child: sets *preload (NULL = unset
 * LD_PRELOAD) and *extra (NULL or "K=V"). */
void ab_alloc_free(ab_alloc *a, int n);

/* Does the object path a workload reported match this allocator's file
 * (after realpath)? */
int  ab_alloc_matches(const ab_alloc *a, const char *reported);

#endif /* AB_ALLOC_H */
