/* fuzz-reader.c: libFuzzer target for the trace reader (tf_trace_parse).
 * Each input is parsed twice: as given, and with its header and block
 * checksums recomputed, so that mutations reach the decoder behind them. */
#include "tracefmt.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static void fix_crcs(uint8_t *b, size_t n)
{
    if (n < 32) return;
    uint32_t nl = rd32(b + 24);
    if (nl > TF_MAX_NOTE || 32 + (size_t)nl > n) return;
    wr32(b + 28 + nl, (uint32_t)crc32(0L, b, 28 + nl));
    size_t off = 32 + nl;
    while (n - off >= TF_BLOCK_HDR) {
        uint8_t *h = b + off;
        uint32_t comp = rd32(h + 16);
        if (comp > n - off - TF_BLOCK_HDR) return;
        wr32(h + 20, 0);
        uint32_t c = (uint32_t)crc32(0L, h, TF_BLOCK_HDR);
        c = (uint32_t)crc32(c, h + TF_BLOCK_HDR, comp);
        wr32(h + 20, c);
        off += TF_BLOCK_HDR + comp;
    }
}

static void parse(const uint8_t *data, size_t size)
{
    tf_trace t;
    char err[256];
    if (tf_trace_parse(data, size, 1u << 22, &t, err, sizeof err) != 0) {
        if (!err[0] || strchr(err, '\n')) __builtin_trap(); /* one line, always */
        return;
    }
    for (size_t i = 0; i < t.nev; i++)
        if (t.ev[i].thread >= t.nthreads || (i && t.ev[i].seq <= t.ev[i - 1].seq) ||
            t.ev[i].op == 0 || t.ev[i].op >= TF_OP_COUNT)
            __builtin_trap();
    tf_trace_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    fix_crcs(copy, size);
    parse(copy, size);
    free(copy);
    return 0;
}
