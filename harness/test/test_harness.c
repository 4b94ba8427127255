/*
 * test_harness.c: Check unit tests of allocbench: the CSV writer and reader,
 * the results folder, the statistics, the workload output parsing, the
 * thread lists, the workload registry, the Google Benchmark JSON rows and
 * the per-cell medians read back from runs.csv.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ab_plan.h"
#include "ab_csv.h"
#include "ab_parse.h"
#include "ab_report.h"
#include "ab_stats.h"
#include "ab_util.h"
#include "ab_wl.h"

static char g_tmp[256];

static void mk_tmp(void)
{
    snprintf(g_tmp, sizeof g_tmp, "/tmp/ab-unit-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(g_tmp));
}

static void rm_tmp(void)
{
    char *q = ab_shell_quote(g_tmp);
    char *c = ab_xasprintf("rm -rf %s", q);
    if (system(c) != 0) { /* best effort */ }
    free(c); free(q);
}

static char *write_to_string(const char *const *f, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ab_csv_row(m, f, n);
    fclose(m);
    return buf;
}

/* ---- CSV ---- */
/* The plan: round order, warm-ups only in round 0 with the allocators taken
 * in turn, every allocator once per cell and round (A B C A B C ...), and the
 * round starts a budget stops at. */
START_TEST(plan_order)
{
    ab_plan p;
    ck_assert_int_eq(ab_plan_build(&p, 2, 3, 0, 1, 0, 0), -1);
    ck_assert_int_eq(ab_plan_build(&p, 1, 1, 1, 0, 0, 0), -1);
    ck_assert_int_eq(ab_plan_build(&p, 2, 2, 3, 2, 1, 0), 0);
    ck_assert_int_eq(p.n, 2 * 2 * (1 + 2 * 3));
    /* round 0, workload 0, threads 0: one warm-up (allocator 0), then 0 1 2 */
    ck_assert(p.v[0].warm && p.v[0].alloc == 0 && p.v[0].rep == 0 && p.v[0].warm_no == 1);
    for (int k = 1; k <= 3; k++)
        ck_assert(!p.v[k].warm && p.v[k].alloc == k - 1 && p.v[k].rep == 1 && p.v[k].round == 0 &&
                  p.v[k].wl == 0 && p.v[k].ti == 0);
    ck_assert(p.v[4].warm && p.v[4].ti == 1);
    long r1 = ab_plan_round_start(&p, 1);
    ck_assert_int_eq(r1, 2 * 2 * 4);
    ck_assert_int_eq(ab_plan_round_start(&p, 2), p.n);
    for (long i = r1; i < p.n; i++) ck_assert(!p.v[i].warm && p.v[i].round == 1 && p.v[i].rep == 2);
    /* every cell gets each allocator exactly once per round */
    int seen[2][2][3] = {{{0}}};
    for (long i = r1; i < p.n; i++) seen[p.v[i].wl][p.v[i].ti][p.v[i].alloc]++;
    for (int w = 0; w < 2; w++)
        for (int t = 0; t < 2; t++)
            for (int a = 0; a < 3; a++) ck_assert_int_eq(seen[w][t][a], 1);
    ab_plan_free(&p);
    ck_assert_ptr_null(p.v);
    /* abba: base, head in round 0; head, base in round 1 (no warm-up) */
    ck_assert_int_eq(ab_plan_build(&p, 1, 1, 2, 4, 0, 1), 0);
    int want[8] = { 0, 1, 1, 0, 0, 1, 1, 0 };
    for (int k = 0; k < 8; k++) ck_assert_int_eq(p.v[k].alloc, want[k]);
    ab_plan_free(&p);
}
END_TEST

START_TEST(csv_quoting)
{
    const char *f[] = { "plain", "a,b", "say \"hi\"", "two\nlines", "", "x\ry" };
    char *s = write_to_string(f, 6);
    ck_assert_str_eq(s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"x\ry\"\n");
    /* and it reads back to the same fields */
    FILE *m = fmemopen(s, strlen(s), "r");
    ab_csv_rec r = {0};
    ck_assert_int_eq(ab_csv_read(m, &r), 1);
    ck_assert_int_eq(r.n, 6);
    for (int i = 0; i < 6; i++) ck_assert_str_eq(r.fields[i], f[i]);
    ck_assert_int_eq(ab_csv_read(m, &r), 0);
    ab_csv_rec_free(&r);
    fclose(m);
    free(s);
}
END_TEST

START_TEST(csv_malformed)
{
    const char *bad[] = { "a,\"unclosed\n", "a,b\"c\n", "\"x\"y,z\n" };
    for (int i = 0; i < 3; i++) {
        FILE *m = fmemopen((void *)bad[i], strlen(bad[i]), "r");
        ab_csv_rec r = {0};
        ck_assert_int_eq(ab_csv_read(m, &r), -1);
        ab_csv_rec_free(&r);
        fclose(m);
    }
}
END_TEST

START_TEST(csv_table_ragged)
{
    mk_tmp();
    char *p = ab_xasprintf("%s/t.csv", g_tmp);
    FILE *f = fopen(p, "w");
    fputs("a,b\n1,2\n3\n", f);
    fclose(f);
    ab_table t;
    ck_assert_int_eq(ab_table_load(p, &t), -1);
    f = fopen(p, "w");
    fputs("a,b\n1,2\n\"3,4\",5\n", f);
    fclose(f);
    ck_assert_int_eq(ab_table_load(p, &t), 0);
    ck_assert_int_eq(t.nrow, 2);
    ck_assert_str_eq(ab_table_get(&t, 1, ab_table_col(&t, "a")), "3,4");
    ck_assert_str_eq(ab_table_get(&t, 1, ab_table_col(&t, "nope")), "");
    ab_table_free(&t);
    free(p);
    rm_tmp();
}
END_TEST

START_TEST(resdir_atomic)
{
    mk_tmp();
    ab_resdir a, b;
    ck_assert_int_eq(ab_resdir_create(&a, g_tmp, "20260101T000000Z", "h"), 0);
    ck_assert(ab_file_exists(a.tmp_path));
    ck_assert(!ab_file_exists(a.final_path));
    /* a second set started in the same second gets another name */
    ck_assert_int_eq(ab_resdir_create(&b, g_tmp, "20260101T000000Z", "h"), 0);
    ck_assert_str_ne(a.final_path, b.final_path);
    char *f = ab_xasprintf("%s/runs.csv", a.tmp_path);
    ck_assert_int_eq(ab_write_atomic(f, "x\n", 2), 0);
    free(f);
    ck_assert_int_eq(ab_resdir_finish(&a), 0);
    ck_assert(!ab_file_exists(a.tmp_path));
    char *rf = ab_xasprintf("%s/runs.csv", a.final_path);
    ck_assert(ab_file_exists(rf));
    free(rf);
    char link[512];
    char *lp = ab_xasprintf("%s/latest", g_tmp);
    ssize_t n = readlink(lp, link, sizeof link - 1);
    ck_assert(n > 0);
    link[n] = '\0';
    ck_assert_str_eq(link, a.name);
    /* the first set is never overwritten: finishing b moves latest only */
    ck_assert_int_eq(ab_resdir_finish(&b), 0);
    n = readlink(lp, link, sizeof link - 1);
    link[n] = '\0';
    ck_assert_str_eq(link, b.name);
    ck_assert(ab_file_exists(a.final_path));
    /* a third one with the name of a finished set picks a new suffix */
    ab_resdir c;
    ck_assert_int_eq(ab_resdir_create(&c, g_tmp, "20260101T000000Z", "h"), 0);
    ck_assert_str_ne(c.final_path, a.final_path);
    ck_assert_str_ne(c.final_path, b.final_path);
    free(lp);
    ab_resdir_free(&a); ab_resdir_free(&b); ab_resdir_free(&c);
    rm_tmp();
}
END_TEST

/* ---- statistics ---- */
START_TEST(stats_odd_even)
{
    double odd[] = { 5, 1, 3 };
    ab_summary s = ab_summarise(odd, 3);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_double_eq(s.median, 3);
    ck_assert_double_eq(s.min, 1);
    ck_assert_double_eq(s.max, 5);
    ck_assert_double_eq(odd[0], 5); /* input not modified */
    double even[] = { 4, 1, 3, 2 };
    s = ab_summarise(even, 4);
    ck_assert_double_eq(s.median, 2.5);
    ck_assert_double_eq(s.min, 1);
    ck_assert_double_eq(s.max, 4);
    ck_assert_double_eq_tol(s.q1, 1.75, 1e-12);
    ck_assert_double_eq_tol(s.q3, 3.25, 1e-12);
    double one[] = { 7 };
    s = ab_summarise(one, 1);
    ck_assert_double_eq(s.median, 7);
    ck_assert_double_eq(s.q1, 7);
    ck_assert_double_eq(s.q3, 7);
    s = ab_summarise(NULL, 0);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_double_eq(s.median, 0);
}
END_TEST

/* ---- result parsing ---- */
START_TEST(parse_lines)
{
    ab_kv kv = {0};
    char tag[32];
    ck_assert_int_eq(ab_parse_line("ALLOCBENCH result workload=larson threads=2 value=1.5e6 x=", tag, sizeof tag, &kv), 1);
    ck_assert_str_eq(tag, "result");
    ck_assert_str_eq(ab_kv_get(&kv, "workload"), "larson");
    ck_assert_str_eq(ab_kv_get(&kv, "value"), "1.5e6");
    ck_assert_str_eq(ab_kv_get(&kv, "x"), "");
    ck_assert_ptr_null(ab_kv_get(&kv, "nope"));
    ck_assert_int_eq(ab_parse_line("some other output", tag, sizeof tag, &kv), 0);
    ck_assert_int_eq(ab_parse_line("ALLOCBENCHX result a=1", tag, sizeof tag, &kv), 0);
    ck_assert_int_eq(ab_parse_line("ALLOCBENCH result a=1 junk", tag, sizeof tag, &kv), -1);
    ck_assert_int_eq(ab_parse_line("ALLOCBENCH result =1", tag, sizeof tag, &kv), -1);
    ck_assert_int_eq(ab_parse_line("ALLOCBENCH", tag, sizeof tag, &kv), -1);
    ck_assert_int_eq(ab_parse_line("ALLOCBENCH a=1", tag, sizeof tag, &kv), -1);
    ab_kv_free(&kv);
}
END_TEST

START_TEST(parse_output)
{
    const char *txt =
        "hello\n"
        "ALLOCBENCH allocator file=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"
        "ALLOCBENCH result workload=w threads=1 metric=time value=2.5 unit=s better=lower ratio_final=1.2\n"
        "ALLOCBENCH result broken\n"
        "ALLOCBENCH alloc-stats source=mallctl allocated=10 active=20 resident=30 mapped=40";
    ab_output o;
    ab_output_parse(txt, &o);
    ck_assert(o.has_allocator && o.has_result && o.has_stats);
    ck_assert_int_eq(o.nmalformed, 1);
    ck_assert_str_eq(ab_kv_get(&o.allocator, "file"), "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
    ck_assert_str_eq(ab_kv_get(&o.stats, "mapped"), "40");
    ck_assert_str_eq(ab_kv_get(&o.result, "ratio_final"), "1.2");
    ck_assert_ptr_null(ab_result_check(&o.result));
    ab_output_free(&o);

    ab_output_parse("ALLOCBENCH result workload=w threads=1 metric=m value=abc unit=s better=lower\n", &o);
    ck_assert_str_eq(ab_result_check(&o.result), "value");
    ab_output_free(&o);
    ab_output_parse("ALLOCBENCH result workload=w threads=1 metric=m value=1 unit=s better=more\n", &o);
    ck_assert_str_eq(ab_result_check(&o.result), "better");
    ab_output_free(&o);
    ab_output_parse("ALLOCBENCH result workload=w threads=1 metric=m unit=s better=lower\n", &o);
    ck_assert_str_eq(ab_result_check(&o.result), "value");
    ab_output_free(&o);
    ab_output_parse("ALLOCBENCH result workload=w threads=1 metric=m value=inf unit=s better=lower\n", &o);
    ck_assert_str_eq(ab_result_check(&o.result), "value");
    ab_output_free(&o);
    ab_output_parse("", &o);
    ck_assert(!o.has_result && !o.has_allocator);
    ab_output_free(&o);
}
END_TEST

START_TEST(thread_lists)
{
    int v[16];
    char err[256];
    ck_assert_int_eq(ab_parse_threads("1,2,4", v, 16, err, sizeof err), 3);
    ck_assert_int_eq(v[2], 4);
    ck_assert_int_eq(ab_parse_threads("1-4", v, 16, err, sizeof err), 4);
    ck_assert_int_eq(v[3], 4);
    ck_assert_int_eq(ab_parse_threads("8", v, 16, err, sizeof err), 1);
    const char *bad[] = { "0", "a,b", "1,,2", "", ",1", "1,", "-1", "3-1", "2,2", "1.5", "99999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(ab_parse_threads(bad[i], v, 16, err, sizeof err) < 0, "'%s' accepted", bad[i]);
    ck_assert_int_eq(ab_parse_threads("1-20", v, 16, err, sizeof err), -1);
}
END_TEST

START_TEST(registry_tsv)
{
    mk_tmp();
    char *p = ab_xasprintf("%s/w.tsv", g_tmp);
    FILE *f = fopen(p, "w");
    fputs("name\tbinary\tkind\tmetric\tbetter\tquick_args\tfull_args\tsmoke_args\n"
          "a\tbin/a\tc\ttime\tlower\t1 2\t3 4\t-\n"
          "b\tbin/b\tgbench\tns\tlower\t\t\t\n", f);
    fclose(f);
    ab_wlset s = {0};
    ck_assert_int_eq(ab_wl_load(&s, p), 0);
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(ab_wl_args(ab_wl_find(&s, "a"), "full"), "3 4");
    ck_assert_str_eq(ab_wl_args(ab_wl_find(&s, "a"), "smoke"), "");
    ck_assert_ptr_null(ab_wl_find(&s, "c"));
    /* a duplicate name in a second file is an error */
    ck_assert_int_eq(ab_wl_load(&s, p), -1);
    ab_wl_free(&s);
    f = fopen(p, "w");
    fputs("name\tbinary\tkind\tmetric\tbetter\na\tbin/a\tpython\tt\tlower\n", f);
    fclose(f);
    ck_assert_int_eq(ab_wl_load(&s, p), -1);
    ab_wl_free(&s);
    f = fopen(p, "w");
    fputs("name\tbinary\tmetric\n", f);
    fclose(f);
    ck_assert_int_eq(ab_wl_load(&s, p), -1);
    ab_wl_free(&s);
    free(p);
    rm_tmp();
}
END_TEST

START_TEST(gbench_json)
{
    const char *js =
        "{ \"context\": {\"x\": {\"y\": 1}},\n \"benchmarks\": [\n"
        "  {\"name\": \"BM_malloc/64\", \"run_type\": \"iteration\", \"iterations\": 10, \"real_time\": 5.5, \"cpu_time\": 5.25, \"time_unit\": \"ns\"},\n"
        "  {\"name\": \"BM_malloc/64_mean\", \"run_type\": \"aggregate\", \"real_time\": 5.5, \"cpu_time\": 5.0, \"time_unit\": \"ns\"},\n"
        "  {\"name\": \"BM_other\", \"run_type\": \"iteration\", \"iterations\": 3, \"real_time\": 1, \"cpu_time\": 2, \"time_unit\": \"us\"}\n"
        "]}\n";
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int n = ab_gbench_rows(m, js, "r1", "je", "micro", 1, 2, 0);
    fclose(m);
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_nonnull(strstr(buf, "r1,je,micro,1,2,0,BM_malloc/64,64,5.5,5.25,ns,10\n"));
    ck_assert_ptr_nonnull(strstr(buf, "BM_other,,1,2,us,3\n"));
    free(buf);
    m = fopen("/dev/null", "w");
    ck_assert_int_eq(ab_gbench_rows(m, "not json", "r", "a", "w", 1, 1, 0), -1);
    fclose(m);
}
END_TEST

START_TEST(cells_medians)
{
    mk_tmp();
    char *p = ab_xasprintf("%s/runs.csv", g_tmp);
    FILE *f = fopen(p, "w");
    fputs("run_id,allocator,workload,threads,warmup,status,metric,value,unit,better,wall_s,maxrss_kb,disturbed\n"
          "r1,je,w,1,1,ok,time,100,s,lower,100,9,0\n"   /* warm-up: ignored */
          "r2,je,w,1,0,ok,time,3,s,lower,3,10,0\n"
          "r3,je,w,1,0,ok,time,1,s,lower,1,30,1\n"
          "r4,je,w,1,0,ok,time,2,s,lower,2,20,0\n"
          "r5,je,w,1,0,crash,time,,s,lower,0,0,0\n"      /* failed: counted, not used */
          "r6,gl,w,1,0,ok,time,4,s,lower,4,40,0\n"
          "r7,gl,w,2,0,ok,time,5,s,lower,5,50,0\n"
          "r8,gl,w,2,0,ok,time,6,s,lower,6,60,0\n", f);
    fclose(f);
    ab_table t;
    ck_assert_int_eq(ab_table_load(p, &t), 0);
    ab_cells c;
    ck_assert_int_eq(ab_cells_from(&t, &c), 0);
    ck_assert_int_eq(c.n, 3);
    const ab_cell *je = ab_cells_find(&c, "je", "w", 1);
    ck_assert_ptr_nonnull(je);
    ck_assert_int_eq(je->n, 3);
    ck_assert_int_eq(je->nfail, 1);
    ck_assert_int_eq(je->ndisturbed, 1);
    ck_assert_double_eq(je->value, 2);
    ck_assert_double_eq(je->value_min, 1);
    ck_assert_double_eq(je->value_max, 3);
    ck_assert_double_eq(je->maxrss_kb, 20);
    const ab_cell *gl2 = ab_cells_find(&c, "gl", "w", 2);
    ck_assert_double_eq(gl2->value, 5.5);
    ck_assert_ptr_null(ab_cells_find(&c, "je", "w", 2));
    ab_cells_free(&c);
    ab_table_free(&t);
    free(p);
    rm_tmp();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("allocbench");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, csv_quoting);
    tcase_add_test(tc, csv_malformed);
    tcase_add_test(tc, csv_table_ragged);
    tcase_add_test(tc, resdir_atomic);
    suite_add_tcase(s, tc);
    tc = tcase_create("stats");
    tcase_add_test(tc, stats_odd_even);
    suite_add_tcase(s, tc);
    tc = tcase_create("parse");
    tcase_add_test(tc, parse_lines);
    tcase_add_test(tc, parse_output);
    tcase_add_test(tc, thread_lists);
    tcase_add_test(tc, registry_tsv);
    tcase_add_test(tc, gbench_json);
    tcase_add_test(tc, cells_medians);
    tcase_add_test(tc, plan_order);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
