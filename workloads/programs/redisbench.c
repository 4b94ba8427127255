/* redisbench: Debian's redis-server under the allocator being measured,
 * driven by redis-benchmark (throughput) and by our own pipelined client
 * (a fill and a delete phase, for the server's memory after deletion).
 *
 *   redisbench [--threads N] [--pin P] [requests=100000] [keys=20000] [value_max=512]
 *
 * A run:
 *  1. makes a private directory /tmp/redisbench-XXXXXX (REDISBENCH_TMPDIR
 *     instead of /tmp) and starts redis-server there as a child, on a Unix
 *     socket only (--port 0), no persistence (--save "", --appendonly no);
 *     it inherits LD_PRELOAD (the allocator under test); ready once PING
 *     answers PONG;
 *  2. prints "ALLOCBENCH allocator file=" for the allocator mapped in the
 *     server (its /proc/<pid>/maps). Debian's redis-server is linked with
 *     libjemalloc: without LD_PRELOAD (the system allocator) the C library
 *     is preloaded, so that glibc's malloc serves the server, and the
 *     loader's LD_DEBUG=bindings log must show the server's malloc bound
 *     to it (REDISBENCH_LINKED=1: no preload, the linked jemalloc);
 *  3. fill: SETs keys key:000000000000 ... key:<keys-1> with values of 16 to
 *     value_max bytes (our LCG, fixed seed), pipelined 256 at a time; reads
 *     the server's VmRSS (rss_fill);
 *  4. throughput: redis-benchmark (without LD_PRELOAD) over the socket,
 *     -n requests -r keys -d 64 -c 8N --threads N for the tests SET, GET,
 *     INCR, LPUSH, RPOP, SADD, HSET, LPUSH (for LRANGE), LRANGE_100, MSET;
 *     the metric is requests/s over all tests (total requests / total time);
 *  5. delete: DELs every even key, then checks with EXISTS that exactly the
 *     odd keys are left and that each left value is ours or redis-benchmark's
 *     (64 bytes), reads VmRSS (rss_after_delete) and VmHWM;
 *  6. stops the server (SIGTERM; SIGKILL after 10 s) and reaps it.
 * Result: metric=rps unit=requests/s better=higher; peak_rss and cpu_s are
 * the server's (wait4); extras rss_fill, rss_after_delete (bytes), the
 * requests/s of each test, keys, clients.
 *
 * The server and the benchmark are stopped and the private directory
 * removed on every exit path: normal end, failure (atexit), and
 * SIGINT/SIGTERM/SIGHUP (a flag checked at every wait; then cleanup and the
 * same signal again). Children get PR_SET_PDEATHSIG(SIGKILL), so they die
 * with this process even when it is killed outright.
 */
#include "common/wl.h"
#include "common/wl_maps.h"
#include "common/wl_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REDIS_SERVER "/usr/bin/redis-server"
#define REDIS_BENCHMARK "/usr/bin/redis-benchmark"
#define START_TIMEOUT_S 20.0
#define STOP_TIMEOUT_S 10.0
#define IO_TIMEOUT_S 60.0
#define BATCH 256
#define BENCH_D 64
#define TESTS "set,get,incr,lpush,rpop,sadd,hset,lrange_100,mset"
#define NTESTS_MAX 16

typedef wl_proc proc;   /* workloads/common/wl_proc.h */

static proc g_server, g_client;
static char g_dir[PATH_MAX];
static volatile sig_atomic_t g_signal;
static int g_in_cleanup;

static void on_signal(int s)
{
    if (!g_signal) g_signal = s;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[PATH_MAX + 256];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void cleanup(void)
{
    if (g_in_cleanup) return;
    g_in_cleanup = 1;
    if (g_client.pid > 0 && !g_client.reaped) wl_proc_stop(&g_client, SIGTERM, 2.0, sleep_s);
    if (g_server.pid > 0 && !g_server.reaped) wl_proc_stop(&g_server, SIGTERM, STOP_TIMEOUT_S, sleep_s);
    if (*g_dir) { rm_dir(g_dir); g_dir[0] = '\0'; }
    g_in_cleanup = 0;
}

/* A termination signal arrived: stop everything, then die of it. */
static void check_signal(void)
{
    if (!g_signal) return;
    int s = g_signal;
    cleanup();
    wl_proc_die_of(s, "redis-bench");
}

/* fork + exec argv; stdout and stderr to logfile; LD_PRELOAD kept only
 * when keep_preload. */
static pid_t spawn(char *const argv[], int keep_preload, const char *logfile)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) wl_fatal("fork: %s", strerror(errno));
    if (pid > 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (!keep_preload) unsetenv("LD_PRELOAD");
    int in = open("/dev/null", O_RDONLY);
    int out = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (in > 2) close(in);
    if (out > 2) close(out);
    execv(argv[0], argv);
    dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* The last line of a log, for one-line messages. */
static void last_line(const char *path, char *out, size_t n)
{
    snprintf(out, n, "(empty log)");
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0]) snprintf(out, n, "%s", line);
    }
    fclose(f);
}

static void describe(int st, char *out, size_t n)
{
    if (WIFEXITED(st)) snprintf(out, n, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) snprintf(out, n, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else snprintf(out, n, "ended with status %#x", (unsigned)st);
}

/* The server died: one line with its log's last line, exit 1. */
static void server_died(const char *when)
{
    char why[128], log[PATH_MAX + 16], tail[512];
    describe(g_server.status, why, sizeof why);
    snprintf(log, sizeof log, "%s/redis.log", g_dir);
    last_line(log, tail, sizeof tail);
    g_server.pid = 0;
    wl_fatal("redis-server %s %s; log: %s", why, when, tail);
}

/* ---- a minimal pipelined RESP client ---- */

typedef struct conn {
    int fd;
    char *out;
    size_t olen, ocap;
    char in[1 << 16];
    size_t ipos, ilen;
} conn;

static void c_wait(conn *c, short ev)
{
    double t0 = wl_now();
    for (;;) {
        check_signal();
        struct pollfd p = { c->fd, ev, 0 };
        int r = poll(&p, 1, 100);
        if (r > 0) return;
        if (r < 0 && errno != EINTR) wl_fatal("poll: %s", strerror(errno));
        if (wl_proc_poll(&g_server)) server_died("during the run");
        if (wl_now() - t0 > IO_TIMEOUT_S) wl_fatal("redis-server did not answer within %.0f s", IO_TIMEOUT_S);
    }
}

static int c_connect(conn *c, const char *sock)
{
    memset(c, 0, sizeof *c);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof sa.sun_path) wl_fatal("socket path too long: %s", sock);
    strcpy(sa.sun_path, sock);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0) wl_fatal("socket: %s", strerror(errno));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

static void c_close(conn *c)
{
    if (c->fd >= 0) close(c->fd);
    free(c->out);
    c->fd = -1;
    c->out = NULL;
}

static void c_put(conn *c, const char *s, size_t n)
{
    if (c->olen + n > c->ocap) {
        size_t cap = c->ocap ? c->ocap : 1 << 16;
        while (cap < c->olen + n) cap *= 2;
        char *p = realloc(c->out, cap);
        if (!p) wl_fatal("out of memory");
        c->out = p;
        c->ocap = cap;
    }
    memcpy(c->out + c->olen, s, n);
    c->olen += n;
}

/* Append one command (argc bulk strings). */
static void c_cmd(conn *c, int argc, const char *const *argv, const size_t *len)
{
    char h[32];
    c_put(c, h, (size_t)snprintf(h, sizeof h, "*%d\r\n", argc));
    for (int i = 0; i < argc; i++) {
        c_put(c, h, (size_t)snprintf(h, sizeof h, "$%zu\r\n", len[i]));
        c_put(c, argv[i], len[i]);
        c_put(c, "\r\n", 2);
    }
}

static void c_flush(conn *c)
{
    size_t off = 0;
    while (off < c->olen) {
        ssize_t w = write(c->fd, c->out + off, c->olen - off);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) { c_wait(c, POLLOUT); continue; }
            wl_fatal("write to redis-server: %s", strerror(errno));
        }
        off += (size_t)w;
    }
    c->olen = 0;
}

static int c_getc(conn *c)
{
    while (c->ipos == c->ilen) {
        ssize_t r = read(c->fd, c->in, sizeof c->in);
        if (r > 0) { c->ipos = 0; c->ilen = (size_t)r; break; }
        if (r == 0) {
            if (wl_proc_poll(&g_server)) server_died("during the run");
            wl_fatal("redis-server closed the connection");
        }
        if (errno == EAGAIN || errno == EINTR) { c_wait(c, POLLIN); continue; }
        wl_fatal("read from redis-server: %s", strerror(errno));
    }
    return (unsigned char)c->in[c->ipos++];
}

/* One reply line without CRLF into buf. */
static void c_line(conn *c, char *buf, size_t n)
{
    size_t k = 0;
    for (;;) {
        int ch = c_getc(c);
        if (ch == '\r') {
            if (c_getc(c) != '\n') wl_fatal("malformed reply from redis-server");
            break;
        }
        if (k + 1 < n) buf[k++] = (char)ch;
    }
    buf[k] = '\0';
}

typedef struct reply {
    char type;          /* + - : $ */
    long long num;      /* ':' value, '$' length (-1 = nil) */
    char *data;         /* '$' payload (malloc'ed), '+'/'-' text */
} reply;

static void c_reply(conn *c, reply *r)
{
    char line[1024];
    c_line(c, line, sizeof line);
    r->type = line[0];
    r->data = NULL;
    r->num = 0;
    switch (line[0]) {
    case '+': case '-':
        r->data = strdup(line + 1);
        if (!r->data) wl_fatal("out of memory");
        return;
    case ':':
        r->num = strtoll(line + 1, NULL, 10);
        return;
    case '$':
        r->num = strtoll(line + 1, NULL, 10);
        if (r->num < 0) return;
        r->data = malloc((size_t)r->num + 1);
        if (!r->data) wl_fatal("out of memory");
        for (long long i = 0; i < r->num; i++) r->data[i] = (char)c_getc(c);
        r->data[r->num] = '\0';
        if (c_getc(c) != '\r' || c_getc(c) != '\n') wl_fatal("malformed bulk reply from redis-server");
        return;
    default:
        wl_fatal("unexpected reply from redis-server: '%.60s'", line);
    }
}

/* ---- the workload's data ---- */

static uint32_t g_lcg;
static uint32_t lcg(void)
{
    g_lcg = g_lcg * 1103515245u + 12345u;
    return g_lcg >> 8;
}

static void key_of(long i, char *k, size_t n) { snprintf(k, n, "key:%012ld", i); }

/* Our value of key i: length 16..value_max, letters from the key's own
 * LCG stream, so it can be recomputed for the check. */
static size_t value_of(long i, long value_max, char *v)
{
    g_lcg = (uint32_t)(i * 2654435761u) ^ 0x5eed2006u;
    size_t len = 16 + lcg() % (uint32_t)(value_max - 15);
    for (size_t j = 0; j < len; j++) v[j] = (char)('a' + lcg() % 26);
    return len;
}

/* VmRSS or VmHWM of pid in bytes, -1 if unreadable. */
static long long proc_status_kb(pid_t pid, const char *field)
{
    char fn[64], line[256];
    snprintf(fn, sizeof fn, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(fn, "r");
    if (!f) return -1;
    long long v = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, fl) && line[fl] == ':') { v = strtoll(line + fl + 1, NULL, 10) * 1024; break; }
    fclose(f);
    return v;
}

/* From the loader's LD_DEBUG=bindings log of pid: the object that the
 * executable's `malloc' was bound to (realpath), 0; -1 when not found. */
static int bound_malloc(const char *ldlog, pid_t pid, char *out, size_t n)
{
    char fn[PATH_MAX + 32], line[PATH_MAX + 256];
    snprintf(fn, sizeof fn, "%s.%ld", ldlog, (long)pid);
    FILE *f = fopen(fn, "r");
    if (!f) return -1;
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (!strstr(line, "normal symbol `malloc'")) continue;
        const char *b = strstr(line, "binding file ");
        const char *to = strstr(line, "] to ");
        if (!b || !to) continue;
        b += 13;
        const char *sp = strchr(b, ' ');
        if (!sp || (size_t)(sp - b) < 12 || strncmp(sp - 12, "redis-server", 12) != 0) continue;
        to += 5;
        const char *end = strstr(to, " [");
        if (!end) continue;
        char obj[PATH_MAX], real[PATH_MAX];
        snprintf(obj, sizeof obj, "%.*s", (int)(end - to), to);
        snprintf(out, n, "%s", realpath(obj, real) ? real : obj);
        found = 1;
    }
    fclose(f);
    return found ? 0 : -1;
}

typedef struct bench_out {
    int n;
    char name[NTESTS_MAX][32];
    double rps[NTESTS_MAX];
} bench_out;

/* redis-benchmark --csv: a header line, then "NAME","RPS",... per test. */
static void parse_csv(const char *path, bench_out *b)
{
    b->n = 0;
    FILE *f = fopen(path, "r");
    if (!f) wl_fatal("cannot read %s: %s", path, strerror(errno));
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char name[64];
        double rps;
        if (sscanf(line, "\"%63[^\"]\",\"%lf\"", name, &rps) != 2) continue;
        if (b->n >= NTESTS_MAX) break;
        /* "LPUSH (needed to benchmark LRANGE)" -> lpush_for_lrange; lower case, [a-z0-9_] */
        char *o = b->name[b->n];
        size_t k = 0;
        for (const char *s = name; *s && k + 1 < sizeof b->name[0]; s++) {
            char ch = *s;
            if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
            if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) o[k++] = ch;
            else if (ch == '(') break;
            else if (k && o[k - 1] != '_') o[k++] = '_';
        }
        while (k && o[k - 1] == '_') k--;
        o[k] = '\0';
        if (strstr(name, "LRANGE)")) snprintf(o, sizeof b->name[0], "lpush_for_lrange");
        b->rps[b->n++] = rps;
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    wl_opts o;
    wl_init(&o, "redis-bench", "[requests=100000] [keys=20000] [value_max=512]",
            "Debian's redis-server under the allocator being measured (it inherits LD_PRELOAD), on a\n"
            "private Unix socket: a pipelined fill of KEYS keys (values of 16..VALUE_MAX bytes), then\n"
            "redis-benchmark (without LD_PRELOAD) with REQUESTS requests per test over nine tests, -d 64,\n"
            "-r KEYS, 8N clients in N threads (--threads N), then a delete of every even key with a check\n"
            "of what is left. Reports requests/s over all tests; peak_rss and cpu_s are the server's;\n"
            "extras rss_fill and rss_after_delete (the server's VmRSS after each phase). The server runs\n"
            "in /tmp/redisbench-XXXXXX (REDISBENCH_TMPDIR instead of /tmp), removed at the end.",
            3, argc, argv);
    long requests = wl_arg_long(&o, 0, "requests", 100000, 100, 1000000000L);
    long keys = wl_arg_long(&o, 1, "keys", 20000, 2, 100000000L);
    long value_max = wl_arg_long(&o, 2, "value_max", 512, 16, 1 << 20);
    int nthreads = o.threads;
    if (nthreads > 16) wl_usage_error("--threads must be at most 16");
    int clients = 8 * nthreads;
    if (o.pin != WL_PIN_NONE)
        fprintf(stderr, "redis-bench: --pin %s is not applied (the server and the benchmark place their own threads)\n",
                wl_pin_name(o.pin));
    const char *tr = getenv("REDISBENCH_TMPDIR");
    if (tr && *tr) {
        if (tr[0] != '/') wl_usage_error("REDISBENCH_TMPDIR must be an absolute path, got '%s'", tr);
        if (strlen(tr) > 70) wl_usage_error("REDISBENCH_TMPDIR is too long for a socket path (at most 70 bytes)");
    } else {
        tr = "/tmp";
    }
    const char *tools[] = { REDIS_SERVER, REDIS_BENCHMARK, NULL };
    for (int i = 0; tools[i]; i++)
        if (access(tools[i], X_OK) != 0) wl_fatal("%s is missing (scripts/setup-deps.sh installs it)", tools[i]);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    const int term_sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (int i = 0; i < 3; i++) {
        struct sigaction old;
        if (sigaction(term_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaction(term_sigs[i], &sa, NULL);
    }
    signal(SIGPIPE, SIG_IGN);
    atexit(cleanup);

    snprintf(g_dir, sizeof g_dir, "%s/redisbench-XXXXXX", tr);
    if (!mkdtemp(g_dir)) {
        int e = errno;
        g_dir[0] = '\0';
        wl_fatal("cannot create a directory in %s: %s", tr, strerror(e));
    }
    char sock[PATH_MAX + 16], log[PATH_MAX + 16], csv[PATH_MAX + 16];
    snprintf(sock, sizeof sock, "%s/redis.sock", g_dir);
    snprintf(log, sizeof log, "%s/redis.log", g_dir);
    snprintf(csv, sizeof csv, "%s/bench.csv", g_dir);

    /* 1. the server */
    char *sargv[] = { REDIS_SERVER, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
                      "--dir", g_dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
                      "--protected-mode", "no", "--databases", "1", "--maxclients", "1000", NULL };
    /* Without LD_PRELOAD (the system allocator), Debian's redis-server would
     * run on the libjemalloc it is linked with: preload the C library so that
     * its malloc comes first in the symbol search order, and have the loader
     * log the bindings, to name the object the server's malloc was bound to.
     * REDISBENCH_LINKED=1 keeps the linked jemalloc. */
    const char *pre = getenv("LD_PRELOAD");
    const char *linked = getenv("REDISBENCH_LINKED");
    int force_libc = (!pre || !*pre) && !(linked && !strcmp(linked, "1"));
    char ldlog[PATH_MAX + 16], libc[PATH_MAX] = "";
    snprintf(ldlog, sizeof ldlog, "%s/ld", g_dir);
    if (force_libc) {
        if (wl_maps_allocator(getpid(), libc, sizeof libc) != 0 || !strstr(libc, "/libc"))
            wl_fatal("cannot find the C library in /proc/self/maps");
        setenv("LD_PRELOAD", libc, 1);
        setenv("LD_DEBUG", "bindings", 1);
        setenv("LD_DEBUG_OUTPUT", ldlog, 1);
    }
    double t0 = wl_now();
    g_server.pid = spawn(sargv, 1, log);
    if (force_libc) {
        unsetenv("LD_PRELOAD");
        unsetenv("LD_DEBUG");
        unsetenv("LD_DEBUG_OUTPUT");
    }
    conn c = { .fd = -1 };
    for (;;) {
        check_signal();
        if (wl_proc_poll(&g_server)) server_died("at start");
        if (wl_now() - t0 > START_TIMEOUT_S) wl_fatal("redis-server did not answer on %s within %.0f s", sock, START_TIMEOUT_S);
        if (c_connect(&c, sock) == 0) {
            const char *pa[] = { "PING" };
            size_t pl[] = { 4 };
            c_cmd(&c, 1, pa, pl);
            c_flush(&c);
            reply r;
            c_reply(&c, &r);
            int ok = r.type == '+' && r.data && !strcmp(r.data, "PONG");
            free(r.data);
            if (ok) break;
            c_close(&c);   /* loading: try again */
        }
        sleep_s(0.005);
    }
    double start_s = wl_now() - t0;

    /* 2. the allocator mapped in the server */
    char alloc[PATH_MAX];
    if (force_libc) {
        if (bound_malloc(ldlog, g_server.pid, alloc, sizeof alloc) != 0)
            wl_fatal("cannot tell from the loader's log %s.%ld which object redis-server's malloc is bound to", ldlog,
                     (long)g_server.pid);
        if (strcmp(alloc, libc) != 0)
            wl_fatal("redis-server's malloc is bound to %s, not to the preloaded %s", alloc, libc);
        fprintf(stderr, "redis-bench: no LD_PRELOAD: %s preloaded, so redis-server's malloc is the C library's, "
                "not the linked libjemalloc's (REDISBENCH_LINKED=1 keeps that)\n", libc);
    } else if (wl_maps_allocator(g_server.pid, alloc, sizeof alloc) != 0) {
        wl_fatal("cannot read /proc/%ld/maps of redis-server", (long)g_server.pid);
    }
    printf("ALLOCBENCH allocator file=%s\n", alloc);
    fflush(stdout);
    fprintf(stderr, "redis-bench: server pid %ld ready in %.3f s in %s; %ld keys, %ld requests per test, %d clients\n",
            (long)g_server.pid, start_s, g_dir, keys, requests, clients);

    /* 3. fill */
    char *val = malloc((size_t)value_max + 1);
    if (!val) wl_fatal("out of memory");
    char key[32];
    for (long i = 0; i < keys;) {
        long end = i + BATCH < keys ? i + BATCH : keys;
        for (long j = i; j < end; j++) {
            key_of(j, key, sizeof key);
            size_t vl = value_of(j, value_max, val);
            const char *a[] = { "SET", key, val };
            size_t l[] = { 3, strlen(key), vl };
            c_cmd(&c, 3, a, l);
        }
        c_flush(&c);
        for (long j = i; j < end; j++) {
            reply r;
            c_reply(&c, &r);
            if (r.type != '+') wl_fatal("SET failed: %s", r.data ? r.data : "?");
            free(r.data);
        }
        i = end;
    }
    long long rss_fill = proc_status_kb(g_server.pid, "VmRSS");

    /* 4. throughput */
    char nb[32], rb[32], cb[32], tb[32], db[32];
    snprintf(nb, sizeof nb, "%ld", requests);
    snprintf(rb, sizeof rb, "%ld", keys);
    snprintf(cb, sizeof cb, "%d", clients);
    snprintf(tb, sizeof tb, "%d", nthreads);
    snprintf(db, sizeof db, "%d", BENCH_D);
    char *bargv[] = { REDIS_BENCHMARK, "-s", sock, "-n", nb, "-r", rb, "-c", cb, "-d", db,
                      "-t", TESTS, "--csv", NULL, NULL, NULL };
    if (nthreads > 1) { bargv[14] = "--threads"; bargv[15] = tb; }
    double tb0 = wl_now();
    g_client.pid = spawn(bargv, 0, csv);
    while (!wl_proc_poll(&g_client)) {
        check_signal();
        if (wl_proc_poll(&g_server)) server_died("during redis-benchmark");
        sleep_s(0.01);
    }
    double bench_s = wl_now() - tb0;
    if (!WIFEXITED(g_client.status) || WEXITSTATUS(g_client.status) != 0) {
        char why[128], tail[512];
        describe(g_client.status, why, sizeof why);
        last_line(csv, tail, sizeof tail);
        wl_fatal("redis-benchmark %s: %s", why, tail);
    }
    bench_out b;
    parse_csv(csv, &b);
    if (b.n != 10) {
        char tail[512];
        last_line(csv, tail, sizeof tail);
        wl_fatal("redis-benchmark reported %d tests, expected 10: %s", b.n, tail);
    }
    double total_t = 0;
    for (int i = 0; i < b.n; i++) {
        if (!(b.rps[i] > 0)) wl_fatal("redis-benchmark reported %g requests/s for %s", b.rps[i], b.name[i]);
        total_t += (double)requests / b.rps[i];
    }
    double rps = (double)requests * b.n / total_t;

    /* 5. delete the even keys, check what is left */
    long deleted = 0;
    for (long i = 0; i < keys;) {
        long end = i + BATCH < keys ? i + BATCH : keys;
        long sent = 0;
        for (long j = i; j < end; j += 1) {
            if (j % 2) continue;
            key_of(j, key, sizeof key);
            const char *a[] = { "DEL", key };
            size_t l[] = { 3, strlen(key) };
            c_cmd(&c, 2, a, l);
            sent++;
        }
        c_flush(&c);
        for (long j = 0; j < sent; j++) {
            reply r;
            c_reply(&c, &r);
            if (r.type != ':') wl_fatal("DEL failed: %s", r.data ? r.data : "?");
            deleted += r.num;
            free(r.data);
        }
        i = end;
    }
    if (deleted != (keys + 1) / 2) wl_fatal("DEL removed %ld keys, expected %ld", deleted, (keys + 1) / 2);
    long bad = 0, left = 0;
    for (long i = 0; i < keys;) {
        long end = i + BATCH < keys ? i + BATCH : keys;
        for (long j = i; j < end; j++) {
            key_of(j, key, sizeof key);
            const char *a[] = { "GET", key };
            size_t l[] = { 3, strlen(key) };
            c_cmd(&c, 2, a, l);
        }
        c_flush(&c);
        for (long j = i; j < end; j++) {
            reply r;
            c_reply(&c, &r);
            if (r.type != '$') wl_fatal("GET failed: %s", r.data ? r.data : "?");
            if (j % 2 == 0) {
                if (r.num != -1) bad++;
            } else if (r.num < 0) {
                bad++;
            } else {
                left++;
                size_t vl = value_of(j, value_max, val);
                int ours = (size_t)r.num == vl && !memcmp(r.data, val, vl);
                int theirs = r.num == BENCH_D;   /* redis-benchmark's values are random bytes */
                if (!ours && !theirs) bad++;
            }
            free(r.data);
        }
        i = end;
    }
    if (bad) wl_fatal("wrong data in redis-server after the delete phase: %ld of %ld keys", bad, keys);
    /* let the server's cron run once (hz 10) before the memory is read */
    sleep_s(0.15);
    check_signal();
    long long rss_del = proc_status_kb(g_server.pid, "VmRSS");
    long long hwm = proc_status_kb(g_server.pid, "VmHWM");
    c_close(&c);
    free(val);

    /* 6. stop the server */
    double ts = wl_now();
    int killed = wl_proc_stop(&g_server, SIGTERM, STOP_TIMEOUT_S, sleep_s);
    double stop_s = wl_now() - ts;
    if (killed) fprintf(stderr, "redis-bench: warning: redis-server needed SIGKILL to stop\n");
    else if (!WIFEXITED(g_server.status) || WEXITSTATUS(g_server.status) != 0) server_died("at shutdown");
    struct rusage ru = g_server.ru;
    g_server.pid = 0;
    cleanup();

    fprintf(stderr, "redis-bench: %.0f requests/s over %d tests in %.2f s; server RSS %.1f MB after the fill, "
            "%.1f MB after deleting %ld keys (peak %.1f MB)\n",
            rps, b.n, bench_s, rss_fill / 1e6, rss_del / 1e6, deleted, hwm / 1e6);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec * 1e-6;
    char extra[1024];
    size_t used = 0;
    for (int i = 0; i < b.n && used < sizeof extra; i++) {
        int k = snprintf(extra + used, sizeof extra - used, " rps_%s=%.0f", b.name[i], b.rps[i]);
        if (k < 0) break;
        used += (size_t)k;
    }
    wl_result_child(&o, "rps", rps, "requests/s", "higher", (size_t)ru.ru_maxrss * 1024u, cpu,
                    "rss_fill=%lld rss_after_delete=%lld keys=%ld keys_left=%ld requests=%ld clients=%d "
                    "bench_s=%.4f server_start_s=%.4f server_stop_s=%.4f%s",
                    rss_fill, rss_del, keys, left, requests, clients, bench_s, start_s, stop_s, extra);
    free(o.pos);
    return 0;
}
