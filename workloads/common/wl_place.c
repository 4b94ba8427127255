/* wl_place.c: placement policies (see wl_place.h). */
#include "wl_place.h"

#include <stdlib.h>
#include <string.h>

int wl_pin_parse(const char *s, wl_pin_policy *out)
{
    if (!strcmp(s, "compact")) *out = WL_PIN_COMPACT;
    else if (!strcmp(s, "scatter")) *out = WL_PIN_SCATTER;
    else if (!strcmp(s, "none")) *out = WL_PIN_NONE;
    else return -1;
    return 0;
}

const char *wl_pin_name(wl_pin_policy p)
{
    switch (p) {
    case WL_PIN_COMPACT: return "compact";
    case WL_PIN_SCATTER: return "scatter";
    default: return "none";
    }
}

/* PUs of set in compact order: the first PU of every core (core logical
 * order), then every core's second PU, and so on. PUs outside any core come
 * last. Returns the count written (at most cap). */
static int compact_order(hwloc_topology_t topo, hwloc_const_cpuset_t set, unsigned *out, int cap)
{
    int n = 0;
    int ncores = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE);
    if (ncores > 0) {
        for (int pass = 0;; pass++) {
            int took = 0;
            for (int c = 0; c < ncores; c++) {
                hwloc_obj_t core = hwloc_get_obj_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE, (unsigned)c);
                hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU, (unsigned)pass);
                if (!pu || !hwloc_bitmap_isset(set, pu->os_index)) continue;
                if (n < cap) out[n++] = pu->os_index;
                took = 1;
            }
            if (!took) break;
        }
    }
    /* PUs not below a core (e.g. a topology without cores). */
    int npus = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_PU);
    for (int i = 0; i < npus; i++) {
        hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topo, set, HWLOC_OBJ_PU, (unsigned)i);
        if (hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu)) continue;
        if (n < cap) out[n++] = pu->os_index;
    }
    return n;
}

/* Scatter order of the PUs below obj: the children's own scatter orders,
 * interleaved round-robin (first PU of every child, then the second, ...),
 * recursively; a child whose list is used up drops out. Writes at most cap
 * entries to out and returns the count. */
static int scatter_order(hwloc_obj_t obj, unsigned *out, int cap)
{
    if (obj->type == HWLOC_OBJ_PU) {
        if (cap < 1) return 0;
        out[0] = obj->os_index;
        return 1;
    }
    unsigned nch = obj->arity;
    if (nch == 0) return 0;
    unsigned **sub = calloc(nch, sizeof *sub);
    int *len = calloc(nch, sizeof *len);
    int total = 0;
    if (!sub || !len) { free(sub); free(len); return 0; }
    for (unsigned c = 0; c < nch; c++) {
        hwloc_obj_t ch = obj->children[c];
        int w = ch->cpuset ? hwloc_bitmap_weight(ch->cpuset) : 0;
        if (w <= 0) continue;
        sub[c] = calloc((size_t)w, sizeof **sub);
        if (!sub[c]) continue;
        len[c] = scatter_order(ch, sub[c], w);
        total += len[c];
    }
    int n = 0;
    for (int k = 0; n < total && n < cap; k++)
        for (unsigned c = 0; c < nch && n < cap; c++)
            if (k < len[c]) out[n++] = sub[c][k];
    for (unsigned c = 0; c < nch; c++) free(sub[c]);
    free(sub);
    free(len);
    return n;
}

int wl_place_compute(hwloc_topology_t topo, wl_pin_policy policy, int nthreads, unsigned *out)
{
    if (policy == WL_PIN_NONE || nthreads <= 0) return 0;
    hwloc_const_cpuset_t root = hwloc_topology_get_topology_cpuset(topo);
    int total = hwloc_get_nbobjs_inside_cpuset_by_type(topo, root, HWLOC_OBJ_PU);
    if (total <= 0) return 0;
    unsigned *seq = calloc((size_t)total, sizeof *seq);
    if (!seq) return 0;
    int npk = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    int nseq = 0;

    if (policy == WL_PIN_COMPACT) {
        if (npk <= 0) {
            nseq = compact_order(topo, root, seq, total);
        } else {
            for (int p = 0; p < npk; p++) {
                hwloc_obj_t pk = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, (unsigned)p);
                nseq += compact_order(topo, pk->cpuset, seq + nseq, total - nseq);
            }
        }
    } else { /* scatter */
        nseq = scatter_order(hwloc_get_root_obj(topo), seq, total);
    }
    if (nseq == 0) { free(seq); return 0; }
    for (int i = 0; i < nthreads; i++) out[i] = seq[i % nseq];
    free(seq);
    return nthreads;
}

int wl_topology_export(const char *path)
{
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) < 0) return -1;
    int rc = -1;
    if (hwloc_topology_load(t) == 0 && hwloc_topology_export_xml(t, path, 0) == 0) rc = 0;
    hwloc_topology_destroy(t);
    return rc;
}
