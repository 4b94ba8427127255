/* fuzz-reader.c: libFuzzer target for the trace reader (tf_trace_parse). */
#include "tracefmt.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tf_trace t;
    char err[256];
    if (tf_trace_parse(data, size, 1u << 22, &t, err, sizeof err) == 0) {
        /* Touch what the consumers rely on. */
        uint64_t sum = 0;
        for (size_t i = 0; i < t.nev; i++) {
            if (t.ev[i].thread >= t.nthreads || (i && t.ev[i].seq <= t.ev[i - 1].seq)) __builtin_trap();
            sum += t.ev[i].size + t.ev[i].phase;
        }
        (void)sum;
        tf_trace_free(&t);
    }
    return 0;
}
