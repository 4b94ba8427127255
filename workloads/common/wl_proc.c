/* wl_proc.c: see wl_proc.h. */
#include "wl_proc.h"
#include "wl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

int wl_proc_poll(wl_proc *p)
{
    if (p->pid <= 0 || p->reaped) return 1;
    pid_t r;
    while ((r = wait4(p->pid, &p->status, WNOHANG, &p->ru)) < 0 && errno == EINTR) {}
    if (r == p->pid || (r < 0 && errno == ECHILD)) p->reaped = 1;
    return p->reaped;
}

int wl_proc_stop(wl_proc *p, int sig, double grace_s, void (*pause)(double s))
{
    if (p->pid <= 0 || wl_proc_poll(p)) return 0;
    kill(p->pid, sig);
    double t0 = wl_now();
    while (!wl_proc_poll(p)) {
        if (wl_now() - t0 >= grace_s) {
            kill(p->pid, SIGKILL);
            while (wait4(p->pid, &p->status, 0, &p->ru) < 0 && errno == EINTR) {}
            p->reaped = 1;
            return 1;
        }
        pause(0.02);
    }
    return 0;
}

void wl_proc_die_of(int sig, const char *who)
{
    fprintf(stderr, "%s: interrupted by SIG%s; server stopped, temporary files removed\n", who,
            sig == SIGINT ? "INT" : sig == SIGTERM ? "TERM" : "HUP");
    fflush(NULL);
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    raise(sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    _exit(128 + sig);
}
