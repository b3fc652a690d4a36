/*
 * ring: record ring memory (see ring.h for what it owns and its invariants).
 */
#define _GNU_SOURCE
#include "ring.h"

#include <stdlib.h>
#include <sys/mman.h>

#define HEADER_PAGE (64u * 1024u)

static _Atomic uint64_t bytes;  /* record buffers of this process, reserved */
static uint64_t budget = RING_BUDGET;
static shm_t *sh;
static char *carve;             /* headers not yet handed out, in the current page */
static size_t carve_left;

void ring_setup(shm_t *shm) {
  sh = shm;
  const char *b = getenv("SLABTRACE_RING_BUDGET");
  if (b && *b) budget = strtoull(b, NULL, 10);
}

static void *map(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void peak_note(uint64_t now) {
  if (!sh) return;
  uint64_t seen = atomic_load(&sh->ring_peak);
  while (now > seen && !atomic_compare_exchange_weak(&sh->ring_peak, &seen, now)) {}
}

/* Reserves n bytes against the budget (the first buffer of every ring is always granted). */
static int reserve(uint64_t n, int always) {
  uint64_t cur = atomic_load(&bytes);
  do {
    if (!always && cur + n > budget) return 0;
  } while (!atomic_compare_exchange_weak(&bytes, &cur, cur + n));
  peak_note(cur + n);
  return 1;
}

static rec_t *buffer_new(uint64_t cap, int always) {
  uint64_t n = cap * sizeof(rec_t);
  if (cap > RING_MAX || !reserve(n, always)) return NULL;
  rec_t *r = map(n);
  if (!r) atomic_fetch_sub(&bytes, n);
  return r;
}

rec_t *ring_buffer_new(uint64_t cap) { return buffer_new(cap, 0); }

void ring_buffer_free(rec_t *recs, uint64_t cap) {
  munmap(recs, cap * sizeof(rec_t));
  atomic_fetch_sub(&bytes, cap * sizeof(rec_t));
}

ring_t *ring_alloc(void) {
  if (carve_left < sizeof(ring_t)) {
    carve = map(HEADER_PAGE);
    carve_left = carve ? HEADER_PAGE : 0;
    if (!carve) return NULL;
  }
  rec_t *recs = buffer_new(RING_MIN, 1);
  if (!recs) return NULL;
  ring_t *r = (ring_t *)carve; /* zeroed by mmap; 64-byte aligned: sizeof(ring_t) is a multiple */
  carve += sizeof(ring_t);
  carve_left -= sizeof(ring_t);
  r->recs = recs;
  r->cap = RING_MIN;
  return r;
}

void ring_buffer_swap(ring_t *r, rec_t *recs, uint64_t cap) {
  rec_t *old = r->recs;
  uint64_t old_cap = r->cap;
  r->recs = recs;
  r->cap = cap;
  ring_buffer_free(old, old_cap);
}
