/* ab_csv.c: see ab_csv.h. */
#include "ab_csv.h"
#include "ab_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ab_csv_field(FILE *f, const char *v, int first)
{
    if (!first) fputc(',', f);
    if (!v) v = "";
    if (strpbrk(v, ",\"\r\n") == NULL) { fputs(v, f); return; }
    fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

void ab_csv_row(FILE *f, const char *const *fields, int n)
{
    for (int i = 0; i < n; i++) ab_csv_field(f, fields[i], i == 0);
    fputc('\n', f);
    fflush(f);
}

static void rec_push(ab_csv_rec *r, ab_str *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->fields = ab_xrealloc(r->fields, sizeof(char *) * (size_t)r->cap);
    }
    r->fields[r->n++] = s->buf ? s->buf : ab_xstrdup("");
    s->buf = NULL; s->len = s->cap = 0;
}

void ab_csv_rec_free(ab_csv_rec *r)
{
    for (int i = 0; i < r->n; i++) free(r->fields[i]);
    free(r->fields);
    r->fields = NULL;
    r->n = r->cap = 0;
}

int ab_csv_read(FILE *f, ab_csv_rec *r)
{
    for (int i = 0; i < r->n; i++) free(r->fields[i]);
    r->n = 0;
    int c = fgetc(f);
    if (c == EOF) return 0;
    ab_str cur = {0};
    int inq = 0, wasq = 0, started = 0;
    for (;; c = fgetc(f)) {
        if (inq) {
            if (c == EOF) { ab_str_free(&cur); return -1; }
            if (c == '"') {
                int d = fgetc(f);
                if (d == '"') { ab_str_addn(&cur, "\"", 1); continue; }
                inq = 0; wasq = 1;
                if (d != EOF) ungetc(d, f);
                continue;
            }
            char ch = (char)c;
            ab_str_addn(&cur, &ch, 1);
            continue;
        }
        if (c == EOF || c == '\n') {
            if (cur.len && cur.buf[cur.len - 1] == '\r' && !wasq) cur.buf[--cur.len] = '\0';
            rec_push(r, &cur);
            return 1;
        }
        if (c == '\r') {
            int d = fgetc(f);
            if (d == '\n' || d == EOF) { rec_push(r, &cur); return 1; }
            ungetc(d, f);
            if (wasq) { ab_str_free(&cur); return -1; }
            ab_str_addn(&cur, "\r", 1);
            continue;
        }
        if (c == ',') { rec_push(r, &cur); wasq = 0; started = 0; continue; }
        if (c == '"') {
            if (started || wasq) { ab_str_free(&cur); return -1; }
            inq = 1; started = 1;
            continue;
        }
        if (wasq) { ab_str_free(&cur); return -1; }
        started = 1;
        char ch = (char)c;
        ab_str_addn(&cur, &ch, 1);
    }
}

int ab_table_load(const char *path, ab_table *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) { ab_err("cannot read %s: %s", path, strerror(errno)); return -1; }
    ab_csv_rec hdr = {0};
    if (ab_csv_read(f, &hdr) != 1) { fclose(f); ab_err("%s: empty or malformed header", path); ab_csv_rec_free(&hdr); return -1; }
    t->cols = hdr.fields;
    t->ncol = hdr.n;
    int cap = 0;
    for (;;) {
        ab_csv_rec r = {0};
        int k = ab_csv_read(f, &r);
        if (k == 0) { ab_csv_rec_free(&r); break; }
        if (k < 0 || r.n != t->ncol) {
            if (k > 0 && r.n == 1 && r.fields[0][0] == '\0') { ab_csv_rec_free(&r); continue; }
            ab_err("%s: malformed row %d", path, t->nrow + 2);
            ab_csv_rec_free(&r);
            fclose(f);
            ab_table_free(t);
            return -1;
        }
        if (t->nrow == cap) {
            cap = cap ? cap * 2 : 64;
            t->rows = ab_xrealloc(t->rows, sizeof(ab_csv_rec) * (size_t)cap);
        }
        t->rows[t->nrow++] = r;
    }
    fclose(f);
    return 0;
}

int ab_table_col(const ab_table *t, const char *name)
{
    for (int i = 0; i < t->ncol; i++)
        if (strcmp(t->cols[i], name) == 0) return i;
    return -1;
}

const char *ab_table_get(const ab_table *t, int row, int col)
{
    if (col < 0 || row < 0 || row >= t->nrow) return "";
    return t->rows[row].fields[col];
}

void ab_table_free(ab_table *t)
{
    for (int i = 0; i < t->ncol; i++) free(t->cols[i]);
    free(t->cols);
    for (int i = 0; i < t->nrow; i++) ab_csv_rec_free(&t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

int ab_resdir_create(ab_resdir *d, const char *parent, const char *stamp, const char *host)
{
    memset(d, 0, sizeof *d);
    if (ab_mkdirs(parent, 0755) != 0) { ab_err("cannot create %s: %s", parent, strerror(errno)); return -1; }
    for (int k = 1; k < 1000; k++) {
        char *name = k == 1 ? ab_xasprintf("%s-%s", stamp, host) : ab_xasprintf("%s-%s-%d", stamp, host, k);
        char *fin = ab_xasprintf("%s/%s", parent, name);
        char *tmp = ab_xasprintf("%s/tmp-%s", parent, name);
        if (!ab_file_exists(fin) && mkdir(tmp, 0755) == 0) {
            d->parent = ab_xstrdup(parent);
            d->name = name; d->final_path = fin; d->tmp_path = tmp;
            return 0;
        }
        int e = errno;
        free(name); free(fin); free(tmp);
        if (e != EEXIST && e != 0) { ab_err("cannot create a results folder in %s: %s", parent, strerror(e)); return -1; }
    }
    ab_err("cannot find a free results folder name in %s", parent);
    return -1;
}

int ab_resdir_finish(ab_resdir *d)
{
    if (ab_file_exists(d->final_path)) { ab_err("%s exists; results stay in %s", d->final_path, d->tmp_path); return -1; }
    if (rename(d->tmp_path, d->final_path) != 0) {
        ab_err("cannot rename %s to %s: %s", d->tmp_path, d->final_path, strerror(errno));
        return -1;
    }
    char *lt = ab_xasprintf("%s/.latest-%ld", d->parent, (long)getpid());
    char *latest = ab_xasprintf("%s/latest", d->parent);
    unlink(lt);
    int rc = 0;
    if (symlink(d->name, lt) != 0 || rename(lt, latest) != 0) {
        ab_err("cannot update %s: %s", latest, strerror(errno));
        unlink(lt);
        rc = -1;
    }
    free(lt); free(latest);
    return rc;
}

void ab_resdir_free(ab_resdir *d)
{
    free(d->parent); free(d->name); free(d->tmp_path); free(d->final_path);
    memset(d, 0, sizeof *d);
}

int ab_write_atomic(const char *path, const char *data, size_t len)
{
    char *tmp = ab_xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { free(tmp); return -1; }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) { if (errno == EINTR) continue; close(fd); unlink(tmp); free(tmp); return -1; }
        off += (size_t)w;
    }
    fsync(fd);
    close(fd);
    int rc = rename(tmp, path);
    if (rc != 0) unlink(tmp);
    free(tmp);
    return rc;
}
