/*
 * bounded.c: run a command with a time limit, and make sure that no
 * process it started outlives it.
 *
 *   bounded [-k GRACE] SECONDS CMD [ARG...]
 *
 * bounded makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER):
 * a process CMD starts stays a descendant of bounded however it detaches
 * (its own process group, its own session, a double fork), because an
 * orphan is re-parented to bounded instead of to init. Its descendants are
 * found by walking the parent links in /proc.
 *
 *   - CMD exits in time: if descendants are still running 1 s later, bounded
 *     prints "bounded: N process(es) left running after the command ended
 *     (killed): ..." on stderr, SIGKILLs them, and exits 125 if CMD itself
 *     succeeded (else with CMD's status).
 *   - SECONDS pass first: "bounded: timed out after S s" on stderr, SIGTERM
 *     to every descendant, SIGKILL to every one left GRACE seconds later
 *     (default 10), exit 124.
 *   - bounded gets SIGINT, SIGTERM or SIGHUP: the same kill sequence, exit
 *     128 + the signal.
 * In every case bounded exits only once no descendant is left (zombies
 * excepted), or says "bounded: N process(es) survived SIGKILL" and exits
 * 126. CMD's own exit status otherwise: its exit code, or 128 + the signal
 * that ended it. 127: CMD could not be run.
 *
 * stdin, stdout, stderr and the process group are CMD's as they are
 * bounded's.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXPROC 32768
#define LEFT_GRACE_MS 1000
#define KILL_WAIT_MS 5000

struct proc {
    pid_t pid, ppid;
    char state;
    char comm[24];
};

static struct proc procs[MAXPROC];
static pid_t self;
static pid_t child;
static bool child_done;
static int child_status;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Reap every finished child (CMD, and orphans re-parented to us). */
static void reap(void)
{
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
        if (w == child && !child_done) {
            child_done = true;
            child_status = st;
        }
    }
}

static int read_procs(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAXPROC) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close || close < open)
            continue;
        struct proc *p = &procs[n];
        char st;
        int ppid;
        if (sscanf(close + 1, " %c %d", &st, &ppid) != 2)
            continue;
        p->pid = (pid_t)atoi(buf);
        p->ppid = (pid_t)ppid;
        p->state = st;
        size_t cl = (size_t)(close - open - 1);
        if (cl >= sizeof p->comm)
            cl = sizeof p->comm - 1;
        memcpy(p->comm, open + 1, cl);
        p->comm[cl] = '\0';
        n++;
    }
    closedir(d);
    return n;
}

/* Marks descendants of self in desc[]; returns how many are alive (not
 * zombies). */
static int descendants(int n, bool *desc)
{
    memset(desc, 0, (size_t)n * sizeof *desc);
    bool changed = true;
    while (changed) {
        changed = false;
        for (int i = 0; i < n; i++) {
            if (desc[i])
                continue;
            bool up = procs[i].ppid == self;
            for (int j = 0; !up && j < n; j++)
                up = desc[j] && procs[j].pid == procs[i].ppid;
            if (up) {
                desc[i] = true;
                changed = true;
            }
        }
    }
    int alive = 0;
    for (int i = 0; i < n; i++)
        if (desc[i] && procs[i].state != 'Z' && procs[i].state != 'X')
            alive++;
    return alive;
}

static bool desc_buf[MAXPROC];

/* Sends sig to every live descendant; returns how many there were. With
 * list, names them on stderr first. */
static int signal_all(int sig, const char *list)
{
    reap();
    int n = read_procs();
    int alive = descendants(n, desc_buf);
    if (alive && list) {
        fprintf(stderr, "bounded: %d process(es) %s:", alive, list);
        for (int i = 0; i < n; i++)
            if (desc_buf[i] && procs[i].state != 'Z' && procs[i].state != 'X')
                fprintf(stderr, " %d (%s)", (int)procs[i].pid, procs[i].comm);
        fputc('\n', stderr);
    }
    for (int i = 0; i < n; i++)
        if (desc_buf[i] && procs[i].state != 'Z' && procs[i].state != 'X')
            kill(procs[i].pid, sig);
    return alive;
}

/* Waits up to ms for the descendants to end; returns how many are left. */
static int wait_gone(double ms)
{
    double end = now_ms() + ms;
    for (;;) {
        reap();
        int n = read_procs();
        int alive = descendants(n, desc_buf);
        if (!alive || now_ms() >= end)
            return alive;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* SIGKILL until nothing is left; 0, or 126 if something survives. */
static int kill_all(void)
{
    double end = now_ms() + KILL_WAIT_MS;
    while (signal_all(SIGKILL, NULL) > 0 && now_ms() < end) {
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    int left = wait_gone(0);
    if (left) {
        signal_all(0, "survived SIGKILL");
        return 126;
    }
    return 0;
}

static int status_code(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bounded [-k GRACE] SECONDS CMD [ARG...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    double grace = 10;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-k") == 0) {
        grace = strtod(argv[i + 1], NULL);
        i += 2;
    }
    if (argc - i < 2)
        usage();
    char *end;
    double secs = strtod(argv[i], &end);
    if (*end || secs <= 0)
        usage();
    char **cmd = argv + i + 1;

    self = getpid();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("bounded: prctl(PR_SET_CHILD_SUBREAPER)");
        return 127;
    }
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    fflush(NULL);
    child = fork();
    if (child < 0) {
        perror("bounded: fork");
        return 127;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(cmd[0], cmd);
        fprintf(stderr, "bounded: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }

    double deadline = now_ms() + secs * 1e3;
    int why = 0; /* 0 CMD ended, -1 timed out, else the signal received */
    for (;;) {
        reap();
        if (child_done)
            break;
        double left = deadline - now_ms();
        if (left <= 0) {
            why = -1;
            break;
        }
        if (left > 200)
            left = 200;
        struct timespec ts = { (time_t)(left / 1e3), (long)((left - (double)(time_t)(left / 1e3) * 1e3) * 1e6) };
        siginfo_t info;
        int sig = sigtimedwait(&set, &info, &ts);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            why = sig;
            break;
        }
    }

    if (why == 0) {
        /* CMD is done: whatever it started has a moment to finish. */
        int rc = status_code(child_status);
        if (wait_gone(LEFT_GRACE_MS) == 0)
            return rc;
        signal_all(SIGKILL, "left running after the command ended (killed)");
        int k = kill_all();
        return k ? k : rc == 0 ? 125 : rc;
    }
    if (why < 0)
        fprintf(stderr, "bounded: timed out after %g s: %s\n", secs, cmd[0]);
    else
        fprintf(stderr, "bounded: got signal %d, stopping %s\n", why, cmd[0]);
    signal_all(SIGTERM, NULL);
    signal_all(SIGCONT, NULL);
    wait_gone(grace * 1e3);
    int k = kill_all();
    if (k)
        return k;
    return why < 0 ? 124 : 128 + why;
}
