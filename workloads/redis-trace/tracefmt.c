/* tracefmt.c: encoder, block builder and reader of the trace format. */
#include "tracefmt.h"
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const op_names[TF_OP_COUNT] = {
    [0] = "?",
    [TF_OP_MALLOC] = "malloc", [TF_OP_CALLOC] = "calloc", [TF_OP_REALLOC] = "realloc",
    [TF_OP_FREE] = "free", [TF_OP_POSIX_MEMALIGN] = "posix_memalign",
    [TF_OP_ALIGNED_ALLOC] = "aligned_alloc", [TF_OP_MEMALIGN] = "memalign",
    [TF_OP_VALLOC] = "valloc", [TF_OP_PVALLOC] = "pvalloc",
    [TF_OP_USABLE_SIZE] = "malloc_usable_size", [TF_OP_MALLOCX] = "mallocx",
    [TF_OP_RALLOCX] = "rallocx", [TF_OP_XALLOCX] = "xallocx", [TF_OP_SALLOCX] = "sallocx",
    [TF_OP_DALLOCX] = "dallocx", [TF_OP_SDALLOCX] = "sdallocx", [TF_OP_NALLOCX] = "nallocx",
    [TF_OP_MALLCTL] = "mallctl", [TF_OP_STATS_PRINT] = "malloc_stats_print",
};

const char *tf_op_name(unsigned op) { return op > 0 && op < TF_OP_COUNT ? op_names[op] : "?"; }

int tf_op_has_aux(unsigned op)
{
    switch (op) {
    case TF_OP_POSIX_MEMALIGN: case TF_OP_ALIGNED_ALLOC: case TF_OP_MEMALIGN:
    case TF_OP_VALLOC: case TF_OP_PVALLOC:
    case TF_OP_MALLOCX: case TF_OP_RALLOCX: case TF_OP_XALLOCX: case TF_OP_SALLOCX:
    case TF_OP_DALLOCX: case TF_OP_SDALLOCX: case TF_OP_NALLOCX:
        return 1;
    default:
        return 0;
    }
}

int tf_op_has_old(unsigned op) { return op == TF_OP_REALLOC || op == TF_OP_RALLOCX; }

int tf_op_effect(unsigned op)
{
    switch (op) {
    case TF_OP_MALLOC: case TF_OP_CALLOC: case TF_OP_POSIX_MEMALIGN: case TF_OP_ALIGNED_ALLOC:
    case TF_OP_MEMALIGN: case TF_OP_VALLOC: case TF_OP_PVALLOC: case TF_OP_MALLOCX:
        return TF_EFF_ALLOC;
    case TF_OP_REALLOC: case TF_OP_RALLOCX:
        return TF_EFF_REALLOC;
    case TF_OP_FREE: case TF_OP_DALLOCX: case TF_OP_SDALLOCX:
        return TF_EFF_FREE;
    default:
        return TF_EFF_NONE;
    }
}

/* ---- little-endian fixed fields and varints ---- */

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get32(const uint8_t *p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | p[i]; return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }

static size_t put_var(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) { p[n++] = (uint8_t)(v | 0x80); v >>= 7; }
    p[n++] = (uint8_t)v;
    return n;
}
static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Read a varint from [*p, end); -1 on overrun or more than 10 bytes. */
static int get_var(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*p >= end) return -1;
        uint8_t b = *(*p)++;
        if (shift == 63 && b > 1) return -1;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *out = v; return 0; }
    }
    return -1;
}

/* ---- writer ---- */

size_t tf_encode_header(uint8_t *out, const char *note, uint64_t start_unix_ns, uint32_t flags)
{
    size_t nl = note ? strlen(note) : 0;
    if (nl > TF_MAX_NOTE) nl = TF_MAX_NOTE;
    memcpy(out, TF_MAGIC, 8);
    put32(out + 8, TF_VERSION);
    put32(out + 12, flags);
    put64(out + 16, start_unix_ns);
    put32(out + 24, (uint32_t)nl);
    if (nl) memcpy(out + 28, note, nl);
    uint32_t crc = (uint32_t)crc32(0L, out, (uInt)(28 + nl));
    put32(out + 28 + nl, crc);
    return 32 + nl;
}

size_t tf_encode_events(const tf_event *ev, uint32_t n, uint8_t *out)
{
    size_t k = 0;
    uint64_t pseq = n ? ev[0].seq - 1 : 0, ptime = 0, pid = 0, paddr = 0;
    for (uint32_t i = 0; i < n; i++) {
        const tf_event *e = &ev[i];
        out[k++] = e->op;
        k += put_var(out + k, e->seq - pseq - 1);
        k += put_var(out + k, e->time_us >= ptime ? e->time_us - ptime : 0);
        k += put_var(out + k, e->size);
        k += put_var(out + k, zz((int64_t)(e->id - pid)));
        k += put_var(out + k, zz((int64_t)(e->addr - paddr)));
        if (tf_op_has_aux(e->op)) k += put_var(out + k, e->aux);
        if (tf_op_has_old(e->op)) k += put_var(out + k, zz((int64_t)(e->old_addr - e->addr)));
        pseq = e->seq;
        if (e->time_us >= ptime) ptime = e->time_us;
        pid = e->id;
        paddr = e->addr;
    }
    return k;
}

size_t tf_encode_phases(const tf_phase *ph, uint32_t n, uint8_t *out)
{
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        k += put_var(out + k, ph[i].phase);
        k += put_var(out + k, ph[i].seq);
        k += put_var(out + k, ph[i].time_us);
    }
    return k;
}

size_t tf_encode_end(uint64_t total_events, uint32_t nthreads, uint64_t nblocks, uint8_t *out)
{
    size_t k = put_var(out, total_events);
    k += put_var(out + k, nthreads);
    k += put_var(out + k, nblocks);
    return k;
}

size_t tf_block_bound(size_t raw_len) { return TF_BLOCK_HDR + deflateBound(NULL, (uLong)raw_len) + 64; }

size_t tf_build_block(z_stream *zs, unsigned type, unsigned thread, uint32_t nrec,
                      uint64_t base_seq, const uint8_t *raw, size_t raw_len,
                      uint8_t *out, size_t out_cap)
{
    if (out_cap < TF_BLOCK_HDR || raw_len > TF_MAX_RAW) return 0;
    size_t comp;
    if (zs) {
        if (deflateReset(zs) != Z_OK) return 0;
        zs->next_in = (Bytef *)(uintptr_t)raw;
        zs->avail_in = (uInt)raw_len;
        zs->next_out = out + TF_BLOCK_HDR;
        zs->avail_out = (uInt)(out_cap - TF_BLOCK_HDR);
        if (deflate(zs, Z_FINISH) != Z_STREAM_END) return 0;
        comp = (size_t)(out_cap - TF_BLOCK_HDR) - zs->avail_out;
    } else {
        if (out_cap - TF_BLOCK_HDR < raw_len) return 0;
        memcpy(out + TF_BLOCK_HDR, raw, raw_len);
        comp = raw_len;
    }
    put32(out, TF_BLOCK_MAGIC);
    out[4] = (uint8_t)type; out[5] = zs ? 0 : TF_BLK_STORED;
    out[6] = (uint8_t)thread; out[7] = (uint8_t)(thread >> 8);
    put32(out + 8, nrec);
    put32(out + 12, (uint32_t)raw_len);
    put32(out + 16, (uint32_t)comp);
    put32(out + 20, 0);
    put64(out + 24, base_seq);
    uint32_t crc = (uint32_t)crc32(0L, out, TF_BLOCK_HDR);
    crc = (uint32_t)crc32(crc, out + TF_BLOCK_HDR, (uInt)comp);
    put32(out + 20, crc);
    return TF_BLOCK_HDR + comp;
}

/* ---- reader ---- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void *map_zero(size_t len)
{
    if (!len) len = 1;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (len >= (4u << 20)) madvise(p, len, MADV_HUGEPAGE); /* fewer page faults for big traces */
    return p;
}
static void unmap(void *p, size_t len) { if (p) munmap(p, len ? len : 1); }

typedef struct blkhdr {
    unsigned type, flags, thread;
    uint32_t nrec, raw_len, comp_len;
    uint64_t base_seq;
    const uint8_t *payload;
} blkhdr;

void tf_trace_free(tf_trace *t)
{
    unmap(t->ev, t->ev_map_len);
    unmap(t->phases, (size_t)t->nphases * sizeof *t->phases + 1);
    t->ev = NULL;
    t->phases = NULL;
    t->nev = t->nphases = 0;
}

/* Decode one events payload into slots indexed by seq. */
static int decode_events(const blkhdr *b, const uint8_t *raw, tf_event *slot, uint8_t *present,
                         uint64_t total, uint32_t *maxthread, char *err, size_t errlen, size_t off)
{
    const uint8_t *p = raw, *end = raw + b->raw_len;
    uint64_t pseq = b->base_seq - 1, ptime = 0, pid = 0, paddr = 0;
    for (uint32_t i = 0; i < b->nrec; i++) {
        if (p >= end) goto bad;
        unsigned op = *p++;
        uint64_t dseq, dt, size, did, daddr, aux = 0, dold = 0;
        if (op == 0 || op >= TF_OP_COUNT) {
            set_err(err, errlen, "corrupt trace: unknown operation %u in block at offset %zu", op, off);
            return -1;
        }
        if (get_var(&p, end, &dseq) || get_var(&p, end, &dt) || get_var(&p, end, &size) ||
            get_var(&p, end, &did) || get_var(&p, end, &daddr) ||
            (tf_op_has_aux(op) && get_var(&p, end, &aux)) || (tf_op_has_old(op) && get_var(&p, end, &dold)))
            goto bad;
        uint64_t seq = pseq + 1 + dseq;
        if (seq < pseq + 1 || seq >= total) {
            set_err(err, errlen, "corrupt trace: event sequence number out of range in block at offset %zu", off);
            return -1;
        }
        if (present[seq]) {
            set_err(err, errlen, "corrupt trace: duplicate event %llu in block at offset %zu",
                    (unsigned long long)seq, off);
            return -1;
        }
        present[seq] = 1;
        tf_event *e = &slot[seq];
        e->seq = seq;
        e->time_us = ptime + dt;
        e->size = size;
        e->id = pid + (uint64_t)unzz(did);
        e->addr = paddr + (uint64_t)unzz(daddr);
        e->aux = aux;
        e->old_addr = e->addr + (uint64_t)unzz(dold);
        e->op = (uint8_t)op;
        e->thread = (uint16_t)b->thread;
        e->phase = 0;
        pseq = seq;
        ptime = e->time_us;
        pid = e->id;
        paddr = e->addr;
    }
    if (p != end) goto bad;
    if (b->thread > *maxthread || *maxthread == UINT32_MAX) *maxthread = b->thread;
    return 0;
bad:
    set_err(err, errlen, "corrupt trace: malformed records in block at offset %zu", off);
    return -1;
}

/* A trace straight from the tracer has ids on allocations only. Give every
 * free, realloc and query the id of the block at its address, following the
 * global order (the tracer orders those events so that this is exact), and
 * renumber the ids densely from 1. */
static int resolve_ids(tf_trace *t)
{
    im_map live; /* address -> id */
    im_init(&live);
    uint64_t next = 0;
    for (size_t i = 0; i < t->nev; i++) {
        tf_event *e = &t->ev[i];
        uint64_t id = 0;
        switch (tf_op_effect(e->op)) {
        case TF_EFF_ALLOC:
            e->id = e->addr ? ++next : 0;
            if (e->addr && im_put(&live, e->addr, e->id) < 0) goto oom;
            break;
        case TF_EFF_REALLOC:
            if (e->old_addr && !im_del(&live, e->old_addr, &id)) id = 0;
            if (e->addr) {
                if (!id) id = ++next;
                if (im_put(&live, e->addr, id) < 0) goto oom;
            } else if (e->size && e->old_addr && id && im_put(&live, e->old_addr, id) < 0) {
                goto oom; /* failed: the old block lives on */
            }
            e->id = id;
            break;
        case TF_EFF_FREE:
            e->id = e->addr && im_del(&live, e->addr, &id) ? id : 0;
            break;
        default: {
            uint64_t *v = e->addr ? im_get(&live, e->addr) : NULL;
            e->id = v ? *v : 0;
            break;
        }
        }
    }
    im_free(&live);
    t->flags |= TF_HDR_IDS_RESOLVED;
    return 0;
oom:
    im_free(&live);
    return -1;
}

int tf_trace_parse(const uint8_t *buf, size_t len, size_t max_events, tf_trace *t,
                   char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (len < 8 || memcmp(buf, TF_MAGIC, 8) != 0) {
        set_err(err, errlen, "not a trace file (bad magic)");
        return -1;
    }
    if (len < 28) { set_err(err, errlen, "truncated trace: header cut short"); return -1; }
    t->version = get32(buf + 8);
    if (t->version != TF_VERSION) {
        set_err(err, errlen, "unsupported trace version %u (this reader knows version %u)",
                t->version, TF_VERSION);
        return -1;
    }
    uint32_t nl = get32(buf + 24);
    if (nl > TF_MAX_NOTE) { set_err(err, errlen, "corrupt trace: header note too long"); return -1; }
    if (len < 32 + (size_t)nl) { set_err(err, errlen, "truncated trace: header cut short"); return -1; }
    if ((uint32_t)crc32(0L, buf, 28 + nl) != get32(buf + 28 + nl)) {
        set_err(err, errlen, "corrupt trace: header checksum mismatch");
        return -1;
    }
    t->flags = get32(buf + 12);
    if (t->flags & ~TF_HDR_IDS_RESOLVED) { set_err(err, errlen, "corrupt trace: unknown header flags"); return -1; }
    t->start_unix_ns = get64(buf + 16);
    memcpy(t->note, buf + 28, nl);
    t->note[nl] = 0;

    /* Pass 1: walk and verify every block. */
    size_t off = 32 + nl, first = off;
    uint64_t sumrec = 0, nphase = 0, nblocks = 0;
    size_t maxraw = 0;
    int have_end = 0;
    uint64_t end_total = 0, end_threads = 0, end_blocks = 0;
    while (off < len) {
        if (have_end) { set_err(err, errlen, "corrupt trace: data after the end block at offset %zu", off); return -1; }
        if (len - off < TF_BLOCK_HDR) {
            set_err(err, errlen, "truncated trace: block header at offset %zu cut short", off);
            return -1;
        }
        const uint8_t *h = buf + off;
        if (get32(h) != TF_BLOCK_MAGIC) { set_err(err, errlen, "corrupt trace: bad block magic at offset %zu", off); return -1; }
        blkhdr b = { h[4], h[5], (unsigned)(h[6] | h[7] << 8), get32(h + 8),
                     get32(h + 12), get32(h + 16), get64(h + 24), h + TF_BLOCK_HDR };
        if (b.comp_len > len - off - TF_BLOCK_HDR) {
            set_err(err, errlen, "truncated trace: block at offset %zu needs %u payload bytes, %zu left",
                    off, b.comp_len, len - off - TF_BLOCK_HDR);
            return -1;
        }
        uint8_t hz[TF_BLOCK_HDR];
        memcpy(hz, h, TF_BLOCK_HDR);
        put32(hz + 20, 0);
        uint32_t crc = (uint32_t)crc32(0L, hz, TF_BLOCK_HDR);
        crc = (uint32_t)crc32(crc, b.payload, b.comp_len);
        if (crc != get32(h + 20)) { set_err(err, errlen, "corrupt trace: checksum mismatch in block at offset %zu", off); return -1; }
        if ((b.flags & ~TF_BLK_STORED) || ((b.flags & TF_BLK_STORED) && b.comp_len != b.raw_len)) {
            set_err(err, errlen, "corrupt trace: bad block flags at offset %zu", off);
            return -1;
        }
        if (b.raw_len > TF_MAX_RAW || b.nrec > TF_MAX_BLOCK_RECS) {
            set_err(err, errlen, "corrupt trace: oversized block at offset %zu", off);
            return -1;
        }
        if (b.type == TF_BLK_EVENTS) {
            if ((uint64_t)b.nrec * 6 > b.raw_len || b.thread == 0xFFFF) {
                set_err(err, errlen, "corrupt trace: bad events block at offset %zu", off);
                return -1;
            }
            sumrec += b.nrec;
        } else if (b.type == TF_BLK_PHASES) {
            if ((uint64_t)b.nrec * 3 > b.raw_len) {
                set_err(err, errlen, "corrupt trace: bad phase block at offset %zu", off);
                return -1;
            }
            nphase += b.nrec;
        } else if (b.type == TF_BLK_END) {
            uLongf rl = 64;
            uint8_t raw[64];
            if (b.raw_len > sizeof raw || (b.flags & TF_BLK_STORED ? (memcpy(raw, b.payload, b.raw_len), rl = b.raw_len, 0)
                                                                 : uncompress(raw, &rl, b.payload, b.comp_len) != Z_OK) ||
                rl != b.raw_len) {
                set_err(err, errlen, "corrupt trace: bad end block at offset %zu", off);
                return -1;
            }
            const uint8_t *p = raw, *e = raw + rl;
            if (get_var(&p, e, &end_total) || get_var(&p, e, &end_threads) || get_var(&p, e, &end_blocks) || p != e) {
                set_err(err, errlen, "corrupt trace: bad end block at offset %zu", off);
                return -1;
            }
            have_end = 1;
        } else {
            set_err(err, errlen, "corrupt trace: unknown block type %u at offset %zu", b.type, off);
            return -1;
        }
        if (b.raw_len > maxraw) maxraw = b.raw_len;
        if (b.type != TF_BLK_END) nblocks++;
        off += TF_BLOCK_HDR + b.comp_len;
    }
    if (!have_end) { set_err(err, errlen, "truncated trace: no end block (writer did not finish)"); return -1; }
    if (end_blocks != nblocks) {
        set_err(err, errlen, "truncated trace: end block announces %llu blocks, found %llu",
                (unsigned long long)end_blocks, (unsigned long long)nblocks);
        return -1;
    }
    if (end_total < sumrec || end_total > 2 * sumrec + 65536) {
        set_err(err, errlen, "corrupt trace: end block announces %llu events, blocks hold %llu",
                (unsigned long long)end_total, (unsigned long long)sumrec);
        return -1;
    }
    if (max_events && end_total > max_events) {
        set_err(err, errlen, "trace too large: %llu events (limit %zu)", (unsigned long long)end_total, max_events);
        return -1;
    }

    /* Pass 2: decode into seq-indexed slots. */
    size_t total = (size_t)end_total;
    t->ev_map_len = total * sizeof(tf_event) + 1;
    t->ev = map_zero(t->ev_map_len);
    uint8_t *present = map_zero(total + 1);
    uint8_t *raw = map_zero(maxraw + 1);
    t->phases = map_zero((size_t)nphase * sizeof *t->phases + 1);
    if (!t->ev || !present || !raw || !t->phases) {
        set_err(err, errlen, "out of memory loading a trace of %zu events", total);
        goto fail;
    }
    uint32_t maxthread = UINT32_MAX;
    for (off = first; off < len;) {
        const uint8_t *h = buf + off;
        blkhdr b = { h[4], h[5], (unsigned)(h[6] | h[7] << 8), get32(h + 8),
                     get32(h + 12), get32(h + 16), get64(h + 24), h + TF_BLOCK_HDR };
        if (b.type != TF_BLK_END) {
            uLongf rl = b.raw_len;
            if (b.flags & TF_BLK_STORED) memcpy(raw, b.payload, b.raw_len);
            else if (b.raw_len && (uncompress(raw, &rl, b.payload, b.comp_len) != Z_OK || rl != b.raw_len)) {
                set_err(err, errlen, "corrupt trace: block at offset %zu does not decompress", off);
                goto fail;
            }
            if (b.type == TF_BLK_EVENTS) {
                if (decode_events(&b, raw, t->ev, present, end_total, &maxthread, err, errlen, off) < 0) goto fail;
            } else {
                const uint8_t *p = raw, *e = raw + b.raw_len;
                for (uint32_t i = 0; i < b.nrec; i++) {
                    uint64_t ph, seq, tu;
                    if (get_var(&p, e, &ph) || get_var(&p, e, &seq) || get_var(&p, e, &tu) || ph > 255) {
                        set_err(err, errlen, "corrupt trace: bad phase mark in block at offset %zu", off);
                        goto fail;
                    }
                    t->phases[t->nphases++] = (tf_phase){ (uint32_t)ph, seq, tu };
                }
                if (p != e) { set_err(err, errlen, "corrupt trace: bad phase block at offset %zu", off); goto fail; }
            }
        }
        off += TF_BLOCK_HDR + b.comp_len;
    }
    /* Compact out the gaps. */
    size_t n = 0;
    for (size_t i = 0; i < total; i++)
        if (present[i]) { if (n != i) t->ev[n] = t->ev[i]; n++; }
    t->nev = n;
    t->dropped = end_total - n;
    t->nthreads = maxthread == UINT32_MAX ? 0 : maxthread + 1;
    t->nblocks = nblocks;
    /* Sort the (few) phase marks by seq, then label the events. */
    for (uint32_t i = 1; i < t->nphases; i++)
        for (uint32_t j = i; j > 0 && t->phases[j - 1].seq > t->phases[j].seq; j--) {
            tf_phase x = t->phases[j]; t->phases[j] = t->phases[j - 1]; t->phases[j - 1] = x;
        }
    uint32_t k = 0;
    uint8_t cur = 0;
    for (size_t i = 0; i < n; i++) {
        while (k < t->nphases && t->phases[k].seq <= t->ev[i].seq) cur = (uint8_t)t->phases[k++].phase;
        t->ev[i].phase = cur;
    }
    if (!(t->flags & TF_HDR_IDS_RESOLVED) && resolve_ids(t) < 0) {
        set_err(err, errlen, "out of memory resolving object ids");
        goto fail;
    }
    unmap(present, total + 1);
    unmap(raw, maxraw + 1);
    return 0;
fail:
    unmap(present, total + 1);
    unmap(raw, maxraw + 1);
    tf_trace_free(t);
    return -1;
}

int tf_trace_load(const char *path, tf_trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { set_err(err, errlen, "cannot open %s: %s", path, strerror(errno)); return -1; }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        set_err(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    if (len == 0) { close(fd); set_err(err, errlen, "%s: empty file, not a trace", path); return -1; }
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) { set_err(err, errlen, "cannot map %s: %s", path, strerror(errno)); return -1; }
    int rc = tf_trace_parse(m, len, 0, t, err, errlen);
    munmap(m, len);
    return rc;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) { if (errno == EINTR) continue; return -1; }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int tf_repack(const uint8_t *buf, size_t len, int fd, int level, char *err, size_t errlen)
{
    tf_trace t;
    if (tf_trace_parse(buf, len, 0, &t, err, errlen) < 0) return -1;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit(&zs, level) != Z_OK) { tf_trace_free(&t); set_err(err, errlen, "zlib init failed"); return -1; }
    const uint32_t per = 4096;
    size_t rawcap = (size_t)per * TF_REC_MAX_BYTES + 65536, cap = tf_block_bound(rawcap);
    uint8_t *raw = map_zero(rawcap), *out = map_zero(cap);
    tf_event *grp = map_zero(per * sizeof *grp);
    uint8_t hdr[32 + TF_MAX_NOTE + 16];
    uint64_t nblocks = 0;
    int rc = -1;
    if (!raw || !out || !grp) { set_err(err, errlen, "out of memory"); goto done; }
    if (write_full(fd, hdr, tf_encode_header(hdr, t.note, t.start_unix_ns, TF_HDR_IDS_RESOLVED)) < 0) goto werr;
    for (uint32_t th = 0; th < t.nthreads; th++) {
        uint32_t g = 0;
        for (size_t i = 0; i <= t.nev; i++) {
            if (i < t.nev && t.ev[i].thread == th) grp[g++] = t.ev[i];
            if (g && (g == per || i == t.nev)) {
                size_t bl = tf_build_block(&zs, TF_BLK_EVENTS, th, g, grp[0].seq, raw,
                                           tf_encode_events(grp, g, raw), out, cap);
                if (!bl || write_full(fd, out, bl) < 0) goto werr;
                nblocks++;
                g = 0;
            }
        }
    }
    for (uint32_t k = 0; k < t.nphases; k += per) {
        uint32_t n = t.nphases - k < per ? t.nphases - k : per;
        size_t bl = tf_build_block(&zs, TF_BLK_PHASES, 0xFFFF, n, 0, raw, tf_encode_phases(t.phases + k, n, raw), out, cap);
        if (!bl || write_full(fd, out, bl) < 0) goto werr;
        nblocks++;
    }
    {
        uint64_t total = t.nev ? t.ev[t.nev - 1].seq + 1 : 0;
        size_t bl = tf_build_block(&zs, TF_BLK_END, 0xFFFF, 0, 0, raw, tf_encode_end(total, t.nthreads, nblocks, raw), out, cap);
        if (!bl || write_full(fd, out, bl) < 0) goto werr;
    }
    rc = 0;
    goto done;
werr:
    set_err(err, errlen, "write failed: %s", strerror(errno));
done:
    deflateEnd(&zs);
    unmap(raw, rawcap);
    unmap(out, cap);
    unmap(grp, per * sizeof *grp);
    tf_trace_free(&t);
    return rc;
}
