/*
 * larson: Paul Larson's server benchmark, written after mimalloc-bench's bench/larson/larson.cpp
 * (C, malloc/free). Args: seconds min max chunks_per_thread rounds seed threads.
 *  - RNG: Wolfram Gloger's lran2 (714025, 1366, 150889, 97-entry shuffle table).
 *  - Block size: min + r % (max - min) (min when min == max).
 *  - Warm-up (main thread): threads*chunks blocks, a random permutation, 4*threads*chunks random
 *    replacements (free victim, allocate a new block).
 *  - Each slot i gets the array slice [i*chunks, (i+1)*chunks) and an RNG seeded with the next main
 *    draw; a thread does rounds*chunks replacements (victim = r % chunks, free, allocate, touch two
 *    bytes), then spawns a new thread that inherits the slot (slice and RNG state) and exits.
 *  - Stop: after `seconds` (main sleeps, then raises the stop flag), or — when env LARSON_OPS is a
 *    positive number — deterministically after exactly LARSON_OPS replacements in total, split over
 *    the slots (slot i does LARSON_OPS/threads, the first LARSON_OPS%threads slots one more).
 * Differences from larson.cpp, none of which changes the allocation pattern: a successor joins its
 * predecessor (so exited threads are reclaimed and every thread exit precedes the program's exit),
 * main joins the last thread of each slot instead of spinning on a racy `finished` flag, and the
 * blocks still live at the end are not freed (as in the original).
 * Prints `larson: allocs=A frees=F threads=T ops=O seconds=S ops_per_sec=R`.
 */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define LRAN2_MAX 714025L
#define LRAN2_IA 1366L
#define LRAN2_IC 150889L
#define MAX_THREADS 100
#define MAX_BLOCKS 1000000

typedef struct { long x, y, v[97]; } lran2_t;

static void lran2_seed(lran2_t *g, long seed) {
  long x = (LRAN2_IC - seed) % LRAN2_MAX;
  if (x < 0) x = -x;
  for (int j = 0; j < 97; j++) {
    x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
    g->v[j] = x;
  }
  g->x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
  g->y = g->x;
}

static long lran2_next(lran2_t *g) {
  int j = (int)(g->y % 97);
  g->y = g->v[j];
  g->x = (LRAN2_IA * g->x + LRAN2_IC) % LRAN2_MAX;
  g->v[j] = g->x;
  return g->y;
}

typedef struct {
  char **blocks;
  size_t *sizes;
  int chunks;
  long per_thread;       /* rounds * chunks: replacements before a thread hands over */
  long budget;           /* remaining replacements of this slot; -1 = run until stopped */
  int min_size, max_size;
  lran2_t rng;
  long allocs, frees, threads;
  pthread_t prev;        /* predecessor to join (valid when has_prev) */
  int has_prev;
  pthread_t self;        /* the slot's current thread */
  _Atomic int done;      /* set by the slot's last thread */
} slot_t;

static char *g_blocks[MAX_BLOCKS];
static size_t g_sizes[MAX_BLOCKS];
static _Atomic int g_stop;

static size_t pick_size(lran2_t *g, int min_size, int max_size) {
  if (max_size == min_size) return (size_t)min_size;
  return (size_t)(min_size + lran2_next(g) % (max_size - min_size));
}

static void spawn(slot_t *s);

static void *exercise(void *arg) {
  slot_t *s = arg;
  if (s->has_prev) pthread_join(s->prev, NULL);
  s->self = pthread_self();
  if (atomic_load(&g_stop) || s->budget == 0) { atomic_store(&s->done, 1); return NULL; }
  s->threads++;
  long n = s->per_thread;
  if (s->budget >= 0 && s->budget < n) n = s->budget;
  long i;
  for (i = 0; i < n; i++) {
    long victim = lran2_next(&s->rng) % s->chunks;
    free(s->blocks[victim]);
    s->frees++;
    size_t sz = pick_size(&s->rng, s->min_size, s->max_size);
    char *p = malloc(sz);
    if (!p) { fprintf(stderr, "larson: malloc(%zu) failed\n", sz); exit(1); }
    s->blocks[victim] = p;
    s->sizes[victim] = sz;
    s->allocs++;
    volatile char *c = p; /* write something, as the original does */
    c[0] = 'a';
    if (sz > 1) c[1] = 'b';
    if (atomic_load_explicit(&g_stop, memory_order_relaxed)) { i++; break; }
  }
  if (s->budget > 0) s->budget -= i;
  if (atomic_load(&g_stop) || s->budget == 0) { atomic_store(&s->done, 1); return NULL; }
  s->prev = pthread_self();
  s->has_prev = 1;
  spawn(s);
  return NULL;
}

static void spawn(slot_t *s) {
  pthread_t t;
  int rc = pthread_create(&t, NULL, exercise, s);
  if (rc != 0) { fprintf(stderr, "larson: pthread_create failed (%d)\n", rc); exit(1); }
}

static void warmup(char **blocks, size_t *sizes, int n, lran2_t *g, int min_size, int max_size) {
  for (int i = 0; i < n; i++) {
    sizes[i] = pick_size(g, min_size, max_size);
    blocks[i] = wl_xmalloc(sizes[i]);
  }
  for (int i = n; i > 0; i--) { /* random permutation */
    int v = (int)(lran2_next(g) % i);
    char *tp = blocks[v];
    size_t ts = sizes[v];
    blocks[v] = blocks[i - 1];
    sizes[v] = sizes[i - 1];
    blocks[i - 1] = tp;
    sizes[i - 1] = ts;
  }
  for (int i = 0; i < 4 * n; i++) {
    int v = (int)(lran2_next(g) % n);
    free(blocks[v]);
    sizes[v] = pick_size(g, min_size, max_size);
    blocks[v] = wl_xmalloc(sizes[v]);
  }
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: larson seconds min max chunks_per_thread rounds seed threads\n"
                    "       (env LARSON_OPS=N: stop after N replacements instead of seconds)\n");
    return 2;
  }
  long seconds = atol(argv[1]);
  int min_size = atoi(argv[2]), max_size = atoi(argv[3]);
  int chunks = atoi(argv[4]), rounds = atoi(argv[5]);
  long seed = atol(argv[6]);
  int threads = atoi(argv[7]);
  const char *ops_env = getenv("LARSON_OPS");
  long budget = ops_env && *ops_env ? atol(ops_env) : -1;
  if (budget <= 0) budget = -1;
  if (threads < 1 || threads > MAX_THREADS || chunks < 1 || (long)threads * chunks > MAX_BLOCKS ||
      rounds < 1 || min_size < 1 || max_size < min_size) {
    fprintf(stderr, "larson: bad arguments (threads 1..%d, threads*chunks <= %d, min <= max)\n",
            MAX_THREADS, MAX_BLOCKS);
    return 2;
  }
  static slot_t slots[MAX_THREADS];
  lran2_t rng;
  lran2_seed(&rng, seed);
  int n = threads * chunks;
  warmup(g_blocks, g_sizes, n, &rng, min_size, max_size);
  double t0 = wl_now();
  for (int i = 0; i < threads; i++) {
    slot_t *s = &slots[i];
    memset(s, 0, sizeof *s);
    s->blocks = &g_blocks[i * chunks];
    s->sizes = &g_sizes[i * chunks];
    s->chunks = chunks;
    s->per_thread = (long)rounds * chunks;
    s->min_size = min_size;
    s->max_size = max_size;
    s->budget = budget < 0 ? -1 : budget / threads + (i < budget % threads ? 1 : 0);
    lran2_seed(&s->rng, lran2_next(&rng));
    spawn(s);
  }
  if (budget < 0) {
    struct timespec d = {seconds, 0};
    while (nanosleep(&d, &d) != 0) {}
    atomic_store(&g_stop, 1);
  }
  long allocs = 5L * n, frees = 4L * n, nthreads = 0;
  for (int i = 0; i < threads; i++) {
    while (!atomic_load(&slots[i].done)) {
      struct timespec d = {0, 1000000};
      nanosleep(&d, NULL);
    }
    pthread_join(slots[i].self, NULL);
    allocs += slots[i].allocs;
    frees += slots[i].frees;
    nthreads += slots[i].threads;
  }
  double secs = wl_now() - t0;
  long ops = allocs - 5L * n;
  printf("larson: allocs=%ld frees=%ld threads=%ld ops=%ld seconds=%.3f ops_per_sec=%.0f\n",
         allocs, frees, nthreads, ops, secs, secs > 0 ? (double)ops / secs : 0.0);
  return 0;
}
