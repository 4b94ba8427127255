/*
 * wl_proc.h: a child process a workload started (a server, a client
 * command): reaped without blocking, stopped with a grace period. Shared by
 * the server workloads (mariadb/dbbench.c, programs/redisbench.c).
 */
#ifndef WL_PROC_H
#define WL_PROC_H

#include <sys/resource.h>
#include <sys/types.h>

/* One child. Invariant: pid is 0 when none; once reaped is set, status and
 * ru hold its wait status and rusage and pid is not waited for again. */
typedef struct wl_proc {
    pid_t pid;
    int status;
    struct rusage ru;
    int reaped;
} wl_proc;

/* Reap p without blocking; returns 1 once it has exited (or when there is
 * no child). */
int wl_proc_poll(wl_proc *p);

/* Stop p: sig, then SIGKILL after grace_s, reaping it. Between polls
 * pause(s) is called with a few hundredths of a second (the caller's wait:
 * a plain sleep, or one that also takes signals). Returns 1 if SIGKILL was
 * needed. */
int wl_proc_stop(wl_proc *p, int sig, double grace_s, void (*pause)(double s));

/* After the caller cleaned up for termination signal sig (SIGINT, SIGTERM
 * or SIGHUP): print "<who>: interrupted by SIG<name>; server stopped,
 * temporary files removed", then die of sig (default action, the signal
 * unblocked if it was blocked), or exit 128 + sig if it does not kill. */
void wl_proc_die_of(int sig, const char *who) __attribute__((noreturn));

#endif /* WL_PROC_H */
