/* tracer-check.c: compares the phase-1 events of a trace of tracer-prog
 * with the program's own log: per thread, the same calls in the same order
 * with the same sizes and addresses; no other event in phase 1; object ids
 * consistent (fresh at each allocation, kept by realloc, the same id at the
 * free of a block, also when another thread frees it).
 *   tracer-check TRACE LOG        exit 0 when they match */
#include "idmap.h"
#include "tracefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int thread; char op[32]; unsigned long long size, addr; } logrec;

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: tracer-check TRACE LOG\n"); return 2; }
    tf_trace t;
    char err[256];
    if (tf_trace_load(argv[1], &t, err, sizeof err) < 0) { fprintf(stderr, "tracer-check: %s\n", err); return 1; }
    FILE *f = fopen(argv[2], "r");
    if (!f) { fprintf(stderr, "tracer-check: cannot open %s\n", argv[2]); return 1; }
    static logrec lg[256];
    int n = 0;
    char addr[64];
    while (n < 256 && fscanf(f, "%d %31s %llu %63s", &lg[n].thread, lg[n].op, &lg[n].size, addr) == 4) {
        lg[n].addr = strcmp(addr, "(nil)") ? strtoull(addr, NULL, 16) : 0;
        n++;
    }
    fclose(f);
    /* Phase-1 events per trace thread. */
    int fails = 0, matched[2] = { -1, -1 }, nthr = 0, ph1 = 0;
    unsigned thr_of[64];
    for (size_t i = 0; i < t.nev; i++) {
        if (t.ev[i].phase != 1) continue;
        ph1++;
        int known = 0;
        for (int k = 0; k < nthr; k++) if (thr_of[k] == t.ev[i].thread) known = 1;
        if (!known && nthr < 64) thr_of[nthr++] = t.ev[i].thread;
    }
    if (t.nphases != 2) { fprintf(stderr, "tracer-check: expected 2 phase marks, found %u\n", t.nphases); fails++; }
    if (nthr != 2) { fprintf(stderr, "tracer-check: phase 1 has events of %d threads, expected 2\n", nthr); fails++; }
    if (ph1 != n) { fprintf(stderr, "tracer-check: phase 1 has %d events, the log %d\n", ph1, n); fails++; }
    for (int th = 0; th < 2 && !fails; th++) {
        for (int k = 0; k < nthr; k++) {
            int j = 0, ok = 1;
            for (size_t i = 0; i < t.nev && ok; i++) {
                const tf_event *e = &t.ev[i];
                if (e->phase != 1 || e->thread != thr_of[k]) continue;
                while (j < n && lg[j].thread != th) j++;
                if (j == n || strcmp(tf_op_name(e->op), lg[j].op) || e->addr != lg[j].addr ||
                    (strcmp(lg[j].op, "free") && e->size != lg[j].size)) ok = 0;
                j++;
            }
            while (j < n && lg[j].thread != th) j++;
            if (ok && j == n) matched[th] = (int)thr_of[k];
        }
        if (matched[th] < 0) { fprintf(stderr, "tracer-check: no trace thread matches log thread %d\n", th); fails++; }
    }
    /* Ids: follow blocks by address over the whole trace. */
    im_map live; /* addr -> id */
    im_init(&live);
    uint64_t maxid = 0;
    for (size_t i = 0; i < t.nev; i++) {
        const tf_event *e = &t.ev[i];
        int eff = tf_op_effect(e->op);
        if (eff == TF_EFF_ALLOC && e->addr) {
            if (e->id <= maxid) { fprintf(stderr, "tracer-check: event %zu: allocation id %llu not fresh\n", i, (unsigned long long)e->id); fails++; break; }
            maxid = e->id;
            im_put(&live, e->addr, e->id);
        } else if (eff == TF_EFF_REALLOC && e->addr) {
            if (e->id > maxid) maxid = e->id;
            im_put(&live, e->addr, e->id);
        } else if (eff == TF_EFF_FREE && e->addr) {
            uint64_t id = 0;
            if (!im_del(&live, e->addr, &id) && e->phase == 1) { fprintf(stderr, "tracer-check: event %zu frees an unknown block\n", i); fails++; break; }
            if (e->phase == 1 && id != e->id) { fprintf(stderr, "tracer-check: event %zu: free id %llu, block id %llu\n", i, (unsigned long long)e->id, (unsigned long long)id); fails++; break; }
        }
        if (eff == TF_EFF_REALLOC && e->phase == 1 && e->op == TF_OP_REALLOC && e->size == 1000) {
            /* the realloc of main's malloc(100) keeps its id */
            for (size_t j = 0; j < i; j++)
                if (t.ev[j].phase == 1 && t.ev[j].op == TF_OP_MALLOC && t.ev[j].size == 100 && t.ev[j].id != e->id) {
                    fprintf(stderr, "tracer-check: realloc changed the object id\n");
                    fails++;
                }
        }
    }
    im_free(&live);
    if (t.dropped) { fprintf(stderr, "tracer-check: %llu events dropped\n", (unsigned long long)t.dropped); fails++; }
    tf_trace_free(&t);
    if (fails) return 1;
    printf("tracer-check: %d phase-1 events of 2 threads match the program's log exactly\n", n);
    return 0;
}
