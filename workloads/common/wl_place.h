/* wl_place.h: thread placement policies on an hwloc topology.
 *
 * The policy is a pure function of (topology, policy, nthreads): it returns
 * the OS index of the PU for each worker index, so it can be unit-tested on
 * synthetic topologies (hwloc_topology_set_synthetic).
 *
 *   compact  fill one package before the next; inside a package use the first
 *            PU of every core (in core order) before any core's second PU.
 *   scatter  spread round-robin over the topology tree: at every level
 *            (NUMA group, package, cache, core) the children take turns, so
 *            consecutive threads alternate between packages and NUMA nodes
 *            first and a core's second PU is used only after every core
 *            has one thread.
 *   none     no placement (zero PUs returned).
 * More threads than PUs wrap around to the start of the order.
 */
#ifndef WL_PLACE_H
#define WL_PLACE_H

#include <hwloc.h>

typedef enum { WL_PIN_NONE = 0, WL_PIN_COMPACT, WL_PIN_SCATTER } wl_pin_policy;

/* Parse "compact", "scatter" or "none"; returns 0 on success, -1 otherwise. */
int wl_pin_parse(const char *s, wl_pin_policy *out);
const char *wl_pin_name(wl_pin_policy p);

/* Fill out[0..nthreads) with PU OS indexes for the policy. Returns the number
 * of entries written: nthreads, or 0 for WL_PIN_NONE or an empty topology. */
int wl_place_compute(hwloc_topology_t topo, wl_pin_policy policy, int nthreads, unsigned *out);

/* Write the machine's topology as hwloc XML to path. Returns 0 or -1. */
int wl_topology_export(const char *path);

#endif
