/* wl_addrmap.h: the address x time fragmentation map (after Fig. 9 of
 * Evans' BSDCan 2006 jemalloc paper), shared by redis-replay and sh6bench.
 *
 * A program records its heap events in order (an allocation, a free, a
 * realloc, or an event that changes nothing); at the end wl_addrmap_write()
 * turns them into the map:
 *
 *   <dir>/<base>.f32  float32 matrix, rows x WL_ADDRMAP_COLS, row-major,
 *                     row 0 = lowest address. Rows are the 64 KiB address
 *                     buckets ever touched by an allocation, in address
 *                     order, merged buckets_per_row at a time when there are
 *                     more than WL_ADDRMAP_MAX_ROWS; column c covers the
 *                     events [c * events / cols, (c + 1) * events / cols);
 *                     the value is the fraction of the row's bytes in use
 *                     (requested sizes) after the column's last event.
 *   <dir>/<base>.txt  "key value" lines: cols, rows, buckets_per_row,
 *                     bucket_bytes (65536), events, buckets, first_bucket,
 *                     last_bucket (addresses, hex).
 *
 * The module never calls malloc: the record buffer and the writer's scratch
 * space come from mmap, and the files are written with open/write, so
 * recording and writing do not disturb the heap being mapped.
 * Not thread-safe: one thread records into a given map (a multi-threaded
 * program records in a post-pass, in its global event order).
 */
#ifndef WL_ADDRMAP_H
#define WL_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

#define WL_ADDRMAP_COLS 600
#define WL_ADDRMAP_MAX_ROWS 1200

/* One record: a block of size bytes at addr enters (op ALLOC) or leaves (op
 * FREE) the heap, or nothing changes (op NONE). word = size << 3 | more << 2
 * | op. more = 1: the next record belongs to the same event (a realloc's
 * free of the old block, followed by its allocation). */
typedef struct wl_addrmap_rec {
    uint64_t addr;
    uint64_t word;
} wl_addrmap_rec;

/* A recorded sequence of events.
 * Invariants: rec[0..n) are the records, in event order, in an anonymous
 * mapping of cap records (rec == NULL iff cap == 0); events == the number of
 * records whose more bit is 0 (the last record's more bit is always 0); an
 * ALLOC or FREE record has size > 0 (a zero-size allocation or free is
 * recorded as NONE); failed != 0 once the buffer could not grow, after which
 * nothing more is recorded and wl_addrmap_write() refuses to write. */
typedef struct wl_addrmap {
    wl_addrmap_rec *rec;
    size_t n, cap;
    size_t events;
    int failed;
} wl_addrmap;

/* Empty map with room for about cap_hint records (0: a default). Returns 0,
 * or -1 when the first mapping fails (m is then empty and failed is set). */
int wl_addrmap_init(wl_addrmap *m, size_t cap_hint);
/* Release the record buffer; m becomes empty. */
void wl_addrmap_free_all(wl_addrmap *m);

/* One event each. Sizes are the requested sizes; a free must pass the size
 * its block was recorded with. */
void wl_addrmap_alloc(wl_addrmap *m, uint64_t addr, uint64_t size);
void wl_addrmap_free(wl_addrmap *m, uint64_t addr, uint64_t size);
/* Removes [oldaddr, +oldsize) (when oldsize > 0), then adds [newaddr,
 * +newsize) (when newsize > 0), as one event. */
void wl_addrmap_realloc(wl_addrmap *m, uint64_t oldaddr, uint64_t oldsize, uint64_t newaddr, uint64_t newsize);
/* An event that does not change the heap (it still takes an x position). */
void wl_addrmap_tick(wl_addrmap *m);

/* Write <dir>/<base>.f32 and <dir>/<base>.txt. Returns 0, or -1 with a
 * one-line reason in err ("cannot write <path>", "out of memory (address
 * map)", "records lost: ..."). */
int wl_addrmap_write(const wl_addrmap *m, const char *dir, const char *base, char *err, size_t errlen);

#endif
