/* ab_meta.c: see ab_meta.h. */
#include "ab_meta.h"
#include "ab_json.h"
#include "ab_csv.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static char *cpu_model(void)
{
    char *txt = ab_read_file("/proc/cpuinfo", NULL);
    if (!txt) return ab_xstrdup("unknown");
    char *r = NULL;
    char *p = strstr(txt, "model name");
    if (p && (p = strchr(p, ':'))) {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        char *e = strchr(p, '\n');
        if (e) *e = '\0';
        r = ab_xstrdup(p);
    }
    free(txt);
    return r ? r : ab_xstrdup("unknown");
}

static char *os_name(void)
{
    char *txt = ab_read_file("/etc/os-release", NULL);
    if (!txt) return ab_xstrdup("unknown");
    char *r = NULL;
    char *p = strstr(txt, "PRETTY_NAME=");
    if (p) {
        p += 12;
        if (*p == '"') p++;
        char *e = strpbrk(p, "\"\n");
        if (e) *e = '\0';
        r = ab_xstrdup(p);
    }
    free(txt);
    return r ? r : ab_xstrdup("unknown");
}

void ab_machine_get(ab_machine *m)
{
    memset(m, 0, sizeof *m);
    struct utsname u;
    if (uname(&u) == 0) {
        m->host = ab_xstrdup(u.nodename);
        m->arch = ab_xstrdup(u.machine);
        m->kernel = ab_xstrdup(u.release);
        m->kernel_version = ab_xstrdup(u.version);
    } else {
        m->host = ab_xstrdup("unknown"); m->arch = ab_xstrdup("unknown");
        m->kernel = ab_xstrdup("unknown"); m->kernel_version = ab_xstrdup("unknown");
    }
    m->cpu_model = cpu_model();
    m->os = os_name();
    m->ncpu_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
    m->mem_total_kb = (long long)sysconf(_SC_PHYS_PAGES) * (long long)sysconf(_SC_PAGESIZE) / 1024;
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) == 0 && hwloc_topology_load(t) == 0) {
        m->hwloc_summary = ab_xasprintf("%d packages, %d cores, %d PUs, %d NUMA nodes",
            hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE), hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE),
            hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU), hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE));
        hwloc_topology_destroy(t);
    } else {
        m->hwloc_summary = ab_xstrdup("unknown");
    }
}

void ab_machine_free(ab_machine *m)
{
    free(m->host); free(m->arch); free(m->kernel); free(m->kernel_version);
    free(m->cpu_model); free(m->os); free(m->hwloc_summary);
    memset(m, 0, sizeof *m);
}

int ab_topology_export(const char *path)
{
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0) return -1;
    int rc = -1;
    if (hwloc_topology_load(t) == 0) rc = hwloc_topology_export_xml(t, path, 0);
    hwloc_topology_destroy(t);
    return rc;
}

static void kv_s(ab_str *o, const char *indent, const char *k, const char *v, int comma)
{
    ab_str_addf(o, "%s\"%s\": ", indent, k);
    ab_json_str(o, v);
    ab_str_add(o, comma ? ",\n" : "\n");
}

int ab_meta_write(const char *dir, const ab_meta *m)
{
    ab_str o = {0};
    const ab_machine *mc = m->machine;
    ab_str_add(&o, "{\n");
    kv_s(&o, "  ", "tool", "allocbench", 1);
    kv_s(&o, "  ", "results", m->results_name, 1);
    kv_s(&o, "  ", "state", m->state, 1);
    kv_s(&o, "  ", "date_start", m->date_start, 1);
    kv_s(&o, "  ", "date_end", m->date_end, 1);
    kv_s(&o, "  ", "command_line", m->command_line, 1);
    kv_s(&o, "  ", "git_commit", m->git_commit, 1);
    kv_s(&o, "  ", "git_status", m->git_status, 1);
    ab_str_add(&o, "  \"machine\": {\n");
    kv_s(&o, "    ", "host", mc->host, 1);
    kv_s(&o, "    ", "arch", mc->arch, 1);
    kv_s(&o, "    ", "cpu_model", mc->cpu_model, 1);
    ab_str_addf(&o, "    \"cpus_online\": %d,\n", mc->ncpu_online);
    ab_str_addf(&o, "    \"mem_total_kb\": %lld,\n", mc->mem_total_kb);
    kv_s(&o, "    ", "kernel", mc->kernel, 1);
    kv_s(&o, "    ", "kernel_version", mc->kernel_version, 1);
    kv_s(&o, "    ", "os", mc->os, 1);
    kv_s(&o, "    ", "topology", mc->hwloc_summary, 1);
    kv_s(&o, "    ", "topology_xml", "topology.xml", 0);
    ab_str_add(&o, "  },\n");
    ab_str_add(&o, "  \"settings\": {\n");
    kv_s(&o, "    ", "suite", m->suite, 1);
    kv_s(&o, "    ", "pin", m->pin, 1);
    ab_str_add(&o, "    \"threads\": [");
    for (int i = 0; i < m->nthreads; i++) ab_str_addf(&o, "%s%d", i ? ", " : "", m->threads[i]);
    ab_str_add(&o, "],\n");
    ab_str_addf(&o, "    \"reps\": %d,\n    \"reps_done\": %d,\n    \"warmup_runs_per_cell\": %d,\n    \"rss_sample_ms\": %d,\n",
                m->reps, m->reps_done, m->warmup, m->sample_ms);
    ab_str_addf(&o, "    \"timeout_s\": %g,\n", m->timeout_s);
    ab_str_addf(&o, "    \"disturbed_rule\": \"foreign_cpu_s > max(%g * wall_s, %g)\",\n", m->disturbed_frac, m->disturbed_floor_s);
    ab_str_add(&o, "    \"order\": \"rounds r = 1..reps; in each, every workload and thread count runs the allocators in turn (A B C A B C ...); in round 1 each workload and thread count starts with its unmeasured warm-up run(s)\",\n");
    ab_str_addf(&o, "    \"calibration\": %s\n", m->calibrated ? "\"calibration.csv\"" : "null");
    ab_str_add(&o, "  },\n");
    ab_str_add(&o, "  \"allocators\": [\n");
    for (int i = 0; i < m->nalloc; i++) {
        const ab_alloc *a = &m->allocs[i];
        ab_str_add(&o, "    {");
        ab_str_add(&o, "\"name\": "); ab_json_str(&o, a->name);
        ab_str_add(&o, ", \"ld_preload\": "); ab_json_str(&o, a->lib);
        ab_str_add(&o, ", \"env\": "); ab_json_str(&o, a->env);
        ab_str_add(&o, ", \"malloc_file\": "); ab_json_str(&o, a->file);
        ab_str_add(&o, ", \"version\": "); ab_json_str(&o, a->version);
        ab_str_add(&o, ", \"stats_api\": "); ab_json_str(&o, a->api);
        ab_str_add(&o, ", \"package\": "); ab_json_str(&o, a->package);
        ab_str_add(&o, ", \"package_version\": "); ab_json_str(&o, a->package_version);
        ab_str_add(&o, i + 1 < m->nalloc ? "},\n" : "}\n");
    }
    ab_str_add(&o, "  ],\n");
    ab_str_add(&o, "  \"workloads\": [\n");
    for (int i = 0; i < m->nwl; i++) {
        const ab_workload *w = m->wls[i];
        ab_str_add(&o, "    {");
        ab_str_add(&o, "\"name\": "); ab_json_str(&o, w->name);
        ab_str_add(&o, ", \"binary\": "); ab_json_str(&o, w->binary);
        ab_str_add(&o, ", \"kind\": "); ab_json_str(&o, w->kind);
        ab_str_add(&o, ", \"metric\": "); ab_json_str(&o, w->metric);
        ab_str_add(&o, ", \"better\": "); ab_json_str(&o, w->better);
        ab_str_add(&o, ", \"registry\": "); ab_json_str(&o, w->source);
        ab_str_add(&o, ", \"command_line\": "); ab_json_str(&o, m->argv_lines[i]);
        ab_str_add(&o, i + 1 < m->nwl ? "},\n" : "}\n");
    }
    ab_str_add(&o, "  ],\n");
    ab_str_addf(&o, "  \"runs\": %ld,\n  \"failed_runs\": %ld,\n  \"disturbed_runs\": %ld\n}\n",
                m->nruns, m->nfailed, m->ndisturbed);
    char *path = ab_xasprintf("%s/meta.json", dir);
    int rc = ab_write_atomic(path, o.buf, o.len);
    free(path);
    ab_str_free(&o);
    return rc;
}
