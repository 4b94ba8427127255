// shimcheck-cxx.cc: build/harness/shimcheck-cxx, the C++ side of
// harness/shims/test.sh: operator new and delete through an injection shim.
//
// Every form of new and delete (plain, array, nothrow, aligned, sized) with
// the contents checked; a std::vector and std::string workout; a failing
// operator new must throw std::bad_alloc through the shim's frames, and the
// shim must not stay marked "inside an operator" afterwards. With
// SHIMCHECK_PAD=P (pad shim) every block must be padded once: usable size
// at least ceil(n (100+P)/100), below the request padded twice for n = 1000
// (alignments up to 256), also for a malloc after the exception. Exit 0 when everything holds.
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

static int g_fails;
static long g_pad = -1;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            std::printf("FAIL %s:%d: ", __FILE__, __LINE__);                  \
            std::printf(__VA_ARGS__);                                         \
            std::printf("\n");                                                \
            g_fails++;                                                        \
        }                                                                     \
    } while (0)

static size_t padded(size_t n)
{
    return g_pad < 0 ? n : n + (n * static_cast<size_t>(g_pad) + 99) / 100;
}

// twice: also check "padded once" (not for 4096-byte alignment, whose
// rounding hides it).
static void check_block(void *p, size_t n, const char *what, bool twice = true)
{
    CHECK(p != nullptr, "%s(%zu) returned null", what, n);
    if (!p) return;
    std::memset(p, 0x5a, n);
    size_t u = malloc_usable_size(p);
    CHECK(u >= padded(n), "%s(%zu): usable %zu < %zu", what, n, u, padded(n));
    if (twice && g_pad > 0 && n == 1000)
        CHECK(u < padded(padded(n)), "%s(1000): usable %zu, padded twice (%zu)", what, u, padded(padded(n)));
}

struct alignas(256) Wide {
    unsigned char b[1000];
};

int main()
{
    const char *e = std::getenv("SHIMCHECK_PAD");
    if (e && *e) g_pad = std::atol(e);

    static const size_t sizes[] = { 1, 100, 1000, 5000, 300000 };
    for (size_t n : sizes) {
        char *a = new char[n];
        check_block(a, n, "new[]");
        delete[] a;
        void *p = ::operator new(n);
        check_block(p, n, "operator new");
        ::operator delete(p, n);  // sized
        p = ::operator new(n, std::nothrow);
        check_block(p, n, "operator new nothrow");
        ::operator delete(p, std::nothrow);
        p = ::operator new[](n);
        check_block(p, n, "operator new[]");
        ::operator delete[](p, n);
        p = ::operator new(n, std::align_val_t(256));
        CHECK(reinterpret_cast<uintptr_t>(p) % 256 == 0, "aligned new(%zu, 256): %p", n, p);
        check_block(p, n, "operator new aligned");
        ::operator delete(p, n, std::align_val_t(256));  // sized aligned
        p = ::operator new[](n, std::align_val_t(4096), std::nothrow);
        CHECK(reinterpret_cast<uintptr_t>(p) % 4096 == 0, "aligned new[](%zu, 4096): %p", n, p);
        check_block(p, n, "operator new[] aligned nothrow", false);
        ::operator delete[](p, std::align_val_t(4096), std::nothrow);
    }
    Wide *w = new Wide;
    CHECK(reinterpret_cast<uintptr_t>(w) % 256 == 0, "new Wide: %p", static_cast<void *>(w));
    check_block(w, sizeof *w, "new Wide");
    delete w;

    std::vector<std::string> v;
    for (int i = 0; i < 20000; i++) v.push_back(std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'x'));
    size_t bad = 0;
    for (int i = 0; i < 20000; i++)
        if (v[static_cast<size_t>(i)] != std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'x')) bad++;
    CHECK(bad == 0, "vector<string>: %zu strings changed", bad);
    v.clear();
    v.shrink_to_fit();

    volatile size_t huge = SIZE_MAX / 4;  // volatile: no compile-time size warning
    bool thrown = false;
    try {
        void *p = ::operator new(huge);
        ::operator delete(p);
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    CHECK(thrown, "operator new(SIZE_MAX/4) did not throw std::bad_alloc");
    CHECK(::operator new(huge, std::nothrow) == nullptr, "nothrow new(SIZE_MAX/4) != null");
    void *m = std::malloc(1000);
    check_block(m, 1000, "malloc after bad_alloc");
    std::free(m);

    std::printf("shimcheck-cxx: %s (%d failures)\n", g_fails ? "FAIL" : "ok", g_fails);
    return g_fails ? 1 : 0;
}
