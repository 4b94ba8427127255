/* ab_parse.c: see ab_parse.h. */
#include "ab_parse.h"
#include "ab_util.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *ab_kv_get(const ab_kv *kv, const char *key)
{
    for (int i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) return kv->vals[i];
    return NULL;
}

void ab_kv_set(ab_kv *kv, const char *key, const char *val)
{
    for (int i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) { free(kv->vals[i]); kv->vals[i] = ab_xstrdup(val); return; }
    kv->keys = ab_xrealloc(kv->keys, sizeof(char *) * (size_t)(kv->n + 1));
    kv->vals = ab_xrealloc(kv->vals, sizeof(char *) * (size_t)(kv->n + 1));
    kv->keys[kv->n] = ab_xstrdup(key);
    kv->vals[kv->n] = ab_xstrdup(val);
    kv->n++;
}

void ab_kv_free(ab_kv *kv)
{
    for (int i = 0; i < kv->n; i++) { free(kv->keys[i]); free(kv->vals[i]); }
    free(kv->keys); free(kv->vals);
    kv->keys = kv->vals = NULL;
    kv->n = 0;
}

int ab_parse_line(const char *line, char *tag, size_t tagn, ab_kv *kv)
{
    ab_kv_free(kv);
    static const char pfx[] = "ALLOCBENCH";
    if (strncmp(line, pfx, sizeof pfx - 1) != 0) return 0;
    const char *p = line + sizeof pfx - 1;
    if (*p != ' ' && *p != '\t') return (*p == '\0' || *p == '\n' || *p == '\r') ? -1 : 0;
    while (*p == ' ' || *p == '\t') p++;
    const char *tb = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (p == tb || memchr(tb, '=', (size_t)(p - tb))) return -1;
    size_t tl = (size_t)(p - tb);
    if (tl >= tagn) tl = tagn - 1;
    memcpy(tag, tb, tl);
    tag[tl] = '\0';
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '\n' || *p == '\r') break;
        const char *b = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        const char *eq = memchr(b, '=', (size_t)(p - b));
        if (!eq || eq == b) { ab_kv_free(kv); return -1; }
        char *k = ab_xmalloc((size_t)(eq - b) + 1);
        memcpy(k, b, (size_t)(eq - b)); k[eq - b] = '\0';
        char *v = ab_xmalloc((size_t)(p - eq));
        memcpy(v, eq + 1, (size_t)(p - eq - 1)); v[p - eq - 1] = '\0';
        ab_kv_set(kv, k, v);
        free(k); free(v);
    }
    return 1;
}

void ab_output_parse(const char *text, ab_output *o)
{
    memset(o, 0, sizeof *o);
    const char *p = text;
    ab_kv kv = {0};
    char *line = NULL;
    size_t cap = 0;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n + 1 > cap) { cap = n + 1; line = ab_xrealloc(line, cap); }
        memcpy(line, p, n); line[n] = '\0';
        char tag[32];
        int k = ab_parse_line(line, tag, sizeof tag, &kv);
        if (k < 0) o->nmalformed++;
        else if (k > 0) {
            ab_kv *dst = NULL;
            if (strcmp(tag, "result") == 0) { dst = &o->result; o->has_result = 1; o->nresult++; }
            else if (strcmp(tag, "allocator") == 0) { dst = &o->allocator; o->has_allocator = 1; }
            else if (strcmp(tag, "alloc-stats") == 0) { dst = &o->stats; o->has_stats = 1; }
            if (dst) { ab_kv_free(dst); *dst = kv; memset(&kv, 0, sizeof kv); }
        }
        p = e ? e + 1 : NULL;
    }
    ab_kv_free(&kv);
    free(line);
}

void ab_output_free(ab_output *o)
{
    ab_kv_free(&o->result);
    ab_kv_free(&o->allocator);
    ab_kv_free(&o->stats);
}

const char *ab_result_check(const ab_kv *r)
{
    static const char *req[] = { "workload", "threads", "metric", "value", "unit", "better" };
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        const char *v = ab_kv_get(r, req[i]);
        if (!v || !*v) return req[i];
    }
    const char *v = ab_kv_get(r, "value");
    char *end;
    double d = strtod(v, &end);
    if (*end || !isfinite(d)) return "value";
    const char *b = ab_kv_get(r, "better");
    if (strcmp(b, "higher") != 0 && strcmp(b, "lower") != 0) return "better";
    return NULL;
}
