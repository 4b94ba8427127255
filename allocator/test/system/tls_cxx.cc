// tls_cxx.cc: C++ thread_local objects whose destructors allocate.
//
// Each thread constructs a thread_local Holder (which allocates strings and
// a vector); its destructor, run at thread exit through
// __cxa_thread_atexit, allocates and frees again and touches a second
// thread_local, Late, that is constructed during thread teardown and whose
// destructor allocates too. Threads run 8 at a time. Prints one
// "PASS tls_cxx ..." or "FAIL tls_cxx: ..." line; exit status 0 or 1.
// Usage: tls_cxx [nthreads]   (default 400)
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<unsigned long> g_holder_dtors{0}, g_late_dtors{0}, g_bad{0};

struct Late {
    std::vector<std::string> words;
    Late() : words(50, std::string(40, 'l')) {}
    ~Late() {
        std::map<int, std::string> m;
        for (int i = 0; i < 100; i++)
            m[i] = std::string(static_cast<size_t>(i) + 20, static_cast<char>('a' + i % 26));
        if (m.size() != 100 || m[99].size() != 119 || words.size() != 50)
            g_bad++;
        g_late_dtors++;
    }
};

thread_local std::unique_ptr<Late> t_late;

struct Holder {
    std::vector<std::string> strs;
    std::unique_ptr<std::vector<int>> big;
    explicit Holder(unsigned id) : big(new std::vector<int>(10000, static_cast<int>(id))) {
        for (unsigned i = 0; i < 64; i++)
            strs.push_back(std::string(16 + i * 9, static_cast<char>('A' + i % 26)));
    }
    ~Holder() {
        // Allocate at thread exit: a fresh vector, a big string, and a
        // thread_local constructed now, during teardown.
        std::vector<std::string> copy(strs.begin(), strs.end());
        std::string s(200000, 'z');
        copy.push_back(s);
        if (copy.size() != 65 || (*big)[9999] != (*big)[0] || copy[63].size() != 16 + 63 * 9)
            g_bad++;
        t_late.reset(new Late());
        g_holder_dtors++;
    }
};

Holder &holder(unsigned id) {
    thread_local Holder h(id);
    return h;
}

}  // namespace

int main(int argc, char **argv) {
    unsigned long n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 400;
    if (n == 0 || n > 1000000) {
        std::fprintf(stderr, "tls_cxx: bad thread count '%s'\n", argv[1]);
        return 2;
    }
    unsigned long started = 0;
    while (started < n) {
        std::vector<std::thread> batch;
        for (int i = 0; i < 8 && started < n; i++, started++)
            batch.emplace_back([id = static_cast<unsigned>(started)] {
                Holder &h = holder(id);
                if ((*h.big)[0] != static_cast<int>(id))
                    g_bad++;
            });
        for (auto &t : batch)
            t.join();
    }
    bool ok = g_bad == 0 && g_holder_dtors == n && g_late_dtors == n;
    std::printf("%s tls_cxx: %lu threads, %lu Holder and %lu Late destructors (expected %lu each), %lu bad\n",
                ok ? "PASS" : "FAIL", n, g_holder_dtors.load(), g_late_dtors.load(), n, g_bad.load());
    return ok ? 0 : 1;
}
