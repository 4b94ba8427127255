/* test_place.c: unit tests of the placement policies (wl_place_compute) on
 * synthetic hwloc topologies, with exact expected PU lists. */
#include "common/wl_place.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hwloc_topology_t synth(const char *desc)
{
    hwloc_topology_t t;
    ck_assert_int_eq(hwloc_topology_init(&t), 0);
    ck_assert_int_eq(hwloc_topology_set_synthetic(t, desc), 0);
    ck_assert_int_eq(hwloc_topology_load(t), 0);
    return t;
}

/* Compare the policy's output for n threads with the expected list. */
static void expect(const char *desc, wl_pin_policy p, int n, const unsigned *want)
{
    hwloc_topology_t t = synth(desc);
    unsigned *got = calloc((size_t)n, sizeof *got);
    ck_assert_ptr_nonnull(got);
    int k = wl_place_compute(t, p, n, got);
    ck_assert_int_eq(k, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s %s n=%d: thread %d got PU %u, want %u", desc, wl_pin_name(p), n, i,
                      got[i], want[i]);
    free(got);
    hwloc_topology_destroy(t);
}

START_TEST(compact_smt_two_packages)
{
    /* 2 packages x 8 cores x 2 PUs: PU os index = 16*pkg + 2*core + pu. */
    static const unsigned w4[] = { 0, 2, 4, 6 };
    expect("pack:2 core:8 pu:2", WL_PIN_COMPACT, 4, w4);
    static const unsigned w9[] = { 0, 2, 4, 6, 8, 10, 12, 14, 1 };
    expect("pack:2 core:8 pu:2", WL_PIN_COMPACT, 9, w9);
    static const unsigned w18[] = { 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 16, 18 };
    expect("pack:2 core:8 pu:2", WL_PIN_COMPACT, 18, w18);
}
END_TEST

START_TEST(scatter_smt_two_packages)
{
    static const unsigned w4[] = { 0, 16, 2, 18 };
    expect("pack:2 core:8 pu:2", WL_PIN_SCATTER, 4, w4);
    /* Every core gets one thread before any second PU is used. */
    static const unsigned w18[] = { 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30, 1, 17 };
    expect("pack:2 core:8 pu:2", WL_PIN_SCATTER, 18, w18);
}
END_TEST

START_TEST(small_machine_and_wrap)
{
    static const unsigned w3[] = { 0, 1, 0 };
    expect("pack:1 core:2 pu:1", WL_PIN_COMPACT, 3, w3);
    expect("pack:1 core:2 pu:1", WL_PIN_SCATTER, 3, w3);
    static const unsigned w1[] = { 0 };
    expect("pack:1 core:2 pu:1", WL_PIN_COMPACT, 1, w1);
    /* 33 threads on 32 PUs: the 33rd wraps to the first PU of the order. */
    static const unsigned w33[] = { 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
                                    16, 18, 20, 22, 24, 26, 28, 30, 17, 19, 21, 23, 25, 27, 29, 31, 0 };
    expect("pack:2 core:8 pu:2", WL_PIN_COMPACT, 33, w33);
}
END_TEST

START_TEST(numa_inside_packages)
{
    /* 2 packages x 2 NUMA nodes x 2 cores: PUs 0-1 node 0, 2-3 node 1 (pkg 0),
     * 4-5 node 2, 6-7 node 3 (pkg 1). */
    static const unsigned ws[] = { 0, 4, 2, 6, 1, 5, 3, 7 };
    expect("pack:2 numa:2 core:2 pu:1", WL_PIN_SCATTER, 8, ws);
    static const unsigned wc[] = { 0, 1, 2, 3, 4 };
    expect("pack:2 numa:2 core:2 pu:1", WL_PIN_COMPACT, 5, wc);
}
END_TEST

START_TEST(numa_spanning_packages)
{
    /* 2 NUMA nodes x 2 packages x 2 cores: packages 0,1 on node 0; 2,3 on node 1.
     * Scatter alternates NUMA nodes first, then packages. */
    static const unsigned ws[] = { 0, 4, 2, 6, 1, 5, 3, 7 };
    expect("numa:2 pack:2 core:2 pu:1", WL_PIN_SCATTER, 8, ws);
    static const unsigned wc[] = { 0, 1, 2, 3, 4, 5 };
    expect("numa:2 pack:2 core:2 pu:1", WL_PIN_COMPACT, 6, wc);
}
END_TEST

START_TEST(none_and_parse)
{
    hwloc_topology_t t = synth("pack:1 core:2 pu:1");
    unsigned out[2] = { 99, 99 };
    ck_assert_int_eq(wl_place_compute(t, WL_PIN_NONE, 2, out), 0);
    ck_assert_uint_eq(out[0], 99);
    hwloc_topology_destroy(t);
    wl_pin_policy p;
    ck_assert_int_eq(wl_pin_parse("compact", &p), 0);
    ck_assert_int_eq(p, WL_PIN_COMPACT);
    ck_assert_int_eq(wl_pin_parse("scatter", &p), 0);
    ck_assert_int_eq(p, WL_PIN_SCATTER);
    ck_assert_int_eq(wl_pin_parse("none", &p), 0);
    ck_assert_int_eq(p, WL_PIN_NONE);
    ck_assert_int_eq(wl_pin_parse("spread", &p), -1);
    ck_assert_str_eq(wl_pin_name(WL_PIN_SCATTER), "scatter");
}
END_TEST

START_TEST(export_xml)
{
    char path[] = "/tmp/wl-topo-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(wl_topology_export(path), 0);
    hwloc_topology_t t;
    ck_assert_int_eq(hwloc_topology_init(&t), 0);
    ck_assert_int_eq(hwloc_topology_set_xml(t, path), 0);
    ck_assert_int_eq(hwloc_topology_load(t), 0);
    ck_assert_int_ge(hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU), 1);
    hwloc_topology_destroy(t);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wl_place");
    TCase *tc = tcase_create("policies");
    tcase_add_test(tc, compact_smt_two_packages);
    tcase_add_test(tc, scatter_smt_two_packages);
    tcase_add_test(tc, small_machine_and_wrap);
    tcase_add_test(tc, numa_inside_packages);
    tcase_add_test(tc, numa_spanning_packages);
    tcase_add_test(tc, none_and_parse);
    tcase_add_test(tc, export_xml);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
