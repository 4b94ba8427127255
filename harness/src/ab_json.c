/*
 * ab_json.c: a small recursive-descent JSON reader (ab_json.h).
 */
#include "ab_json.h"
#include "ab_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state. Invariant: s points into the text, at or before its NUL;
 * err is empty until the first error, which stops the parse. */
typedef struct json_in {
    const char *start, *s;
    char *err;
    size_t errn;
} json_in;

static int json_fail(json_in *in, const char *fmt, ...)
{
    if (in->err[0]) return -1;
    int line = 1;
    for (const char *p = in->start; p < in->s; p++) line += *p == '\n';
    int k = snprintf(in->err, in->errn, "line %d: ", line);
    if (k < 0 || (size_t)k >= in->errn) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->err + k, in->errn - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

static void json_ws(json_in *in)
{
    while (*in->s == ' ' || *in->s == '\t' || *in->s == '\n' || *in->s == '\r') in->s++;
}

static int json_hex4(const char *s, unsigned *u)
{
    *u = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        *u = *u * 16 + (unsigned)d;
    }
    return 0;
}

static void json_utf8(ab_str *o, unsigned cp)
{
    char b[5] = {0};
    if (cp < 0x80) { b[0] = (char)cp; }
    else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); }
    else if (cp < 0x10000) { b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[2] = (char)(0x80 | (cp & 0x3f)); }
    else { b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); }
    ab_str_add(o, b);
}

/* A string literal at in->s (which is '"'); *out is a heap string. */
static int json_string(json_in *in, char **out)
{
    ab_str o = {0};
    in->s++;
    for (;;) {
        unsigned char c = (unsigned char)*in->s;
        if (c == '"') { in->s++; break; }
        if (c < 0x20) { free(o.buf); return json_fail(in, c ? "control character in a string" : "unterminated string"); }
        if (c != '\\') {
            ab_str_addn(&o, in->s++, 1);
            continue;
        }
        char e = in->s[1];
        static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
        const char *m = e ? strchr(esc_in, e) : NULL;
        if (m) {
            ab_str_addn(&o, &esc_out[m - esc_in], 1);
            in->s += 2;
            continue;
        }
        unsigned u, lo;
        if (e != 'u' || json_hex4(in->s + 2, &u)) { free(o.buf); return json_fail(in, "bad escape in a string"); }
        in->s += 6;
        if (u >= 0xd800 && u < 0xdc00 && in->s[0] == '\\' && in->s[1] == 'u' && !json_hex4(in->s + 2, &lo) &&
            lo >= 0xdc00 && lo < 0xe000) {
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            in->s += 6;
        }
        if (u == 0) { free(o.buf); return json_fail(in, "\\u0000 in a string"); }
        json_utf8(&o, u);
    }
    *out = o.buf ? o.buf : ab_xstrdup("");
    return 0;
}

static int json_value(json_in *in, ab_jv *v, int depth);

/* An array or object at in->s ('[' or '{'). */
static int json_compound(json_in *in, ab_jv *v, int depth)
{
    int obj = *in->s == '{';
    char close = obj ? '}' : ']';
    v->type = obj ? AB_JSON_OBJ : AB_JSON_ARR;
    in->s++;
    json_ws(in);
    if (*in->s == close) { in->s++; return 0; }
    for (;;) {
        json_ws(in);
        char *key = NULL;
        if (obj) {
            if (*in->s != '"') return json_fail(in, "expected a member name");
            if (json_string(in, &key)) return -1;
            json_ws(in);
            if (*in->s != ':') { free(key); return json_fail(in, "expected ':'"); }
            in->s++;
        }
        v->items = ab_xrealloc(v->items, sizeof *v->items * (size_t)(v->n + 1));
        if (obj) v->keys = ab_xrealloc(v->keys, sizeof *v->keys * (size_t)(v->n + 1));
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        if (obj) v->keys[v->n] = key;
        v->n++;
        if (json_value(in, &v->items[v->n - 1], depth + 1)) return -1;
        json_ws(in);
        if (*in->s == ',') { in->s++; continue; }
        if (*in->s == close) { in->s++; return 0; }
        return json_fail(in, "expected ',' or '%c'", close);
    }
}

static int json_value(json_in *in, ab_jv *v, int depth)
{
    if (depth > AB_JSON_MAX_DEPTH) return json_fail(in, "nested deeper than %d", AB_JSON_MAX_DEPTH);
    json_ws(in);
    char c = *in->s;
    if (c == '{' || c == '[') return json_compound(in, v, depth);
    if (c == '"') { v->type = AB_JSON_STR; return json_string(in, &v->str); }
    static const struct { const char *w; int type; double num; } lit[] = {
        {"null", AB_JSON_NULL, 0}, {"true", AB_JSON_BOOL, 1}, {"false", AB_JSON_BOOL, 0}
    };
    for (size_t i = 0; i < sizeof lit / sizeof lit[0]; i++)
        if (!strncmp(in->s, lit[i].w, strlen(lit[i].w))) {
            v->type = lit[i].type;
            v->num = lit[i].num;
            in->s += strlen(lit[i].w);
            return 0;
        }
    /* A number, by the grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    const char *p = in->s;
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
    else return json_fail(in, c ? "unexpected character '%c'" : "unexpected end", c);
    if (*p == '.') { p++; if (*p < '0' || *p > '9') return json_fail(in, "bad number"); while (*p >= '0' && *p <= '9') p++; }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return json_fail(in, "bad number");
        while (*p >= '0' && *p <= '9') p++;
    }
    v->type = AB_JSON_NUM;
    v->num = strtod(in->s, NULL);
    if (!isfinite(v->num)) return json_fail(in, "number out of range");
    in->s = p;
    return 0;
}

int ab_json_parse(const char *text, ab_jv *out, char *err, size_t errn)
{
    char dummy[1];
    json_in in = { text, text, errn ? err : dummy, errn ? errn : 1 };
    in.err[0] = '\0';
    memset(out, 0, sizeof *out);
    int rc = json_value(&in, out, 0);
    if (!rc) {
        json_ws(&in);
        if (*in.s) rc = json_fail(&in, "text after the value");
    }
    if (rc) ab_json_free(out);
    return rc;
}

int ab_json_parse_n(const char *text, size_t len, ab_jv *out, char *err, size_t errn)
{
    if (memchr(text, '\0', len)) {
        memset(out, 0, sizeof *out);
        snprintf(err, errn, "a NUL byte in the text");
        return -1;
    }
    char *copy = ab_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = ab_json_parse(copy, out, err, errn);
    free(copy);
    return rc;
}

const ab_jv *ab_json_get_type(const ab_jv *o, const char *key, int type)
{
    const ab_jv *v = ab_json_get(o, key);
    return v && v->type == type ? v : NULL;
}

const ab_jv *ab_json_get(const ab_jv *o, const char *key)
{
    if (!o || o->type != AB_JSON_OBJ) return NULL;
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key)) return &o->items[i];
    return NULL;
}

const char *ab_json_get_str(const ab_jv *o, const char *key)
{
    const ab_jv *v = ab_json_get(o, key);
    return v && v->type == AB_JSON_STR ? v->str : NULL;
}

void ab_json_free(ab_jv *v)
{
    for (int i = 0; i < v->n; i++) {
        ab_json_free(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

void ab_json_str(ab_str *o, const char *s)
{
    if (!s) { ab_str_add(o, "null"); return; }
    ab_str_add(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': ab_str_add(o, "\\\""); break;
        case '\\': ab_str_add(o, "\\\\"); break;
        case '\n': ab_str_add(o, "\\n"); break;
        case '\r': ab_str_add(o, "\\r"); break;
        case '\t': ab_str_add(o, "\\t"); break;
        default:
            if (*p < 0x20) ab_str_addf(o, "\\u%04x", *p);
            else ab_str_addn(o, (const char *)p, 1);
        }
    }
    ab_str_add(o, "\"");
}
