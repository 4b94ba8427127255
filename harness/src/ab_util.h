/*
 * ab_util.h: small helpers shared by the allocbench modules: checked
 * allocation, growable strings, argument splitting, time, files and
 * capturing a command's output.
 */
#ifndef AB_UTIL_H
#define AB_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* A growable, always NUL-terminated string.
 * Invariant: buf is NULL (empty, len == 0) or points to cap bytes with
 * buf[len] == '\0' and len < cap. */
typedef struct ab_str {
    char  *buf;
    size_t len;
    size_t cap;
} ab_str;

void  *ab_xmalloc(size_t n);
void  *ab_xrealloc(void *p, size_t n);
char  *ab_xstrdup(const char *s);
char  *ab_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void   ab_str_add(ab_str *s, const char *text);
void   ab_str_addn(ab_str *s, const char *text, size_t n);
void   ab_str_addf(ab_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *ab_str_c(const ab_str *s);     /* "" when empty */
void   ab_str_free(ab_str *s);

/* Split on blanks into a NULL-terminated vector (no quoting); *n gets the
 * count. Free with ab_argv_free. */
char **ab_split_ws(const char *s, int *n);
void   ab_argv_free(char **v);

/* Monotonic seconds. */
double ab_now(void);
/* UTC "YYYYMMDDTHHMMSSZ" (compact=1) or ISO 8601 "YYYY-MM-DDTHH:MM:SSZ". */
void   ab_utc_stamp(char *buf, size_t n, int compact);

/* Read a whole file; NULL on error. *len may be NULL. */
char  *ab_read_file(const char *path, size_t *len);
int    ab_file_exists(const char *path);
int    ab_is_executable(const char *path);
/* mkdir -p; 0 on success. */
int    ab_mkdirs(const char *path, int mode);

/* Run a shell command, capture its stdout, strip the trailing newline.
 * Returns NULL when the command fails or prints nothing. */
char  *ab_capture(const char *cmd);
/* Quote a string for /bin/sh single-quote context. */
char  *ab_shell_quote(const char *s);

/* Parse a thread list "1,2,4" or "1-4" (ranges allowed). Fills out[] with
 * up to max entries; returns the count, or -1 with a reason in err. Every
 * entry must be a positive integer <= 4096; empty elements are errors. */
int    ab_parse_threads(const char *s, int *out, int max, char *err, size_t errn);

/* Print "allocbench: <msg>" on stderr. */
void   ab_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Paths the commands need. Invariant: all absolute. */
typedef struct ab_paths {
    const char *root;     /* repository root */
    const char *exedir;   /* folder of the allocbench binary (has ab-probe) */
} ab_paths;

#endif /* AB_UTIL_H */
