/* ab_plan.c: see ab_plan.h. */
#include "ab_plan.h"
#include "ab_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ab_plan_build(ab_plan *p, int nwl, int nth, int nal, int reps, int warmup, int abba)
{
    p->v = NULL;
    p->n = 0;
    if (nwl < 1 || nth < 1 || nal < 1 || reps < 1 || warmup < 0) return -1;
    p->nwl = nwl; p->nth = nth; p->nal = nal; p->reps = reps; p->warmup = warmup; p->abba = abba;
    long total = (long)nwl * nth * ((long)warmup + (long)reps * nal);
    p->v = ab_xmalloc(sizeof(ab_plan_run) * (size_t)total);
    for (int round = 0; round < reps; round++)
        for (int wi = 0; wi < nwl; wi++)
            for (int ti = 0; ti < nth; ti++) {
                int nw = round == 0 ? warmup : 0;
                for (int q = 0; q < nw + nal; q++) {
                    int warm = q < nw;
                    int ai = warm ? q % nal : q - nw;
                    if (!warm && abba && round % 2) ai = nal - 1 - ai;
                    ab_plan_run r = { wi, ti, ai, round, warm ? 0 : round + 1, warm, warm ? q + 1 : 0 };
                    p->v[p->n++] = r;
                }
            }
    return 0;
}

long ab_plan_round_start(const ab_plan *p, int r)
{
    for (long i = 0; i < p->n; i++)
        if (p->v[i].round >= r) return i;
    return p->n;
}

void ab_plan_free(ab_plan *p)
{
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

int ab_plan_write(const ab_plan *p, const char *path, const char *const *wl_names, const int *threads,
                  const char *const *al_names)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "run\tworkload\tthreads\tallocator\tround\trep\twarmup\twarm_no\n");
    for (long i = 0; i < p->n; i++) {
        const ab_plan_run *r = &p->v[i];
        fprintf(f, "%ld\t%s\t%d\t%s\t%d\t%d\t%d\t%d\n", i + 1, wl_names[r->wl], threads[r->ti], al_names[r->alloc],
                r->round, r->rep, r->warm, r->warm_no);
    }
    int bad = ferror(f);
    if (fclose(f) || bad) return -1;
    return 0;
}

int ab_plan_read(const char *path, ab_plan_file *f, char *err, size_t errn)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "r");
    if (!in) { snprintf(err, errn, "cannot read %s: %s", path, strerror(errno)); return -1; }
    char line[4096];
    long ln = 0, cap = 0;
    while (fgets(line, sizeof line, in)) {
        ln++;
        size_t L = strlen(line);
        if (L && line[L - 1] == '\n') line[--L] = '\0';
        if (ln == 1) {
            if (strncmp(line, "run\tworkload\t", 13)) { snprintf(err, errn, "%s: not a plan file (bad header)", path); goto bad; }
            continue;
        }
        char *fld[8], *save = NULL;
        int k = 0;
        for (char *t = strtok_r(line, "\t", &save); t && k < 8; t = strtok_r(NULL, "\t", &save)) fld[k++] = t;
        if (k != 8 || atol(fld[0]) != f->n + 1) { snprintf(err, errn, "%s: line %ld is not run %ld of the plan", path, ln, f->n + 1); goto bad; }
        if (f->n == cap) { cap = cap ? 2 * cap : 256; f->v = ab_xrealloc(f->v, sizeof(ab_plan_file_run) * (size_t)cap); }
        ab_plan_file_run *r = &f->v[f->n++];
        r->workload = ab_xstrdup(fld[1]); r->threads = atoi(fld[2]); r->allocator = ab_xstrdup(fld[3]);
        r->round = atoi(fld[4]); r->rep = atoi(fld[5]); r->warm = atoi(fld[6]); r->warm_no = atoi(fld[7]);
    }
    fclose(in);
    if (f->n == 0) { snprintf(err, errn, "%s: the plan has no runs", path); ab_plan_file_free(f); return -1; }
    return 0;
bad:
    fclose(in);
    ab_plan_file_free(f);
    return -1;
}

void ab_plan_file_free(ab_plan_file *f)
{
    for (long i = 0; i < f->n; i++) { free(f->v[i].workload); free(f->v[i].allocator); }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

int ab_plan_shares(const ab_plan_file *f, const long *runs, long n, int ntasks, int *task_of)
{
    /* groups in first-seen order */
    long *gfirst = ab_xmalloc(sizeof(long) * (size_t)(n + 1));
    int ng = 0;
    int *grp = ab_xmalloc(sizeof(int) * (size_t)(n + 1));
    for (long i = 0; i < n; i++) {
        const ab_plan_file_run *r = &f->v[runs[i] - 1];
        int g = -1;
        for (int k = 0; k < ng; k++) {
            const ab_plan_file_run *q = &f->v[gfirst[k] - 1];
            if (q->threads == r->threads && !strcmp(q->workload, r->workload)) { g = k; break; }
        }
        if (g < 0) { g = ng; gfirst[ng++] = runs[i]; }
        grp[i] = g;
    }
    int nt = ntasks > 0 && ntasks < ng ? ntasks : ng;
    if (nt < 1) nt = 1;
    for (long i = 0; i < n; i++) task_of[i] = grp[i] % nt;
    free(gfirst);
    free(grp);
    return nt;
}
