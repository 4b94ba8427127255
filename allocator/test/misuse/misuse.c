/* misuse.c: what an allocator does when a program misuses malloc(3).
 *
 *   misuse CASE   run one case in this process; exit 0 when the case's own
 *                 checks found nothing, 1 when they found a block handed out
 *                 twice, a broken pattern or a block inside a static array
 *   misuse all    run every case in a forked child and print one row per
 *                 case: name, class, note (tab-separated; lines starting
 *                 with '#' are comments)
 *   misuse list   the names of the cases
 *
 * The allocator is the one LD_PRELOAD names (the children inherit it);
 * MISUSE_TIMEOUT (seconds, default 10) bounds each child. A child's
 * stdout and stderr come back through pipes: stdout carries the case's own
 * verdict (VERDICT OK|CORRUPTS ...), stderr whatever the allocator prints.
 *
 * Classes (README.md):
 *   detects   killed by SIGABRT or exited non-zero, with a line on stderr,
 *             before the case's checks found anything wrong
 *   corrupts  the case's checks found a block handed out twice or
 *             overlapping a live one, a live block's pattern broken, or a
 *             block (or a write) inside a static array
 *   crash     died otherwise (SIGSEGV, SIGBUS, ..., or SIGABRT or a
 *             non-zero exit without a message)
 *   survives  exited 0 and the checks found nothing
 *   timeout   still running after MISUSE_TIMEOUT seconds; killed
 *
 * Pointers the compiler must not reason about (freed, interior, static)
 * pass through a volatile (hide), so the misuse is neither warned about
 * nor optimised away. The case code writes with write(2), never stdio, so
 * nothing is lost when the allocator aborts. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- output without allocating ------------------------------------------ */

static void write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

/* One line on stdout, formatted into a stack buffer. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof buf - 2) n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    write_all(1, buf, (size_t)n);
}

/* ---- the case's findings and notes ---------------------------------------- */

static char finding[400];   /* the first thing the checks found wrong */
static int found;
static char note[400];      /* facts about the run worth reporting */

static void corrupt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void corrupt(const char *fmt, ...) {
    if (found) return;
    found = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(finding, sizeof finding, fmt, ap);
    va_end(ap);
}

static void notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void notef(const char *fmt, ...) {
    size_t len = strlen(note);
    if (len + 3 >= sizeof note) return;
    if (len) {
        memcpy(note + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note + len, sizeof note - len, fmt, ap);
    va_end(ap);
}

/* The compiler may not follow a pointer through here. */
static void *volatile hide_slot;
static void *hide(void *p) {
    hide_slot = p;
    return hide_slot;
}

/* ---- static arrays no allocator handed out -------------------------------- */

#define AREA_SIZE 8192
static _Alignas(4096) unsigned char foreign_area[AREA_SIZE]; /* foreign_free frees into it */
static _Alignas(4096) unsigned char target_area[AREA_SIZE];  /* write_after_free points at it */

static const struct area {
    const char *name;
    unsigned char *base;
} areas[] = {{"foreign_area", foreign_area}, {"target_area", target_area}};
#define NAREAS (sizeof areas / sizeof areas[0])

/* Both arrays stay zero: a byte that is not means the allocator wrote there. */
static void check_areas(void) {
    for (size_t a = 0; a < NAREAS; a++)
        for (size_t i = 0; i < AREA_SIZE; i++)
            if (areas[a].base[i]) {
                corrupt("the allocator wrote into the static array %s (byte %zu is 0x%02x)", areas[a].name, i,
                        areas[a].base[i]);
                return;
            }
}

/* ---- live blocks, their patterns ------------------------------------------ */

/* A pattern byte is one of 0x10, 0x18, ..., 0x68: never 0, never the
 * overflow's 0xee, and with its low three bits clear, as in the low byte of
 * a typical pointer or size. (glibc takes the word before a pointer it is
 * given for a chunk header; with bit 2 of that byte set it follows an arena
 * pointer and crashes on interior_free instead of reporting it.) */
static unsigned char pattern_byte(unsigned seed, size_t i) { return (unsigned char)(0x10 + (seed + i) % 12 * 8); }

static void fill(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = pattern_byte(seed, i);
}

/* Offset of the first byte that differs from the pattern; n if none. */
static size_t pattern_break(const unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern_byte(seed, i)) return i;
    return n;
}

#define MAXLIVE 4096
static struct blk {
    unsigned char *p;
    size_t n;
    const char *what;
    unsigned nth;    /* the nth block the case took under this what */
    unsigned seed;   /* its pattern's */
} live[MAXLIVE];
static size_t nlive;
static unsigned next_seed;

/* How many blocks the case took under the label `what`, this one included. */
static unsigned count_of(const char *what) {
    static struct {
        const char *what;
        unsigned n;
    } counts[32];
    static size_t ncounts;
    for (size_t i = 0; i < ncounts; i++)
        if (!strcmp(counts[i].what, what)) return ++counts[i].n;
    if (ncounts == sizeof counts / sizeof counts[0]) return 0;
    counts[ncounts].what = what;
    counts[ncounts].n = 1;
    return counts[ncounts++].n;
}

/* A block malloc (or realloc) just returned, of n requested bytes: check it
 * against the static arrays and every live block, then fill it with its
 * pattern and keep it. False when the check found something (the block is
 * then neither filled nor kept). NULL is noted, not kept. */
static int take(void *vp, size_t n, const char *what) {
    unsigned char *p = vp;
    unsigned id = count_of(what), seed = ++next_seed;
    if (!p) {
        notef("%s #%u returned NULL", what, id);
        return 1;
    }
    for (size_t a = 0; a < NAREAS; a++) {
        uintptr_t b = (uintptr_t)areas[a].base;
        if ((uintptr_t)p + n > b && (uintptr_t)p < b + AREA_SIZE) {
            corrupt("%s #%u returned %p, inside the static array %s (offset %td)", what, id, vp, areas[a].name,
                    (ptrdiff_t)((uintptr_t)p - b));
            return 0;
        }
    }
    for (size_t i = 0; i < nlive; i++) {
        const struct blk *l = &live[i];
        if (p == l->p) {
            corrupt("%s #%u returned %p, the block %s #%u still holds", what, id, vp, l->what, l->nth);
            return 0;
        }
        if ((uintptr_t)p < (uintptr_t)l->p + l->n && (uintptr_t)l->p < (uintptr_t)p + n) {
            corrupt("%s #%u returned %p (%zu bytes), overlapping the live block %s #%u at %p (%zu bytes, offset %+td)",
                    what, id, vp, n, l->what, l->nth, (void *)l->p, l->n, (ptrdiff_t)((uintptr_t)p - (uintptr_t)l->p));
            return 0;
        }
    }
    if (nlive == MAXLIVE) {
        corrupt("test error: more than %d live blocks", MAXLIVE);
        return 0;
    }
    fill(p, n, seed);
    live[nlive++] = (struct blk){p, n, what, id, seed};
    return 1;
}

/* Blocks of n bytes until one is at address p (at most 1024), then `more`
 * blocks more: an allocator may hand a freed block out only once its
 * other free blocks of the size are used up. False when a check found
 * something. */
static int take_until_back(size_t n, const char *what, const void *p, int more) {
    int back = -1;
    for (int i = 0; i < 1024 && (back < 0 || i <= back + more); i++) {
        void *m = malloc(n);
        if (m == p && back < 0) back = i;
        if (!take(m, n, what)) return 0;
    }
    if (back >= 0) notef("the freed block came back from %s #%d", what, back + 1);
    else notef("the freed block did not come back in 1024 blocks");
    return 1;
}

/* Forget p (about to be freed or reallocated). */
static void drop(const void *p) {
    for (size_t i = 0; i < nlive; i++)
        if (live[i].p == p) {
            live[i] = live[--nlive];
            return;
        }
}

/* Every live block still holds its pattern. */
static int check_live(void) {
    for (size_t i = 0; i < nlive; i++) {
        const struct blk *l = &live[i];
        size_t at = pattern_break(l->p, l->n, l->seed);
        if (at < l->n) {
            corrupt("the live block %s #%u at %p (%zu bytes) changed at byte %zu", l->what, l->nth, (void *)l->p, l->n,
                    at);
            return 0;
        }
    }
    return 1;
}

/* Free every live block: the allocator's last chances to check. */
static void release_all(void) {
    while (nlive) {
        void *p = live[--nlive].p;
        free(p);
    }
}

/* ---- the cases ------------------------------------------------------------ */

/* p freed twice, then blocks of its size until p comes back, and 8 more:
 * the same block twice? */
static void case_double_free(void) {
    unsigned char *p = malloc(32);
    if (!take(p, 32, "p")) return;
    unsigned char *again = hide(p);
    drop(p);
    free(p);
    free(again);
    if (take_until_back(32, "malloc(32)", again, 8)) check_live();
}

/* free(p + 8) while p is live, then blocks of 56 bytes. */
static void case_interior_free(void) {
    unsigned char *p = malloc(64);
    if (!take(p, 64, "p")) return;
    if (!p) return;
    free(hide(p + 8));
    for (int i = 0; i < 8; i++)
        if (!take(malloc(56), 56, "malloc(56)")) return;
    check_live();
}

/* free() of a 16-byte-aligned address inside a static array, then blocks of
 * many sizes: one inside the array? And the array must stay untouched. */
static void case_foreign_free(void) {
    static const size_t sizes[] = {16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096};
    free(hide(foreign_area + 1024));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int k = 0; k < 2; k++)
            if (!take(malloc(sizes[i]), sizes[i], "malloc")) return;
    if (check_live()) check_areas();
}

/* Blocks of 40, 32 and 48 bytes allocated, checked and freed: 16 rounds of
 * 64, 1024 in all, each checked against the live blocks. */
static void churn(void) {
    static const size_t sz[3] = {40, 32, 48};
    unsigned char *b[64];
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i < 64; i++) {
            b[i] = malloc(sz[i % 3]);
            if (!take(b[i], sz[i % 3], "churn malloc")) return;
        }
        if (!check_live()) return;
        for (int i = 0; i < 64; i++) {
            int j = (round & 1) ? 63 - i : (i * 5) % 64;   /* 5 is prime to 64: a permutation */
            drop(b[j]);
            free(b[j]);
        }
    }
}

/* Eight blocks of 40 bytes; p is the one whose next block above it (among
 * the eight) is closest, q that block. k bytes of 0xee go right after p's 40
 * requested bytes; then p is freed, 1024 blocks of 32-48 bytes come and go,
 * malloc_trim(0); q and the other six must still hold their patterns. */
static void overflow(size_t k) {
    enum { N = 40, NB = 8 };
    unsigned char *b[NB];
    for (int i = 0; i < NB; i++) {
        b[i] = malloc(N);
        if (!take(b[i], N, "malloc(40)")) return;
        if (!b[i]) return;
    }
    unsigned char *p = NULL, *q = NULL;
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NB; j++) {
            uintptr_t bi = (uintptr_t)b[i], bj = (uintptr_t)b[j];
            if (bj > bi && (!p || bj - bi < (uintptr_t)q - (uintptr_t)p)) {
                p = b[i];
                q = b[j];
            }
        }
    size_t usable = malloc_usable_size(p);
    notef("usable size %zu, so the %zu-byte overflow %s; q = p + %td", usable, k,
          N + k > usable ? "crosses it" : "stays inside it", (ptrdiff_t)((uintptr_t)q - (uintptr_t)p));
    unsigned char *w = hide(p);
    for (size_t i = 0; i < k; i++) w[N + i] = 0xee;
    drop(p);
    free(p);
    churn();
    if (found) return;
    malloc_trim(0);
    check_live();
}
static void case_overflow_1(void) { overflow(1); }
static void case_overflow_8(void) { overflow(8); }
static void case_overflow_16(void) { overflow(16); }

/* p freed, then 64 bytes written into it, the first 16 two copies of the
 * address target_area + 2048 (a poisoned free-list link); then blocks of 64
 * bytes until p comes back and 64 more, half of them freed, 64 more. None may
 * overlap a live block or lie in target_area, which must stay untouched.
 * Eight blocks of 64 bytes are taken first and stay live, so that a cache of
 * freed blocks of that size holds p alone. */
static void case_write_after_free(void) {
    for (int i = 0; i < 8; i++)
        if (!take(malloc(64), 64, "first malloc(64)")) return;
    unsigned char *p = malloc(64);
    if (!p) {
        notef("malloc(64) returned NULL");
        return;
    }
    unsigned char *w = hide(p);
    free(p);
    fill(w, 16, 0);
    fill(w + 16, 48, 16);   /* the pattern pattern_break(w + 16, 48, 16) expects */
    uintptr_t link = (uintptr_t)(target_area + 2048);
    memcpy(w, &link, sizeof link);
    memcpy(w + 8, &link, sizeof link);

    unsigned char *m[1200];
    int nm = 0, back = -1, kept = 0;
    while (nm < 1024 + 64 && (back < 0 || nm < back + 1 + 64)) {
        m[nm] = malloc(64);
        if (m[nm] == w && back < 0) {
            back = nm;
            kept = pattern_break(w + 16, 48, 16) == 48;   /* bytes 16-63 as written after free */
        }
        if (!take(m[nm], 64, "malloc(64)")) return;
        nm++;
    }
    if (back >= 0)
        notef("p came back from malloc(64) #%d, %s", back + 1,
              kept ? "still holding the data written after free" : "its data written after free changed");
    else notef("p did not come back in %d blocks", nm);
    if (!check_live()) return;
    for (int i = 0; i < nm; i += 2) {
        drop(m[i]);
        free(m[i]);
    }
    for (int i = 0; i < 64; i++)
        if (!take(malloc(64), 64, "malloc(64) after frees")) return;
    if (check_live()) check_areas();
}

/* p freed, then realloc(p, 64); a live block of p's size sits right after
 * p (so p cannot simply grow into free space). realloc's block, blocks of
 * 48 bytes until p comes back and 8 more, and 8 of 64 bytes must not
 * overlap. */
static void case_realloc_freed(void) {
    unsigned char *p = malloc(48);
    if (!take(p, 48, "p")) return;
    if (!take(malloc(48), 48, "neighbour malloc(48)")) return;
    unsigned char *alias = hide(p);
    drop(p);
    free(p);
    unsigned char *r = realloc(alias, 64);
    if (r == alias) notef("realloc returned the freed block itself");
    if (!take(r, 64, "realloc(p, 64)")) return;
    if (!take_until_back(48, "malloc(48)", alias, 8)) return;
    for (int i = 0; i < 8; i++)
        if (!take(malloc(64), 64, "malloc(64)")) return;
    check_live();
}

static const struct mcase {
    const char *name;
    void (*fn)(void);
} cases[] = {
    {"double_free", case_double_free},
    {"interior_free", case_interior_free},
    {"foreign_free", case_foreign_free},
    {"overflow_1", case_overflow_1},
    {"overflow_8", case_overflow_8},
    {"overflow_16", case_overflow_16},
    {"write_after_free", case_write_after_free},
    {"realloc_freed", case_realloc_freed},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* Run c in this process and exit: 1 (at once, with _exit) when its checks
 * found something, else 0 after freeing its live blocks. */
static _Noreturn void run_case(const struct mcase *c) {
    c->fn();
    if (found) {
        say("VERDICT CORRUPTS %s%s%s", finding, note[0] ? "; " : "", note);
        _exit(1);
    }
    say("VERDICT OK %s", note[0] ? note : "no problem found");
    release_all();
    exit(0);
}

/* ---- the forked children -------------------------------------------------- */

struct outcome {
    const char *cls;
    char note[600];
};

/* The first non-empty line of s, control characters made spaces, at most
 * 240 characters. */
static void first_line(const char *s, char *out, size_t cap) {
    while (*s == '\n' || *s == '\r' || *s == ' ') s++;
    size_t n = 0;
    while (s[n] && s[n] != '\n' && n + 1 < cap && n < 240) {
        unsigned char ch = (unsigned char)s[n];
        out[n] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
        n++;
    }
    out[n] = 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void outcome_set(struct outcome *o, const char *cls, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void outcome_set(struct outcome *o, const char *cls, const char *fmt, ...) {
    o->cls = cls;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->note, sizeof o->note, fmt, ap);
    va_end(ap);
}

static void run_child(const struct mcase *c, int timeout, struct outcome *o) {
    int op[2], ep[2];
    if (pipe(op) || pipe(ep)) {
        outcome_set(o, "error", "pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        outcome_set(o, "error", "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        dup2(op[1], 1);
        dup2(ep[1], 2);
        close(op[0]);
        close(op[1]);
        close(ep[0]);
        close(ep[1]);
        setsid();   /* no controlling terminal: messages go to stderr */
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(SIGABRT, SIG_DFL);
        alarm((unsigned)timeout + 5);   /* a backstop; the parent kills first */
        run_case(c);
    }
    close(op[1]);
    close(ep[1]);

    static char out[16384], err[16384];
    size_t nout = 0, nerr = 0;
    struct pollfd fds[2] = {{op[0], POLLIN, 0}, {ep[0], POLLIN, 0}};
    int open_fds = 2, exited = 0, timed_out = 0, st = 0;
    double deadline = now_s() + timeout;
    for (;;) {
        if (!exited && waitpid(pid, &st, WNOHANG) == pid) exited = 1;
        if (exited && open_fds == 0) break;
        if (now_s() >= deadline) {
            if (!exited) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                exited = 1;
                timed_out = 1;
            }
            break;
        }
        if (poll(fds, 2, 50) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char tmp[4096];
            ssize_t r = read(fds[i].fd, tmp, sizeof tmp);
            if (r <= 0) {
                if (r < 0 && errno == EINTR) continue;
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            char *buf = i == 0 ? out : err;
            size_t *len = i == 0 ? &nout : &nerr;
            size_t room = sizeof out - 1 - *len;
            size_t k = (size_t)r < room ? (size_t)r : room;
            memcpy(buf + *len, tmp, k);
            *len += k;
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    out[nout] = 0;
    err[nerr] = 0;

    char msg[256], verdict[600] = "";
    first_line(err, msg, sizeof msg);
    const char *v = strstr(out, "VERDICT ");
    if (v) first_line(v + 8, verdict, sizeof verdict);
    int ok = !strncmp(verdict, "OK", 2), bad = !strncmp(verdict, "CORRUPTS", 8);
    const char *vtext = verdict + (bad ? 8 : ok ? 2 : 0);
    while (*vtext == ' ') vtext++;

    if (timed_out) {
        outcome_set(o, "timeout", "still running after %d s, killed", timeout);
    } else if (bad) {
        outcome_set(o, "corrupts", "%s", vtext);
    } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
        outcome_set(o, "timeout", "still running after %d s (its alarm)", timeout + 5);
    } else if ((WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) || (WIFEXITED(st) && WEXITSTATUS(st) != 0)) {
        char how[32];
        if (WIFSIGNALED(st)) snprintf(how, sizeof how, "SIGABRT");
        else snprintf(how, sizeof how, "exit %d", WEXITSTATUS(st));
        if (msg[0])
            outcome_set(o, "detects", "%s%s", msg, ok ? " (after the case's checks passed, freeing its blocks)" : "");
        else
            outcome_set(o, "crash", "%s without a message%s", how, ok ? ", after the case's checks passed" : "");
    } else if (WIFSIGNALED(st)) {
        outcome_set(o, "crash", "%s%s%s%s", strsignal(WTERMSIG(st)), ok ? ", after the case's checks passed" : "",
                    msg[0] ? "; stderr: " : "", msg);
    } else if (ok) {
        outcome_set(o, "survives", "%s%s%s", vtext, msg[0] ? "; stderr, exit 0: " : "", msg);
    } else {
        outcome_set(o, "crash", "exit 0 before the case finished%s%s", msg[0] ? "; stderr: " : "", msg);
    }
}

/* opt.preset through mallctl, when the allocator has both. */
static const char *preset_name(void) {
    int (*ctl)(const char *, void *, size_t *, void *, size_t) =
        (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
    if (!ctl) return "none (no mallctl)";
    const char *s = NULL;
    size_t len = sizeof s;
    if (ctl("opt.preset", &s, &len, NULL, 0) || !s) return "none (no opt.preset)";
    return s;
}

static int run_all(void) {
    const char *t = getenv("MISUSE_TIMEOUT");
    int timeout = t && atoi(t) > 0 ? atoi(t) : 10;
    /* glibc before 2.27 (and with a terminal) writes its messages to
     * /dev/tty unless this is set; the children also have no terminal. */
    setenv("LIBC_FATAL_STDERR_", "1", 1);
    free(hide(malloc(1)));   /* the allocator starts (and complains) here, not in a child */
    printf("# misuse: %zu cases, %d s each at most\n", NCASES, timeout);
    printf("# opt.preset: %s\n", preset_name());
    printf("# case\tclass\tnote\n");
    for (size_t i = 0; i < NCASES; i++) {
        struct outcome o;
        run_child(&cases[i], timeout, &o);
        printf("%s\t%s\t%s\n", cases[i].name, o.cls, o.note);
        fflush(stdout);
    }
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: misuse all | list | CASE\ncases:");
    for (size_t i = 0; i < NCASES; i++) fprintf(stderr, " %s", cases[i].name);
    fprintf(stderr, "\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc != 2) return usage();
    if (!strcmp(argv[1], "all")) return run_all();
    if (!strcmp(argv[1], "list")) {
        for (size_t i = 0; i < NCASES; i++) printf("%s\n", cases[i].name);
        return 0;
    }
    for (size_t i = 0; i < NCASES; i++)
        if (!strcmp(argv[1], cases[i].name)) run_case(&cases[i]);
    return usage();
}
