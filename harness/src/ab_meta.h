/*
 * ab_meta.h: the JSON metadata of a result set (machine, CPU, kernel,
 * topology, allocators, workloads, git commit, command lines, dates) and
 * the hwloc topology export.
 */
#ifndef AB_META_H
#define AB_META_H

#include "ab_alloc.h"
#include "ab_json.h"
#include "ab_util.h"
#include "ab_wl.h"

/* Machine facts. Invariant: every string is non-NULL after ab_machine_get. */
typedef struct ab_machine {
    char *host, *arch, *kernel, *kernel_version, *cpu_model, *os;
    int   ncpu_online;
    long long mem_total_kb;
    char *hwloc_summary;   /* "N packages, N cores, N PUs, N NUMA nodes" */
} ab_machine;

void ab_machine_get(ab_machine *m);
void ab_machine_free(ab_machine *m);

/* Export the hwloc topology of this machine as XML to path. 0 on success. */
int  ab_topology_export(const char *path);

/* Everything meta.json records. Invariant: arrays have the given counts;
 * argv_lines[i] is the exact command line of workload i (with %THREADS%
 * where the thread count goes). */
typedef struct ab_meta {
    const ab_machine *machine;
    const ab_alloc   *allocs;   int nalloc;
    const ab_workload *const *wls; int nwl;
    char **argv_lines;          /* nwl entries */
    const int *threads;         int nthreads;
    const char *suite, *pin, *command_line, *git_commit, *git_status;
    const char *date_start, *date_end, *state;   /* state: running, complete, interrupted */
    const char *results_name;
    int reps, reps_done, warmup, sample_ms;
    double timeout_s, disturbed_frac, disturbed_floor_s;
    long nruns, nfailed, ndisturbed;
    int calibrated;
} ab_meta;

/* Write dir/meta.json atomically. 0 on success. */
int ab_meta_write(const char *dir, const ab_meta *m);

#endif /* AB_META_H */
