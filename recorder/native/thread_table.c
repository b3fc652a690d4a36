/*
 * thread_table: pthread_t -> recorder thread id, and the start-block pool (see thread_table.h for
 * what it owns and its invariants).
 *
 * The table is open addressing with linear probing and backward-shift deletion (no tombstones), in
 * an mmap'd array that doubles when half full; key 0 marks an empty slot (no pthread_t is 0).
 * Start blocks are carved from mmap'd pages and recycled through a free list.
 */
#define _GNU_SOURCE
#include "thread_table.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#define TT_DETACHED 1u
#define TT_EXITED 2u
#define TT_MIN_CAP 1024u

typedef struct { uintptr_t key; uint32_t tid; uint32_t flags; } tt_ent_t;

static _Atomic int tt_lock_word;
static __thread sigset_t tt_saved_mask __attribute__((tls_model("initial-exec")));
static tt_ent_t *tab;
static size_t cap, used;
static tt_start_t *free_starts;

/* Held with every signal blocked (the holder's mask is restored at unlock): a signal handler that
 * ends up here (pthread_exit from a handler runs the key destructors) never finds it held by the
 * thread it interrupted. */
void tt_lock(void) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  while (atomic_exchange_explicit(&tt_lock_word, 1, memory_order_acquire)) sched_yield();
  tt_saved_mask = old;
}
void tt_unlock(void) {
  sigset_t old = tt_saved_mask;
  atomic_store_explicit(&tt_lock_word, 0, memory_order_release);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void *tt_map(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* ---- start blocks ---- */
static int put_locked(uintptr_t key, uint32_t tid);

tt_start_t *tt_start_get(void) {
  tt_lock();
  if (!free_starts) {
    size_t bytes = 64 * 1024;
    tt_start_t *page = tt_map(bytes);
    for (size_t i = 0; page && i < bytes / sizeof *page; i++) {
      page[i].next = free_starts;
      free_starts = &page[i];
    }
  }
  tt_start_t *s = free_starts;
  if (s) {
    free_starts = s->next;
    s->refs = 2;
    s->mapped = 0;
  }
  tt_unlock();
  return s;
}

/* Maps (key, s->tid) once, for a joinable thread, then drops `drop` references (lock held). */
static void start_settle(tt_start_t *s, uintptr_t key, int map, int drop) {
  if (map && !s->mapped && !s->detached) put_locked(key, s->tid);
  if (map) s->mapped = 1;
  s->refs -= drop;
  if (s->refs == 0) {
    s->next = free_starts;
    free_starts = s;
  }
}

void tt_created(tt_start_t *s, int rc, uintptr_t key) {
  tt_lock();
  start_settle(s, key, rc == 0, rc == 0 ? 1 : 2);
  tt_unlock();
}

void tt_started(tt_start_t *s, uintptr_t key) {
  tt_lock();
  start_settle(s, key, 1, 1);
  tt_unlock();
}

/* ---- the table (every function below runs with the lock held) ---- */
static size_t slot_of(uintptr_t key, size_t c) {
  return (size_t)(((uint64_t)key >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (c - 1);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t find(uintptr_t key) {
  size_t s = slot_of(key, cap);
  while (tab[s].key != 0 && tab[s].key != key) s = (s + 1) & (cap - 1);
  return s;
}

static int grow(void) {
  size_t ncap = cap ? cap * 2 : TT_MIN_CAP;
  tt_ent_t *n = tt_map(ncap * sizeof *n);
  if (!n) return -1;
  tt_ent_t *old = tab;
  size_t ocap = cap;
  tab = n;
  cap = ncap;
  for (size_t i = 0; i < ocap; i++)
    if (old[i].key != 0) tab[find(old[i].key)] = old[i];
  if (old) munmap(old, ocap * sizeof *old);
  return 0;
}

static void remove_at(size_t s) {
  size_t hole = s;
  used--;
  for (size_t j = (s + 1) & (cap - 1); tab[j].key != 0; j = (j + 1) & (cap - 1)) {
    size_t home = slot_of(tab[j].key, cap);
    if (((j - home) & (cap - 1)) >= ((j - hole) & (cap - 1))) {
      tab[hole] = tab[j];
      hole = j;
    }
  }
  tab[hole].key = 0;
}

/* The slot holding (key, tid), or -1. */
static ptrdiff_t find_exact(uintptr_t key, uint32_t tid) {
  if (!tab) return -1;
  size_t s = find(key);
  return tab[s].key == key && tab[s].tid == tid ? (ptrdiff_t)s : -1;
}

/* Maps key to tid, replacing a stale entry of the same handle. 0, or -1 when the table is full. */
static int put_locked(uintptr_t key, uint32_t tid) {
  if ((used + 1) * 2 > cap && grow() != 0 && (!tab || used + 1 >= cap)) return -1;
  size_t s = find(key);
  if (tab[s].key == 0) used++;
  tab[s].key = key;
  tab[s].tid = tid;
  tab[s].flags = 0;
  return 0;
}

int64_t tt_get(uintptr_t key) {
  int64_t tid = -1;
  tt_lock();
  if (tab) {
    size_t s = find(key);
    if (tab[s].key == key) tid = tab[s].tid;
  }
  tt_unlock();
  return tid;
}

void tt_joined(uintptr_t key, uint32_t tid) {
  tt_lock();
  ptrdiff_t s = find_exact(key, tid);
  if (s >= 0) remove_at((size_t)s);
  tt_unlock();
}

void tt_detached(uintptr_t key, uint32_t tid) {
  tt_lock();
  ptrdiff_t s = find_exact(key, tid);
  if (s >= 0) {
    if (tab[s].flags & TT_EXITED) remove_at((size_t)s);
    else tab[s].flags |= TT_DETACHED;
  }
  tt_unlock();
}

void tt_exited(uintptr_t key, uint32_t tid) {
  tt_lock();
  ptrdiff_t s = find_exact(key, tid);
  if (s >= 0) {
    if (tab[s].flags & TT_DETACHED) remove_at((size_t)s);
    else tab[s].flags |= TT_EXITED;
  }
  tt_unlock();
}

void tt_clear(void) {
  if (tab) memset(tab, 0, cap * sizeof *tab);
  used = 0;
}
