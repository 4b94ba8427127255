// microbench: Google Benchmark micro-benchmarks of malloc(3) primitives.
//
//   microbench [--threads N] [--pin P] [google benchmark flags...]
//
// Families (each a separate benchmark, names are stable for the harness):
//   BM_malloc_free/<size>          one malloc+free pair, every size class of
//                                  the jemalloc 5 series from 8 B to 1 MiB
//   BM_batch_lifo|fifo|random/<n>  n 64-byte mallocs, then frees in LIFO,
//                                  FIFO or random (fixed shuffle) order
//   BM_calloc/<size>               calloc+free
//   BM_realloc_grow/<max>          realloc growing 16 B -> max, doubling
//   BM_aligned/<align>             aligned_alloc(align, 64)+free
//   BM_remote_free/<n>             this thread mallocs n 64-byte blocks, a
//                                  second thread frees them (one batch in
//                                  flight; real time)
// --threads N sets Google Benchmark's ->Threads(N) for the single-thread
// families (malloc_free, batch, calloc). Prints the gbench output (use
// --benchmark_format=json or --benchmark_out=<file>) and the usual
// "ALLOCBENCH result" summary line: the geometric mean of the malloc_free
// family's ns/pair (metric malloc_free_geomean), or, when that family is
// filtered out, of every run (metric geomean_all); exit 1 if nothing ran.
#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "../common/wl.h"
}

namespace {

int g_threads = 1;

void BM_malloc_free(benchmark::State &st)
{
    const size_t sz = static_cast<size_t>(st.range(0));
    wl_pin_thread(st.thread_index());
    for (auto _ : st) {
        void *p = malloc(sz);
        benchmark::DoNotOptimize(p);
        static_cast<char *>(p)[0] = 1;
        free(p);
    }
    st.SetItemsProcessed(st.iterations());
}

enum order { LIFO, FIFO, RANDOM };

template <order O> void BM_batch(benchmark::State &st)
{
    const size_t n = static_cast<size_t>(st.range(0));
    std::vector<void *> v(n);
    std::vector<size_t> perm(n);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    std::mt19937_64 rng(42);
    std::shuffle(perm.begin(), perm.end(), rng);
    wl_pin_thread(st.thread_index());
    for (auto _ : st) {
        for (size_t i = 0; i < n; i++) {
            v[i] = malloc(64);
            benchmark::DoNotOptimize(v[i]);
        }
        if (O == LIFO)
            for (size_t i = n; i-- > 0;) free(v[i]);
        else if (O == FIFO)
            for (size_t i = 0; i < n; i++) free(v[i]);
        else
            for (size_t i = 0; i < n; i++) free(v[perm[i]]);
    }
    st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(n));
}

void BM_calloc(benchmark::State &st)
{
    const size_t sz = static_cast<size_t>(st.range(0));
    wl_pin_thread(st.thread_index());
    for (auto _ : st) {
        void *p = calloc(1, sz);
        benchmark::DoNotOptimize(p);
        free(p);
    }
    st.SetItemsProcessed(st.iterations());
}

void BM_realloc_grow(benchmark::State &st)
{
    const size_t max = static_cast<size_t>(st.range(0));
    wl_pin_thread(st.thread_index());
    int64_t steps = 0;
    for (auto _ : st) {
        void *p = malloc(16);
        for (size_t s = 32; s <= max; s *= 2) {
            void *q = realloc(p, s);
            if (!q) { st.SkipWithError("realloc failed"); break; }
            p = q;
            static_cast<char *>(p)[s - 1] = 1;
            steps++;
        }
        benchmark::DoNotOptimize(p);
        free(p);
    }
    st.SetItemsProcessed(steps);
}

void BM_aligned(benchmark::State &st)
{
    const size_t al = static_cast<size_t>(st.range(0));
    wl_pin_thread(st.thread_index());
    for (auto _ : st) {
        void *p = aligned_alloc(al, 64 < al ? al : 64);
        benchmark::DoNotOptimize(p);
        if (reinterpret_cast<uintptr_t>(p) % al) { st.SkipWithError("misaligned"); free(p); break; }
        free(p);
    }
    st.SetItemsProcessed(st.iterations());
}

// A freeing thread: it waits for a batch, frees it, and hands the (now
// empty) batch back. Invariant: batch is non-empty only while full == true.
struct remote_freer {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<void *> batch;
    bool full = false, quit = false;
    std::thread th;

    remote_freer() : th([this] { run(); }) {}
    ~remote_freer()
    {
        {
            std::lock_guard<std::mutex> g(mu);
            quit = true;
        }
        cv.notify_all();
        th.join();
    }
    void run()
    {
        wl_pin_thread(1);
        std::unique_lock<std::mutex> l(mu);
        for (;;) {
            cv.wait(l, [this] { return full || quit; });
            if (full) {
                for (void *p : batch) free(p);
                batch.clear();
                full = false;
                cv.notify_all();
            } else if (quit) {
                return;
            }
        }
    }
    void hand_over(std::vector<void *> &v)
    {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [this] { return !full; });
        batch.swap(v);
        full = true;
        cv.notify_all();
    }
    void drain()
    {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [this] { return !full; });
    }
};

void BM_remote_free(benchmark::State &st)
{
    const size_t n = static_cast<size_t>(st.range(0));
    wl_pin_thread(0);
    remote_freer rf;
    std::vector<void *> v;
    v.reserve(n);
    for (auto _ : st) {
        for (size_t i = 0; i < n; i++) {
            void *p = malloc(64);
            benchmark::DoNotOptimize(p);
            v.push_back(p);
        }
        rf.hand_over(v);
        v.clear();
    }
    rf.drain();
    st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(n));
}

// Collects ns per malloc+free pair of the BM_malloc_free family for the
// summary line, while forwarding everything to the display reporter (console
// text or, with --benchmark_format=json, JSON).
template <class Base> class summary_reporter : public Base {
  public:
    using Run = benchmark::BenchmarkReporter::Run;
    template <class... A> explicit summary_reporter(A... a) : Base(a...) {}
    double log_sum = 0, all_log_sum = 0;
    int count = 0, all_count = 0;
    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &r : runs) {
            if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
            double ns = r.GetAdjustedRealTime(); // time unit is ns
            if (ns <= 0) continue;
            all_log_sum += std::log(ns);
            all_count++;
            if (r.benchmark_name().rfind("BM_malloc_free/", 0) != 0) continue;
            log_sum += std::log(ns);
            count++;
        }
        Base::ReportRuns(runs);
    }
};

} // namespace

int main(int argc, char **argv)
{
    // Split our common options from Google Benchmark's flags.
    std::vector<char *> ours{argv[0]}, theirs{argv[0]};
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--threads" || a == "--pin") {
            ours.push_back(argv[i]);
            if (i + 1 < argc) ours.push_back(argv[++i]);
        } else if (a.rfind("--threads=", 0) == 0 || a.rfind("--pin=", 0) == 0 || a == "--help") {
            ours.push_back(argv[i]);
        } else if (a.rfind("--benchmark_", 0) == 0 || a.rfind("--v=", 0) == 0) {
            theirs.push_back(argv[i]);
        } else {
            fprintf(stderr, "microbench: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    wl_opts o;
    wl_init(&o, "microbench", "[--benchmark_* flags]",
            "Google Benchmark micro-benchmarks: malloc/free per size class (8 B..1 MiB), batches freed\n"
            "LIFO/FIFO/random, calloc, realloc growth, aligned_alloc, frees from another thread.\n"
            "JSON: --benchmark_format=json or --benchmark_out=<file> --benchmark_out_format=json.",
            0, static_cast<int>(ours.size()), ours.data());
    g_threads = o.threads;

    // One case per size class of the jemalloc 5 series (tide uses the same
    // classes up to 14 KiB): 8, 16, 32, 48, ..., 128, then 4 per doubling.
    auto *mf = benchmark::RegisterBenchmark("BM_malloc_free", BM_malloc_free);
    for (int64_t s : { 8, 16, 32, 48, 64, 80, 96, 112, 128 }) mf->Arg(s);
    for (int64_t base = 128; base < (1 << 20); base *= 2)
        for (int64_t k = 1; k <= 4; k++) mf->Arg(base + k * base / 4);
    mf->Threads(g_threads);
    for (auto *b : { benchmark::RegisterBenchmark("BM_batch_lifo", BM_batch<LIFO>),
                     benchmark::RegisterBenchmark("BM_batch_fifo", BM_batch<FIFO>),
                     benchmark::RegisterBenchmark("BM_batch_random", BM_batch<RANDOM>) })
        b->Arg(100)->Arg(10000)->Threads(g_threads);
    benchmark::RegisterBenchmark("BM_calloc", BM_calloc)->Arg(64)->Arg(4096)->Arg(1 << 20)->Threads(g_threads);
    benchmark::RegisterBenchmark("BM_realloc_grow", BM_realloc_grow)->Arg(4096)->Arg(1 << 20);
    benchmark::RegisterBenchmark("BM_aligned", BM_aligned)->Arg(16)->Arg(64)->Arg(4096)->Arg(65536);
    benchmark::RegisterBenchmark("BM_remote_free", BM_remote_free)->Arg(1000)->Arg(10000)->UseRealTime();

    bool json = false;
    for (char *a : theirs)
        if (!strcmp(a, "--benchmark_format=json")) json = true;
        else if (!strncmp(a, "--benchmark_format=", 19) && strcmp(a, "--benchmark_format=console")) {
            fprintf(stderr, "microbench: only --benchmark_format=console or json is supported\n");
            return 2;
        }
    int targc = static_cast<int>(theirs.size());
    benchmark::Initialize(&targc, theirs.data());
    if (targc > 1) {
        fprintf(stderr, "microbench: unknown benchmark flag '%s'\n", theirs[1]);
        return 2;
    }
    wl_begin(&o, g_threads > 2 ? g_threads : 2);
    double log_sum, all_log_sum;
    int count, all_count;
    fflush(stdout);
    if (json) {
        summary_reporter<benchmark::JSONReporter> rep;
        benchmark::RunSpecifiedBenchmarks(&rep);
        log_sum = rep.log_sum;
        count = rep.count;
        all_log_sum = rep.all_log_sum;
        all_count = rep.all_count;
    } else {
        summary_reporter<benchmark::ConsoleReporter> rep(benchmark::ConsoleReporter::OO_Tabular);
        benchmark::RunSpecifiedBenchmarks(&rep);
        log_sum = rep.log_sum;
        count = rep.count;
        all_log_sum = rep.all_log_sum;
        all_count = rep.all_count;
    }
    benchmark::Shutdown();
    std::cout.flush();
    if (count > 0) {
        wl_result(&o, "malloc_free_geomean", std::exp(log_sum / count), "ns", "lower", "cases=%d", count);
    } else if (all_count > 0) {
        // BM_malloc_free filtered out: summarise whatever ran, under another name.
        fprintf(stderr, "microbench: no BM_malloc_free result; metric is the geometric mean of all runs\n");
        wl_result(&o, "geomean_all", std::exp(all_log_sum / all_count), "ns", "lower", "cases=%d", all_count);
    } else {
        fprintf(stderr, "microbench: no benchmark ran (check --benchmark_filter)\n");
        return 1;
    }
    return 0;
}
