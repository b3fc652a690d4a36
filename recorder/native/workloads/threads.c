/*
 * threads: many threads allocating at once, for the capture's memory (recorder/execMemory.test.ts,
 * bench/native.bench.ts). argv: threads (default 400), blocks per thread (default 20000). Thread k
 * allocates and frees blocks of 10000 + 8k + i % 7 bytes (i = 0, 1, …: a trace shows each thread's
 * own order), then waits until every thread is done; main marks `all-alive` and reads VmHWM then,
 * all of them alive.
 * Prints `threads: threads=N allocs=A frees=F hwm_kb=K seconds=S`.
 */
#include "common.h"
#include <pthread.h>
#include <string.h>

static pthread_barrier_t all_done, go_on;
static long per_thread;

static long status_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen(key);
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, key, n)) v = atol(line + n + 1);
  if (f) fclose(f);
  return v;
}

static void *run(void *a) {
  long k = (long)a;
  for (long i = 0; i < per_thread; i++) {
    void *volatile p = wl_xmalloc((size_t)(10000 + 8 * k + i % 7));
    free(p);
  }
  pthread_barrier_wait(&all_done);
  pthread_barrier_wait(&go_on);
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 400;
  per_thread = argc > 2 ? atol(argv[2]) : 20000;
  pthread_t *t = wl_xmalloc((size_t)n * sizeof *t);
  pthread_barrier_init(&all_done, NULL, (unsigned)n + 1);
  pthread_barrier_init(&go_on, NULL, (unsigned)n + 1);
  double t0 = wl_now();
  for (long i = 0; i < n; i++) pthread_create(&t[i], NULL, run, (void *)i);
  pthread_barrier_wait(&all_done);
  wl_mark("all-alive");
  long hwm = status_kb("VmHWM:");
  double seconds = wl_now() - t0;
  pthread_barrier_wait(&go_on);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  free(t);
  printf("threads: threads=%d allocs=%ld frees=%ld hwm_kb=%ld seconds=%.3f\n", n, n * per_thread + 1, n * per_thread + 1, hwm, seconds);
  return 0;
}
