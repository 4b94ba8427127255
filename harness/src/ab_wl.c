/* ab_wl.c: see ab_wl.h. */
#include "ab_wl.h"
#include "ab_util.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

static char **split_tabs(char *line, int *n)
{
    int cap = 16, k = 0;
    char **v = ab_xmalloc(sizeof(char *) * (size_t)cap);
    char *p = line;
    for (;;) {
        char *t = strchr(p, '\t');
        if (k == cap) { cap *= 2; v = ab_xrealloc(v, sizeof(char *) * (size_t)cap); }
        v[k++] = p;
        if (!t) break;
        *t = '\0';
        p = t + 1;
    }
    *n = k;
    return v;
}

static char *field(char **f, int nf, int col)
{
    if (col < 0 || col >= nf) return ab_xstrdup("");
    const char *s = f[col];
    while (*s == ' ') s++;
    if (!strcmp(s, "-")) return ab_xstrdup("");
    char *r = ab_xstrdup(s);
    size_t l = strlen(r);
    while (l && (r[l - 1] == ' ' || r[l - 1] == '\r')) r[--l] = '\0';
    return r;
}

int ab_wl_load(ab_wlset *s, const char *path)
{
    char *text = ab_read_file(path, NULL);
    if (!text) { ab_err("cannot read workload list %s: %s", path, strerror(errno)); return -1; }
    static const char *names[] = { "name", "binary", "kind", "metric", "better", "quick_args", "full_args", "smoke_args" };
    int col[8];
    int lineno = 0, rc = 0, have_header = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (!*line || *line == '#' || (line[0] == '\r' && !line[1])) continue;
        int nf;
        char **f = split_tabs(line, &nf);
        if (!have_header) {
            for (int i = 0; i < 8; i++) {
                col[i] = -1;
                for (int j = 0; j < nf; j++) {
                    char *h = field(f, nf, j);
                    if (!strcmp(h, names[i])) col[i] = j;
                    free(h);
                }
                if (col[i] < 0 && i < 5) {
                    ab_err("%s: header lacks column '%s'", path, names[i]);
                    free(f); free(text); return -1;
                }
            }
            have_header = 1;
            free(f);
            continue;
        }
        ab_workload w;
        w.name = field(f, nf, col[0]); w.binary = field(f, nf, col[1]); w.kind = field(f, nf, col[2]);
        w.metric = field(f, nf, col[3]); w.better = field(f, nf, col[4]);
        w.quick_args = field(f, nf, col[5]); w.full_args = field(f, nf, col[6]); w.smoke_args = field(f, nf, col[7]);
        w.source = ab_xstrdup(path);
        free(f);
        const char *why = NULL;
        if (!*w.name || !*w.binary) why = "empty name or binary";
        else if (strcmp(w.kind, "c") && strcmp(w.kind, "gbench")) why = "kind must be c or gbench";
        else if (strcmp(w.better, "higher") && strcmp(w.better, "lower")) why = "better must be higher or lower";
        else if (ab_wl_find(s, w.name)) why = "duplicate workload name";
        if (why) {
            ab_err("%s:%d: %s", path, lineno, why);
            ab_wlset tmp = { &w, 1 };
            tmp.v = ab_xmalloc(sizeof w); tmp.v[0] = w;
            ab_wl_free(&tmp);
            rc = -1;
            break;
        }
        s->v = ab_xrealloc(s->v, sizeof(ab_workload) * (size_t)(s->n + 1));
        s->v[s->n++] = w;
    }
    if (!have_header && rc == 0) { ab_err("%s: no header line", path); rc = -1; }
    free(text);
    return rc;
}

int ab_wl_load_default(ab_wlset *s, const char *root, char **extra, int nextra)
{
    char *top = ab_xasprintf("%s/workloads/workloads.tsv", root);
    if (ab_file_exists(top) && ab_wl_load(s, top)) { free(top); return -1; }
    free(top);
    char *pat = ab_xasprintf("%s/workloads/*/workloads.tsv", root);
    glob_t g;
    int gr = glob(pat, 0, NULL, &g);
    free(pat);
    if (gr == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            if (ab_wl_load(s, g.gl_pathv[i])) { globfree(&g); return -1; }
    }
    if (gr == 0 || gr == GLOB_NOMATCH) globfree(&g);
    for (int i = 0; i < nextra; i++)
        if (ab_wl_load(s, extra[i])) return -1;
    return 0;
}

const ab_workload *ab_wl_find(const ab_wlset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].name, name)) return &s->v[i];
    return NULL;
}

const char *ab_wl_args(const ab_workload *w, const char *suite)
{
    if (!strcmp(suite, "full")) return w->full_args;
    if (!strcmp(suite, "smoke")) return w->smoke_args;
    return w->quick_args;
}

void ab_wl_free(ab_wlset *s)
{
    for (int i = 0; i < s->n; i++) {
        ab_workload *w = &s->v[i];
        free(w->name); free(w->binary); free(w->kind); free(w->metric); free(w->better);
        free(w->quick_args); free(w->full_args); free(w->smoke_args); free(w->source);
    }
    free(s->v);
    s->v = NULL; s->n = 0;
}
