/* os.c: mmap, madvise and clocks. Every function keeps errno intact. */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void *os_map(size_t size) {
    int e = errno;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = e;
    return p == MAP_FAILED ? NULL : p;
}

void *os_map_aligned(size_t size, size_t align) {
    if (size + align < size) return NULL;
    int e = errno;
    /* Over-map by `align`, then trim both ends. */
    char *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        errno = e;
        return NULL;
    }
    char *a = (char *)TIDE_ALIGN_UP((uintptr_t)p, align);
    if (a > p) munmap(p, (size_t)(a - p));
    size_t tail = (size_t)((p + size + align) - (a + size));
    if (tail) munmap(a + size, tail);
    errno = e;
    return a;
}

bool os_map_fixed(void *p, size_t size) {
    int e = errno;
    void *q = mmap(p, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    errno = e;
    if (q == MAP_FAILED) return false;
    if (q != p) {   /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
        munmap(q, size);
        return false;
    }
    return true;
}

void os_unmap(void *p, size_t size) {
    int e = errno;
    munmap(p, size);
    errno = e;
}

void os_guard(void *p, size_t size) {
    int e = errno;
    mprotect(p, size, PROT_NONE);
    errno = e;
}

void os_purge(void *p, size_t size) {
    int e = errno;
    madvise(p, size, MADV_DONTNEED);
    errno = e;
}

uint64_t os_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

unsigned os_ncpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

size_t os_rss(void) {
    int e = errno;
    char buf[128];
    size_t rss = 0;
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = 0;
            char *s = buf;
            while (*s && *s != ' ') s++;
            while (*s == ' ') s++;
            while (*s >= '0' && *s <= '9') rss = rss * 10 + (size_t)(*s++ - '0');
        }
    }
    errno = e;
    return rss * (size_t)sysconf(_SC_PAGESIZE);
}
