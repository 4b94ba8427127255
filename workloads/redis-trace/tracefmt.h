/* tracefmt.h: the allocation-trace file format (see FORMAT.md): record
 * encoding, block writer and the one reader used by every consumer (the
 * replayer, the `trace` tool, the tests and the fuzzer).
 *
 * The writer half never calls malloc: it encodes into caller buffers and
 * compresses with a caller-owned z_stream, so the LD_PRELOAD tracer can use it
 * from inside its malloc. The reader half allocates its arrays with mmap, so
 * loading a trace leaves the heap of the allocator under test untouched.
 */
#ifndef TRACEFMT_H
#define TRACEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define TF_MAGIC        "TIDETRAC"      /* 8 bytes, no NUL in the file */
#define TF_VERSION      1u
#define TF_BLOCK_MAGIC  0x4B4C4254u     /* "TBLK" little endian */
#define TF_BLOCK_HDR    32u             /* bytes of a block header */
#define TF_MAX_NOTE     4096u           /* longest header note */
#define TF_MAX_BLOCK_RECS (1u << 20)    /* records per block, at most */
#define TF_MAX_RAW      (64u << 20)     /* uncompressed payload, at most */
#define TF_REC_MAX_BYTES 80u            /* longest encoded record */
#define TF_HDR_IDS_RESOLVED 1u          /* header flag: every record carries its object id */

/* Block types. */
enum { TF_BLK_EVENTS = 1, TF_BLK_PHASES = 2, TF_BLK_END = 3 };

/* Operations. Keep the numbers: they are part of the file format. */
enum tf_op {
    TF_OP_MALLOC = 1, TF_OP_CALLOC, TF_OP_REALLOC, TF_OP_FREE,
    TF_OP_POSIX_MEMALIGN, TF_OP_ALIGNED_ALLOC, TF_OP_MEMALIGN, TF_OP_VALLOC, TF_OP_PVALLOC,
    TF_OP_USABLE_SIZE,
    TF_OP_MALLOCX, TF_OP_RALLOCX, TF_OP_XALLOCX, TF_OP_SALLOCX, TF_OP_DALLOCX,
    TF_OP_SDALLOCX, TF_OP_NALLOCX, TF_OP_MALLCTL, TF_OP_STATS_PRINT,
    TF_OP_COUNT /* one past the last */
};

/* Name of an op ("malloc", ...), "?" for an unknown number. */
const char *tf_op_name(unsigned op);
/* 1 if the record of this op carries the aux field (alignment or flags). */
int tf_op_has_aux(unsigned op);
/* 1 if the record carries the old address (realloc, rallocx). */
int tf_op_has_old(unsigned op);
/* Which kind of object effect an op has on its id. */
enum { TF_EFF_NONE, TF_EFF_ALLOC, TF_EFF_REALLOC, TF_EFF_FREE };
int tf_op_effect(unsigned op);

/* One event as the tracer produces it and the reader returns it.
 * seq: global order, unique in a trace. time_us: microseconds since the
 * trace began. size: requested bytes (calloc: nmemb*size; usable_size,
 * sallocx, xallocx, nallocx: the value returned). id: object id, 0 when the
 * address was unknown to the tracer; realloc keeps the id of its object.
 * addr: the address returned (alloc, realloc) or passed (free, query).
 * aux: alignment (aligned family) or flags (jemalloc API), else 0.
 * old_addr: realloc and rallocx only: the block passed in (0 for NULL).
 * thread: trace thread index. phase: scenario phase the event belongs to. */
typedef struct tf_event {
    uint64_t seq, time_us, size, id, addr, aux, old_addr;
    uint16_t thread;
    uint8_t op;
    uint8_t phase;
} tf_event;

/* A phase mark: events with seq >= seq belong to phase `phase` (until the
 * next mark). */
typedef struct tf_phase {
    uint32_t phase;
    uint64_t seq, time_us;
} tf_phase;

/* ---- writer ---- */

/* Encode the file header into out (capacity >= 8+4+4+8+4+TF_MAX_NOTE+4);
 * returns its length. The note is cut to TF_MAX_NOTE bytes. flags:
 * TF_HDR_IDS_RESOLVED or 0 (then frees, reallocs and queries carry id 0 and
 * the reader resolves them by address). */
size_t tf_encode_header(uint8_t *out, const char *note, uint64_t start_unix_ns, uint32_t flags);

/* Encode n event records (all of one thread, ascending seq) into out; deltas
 * restart at every block. out must hold n * TF_REC_MAX_BYTES. Returns bytes. */
size_t tf_encode_events(const tf_event *ev, uint32_t n, uint8_t *out);
/* Encode phase marks / the end record (raw payloads). */
size_t tf_encode_phases(const tf_phase *ph, uint32_t n, uint8_t *out);
size_t tf_encode_end(uint64_t total_events, uint32_t nthreads, uint64_t nblocks, uint8_t *out);

/* Build a block (header + payload) from raw[0..raw_len) in out, capacity
 * out_cap (use tf_block_bound(raw_len)). With zs (deflateInit'ed by the
 * caller) the payload is compressed; with zs == NULL it is stored as is
 * (flag TF_BLK_STORED), which is what the tracer writes: cheap to produce,
 * recompressed later by tf_repack. Returns the block length, 0 on failure. */
#define TF_BLK_STORED 1u
size_t tf_block_bound(size_t raw_len);
size_t tf_build_block(z_stream *zs, unsigned type, unsigned thread, uint32_t nrec,
                      uint64_t base_seq, const uint8_t *raw, size_t raw_len,
                      uint8_t *out, size_t out_cap);

/* Rewrite a whole trace to fd: parsed (ids resolved), regrouped into blocks
 * of at most 4096 events per thread, every block compressed at zlib level
 * `level`, header flag TF_HDR_IDS_RESOLVED set. Returns 0, or -1 with err. */
int tf_repack(const uint8_t *buf, size_t len, int fd, int level, char *err, size_t errlen);

/* ---- reader ---- */

/* A loaded trace. Invariants: ev[0..nev) in ascending seq (gaps allowed,
 * counted in dropped); every ev[i].thread < nthreads; phases ascending by seq;
 * ev[i].phase is the phase of the last mark with seq <= ev[i].seq (0 if none);
 * ids are resolved (a free, realloc or query of a block known to the trace
 * carries the block's id; realloc keeps the id).
 * Arrays are mmap'ed; release with tf_trace_free. */
typedef struct tf_trace {
    uint32_t version, flags;
    uint64_t start_unix_ns;
    char note[TF_MAX_NOTE + 1];
    tf_event *ev;
    size_t nev, ev_map_len;
    tf_phase *phases;
    uint32_t nphases;
    uint32_t nthreads;
    uint64_t nblocks;
    uint64_t dropped;          /* seq numbers announced but absent */
} tf_trace;

/* Parse a whole trace held in memory. max_events bounds what the reader will
 * allocate (0 = no bound beyond the format's). Returns 0, or -1 with a
 * one-line message in err. */
int tf_trace_parse(const uint8_t *buf, size_t len, size_t max_events, tf_trace *t,
                   char *err, size_t errlen);
/* Read and parse a file. */
int tf_trace_load(const char *path, tf_trace *t, char *err, size_t errlen);
void tf_trace_free(tf_trace *t);

#endif
