/* trace.c: the `trace` tool.
 *
 *   trace stats FILE            counts per operation, size histogram, peak live
 *                               bytes, and the phases
 *   trace dump FILE             one text line per event (see from-text)
 *   trace pack IN OUT [LEVEL]   rewrite a trace with every block zlib-compressed
 *                               (default level 9); the tracer writes stored blocks
 *   trace from-text IN OUT      build a trace from text lines:
 *                                 phase                      next events start a new phase
 *                                 THREAD OP SIZE ID [ADDR [AUX [OLD_ADDR]]]
 *                               (# starts a comment; OP is a name from stats)
 *
 * Bad input gives one line on stderr and exit status 1 (2 for usage).
 */
#include "idmap.h"
#include "tracefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(void)
{
    fprintf(stderr, "usage: trace stats FILE | trace dump FILE | trace pack IN OUT [LEVEL] | trace from-text IN OUT\n");
    return 2;
}

static int load(const char *path, tf_trace *t)
{
    char err[256];
    if (tf_trace_load(path, t, err, sizeof err) < 0) {
        fprintf(stderr, "trace: %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* Per-phase accumulation for stats. */
typedef struct phstat {
    uint64_t events, allocs, frees, first_us, last_us, live_end, peak;
    int seen;
} phstat;

static int cmd_stats(const char *path)
{
    tf_trace t;
    if (load(path, &t) < 0) return 1;
    uint64_t opcount[TF_OP_COUNT] = { 0 }, hist[65] = { 0 };
    static phstat ph[256];
    im_map live;
    im_init(&live);
    uint64_t cur = 0, peak = 0, peak_seq = 0, unknown = 0, failed = 0, allocbytes = 0;
    for (size_t i = 0; i < t.nev; i++) {
        const tf_event *e = &t.ev[i];
        opcount[e->op]++;
        int eff = tf_op_effect(e->op);
        phstat *p = &ph[e->phase];
        if (!p->seen) { p->seen = 1; p->first_us = e->time_us; }
        p->events++;
        if (e->time_us > p->last_us) p->last_us = e->time_us;
        if (eff == TF_EFF_ALLOC || eff == TF_EFF_REALLOC) {
            if (!e->addr) {
                if (eff == TF_EFF_REALLOC && e->size == 0) { eff = TF_EFF_FREE; }
                else { failed++; continue; }
            } else {
                int b = 0;
                while (b < 64 && (1ull << b) < e->size) b++;
                hist[b]++;
                allocbytes += e->size;
            }
        }
        if (eff == TF_EFF_ALLOC) {
            uint64_t *old = im_get(&live, e->id);
            if (old) cur -= *old;
            if (e->id && im_put(&live, e->id, e->size) < 0) { fprintf(stderr, "trace: out of memory\n"); return 1; }
            cur += e->size;
            p->allocs++;
        } else if (eff == TF_EFF_REALLOC) {
            uint64_t *old = im_get(&live, e->id);
            if (old) { cur -= *old; *old = e->size; }
            else if (e->id && im_put(&live, e->id, e->size) < 0) { fprintf(stderr, "trace: out of memory\n"); return 1; }
            cur += e->size;
            p->allocs++;
        } else if (eff == TF_EFF_FREE) {
            uint64_t sz;
            if (im_del(&live, e->id, &sz)) cur -= sz;
            else if (e->addr) unknown++;
            p->frees++;
        }
        if (cur > peak) { peak = cur; peak_seq = e->seq; }
        if (cur > p->peak) p->peak = cur;
        p->live_end = cur;
    }
    printf("trace %s: version %u, %zu events (%llu dropped), %u threads, %llu blocks\n", path, t.version,
           t.nev, (unsigned long long)t.dropped, t.nthreads, (unsigned long long)t.nblocks);
    printf("command: %s\n", t.note[0] ? t.note : "(none)");
    printf("duration: %.3f s\n", t.nev ? (double)t.ev[t.nev - 1].time_us / 1e6 : 0.0);
    printf("\noperations:\n");
    for (unsigned op = 1; op < TF_OP_COUNT; op++)
        if (opcount[op]) printf("  %-20s %12llu\n", tf_op_name(op), (unsigned long long)opcount[op]);
    printf("  %-20s %12llu\n  %-20s %12llu\n", "unknown-id frees", (unsigned long long)unknown,
           "failed allocations", (unsigned long long)failed);
    printf("\nrequested sizes (allocations and reallocations; %llu bytes in all):\n",
           (unsigned long long)allocbytes);
    for (int b = 0; b < 65; b++) {
        if (!hist[b]) continue;
        unsigned long long lo = b == 0 ? 0 : (1ull << (b - 1)) + 1, hi = 1ull << b;
        printf("  %12llu .. %-12llu %12llu\n", lo, hi, (unsigned long long)hist[b]);
    }
    printf("\npeak live bytes: %llu (at event %llu); live at end: %llu in %zu blocks\n",
           (unsigned long long)peak, (unsigned long long)peak_seq, (unsigned long long)cur, live.count);
    printf("\nphases: %u marks\n", t.nphases);
    printf("  %5s %12s %10s %10s %10s %14s %14s\n", "phase", "events", "allocs", "frees", "seconds",
           "peak_live", "live_at_end");
    for (int k = 0; k < 256; k++) {
        phstat *p = &ph[k];
        if (!p->seen) continue;
        printf("  %5d %12llu %10llu %10llu %10.3f %14llu %14llu\n", k, (unsigned long long)p->events,
               (unsigned long long)p->allocs, (unsigned long long)p->frees,
               (double)(p->last_us - p->first_us) / 1e6, (unsigned long long)p->peak,
               (unsigned long long)p->live_end);
    }
    im_free(&live);
    tf_trace_free(&t);
    return 0;
}

static int cmd_dump(const char *path)
{
    tf_trace t;
    if (load(path, &t) < 0) return 1;
    uint32_t k = 0;
    printf("# %s: %zu events, %u threads\n", path, t.nev, t.nthreads);
    for (size_t i = 0; i < t.nev; i++) {
        const tf_event *e = &t.ev[i];
        while (k < t.nphases && t.phases[k].seq <= e->seq) { printf("phase %u\n", t.phases[k].phase); k++; }
        printf("%u %s %llu %llu 0x%llx %llu", e->thread, tf_op_name(e->op), (unsigned long long)e->size,
               (unsigned long long)e->id, (unsigned long long)e->addr, (unsigned long long)e->aux);
        if (tf_op_has_old(e->op)) printf(" 0x%llx", (unsigned long long)e->old_addr);
        putchar('\n');
    }
    while (k < t.nphases) printf("phase %u\n", t.phases[k++].phase);
    tf_trace_free(&t);
    return 0;
}

static unsigned op_by_name(const char *s)
{
    for (unsigned op = 1; op < TF_OP_COUNT; op++)
        if (!strcmp(s, tf_op_name(op))) return op;
    return 0;
}

static int write_file(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

static int cmd_from_text(const char *in, const char *out)
{
    FILE *f = fopen(in, "r");
    if (!f) { fprintf(stderr, "trace: cannot open %s: %s\n", in, strerror(errno)); return 1; }
    size_t cap = 1024, n = 0;
    tf_event *ev = malloc(cap * sizeof *ev);
    tf_phase ph[256];
    uint32_t nph = 0, maxthr = 0;
    char line[512];
    int lineno = 0;
    while (ev && fgets(line, sizeof line, f)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        char opname[64];
        unsigned thr;
        unsigned long long size, id, addr = 0, aux = 0, old = 0;
        if (sscanf(line, " %63s", opname) != 1) continue;
        if (!strcmp(opname, "phase")) {
            if (nph == 255) { fprintf(stderr, "trace: %s:%d: too many phases\n", in, lineno); fclose(f); free(ev); return 1; }
            ph[nph] = (tf_phase){ nph + 1, n, n };
            nph++;
            continue;
        }
        int got = sscanf(line, " %u %63s %llu %llu %lli %llu %lli", &thr, opname, &size, &id, &addr, &aux, &old);
        unsigned op = got >= 4 ? op_by_name(opname) : 0;
        if (!op || thr >= 0xFFFF) {
            fprintf(stderr, "trace: %s:%d: bad event line\n", in, lineno);
            fclose(f); free(ev);
            return 1;
        }
        if (n == cap) { cap *= 2; tf_event *ne = realloc(ev, cap * sizeof *ev); if (!ne) { free(ev); ev = NULL; break; } ev = ne; }
        ev[n] = (tf_event){ .seq = n, .time_us = n, .size = size, .id = id, .addr = addr,
                            .aux = aux, .old_addr = old, .thread = (uint16_t)thr, .op = (uint8_t)op };
        if (thr > maxthr) maxthr = thr;
        n++;
    }
    fclose(f);
    if (!ev) { fprintf(stderr, "trace: out of memory\n"); return 1; }
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { fprintf(stderr, "trace: cannot create %s: %s\n", out, strerror(errno)); free(ev); return 1; }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit(&zs, 6);
    uint8_t hdr[32 + TF_MAX_NOTE + 16];
    int rc = write_file(fd, hdr, tf_encode_header(hdr, "trace from-text", 0, TF_HDR_IDS_RESOLVED));
    /* Group each thread's events into blocks of at most 4096. */
    tf_event *grp = malloc(4096 * sizeof *grp);
    uint8_t *raw = malloc(4096 * TF_REC_MAX_BYTES + 8192);
    size_t bcap = tf_block_bound(4096 * TF_REC_MAX_BYTES + 8192);
    uint8_t *blk = malloc(bcap);
    uint64_t nblocks = 0;
    if (!grp || !raw || !blk) rc = -1;
    for (uint32_t th = 0; rc == 0 && th <= maxthr && n; th++) {
        uint32_t g = 0;
        for (size_t i = 0; i <= n && rc == 0; i++) {
            if (i < n && ev[i].thread == th) grp[g++] = ev[i];
            if (g && (g == 4096 || i == n)) {
                size_t rl = tf_encode_events(grp, g, raw);
                size_t bl = tf_build_block(&zs, TF_BLK_EVENTS, th, g, grp[0].seq, raw, rl, blk, bcap);
                rc = bl ? write_file(fd, blk, bl) : -1;
                nblocks++;
                g = 0;
            }
        }
    }
    if (rc == 0 && nph) {
        size_t rl = tf_encode_phases(ph, nph, raw);
        size_t bl = tf_build_block(&zs, TF_BLK_PHASES, 0xFFFF, nph, 0, raw, rl, blk, bcap);
        rc = bl ? write_file(fd, blk, bl) : -1;
        nblocks++;
    }
    if (rc == 0) {
        size_t rl = tf_encode_end(n, n ? maxthr + 1 : 0, nblocks, raw);
        size_t bl = tf_build_block(&zs, TF_BLK_END, 0xFFFF, 0, 0, raw, rl, blk, bcap);
        rc = bl ? write_file(fd, blk, bl) : -1;
    }
    deflateEnd(&zs);
    free(grp); free(raw); free(blk); free(ev);
    if (close(fd) < 0 || rc < 0) { fprintf(stderr, "trace: cannot write %s\n", out); return 1; }
    return 0;
}

static int cmd_pack(const char *in, const char *out, const char *lvl)
{
    int level = lvl ? atoi(lvl) : 9;
    if (level < 1 || level > 9) { fprintf(stderr, "trace: pack level must be 1..9\n"); return 2; }
    int fd = open(in, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) { fprintf(stderr, "trace: cannot read %s\n", in); if (fd >= 0) close(fd); return 1; }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) { fprintf(stderr, "trace: cannot map %s\n", in); return 1; }
    int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (ofd < 0) { fprintf(stderr, "trace: cannot create %s: %s\n", out, strerror(errno)); return 1; }
    char err[256];
    int rc = tf_repack(m, (size_t)st.st_size, ofd, level, err, sizeof err);
    munmap(m, (size_t)st.st_size);
    if (close(ofd) < 0 && rc == 0) { rc = -1; snprintf(err, sizeof err, "close failed"); }
    if (rc < 0) { fprintf(stderr, "trace: %s: %s\n", in, err); unlink(out); return 1; }
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "pack")) return cmd_pack(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (argc == 3 && !strcmp(argv[1], "stats")) return cmd_stats(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "dump")) return cmd_dump(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "from-text")) return cmd_from_text(argv[2], argv[3]);
    return usage();
}
