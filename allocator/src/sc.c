/* sc.c: the size-class table (see sc.h and DESIGN.md). */
#include "sc.h"

/* size, pages per slab, blocks per slab. Slab size is the least multiple of the
 * page that the class divides exactly (lcm(size, page)), so a slab has no tail
 * waste; doubled until a slab holds >= 4 blocks, then while it spans fewer than
 * 8 pages and doubling keeps it within 512 blocks (SLAB_MAP_WORDS), so that
 * refills, slab switches and the remote-free round per slab (DESIGN.md) come
 * once per 8 pages, not once per page. At most 16 pages (slab.purged's bits). */
const struct sc_info sc_table[SC_NSMALL] = {
    {    8,  1, 512},
    {   16,  2, 512},
    {   32,  4, 512},
    {   48,  6, 512},
    {   64,  8, 512},
    {   80, 10, 512},
    {   96, 12, 512},
    {  112, 14, 512},
    {  128,  8, 256},
    {  160, 10, 256},
    {  192, 12, 256},
    {  224, 14, 256},
    {  256,  8, 128},
    {  320, 10, 128},
    {  384, 12, 128},
    {  448, 14, 128},
    {  512,  8,  64},
    {  640, 10,  64},
    {  768, 12,  64},
    {  896, 14,  64},
    { 1024,  8,  32},
    { 1280, 10,  32},
    { 1536, 12,  32},
    { 1792, 14,  32},
    { 2048,  8,  16},
    { 2560, 10,  16},
    { 3072, 12,  16},
    { 3584, 14,  16},
    { 4096,  8,   8},
    { 5120, 10,   8},
    { 6144, 12,   8},
    { 7168, 14,   8},
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
