/* ab_exec.c: see ab_exec.h. */
#include "ab_exec.h"
#include "ab_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t ab_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    ab_interrupted = 1;
}

void ab_exec_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

const char *ab_exec_status_name(enum ab_exec_status st)
{
    switch (st) {
    case AB_EXIT_OK: return "ok";
    case AB_EXIT_FAIL: return "exit";
    case AB_EXIT_SIGNAL: return "crash";
    case AB_EXIT_TIMEOUT: return "timeout";
    case AB_EXIT_INTERRUPTED: return "interrupted";
    case AB_EXIT_SPAWN: return "spawn-error";
    }
    return "?";
}

double ab_machine_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long u = 0, n = 0, s = 0, idle = 0, io = 0, irq = 0, sirq = 0;
    int k = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &s, &idle, &io, &irq, &sirq);
    fclose(f);
    if (k != 7) return -1;
    return (double)(u + n + s + irq + sirq) / (double)sysconf(_SC_CLK_TCK);
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

/* RSS of one process (its statm), -1 when it is gone. */
static long long statm_one(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%ld/statm", (long)pid);
    int fd = open(p, O_RDONLY);
    if (fd < 0) return -1;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    long long size, res;
    if (sscanf(buf, "%lld %lld", &size, &res) != 2) return -1;
    return res * (long long)sysconf(_SC_PAGESIZE);
}

/* RSS of pid plus that of the processes its main thread started, and
 * theirs (depth-bounded): a workload that runs a real program (perl,
 * mariadbd) is measured with the program. -1 when pid is gone. */
static long long statm_tree(pid_t pid, int depth)
{
    long long rss = statm_one(pid);
    if (rss < 0 || depth >= 4) return rss;
    char p[80];
    snprintf(p, sizeof p, "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
    int fd = open(p, O_RDONLY);
    if (fd < 0) return rss;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return rss;
    buf[n] = '\0';
    for (char *s = buf, *e; *s; s = e) {
        long c = strtol(s, &e, 10);
        if (e == s) break;
        long long r = statm_tree((pid_t)c, depth + 1);
        if (r > 0) rss += r;
    }
    return rss;
}

static long long statm_rss(pid_t pid) { return statm_tree(pid, 0); }

static void sleep_until(double t)
{
    double d = t - ab_now();
    if (d <= 0) return;
    struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
    nanosleep(&ts, NULL);
}

int ab_exec_run(const ab_exec_spec *s, ab_exec_result *r)
{
    memset(r, 0, sizeof *r);
    FILE *tl = NULL;
    if (s->timeline_path) {
        tl = fopen(s->timeline_path, "w");
        if (tl) fputs("run_id,t_ms,rss_bytes\n", tl);
    }
    struct rusage self0, self1;
    getrusage(RUSAGE_SELF, &self0);
    double busy0 = ab_machine_busy_s();
    double t0 = ab_now();
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) { if (tl) fclose(tl); r->status = AB_EXIT_SPAWN; return -1; }
    pid_t pid = fork();
    if (pid < 0) {
        close(errpipe[0]); close(errpipe[1]);
        if (tl) fclose(tl);
        r->status = AB_EXIT_SPAWN;
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL); signal(SIGTERM, SIG_DFL); signal(SIGHUP, SIG_DFL);
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) { dup2(in, 0); close(in); }
        if (s->stdout_path) {
            int fd = open(s->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) { dup2(fd, 1); close(fd); }
        }
        if (s->stderr_path) {
            int fd = open(s->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) { dup2(fd, 2); close(fd); }
        }
        unsetenv("LD_PRELOAD");
        unsetenv("TIDE_CONF");
        if (s->preload) setenv("LD_PRELOAD", s->preload, 1);
        for (char *const *e = s->env; e && *e; e++) putenv(*e);
        execv(s->argv[0], s->argv);
        int e = errno;
        if (write(errpipe[1], &e, sizeof e) < 0) { /* nothing to do */ }
        _exit(127);
    }
    setpgid(pid, pid);
    close(errpipe[1]);
    int child_errno = 0;
    if (read(errpipe[0], &child_errno, sizeof child_errno) != (ssize_t)sizeof child_errno) child_errno = 0;
    close(errpipe[0]);

    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    double period = (double)s->sample_ms / 1000.0;
    double next = t0;
    int killed = 0;   /* 1 timeout, 2 interrupted */
    for (;;) {
        pid_t w = wait4(pid, &st, WNOHANG, &ru);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) break;
        double now = ab_now();
        if (!killed && (ab_interrupted || now - t0 > s->timeout_s)) {
            killed = ab_interrupted ? 2 : 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
        if (!killed) {
            long long rss = statm_rss(pid);
            if (rss >= 0) {
                r->nsamples++;
                if (rss > r->rss_sampled_max) r->rss_sampled_max = rss;
                if (tl) fprintf(tl, "%s,%.1f,%lld\n", s->run_id ? s->run_id : "", (now - t0) * 1000.0, rss);
            }
        }
        next += period;
        if (next < ab_now()) next = ab_now() + period * 0.5;
        sleep_until(next);
    }
    double t1 = ab_now();
    /* Anything the workload left in its process group goes too. */
    kill(-pid, SIGKILL);
    double busy1 = ab_machine_busy_s();
    getrusage(RUSAGE_SELF, &self1);
    if (tl) fclose(tl);

    r->wall_s = t1 - t0;
    r->user_s = tv_s(ru.ru_utime);
    r->sys_s = tv_s(ru.ru_stime);
    r->maxrss_kb = ru.ru_maxrss;
    double self_cpu = tv_s(self1.ru_utime) + tv_s(self1.ru_stime) - tv_s(self0.ru_utime) - tv_s(self0.ru_stime);
    double foreign = (busy0 >= 0 && busy1 >= 0) ? (busy1 - busy0) - r->user_s - r->sys_s - self_cpu : 0;
    r->foreign_cpu_s = foreign > 0 ? foreign : 0;
    if (child_errno) {
        r->status = AB_EXIT_SPAWN;
        r->exit_code = 127;
        return 0;
    }
    if (killed == 1) r->status = AB_EXIT_TIMEOUT;
    else if (killed == 2) r->status = AB_EXIT_INTERRUPTED;
    else if (WIFEXITED(st)) {
        r->exit_code = WEXITSTATUS(st);
        r->status = r->exit_code == 0 ? AB_EXIT_OK : AB_EXIT_FAIL;
    } else if (WIFSIGNALED(st)) {
        r->signal = WTERMSIG(st);
        r->status = AB_EXIT_SIGNAL;
    }
    return 0;
}
