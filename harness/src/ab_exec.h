/*
 * ab_exec.h: run one workload process and measure it: wall time, rusage
 * (user, sys, max RSS) from wait4, RSS sampled from /proc/<pid>/statm into
 * a timeline, CPU used by other processes during the run (from /proc/stat),
 * and a timeout that kills the whole process group.
 */
#ifndef AB_EXEC_H
#define AB_EXEC_H

#include <signal.h>

/* What to run. Invariants: argv[0] is an executable path, argv is
 * NULL-terminated; preload NULL means LD_PRELOAD is removed from the
 * child's environment; env[] is NULL-terminated "K=V" strings (may be
 * NULL); sample_ms >= 1; timeout_s > 0. */
typedef struct ab_exec_spec {
    char *const *argv;
    const char  *preload;
    char *const *env;
    const char  *stdout_path;
    const char  *stderr_path;
    const char  *timeline_path;   /* NULL: no timeline */
    const char  *run_id;
    int          sample_ms;
    double       timeout_s;
} ab_exec_spec;

enum ab_exec_status {
    AB_EXIT_OK = 0,     /* exited with status 0 */
    AB_EXIT_FAIL,       /* exited non-zero */
    AB_EXIT_SIGNAL,     /* killed by a signal (crash) */
    AB_EXIT_TIMEOUT,    /* killed by us after timeout_s */
    AB_EXIT_INTERRUPTED,/* killed by us because allocbench got SIGINT/SIGTERM */
    AB_EXIT_SPAWN       /* could not start */
};

/* Measurements of one run. Invariants: wall_s >= 0; foreign_cpu_s >= 0
 * (clamped); exit_code is meaningful for OK/FAIL, signal for SIGNAL. */
typedef struct ab_exec_result {
    enum ab_exec_status status;
    int    exit_code;
    int    signal;
    double wall_s, user_s, sys_s;
    long   maxrss_kb;
    double foreign_cpu_s;
    long   nsamples;
    long long rss_sampled_max;
} ab_exec_result;

/* Set by the SIGINT/SIGTERM handler that ab_exec_install_signals installs. */
extern volatile sig_atomic_t ab_interrupted;
void ab_exec_install_signals(void);

/* Run and wait. Returns 0 when the child was started (see r->status). */
int  ab_exec_run(const ab_exec_spec *s, ab_exec_result *r);
const char *ab_exec_status_name(enum ab_exec_status st);

/* Busy CPU seconds of the whole machine so far (user+nice+system+irq+
 * softirq from /proc/stat); -1 on error. */
double ab_machine_busy_s(void);

#endif /* AB_EXEC_H */
