/*
 * ab_history.c: `allocbench regress history` and `allocbench regress
 * bisect` (see ab_history.h and harness/README.md).
 *
 * The history file is JSON Lines: one object per commit,
 *   {"schema": 1, "commit": H, "commit_time": unix seconds, "date": ISO 8601,
 *    "subject": S, "added": ISO 8601 UTC, "exit": N, "results": DIR,
 *    "cells": [<the gate's cells, as written by regress --json>]}
 * kept in commit order (committer time, ties in the order added). Adding a
 * commit already present replaces its line; the file is rewritten whole
 * (temporary file + rename), the other lines byte for byte. Every line is
 * checked before anything is written: a corrupt file or input gives one
 * line and exit 2 and the file stays as it was.
 *
 * JSON is read by the small parser below (RFC 8259 grammar, depth <= 32,
 * no NUL in strings); numbers must be finite.
 */
#include "ab_history.h"
#include "ab_json.h"
#include "ab_util.h"
#include "ab_wl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *history_help =
"usage: allocbench regress history add JSON [--file F] [--commit REV] [--repo DIR]\n"
"       allocbench regress history plot [--file F] [--out DIR]\n"
"       allocbench regress history show [--file F]\n"
"The regression gate's results over commits, one JSON line per commit.\n"
"\n"
"  add JSON      append the cells of JSON (written by allocbench regress --json) as the\n"
"                entry of commit REV (default HEAD); a commit already present is replaced\n"
"  plot          one figure per cell (PNG and PDF), commits oldest first: the effect of\n"
"                head against base with its 95 % interval and the threshold, and for\n"
"                instruction and memory cells the base and head medians\n"
"  show          one line per commit: date, the gate's exit, cells, regressed, improved\n"
"\n"
"  --file F      the history file (default results/regress/history.jsonl in the\n"
"                allocbench checkout)\n"
"  --commit REV  the commit the results belong to (default HEAD)\n"
"  --repo DIR    the git repository of REV (default: the one holding the current\n"
"                folder, else the allocbench checkout)\n"
"  --out DIR     where plot writes (default: figures/ beside the history file)\n"
"Exit status: 0 done, 1 a figure failed, 2 bad input (nothing is changed).\n";

static const char *bisect_help =
"usage: allocbench regress bisect GOOD BAD --cell CELL [--rounds K] [--suite S] [--repo DIR]\n"
"Find the first commit between GOOD and BAD where CELL of the regression gate regresses.\n"
"git bisect run runs in a temporary detached worktree (your working tree is not\n"
"touched): tide is built once at GOOD, then at each commit bisect picks, and the gate\n"
"(allocbench regress) judges that build against GOOD's on CELL's workload and thread\n"
"count. REGRESSED is bad; PASS, IMPROVED and INFORMATIONAL are good; anything else\n"
"(a failed build, an inconclusive cell) is skipped. GOOD and BAD are taken as given.\n"
"\n"
"  --cell CELL   a cell as the gate names it: \"<workload> t=<threads> <metric>\", e.g.\n"
"                \"larson t=2 value\", \"glibc-simple t=1 instructions\"\n"
"  --rounds K    the gate's --rounds (default 6)\n"
"  --suite S     the gate's --suite (default quick)\n"
"  --repo DIR    the repository (default: the one holding the current folder, else the\n"
"                allocbench checkout)\n"
"The last line on stdout is \"first bad commit: <hash> <subject>\".\n"
"Exit status: 0 found, 2 bad input or bisect could not decide, 130 interrupted.\n";

/* -------------------------------------------------------------- entries */

/* One cell of the gate's judgement (ab_regress.c's --json). Invariant: name,
 * kind and verdict are non-empty, kind is time, memory or instructions; the
 * numbers are finite; pairs >= 0. Effects, bounds and threshold are
 * relative (0.05 = +5 %, + = head worse). */
typedef struct history_cell {
    char *name, *kind, *verdict;
    int pairs;
    double base, head, effect, lo, hi, threshold, floor;
} history_cell;

/* One entry of the history file. Invariant: commit and line are non-empty;
 * line is the entry's text as read or written (one line, no newline), kept
 * verbatim when the file is rewritten; cells[0..ncells) as in the line. */
typedef struct history_entry {
    char *commit, *date, *subject, *added, *line;
    long long ctime;
    int exit;
    history_cell *cells;
    int ncells;
} history_entry;

static void history_cells_free(history_cell *c, int n)
{
    for (int i = 0; i < n; i++) { free(c[i].name); free(c[i].kind); free(c[i].verdict); }
    free(c);
}

static void history_entry_clear(history_entry *e)
{
    free(e->commit); free(e->date); free(e->subject); free(e->added); free(e->line);
    history_cells_free(e->cells, e->ncells);
    memset(e, 0, sizeof *e);
}

static void history_entries_free(history_entry *e, int n)
{
    for (int i = 0; i < n; i++) history_entry_clear(&e[i]);
    free(e);
}

static const char *const history_verdicts[] = { "PASS", "REGRESSED", "IMPROVED", "INFORMATIONAL", "INCONCLUSIVE",
                                                "ERROR", NULL };

/* The cells of a "cells" array; -1 with a reason in err. */
static int history_cells_of(const ab_jv *arr, history_cell **out, int *nout, char *err, size_t errn)
{
    static const char *const nums[] = { "base_median", "head_median", "effect", "lo", "hi", "threshold", "floor" };
    history_cell *c = ab_xmalloc(sizeof *c * (size_t)(arr->n + 1));
    int n = 0;
    for (int i = 0; i < arr->n; i++) {
        const ab_jv *o = &arr->items[i];
        const ab_jv *nm = ab_json_get_type(o, "cell", AB_JSON_STR), *kd = ab_json_get_type(o, "kind", AB_JSON_STR);
        const ab_jv *vd = ab_json_get_type(o, "verdict", AB_JSON_STR), *pr = ab_json_get_type(o, "pairs", AB_JSON_NUM);
        if (o->type != AB_JSON_OBJ) { snprintf(err, errn, "cell %d is not an object", i + 1); goto bad; }
        if (!nm || !*nm->str) { snprintf(err, errn, "cell %d has no \"cell\" name", i + 1); goto bad; }
        if (!kd || (strcmp(kd->str, "time") && strcmp(kd->str, "memory") && strcmp(kd->str, "instructions"))) {
            snprintf(err, errn, "cell '%s': \"kind\" is not time, memory or instructions", nm->str);
            goto bad;
        }
        int known = 0;
        for (int k = 0; vd && history_verdicts[k]; k++) known |= !strcmp(vd->str, history_verdicts[k]);
        if (!known) { snprintf(err, errn, "cell '%s': \"verdict\" is missing or unknown", nm->str); goto bad; }
        if (!pr || pr->num < 0 || pr->num > 1e9 || pr->num != floor(pr->num)) {
            snprintf(err, errn, "cell '%s': \"pairs\" is not a count", nm->str);
            goto bad;
        }
        double v[7];
        for (int k = 0; k < 7; k++) {
            const ab_jv *x = ab_json_get_type(o, nums[k], AB_JSON_NUM);
            if (!x) { snprintf(err, errn, "cell '%s': \"%s\" is not a number", nm->str, nums[k]); goto bad; }
            v[k] = x->num;
        }
        for (int k = 0; k < n; k++)
            if (!strcmp(c[k].name, nm->str)) { snprintf(err, errn, "cell '%s' twice", nm->str); goto bad; }
        c[n] = (history_cell){ ab_xstrdup(nm->str), ab_xstrdup(kd->str), ab_xstrdup(vd->str), (int)pr->num,
                               v[0], v[1], v[2], v[3], v[4], v[5], v[6] };
        n++;
    }
    *out = c;
    *nout = n;
    return 0;
bad:
    history_cells_free(c, n);
    return -1;
}

/* The entry of one history line; -1 with a reason in err. */
static int history_entry_of(const char *line, size_t len, history_entry *e, char *err, size_t errn)
{
    ab_jv v;
    memset(e, 0, sizeof *e);
    if (ab_json_parse_n(line, len, &v, err, errn)) return -1;
    const ab_jv *cm = ab_json_get_type(&v, "commit", AB_JSON_STR), *ct = ab_json_get_type(&v, "commit_time", AB_JSON_NUM);
    const ab_jv *dt = ab_json_get_type(&v, "date", AB_JSON_STR), *sb = ab_json_get_type(&v, "subject", AB_JSON_STR);
    const ab_jv *ad = ab_json_get_type(&v, "added", AB_JSON_STR), *ex = ab_json_get_type(&v, "exit", AB_JSON_NUM);
    const ab_jv *cs = ab_json_get_type(&v, "cells", AB_JSON_ARR), *sc = ab_json_get_type(&v, "schema", AB_JSON_NUM);
    int rc = -1;
    if (v.type != AB_JSON_OBJ) snprintf(err, errn, "not a JSON object");
    else if (!sc || sc->num != 1) snprintf(err, errn, "\"schema\" is not 1");
    else if (!cm || !*cm->str) snprintf(err, errn, "no \"commit\"");
    else if (!ct) snprintf(err, errn, "no \"commit_time\"");
    else if (!dt || !sb || !ad) snprintf(err, errn, "no \"date\", \"subject\" or \"added\"");
    else if (!ex || ex->num != floor(ex->num) || ex->num < 0 || ex->num > 255) snprintf(err, errn, "no \"exit\" status");
    else if (!cs) snprintf(err, errn, "no \"cells\" array");
    else if (history_cells_of(cs, &e->cells, &e->ncells, err, errn) == 0) {
        e->commit = ab_xstrdup(cm->str);
        e->date = ab_xstrdup(dt->str);
        e->subject = ab_xstrdup(sb->str);
        e->added = ab_xstrdup(ad->str);
        e->ctime = (long long)ct->num;
        e->exit = (int)ex->num;
        e->line = ab_xasprintf("%.*s", (int)len, line);
        rc = 0;
    }
    ab_json_free(&v);
    return rc;
}

/* Read the history file. A missing file is empty when missing_ok, else an
 * error. Returns the count, or -1 after one error line. */
static int history_load(const char *path, int missing_ok, history_entry **out)
{
    *out = NULL;
    size_t len;
    errno = 0;
    char *text = ab_read_file(path, &len);
    if (!text) {
        if (errno == ENOENT && missing_ok) return 0;
        ab_err("history: cannot read %s: %s", path, errno ? strerror(errno) : "read error");
        return -1;
    }
    if (strlen(text) != len) { ab_err("history: %s is corrupt: it holds a NUL byte", path); free(text); return -1; }
    history_entry *e = NULL;
    int n = 0, lineno = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        int blank = 1;
        for (size_t i = 0; i < ll; i++) blank &= isspace((unsigned char)p[i]) != 0;
        if (!blank) {
            char err[256];
            e = ab_xrealloc(e, sizeof *e * (size_t)(n + 1));
            if (history_entry_of(p, ll, &e[n], err, sizeof err)) {
                ab_err("history: %s is corrupt: line %d: %s (nothing changed)", path, lineno, err);
                history_entries_free(e, n);
                free(text);
                return -1;
            }
            for (int k = 0; k < n; k++)
                if (!strcmp(e[k].commit, e[n].commit)) {
                    ab_err("history: %s is corrupt: line %d: commit %s twice (nothing changed)", path, lineno,
                           e[n].commit);
                    history_entries_free(e, n + 1);
                    free(text);
                    return -1;
                }
            n++;
        }
        p += ll + (nl ? 1 : 0);
    }
    free(text);
    *out = e;
    return n;
}

/* Write the lines of e[0..n) to path through a temporary file in the same
 * folder and rename(2): readers see the old file or the new one. */
static int history_write(const char *path, const history_entry *e, int n)
{
    char *tmp = ab_xasprintf("%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) { ab_err("history: cannot write beside %s: %s", path, strerror(errno)); free(tmp); return -1; }
    if (fchmod(fd, 0644)) { /* keep mkstemp's mode */ }
    FILE *f = fdopen(fd, "w");
    int bad = !f;
    for (int i = 0; f && i < n; i++) bad |= fprintf(f, "%s\n", e[i].line) < 0;
    if (f) bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (f) bad |= fclose(f) != 0; else close(fd);
    if (bad || rename(tmp, path)) {
        ab_err("history: cannot write %s: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* --------------------------------------------------------------- common */

/* The git repository holding the current folder, else the checkout. */
static char *history_repo(const char *given, const ab_paths *p)
{
    if (given) {
        char *q = ab_shell_quote(given);
        char *cmd = ab_xasprintf("git -C %s rev-parse --show-toplevel 2>/dev/null", q);
        char *top = ab_capture(cmd);
        free(cmd); free(q);
        if (!top) ab_err("history: %s is not a git repository", given);
        return top;
    }
    char *top = ab_capture("git rev-parse --show-toplevel 2>/dev/null");
    return top ? top : ab_xstrdup(p->root);
}

/* The full hash of commit rev in repo, or NULL. */
static char *history_rev(const char *repo, const char *rev)
{
    if (!*rev || rev[0] == '-') return NULL;
    char *qr = ab_shell_quote(repo), *spec = ab_xasprintf("%s^{commit}", rev), *qs = ab_shell_quote(spec);
    char *cmd = ab_xasprintf("git -C %s rev-parse --verify --quiet %s 2>/dev/null", qr, qs);
    char *h = ab_capture(cmd);
    free(cmd); free(qr); free(spec); free(qs);
    return h;
}

/* The subject of commit h (never NULL). */
static char *history_subject(const char *repo, const char *h)
{
    char *qr = ab_shell_quote(repo), *qh = ab_shell_quote(h);
    char *cmd = ab_xasprintf("git -C %s log -1 --format=%%s %s -- 2>/dev/null", qr, qh);
    char *s = ab_capture(cmd);
    free(cmd); free(qr); free(qh);
    return s ? s : ab_xstrdup("");
}

static char *history_default_file(const ab_paths *p)
{
    return ab_xasprintf("%s/results/regress/history.jsonl", p->root);
}

/* Read a JSON document; -1 after one error line. */
static int history_read_json(const char *path, ab_jv *v)
{
    size_t len;
    errno = 0;
    char *text = ab_read_file(path, &len);
    if (!text) { ab_err("history: cannot read %s: %s", path, strerror(errno ? errno : EIO)); return -1; }
    char err[256];
    int rc = strlen(text) != len ? (snprintf(err, sizeof err, "a NUL byte"), -1)
                                 : ab_json_parse_n(text, len, v, err, sizeof err);
    free(text);
    if (rc) ab_err("history: %s is not valid JSON: %s (nothing changed)", path, err);
    return rc;
}

/* ------------------------------------------------------------------ add */

static int history_add(int argc, char **argv, const ab_paths *p)
{
    const char *file = NULL, *rev = "HEAD", *repo_arg = NULL, *json = NULL;
    static const struct option lo[] = {
        {"file", 1, 0, 'f'}, {"commit", 1, 0, 'c'}, {"repo", 1, 0, 'r'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}
    };
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        switch (ch) {
        case 'f': file = optarg; break;
        case 'c': rev = optarg; break;
        case 'r': repo_arg = optarg; break;
        case 'h': fputs(history_help, stdout); return 0;
        case ':': ab_err("history add: option '%s' needs a value", argv[optind - 1]); return 2;
        default: ab_err("history add: unknown option '%s' (see allocbench regress history --help)", argv[optind - 1]); return 2;
        }
    }
    if (optind + 1 != argc) { ab_err("history add: expected one JSON file (see allocbench regress history --help)"); return 2; }
    json = argv[optind];
    ab_jv v;
    if (history_read_json(json, &v)) return 2;
    const ab_jv *sc = ab_json_get_type(&v, "schema", AB_JSON_NUM), *ex = ab_json_get_type(&v, "exit", AB_JSON_NUM);
    const ab_jv *cs = ab_json_get_type(&v, "cells", AB_JSON_ARR), *rs = ab_json_get_type(&v, "results", AB_JSON_STR);
    history_cell *cells = NULL;
    int ncells = 0;
    char err[256];
    if (v.type != AB_JSON_OBJ || !sc || sc->num != 1 || !ex || ex->num != floor(ex->num) || ex->num < 0 || ex->num > 255 || !cs) {
        ab_err("history: %s is not the gate's JSON (schema 1 with \"exit\" and \"cells\"); nothing changed", json);
        ab_json_free(&v);
        return 2;
    }
    int crc = history_cells_of(cs, &cells, &ncells, err, sizeof err);
    if (crc || ncells == 0) {
        ab_err("history: %s: %s (nothing changed)", json, crc ? err : "no cells");
        history_cells_free(cells, ncells);
        ab_json_free(&v);
        return 2;
    }
    char *repo = history_repo(repo_arg, p);
    char *hash = repo ? history_rev(repo, rev) : NULL;
    char *info = NULL;
    if (hash) {
        char *qr = ab_shell_quote(repo), *qh = ab_shell_quote(hash);
        char *cmd = ab_xasprintf("git -C %s log -1 --format=%%ct%%x1f%%cI%%x1f%%s %s -- 2>/dev/null", qr, qh);
        info = ab_capture(cmd);
        free(cmd); free(qr); free(qh);
    }
    char *f1 = info ? strchr(info, '\x1f') : NULL, *f2 = f1 ? strchr(f1 + 1, '\x1f') : NULL;
    if (!f2) {
        if (repo) ab_err("history: '%s' is not a commit of %s (nothing changed)", rev, repo);
        free(info); free(hash); free(repo);
        history_cells_free(cells, ncells);
        ab_json_free(&v);
        return 2;
    }
    *f1 = *f2 = '\0';
    char added[32];
    ab_utc_stamp(added, sizeof added, 0);
    ab_str line = {0};
    ab_str_add(&line, "{\"schema\": 1, \"commit\": ");
    ab_json_str(&line, hash);
    ab_str_addf(&line, ", \"commit_time\": %lld, \"date\": ", strtoll(info, NULL, 10));
    ab_json_str(&line, f1 + 1);
    ab_str_add(&line, ", \"subject\": ");
    ab_json_str(&line, f2 + 1);
    ab_str_add(&line, ", \"added\": ");
    ab_json_str(&line, added);
    ab_str_addf(&line, ", \"exit\": %d, \"results\": ", (int)ex->num);
    ab_json_str(&line, rs ? rs->str : "");
    ab_str_add(&line, ", \"cells\": [");
    for (int k = 0; k < ncells; k++) {
        const history_cell *c = &cells[k];
        ab_str_add(&line, k ? ", {\"cell\": " : "{\"cell\": ");
        ab_json_str(&line, c->name);
        ab_str_add(&line, ", \"kind\": ");
        ab_json_str(&line, c->kind);
        ab_str_addf(&line, ", \"pairs\": %d, \"base_median\": %.10g, \"head_median\": %.10g, \"effect\": %.6g, "
                           "\"lo\": %.6g, \"hi\": %.6g, \"threshold\": %.6g, \"floor\": %.6g, \"verdict\": ",
                    c->pairs, c->base, c->head, c->effect, c->lo, c->hi, c->threshold, c->floor);
        ab_json_str(&line, c->verdict);
        ab_str_add(&line, "}");
    }
    ab_str_add(&line, "]}");
    free(info);
    history_cells_free(cells, ncells);
    ab_json_free(&v);

    char *path = file ? ab_xstrdup(file) : history_default_file(p);
    int rc = 2;
    history_entry ne;
    if (history_entry_of(line.buf, line.len, &ne, err, sizeof err)) {   /* cannot happen: checked above */
        ab_err("history: internal error: %s", err);
        goto out;
    }
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        char *dir = ab_xasprintf("%.*s", (int)(slash - path), path);
        if (ab_mkdirs(dir, 0755)) ab_err("history: cannot create %s: %s", dir, strerror(errno));
        free(dir);
    }
    history_entry *e = NULL;
    int n = history_load(path, 1, &e);
    if (n < 0) { history_entry_clear(&ne); goto out; }
    int k, replaced = 0;
    for (k = 0; k < n && strcmp(e[k].commit, ne.commit); k++) {}
    if (k < n) {   /* the same commit: its entry is replaced where it stands */
        history_entry_clear(&e[k]);
        replaced = 1;
    } else {
        e = ab_xrealloc(e, sizeof *e * (size_t)(n + 1));
        n++;
    }
    e[k] = ne;   /* e owns ne's contents from here */
    /* stable insertion sort by commit time */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && e[j - 1].ctime > e[j].ctime; j--) {
            history_entry t = e[j]; e[j] = e[j - 1]; e[j - 1] = t;
        }
    if (history_write(path, e, n) == 0) {
        printf("history: %s %.12s (%s) in %s: %d entr%s\n", replaced ? "replaced" : "added", hash, ne.subject, path, n,
               n == 1 ? "y" : "ies");
        rc = 0;
    }
    history_entries_free(e, n);
out:
    ab_str_free(&line);
    free(path); free(hash); free(repo);
    return rc;
}

/* ----------------------------------------------------------------- show */

static int history_show(int argc, char **argv, const ab_paths *p)
{
    const char *file = NULL;
    static const struct option lo[] = { {"file", 1, 0, 'f'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0} };
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        switch (ch) {
        case 'f': file = optarg; break;
        case 'h': fputs(history_help, stdout); return 0;
        case ':': ab_err("history show: option '%s' needs a value", argv[optind - 1]); return 2;
        default: ab_err("history show: unknown option '%s' (see allocbench regress history --help)", argv[optind - 1]); return 2;
        }
    }
    if (optind != argc) { ab_err("history show: unexpected argument '%s'", argv[optind]); return 2; }
    char *path = file ? ab_xstrdup(file) : history_default_file(p);
    history_entry *e;
    int n = history_load(path, 0, &e);
    if (n < 0) { free(path); return 2; }
    printf("%-12s  %-10s  %4s  %5s  %9s  %8s  %s\n", "commit", "date", "exit", "cells", "regressed", "improved", "subject");
    for (int i = 0; i < n; i++) {
        int nr = 0, ni = 0;
        for (int k = 0; k < e[i].ncells; k++) {
            nr += !strcmp(e[i].cells[k].verdict, "REGRESSED");
            ni += !strcmp(e[i].cells[k].verdict, "IMPROVED");
        }
        printf("%-12.12s  %-10.10s  %4d  %5d  %9d  %8d  %.60s\n", e[i].commit, e[i].date, e[i].exit, e[i].ncells, nr, ni,
               e[i].subject);
    }
    printf("%d entr%s in %s\n", n, n == 1 ? "y" : "ies", path);
    history_entries_free(e, n);
    free(path);
    return 0;
}

/* ----------------------------------------------------------------- plot */

/* The figure script, written beside the data: one cell over commits.
 * Variables: dat (rows: index, short hash, head median, base median,
 * effect %, lo %, hi %, threshold %, effect % when REGRESSED), n, ttl, ylab,
 * has_head; fmt, out, caption, scriptdir as for every figure. */
static const char *history_gp =
"# history.gp (written by allocbench regress history plot): one cell of the\n"
"# regression gate over commits, oldest first.\n"
"load scriptdir.'/ab-style.gp'\n"
"set key outside right top noenhanced\n"
"set xrange [0.5:n + 0.5]\n"
"set xtics rotate by -45 noenhanced font ',8'\n"
"set lmargin at screen 0.09\n"
"set rmargin at screen 0.76\n"
"set offsets 0, 0, graph 0.08, graph 0.08\n"
"if (has_head) {\n"
"    set multiplot layout 2,1 title ttl noenhanced\n"
"    set tmargin 2\n"
"    set bmargin 4\n"
"    set ylabel ylab noenhanced\n"
"    plot dat using 1:4:xtic(2) with linespoints lt 2 title 'base median', \\\n"
"         dat using 1:3:xtic(2) with linespoints lt 1 title 'head median'\n"
"    set bmargin 7\n"
"} else {\n"
"    set title ttl noenhanced\n"
"}\n"
"set xlabel 'commit (oldest first)'\n"
"set ylabel 'effect, head against base [%] (+ = worse)'\n"
"plot dat using 1:5:6:7:xtic(2) with yerrorbars lt 1 title 'effect, 95 % interval', \\\n"
"     dat using 1:5 with lines lt 1 notitle, \\\n"
"     dat using 1:8 with lines lt 5 title 'threshold', \\\n"
"     dat using 1:9 with points lt 5 pt 9 ps 2 title 'REGRESSED', \\\n"
"     0 with lines lc rgb '#999999' lw 1 dt 1 notitle\n"
"if (has_head) { unset multiplot }\n";

/* A gnuplot string literal: single quotes, '' for a quote. */
static void history_gp_str(ab_str *o, const char *s)
{
    ab_str_add(o, "'");
    for (; *s; s++) { if (*s == '\'') ab_str_add(o, "''"); else ab_str_addn(o, s, 1); }
    ab_str_add(o, "'");
}

/* A file name for a cell: letters, digits, '.', '_' kept, runs of anything
 * else become one '-'. */
static char *history_slug(const char *s)
{
    ab_str o = {0};
    int dash = 0;
    for (; *s; s++) {
        if (isalnum((unsigned char)*s) || *s == '.' || *s == '_') {
            if (dash && o.len) ab_str_add(&o, "-");
            dash = 0;
            ab_str_addn(&o, s, 1);
        } else {
            dash = 1;
        }
    }
    return o.buf ? o.buf : ab_xstrdup("cell");
}

static int history_plot(int argc, char **argv, const ab_paths *p)
{
    const char *file = NULL, *outarg = NULL;
    static const struct option lo[] = { {"file", 1, 0, 'f'}, {"out", 1, 0, 'o'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0} };
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        switch (ch) {
        case 'f': file = optarg; break;
        case 'o': outarg = optarg; break;
        case 'h': fputs(history_help, stdout); return 0;
        case ':': ab_err("history plot: option '%s' needs a value", argv[optind - 1]); return 2;
        default: ab_err("history plot: unknown option '%s' (see allocbench regress history --help)", argv[optind - 1]); return 2;
        }
    }
    if (optind != argc) { ab_err("history plot: unexpected argument '%s'", argv[optind]); return 2; }
    char *path = file ? ab_xstrdup(file) : history_default_file(p);
    history_entry *e;
    int n = history_load(path, 0, &e);
    if (n <= 0) {
        if (n == 0) ab_err("history plot: %s has no entries", path);
        free(path);
        return 2;
    }
    char *out;
    if (outarg) out = ab_xstrdup(outarg);
    else {
        const char *slash = strrchr(path, '/');
        out = slash ? ab_xasprintf("%.*s/figures", (int)(slash - path), path) : ab_xstrdup("figures");
    }
    char *datdir = ab_xasprintf("%s/data", out);
    char *gp = ab_xasprintf("%s/history.gp", datdir);
    FILE *g = NULL;
    if (ab_mkdirs(datdir, 0755) || !(g = fopen(gp, "w")) || fputs(history_gp, g) < 0 || fclose(g)) {
        ab_err("history plot: cannot write %s: %s", gp, strerror(errno));
        history_entries_free(e, n);
        free(path); free(out); free(datdir); free(gp);
        return 2;
    }
    /* the cells, in first-seen order over the commits */
    const history_cell **cells = NULL;
    int nc = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < e[i].ncells; k++) {
            int j;
            for (j = 0; j < nc && strcmp(cells[j]->name, e[i].cells[k].name); j++) {}
            if (j == nc) {
                cells = ab_xrealloc(cells, sizeof *cells * (size_t)(nc + 1));
                cells[nc++] = &e[i].cells[k];
            }
        }
    char *sd = ab_xasprintf("%s/scripts", p->root);
    char *caption = ab_xasprintf("%s | %d commit%s, %.7s .. %.7s", path, n, n == 1 ? "" : "s", e[0].commit,
                                 e[n - 1].commit);
    int nfig = 0, nfail = 0;
    for (int j = 0; j < nc; j++) {
        const history_cell *c0 = cells[j];
        char *slug = history_slug(c0->name);
        char *dat = ab_xasprintf("%s/history-%s.dat", datdir, slug);
        FILE *f = fopen(dat, "w");
        if (!f) { ab_err("history plot: cannot write %s: %s", dat, strerror(errno)); nfail++; free(dat); free(slug); continue; }
        fprintf(f, "# %s: index commit head_median base_median effect%% lo%% hi%% threshold%% regressed_effect%%\n",
                c0->name);
        for (int i = 0; i < n; i++) {
            const history_cell *c = NULL;
            for (int k = 0; k < e[i].ncells; k++) if (!strcmp(e[i].cells[k].name, c0->name)) c = &e[i].cells[k];
            if (!c) { fprintf(f, "%d %.7s ? ? ? ? ? ? ?\n", i + 1, e[i].commit); continue; }
            fprintf(f, "%d %.7s %.10g %.10g %.6g %.6g %.6g %.6g ", i + 1, e[i].commit, c->head, c->base,
                    100 * c->effect, 100 * c->lo, 100 * c->hi, 100 * c->threshold);
            if (!strcmp(c->verdict, "REGRESSED")) fprintf(f, "%.6g\n", 100 * c->effect); else fprintf(f, "?\n");
        }
        fclose(f);
        int has_head = strcmp(c0->kind, "time") != 0;
        const char *mt = strstr(c0->name, " t=");
        mt = mt ? strchr(mt + 3, ' ') : NULL;
        char *ylab = ab_xasprintf("%s, median", mt && mt[1] ? mt + 1 : c0->name);
        char *ttl = ab_xasprintf("%s: the regression gate over commits (%s)", c0->name, c0->kind);
        for (int k = 0; k < 2; k++) {
            const char *fmt = k ? "pdf" : "png";
            char *fig = ab_xasprintf("%s/history-%s.%s", out, slug, fmt);
            ab_str v = {0};
            ab_str_addf(&v, "fmt='%s'\nout=", fmt);
            history_gp_str(&v, fig);
            ab_str_add(&v, "\nscriptdir=");
            history_gp_str(&v, sd);
            ab_str_add(&v, "\ncaption=");
            history_gp_str(&v, caption);
            ab_str_add(&v, "\nnames='head'\nnal=1\ndat=");
            history_gp_str(&v, dat);
            ab_str_add(&v, "\nttl=");
            history_gp_str(&v, ttl);
            ab_str_add(&v, "\nylab=");
            history_gp_str(&v, ylab);
            ab_str_addf(&v, "\nn=%d\nhas_head=%d\n", n, has_head);
            char *vf = ab_xasprintf("%s/history-%s.vars.gp", datdir, slug);
            char *lg = ab_xasprintf("%s/history-%s.gnuplot.log", datdir, slug);
            FILE *vfh = fopen(vf, "w");
            if (vfh) { fputs(ab_str_c(&v), vfh); fclose(vfh); }
            unlink(fig);
            char *q1 = ab_shell_quote(vf), *q2 = ab_shell_quote(gp), *q3 = ab_shell_quote(lg);
            char *cmd = ab_xasprintf("gnuplot %s %s >%s 2>&1", q1, q2, q3);
            struct stat st;
            if (!vfh || system(cmd) != 0 || stat(fig, &st) || st.st_size == 0) {
                ab_err("history plot: gnuplot failed for %s (see %s)", fig, lg);
                nfail++;
            } else if (k == 0) {
                nfig++;
            }
            free(cmd); free(q1); free(q2); free(q3); free(vf); free(lg); free(fig);
            ab_str_free(&v);
        }
        free(ttl); free(ylab); free(dat); free(slug);
    }
    printf("figures: %s (%d figure%s of %d commit%s, PNG and PDF)\n", out, nfig, nfig == 1 ? "" : "s", n,
           n == 1 ? "" : "s");
    free(cells); free(sd); free(caption);
    history_entries_free(e, n);
    free(path); free(out); free(datdir); free(gp);
    return nfail ? 1 : 0;
}

int ab_history_cmd(int argc, char **argv, const ab_paths *p)
{
    if (argc < 2) { ab_err("history: expected add, plot or show (see allocbench regress history --help)"); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { fputs(history_help, stdout); return 0; }
    if (!strcmp(argv[1], "add")) return history_add(argc - 1, argv + 1, p);
    if (!strcmp(argv[1], "plot")) return history_plot(argc - 1, argv + 1, p);
    if (!strcmp(argv[1], "show")) return history_show(argc - 1, argv + 1, p);
    ab_err("history: unknown subcommand '%s' (add, plot, show)", argv[1]);
    return 2;
}

/* --------------------------------------------------------------- bisect */

/* The signal that asked us to stop (SIGINT, SIGTERM, SIGHUP), or 0. */
static volatile sig_atomic_t history_signal;

static void history_on_signal(int sig) { history_signal = sig; }

/* How history_spawn runs a command. */
enum {
    HS_KILLABLE = 1,   /* own process group; stopped (-1) when we catch a signal */
    HS_CLEANUP = 2,    /* own process group, so a signal to ours misses it; runs to the end */
    HS_INHERIT = 3     /* our process group: a signal to the group reaches it (the step's commands) */
};

/* Run argv (PATH search) with stdout to out and stderr to err (NULL:
 * inherited; err may equal out: both to one file, appended). Returns the
 * exit status, 128 + signal, or -1 when it could not start. HS_KILLABLE:
 * when a signal is caught, the group gets SIGTERM and, 10 s later,
 * SIGKILL; then -1. */
static int history_spawn(const char *const *argv, const char *out, const char *err, int mode)
{
    int killable = mode == HS_KILLABLE, group = mode != HS_INHERIT;
    if (killable && history_signal) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (group) setpgid(0, 0);
        int fo = -1;
        if (out) {
            fo = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fo >= 0) dup2(fo, 1);
        }
        if (err) {
            int fe = (out && !strcmp(out, err) && fo >= 0) ? fo : open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fe >= 0) dup2(fe, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (group) setpgid(pid, pid);
    int st = 0, sent = 0;
    double t0 = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, sent ? WNOHANG : 0);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) return -1;
        if (killable && history_signal && !sent) {
            kill(-pid, SIGTERM);
            sent = 1;
            t0 = ab_now();
        }
        if (sent) {
            if (ab_now() - t0 > 10) kill(-pid, SIGKILL);
            struct timespec ts = { 0, 50 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    if (sent) { kill(-pid, SIGKILL); return -1; }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A cell name split: "<workload> t=<threads> <metric>". Invariant:
 * workload has no blank, threads >= 1, metric points into the name and is
 * non-empty; instr is 1 for the deterministic (instruction count) cells. */
typedef struct bisect_cell {
    char workload[128];
    int threads;
    const char *metric;
    int instr;
} bisect_cell;

static int bisect_parse_cell(const char *s, bisect_cell *c)
{
    const char *t = strstr(s, " t=");
    if (!t || t == s || (size_t)(t - s) >= sizeof c->workload) return -1;
    for (const char *q = s; q < t; q++) if (isspace((unsigned char)*q)) return -1;
    memcpy(c->workload, s, (size_t)(t - s));
    c->workload[t - s] = '\0';
    const char *d = t + 3;
    char *e;
    long th = strtol(d, &e, 10);
    if (e == d || !isdigit((unsigned char)*d) || th < 1 || th > 4096 || *e != ' ' || !e[1]) return -1;
    c->threads = (int)th;
    c->metric = e + 1;
    c->instr = !strncmp(c->metric, "instructions", 12);
    return 0;
}

/* Does the gate judge this cell? The cells of ab_regress.c: per workload
 * and thread count its value, peak RSS, time-weighted RSS, allocator
 * resident and "RSS/live <phase>"; at t=1 of a fixed-work workload (kind c,
 * lower is better, no program started) "instructions" and
 * "instructions:u"; and "fastpath t=1 instructions per round", which is
 * measured with the instruction cells of any run (the step runs
 * glibc-simple for it). */
static int bisect_cell_exists(const bisect_cell *c, const ab_paths *p, char *why, size_t whyn)
{
    if (!strcmp(c->workload, "fastpath") && c->threads == 1 && !strcmp(c->metric, "instructions per round")) return 1;
    static const char *const metrics[] = { "value", "peak RSS", "time-weighted RSS", "allocator resident",
                                           "instructions", "instructions:u", NULL };
    int known = !strncmp(c->metric, "RSS/live ", 9) && c->metric[9];
    for (int k = 0; metrics[k]; k++) known |= !strcmp(c->metric, metrics[k]);
    if (!known) { snprintf(why, whyn, "the gate has no metric '%s'", c->metric); return 0; }
    ab_wlset all = {0};
    if (ab_wl_load_default(&all, p->root, NULL, 0)) { ab_wl_free(&all); snprintf(why, whyn, "cannot read the workloads"); return 0; }
    const ab_workload *w = ab_wl_find(&all, c->workload);
    int ok = w != NULL;
    if (!w) snprintf(why, whyn, "no workload '%s' (allocbench list)", c->workload);
    if (w && c->instr) {
        const char *bn = strrchr(w->binary, '/') ? strrchr(w->binary, '/') + 1 : w->binary;
        if (c->threads != 1 || strcmp(w->kind, "c") || strcmp(w->better, "lower") || !strcmp(bn, "progrun") ||
            !strcmp(bn, "dbbench")) {
            snprintf(why, whyn, "the gate counts instructions only at t=1 of fixed-work workloads");
            ok = 0;
        }
    }
    ab_wl_free(&all);
    return ok;
}

/* Copy a file (the GOOD build). */
static int bisect_copy(const char *from, const char *to)
{
    size_t len;
    char *b = ab_read_file(from, &len);
    if (!b) return -1;
    FILE *f = fopen(to, "wb");
    int rc = (!f || fwrite(b, 1, len, f) != len) ? -1 : 0;
    if (f && fclose(f)) rc = -1;
    free(b);
    return rc;
}

/* The step that git bisect run calls, in tmp/tree at the commit to test:
 * build tide, run the gate against tmp/good.so on the cell, map its
 * verdict. Exit 0 good, 1 bad, 125 skip. */
static int bisect_step(const char *tmp, const char *cell, const char *rounds, const char *suite, const ab_paths *p)
{
    bisect_cell bc;
    if (bisect_parse_cell(cell, &bc)) { ab_err("bisect step: bad cell '%s'", cell); return 125; }
    char *tree = ab_xasprintf("%s/tree", tmp);
    char *hash = history_rev(tree, "HEAD");
    char *subject = hash ? history_subject(tree, hash) : ab_xstrdup("");
    char *blog = ab_xasprintf("%s/build-%.12s.log", tmp, hash ? hash : "unknown");
    char *glog = ab_xasprintf("%s/gate-%.12s.log", tmp, hash ? hash : "unknown");
    char *json = ab_xasprintf("%s/step.json", tmp), *res = ab_xasprintf("%s/results", tmp);
    char *good = ab_xasprintf("base=%s/good.so", tmp), *head = ab_xasprintf("head=%s/allocator/libtide.so", tree);
    char *self = ab_xasprintf("%s/allocbench", p->exedir), *ths = ab_xasprintf("%d", bc.threads);
    const char *verdict = "no result";
    char detail[256] = "";
    int rc = 125;
    const char *mk[] = { "make", "-C", tree, "-s", "allocator/libtide.so", NULL };
    if (!hash) {
        verdict = "no commit";
    } else if (history_spawn(mk, blog, blog, HS_INHERIT) != 0) {
        verdict = "build failed";
        snprintf(detail, sizeof detail, " (%s)", blog);
    } else {
        unlink(json);
        const char *av[32];
        int n = 0;
        av[n++] = self; av[n++] = "regress"; av[n++] = "--base"; av[n++] = good; av[n++] = "--head"; av[n++] = head;
        av[n++] = "--workloads"; av[n++] = strcmp(bc.workload, "fastpath") ? bc.workload : "glibc-simple";
        av[n++] = "--threads"; av[n++] = ths;
        av[n++] = "--rounds"; av[n++] = rounds; av[n++] = "--suite"; av[n++] = suite;
        av[n++] = "--json"; av[n++] = json; av[n++] = "--out"; av[n++] = res;
        if (!bc.instr) av[n++] = "--no-instructions";
        av[n] = NULL;
        int grc = history_spawn(av, glog, glog, HS_INHERIT);
        ab_jv v;
        size_t len;
        char *text = ab_read_file(json, &len), err[256];
        if (text && strlen(text) == len && ab_json_parse_n(text, len, &v, err, sizeof err) == 0) {
            const ab_jv *cs = ab_json_get_type(&v, "cells", AB_JSON_ARR);
            history_cell *c = NULL;
            int nc = 0;
            if (cs && history_cells_of(cs, &c, &nc, err, sizeof err) == 0) {
                for (int k = 0; k < nc; k++) {
                    if (strcmp(c[k].name, cell)) continue;
                    static char vbuf[32];
                    snprintf(vbuf, sizeof vbuf, "%s", c[k].verdict);
                    verdict = vbuf;
                    snprintf(detail, sizeof detail, " effect %+.2f%% [%+.2f%%, %+.2f%%], threshold %.2f%%",
                             100 * c[k].effect, 100 * c[k].lo, 100 * c[k].hi, 100 * c[k].threshold);
                    if (!strcmp(verdict, "REGRESSED")) rc = 1;
                    else if (!strcmp(verdict, "PASS") || !strcmp(verdict, "IMPROVED") || !strcmp(verdict, "INFORMATIONAL")) rc = 0;
                }
                history_cells_free(c, nc);
            }
            ab_json_free(&v);
        } else {
            snprintf(detail, sizeof detail, " (the gate exited %d; %s)", grc, glog);
        }
        free(text);
    }
    fprintf(stderr, "allocbench regress bisect: %.12s %.50s: %s%s: %s\n", hash ? hash : "?", subject, verdict, detail,
            rc == 1 ? "bad" : rc == 0 ? "good" : "skip");
    char *steps = ab_xasprintf("%s/steps.log", tmp);
    FILE *f = fopen(steps, "a");
    if (f) { fprintf(f, "%s %s\n", hash ? hash : "?", rc == 1 ? "bad" : rc == 0 ? "good" : "skip"); fclose(f); }
    free(steps); free(tree); free(hash); free(subject); free(blog); free(glog); free(json); free(res);
    free(good); free(head); free(self); free(ths);
    return rc;
}

/* Remove the worktree and the temporary folder (also after a signal). */
static void bisect_cleanup(const char *repo, const char *tmp, const char *tree, int have_tree)
{
    if (have_tree) {
        const char *r[] = { "git", "-C", tree, "bisect", "reset", "--quiet", NULL };
        const char *rm[] = { "git", "-C", repo, "worktree", "remove", "--force", tree, NULL };
        const char *pr[] = { "git", "-C", repo, "worktree", "prune", NULL };
        history_spawn(r, "/dev/null", "/dev/null", HS_CLEANUP);
        if (history_spawn(rm, "/dev/null", "/dev/null", HS_CLEANUP) != 0)
            ab_err("bisect: warning: could not remove the worktree %s", tree);
        history_spawn(pr, "/dev/null", "/dev/null", HS_CLEANUP);
    }
    const char *rr[] = { "rm", "-rf", tmp, NULL };
    history_spawn(rr, NULL, NULL, HS_CLEANUP);
}

int ab_history_bisect(int argc, char **argv, const ab_paths *p)
{
    const char *cell = NULL, *rounds = "6", *suite = "quick", *repo_arg = NULL, *step = NULL;
    static const struct option lo[] = {
        {"cell", 1, 0, 'c'}, {"rounds", 1, 0, 'k'}, {"suite", 1, 0, 's'}, {"repo", 1, 0, 'r'},
        {"step", 1, 0, 'S'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}
    };
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        char *e;
        switch (ch) {
        case 'c': cell = optarg; break;
        case 's': suite = optarg; break;
        case 'r': repo_arg = optarg; break;
        case 'S': step = optarg; break;
        case 'k': {
            long k = strtol(optarg, &e, 10);
            if (*e || !*optarg || k < 3 || k > 1000) { ab_err("bisect: --rounds must be an integer in 3..1000, got '%s'", optarg); return 2; }
            rounds = optarg;
            break;
        }
        case 'h': fputs(bisect_help, stdout); return 0;
        case ':': ab_err("bisect: option '%s' needs a value", argv[optind - 1]); return 2;
        default: ab_err("bisect: unknown option '%s' (see allocbench regress bisect --help)", argv[optind - 1]); return 2;
        }
    }
    if (step) {
        if (!cell) return 125;
        return bisect_step(step, cell, rounds, suite, p);
    }
    if (optind + 2 != argc) { ab_err("bisect: expected GOOD and BAD revisions (see allocbench regress bisect --help)"); return 2; }
    if (!cell) { ab_err("bisect: --cell is needed (see allocbench regress bisect --help)"); return 2; }
    const char *good_rev = argv[optind], *bad_rev = argv[optind + 1];
    bisect_cell bc;
    char why[256];
    if (bisect_parse_cell(cell, &bc)) {
        ab_err("bisect: '%s' is not a cell name (\"<workload> t=<threads> <metric>\", as allocbench regress names it)", cell);
        return 2;
    }
    if (!bisect_cell_exists(&bc, p, why, sizeof why)) { ab_err("bisect: no cell '%s': %s", cell, why); return 2; }
    char *repo = history_repo(repo_arg, p);
    if (!repo) return 2;
    char *good = history_rev(repo, good_rev), *bad = history_rev(repo, bad_rev);
    if (!good || !bad) {
        ab_err("bisect: '%s' is not a commit of %s", good ? bad_rev : good_rev, repo);
        free(good); free(bad); free(repo);
        return 2;
    }

    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = history_on_signal;   /* no SA_RESTART: waitpid returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    char tmpl[] = "/tmp/allocbench-bisect-XXXXXX";
    if (!mkdtemp(tmpl)) { ab_err("bisect: mkdtemp: %s", strerror(errno)); free(good); free(bad); free(repo); return 2; }
    char *tree = ab_xasprintf("%s/tree", tmpl), *glog = ab_xasprintf("%s/git.log", tmpl);
    char *goodso = ab_xasprintf("%s/good.so", tmpl), *built = ab_xasprintf("%s/allocator/libtide.so", tree);
    char *blog = ab_xasprintf("%s/build-good.log", tmpl), *script = ab_xasprintf("%s/step.sh", tmpl);
    char *runlog = ab_xasprintf("%s/bisect.log", tmpl), *steps = ab_xasprintf("%s/steps.log", tmpl);
    char *first = NULL;
    int rc = 2, have_tree = 0;
    fprintf(stderr, "allocbench regress bisect: %s between %.12s (good) and %.12s (bad), in %s\n", cell, good, bad, tree);
    const char *wa[] = { "git", "-C", repo, "worktree", "add", "--detach", tree, good, NULL };
    int s = history_spawn(wa, glog, glog, HS_KILLABLE);
    have_tree = ab_file_exists(tree);
    if (s != 0) {
        if (!history_signal) ab_err("bisect: git worktree add failed (%s)", glog);
        goto done;
    }
    fprintf(stderr, "allocbench regress bisect: building tide at %.12s (good)\n", good);
    const char *mk[] = { "make", "-C", tree, "-s", "allocator/libtide.so", NULL };
    if (history_spawn(mk, blog, blog, HS_KILLABLE) != 0 || bisect_copy(built, goodso)) {
        if (!history_signal) ab_err("bisect: cannot build tide at %.12s (good)", good);
        goto done;
    }
    {
        char *qs = ab_shell_quote(p->exedir), *qt = ab_shell_quote(tmpl), *qc = ab_shell_quote(cell);
        char *qk = ab_shell_quote(rounds), *qu = ab_shell_quote(suite);
        FILE *f = fopen(script, "w");
        if (f) {
            fprintf(f, "#!/bin/sh\n# git bisect run's test: allocbench regress bisect --step (ab_history.c)\n"
                       "exec %s/allocbench regress bisect --step %s --cell %s --rounds %s --suite %s\n",
                    qs, qt, qc, qk, qu);
            if (fclose(f)) f = NULL;
        }
        free(qs); free(qt); free(qc); free(qk); free(qu);
        if (!f) { ab_err("bisect: cannot write %s", script); goto done; }
    }
    const char *bs[] = { "git", "-C", tree, "bisect", "start", bad, good, NULL };
    if (history_spawn(bs, glog, glog, HS_KILLABLE) != 0) {
        if (!history_signal) ab_err("bisect: git bisect start failed (%s)", glog);
        goto done;
    }
    const char *br[] = { "git", "-C", tree, "bisect", "run", "sh", script, NULL };
    int brc = history_spawn(br, runlog, NULL, HS_KILLABLE);
    if (history_signal) goto done;
    char *log = ab_read_file(runlog, NULL);
    const char *m = log ? strstr(log, " is the first bad commit") : NULL;
    if (brc == 0 && m) {
        const char *b = m;
        while (b > log && b[-1] != '\n') b--;
        first = ab_xasprintf("%.*s", (int)(m - b), b);
    }
    if (!first) {
        /* what git said, then one line */
        const char *tail = log ? log + strlen(log) : NULL;
        for (int k = 0; tail && tail > log && k < 12; k++) {
            tail--;
            while (tail > log && tail[-1] != '\n') tail--;
        }
        if (tail) fputs(tail, stderr);
        ab_err("bisect: git bisect run could not name the first bad commit (exit %d)", brc);
    }
    free(log);
    if (first) {
        char *subj = history_subject(repo, first);
        char *st = ab_read_file(steps, NULL);
        if (!strcmp(first, bad) && !(st && strstr(st, bad)))
            ab_err("bisect: warning: BAD itself is the first bad commit and was not measured: check it with allocbench regress");
        free(st);
        printf("first bad commit: %s %s\n", first, subj);
        free(subj);
        rc = 0;
    }
done:
    if (history_signal) ab_err("bisect: interrupted (signal %d); removing the worktree", (int)history_signal);
    bisect_cleanup(repo, tmpl, tree, have_tree);
    if (history_signal) rc = 130;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    free(first); free(tree); free(glog); free(goodso); free(built); free(blog); free(script); free(runlog); free(steps);
    free(good); free(bad); free(repo);
    return rc;
}
