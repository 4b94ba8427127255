/* tracer-prog.c: a program with known allocations, run under the tracer by
 * the round-trip test. Phase 1 (started and ended with SIGRTMIN+7) holds
 * exactly the calls logged here, from two threads and around a fork; the
 * log (thread op size addr) is written to argv[1] after phase 1 ends. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct { int thread; const char *op; size_t size; void *addr; } logrec;
static logrec g_log[2][64];
static int g_n[2];
static pthread_barrier_t g_bar;
static void *g_shared;

static void note(int th, const char *op, size_t size, void *addr) { g_log[th][g_n[th]++] = (logrec){ th, op, size, addr }; }

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&g_bar); /* phase 1 has started */
    pthread_barrier_wait(&g_bar); /* main is done with its part */
    void *a = malloc(777); note(1, "malloc", 777, a);
    void *b = malloc(40960); note(1, "malloc", 40960, b);
    b = realloc(b, 81920); note(1, "realloc", 81920, b);
    note(1, "free", 0, g_shared); free(g_shared); /* allocated by main */
    note(1, "free", 0, a); free(a);
    void *c = calloc(7, 9); note(1, "calloc", 63, c);
    note(1, "free", 0, c); free(c);
    note(1, "free", 0, b); free(b);
    pthread_barrier_wait(&g_bar); /* worker done */
    pthread_barrier_wait(&g_bar); /* phase 1 has ended: exit, flushing the buffer */
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: tracer-prog LOG\n"); return 2; }
    pthread_t t;
    pthread_barrier_init(&g_bar, NULL, 2);
    if (pthread_create(&t, NULL, worker, NULL)) return 1;
    raise(SIGRTMIN + 7);              /* phase 1 */
    pthread_barrier_wait(&g_bar);
    void *p = malloc(100); note(0, "malloc", 100, p);
    void *q = calloc(3, 40); note(0, "calloc", 120, q);
    p = realloc(p, 1000); note(0, "realloc", 1000, p);
    void *r;
    if (posix_memalign(&r, 64, 200)) return 1;
    note(0, "posix_memalign", 200, r);
    void *s = aligned_alloc(128, 256); note(0, "aligned_alloc", 256, s);
    void *u = memalign(256, 300); note(0, "memalign", 300, u);
    void *v = valloc(5000); note(0, "valloc", 5000, v);
    size_t us = malloc_usable_size(p); note(0, "malloc_usable_size", us, p);
    void *volatile null = NULL; /* keeps the compiler from folding realloc(NULL)/free(NULL) */
    void *z = realloc(null, 33); note(0, "realloc", 33, z);
    pid_t pid = fork();
    if (pid == 0) { void *x = malloc(12345); free(x); _exit(0); }  /* not traced */
    if (pid < 0 || waitpid(pid, NULL, 0) != pid) return 1;
    note(0, "free", 0, q); free(q);
    note(0, "free", 0, NULL); free(null);
    note(0, "free", 0, r); free(r);
    note(0, "free", 0, s); free(s);
    g_shared = u;                     /* freed by the worker */
    note(0, "free", 0, v); free(v);
    pthread_barrier_wait(&g_bar);
    pthread_barrier_wait(&g_bar);     /* worker done */
    raise(SIGRTMIN + 7);              /* phase 2 */
    pthread_barrier_wait(&g_bar);
    pthread_join(t, NULL);
    FILE *f = fopen(argv[1], "w");
    if (!f) return 1;
    for (int th = 0; th < 2; th++)
        for (int i = 0; i < g_n[th]; i++)
            fprintf(f, "%d %s %zu %p\n", th, g_log[th][i].op, g_log[th][i].size, g_log[th][i].addr);
    fclose(f);
    free(p); free(z); /* phase 2: not checked */
    return 0;
}
