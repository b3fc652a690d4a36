/*
 * threads: the threaded replay. Each trace thread runs on its own pthread (a worker), created when the
 * dispatcher (the main thread, which also performs thread 0's events itself) reaches its thread_start,
 * ending at its thread_exit; thread_join / thread_detach call pthread_join / pthread_detach on the
 * thread the trace names (version-1 traces have no joins: their threads are created detached, i.e.
 * released at exit, as the model joins them at exit). The dispatcher reads events in trace order and
 * appends each to its thread's queue (a ring in the worker's slot), with the one dependency that
 * thread may have on another: the previous event on the same object id, when another worker did it
 * (a free or realloc of an object allocated elsewhere — a remote free for the allocator — or an
 * allocation reusing an id whose previous object another thread freed). The worker waits until that
 * worker's `done` (index + 1 of its last completed event) passes it. Marks are barriers: the
 * dispatcher waits until every dispatched event is done (all workers then wait for more), reads the
 * figures, and goes on.
 *
 * Deadlock-free by construction: every wait is for an event earlier in trace order, which is already
 * dispatched and published (the dispatcher publishes queued events before it blocks anywhere and when
 * it moves on to another thread); the earliest unfinished event therefore always has what it waits
 * for, and its thread is at it. Thread 0's events, performed inline, are done when later events are
 * dispatched, so nothing ever waits for thread 0.
 * Invariants: only the dispatcher writes queues, `head`, the id-owner table and the thread table; only
 * a worker writes its `done` and counters. A worker slot is reused only after its thread finished its
 * last event; its `done` restarts at the new thread's first index, above every index waited on before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"
#include "replay.h"

#define QCAP 4096u
#define QMASK (QCAP - 1)
#define CHUNK 16u
#define MAX_CHUNKS 65536u
#define SPIN 200

typedef struct {
  uint64_t idx;       /* global event index */
  uint64_t size;
  uint64_t wait_idx;  /* wait until worker wait_w's done >= wait_idx */
  uint64_t extra;     /* pthread_t of the target (join, detach) */
  uint32_t id, aux, wait_w;
  uint8_t op, pad[3];
} qev;

/** A thread sleeping until a worker's done reaches `need` (on the sleeper's stack, in the worker's list). */
typedef struct waiter {
  _Atomic uint32_t *park;
  uint64_t need;
  struct waiter *next;
} waiter;

typedef struct worker {
  _Alignas(64) _Atomic uint64_t head;     /* events published by the dispatcher (futex: low word) */
  _Atomic uint32_t sleeping;              /* the worker waits on head */
  _Alignas(64) _Atomic uint64_t done;     /* index + 1 of the last completed event */
  exec_counts counts;                     /* worker-written, read at barriers */
  _Alignas(64) _Atomic uint64_t min_need; /* smallest need among sleepers (UINT64_MAX: none) */
  atomic_flag lock;                       /* guards the sleepers' list */
  waiter *sleepers;
  _Alignas(64) uint64_t phead;            /* dispatcher-private from here */
  uint64_t need;                          /* done must reach this at a barrier */
  uint64_t seen_done;
  uint32_t index, serial, tid;
  _Atomic(struct worker *) next_free;
  crash_where where;
  char altstack[16384];
  qev ring[QCAP];
} worker;

typedef struct { uint32_t serial, widx; uint64_t idx; } owner;

typedef struct { uint32_t key; uint32_t widx; uint32_t has_pt; uint32_t pad; pthread_t pt; } tid_entry;

static worker *chunks[MAX_CHUNKS];
static uint32_t n_workers;
static _Atomic(worker *) free_shared;
static worker *free_local;
static owner *own;
static uint64_t own_cap;
static tid_entry *tids;
static uint64_t tids_cap, tids_used;
static worker *pending;
static uint32_t c_tid = UINT32_MAX;
static worker *c_w;
static uint32_t serials;
static uint64_t remote_frees, threads_created, threads_live;
static exec_counts retired, main_counts;
static pthread_attr_t attr;

static worker *worker_at(uint32_t index) {
  return &chunks[(index - 1) / CHUNK][(index - 1) % CHUNK];
}

/* ---- waiting: spin a little, yield a little, then sleep on a futex ---------------------------- */

/* Each thread parks on its own word; a worker wakes exactly the sleepers whose need its progress meets
 * (no wake-up per event while a sleeper waits for a later one, none at all when nobody sleeps). */
static __thread _Atomic uint32_t t_park;

static void futex_wait32(_Atomic uint32_t *w, uint32_t seen) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake32(_Atomic uint32_t *w) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void lock_take(worker *w) {
  while (atomic_flag_test_and_set_explicit(&w->lock, memory_order_acquire)) cpu_relax();
}

static void lock_drop(worker *w) {
  atomic_flag_clear_explicit(&w->lock, memory_order_release);
}

static uint64_t sleepers_min(const worker *w) {
  uint64_t m = UINT64_MAX;
  for (const waiter *x = w->sleepers; x; x = x->next) if (x->need < m) m = x->need;
  return m;
}

/** Removes `me` from w's sleepers if it is still there; returns whether it was. */
static int sleepers_leave(worker *w, waiter *me) {
  int found = 0;
  lock_take(w);
  for (waiter **p = &w->sleepers; *p; p = &(*p)->next) {
    if (*p == me) { *p = me->next; found = 1; break; }
  }
  atomic_store(&w->min_need, sleepers_min(w));
  lock_drop(w);
  return found;
}

/** Sleeps until w's done >= need. Dekker with publish_done: we store min_need then load done; the
 *  worker stores done then loads min_need (all seq_cst), so one of the two sees the other. */
static void park_until(worker *w, uint64_t need) {
  waiter me = { &t_park, need, NULL };
  atomic_store(&t_park, 0);
  lock_take(w);
  me.next = w->sleepers;
  w->sleepers = &me;
  if (need < atomic_load(&w->min_need)) atomic_store(&w->min_need, need);
  lock_drop(w);
  if (atomic_load(&w->done) >= need && sleepers_leave(w, &me)) return;
  while (!atomic_load(&t_park)) futex_wait32(&t_park, 0);
}

/** Wakes (and unlists) every sleeper whose need `v` meets. */
static void sleepers_wake(worker *w, uint64_t v) {
  lock_take(w);
  for (waiter **p = &w->sleepers; *p;) {
    waiter *x = *p;
    if (x->need <= v) {
      *p = x->next;
      _Atomic uint32_t *park = x->park;
      atomic_store(park, 1); /* x may return (and its node vanish) from here on */
      futex_wake32(park);
    } else {
      p = &x->next;
    }
  }
  atomic_store(&w->min_need, sleepers_min(w));
  lock_drop(w);
}

#define YIELDS 8

/** Waits until worker w has completed every event before index need - 1 (its done >= need). */
static void wait_done(worker *w, uint64_t need) {
  for (int i = 0; i < SPIN; i++) {
    if (atomic_load_explicit(&w->done, memory_order_acquire) >= need) return;
    cpu_relax();
  }
  for (int i = 0; i < YIELDS; i++) {
    if (atomic_load_explicit(&w->done, memory_order_acquire) >= need) return;
    sched_yield();
  }
  park_until(w, need);
}

static void publish_done(worker *w, uint64_t v) {
  atomic_store(&w->done, v);
  if (atomic_load(&w->min_need) <= v) sleepers_wake(w, v);
}

/* The worker waits for the dispatcher on its queue's head (futex on head's low word); the
 * dispatcher wakes it once per sleep (it clears `sleeping`). */
static uint64_t wait_head(worker *w, uint64_t tail) {
  for (int i = 0; i < SPIN; i++) {
    uint64_t h = atomic_load_explicit(&w->head, memory_order_acquire);
    if (h > tail) return h;
    cpu_relax();
  }
  for (;;) {
    atomic_store(&w->sleeping, 1);
    uint64_t h = atomic_load(&w->head);
    if (h > tail) {
      atomic_store(&w->sleeping, 0);
      return h;
    }
    syscall(SYS_futex, (uint32_t *)&w->head, FUTEX_WAIT_PRIVATE, (uint32_t)h, NULL, NULL, 0);
  }
}

static void publish_head(worker *w) {
  atomic_store(&w->head, w->phead);
  if (atomic_exchange(&w->sleeping, 0)) syscall(SYS_futex, (uint32_t *)&w->head, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void mt_publish(void) {
  if (pending) publish_head(pending);
  pending = NULL;
}

/* ---- the worker thread ------------------------------------------------------------------------- */

static void push_free(worker *w) {
  worker *h = atomic_load(&free_shared);
  do {
    atomic_store_explicit(&w->next_free, h, memory_order_relaxed);
  } while (!atomic_compare_exchange_weak(&free_shared, &h, w));
}

/** Performs one queued event; returns 1 at the thread's exit. */
static int worker_exec(worker *w, const qev *e) {
  switch (e->op) {
  case OP_FREE:
    exec_free_op(e->id, &w->counts);
    return 0;
  case OP_ALLOC:
  case OP_CALLOC:
  case OP_MEMALIGN:
  case OP_REALLOC:
    if (exec_alloc_op(e->op, e->id, e->size, e->aux, &w->counts) != 0) oom_note(e->idx, w->tid, e->op, e->size, errno);
    return 0;
  case OP_THREAD_JOIN:
    pthread_join((pthread_t)e->extra, NULL);
    return 0;
  case OP_THREAD_DETACH:
    pthread_detach((pthread_t)e->extra);
    return 0;
  case OP_THREAD_EXIT:
    return 1;
  default:
    return 0;
  }
}

static void *worker_main(void *arg) {
  worker *w = (worker *)arg;
  t_where = &w->where;
  crash_altstack(w->altstack, sizeof w->altstack);
  uint64_t tail = 0, head = 0;
  for (;;) {
    if (tail == head) head = wait_head(w, tail);
    const qev *e = &w->ring[tail & QMASK];
    if (e->wait_w) wait_done(worker_at(e->wait_w), e->wait_idx);
    w->where.idx = e->idx;
    w->where.op = e->op;
    uint64_t next = e->idx + 1;
    int exiting = worker_exec(w, e);
    tail++;
    publish_done(w, next);
    if (exiting) break;
  }
  w->where.op = -1;
  t_where = NULL;
  crash_altstack_off();
  push_free(w);
  return NULL;
}

/* ---- worker slots ------------------------------------------------------------------------------ */

static worker *worker_new_slot(void) {
  if (n_workers % CHUNK == 0) {
    if (n_workers / CHUNK == MAX_CHUNKS) report_error("LIMIT", "too many threads at once");
    chunks[n_workers / CHUNK] = (worker *)bk_map(sizeof(worker) * CHUNK, 0);
  }
  worker *w = worker_at(++n_workers);
  w->index = n_workers;
  return w;
}

/** A slot for a new thread starting at event `idx`: a finished thread's, else a new one. */
static worker *worker_get(uint64_t idx) {
  if (!free_local) free_local = atomic_exchange(&free_shared, NULL);
  worker *w = free_local;
  if (w) {
    free_local = atomic_load_explicit(&w->next_free, memory_order_relaxed);
    retired.allocs += w->counts.allocs;
    retired.frees += w->counts.frees;
  } else {
    w = worker_new_slot();
  }
  memset(&w->counts, 0, sizeof w->counts);
  lock_take(w);
  atomic_store(&w->min_need, sleepers_min(w));
  lock_drop(w);
  w->phead = 0;
  atomic_store(&w->head, 0);
  atomic_store(&w->sleeping, 0);
  atomic_store(&w->done, idx);
  w->need = idx;
  w->seen_done = idx;
  w->serial = ++serials;
  w->where.op = -1;
  return w;
}

/** Appends an event to w's queue (waiting while the ring is full); published later (mt_publish). */
static void enqueue(worker *w, const qev *e) {
  if (pending != w) {
    mt_publish();
    pending = w;
  }
  uint64_t h = w->phead;
  qev *slot = &w->ring[h & QMASK];
  if (h >= QCAP && w->seen_done < slot->idx + 1) {
    uint64_t need = slot->idx + 1;
    w->seen_done = atomic_load_explicit(&w->done, memory_order_acquire);
    if (w->seen_done < need) {
      publish_head(w);
      wait_done(w, need);
      w->seen_done = atomic_load(&w->done);
    }
  }
  *slot = *e;
  w->phead = h + 1;
  w->need = e->idx + 1;
}

/* ---- the thread table: trace thread id -> worker, pthread ------------------------------------- */

static tid_entry *tid_find(uint32_t tid, int insert) {
  uint64_t mask = tids_cap - 1;
  uint64_t i = ((uint64_t)tid * 0x9E3779B97F4A7C15ull >> 20) & mask;
  for (;; i = (i + 1) & mask) {
    if (tids[i].key == tid + 1) return &tids[i];
    if (tids[i].key == 0) {
      if (!insert) return NULL;
      tids[i].key = tid + 1;
      tids_used++;
      return &tids[i];
    }
  }
}

static void tid_grow(void) {
  tid_entry *old = tids;
  uint64_t old_cap = tids_cap;
  tids_cap = old_cap ? old_cap * 2 : 1024;
  tids = (tid_entry *)bk_map(tids_cap * sizeof *tids, 0);
  tids_used = 0;
  for (uint64_t i = 0; i < old_cap; i++) {
    if (old[i].key) *tid_find(old[i].key - 1, 1) = old[i];
  }
  if (old) bk_unmap(old, old_cap * sizeof *old);
}

static tid_entry *tid_put(uint32_t tid) {
  if ((tids_used + 1) * 2 > tids_cap) tid_grow();
  return tid_find(tid, 1);
}

/** The worker running trace thread tid, or NULL for thread 0 (and threads that could not start). */
static worker *worker_of(uint32_t tid) {
  if (tid == c_tid) return c_w;
  tid_entry *t = tid ? tid_find(tid, 0) : NULL;
  c_tid = tid;
  c_w = t && t->widx ? worker_at(t->widx) : NULL;
  return c_w;
}

/* ---- dispatching ------------------------------------------------------------------------------- */

void mt_begin(uint64_t id_cap) {
  g_mt = 1;
  own_cap = id_cap;
  own = (owner *)bk_map(own_cap * sizeof *own, 0);
  tid_grow();
  pthread_attr_init(&attr);
  if (g_format_version < 2) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
}

/** The id's previous event: what to wait for, and whether this free is remote; records this one. */
static void own_update(uint32_t id, int op, worker *w, uint64_t idx, qev *e) {
  if (id >= own_cap) {
    uint64_t cap = g_tab_cap > id ? g_tab_cap : (uint64_t)id + 1;
    own = (owner *)bk_remap(own, own_cap * sizeof *own, cap * sizeof *own);
    own_cap = cap;
  }
  owner *o = &own[id];
  uint32_t widx = w ? w->index : 0, serial = w ? w->serial : 0;
  e->wait_w = 0;
  if (o->widx && o->widx != widx) {
    e->wait_w = o->widx;
    e->wait_idx = o->idx + 1;
  }
  if ((op == OP_FREE || op == OP_REALLOC) && o->serial != serial) remote_frees++;
  o->serial = serial;
  o->widx = widx;
  o->idx = idx;
}

/** Thread 0's memory events, on the main thread, after what they depend on. */
static int main_exec(const qev *e, uint32_t tid) {
  if (e->wait_w) {
    mt_publish();
    wait_done(worker_at(e->wait_w), e->wait_idx);
  }
  g_main_where.idx = e->idx;
  g_main_where.tid = tid;
  g_main_where.op = e->op;
  if (e->op == OP_FREE) {
    exec_free_op(e->id, &main_counts);
  } else if (exec_alloc_op(e->op, e->id, e->size, e->aux, &main_counts) != 0) {
    oom_note(e->idx, tid, e->op, e->size, errno);
  }
  return 0;
}

static int start_thread(uint32_t tid, uint64_t idx) {
  if (tid == 0) return 0;
  worker *w = worker_get(idx);
  w->tid = tid;
  qev e = { .idx = idx, .op = OP_THREAD_START };
  enqueue(w, &e);
  mt_publish();
  tid_entry *t = tid_put(tid);
  pthread_t pt;
  int err = pthread_create(&pt, &attr, worker_main, w);
  c_tid = UINT32_MAX;
  if (err != 0) {
    /* the thread could not be created (the model's "stack could not be mapped"): an OOM */
    atomic_store(&w->done, idx + 1);
    push_free(w);
    t->widx = 0;
    t->has_pt = 0;
    oom_note(idx, tid, OP_THREAD_START, 0, err);
    return 0;
  }
  t->widx = w->index;
  t->pt = pt;
  t->has_pt = g_format_version >= 2;
  threads_created++;
  threads_live++;
  return 0;
}

static void exit_thread(uint32_t tid, uint64_t idx) {
  worker *w = worker_of(tid);
  if (!w) return;
  qev e = { .idx = idx, .op = OP_THREAD_EXIT };
  enqueue(w, &e);
  mt_publish();
  tid_find(tid, 0)->widx = 0;
  c_tid = UINT32_MAX;
  threads_live--;
}

/** thread_join / thread_detach of thread `target` by thread `tid`. */
static void join_or_detach(int op, uint32_t tid, uint32_t target, uint64_t idx) {
  tid_entry *t = target ? tid_find(target, 0) : NULL;
  if (!t || !t->has_pt) return;
  t->has_pt = 0;
  worker *w = worker_of(tid);
  if (w) {
    qev e = { .idx = idx, .op = (uint8_t)op, .extra = (uint64_t)t->pt };
    enqueue(w, &e);
    return;
  }
  mt_publish();
  g_main_where.idx = idx;
  g_main_where.op = op;
  if (op == OP_THREAD_JOIN) pthread_join(t->pt, NULL);
  else pthread_detach(t->pt);
}

int mt_event(int op, uint32_t tid, uint32_t id, uint64_t size, uint32_t aux, uint64_t idx) {
  switch (op) {
  case OP_THREAD_START:
    start_thread(tid, idx);
    break;
  case OP_THREAD_EXIT:
    exit_thread(tid, idx);
    break;
  case OP_THREAD_JOIN:
  case OP_THREAD_DETACH:
    join_or_detach(op, tid, aux, idx);
    break;
  case OP_MARK:
    break;
  default: {
    if (id >= g_tab_cap) tab_grow(id);
    worker *w = worker_of(tid);
    qev e = { .idx = idx, .size = size, .id = id, .aux = aux, .op = (uint8_t)op };
    own_update(id, op, w, idx, &e);
    if (w) enqueue(w, &e);
    else main_exec(&e, tid);
  }
  }
  return !(g_flags & CFG_CONTINUE_AFTER_OOM) && atomic_load_explicit(&g_oom_seen, memory_order_relaxed);
}

void mt_barrier(void) {
  mt_publish();
  for (uint32_t i = 1; i <= n_workers; i++) {
    worker *w = worker_at(i);
    if (atomic_load(&w->done) < w->need) wait_done(w, w->need);
  }
}

void mt_counts(exec_counts *c, uint64_t *remote, uint64_t *threads, uint64_t *live) {
  *c = retired;
  c->allocs += main_counts.allocs;
  c->frees += main_counts.frees;
  for (uint32_t i = 1; i <= n_workers; i++) {
    worker *w = worker_at(i);
    (void)atomic_load(&w->done);
    c->allocs += w->counts.allocs;
    c->frees += w->counts.frees;
  }
  /* a reused slot's counts moved to `retired` when it was reused (worker_get), so none counts twice */
  *remote = remote_frees;
  *threads = threads_created;
  *live = threads_live;
}
