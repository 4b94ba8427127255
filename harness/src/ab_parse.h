/*
 * ab_parse.h: the workload output convention. A workload prints lines
 *   ALLOCBENCH result key=value ...
 *   ALLOCBENCH allocator file=<path> [key=value ...]
 *   ALLOCBENCH alloc-stats source=<api> allocated=N active=N resident=N mapped=N
 * Values contain no blanks. This module parses such lines.
 */
#ifndef AB_PARSE_H
#define AB_PARSE_H

#include <stddef.h>

/* One key=value list. Invariant: keys[i] and vals[i] for i < n are
 * NUL-terminated, keys are non-empty and unique (a repeated key keeps its
 * last value). */
typedef struct ab_kv {
    char **keys;
    char **vals;
    int    n;
} ab_kv;

const char *ab_kv_get(const ab_kv *kv, const char *key);   /* NULL if absent */
void        ab_kv_set(ab_kv *kv, const char *key, const char *val);
void        ab_kv_free(ab_kv *kv);

/* Parse one line. If it starts with "ALLOCBENCH <tag> ", stores the tag
 * (at most tagn-1 chars) and fills kv with its pairs, returning 1; returns
 * 0 for any other line; returns -1 for a malformed ALLOCBENCH line (a token
 * without '=', an empty key, or no tag). kv is cleared first. */
int ab_parse_line(const char *line, char *tag, size_t tagn, ab_kv *kv);

/* What one run printed. Invariant: has_* says whether the matching kv was
 * seen; nmalformed counts ALLOCBENCH lines that did not parse. */
typedef struct ab_output {
    int   has_result, has_allocator, has_stats;
    ab_kv result, allocator, stats;
    int   nmalformed;
    int   nresult;        /* result lines seen; more than one keeps the last */
} ab_output;

/* Parse a whole stdout text. */
void ab_output_parse(const char *text, ab_output *o);
void ab_output_free(ab_output *o);

/* The keys every result line must have. Returns NULL when all are present
 * and `value` parses as a finite number, else the name of the first
 * missing or bad key. */
const char *ab_result_check(const ab_kv *result);

#endif /* AB_PARSE_H */
