/*
 * ab_json.h: a small JSON reader (RFC 8259) for the files allocbench writes
 * and reads back (the regression baseline, ab_baseline.h; the gate's
 * history, ab_history.h), and the string writer the JSON writers share.
 *
 * The whole text is parsed into a tree of ab_jv values. Strings are decoded
 * (\uXXXX escapes to UTF-8, surrogate pairs joined); numbers are doubles.
 * Nesting is limited to AB_JSON_MAX_DEPTH, so a hostile file cannot
 * exhaust the stack.
 */
#ifndef AB_JSON_H
#define AB_JSON_H

#include "ab_util.h"

#include <stddef.h>

enum { AB_JSON_NULL, AB_JSON_BOOL, AB_JSON_NUM, AB_JSON_STR, AB_JSON_ARR, AB_JSON_OBJ };

#define AB_JSON_MAX_DEPTH 64

/* One value. Invariants: type is one of the AB_JSON_* kinds; str is a
 * NUL-terminated heap string exactly for AB_JSON_STR; items has n entries
 * for AB_JSON_ARR and AB_JSON_OBJ (n >= 0), and keys has n heap strings for
 * AB_JSON_OBJ only (keys[i] names items[i], in file order; duplicates are
 * kept, ab_json_get returns the first). num holds a number, or 0/1 for a
 * bool. */
typedef struct ab_jv {
    int type;
    double num;
    char *str;
    int n;
    char **keys;
    struct ab_jv *items;
} ab_jv;

/* Parse text (the whole of it: only white space may follow the value).
 * Returns 0, or -1 with a one-line reason ("line 3: expected ':'") in
 * err[0..errn) and *out left as null (nothing to free). */
int ab_json_parse(const char *text, ab_jv *out, char *err, size_t errn);

/* The same for text[0..len), which need not be NUL-terminated; a NUL byte
 * inside is an error. */
int ab_json_parse_n(const char *text, size_t len, ab_jv *out, char *err, size_t errn);

/* The member key of an object, or NULL (also when o is not an object). */
const ab_jv *ab_json_get(const ab_jv *o, const char *key);

/* The string of a member that is a string, or NULL. */
const char *ab_json_get_str(const ab_jv *o, const char *key);

/* The first member key of object o if it has the given type, else NULL. */
const ab_jv *ab_json_get_type(const ab_jv *o, const char *key, int type);

/* Free the tree below v and make v null. */
void ab_json_free(ab_jv *v);

/* Append s as a JSON string literal (quoted, escaped); NULL gives null. */
void ab_json_str(ab_str *o, const char *s);

#endif /* AB_JSON_H */
