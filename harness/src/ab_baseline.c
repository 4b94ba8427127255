/*
 * ab_baseline.c: the regression gate's committed baseline (ab_baseline.h).
 */
#include "ab_baseline.h"
#include "ab_json.h"
#include "ab_meta.h"
#include "ab_util.h"

#include <elf.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The allocbench version named in the fingerprint: raise it when a change
 * to the harness changes what a cell measures. */
#define BASELINE_AB_VERSION "0.5"

static void bl_cell_free(ab_bl_cell *c) { free(c->name); free(c->kind); free(c->aa); }

void ab_baseline_free(ab_baseline *b)
{
    for (int i = 0; i < b->nfp; i++) { free(b->fp[i].key); free(b->fp[i].value); }
    for (int i = 0; i < b->ncells; i++) bl_cell_free(&b->cells[i]);
    for (int i = 0; i < b->nacks; i++) { free(b->acks[i].cell); free(b->acks[i].reason); free(b->acks[i].expires); }
    free(b->fp); free(b->cells); free(b->acks);
    memset(b, 0, sizeof *b);
}

static int bl_date_ok(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
    return 1;
}

void ab_baseline_fp_set(ab_baseline *b, const char *key, const char *value)
{
    for (int i = 0; i < b->nfp; i++)
        if (!strcmp(b->fp[i].key, key)) { free(b->fp[i].value); b->fp[i].value = ab_xstrdup(value); return; }
    b->fp = ab_xrealloc(b->fp, sizeof *b->fp * (size_t)(b->nfp + 1));
    b->fp[b->nfp++] = (ab_bl_kv){ ab_xstrdup(key), ab_xstrdup(value) };
}

/* The parts of a loaded file, each checked; -1 after one error line. */
static int bl_read_cells(const char *path, const ab_jv *cells, ab_baseline *b)
{
    for (int i = 0; cells && i < cells->n; i++) {
        const ab_jv *c = &cells->items[i], *v = ab_json_get(c, "value"), *aa = ab_json_get(c, "aa");
        const char *name = ab_json_get_str(c, "cell"), *kind = ab_json_get_str(c, "kind");
        if (!name || !kind || (v && v->type != AB_JSON_NUM && v->type != AB_JSON_NULL) ||
            (aa && aa->type != AB_JSON_ARR) || (aa && aa->n > AB_BASELINE_MAX_AA)) {
            ab_err("regress: %s: cell %d is malformed (cell, kind, value, aa)", path, i + 1);
            return -1;
        }
        if (ab_baseline_cell(b, name, kind, 0)) { ab_err("regress: %s: cell '%s' appears twice", path, name); return -1; }
        ab_bl_cell *x = ab_baseline_cell(b, name, kind, 1);
        if (v && v->type == AB_JSON_NUM) { x->has_value = 1; x->value = v->num; }
        for (int k = 0; aa && k < aa->n; k++) {
            if (aa->items[k].type != AB_JSON_NUM) { ab_err("regress: %s: cell '%s': aa holds a non-number", path, name); return -1; }
            ab_baseline_add_aa(x, aa->items[k].num);
        }
    }
    return 0;
}

static int bl_read_acks(const char *path, const ab_jv *acks, ab_baseline *b)
{
    for (int i = 0; acks && i < acks->n; i++) {
        const ab_jv *a = &acks->items[i];
        const char *cell = ab_json_get_str(a, "cell"), *reason = ab_json_get_str(a, "reason");
        const char *exp = ab_json_get_str(a, "expires");
        if (!cell || !reason || !*reason || !bl_date_ok(exp)) {
            ab_err("regress: %s: acknowledgement %d needs a cell, a reason and an expiry date YYYY-MM-DD", path, i + 1);
            return -1;
        }
        b->acks = ab_xrealloc(b->acks, sizeof *b->acks * (size_t)(b->nacks + 1));
        b->acks[b->nacks++] = (ab_bl_ack){ ab_xstrdup(cell), ab_xstrdup(reason), ab_xstrdup(exp) };
    }
    return 0;
}

int ab_baseline_load(const char *path, ab_baseline *b)
{
    memset(b, 0, sizeof *b);
    b->schema = AB_BASELINE_SCHEMA;
    if (access(path, F_OK) != 0 && errno == ENOENT) return 1;
    char *txt = ab_read_file(path, NULL);
    if (!txt) { ab_err("regress: cannot read the baseline %s: %s", path, strerror(errno)); return -1; }
    ab_jv root;
    char err[160];
    int rc = ab_json_parse(txt, &root, err, sizeof err);
    free(txt);
    if (rc) { ab_err("regress: the baseline %s is not valid JSON (%s)", path, err); return -1; }
    const ab_jv *schema = ab_json_get(&root, "schema"), *fp = ab_json_get(&root, "fingerprint");
    const ab_jv *cells = ab_json_get(&root, "cells"), *acks = ab_json_get(&root, "acks");
    rc = -1;
    if (root.type != AB_JSON_OBJ || !schema || schema->type != AB_JSON_NUM)
        ab_err("regress: the baseline %s has no schema number", path);
    else if (schema->num != AB_BASELINE_SCHEMA)
        ab_err("regress: the baseline %s has schema %g; this allocbench reads schema %d", path, schema->num, AB_BASELINE_SCHEMA);
    else if (!fp || fp->type != AB_JSON_OBJ || (cells && cells->type != AB_JSON_ARR) || (acks && acks->type != AB_JSON_ARR))
        ab_err("regress: the baseline %s lacks a fingerprint object (or cells, acks are not arrays)", path);
    else
        rc = 0;
    for (int i = 0; !rc && i < fp->n; i++) {
        if (fp->items[i].type != AB_JSON_STR || !*fp->keys[i] || !*fp->items[i].str) {
            ab_err("regress: the baseline %s: fingerprint entry '%s' is not a non-empty string", path, fp->keys[i]);
            rc = -1;
        } else {
            ab_baseline_fp_set(b, fp->keys[i], fp->items[i].str);
        }
    }
    if (!rc) rc = bl_read_cells(path, cells, b);
    if (!rc) rc = bl_read_acks(path, acks, b);
    ab_json_free(&root);
    if (rc) ab_baseline_free(b);
    return rc;
}

static int bl_cell_cmp(const void *a, const void *b)
{
    return strcmp(((const ab_bl_cell *)a)->name, ((const ab_bl_cell *)b)->name);
}

static int bl_kv_cmp(const void *a, const void *b)
{
    return strcmp(((const ab_bl_kv *)a)->key, ((const ab_bl_kv *)b)->key);
}

int ab_baseline_save(const char *path, ab_baseline *b)
{
    qsort(b->cells, (size_t)b->ncells, sizeof *b->cells, bl_cell_cmp);
    qsort(b->fp, (size_t)b->nfp, sizeof *b->fp, bl_kv_cmp);
    ab_str o = {0};
    ab_str_addf(&o, "{\"schema\": %d,\n \"fingerprint\": {", AB_BASELINE_SCHEMA);
    for (int i = 0; i < b->nfp; i++) {
        ab_str_add(&o, i ? ",\n  " : "\n  ");
        ab_json_str(&o, b->fp[i].key);
        ab_str_add(&o, ": ");
        ab_json_str(&o, b->fp[i].value);
    }
    ab_str_add(&o, "},\n \"cells\": [");
    for (int i = 0; i < b->ncells; i++) {
        const ab_bl_cell *c = &b->cells[i];
        ab_str_add(&o, i ? ",\n  {\"cell\": " : "\n  {\"cell\": ");
        ab_json_str(&o, c->name);
        ab_str_add(&o, ", \"kind\": ");
        ab_json_str(&o, c->kind);
        if (c->has_value) ab_str_addf(&o, ", \"value\": %.17g", c->value);
        ab_str_add(&o, ", \"aa\": [");
        for (int k = 0; k < c->naa; k++) ab_str_addf(&o, "%s%.6g", k ? ", " : "", c->aa[k]);
        ab_str_add(&o, "]}");
    }
    ab_str_add(&o, "],\n \"acks\": [");
    for (int i = 0; i < b->nacks; i++) {
        ab_str_add(&o, i ? ",\n  {\"cell\": " : "\n  {\"cell\": ");
        ab_json_str(&o, b->acks[i].cell);
        ab_str_add(&o, ", \"reason\": ");
        ab_json_str(&o, b->acks[i].reason);
        ab_str_add(&o, ", \"expires\": ");
        ab_json_str(&o, b->acks[i].expires);
        ab_str_add(&o, "}");
    }
    ab_str_add(&o, "]}\n");
    char *tmp = ab_xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(ab_str_c(&o), f) >= 0;
    if (f && fclose(f)) ok = 0;
    if (ok && rename(tmp, path)) ok = 0;
    if (!ok) { ab_err("regress: cannot write the baseline %s: %s", path, strerror(errno)); unlink(tmp); }
    free(tmp);
    ab_str_free(&o);
    return ok ? 0 : -1;
}

/* FNV-1a 64 over bytes. */
static uint64_t bl_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) { h ^= s[i]; h *= 1099511628211ULL; }
    return h;
}

/* Hash of the executable segments of an ELF64 file (the code, not the
 * debug information, which names the build folder), or of the whole file
 * if it is not ELF64; 0 if unreadable. */
static uint64_t bl_code_hash(const char *path)
{
    size_t len;
    char *d = ab_read_file(path, &len);
    if (!d) return 0;
    uint64_t h = 14695981039346656037ULL;
    const Elf64_Ehdr *e = (const Elf64_Ehdr *)d;
    int elf = len >= sizeof *e && !memcmp(e->e_ident, ELFMAG, SELFMAG) && e->e_ident[EI_CLASS] == ELFCLASS64 &&
              e->e_phentsize == sizeof(Elf64_Phdr) && e->e_phoff <= len &&
              (size_t)e->e_phnum * sizeof(Elf64_Phdr) <= len - e->e_phoff;
    int nx = 0;
    for (int i = 0; elf && i < e->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(d + e->e_phoff) + i;
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset) continue;
        h = bl_fnv(h, d + ph->p_offset, ph->p_filesz);
        nx++;
    }
    if (!nx) h = bl_fnv(h, d, len);
    free(d);
    return h;
}

void ab_baseline_fingerprint(ab_baseline *b, const char *root, const ab_wlset *all, char *const *workloads,
                             int nw, const char *suite)
{
    ab_machine m;
    ab_machine_get(&m);
    char *cpu = ab_xasprintf("%s; %d CPUs", m.cpu_model, m.ncpu_online);
    ab_baseline_fp_set(b, "cpu", cpu);
    ab_baseline_fp_set(b, "kernel", m.kernel);
    free(cpu);
    ab_machine_free(&m);
#ifdef __clang__
    ab_baseline_fp_set(b, "compiler", "clang " __clang_version__);
#else
    ab_baseline_fp_set(b, "compiler", "gcc " __VERSION__);
#endif
    ab_baseline_fp_set(b, "libc", gnu_get_libc_version());
    ab_baseline_fp_set(b, "allocbench", BASELINE_AB_VERSION);
    for (int i = 0; i < nw; i++) {
        const ab_workload *w = ab_wl_find(all, workloads[i]);
        if (!w) continue;
        char *bin = w->binary[0] == '/' ? ab_xstrdup(w->binary) : ab_xasprintf("%s/%s", root, w->binary);
        uint64_t h = bl_code_hash(bin);
        const char *args = ab_wl_args(w, suite), *smoke = ab_wl_args(w, "smoke");
        h = bl_fnv(h, args ? args : "", strlen(args ? args : "") + 1);
        h = bl_fnv(h, smoke ? smoke : "", strlen(smoke ? smoke : "") + 1);
        char key[96], val[20];
        snprintf(key, sizeof key, "workload:%s", w->name);
        snprintf(val, sizeof val, "%016llx", (unsigned long long)h);
        ab_baseline_fp_set(b, key, val);
        free(bin);
    }
}

int ab_baseline_fp_mismatch(const ab_baseline *stored, const ab_baseline *now, char *why, size_t n)
{
    for (int i = 0; i < now->nfp; i++) {
        const char *k = now->fp[i].key, *have = NULL;
        for (int j = 0; j < stored->nfp; j++)
            if (!strcmp(stored->fp[j].key, k)) have = stored->fp[j].value;
        if (!have && !strncmp(k, "workload:", 9)) continue;
        if (!have || strcmp(have, now->fp[i].value)) {
            snprintf(why, n, "%s is '%s' here but '%s' in the baseline", k, now->fp[i].value, have ? have : "(absent)");
            return 1;
        }
    }
    return 0;
}

ab_bl_cell *ab_baseline_cell(ab_baseline *b, const char *name, const char *kind, int create)
{
    for (int i = 0; i < b->ncells; i++)
        if (!strcmp(b->cells[i].name, name)) return &b->cells[i];
    if (!create) return NULL;
    b->cells = ab_xrealloc(b->cells, sizeof *b->cells * (size_t)(b->ncells + 1));
    ab_bl_cell *c = &b->cells[b->ncells++];
    memset(c, 0, sizeof *c);
    c->name = ab_xstrdup(name);
    c->kind = ab_xstrdup(kind);
    return c;
}

void ab_baseline_add_aa(ab_bl_cell *c, double effect)
{
    if (!isfinite(effect)) return;
    if (c->naa == AB_BASELINE_MAX_AA) {
        memmove(c->aa, c->aa + 1, sizeof *c->aa * (size_t)(c->naa - 1));
        c->naa--;
    }
    c->aa = ab_xrealloc(c->aa, sizeof *c->aa * (size_t)(c->naa + 1));
    c->aa[c->naa++] = effect;
}

const ab_bl_ack *ab_baseline_ack(const ab_baseline *b, const char *cell, const char *today, int *expired)
{
    if (expired) *expired = 0;
    for (int i = 0; i < b->nacks; i++)
        if (!strcmp(b->acks[i].cell, cell)) {
            if (expired) *expired = strcmp(b->acks[i].expires, today) < 0;
            return &b->acks[i];
        }
    return NULL;
}

int ab_baseline_drop_expired(ab_baseline *b, const char *today)
{
    int k = 0, dropped = 0;
    for (int i = 0; i < b->nacks; i++) {
        if (strcmp(b->acks[i].expires, today) < 0) {
            free(b->acks[i].cell); free(b->acks[i].reason); free(b->acks[i].expires);
            dropped++;
        } else {
            b->acks[k++] = b->acks[i];
        }
    }
    b->nacks = k;
    return dropped;
}
