/* sc.c: the size-class table (see sc.h and DESIGN.md). */
#include "sc.h"

/* size, pages per slab, blocks per slab. Slab size is the least multiple of the
 * page that the class divides exactly (lcm(size, page)), doubled until a slab
 * holds >= 4 blocks: no tail waste inside a slab. */
const struct sc_info sc_table[SC_NSMALL] = {
    {    8,  1, 512},
    {   16,  1, 256},
    {   32,  1, 128},
    {   48,  3, 256},
    {   64,  1,  64},
    {   80,  5, 256},
    {   96,  3, 128},
    {  112,  7, 256},
    {  128,  1,  32},
    {  160,  5, 128},
    {  192,  3,  64},
    {  224,  7, 128},
    {  256,  1,  16},
    {  320,  5,  64},
    {  384,  3,  32},
    {  448,  7,  64},
    {  512,  1,   8},
    {  640,  5,  32},
    {  768,  3,  16},
    {  896,  7,  32},
    { 1024,  1,   4},
    { 1280,  5,  16},
    { 1536,  3,   8},
    { 1792,  7,  16},
    { 2048,  2,   4},
    { 2560,  5,   8},
    { 3072,  3,   4},
    { 3584,  7,   8},
    { 4096,  4,   4},
    { 5120,  5,   4},
    { 6144,  6,   4},
    { 7168,  7,   4},
    { 8192,  8,   4},
    {10240, 10,   4},
    {12288, 12,   4},
    {14336, 14,   4},
};

/* sc_lookup[(n + 7) >> 3] is the class of n, for n <= SC_LOOKUP_MAX. */
const uint8_t sc_lookup[(SC_LOOKUP_MAX >> 3) + 1] = {
     0,  0,  1,  2,  2,  3,  3,  4,  4,  5,  5,  6,  6,  7,  7,  8,
     8,  9,  9,  9,  9, 10, 10, 10, 10, 11, 11, 11, 11, 12, 12, 12,
    12, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 14, 14, 14, 14, 14,
    14, 15, 15, 15, 15, 15, 15, 15, 15, 16, 16, 16, 16, 16, 16, 16,
    16, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
    17, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18,
    18, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
    19, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20,
    20,
};

size_t sc_usable(size_t n) {
    if (n <= SC_SMALL_MAX) return sc_size(sc_index(n));
    size_t r = sc_page_ceil(n);
    return r > (size_t)PTRDIFF_MAX ? 0 : r;
}
