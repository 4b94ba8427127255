/* progrun: runs a real program (perl, gs, ...) as an allocbench workload.
 *
 *   progrun [--threads N] [--pin P] [--metric time|cpu] [--setenv NAME=VALUE]...
 *           NAME EXPECT_FILE -- PROGRAM [ARGS...]
 *   progrun --hash-only FILE        (prints the EXPECT_FILE line for FILE)
 *
 * The program is forked and executed with the wrapper's environment, so it
 * inherits LD_PRELOAD and runs on the allocator under test. Its stdout goes
 * to an unlinked temporary file, its stderr passes through, its stdin is
 * /dev/null.
 *
 * Verification: the allocator line names the object mapped in the CHILD
 * (wl_maps_allocator on its /proc/<pid>/maps, polled every 2 ms once exec
 * has happened),
 * never the wrapper's own malloc. A child that exits before its maps can be
 * read is a failure (exit 1), not an unverified result.
 *
 * Output check: the whole stdout of the program is hashed (FNV-1a 64) and
 * compared with EXPECT_FILE, one line "fnv1a64=<16 hex> bytes=<n>" written
 * at build time from a run under the system allocator without LD_PRELOAD.
 * A mismatch is one line on stderr and exit 1, so a wrong result is never
 * reported as a (fast) run.
 *
 * Process tree: programs that fork others (gcc runs cc1) are checked too.
 * While the program runs, its descendants are listed every 5 ms
 * (/proc/<pid>/task/<tid>/children); each one that has exec'd another
 * executable (its /proc/<pid>/exe differs from its parent's) has its maps
 * read once libc is mapped, and must name the same allocator as the
 * program: a helper that escaped LD_PRELOAD is a failure (exit 1). The
 * count of checked descendants is the extra tree_procs.
 *
 * Result: --metric time (the default): the program's wall time, fork to
 * reap, seconds, lower is better; --metric cpu: its CPU time (user + sys
 * of the whole process tree, from wait4, which includes the descendants
 * it reaped), metric=cpu_time. peak_rss and cpu_s are the child's, from
 * wait4's rusage (peak_rss: the largest process of the tree); extras
 * wall_s, user_s, sys_s, out_bytes, tree_procs. --setenv NAME=VALUE sets a
 * variable in the program's environment only (PYTHONMALLOC=malloc), so
 * that the program itself, not an env(1) in front of it, is the process
 * whose maps are read. The child's allocator statistics
 * cannot be read from here, so the alloc-stats line says source=unavailable
 * with every field -1. These two lines are printed here in wl_result's exact
 * format because wl_result reports the calling process's own peak RSS, CPU
 * time and allocator statistics (the wrapper's).
 *
 * Exit status: 0 ok; 1 the program failed (non-zero exit, signal), its
 * output was wrong, or its allocator could not be read; 2 bad command line,
 * missing or corrupt EXPECT_FILE, PROGRAM cannot be executed.
 */
#include "common/wl.h"
#include "common/wl_maps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Seconds the loader may take to map libc into the child. */
#define MAPS_TIMEOUT_S 10.0

typedef struct {
    unsigned long long hash;
    unsigned long long bytes;
} out_digest;

/* FNV-1a 64 of everything readable from fd (from its current offset).
 * Returns 0, or -1 on a read error (errno set). */
static int digest_fd(int fd, out_digest *d)
{
    static unsigned char buf[1 << 16];
    d->hash = FNV_OFFSET;
    d->bytes = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) return 0;
        for (ssize_t i = 0; i < n; i++) {
            d->hash ^= buf[i];
            d->hash *= FNV_PRIME;
        }
        d->bytes += (unsigned long long)n;
    }
}

/* --hash-only FILE: print the expect line for FILE ("-" = stdin). */
static int hash_only(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "progrun: --hash-only takes exactly one FILE (try --help)\n");
        return 2;
    }
    int fd = strcmp(argv[2], "-") == 0 ? 0 : open(argv[2], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "progrun: cannot open %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    out_digest d;
    if (digest_fd(fd, &d) < 0) {
        fprintf(stderr, "progrun: cannot read %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    if (fd != 0) close(fd);
    printf("fnv1a64=%016llx bytes=%llu\n", d.hash, d.bytes);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Read EXPECT_FILE: exactly one line "fnv1a64=<16 hex> bytes=<n>\n".
 * Anything else is a usage error (exit 2). */
static void read_expect(const char *path, out_digest *d)
{
    FILE *f = fopen(path, "r");
    if (!f) wl_usage_error("cannot open EXPECT_FILE %s: %s", path, strerror(errno));
    char line[256], rest[8];
    char *got = fgets(line, sizeof line, f);
    int extra = fgets(rest, sizeof rest, f) != NULL;
    fclose(f);
    char hex[17];
    int pos = -1;
    if (!got || extra || sscanf(line, "fnv1a64=%16[0-9a-f] bytes=%llu%n", hex, &d->bytes, &pos) != 2 || pos < 0 ||
        strlen(hex) != 16 || strcmp(line + pos, "\n") != 0)
        wl_usage_error("corrupt EXPECT_FILE %s (want one line 'fnv1a64=<16 hex digits> bytes=<n>')", path);
    d->hash = strtoull(hex, NULL, 16);
}

/* Bind this process (and so the child, which inherits it) to the PU the
 * --pin policy picks for worker 0. wl_begin cannot be used: it prints the
 * wrapper's own allocator line. */
static void pin_process(const wl_opts *o)
{
    if (o->pin == WL_PIN_NONE) return;
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
        wl_fatal("hwloc: cannot load the machine topology");
    unsigned pu;
    if (wl_place_compute(topo, o->pin, 1, &pu) == 1) {
        fprintf(stderr, "progrun: --pin %s: %u\n", wl_pin_name(o->pin), pu);
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        if (set) {
            hwloc_bitmap_only(set, pu);
            if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) < 0)
                fprintf(stderr, "progrun: warning: cannot bind to PU %u: %s\n", pu, strerror(errno));
            hwloc_bitmap_free(set);
        }
    }
    hwloc_topology_destroy(topo);
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

/* Reap the child; returns its wait status, rusage in *ru. */
static int reap(pid_t pid, struct rusage *ru)
{
    int st;
    while (wait4(pid, &st, 0, ru) < 0)
        if (errno != EINTR) wl_fatal("wait4: %s", strerror(errno));
    return st;
}

/* One line and exit 1 when the status is not a clean exit 0. */
static void check_status(const char *name, const char *prog, int st)
{
    if (WIFSIGNALED(st))
        wl_fatal("%s: %s killed by signal %d (%s)", name, prog, WTERMSIG(st), strsignal(WTERMSIG(st)));
    if (!WIFEXITED(st)) wl_fatal("%s: %s ended with wait status %#x", name, prog, (unsigned)st);
    if (WEXITSTATUS(st) != 0) wl_fatal("%s: %s exited with status %d", name, prog, WEXITSTATUS(st));
}

/* ---- the process tree ---- */

#define TREE_MAX 256
#define TREE_POLL_S 0.005

typedef struct tree_proc {
    pid_t pid;
    int done;                 /* checked, or not to be checked */
} tree_proc;

typedef struct tree {
    tree_proc p[TREE_MAX];
    int n;
    int checked;              /* descendants whose maps were verified */
    char bad[2 * PATH_MAX + 64]; /* the first mismatch, "" when none */
} tree;

/* The executable of pid (realpath of /proc/<pid>/exe), or -1. */
static int proc_exe(pid_t pid, char *out, size_t n)
{
    char fn[64];
    snprintf(fn, sizeof fn, "/proc/%ld/exe", (long)pid);
    ssize_t k = readlink(fn, out, n - 1);
    if (k < 0) return -1;
    out[k] = '\0';
    return 0;
}

/* The parent of pid from /proc/<pid>/stat, or -1. */
static pid_t proc_ppid(pid_t pid)
{
    char fn[64], buf[512];
    snprintf(fn, sizeof fn, "/proc/%ld/stat", (long)pid);
    int fd = open(fn, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0) return -1;
    buf[k] = '\0';
    char *r = strrchr(buf, ')');
    long pp;
    if (!r || sscanf(r + 1, " %*c %ld", &pp) != 1) return -1;
    return (pid_t)pp;
}

static tree_proc *tree_find(tree *t, pid_t pid)
{
    for (int i = 0; i < t->n; i++)
        if (t->p[i].pid == pid) return &t->p[i];
    return NULL;
}

/* One round over the descendants of pid (depth-bounded): a new process that
 * runs another executable than its parent is checked once its maps show
 * libc; a process still running its parent's executable (forked, not yet
 * exec'd) is looked at again next round. */
static void tree_scan(tree *t, pid_t pid, const char *alloc, int depth)
{
    if (depth > 6) return;
    char dn[64];
    snprintf(dn, sizeof dn, "/proc/%ld/task", (long)pid);
    DIR *d = opendir(dn);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char fn[PATH_MAX];
        snprintf(fn, sizeof fn, "/proc/%ld/task/%s/children", (long)pid, e->d_name);
        FILE *f = fopen(fn, "re");
        if (!f) continue;
        long c;
        while (fscanf(f, "%ld", &c) == 1) {
            pid_t cp = (pid_t)c;
            tree_proc *tp = tree_find(t, cp);
            if (!tp && t->n < TREE_MAX) {
                tp = &t->p[t->n++];
                tp->pid = cp;
                tp->done = 0;
            }
            if (tp && !tp->done) {
                char exe[PATH_MAX], pexe[PATH_MAX], got[PATH_MAX];
                pid_t pp = proc_ppid(cp);
                if (proc_exe(cp, exe, sizeof exe) == 0 && pp > 0 && proc_exe(pp, pexe, sizeof pexe) == 0 &&
                    strcmp(exe, pexe) != 0 && wl_maps_allocator(cp, got, sizeof got) == 0) {
                    tp->done = 1;
                    t->checked++;
                    if (strcmp(got, alloc) != 0 && !t->bad[0])
                        snprintf(t->bad, sizeof t->bad, "%s (pid %ld) runs on %s", exe, (long)cp, got);
                }
            }
            tree_scan(t, cp, alloc, depth + 1);
        }
        fclose(f);
    }
    closedir(d);
}

/* Options of progrun's own (--metric, --setenv) are taken out of argv
 * before wl_init sees it; only those before "--" count. Returns the new
 * argc. */
static int take_own_options(int argc, char **argv, int *cpu_metric, char ***envs, int *nenv)
{
    int w = 1;
    *cpu_metric = 0;
    *nenv = 0;
    *envs = calloc((size_t)argc + 1, sizeof **envs);
    if (!*envs) wl_fatal("out of memory");
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) break;
        const char *val = NULL;
        int is_metric = !strncmp(a, "--metric", 8) && (a[8] == '\0' || a[8] == '=');
        int is_setenv = !strncmp(a, "--setenv", 8) && (a[8] == '\0' || a[8] == '=');
        if (!is_metric && !is_setenv) {
            argv[w++] = argv[i];
            if ((!strcmp(a, "--threads") || !strcmp(a, "--pin")) && i + 1 < argc) argv[w++] = argv[++i];
            continue;
        }
        if (a[8] == '=') val = a + 9;
        else if (i + 1 < argc) val = argv[++i];
        else wl_usage_error("option '%s' needs a value", a);
        if (is_metric) {
            if (!strcmp(val, "cpu")) *cpu_metric = 1;
            else if (!strcmp(val, "time")) *cpu_metric = 0;
            else wl_usage_error("--metric must be time or cpu, got '%s'", val);
        } else {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val) wl_usage_error("--setenv wants NAME=VALUE, got '%s'", val);
            (*envs)[(*nenv)++] = (char *)val;
        }
    }
    for (; i < argc; i++) argv[w++] = argv[i];
    argv[w] = NULL;
    return w;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--hash-only") == 0) return hash_only(argc, argv);

    wl_opts o;
    int cpu_metric, nenv;
    char **envs;
    /* wl_usage_error's prefix before wl_init has set it */
    wl_init(&o, "progrun", "", "", 0, 1, argv);
    free(o.pos);
    argc = take_own_options(argc, argv, &cpu_metric, &envs, &nenv);
    wl_init(&o, "progrun", "[--metric time|cpu] [--setenv NAME=VALUE]... NAME EXPECT_FILE -- PROGRAM [ARGS...]",
            "Runs PROGRAM (with the caller's environment, so under its LD_PRELOAD) as workload NAME:\n"
            "stdout to a temporary file, stderr passed through. Prints the allocator mapped in the\n"
            "program (from /proc/<pid>/maps), checks the FNV-1a 64 hash of its whole stdout against\n"
            "EXPECT_FILE and reports its wall time (metric time, seconds) with the program's peak RSS\n"
            "and CPU time from wait4. The programs are single-threaded: --threads is accepted and has\n"
            "no effect; --pin binds the program to the policy's first PU. --metric cpu reports the CPU time\n"
            "(user + sys of the program and the descendants it waited for) instead of the wall time;\n"
            "--setenv NAME=VALUE (repeatable) sets a variable for the program only. Descendants that exec\n"
            "another program must map the same allocator as the program.\n"
            "  progrun --hash-only FILE   prints the EXPECT_FILE line for FILE ('-' = stdin)",
            argc, argc, argv);

    /* Exactly NAME and EXPECT_FILE before "--", then PROGRAM [ARGS...].
     * wl_init drops the "--" but leaves pos[] pointing into argv. */
    int dd = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") || !strcmp(argv[i], "--pin")) { i++; continue; }
        if (!strcmp(argv[i], "--")) { dd = i; break; }
    }
    if (dd < 0) wl_usage_error("missing '--' before PROGRAM");
    if (o.npos < 3 || o.pos[2] != argv[dd + 1])
        wl_usage_error("want exactly NAME EXPECT_FILE before '--' and a PROGRAM after it");
    const char *name = o.pos[0];
    if (!*name || strpbrk(name, " \t\n=")) wl_usage_error("bad NAME '%s'", name);
    o.name = name;
    char **prog = &o.pos[2];
    out_digest want;
    read_expect(o.pos[1], &want);
    if (o.threads_given && o.threads != 1)
        fprintf(stderr, "progrun: %s runs single-threaded: --threads %d has no effect (reported as threads=1)\n", name,
                o.threads);
    o.threads = 1;
    pin_process(&o);

    const char *tmpdir = getenv("TMPDIR");
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/progrun-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int outfd = mkstemp(tmpl);
    if (outfd < 0) wl_fatal("cannot create a temporary file in %s: %s", tmpdir && *tmpdir ? tmpdir : "/tmp",
                            strerror(errno));
    unlink(tmpl);
    int nullfd = open("/dev/null", O_RDONLY);
    if (nullfd < 0) wl_fatal("cannot open /dev/null: %s", strerror(errno));
    /* The write end closes on a successful exec; a failed exec sends errno. */
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) wl_fatal("pipe: %s", strerror(errno));
    fflush(NULL);

    double t0 = wl_now();
    pid_t pid = fork();
    if (pid < 0) wl_fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        close(ep[0]);
        if (dup2(outfd, 1) < 0 || dup2(nullfd, 0) < 0) {
            int e = errno;
            if (write(ep[1], &e, sizeof e) < 0) _exit(127);
            _exit(127);
        }
        close(outfd);
        close(nullfd);
        for (int i = 0; i < nenv; i++) {
            char *eq = strchr(envs[i], '=');
            *eq = '\0';
            int r = setenv(envs[i], eq + 1, 1);
            *eq = '=';
            if (r < 0) {
                int e = errno;
                if (write(ep[1], &e, sizeof e) < 0) _exit(127);
                _exit(127);
            }
        }
        execvp(prog[0], prog);
        int e = errno;
        if (write(ep[1], &e, sizeof e) < 0) _exit(127);
        _exit(127);
    }
    close(ep[1]);
    close(nullfd);
    int cerr = 0;
    ssize_t n;
    while ((n = read(ep[0], &cerr, sizeof cerr)) < 0 && errno == EINTR) {}
    close(ep[0]);
    struct rusage ru;
    if (n > 0) {
        reap(pid, &ru);
        wl_usage_error("%s: cannot execute %s: %s", name, prog[0], strerror(cerr));
    }

    /* exec has happened: what the child maps now is the program's. Poll its
     * maps every 2 ms, with a wait4(WNOHANG) per round: a child that died is
     * a zombie whose maps read as empty, like a loader that has not mapped
     * libc yet. */
    char alloc[PATH_MAX];
    double deadline = wl_now() + MAPS_TIMEOUT_S;
    while (wl_maps_allocator(pid, alloc, sizeof alloc) < 0) {
        int st;
        pid_t r;
        while ((r = wait4(pid, &st, WNOHANG, &ru)) < 0 && errno == EINTR) {}
        if (r < 0) wl_fatal("wait4: %s", strerror(errno));
        if (r == pid) {
            check_status(name, prog[0], st);
            wl_fatal("%s: %s exited before its allocator could be read from /proc/%ld/maps (input too small?)", name,
                     prog[0], (long)pid);
        }
        if (wl_now() > deadline) {   /* alive, but libc never appeared (a static program?) */
            kill(pid, SIGKILL);
            reap(pid, &ru);
            wl_fatal("%s: cannot find the allocator of %s in /proc/%ld/maps within %.0f s", name, prog[0], (long)pid,
                     MAPS_TIMEOUT_S);
        }
        struct timespec d = {0, 2000000};
        nanosleep(&d, NULL);
    }
    printf("ALLOCBENCH allocator file=%s\n", alloc);
    fflush(stdout);

    /* Until the program ends: its descendants must run on the same
     * allocator (checked once each, after their exec). */
    static tree tr;
    int st;
    for (;;) {
        pid_t r;
        while ((r = wait4(pid, &st, WNOHANG, &ru)) < 0 && errno == EINTR) {}
        if (r < 0) wl_fatal("wait4: %s", strerror(errno));
        if (r == pid) break;
        tree_scan(&tr, pid, alloc, 0);
        struct timespec d = {0, (long)(TREE_POLL_S * 1e9)};
        nanosleep(&d, NULL);
    }
    double wall = wl_now() - t0;
    check_status(name, prog[0], st);
    if (tr.bad[0]) wl_fatal("%s: a process of the program's tree escaped the allocator: %s (the program runs on %s)",
                            name, tr.bad, alloc);

    out_digest got;
    if (lseek(outfd, 0, SEEK_SET) < 0 || digest_fd(outfd, &got) < 0)
        wl_fatal("%s: cannot read the program's output back: %s", name, strerror(errno));
    close(outfd);
    if (got.hash != want.hash)
        wl_fatal("%s: wrong output under %s (hash %016llx, expected %016llx)", name, alloc, got.hash, want.hash);
    if (got.bytes != want.bytes)
        wl_fatal("%s: wrong output under %s (hash %016llx as expected, but %llu bytes, expected %llu)", name, alloc,
                 got.hash, got.bytes, want.bytes);

    double user = tv_s(ru.ru_utime), sys = tv_s(ru.ru_stime);
    wl_result_child(&o, cpu_metric ? "cpu_time" : "time", cpu_metric ? user + sys : wall, "s", "lower",
                    (size_t)ru.ru_maxrss * 1024u, user + sys,
                    "wall_s=%.4f user_s=%.4f sys_s=%.4f out_bytes=%llu tree_procs=%d", wall, user, sys, got.bytes,
                    tr.checked);
    free(envs);
    if (fflush(stdout) != 0) wl_fatal("cannot write stdout: %s", strerror(errno));
    free(o.pos);
    return 0;
}
