/*
 * ab_csv.h: RFC 4180 CSV writing and reading, and the results folder
 * (created under a temporary name, renamed into place when done).
 */
#ifndef AB_CSV_H
#define AB_CSV_H

#include <stdio.h>

/* Append one field to a line being built: quoted when it contains a comma,
 * a double quote, CR or LF (quotes doubled). first != 0 omits the comma. */
void ab_csv_field(FILE *f, const char *v, int first);
/* Write a whole row of n fields and a newline, then fflush. */
void ab_csv_row(FILE *f, const char *const *fields, int n);

/* A parsed CSV row. Invariant: fields[0..n) are NUL-terminated strings
 * owned by the row; n <= cap. */
typedef struct ab_csv_rec {
    char **fields;
    int    n;
    int    cap;
} ab_csv_rec;

/* Read the next record (a quoted field may span lines). Returns 1 when a
 * record was read, 0 at end of file, -1 on malformed input (an unclosed
 * quote or a quote inside an unquoted field). */
int  ab_csv_read(FILE *f, ab_csv_rec *r);
void ab_csv_rec_free(ab_csv_rec *r);

/* A table read from a CSV file with a header line.
 * Invariant: every row has exactly ncol fields. */
typedef struct ab_table {
    char        **cols;
    int           ncol;
    ab_csv_rec   *rows;
    int           nrow;
} ab_table;

/* Load; -1 with errno-like message on stderr if unreadable or ragged. */
int  ab_table_load(const char *path, ab_table *t);
int  ab_table_col(const ab_table *t, const char *name);      /* -1 if absent */
const char *ab_table_get(const ab_table *t, int row, int col); /* "" if col < 0 */
void ab_table_free(ab_table *t);

/* A results folder. Invariant: while open, tmp_path exists and final_path
 * does not; after ab_resdir_finish, final_path exists and tmp_path does not. */
typedef struct ab_resdir {
    char *parent;      /* e.g. "results" */
    char *name;        /* e.g. "20261125T014000Z-host" */
    char *tmp_path;    /* parent/tmp-<name> */
    char *final_path;  /* parent/<name> */
} ab_resdir;

/* Create parent/tmp-<stamp>-<host>[-N]; picks N so that neither the
 * temporary nor the final name exists. 0 on success. */
int  ab_resdir_create(ab_resdir *d, const char *parent, const char *stamp, const char *host);
/* Rename into place and point parent/latest at it (atomic symlink swap). */
int  ab_resdir_finish(ab_resdir *d);
void ab_resdir_free(ab_resdir *d);

/* Atomically write a file: write path.tmp, fsync, rename. 0 on success. */
int  ab_write_atomic(const char *path, const char *data, size_t len);

#endif /* AB_CSV_H */
