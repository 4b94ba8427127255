/* ab_plan.c: see ab_plan.h. */
#include "ab_plan.h"
#include "ab_util.h"

#include <stdlib.h>

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
