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

/* Placement domain: a PU list in compact order with a cursor. */
typedef struct {
    unsigned *pus; /* PU OS indexes, compact order */
    int n;         /* entries in pus */
    int next;      /* next unused entry, 0 <= next <= n */
} domain;

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
        int nnuma = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
        int npkeff = npk > 0 ? npk : 1;
        int maxd = (nnuma > 1 ? nnuma : 1);
        /* dom[p * maxd + j]: domain j of package p. */
        domain *dom = calloc((size_t)npkeff * (size_t)maxd, sizeof *dom);
        int *nd = calloc((size_t)npkeff, sizeof *nd);
        unsigned *buf = calloc((size_t)total, sizeof *buf);
        if (!dom || !nd || !buf) { free(dom); free(nd); free(buf); free(seq); return 0; }
        unsigned *bp = buf;
        int used = 0;
        for (int p = 0; p < npkeff; p++) {
            hwloc_const_cpuset_t pset = npk > 0
                ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, (unsigned)p)->cpuset : root;
            if (nnuma > 1) {
                for (int k = 0; k < nnuma; k++) {
                    hwloc_obj_t nn = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)k);
                    if (hwloc_bitmap_iszero(nn->cpuset) || !hwloc_bitmap_isincluded(nn->cpuset, pset)) continue;
                    domain *d = &dom[p * maxd + nd[p]++];
                    d->pus = bp;
                    d->n = compact_order(topo, nn->cpuset, bp, total - used);
                    bp += d->n; used += d->n;
                }
            }
            if (nd[p] == 0) {
                domain *d = &dom[p * maxd + nd[p]++];
                d->pus = bp;
                d->n = compact_order(topo, pset, bp, total - used);
                bp += d->n; used += d->n;
            }
        }
        /* Round-robin: packages alternate fastest, then domains inside a
         * package, each domain handing out its next PU. */
        int maxnd = 0;
        for (int p = 0; p < npkeff; p++) if (nd[p] > maxnd) maxnd = nd[p];
        for (;;) {
            int took = 0;
            for (int j = 0; j < maxnd; j++) {
                for (int p = 0; p < npkeff; p++) {
                    if (j >= nd[p]) continue;
                    domain *d = &dom[p * maxd + j];
                    if (d->next < d->n && nseq < total) { seq[nseq++] = d->pus[d->next++]; took = 1; }
                }
            }
            /* The rotation above gives package-major order per round only
             * one PU per domain; keep cycling until every PU is used. */
            if (!took) break;
        }
        free(dom); free(nd); free(buf);
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
