// cxx_test.cpp: C++ operator new/delete over the malloc under test
// (allocator-design.md section 3.6 A.9). Runs against libstdc++'s operators
// on glibc and against the library's own when it exports them (LD_PRELOAD).
// Check forks each test, so an abort in a throwing new is reported as an
// error, never taken as a pass.
#include <check.h>

#include <dlfcn.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

/* ck_assert_msg for loops: silent on success (no mark point per check). */
#define REQUIRE(c, ...) do { if (!(c)) { char m_[512]; snprintf(m_, sizeof m_, __VA_ARGS__); \
    ck_abort_msg("`%s` failed: %s", #c, m_); } } while (0)

namespace {

const std::size_t KiB = 1024, MiB = 1024 * 1024;

std::size_t opaque(std::size_t x) { __asm__ volatile("" : "+r"(x)); return x; }
bool aligned(const void *p, std::size_t a) { return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0; }

// Sizes no allocator can give.
const std::size_t huge_sizes[] = {SIZE_MAX, SIZE_MAX - 4096, static_cast<std::size_t>(PTRDIFF_MAX) + 1,
                                  static_cast<std::size_t>(1) << 50, static_cast<std::size_t>(3) << 60};

// libstdc++ 12's aligned operator new rounds the size up to the alignment
// without an overflow check, so new(SIZE_MAX, align 64) asks malloc for 0
// bytes and succeeds. When the aligned operators under test are libstdc++'s
// own (plain glibc run), sizes that overflow that rounding are not checked.
bool aligned_size_checked(std::size_t s, std::size_t a) {
    static int libstdcxx = -1;
    if (libstdcxx < 0) {
        Dl_info info;
        void *f = dlsym(RTLD_DEFAULT, "_ZnwmSt11align_val_t");
        libstdcxx = f && dladdr(f, &info) && info.dli_fname && std::strstr(info.dli_fname, "libstdc++");
        if (libstdcxx)
            std::fprintf(stderr, "cxx: aligned new is libstdc++'s: sizes that overflow its rounding not checked\n");
    }
    return !(libstdcxx && s > SIZE_MAX - (a - 1));
}

void touch(void *p, std::size_t n) {
    if (n == 0) return;
    auto *b = static_cast<unsigned char *>(p);
    b[0] = 0x5A;
    b[n - 1] = 0xA5;
    b[n / 2] = 0x11;
}

START_TEST(t_new_delete_sizes)
{
    for (std::size_t s = 0; s <= MiB; s += (s < 64 * KiB ? 1 : 61)) {
        void *p = ::operator new(opaque(s));
        REQUIRE(p != nullptr, "operator new(%zu)", s);
        if (s >= 16) REQUIRE(aligned(p, __STDCPP_DEFAULT_NEW_ALIGNMENT__), "new(%zu) misaligned", s);
        touch(p, s);
        if (s % 2) ::operator delete(p);
        else ::operator delete(p, s);   // sized delete
        char *a = new char[opaque(s)];
        touch(a, s);
        delete[] a;
        void *b = ::operator new[](opaque(s));
        touch(b, s);
        if (s % 3) ::operator delete[](b, s);
        else ::operator delete[](b);
    }
    // Two new(0) are distinct.
    void *x = ::operator new(opaque(0)), *y = ::operator new(opaque(0));
    ck_assert_ptr_ne(x, y);
    ::operator delete(x, static_cast<std::size_t>(0));
    ::operator delete(y);
}
END_TEST

START_TEST(t_aligned_new)
{
    for (std::size_t a = 1; a <= MiB; a <<= 1) {
        const std::size_t sizes[] = {1, a / 2 + 1, a, a + 1, 3 * a};
        for (std::size_t s : sizes) {
            auto al = static_cast<std::align_val_t>(a);
            void *p = ::operator new(opaque(s), al);
            REQUIRE(p != nullptr && aligned(p, a), "operator new(%zu, align %zu) = %p", s, a, p);
            std::memset(p, 1, s);
            ::operator delete(p, al);
            p = ::operator new(opaque(s), al);
            REQUIRE(aligned(p, a), "operator new(%zu, align %zu)", s, a);
            ::operator delete(p, s, al);
            p = ::operator new[](opaque(s), al);
            REQUIRE(aligned(p, a), "operator new[](%zu, align %zu)", s, a);
            std::memset(p, 2, s);
            ::operator delete[](p, al);
            p = ::operator new[](opaque(s), al);
            ::operator delete[](p, s, al);
            p = ::operator new(opaque(s), al, std::nothrow);
            REQUIRE(p != nullptr && aligned(p, a), "nothrow new(%zu, align %zu)", s, a);
            ::operator delete(p, al, std::nothrow);
            p = ::operator new[](opaque(s), al, std::nothrow);
            REQUIRE(p != nullptr && aligned(p, a), "nothrow new[](%zu, align %zu)", s, a);
            ::operator delete[](p, al, std::nothrow);
        }
    }
    // An over-aligned type through a new-expression.
    struct alignas(4096) Page { unsigned char b[4096]; };
    Page *pg = new Page[3];
    ck_assert(aligned(pg, 4096));
    std::memset(pg, 0, sizeof(Page) * 3);
    delete[] pg;
}
END_TEST

START_TEST(t_nothrow_huge)
{
    for (std::size_t s : huge_sizes) {
        REQUIRE(::operator new(opaque(s), std::nothrow) == nullptr, "nothrow new(%#zx)", s);
        REQUIRE(::operator new[](opaque(s), std::nothrow) == nullptr, "nothrow new[](%#zx)", s);
        if (aligned_size_checked(s, 64))
            REQUIRE(::operator new(opaque(s), std::align_val_t(64), std::nothrow) == nullptr,
                    "nothrow aligned new(%#zx)", s);
        if (aligned_size_checked(s, 4096))
            REQUIRE(::operator new[](opaque(s), std::align_val_t(4096), std::nothrow) == nullptr,
                    "nothrow aligned new[](%#zx)", s);
    }
    void *p = ::operator new(opaque(10), std::nothrow);
    ck_assert_ptr_nonnull(p);
    ::operator delete(p, std::nothrow);
    p = ::operator new[](opaque(10), std::nothrow);
    ck_assert_ptr_nonnull(p);
    ::operator delete[](p, std::nothrow);
}
END_TEST

template <typename F> bool throws_bad_alloc(F f) {
    try {
        f();
    } catch (const std::bad_alloc &) {
        return true;
    }
    return false;
}

START_TEST(t_throwing_huge)
{
    for (std::size_t s : huge_sizes) {
        REQUIRE(throws_bad_alloc([s] { ::operator delete(::operator new(opaque(s))); }), "new(%#zx)", s);
        REQUIRE(throws_bad_alloc([s] { ::operator delete[](::operator new[](opaque(s))); }), "new[](%#zx)", s);
        if (aligned_size_checked(s, 256))
            REQUIRE(throws_bad_alloc([s] {
                        ::operator delete(::operator new(opaque(s), std::align_val_t(256)), std::align_val_t(256));
                    }), "aligned new(%#zx)", s);
        if (aligned_size_checked(s, 8192))
            REQUIRE(throws_bad_alloc([s] {
                        ::operator delete[](::operator new[](opaque(s), std::align_val_t(8192)), std::align_val_t(8192));
                    }), "aligned new[](%#zx)", s);
    }
    // A new-expression for an array too large (bad_array_new_length is a bad_alloc).
    ck_assert(throws_bad_alloc([] { delete[] new long[opaque(SIZE_MAX / 4)]; }));
}
END_TEST

int handler_calls;
void counting_handler() {
    if (++handler_calls == 3) std::set_new_handler(nullptr);   // the 4th try throws
}

START_TEST(t_new_handler)
{
    handler_calls = 0;
    std::set_new_handler(counting_handler);
    bool threw = throws_bad_alloc([] { ::operator delete(::operator new(opaque(static_cast<std::size_t>(1) << 50))); });
    ck_assert(threw);
    ck_assert_int_eq(handler_calls, 3);

    handler_calls = 0;
    std::set_new_handler(counting_handler);
    threw = throws_bad_alloc([] {
        ::operator delete(::operator new(opaque(static_cast<std::size_t>(PTRDIFF_MAX) + 8), std::align_val_t(128)),
                          std::align_val_t(128));
    });
    ck_assert(threw);
    ck_assert_int_eq(handler_calls, 3);

    // A handler that throws: its exception reaches the caller.
    std::set_new_handler([] { throw std::bad_alloc(); });
    ck_assert(throws_bad_alloc([] { ::operator delete[](::operator new[](opaque(SIZE_MAX))); }));
    std::set_new_handler(nullptr);
    // Allocation still works afterwards.
    int *v = new int[100]();
    ck_assert_int_eq(v[99], 0);
    delete[] v;
}
END_TEST

TCase *tcase(Suite *s, const char *name, const TTest *t, int timeout) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
    return tc;
}

}  // namespace

int main() {
    Suite *s = suite_create("cxx");
    tcase(s, "new_delete_sizes", t_new_delete_sizes, 60);
    tcase(s, "aligned_new", t_aligned_new, 60);
    tcase(s, "nothrow_huge", t_nothrow_huge, 30);
    tcase(s, "throwing_huge", t_throwing_huge, 30);
    tcase(s, "new_handler", t_new_handler, 30);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
