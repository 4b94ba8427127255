/* dbbench: the server benchmark of Evans' BSDCan 2006 paper (Fig. 7,
 * super-smack select-key against MySQL), with Debian's MariaDB server under
 * the allocator being measured and sysbench's oltp_point_select as the
 * client.
 *
 *   dbbench [--threads N] [--pin P] [events=200000] [table_size=10000]
 *
 * --threads N is the number of sysbench client threads (connections); the
 * EVENTS point selects of the run are shared among them (sysbench counts
 * them globally, so the total is fixed as in the paper).
 *
 * A run:
 *  1. makes the data directory template build/workloads/mariadb/template-<T>
 *     once (mariadb-install-db, CREATE DATABASE sbtest, sysbench prepare; no
 *     LD_PRELOAD), under a lock file, built in a temporary directory that is
 *     renamed into place;
 *  2. copies it into a private directory /tmp/dbbench-XXXXXX and starts
 *     mariadbd there as a child: it inherits LD_PRELOAD (the allocator under
 *     test) and stays in our process group, so a group kill takes it too;
 *     ready once a connection on its Unix socket receives the greeting;
 *  3. prints "ALLOCBENCH allocator file=" for the allocator mapped in the
 *     server (its /proc/<pid>/maps), the one that is measured;
 *  4. runs sysbench oltp_point_select over the socket, without LD_PRELOAD;
 *  5. stops the server (SIGTERM, SIGKILL after 10 s), reaps it and prints the
 *     result: queries per second, the server's peak RSS and CPU time (wait4).
 *
 * The server is stopped and the private directory removed on every exit path:
 * normal end, failure, and SIGINT/SIGTERM/SIGHUP. These signals, and SIGCHLD,
 * stay blocked in this process and are taken with sigtimedwait() at the
 * points where it waits, so no handler runs in the middle of anything.
 * Children get PR_SET_PDEATHSIG(SIGKILL): if this process is killed outright
 * they die too. This process is a child subreaper, so what a helper command
 * leaves behind (mariadb-install-db's bootstrap server) is reparented to it
 * and stopped at cleanup. Each private directory holds an flock()ed "owner" file; a
 * later run removes /tmp/dbbench-* directories whose lock is free (their
 * run is gone).
 *
 * Environment: DBBENCH_SERVER_OPTS, extra mariadbd options separated by
 * spaces, appended to the command line of the measured server;
 * DBBENCH_TMPDIR, the parent of the private directories (default /tmp).
 */
#include "common/wl.h"
#include "common/wl_maps.h"
#include "common/wl_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARIADBD "/usr/sbin/mariadbd"
#define INSTALL_DB "/usr/bin/mariadb-install-db"
#define MARIADB_CLIENT "/usr/bin/mariadb"
#define SYSBENCH "/usr/bin/sysbench"

#define MAX_CONNECTIONS 250
#define MAX_CLIENTS 240           /* leaves room below max_connections */
#define START_TIMEOUT_S 30.0
#define STOP_TIMEOUT_S 10.0
#define TEMPLATE_STEP_TIMEOUT_S 600.0
#define PRIV_PREFIX "dbbench-"

/* Server settings shared by the template build and the measured server. */
static const char *const g_server_settings[] = {
    "--skip-networking",
    "--max-connections=250",
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=16M",
    NULL,
};

/* ---- state needed by cleanup() ---- */

typedef wl_proc proc;   /* workloads/common/wl_proc.h */

static proc g_server;                 /* the running mariadbd, if any */
static proc g_client;                 /* the running helper command, if any */
static char g_priv[PATH_MAX];         /* /tmp/dbbench-XXXXXX, "" when none */
static char g_work[PATH_MAX];         /* template under construction, "" when none */
static sigset_t g_waitset, g_origmask;
static volatile int g_signal;         /* a termination signal taken, 0 if none */
static int g_in_cleanup;
static const char *g_tmproot = "/tmp"; /* parent of the private directories */

/* ---- small helpers ---- */

static void xsnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void xsnprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) wl_fatal("path too long: %s", buf);
}

/* Wait up to timeout_s for SIGCHLD or a termination signal; a termination
 * signal is remembered in g_signal. */
static void wait_events(double timeout_s)
{
    if (timeout_s < 0) timeout_s = 0;
    struct timespec ts = { (time_t)timeout_s, (long)((timeout_s - (double)(time_t)timeout_s) * 1e9) };
    siginfo_t si;
    int s = sigtimedwait(&g_waitset, &si, &ts);
    if ((s == SIGINT || s == SIGTERM || s == SIGHUP) && !g_signal) g_signal = s;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb; (void)type; (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *path)
{
    if (path && *path) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Our children as listed by the kernel (orphans of our children included:
 * we are a child subreaper); returns how many were written to out. */
static int list_children(pid_t *out, int max)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        if (e->d_name[0] == '.') continue;
        char fn[PATH_MAX];
        snprintf(fn, sizeof fn, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(fn, "r");
        if (!f) continue;
        long pid;
        while (n < max && fscanf(f, "%ld", &pid) == 1) out[n++] = (pid_t)pid;
        fclose(f);
    }
    closedir(d);
    return n;
}

/* Stop and reap every remaining child: the processes that our helper
 * commands left behind (mariadb-install-db's bootstrap server when the
 * script is stopped) were reparented to us. */
static void stop_orphans(void)
{
    pid_t kids[256];
    int n = list_children(kids, 256);
    if (n == 0) return;
    for (int i = 0; i < n; i++) kill(kids[i], SIGTERM);
    double t0 = wl_now();
    while (wl_now() - t0 < 2.0) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        if (list_children(kids, 256) == 0) return;
        wait_events(0.02);
    }
    n = list_children(kids, 256);
    for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
}

/* Stops whatever is running and removes the temporary directories. Runs at
 * exit() and after a termination signal; idempotent. */
static void cleanup(void)
{
    if (g_in_cleanup) return;
    g_in_cleanup = 1;
    if (g_client.pid > 0 && !g_client.reaped) wl_proc_stop(&g_client, SIGTERM, 2.0, wait_events);
    if (g_server.pid > 0 && !g_server.reaped) wl_proc_stop(&g_server, SIGTERM, STOP_TIMEOUT_S, wait_events);
    stop_orphans();
    if (*g_work) { rm_tree(g_work); g_work[0] = '\0'; }
    if (*g_priv) { rm_tree(g_priv); g_priv[0] = '\0'; }
    g_in_cleanup = 0;
}

/* Never runs (SIGCHLD stays blocked and is taken by sigtimedwait); it is
 * installed so that SIGCHLD is neither ignored nor discarded. */
static void on_sigchld(int s) { (void)s; }

/* A termination signal was taken: clean up and die of that signal. */
static void check_signal(void)
{
    if (!g_signal) return;
    int s = g_signal;
    cleanup();
    wl_proc_die_of(s, "mariadb");
}

/* The last n lines of a file joined with " | " (for one-line messages). */
static void tail_lines(const char *path, int n, char *out, size_t outn)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(out, outn, "(no %s)", path); return; }
    char ring[8][512];
    int cnt = 0;
    char line[512];
    if (n > 8) n = 8;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0]) continue;
        snprintf(ring[cnt % n], sizeof ring[0], "%s", line);
        cnt++;
    }
    fclose(f);
    size_t used = 0;
    for (int i = cnt > n ? cnt - n : 0; i < cnt && used < outn; i++) {
        int k = snprintf(out + used, outn - used, "%s%s", used ? " | " : "", ring[i % n]);
        if (k < 0) break;
        used += (size_t)k;
    }
    if (!cnt) snprintf(out, outn, "(empty log)");
}

static void describe_status(int st, char *out, size_t n)
{
    if (WIFEXITED(st)) snprintf(out, n, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) snprintf(out, n, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else snprintf(out, n, "stopped (status 0x%x)", st);
}

/* ---- argument vectors ---- */

typedef struct argv_t {
    char *v[64];
    int n;
} argv_t;

static void av_add(argv_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void av_add(argv_t *a, const char *fmt, ...)
{
    if (a->n >= 63) wl_fatal("too many arguments for a command");
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) wl_fatal("out of memory");
    va_end(ap);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

/* sysbench oltp_point_select against the server at sock, one table of
 * table_size rows in database sbtest: the part of the command line that
 * prepare and run share. */
static void sysbench_args(argv_t *a, const char *sock, long table_size)
{
    av_add(a, "%s", SYSBENCH);
    av_add(a, "oltp_point_select");
    av_add(a, "--db-driver=mysql");
    av_add(a, "--mysql-socket=%s", sock);
    av_add(a, "--mysql-user=root");
    av_add(a, "--mysql-db=sbtest");
    av_add(a, "--tables=1");
    av_add(a, "--table-size=%ld", table_size);
}

static void av_free(argv_t *a)
{
    for (int i = 0; i < a->n; i++) free(a->v[i]);
    a->n = 0;
    a->v[0] = NULL;
}

/* Fork and exec argv with stdin from /dev/null and stdout+stderr appended to
 * outfile. keep_preload = 0 removes LD_PRELOAD from its environment. The
 * child keeps our process group and dies with us (PR_SET_PDEATHSIG). */
static pid_t spawn(const argv_t *a, int keep_preload, const char *outfile)
{
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) wl_fatal("fork: %s", strerror(errno));
    if (pid > 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigprocmask(SIG_SETMASK, &g_origmask, NULL);
    if (!keep_preload) unsetenv("LD_PRELOAD");
    int in = open("/dev/null", O_RDONLY);
    int out = open(outfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (in > 2) close(in);
    if (out > 2) close(out);
    execv(a->v[0], a->v);
    dprintf(2, "cannot execute %s: %s\n", a->v[0], strerror(errno));
    _exit(127);
}

/* Run a helper command to its end (timeout_s, 0 = none). Returns its wait
 * status, or -1 on timeout. Exits through check_signal() on a signal. */
static int run_cmd(const argv_t *a, int keep_preload, const char *outfile, double timeout_s)
{
    memset(&g_client, 0, sizeof g_client);
    g_client.pid = spawn(a, keep_preload, outfile);
    double t0 = wl_now();
    while (!wl_proc_poll(&g_client)) {
        check_signal();
        if (g_server.pid > 0 && wl_proc_poll(&g_server)) break;   /* the caller reports it */
        if (timeout_s > 0 && wl_now() - t0 > timeout_s) {
            wl_proc_stop(&g_client, SIGTERM, 2.0, wait_events);
            g_client.pid = 0;
            return -1;
        }
        wait_events(0.05);
    }
    check_signal();
    if (!g_client.reaped) {   /* the server died first: stop the client */
        wl_proc_stop(&g_client, SIGTERM, 2.0, wait_events);
        g_client.pid = 0;
        return -2;
    }
    g_client.pid = 0;
    return g_client.status;
}

/* ---- the server ---- */

typedef struct server_paths {
    char datadir[PATH_MAX], sock[PATH_MAX], pidfile[PATH_MAX], log[PATH_MAX], tmpdir[PATH_MAX];
} server_paths;

/* The paths of a server on datadir whose socket, pid file and error log are
 * <g_priv>/<name>.sock, .pid and -error.log, its temporary files in g_priv. */
static void server_paths_in(server_paths *sp, const char *datadir, const char *name)
{
    xsnprintf(sp->datadir, sizeof sp->datadir, "%s", datadir);
    xsnprintf(sp->sock, sizeof sp->sock, "%s/%s.sock", g_priv, name);
    xsnprintf(sp->pidfile, sizeof sp->pidfile, "%s/%s.pid", g_priv, name);
    xsnprintf(sp->log, sizeof sp->log, "%s/%s-error.log", g_priv, name);
    xsnprintf(sp->tmpdir, sizeof sp->tmpdir, "%s", g_priv);
}

/* Does the server answer on its socket (greeting packet received)? */
static int server_answers(const char *sock)
{
    struct sockaddr_un sa;
    size_t len = strlen(sock);
    if (len >= sizeof sa.sun_path) return 0;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return 0;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, sock, len + 1);
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        struct pollfd p = { fd, POLLIN, 0 };
        char buf[256];
        if (poll(&p, 1, 1000) == 1 && read(fd, buf, sizeof buf) >= 4) ok = 1;
    }
    close(fd);
    return ok;
}

/* Start mariadbd on sp (with the allocator's LD_PRELOAD when measured) and
 * wait until it answers. Failure: one line naming the cause, exit 1. */
static double server_start(const server_paths *sp, int measured)
{
    argv_t a = { .n = 0 };
    av_add(&a, "%s", MARIADBD);
    av_add(&a, "--no-defaults");
    av_add(&a, "--datadir=%s", sp->datadir);
    av_add(&a, "--socket=%s", sp->sock);
    av_add(&a, "--pid-file=%s", sp->pidfile);
    av_add(&a, "--log-error=%s", sp->log);
    av_add(&a, "--tmpdir=%s", sp->tmpdir);
    if (geteuid() == 0) av_add(&a, "--user=root");
    for (int i = 0; g_server_settings[i]; i++) av_add(&a, "%s", g_server_settings[i]);
    const char *extra = measured ? getenv("DBBENCH_SERVER_OPTS") : NULL;
    if (extra && *extra) {
        char *copy = strdup(extra), *save = NULL;
        if (!copy) wl_fatal("out of memory");
        for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) av_add(&a, "%s", t);
        free(copy);
    }
    memset(&g_server, 0, sizeof g_server);
    double t0 = wl_now();
    g_server.pid = spawn(&a, measured, sp->log);
    av_free(&a);
    for (;;) {
        check_signal();
        if (wl_proc_poll(&g_server)) {
            char why[128], tail[1536];
            describe_status(g_server.status, why, sizeof why);
            tail_lines(sp->log, 3, tail, sizeof tail);
            g_server.pid = 0;
            wl_fatal("mariadbd did not start: it %s; log: %s", why, tail);
        }
        if (server_answers(sp->sock)) break;
        if (wl_now() - t0 > START_TIMEOUT_S) {
            char tail[1536];
            tail_lines(sp->log, 3, tail, sizeof tail);
            wl_fatal("mariadbd did not answer on %s within %.0f s; log: %s", sp->sock, START_TIMEOUT_S, tail);
        }
        wait_events(0.005);
    }
    return wl_now() - t0;
}

/* Stop the server and reap it. Returns the stop time; *killed is set when it
 * needed SIGKILL. */
static double server_stop(int *killed)
{
    double t0 = wl_now();
    *killed = wl_proc_stop(&g_server, SIGTERM, STOP_TIMEOUT_S, wait_events);
    return wl_now() - t0;
}

/* ---- directories ---- */

static int copy_file(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
    if (out < 0) { close(in); return -1; }
    int rc = 0;
    for (;;) {
        ssize_t k = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (k == 0) break;
        if (k > 0) continue;
        if (errno == EINTR) continue;
        /* not supported here: plain read/write */
        char buf[1 << 16];
        ssize_t r;
        while ((r = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)r) != r) { rc = -1; break; }
        if (r < 0) rc = -1;
        break;
    }
    if (close(out) != 0) rc = -1;
    close(in);
    return rc;
}

/* Copy the directory tree src into the new directory dst (regular files and
 * directories only). Returns 0 or -1 with errno set. */
static int copy_tree(const char *src, const char *dst)
{
    struct stat sb;
    if (stat(src, &sb) != 0) return -1;
    if (mkdir(dst, sb.st_mode & 07777) != 0) return -1;
    DIR *d = opendir(src);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char s[PATH_MAX], t[PATH_MAX];
        xsnprintf(s, sizeof s, "%s/%s", src, e->d_name);
        xsnprintf(t, sizeof t, "%s/%s", dst, e->d_name);
        struct stat st;
        if (lstat(s, &st) != 0) { rc = -1; break; }
        if (S_ISDIR(st.st_mode)) rc = copy_tree(s, t);
        else if (S_ISREG(st.st_mode)) rc = copy_file(s, t, st.st_mode);
    }
    closedir(d);
    return rc;
}

/* Remove <tmproot>/dbbench-* directories whose run is gone (their owner lock
 * is free), and those without an owner file that are over a day old. */
static void sweep_stale(void)
{
    DIR *d = opendir(g_tmproot);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, PRIV_PREFIX, strlen(PRIV_PREFIX)) != 0) continue;
        char dir[PATH_MAX], own[PATH_MAX];
        if (snprintf(dir, sizeof dir, "%s/%s", g_tmproot, e->d_name) >= (int)sizeof dir) continue;
        if (snprintf(own, sizeof own, "%s/owner", dir) >= (int)sizeof own) continue;
        struct stat sb;
        if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != geteuid()) continue;
        int fd = open(own, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT && time(NULL) - sb.st_mtime > 86400) rm_tree(dir);
            continue;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            fprintf(stderr, "mariadb: removing %s, left by a run that was killed\n", dir);
            rm_tree(dir);
        }
        close(fd);
    }
    closedir(d);
}

/* Create the private directory and hold its owner lock until we exit (the
 * descriptor is inherited by the children, so the lock lasts as long as
 * any process of this run). */
static void make_private_dir(void)
{
    char tmpl[PATH_MAX];
    xsnprintf(tmpl, sizeof tmpl, "%s/" PRIV_PREFIX "XXXXXX", g_tmproot);
    if (!mkdtemp(tmpl)) wl_fatal("mkdtemp %s: %s", tmpl, strerror(errno));
    snprintf(g_priv, sizeof g_priv, "%s", tmpl);
    char own[PATH_MAX], tmp[PATH_MAX];
    xsnprintf(tmp, sizeof tmp, "%s/owner.new", g_priv);
    xsnprintf(own, sizeof own, "%s/owner", g_priv);
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) wl_fatal("%s: %s", tmp, strerror(errno));
    dprintf(fd, "%ld\n", (long)getpid());
    if (rename(tmp, own) != 0) wl_fatal("rename %s: %s", tmp, strerror(errno));
    /* fd stays open (and locked) on purpose */
}

static void mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    xsnprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) wl_fatal("mkdir %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) wl_fatal("mkdir %s: %s", buf, strerror(errno));
}

/* Directory holding the templates: <dir of this executable>/mariadb. */
static void template_root(char *out, size_t n)
{
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) wl_fatal("readlink /proc/self/exe: %s", strerror(errno));
    exe[k] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    xsnprintf(out, n, "%s/mariadb", exe);
}

static void check_step(int st, const char *what, const char *log)
{
    if (st == 0) return;
    char why[128], tail[1536];
    if (st == -1) snprintf(why, sizeof why, "timed out");
    else if (st == -2) snprintf(why, sizeof why, "stopped: the server died");
    else describe_status(st, why, sizeof why);
    tail_lines(log, 3, tail, sizeof tail);
    wl_fatal("building the template: %s %s; log: %s", what, why, tail);
}

/* Build the template for table_size into tdir (the lock is held). */
static void build_template(const char *root, const char *tdir, long table_size)
{
    /* Leftovers of a build that was killed: nobody else builds this size. */
    char prefix[64];
    snprintf(prefix, sizeof prefix, ".template-%ld.", table_size);
    DIR *d = opendir(root);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
            char p[PATH_MAX];
            xsnprintf(p, sizeof p, "%s/%s", root, e->d_name);
            rm_tree(p);
        }
        closedir(d);
    }
    fprintf(stderr, "mariadb: building the data directory template %s (once)\n", tdir);
    double t0 = wl_now();
    char work[PATH_MAX];
    xsnprintf(work, sizeof work, "%s/%sXXXXXX", root, prefix);
    if (!mkdtemp(work)) wl_fatal("mkdtemp %s: %s", work, strerror(errno));
    snprintf(g_work, sizeof g_work, "%s", work);

    char log[PATH_MAX];
    xsnprintf(log, sizeof log, "%s/template-build.log", g_priv);
    argv_t a = { .n = 0 };
    av_add(&a, "%s", INSTALL_DB);
    av_add(&a, "--no-defaults");
    av_add(&a, "--datadir=%s", work);
    if (geteuid() == 0) {
        av_add(&a, "--user=root");
    } else {
        struct passwd *pw = getpwuid(geteuid());
        if (!pw) wl_fatal("no user name for uid %ld", (long)geteuid());
        av_add(&a, "--auth-root-socket-user=%s", pw->pw_name);
    }
    av_add(&a, "--auth-root-authentication-method=socket");
    av_add(&a, "--skip-test-db");
    av_add(&a, "--innodb-buffer-pool-size=64M");
    av_add(&a, "--innodb-log-file-size=16M");
    check_step(run_cmd(&a, 0, log, TEMPLATE_STEP_TIMEOUT_S), "mariadb-install-db", log);
    av_free(&a);

    server_paths sp;
    server_paths_in(&sp, work, "build");
    server_start(&sp, 0);

    av_add(&a, "%s", MARIADB_CLIENT);
    av_add(&a, "--no-defaults");
    av_add(&a, "--socket=%s", sp.sock);
    av_add(&a, "--user=root");
    av_add(&a, "--execute=CREATE DATABASE sbtest");
    check_step(run_cmd(&a, 0, log, TEMPLATE_STEP_TIMEOUT_S), "CREATE DATABASE", log);
    av_free(&a);

    sysbench_args(&a, sp.sock, table_size);
    av_add(&a, "prepare");
    check_step(run_cmd(&a, 0, log, TEMPLATE_STEP_TIMEOUT_S), "sysbench prepare", log);
    av_free(&a);

    int killed;
    server_stop(&killed);
    if (killed || !WIFEXITED(g_server.status) || WEXITSTATUS(g_server.status) != 0) {
        char why[128], tail[1536];
        describe_status(g_server.status, why, sizeof why);
        tail_lines(sp.log, 3, tail, sizeof tail);
        wl_fatal("building the template: the server did not shut down cleanly (%s%s); log: %s",
                 killed ? "SIGKILL needed, " : "", why, tail);
    }
    g_server.pid = 0;
    if (rename(work, tdir) != 0) wl_fatal("rename %s to %s: %s", work, tdir, strerror(errno));
    g_work[0] = '\0';
    fprintf(stderr, "mariadb: template ready in %.2f s\n", wl_now() - t0);
}

/* The template for table_size, built under a lock if it does not exist. */
static void ensure_template(long table_size, char *tdir, size_t n)
{
    char root[PATH_MAX], lock[PATH_MAX];
    template_root(root, sizeof root);
    xsnprintf(tdir, n, "%s/template-%ld", root, table_size);
    struct stat sb;
    if (stat(tdir, &sb) == 0 && S_ISDIR(sb.st_mode)) return;
    mkdir_p(root);
    xsnprintf(lock, sizeof lock, "%s/template-%ld.lock", root, table_size);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) wl_fatal("%s: %s", lock, strerror(errno));
    int said = 0;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) wl_fatal("flock %s: %s", lock, strerror(errno));
        if (!said++) fprintf(stderr, "mariadb: waiting for another run to build %s\n", tdir);
        check_signal();
        wait_events(0.05);
    }
    if (!(stat(tdir, &sb) == 0 && S_ISDIR(sb.st_mode))) build_template(root, tdir, table_size);
    close(fd);   /* releases the lock */
}

/* ---- sysbench's report ---- */

typedef struct sb_report {
    long long transactions, queries, errors, reconnects, events;
    double tps, qps, total_s, lat_avg_ms, lat_p95_ms;
    int have;   /* bit mask of the fields found */
} sb_report;

static void parse_report(const char *path, sb_report *r)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    int in_latency = 0;
    while (fgets(line, sizeof line, f)) {
        char *p;
        if (strstr(line, "Latency (ms):")) in_latency = 1;
        else if ((p = strstr(line, "transactions:")) && sscanf(p, "transactions: %lld (%lf per sec.)", &r->transactions, &r->tps) == 2)
            r->have |= 1;
        else if ((p = strstr(line, "queries:")) && sscanf(p, "queries: %lld (%lf per sec.)", &r->queries, &r->qps) == 2)
            r->have |= 2;
        else if ((p = strstr(line, "ignored errors:")) && sscanf(p, "ignored errors: %lld", &r->errors) == 1)
            r->have |= 4;
        else if ((p = strstr(line, "reconnects:")) && sscanf(p, "reconnects: %lld", &r->reconnects) == 1)
            r->have |= 8;
        else if ((p = strstr(line, "total time:")) && sscanf(p, "total time: %lfs", &r->total_s) == 1)
            r->have |= 16;
        else if ((p = strstr(line, "total number of events:")) && sscanf(p, "total number of events: %lld", &r->events) == 1)
            r->have |= 32;
        else if (in_latency && (p = strstr(line, "avg:")) && sscanf(p, "avg: %lf", &r->lat_avg_ms) == 1)
            r->have |= 64;
        else if (in_latency && (p = strstr(line, "95th percentile:")) && sscanf(p, "95th percentile: %lf", &r->lat_p95_ms) == 1)
            r->have |= 128;
    }
    fclose(f);
}

/* First line of the sysbench output that reports a problem, else its tail. */
static void sysbench_problem(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (strstr(line, "FATAL") || strstr(line, "ALERT") || strstr(line, "error")) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(out, n, "%s", line);
                fclose(f);
                return;
            }
        }
        fclose(f);
    }
    tail_lines(path, 2, out, n);
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "mariadb", "[events=200000] [table_size=10000]",
            "BSDCan 2006 Fig. 7 (super-smack select-key against MySQL): MariaDB's mariadbd runs under the\n"
            "allocator being measured (it inherits LD_PRELOAD); sysbench oltp_point_select, without\n"
            "LD_PRELOAD, sends EVENTS primary-key SELECTs in total from --threads N client connections\n"
            "over a Unix socket, against one table of TABLE_SIZE rows. Reports queries per second; peak_rss\n"
            "and cpu_s are the server's. The data directory template is built once per TABLE_SIZE in\n"
            "build/workloads/mariadb/template-<TABLE_SIZE>; each run copies it to /tmp/dbbench-XXXXXX.\n"
            "Environment: DBBENCH_SERVER_OPTS, extra mariadbd options (space-separated) for the measured\n"
            "server; DBBENCH_TMPDIR, the parent of the private directories instead of /tmp.",
            2, argc, argv);
    long events = wl_arg_long(&o, 0, "events", 200000, 1, 1000000000000L);
    long table_size = wl_arg_long(&o, 1, "table_size", 10000, 1, 100000000L);
    int clients = o.threads;
    if (clients > MAX_CLIENTS) wl_usage_error("--threads must be at most %d (max_connections is %d)", MAX_CLIENTS, MAX_CONNECTIONS);
    if (events < clients) wl_usage_error("events (%ld) must be at least the number of clients (%d)", events, clients);
    if (o.pin != WL_PIN_NONE)
        fprintf(stderr, "mariadb: --pin %s is not applied (the clients are sysbench's threads, the server's are its own)\n",
                wl_pin_name(o.pin));
    const char *tr = getenv("DBBENCH_TMPDIR");
    if (tr && *tr) {
        if (tr[0] != '/') wl_usage_error("DBBENCH_TMPDIR must be an absolute path, got '%s'", tr);
        /* the Unix socket path must fit in sun_path (108 bytes) */
        if (strlen(tr) > 60) wl_usage_error("DBBENCH_TMPDIR is too long for a socket path (at most 60 bytes)");
        g_tmproot = tr;
    }
    const char *tools[] = { MARIADBD, INSTALL_DB, MARIADB_CLIENT, SYSBENCH, NULL };
    for (int i = 0; tools[i]; i++)
        if (access(tools[i], X_OK) != 0) wl_fatal("%s is missing (scripts/setup-deps.sh installs it)", tools[i]);

    /* Signals: taken synchronously by wait_events(); children get the
     * original mask back before exec. */
    sigemptyset(&g_waitset);
    const int term_sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (int i = 0; i < 3; i++) {
        struct sigaction old;
        /* a signal ignored by whoever started us (nohup, a background job) stays ignored */
        if (sigaction(term_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaddset(&g_waitset, term_sigs[i]);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;   /* not SIG_IGN: children must stay waitable */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigaddset(&g_waitset, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &g_waitset, &g_origmask) != 0) wl_fatal("sigprocmask: %s", strerror(errno));
    /* orphans of the helper commands come to us, so cleanup() can stop them */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) wl_fatal("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
    atexit(cleanup);

    sweep_stale();
    make_private_dir();
    char tdir[PATH_MAX];
    ensure_template(table_size, tdir, sizeof tdir);
    check_signal();

    server_paths sp;
    char datadir[PATH_MAX];
    xsnprintf(datadir, sizeof datadir, "%s/data", g_priv);
    server_paths_in(&sp, datadir, "mysqld");
    double tc = wl_now();
    if (copy_tree(tdir, sp.datadir) != 0) wl_fatal("copying %s to %s: %s", tdir, sp.datadir, strerror(errno));
    double copy_s = wl_now() - tc;
    check_signal();

    double start_s = server_start(&sp, 1);
    char alloc[PATH_MAX];
    if (wl_maps_allocator(g_server.pid, alloc, sizeof alloc) != 0)
        wl_fatal("cannot read /proc/%ld/maps of mariadbd", (long)g_server.pid);
    printf("ALLOCBENCH allocator file=%s\n", alloc);
    fflush(stdout);
    fprintf(stderr, "mariadb: server pid %ld ready in %.3f s (copy %.3f s) in %s; %d clients, %ld queries, %ld rows\n",
            (long)g_server.pid, start_s, copy_s, g_priv, clients, events, table_size);

    char sbout[PATH_MAX];
    xsnprintf(sbout, sizeof sbout, "%s/sysbench.out", g_priv);
    argv_t a = { .n = 0 };
    sysbench_args(&a, sp.sock, table_size);
    av_add(&a, "--db-ps-mode=disable");
    av_add(&a, "--threads=%d", clients);
    av_add(&a, "--events=%ld", events);
    av_add(&a, "--time=0");
    av_add(&a, "--rand-type=uniform");
    av_add(&a, "--percentile=95");
    av_add(&a, "run");
    int st = run_cmd(&a, 0, sbout, 0);
    av_free(&a);
    if (st == -2 || wl_proc_poll(&g_server)) {
        char why[128], tail[1536];
        describe_status(g_server.status, why, sizeof why);
        tail_lines(sp.log, 3, tail, sizeof tail);
        g_server.pid = 0;
        wl_fatal("mariadbd %s during the run; log: %s", why, tail);
    }
    sb_report r;
    parse_report(sbout, &r);
    if (st != 0 || r.errors > 0 || r.have != 255) {
        char why[128], prob[1024];
        if (st != 0) describe_status(st, why, sizeof why);
        else if (r.errors > 0) snprintf(why, sizeof why, "reported %lld ignored errors", r.errors);
        else snprintf(why, sizeof why, "printed a report this program cannot read");
        sysbench_problem(sbout, prob, sizeof prob);
        wl_fatal("sysbench %s: %s", why, prob);
    }
    if (r.events != events || r.queries != events || r.qps <= 0)
        wl_fatal("sysbench ran %lld events and %lld queries of %ld", r.events, r.queries, events);

    int killed;
    double stop_s = server_stop(&killed);
    if (killed) fprintf(stderr, "mariadb: warning: mariadbd needed SIGKILL to stop\n");
    else if (!WIFEXITED(g_server.status) || WEXITSTATUS(g_server.status) != 0) {
        char why[128], tail[1536];
        describe_status(g_server.status, why, sizeof why);
        tail_lines(sp.log, 3, tail, sizeof tail);
        g_server.pid = 0;
        wl_fatal("mariadbd %s at shutdown; log: %s", why, tail);
    }
    struct rusage ru = g_server.ru;
    g_server.pid = 0;
    cleanup();
    fprintf(stderr, "mariadb: %.0f queries/s, latency avg %.3f ms, p95 %.3f ms; server stopped in %.3f s\n",
            r.qps, r.lat_avg_ms, r.lat_p95_ms, stop_s);

    /* The server's peak RSS and CPU time (wl_result would report this
     * wrapper's); its allocator statistics cannot be read from here. */
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    wl_result_child(&o, "qps", r.qps, "queries/s", "higher", (size_t)ru.ru_maxrss * 1024u, cpu,
                    "clients=%d tps=%.2f lat_avg_ms=%.3f lat_p95_ms=%.3f server_start_s=%.4f "
                    "server_stop_s=%.4f events=%lld table_size=%ld sysbench_s=%.4f reconnects=%lld",
                    clients, r.tps, r.lat_avg_ms, r.lat_p95_ms, start_s, stop_s, r.events, table_size, r.total_s,
                    r.reconnects);
    free(o.pos);
    return 0;
}
