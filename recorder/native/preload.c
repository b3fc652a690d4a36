/*
 * libslabtrace: an LD_PRELOAD library that records every malloc-family call of a program, and the
 * lifecycle of its threads (start, exit, join, detach).
 *
 * Owns: the interposed allocation functions, the pthread_create / pthread_join (and the _np join
 * variants) / pthread_detach hooks, the exec family hooks, per-thread lock-free record rings, the
 * collector thread that drains them to the log, process images (PROC_START / PROC_NAME / EXEC), and
 * the final flush on every exit path (exit and return from main, _exit / _Exit, quick_exit,
 * pthread_exit of the last thread, fatal signals: see "Shutdown" below). The pthread_t -> thread id
 * table and the start blocks live in thread_table.c; the program's signal dispositions, with our
 * handler in front, in sigchain.c; the log descriptor in logchan.c; the shared page's layout in shm.h.
 * Invariants:
 *  - What the program computes is unchanged: every hook calls the next definition (RTLD_NEXT)
 *    with the same arguments and returns its result; errno from the real call is preserved.
 *  - Every recorded event takes one sequence number from a counter shared by all processes of the
 *    capture (a MAP_SHARED page), so the log is totally ordered and the numbers are dense.
 *    A free takes its number before the real free (the address cannot be reused earlier); an
 *    allocation takes its number after the real call returns. realloc records a BEGIN before and
 *    an END after, so an address released inside realloc and reused by another thread is ordered.
 *  - The hot path takes no lock: fetch-add on the counter, a store into the thread's ring, a
 *    release store of the ring head. Rings (ring.c) start small and double when their thread fills
 *    them, within a per-process budget; past it a thread with a full ring writes out every ring
 *    itself (a spill) instead of waiting for the collector. Only thread registration, draining, ring
 *    growth, spills, the final flush and the rare events of a created thread after its exit (see
 *    below) take the spin lock; thread
 *    creation, join, detach and exit also take thread_table's lock (never while holding the other:
 *    no lock order cycle). Every lock of the library is held with all signals blocked, and no
 *    holder waits for another thread: a signal handler can never interrupt a holder, so any thread
 *    (a handler included) gets a lock in bounded time.
 *  - The recorder never allocates through the hooks: rings are mmap'd; dlsym's bootstrap
 *    allocations are served from a static arena; nested calls (in_hook) are not recorded.
 *  - Threads created through the pthread_create hook get their id from the creator (fetch-add) and
 *    start in a trampoline that, before the program's start routine runs, maps pthread_self() -> id
 *    (thread_table.c), registers (THREAD_START) and, if created detached, records THREAD_DETACH of
 *    itself. THREAD_EXIT comes from the exit_key destructor, so return from the start routine and
 *    pthread_exit both end in it (a thread that never allocated still has its start/exit pair);
 *    for these threads the destructor re-arms itself until the last destructor round, so frees
 *    made by the program's own key destructors are recorded before the exit. What such a thread
 *    still does after that (an exiting detached thread trims the C library's stack cache, freeing
 *    other threads' TLS) is flagged OP_AFTER_EXIT instead of restarting the thread; the converter
 *    gives it to a live thread of the same process.
 *  - Join order: THREAD_JOIN (arg = the target's id) is recorded after the real join returned 0,
 *    and only then. The target recorded its THREAD_EXIT in its destructors, which run before it
 *    terminates, and the join returns only after it terminated: the exit's fetch-add on the shared
 *    counter happens before the join's, so the exit has the smaller sequence number and the
 *    converter, which emits in sequence order, writes it first. The target's id is looked up before
 *    the real call (once joined, its handle may be reused by a new thread).
 *  - THREAD_DETACH (pthread_detach) is recorded after the real detach returned 0, by the caller. It
 *    may come before the target's own THREAD_START (the creator detaches at once, the new thread
 *    has not run yet): the converter starts the thread there. Either order with the target's exit
 *    is valid (released at its exit, or at once).
 *  - Threads not created through the hook (the main thread, threads libc starts internally) are
 *    recorded as before: from their first event to their first exit_key destructor call, never
 *    joined or detached (their handles are not in the table).
 *
 * Shutdown (finish): the first caller wins a compare-and-swap on `finished` (0 -> 1), with all its
 * signals blocked; it takes PROC_END's sequence number and publishes it (end_seq), waits a bounded
 * time for pushes in flight on other threads (each ring's `busy`), takes the drain lock, copies every
 * ring to the output, appends PROC_END as a chunk of its own (never into a ring: nothing waits for
 * ring space) and writes it all out, then sets `finished` to 2. A later caller (another thread's exit
 * racing a fatal signal) waits for 2, so the process cannot end while the log is half written.
 * Events after the first step are dropped and counted; a push that took its number after PROC_END's,
 * or that never committed (cut by the end, or still in flight after the wait), voids its number
 * (shm `voided`), so the converter does not count it lost. Everything on this path is
 * async-signal-safe (atomics, pthread_sigmask, sched_yield, clock_gettime, raw write); it runs from:
 *  - exit and return from main: an on_exit handler registered by our constructor, which glibc runs
 *    after every other exit handler and every destructor, with the exit status;
 *  - _exit / _Exit: their hooks; quick_exit: an at_quick_exit handler (run after the program's),
 *    with the status its hook saved;
 *  - a signal whose program disposition is SIG_DFL: sigchain's handler (also after the program
 *    reset it to SIG_DFL in its own handler), before dying by the real default action;
 *  - the last thread gone: glibc's last exiting thread calls exit(0), but it counts the collector
 *    as live. So once the main thread has exited (pthread_exit), the collector checks
 *    /proc/self/status: when it is the only task left besides the zombie main thread, it calls
 *    exit(0) itself (as main's thread, with the program's signal mask).
 * The collector never blocks the process from ending: it holds no lock across a wait, and blocks
 * every signal only because it must never run the program's handlers.
 *
 * Process images: every recorded image (the program, each image it execs, each followed child and
 * the images it execs) takes its own id (`proc`, from the shared counter; the program's first is 0)
 * and opens with PROC_START and PROC_NAME on its first thread. An exec'd image is told from a new
 * process by its pid and start time, equal to its predecessor's (the converter pairs them); the
 * program's exec'd images keep thread id 0 for their main thread. Before an exec the rings are
 * written out after an EXEC record (exec runs no destructors), except in a vfork child, whose
 * memory is its parent's.
 *
 * Log format (little-endian, see recorder/nativeRaw.ts): chunks of
 *   u32 magic 'STRC', u32 count, u32 tid, u32 proc, then count records {u64 seq<<8|op, u64 ptr, u64 arg}.
 *   THREAD_JOIN / THREAD_DETACH: arg = the target's thread id (the record's tid is the actor), ptr =
 *   the target's pthread_t; THREAD_START: ptr = pthread_self() (both for debugging only).
 *   PROC_START: ptr = pid | parent pid << 32, arg = start time (clock ticks since boot);
 *   PROC_NAME, EXEC, MARK: 16 bytes of name in ptr and arg (command name; exec'd file's base name);
 *   PROC_END: ptr = end kind | quiet free(NULL) count << 8, arg = exit code | dropped events << 32.
 *   op | 0x80 (OP_AFTER_EXIT): made by the record's thread after its THREAD_EXIT (a one-record chunk).
 *   STACK (only with SLABTRACE_STACKS, stacks.c): arg = the stack id of the thread's next allocation
 *   record (malloc, calloc, memalign family, REALLOC_END), pushed just before it; no record = no stack.
 *   The stack table and the image's mappings go to SLABTRACE_STACKS_OUT.<proc> at the end / exec.
 * Shared page (SLABTRACE_SHM, layout in shm.h): the counters, what could not be written, children
 * not followed, and per signal number the count and CLOCK_MONOTONIC time of the program's
 * deliveries not sent by the recorder nor by itself (recorder/execSignals.ts reads them to forward
 * only the signals that did not reach the program).
 * Env: SLABTRACE_LOG (the raw log's path, required), SLABTRACE_SHM (file holding the shared page),
 *      SLABTRACE_FOLLOW=1 (record forked and exec'd children too), SLABTRACE_RECORDER_PID.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "logchan.h"
#include "ring.h"
#include "shm.h"
#include "sigchain.h"
#include "stacks.h"
#include "thread_table.h"

#define ST_MAGIC 0x43525453u /* "STRC" */
enum {
  OP_MALLOC = 1, OP_FREE = 2, OP_CALLOC = 3, OP_MEMALIGN = 4, OP_REALLOC_BEGIN = 5,
  OP_REALLOC_END = 6, OP_THREAD_START = 7, OP_THREAD_EXIT = 8, OP_PROC_START = 9, OP_PROC_END = 10,
  OP_MARK = 11, OP_THREAD_JOIN = 12, OP_THREAD_DETACH = 13, OP_PROC_NAME = 14, OP_EXEC = 15,
  OP_STACK = 16,
};
/* Flag on the op of an event a created thread makes after its THREAD_EXIT (see emit_after_exit). */
#define OP_AFTER_EXIT 0x80u
#ifndef PTHREAD_DESTRUCTOR_ITERATIONS
#define PTHREAD_DESTRUCTOR_ITERATIONS 4
#endif
enum { END_EXIT = 0, END_UNDERSCORE_EXIT = 1, END_SIGNAL = 2, END_QUICK_EXIT = 3 };

#define EXPORT __attribute__((visibility("default")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TLS __thread __attribute__((tls_model("initial-exec")))

typedef struct {
  ring_t *ring;
  uint32_t tid;
  int in_hook;
  int tid_known;   /* tid is already this thread's (given at creation, or kept after an exit) */
  int created;     /* started by the pthread_create hook and not yet exited */
  int exit_rounds; /* exit_key destructor calls so far (created threads) */
  int after_exit;  /* a created thread whose THREAD_EXIT is recorded: its events go to emit_after_exit */
  sigset_t lock_mask; /* the signal mask to restore when this thread releases the drain lock */
} tstate_t;

static TLS tstate_t ts;

/* ---- real functions and the bootstrap arena used while dlsym runs ---- */
static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void (*real__exit)(int) __attribute__((noreturn));
static void (*real__Exit)(int) __attribute__((noreturn));
static void (*real_quick_exit)(int) __attribute__((noreturn));
static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int (*real_pthread_join)(pthread_t, void **);
static int (*real_pthread_tryjoin_np)(pthread_t, void **);
static int (*real_pthread_timedjoin_np)(pthread_t, void **, const struct timespec *);
static int (*real_pthread_clockjoin_np)(pthread_t, void **, clockid_t, const struct timespec *);
static int (*real_pthread_detach)(pthread_t);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execv)(const char *, char *const[]);
static int (*real_execvp)(const char *, char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);
static int (*real_execveat)(int, const char *, char *const[], char *const[], int);

static _Alignas(64) char boot_arena[128 * 1024];
static _Atomic size_t boot_used;
static _Atomic int init_state; /* 0 none, 1 resolving, 2 resolved */

static int is_boot(const void *p) {
  return (const char *)p >= boot_arena && (const char *)p < boot_arena + sizeof boot_arena;
}
static void *boot_alloc(size_t n, size_t align) {
  if (align < 16) align = 16;
  size_t need = n + 16 + align;
  size_t off = atomic_fetch_add(&boot_used, need);
  if (off + need > sizeof boot_arena) return NULL;
  uintptr_t p = ((uintptr_t)(boot_arena + off + 16) + align - 1) & ~(uintptr_t)(align - 1);
  ((size_t *)p)[-1] = n;
  return (void *)p; /* static storage is zeroed and never reused: calloc-safe */
}
static size_t boot_size(const void *p) { return ((const size_t *)p)[-1]; }

static void resolve_real(void) {
  int expect = 0;
  if (!atomic_compare_exchange_strong(&init_state, &expect, 1)) {
    while (atomic_load(&init_state) != 2) sched_yield();
    return;
  }
  int saved = ts.in_hook;
  ts.in_hook = 2; /* allocations made by dlsym come from the bootstrap arena */
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_free = dlsym(RTLD_NEXT, "free");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_memalign = dlsym(RTLD_NEXT, "memalign");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  real_valloc = dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
  real__exit = dlsym(RTLD_NEXT, "_exit");
  real__Exit = dlsym(RTLD_NEXT, "_Exit");
  real_quick_exit = dlsym(RTLD_NEXT, "quick_exit");
  sigchain_resolve();
  real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
  real_pthread_join = dlsym(RTLD_NEXT, "pthread_join");
  real_pthread_tryjoin_np = dlsym(RTLD_NEXT, "pthread_tryjoin_np");
  real_pthread_timedjoin_np = dlsym(RTLD_NEXT, "pthread_timedjoin_np");
  real_pthread_clockjoin_np = dlsym(RTLD_NEXT, "pthread_clockjoin_np");
  real_pthread_detach = dlsym(RTLD_NEXT, "pthread_detach");
  real_execve = dlsym(RTLD_NEXT, "execve");
  real_execv = dlsym(RTLD_NEXT, "execv");
  real_execvp = dlsym(RTLD_NEXT, "execvp");
  real_execvpe = dlsym(RTLD_NEXT, "execvpe");
  real_fexecve = dlsym(RTLD_NEXT, "fexecve");
  real_execveat = dlsym(RTLD_NEXT, "execveat");
  atomic_store(&init_state, 2);
  ts.in_hook = saved;
}
void st_need_real(void) {
  if (UNLIKELY(atomic_load_explicit(&init_state, memory_order_acquire) != 2)) resolve_real();
}
/* True while the resolving thread is inside dlsym: the caller must use the bootstrap arena. */
static int resolving(void) {
  if (LIKELY(atomic_load_explicit(&init_state, memory_order_acquire) == 2)) return 0;
  if (atomic_load(&init_state) == 1 && ts.in_hook == 2) return 1;
  resolve_real();
  return 0;
}

/* ---- recorder state ---- */
static int rec_on;            /* recording enabled in this process */
static _Atomic int finished;  /* 0 recording, 1 final flush under way, 2 final flush written */
static _Atomic uint64_t end_seq; /* PROC_END's sequence number + 1, once the final flush took it */
static int follow;
static int is_root;           /* this process is the recorded program (any of its exec'd images) */
static uint32_t proc_id;
static shm_t *shm;
static shm_t local_shm;       /* when the shared page cannot be mapped: counters of this image only */
static _Atomic int collector_running;
static sigset_t collector_mask; /* the creator's signal mask, for the collector's exit(0) */
static _Atomic int main_gone;   /* the main thread ran its key destructors (pthread_exit) */
static uint32_t main_tid;       /* its recorder thread id */
static pthread_key_t exit_key;
static _Atomic int lock_word;
static ring_t *rings;         /* all rings ever made, guarded by lock_word */
static _Atomic uint64_t dropped;
static _Atomic uint64_t quiet_null_frees; /* free(NULL) on threads with no ring: not worth a start */
static int setup_done;
static pid_t my_pid; /* a vfork child shares our memory but not our pid: it must not finish us */
static pid_t recorder_pid; /* whoever started the capture (SLABTRACE_RECORDER_PID) */
static int exit_hooked, quick_exit_hooked; /* on_exit / at_quick_exit handlers registered */
static int quick_exit_code;

/* The drain lock. The holder has every signal blocked (the mask to restore is kept in its TLS), so
 * no signal handler can interrupt it, and it never waits for another thread while holding it. */
static void lock(void) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  while (atomic_exchange_explicit(&lock_word, 1, memory_order_acquire)) sched_yield();
  ts.lock_mask = old;
}
static void unlock(void) {
  sigset_t old = ts.lock_mask;
  atomic_store_explicit(&lock_word, 0, memory_order_release);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- output ---- */
#define OUT_CAP (256 * 1024)
static char out_buf[OUT_CAP];
static size_t out_len;

/* Writes the output buffer out (lock held): 1, or 0 when this process may not write (a vfork child
 * sharing our memory): the buffer is then kept for the parent. */
static int out_flush(void) {
  if (out_len == 0) return 1;
  if (!lc_write(out_buf, out_len)) return 0;
  out_len = 0;
  return 1;
}

/* Copies the ring's committed records into the output buffer (caller holds the lock); stops early,
 * leaving the rest in the ring, when the buffer is full and may not be written now. */
static void drain_ring(ring_t *r) {
  uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  uint64_t mask = r->cap - 1;
  while (tail < head) {
    if (out_len + 16 + 64 * sizeof(rec_t) > OUT_CAP) {
      if (!out_flush()) break;
      continue;
    }
    uint64_t n = head - tail;
    uint64_t room = (OUT_CAP - out_len - 16) / sizeof(rec_t);
    uint64_t to_end = r->cap - (tail & mask); /* contiguous records before the buffer wraps */
    if (n > room) n = room;
    if (n > to_end) n = to_end;
    uint32_t hdr[4] = {ST_MAGIC, (uint32_t)n, r->tid, proc_id};
    memcpy(out_buf + out_len, hdr, 16);
    memcpy(out_buf + out_len + 16, &r->recs[tail & mask], n * sizeof(rec_t));
    out_len += 16 + n * sizeof(rec_t);
    tail += n;
    atomic_store_explicit(&r->tail, tail, memory_order_release);
  }
  if (atomic_load(&r->state) == 2 && atomic_load(&r->head) == tail) atomic_store(&r->state, 0);
}

static void drain_all(void) {
  for (ring_t *r = rings; r; r = r->next)
    if (atomic_load(&r->state) != 0) drain_ring(r);
  out_flush();
}

/* Reads a small /proc file into buf (NUL-terminated, cut at cap - 1 bytes); its length, or -1. */
static long proc_read(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
  }
  close(fd);
  buf[n] = 0;
  return (long)n;
}

/* True when the only tasks left in the process are the collector and the zombie main thread. */
static int collector_alone(void) {
  char buf[8192];
  if (proc_read("/proc/self/status", buf, sizeof buf) < 0) return 0;
  const char *t = strstr(buf, "\nThreads:");
  if (!t || atol(t + 10) > 2) return 0;
  if (proc_read("/proc/self/stat", buf, sizeof buf) < 0) return 0;
  const char *state = strrchr(buf, ')'); /* the command name may contain anything but this */
  return state && state[1] == ' ' && state[2] == 'Z';
}

/* The program's last thread exited while glibc still counted the collector as live, so nobody
 * called exit(0): do it as the main thread would have (its exit handlers and the final flush run
 * here, recorded under main's thread id). */
static void collector_exit(void) {
  atomic_store(&collector_running, 0); /* from now on this thread drains its own ring */
  ts.tid = main_tid;
  ts.tid_known = 1;
  ts.in_hook = 0;
  pthread_sigmask(SIG_SETMASK, &collector_mask, NULL);
  exit(0);
}

static void *collector_main(void *arg) {
  (void)arg;
  ts.in_hook = 1; /* nothing this thread does is recorded */
  struct timespec d = {0, 1000000};
  unsigned ticks = 0;
  while (!atomic_load(&finished)) {
    nanosleep(&d, NULL);
    lock();
    if (!atomic_load(&finished)) drain_all();
    unlock();
    if (atomic_load(&main_gone) && (++ticks & 7) == 0 && collector_alone()) collector_exit();
  }
  atomic_store(&collector_running, 0);
  return NULL;
}

static void start_collector(void) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old); /* the collector never runs signal handlers */
  collector_mask = old;
  pthread_t th;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  /* the real function: the collector is ours, not the program's (no trampoline, never recorded) */
  atomic_store(&collector_running, 1);
  if (real_pthread_create(&th, &a, collector_main, NULL) != 0) atomic_store(&collector_running, 0);
  pthread_attr_destroy(&a);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- rings and events ---- */
static ring_t *ring_get(uint32_t tid) {
  lock();
  ring_t *r;
  for (r = rings; r; r = r->next)
    if (atomic_load(&r->state) == 0) break;
  if (!r) {
    r = ring_alloc();
    if (!r) { unlock(); return NULL; }
    r->next = rings;
    rings = r;
  }
  atomic_store(&r->head, 0);
  atomic_store(&r->tail, 0);
  r->tid = tid;
  atomic_store(&r->state, 1);
  unlock();
  return r;
}

/* The ring is full: doubles its buffer when the budget allows, after writing out what it holds.
 * 1 when it grew (and is now empty). */
static int ring_grow(ring_t *r) {
  uint64_t cap = r->cap * 2;
  rec_t *recs = ring_buffer_new(cap);
  if (!recs) return 0;
  lock();
  if (!atomic_load(&finished)) drain_ring(r);
  int empty = atomic_load(&r->tail) == atomic_load(&r->head);
  if (empty) ring_buffer_swap(r, recs, cap);
  unlock();
  if (!empty) ring_buffer_free(recs, cap);
  return empty;
}

/* The ring is full: it grows, or (at its largest, or with the budget spent) its thread writes out
 * every ring itself: a spill, which also serves when there is no collector. Every ring, not only its
 * own: on an oversubscribed machine the collector may not run for long, while threads descheduled
 * with records in their rings would hold them back (the converter can wait for a record only so
 * long). 0 when the final flush has begun (nobody will drain the ring again), or in a vfork child
 * that may not write: the record is dropped and counted. */
__attribute__((noinline, cold)) static int push_wait(ring_t *r, uint64_t h) {
  while (h - atomic_load_explicit(&r->tail, memory_order_acquire) >= r->cap) {
    if (atomic_load(&finished)) {
      atomic_fetch_add(&dropped, 1);
      return 0;
    }
    if (ring_grow(r)) return 1;
    lock();
    if (!atomic_load(&finished)) drain_all();
    unlock();
    if (h - atomic_load_explicit(&r->tail, memory_order_acquire) >= r->cap) {
      atomic_fetch_add(&dropped, 1);
      return 0;
    }
    if (atomic_load(&collector_running)) atomic_fetch_add(&shm->spills, 1);
  }
  return 1;
}

/* The final flush began while this push took `seq`. A number taken before PROC_END's is written
 * (finish waits for the push to complete); one taken after is never written: it is voided (counted
 * in the shared page, so the converter reports it dropped at exit rather than lost). 1 if voided. */
__attribute__((noinline, cold)) static int push_after_end(uint64_t seq) {
  uint64_t end;
  while ((end = atomic_load(&end_seq)) == 0) sched_yield(); /* the finisher publishes it at once */
  if (seq < end - 1) return 0;
  atomic_fetch_add(&shm->voided, 1);
  return 1;
}

/* Hot path: no lock. The record's payload is written first, so that between taking the number and
 * committing (the release store of head) there is as little as possible: a thread descheduled there
 * holds back every later record (the converter waits for each number in turn). `busy` brackets the
 * number's life until the commit; the fetch-add (release) orders busy = 1 before it, so a finisher
 * that took its number later sees it. */
static inline void push(ring_t *r, uint32_t op, uint64_t ptr, uint64_t arg) {
  uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
  if (UNLIKELY(h - atomic_load_explicit(&r->tail, memory_order_acquire) >= r->cap) && !push_wait(r, h)) return;
  rec_t *x = &r->recs[h & (r->cap - 1)];
  x->ptr = ptr;
  x->arg = arg;
  atomic_store_explicit(&r->busy, 1, memory_order_relaxed);
  uint64_t seq = atomic_fetch_add_explicit(&shm->seq, 1, memory_order_acq_rel);
  if (UNLIKELY(atomic_load_explicit(&finished, memory_order_acquire)) && push_after_end(seq)) {
    atomic_store_explicit(&r->busy, 0, memory_order_release);
    return;
  }
  x->seqop = seq << 8 | op;
  atomic_store_explicit(&r->head, h + 1, memory_order_release);
  atomic_store_explicit(&r->busy, 0, memory_order_release);
}

static void setup(void);

/* Ring of the calling thread, registering the thread (THREAD_START) on its first event. */
static ring_t *my_ring(void) {
  if (LIKELY(ts.ring != NULL)) return ts.ring;
  if (!setup_done) setup();
  if (!rec_on) return NULL;
  if (!ts.tid_known) ts.tid = atomic_fetch_add(&shm->next_tid, 1);
  ring_t *r = ring_get(ts.tid);
  if (!r) return NULL;
  ts.ring = r;
  push(r, OP_THREAD_START, (uint64_t)pthread_self(), 0);
  pthread_setspecific(exit_key, (void *)1);
  return r;
}

/* Room for one more one-record chunk in the output buffer (caller holds the lock): 0 in a vfork
 * child whose buffer is full. */
static int out_room(void) {
  return out_len + 16 + sizeof(rec_t) <= OUT_CAP || out_flush();
}

/* Appends one record as its own chunk to the output buffer (caller holds the lock, out_room() held). */
static void out_record(uint32_t tid, const rec_t *x) {
  uint32_t hdr[4] = {ST_MAGIC, 1, tid, proc_id};
  memcpy(out_buf + out_len, hdr, 16);
  memcpy(out_buf + out_len + 16, x, sizeof *x);
  out_len += 16 + sizeof *x;
}

/* An event of a created thread after its THREAD_EXIT: the C library still frees on its way out
 * (an exiting detached thread trims the stack cache, freeing other threads' TLS). It is written
 * straight to the output buffer under the lock, flagged OP_AFTER_EXIT: no ring (nothing would ever
 * release it) and no second THREAD_START (which would make the thread a new, unreleased one). */
static void emit_after_exit(uint32_t op, const void *ptr, uint64_t arg) {
  lock();
  if (atomic_load(&finished) || !out_room()) atomic_fetch_add(&dropped, 1);
  else {
    rec_t x = {atomic_fetch_add_explicit(&shm->seq, 1, memory_order_relaxed) << 8 | op | OP_AFTER_EXIT,
               (uint64_t)(uintptr_t)ptr, arg};
    out_record(ts.tid, &x);
  }
  unlock();
}

static void emit_slow(uint32_t op, const void *ptr, uint64_t arg) {
  if (ts.after_exit && rec_on) { emit_after_exit(op, ptr, arg); return; }
  ring_t *r = my_ring();
  if (!r) return;
  if (atomic_load_explicit(&finished, memory_order_relaxed)) { atomic_fetch_add(&dropped, 1); return; }
  push(r, op, (uint64_t)(uintptr_t)ptr, arg);
}

/* After the final flush began, push voids the record (its number taken after PROC_END's). */
static inline void emit(uint32_t op, const void *ptr, uint64_t arg) {
  ring_t *r = ts.ring;
  if (UNLIKELY(!r)) { emit_slow(op, ptr, arg); return; }
  push(r, op, (uint64_t)(uintptr_t)ptr, arg);
}

/* exit_key destructor: THREAD_EXIT. A created thread defers it to the last destructor round (the
 * key is set at its start, so the count of rounds is exact), so that the frees done by the
 * program's key destructors, which run in the same rounds, are recorded before it. */
static void on_thread_exit(void *v) {
  (void)v;
  if (!ts.ring) return;
  int saved = ts.in_hook;
  ts.in_hook = 1;
  if (ts.created && ++ts.exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
    pthread_setspecific(exit_key, (void *)1); /* call me again in the next round */
    ts.in_hook = saved;
    return;
  }
  if (ts.created) tt_exited((uintptr_t)pthread_self(), ts.tid);
  else if (syscall(SYS_gettid) == my_pid) { /* the main thread (pthread_exit): see collector_exit */
    main_tid = ts.tid;
    atomic_store(&main_gone, 1);
  }
  if (!atomic_load(&finished)) push(ts.ring, OP_THREAD_EXIT, 0, 0);
  atomic_store(&ts.ring->state, 2);
  ts.ring = NULL;
  ts.tid_known = 1; /* a later event restarts it with the same tid (a thread we did not create)... */
  ts.after_exit = ts.created; /* ...or is flagged as after its exit (a created thread) */
  ts.created = 0;
  ts.in_hook = saved;
}

/* ---- final flush (see "Shutdown" in the header comment) ---- */

/* After PROC_END's number was taken: waits (a bounded time) for the other threads' pushes in flight
 * to commit their records; returns how many never will (this thread's own, interrupted by the
 * signal that ends the process, and any still in flight after the wait). */
static uint64_t rings_settle(void) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t stuck = 0;
  for (ring_t *r = rings; r; r = r->next) {
    if (r == ts.ring) { stuck += atomic_load(&r->busy) != 0; continue; }
    while (atomic_load_explicit(&r->busy, memory_order_acquire)) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > 20000000L) { stuck++; break; }
      sched_yield();
    }
  }
  return stuck;
}

static void finish(int kind, int code) {
  if (!rec_on || getpid() != my_pid) return;
  int saved = ts.in_hook, e = errno;
  ts.in_hook = 1;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int expect = 0;
  if (atomic_compare_exchange_strong(&finished, &expect, 1)) {
    uint64_t end = atomic_fetch_add(&shm->seq, 1);
    atomic_store(&end_seq, end + 1);
    uint64_t stuck = rings_settle();
    if (stuck) atomic_fetch_add(&shm->voided, stuck);
    lock();
    for (ring_t *r = rings; r; r = r->next)
      if (atomic_load(&r->state) != 0) drain_ring(r);
    /* PROC_END: ptr = kind | quiet free(NULL) count << 8, arg = exit code | dropped events << 32 */
    rec_t x = {end << 8 | OP_PROC_END, (uint64_t)kind | atomic_load(&quiet_null_frees) << 8,
               (uint64_t)(uint32_t)code | atomic_load(&dropped) << 32};
    out_room();
    out_record(ts.tid, &x);
    out_flush();
    unlock();
    st_stacks_write(proc_id);
    atomic_store(&finished, 2);
  } else {
    /* another thread is writing the end (it has every signal blocked and waits for nobody long) */
    while (atomic_load(&finished) != 2) sched_yield();
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  ts.in_hook = saved;
  errno = e;
}

/* on_exit handler: exit() and return from main, after every other exit handler and destructor. */
static void st_on_exit(int status, void *arg) {
  (void)arg;
  finish(END_EXIT, status);
}

/* at_quick_exit handler, registered first so it runs after the program's. */
static void st_on_quick_exit(void) { finish(END_QUICK_EXIT, quick_exit_code); }

/* ---- signals (sigchain.c applies the program's dispositions) ---- */
/* Counts a delivery to the root process that neither the recorder nor the process itself sent:
 * the recorder forwards a signal only if it did not reach the program this way. */
static void sig_received(int sig, const siginfo_t *si) {
  if (!rec_on || !is_root || sig >= SHM_SIGS || getpid() != my_pid) return;
  if (si && (si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) &&
      (si->si_pid == recorder_pid || si->si_pid == my_pid))
    return;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  atomic_store(&shm->sig_ns[sig], (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec);
  atomic_fetch_add(&shm->sig_count[sig], 1);
}

static void sig_fatal(int sig) { finish(END_SIGNAL, sig); }

/* ---- process images: PROC_START / PROC_NAME, forks, unfollowed children ---- */

/* This process's start time in clock ticks since boot (/proc/self/stat field 22; exec keeps it, so
 * with the pid it names the OS process across its images), 0 if unknown. */
static uint64_t proc_start_time(void) {
  char buf[1024];
  if (proc_read("/proc/self/stat", buf, sizeof buf) < 0) return 0;
  const char *p = strrchr(buf, ')'); /* the command name may contain anything but this */
  if (!p) return 0;
  int field = 2;
  for (p++; *p && field < 22; p++)
    if (*p == ' ') field++;
  uint64_t t = 0;
  for (; *p >= '0' && *p <= '9'; p++) t = t * 10 + (uint64_t)(*p - '0');
  return t;
}

/* The calling thread opens this image in the log: PROC_START (ptr = pid | parent pid << 32, arg =
 * start time) and PROC_NAME (the image's command name, 16 bytes in ptr and arg). */
static void proc_announce(void) {
  int saved = ts.in_hook;
  ts.in_hook = 1;
  ring_t *r = my_ring();
  if (r) {
    uint64_t ids = (uint64_t)(uint32_t)getpid() | (uint64_t)(uint32_t)getppid() << 32;
    push(r, OP_PROC_START, ids, proc_start_time());
    uint64_t w[2] = {0, 0};
    char name[17] = {0};
    prctl(PR_GET_NAME, name);
    memcpy(w, name, 16);
    push(r, OP_PROC_NAME, w[0], w[1]);
  }
  ts.in_hook = saved;
}

/* A child process that will not be recorded (no SLABTRACE_FOLLOW), counted once: at its fork, or
 * at the start of an image it was not forked into (posix_spawn, vfork) . `forked`: called from the
 * fork child; else from an image's setup. */
static void unfollowed_count(int forked) {
  pid_t pid = getpid();
  _Atomic int32_t *slot = &shm->fork_pids[(uint32_t)pid % SHM_PID_SLOTS];
  if (forked) atomic_store(slot, (int32_t)pid);
  else if (atomic_load(slot) == (int32_t)pid) return; /* counted at its fork */
  atomic_fetch_add(&shm->unfollowed, 1);
}

/* Both locks are held across fork (thread table first: nothing nests them otherwise). */
static void atfork_prepare(void) { if (rec_on) { tt_lock(); lock(); } }
static void atfork_parent(void) { if (rec_on) { unlock(); tt_unlock(); } }
static void atfork_child(void) {
  if (!rec_on) return;
  unlock();
  /* The parent's threads do not exist here: their handles must not name them. */
  tt_clear();
  tt_unlock();
  ts.created = 0;
  ts.exit_rounds = 0;
  ts.after_exit = 0;
  atomic_store(&collector_running, 0);
  atomic_store(&main_gone, 0); /* the forking thread is this process's main thread */
  if (!follow || atomic_load(&finished)) {
    if (!follow) unfollowed_count(1);
    lc_drop();
    rec_on = 0;
    return;
  }
  /* The parent's undrained records are the parent's to write: discard our copy of them. */
  for (ring_t *r = rings; r; r = r->next) {
    atomic_store(&r->tail, atomic_load(&r->head));
    atomic_store(&r->state, 0);
  }
  out_len = 0;
  ts.ring = NULL;
  ts.tid_known = 0;
  is_root = 0;
  proc_id = atomic_fetch_add(&shm->next_proc, 1);
  my_pid = getpid();
  lc_forked();
  proc_announce();
  start_collector();
}

/* ---- setup: env, shared page, log channel, thread-exit key, collector, signals ---- */

/* The shared page named by SLABTRACE_SHM, or this image's own when it cannot be mapped. */
static shm_t *shm_map(void) {
  const char *path = getenv("SLABTRACE_SHM");
  if (!path || !*path) return &local_shm;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return &local_shm;
  struct stat st;
  void *m = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(shm_t))
    m = mmap(NULL, sizeof(shm_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return m == MAP_FAILED ? &local_shm : m;
}

static void setup(void) {
  if (setup_done) return;
  setup_done = 1;
  const char *log_path = getenv("SLABTRACE_LOG");
  if (!log_path || !*log_path) return;
  const char *f = getenv("SLABTRACE_FOLLOW");
  follow = f && f[0] == '1';
  const char *rp = getenv("SLABTRACE_RECORDER_PID");
  recorder_pid = rp && *rp ? (pid_t)atoi(rp) : getppid();
  shm = shm_map();
  int32_t zero = 0;
  int root = atomic_compare_exchange_strong(&shm->root_pid, &zero, (int32_t)getpid());
  /* The same pid again: the recorded program exec'd a new image (e.g. a wrapper script). */
  int exec_image = !root && atomic_load(&shm->root_pid) == (int32_t)getpid();
  if (!root && !exec_image && !follow) { unfollowed_count(0); return; } /* pass through */
  if (lc_open(log_path, shm) != 0) {
    int32_t none = 0;
    atomic_compare_exchange_strong(&shm->log_errno, &none, errno);
    return;
  }
  is_root = root || exec_image;
  ring_setup(shm);
  proc_id = atomic_fetch_add(&shm->next_proc, 1); /* every image its own id: the first one is 0 */
  my_pid = getpid();
  pthread_key_create(&exit_key, on_thread_exit);
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
  rec_on = 1;
  st_stacks_init();
  if (exec_image) {
    /* the new image's main thread stays thread 0 */
    ts.tid = 0;
    ts.tid_known = 1;
  }
  proc_announce();
}

__attribute__((constructor)) static void st_init(void) {
  int saved = ts.in_hook;
  ts.in_hook = 1;
  if (atomic_load(&init_state) != 2) resolve_real();
  setup();
  if (rec_on) {
    my_ring();
    sigchain_hooks_t hooks = {sig_received, sig_fatal};
    sigchain_init(&hooks);
    exit_hooked = on_exit(st_on_exit, NULL) == 0;
    quick_exit_hooked = at_quick_exit(st_on_quick_exit) == 0;
    start_collector();
  }
  ts.in_hook = saved;
}

/* Only if on_exit could not be registered (then the exit status is unknown). */
__attribute__((destructor)) static void st_fini(void) {
  if (!exit_hooked) finish(END_EXIT, 0);
}

/* ---- the interposed functions ---- */
#define HOOK_ENTER() ((LIKELY(rec_on) || UNLIKELY(!setup_done)) && LIKELY(!ts.in_hook))

/* --stacks: the STACK record of the allocation whose hook's frame is fp (stacks.c). */
__attribute__((noinline, cold)) static void emit_stack(void *fp) {
  uint32_t id = st_stack_capture(fp);
  if (id) emit(OP_STACK, NULL, id);
}
/* In an allocation hook, before its record (the hook then keeps a frame pointer). */
#define STACK_MARK() do { if (UNLIKELY(st_stack_depth)) emit_stack(__builtin_frame_address(0)); } while (0)

EXPORT void *malloc(size_t n) {
  if (UNLIKELY(!real_malloc) && resolving()) return boot_alloc(n, 16);
  if (!HOOK_ENTER()) return real_malloc(n);
  ts.in_hook = 1;
  void *p = real_malloc(n);
  int e = errno;
  STACK_MARK();
  emit(OP_MALLOC, p, n);
  ts.in_hook = 0;
  errno = e;
  return p;
}

EXPORT void free(void *p) {
  if (UNLIKELY(is_boot(p))) return;
  if (UNLIKELY(!real_free) && resolving()) return;
  if (!HOOK_ENTER()) { real_free(p); return; }
  if (!p && !ts.ring) {
    if (rec_on) atomic_fetch_add_explicit(&quiet_null_frees, 1, memory_order_relaxed);
    real_free(p);
    return;
  }
  ts.in_hook = 1;
  int e = errno;
  emit(OP_FREE, p, 0);
  errno = e;
  real_free(p);
  ts.in_hook = 0;
}

EXPORT void *calloc(size_t m, size_t n) {
  if (UNLIKELY(!real_calloc) && resolving()) {
    if (n && m > SIZE_MAX / n) return NULL;
    return boot_alloc(m * n, 16);
  }
  if (!HOOK_ENTER()) return real_calloc(m, n);
  ts.in_hook = 1;
  void *p = real_calloc(m, n);
  int e = errno;
  size_t total = (n && m > SIZE_MAX / n) ? 0 : m * n;
  STACK_MARK();
  emit(OP_CALLOC, p, total);
  ts.in_hook = 0;
  errno = e;
  return p;
}

EXPORT void *realloc(void *p, size_t n) {
  if (UNLIKELY(is_boot(p))) {
    void *q = malloc(n);
    if (q) {
      size_t old = boot_size(p);
      memcpy(q, p, old < n ? old : n);
    }
    return q;
  }
  if (UNLIKELY(!real_realloc) && resolving()) return boot_alloc(n, 16);
  if (!HOOK_ENTER()) return real_realloc(p, n);
  if (!p) return malloc(n);
  ts.in_hook = 1;
  emit(OP_REALLOC_BEGIN, p, 0);
  void *q = real_realloc(p, n);
  int e = errno;
  STACK_MARK();
  emit(OP_REALLOC_END, q, n);
  ts.in_hook = 0;
  errno = e;
  return q;
}

EXPORT void *reallocarray(void *p, size_t m, size_t n) {
  if (n && m > SIZE_MAX / n) { errno = ENOMEM; return NULL; }
  return realloc(p, m * n);
}

static unsigned log2u(size_t a) { return a ? (unsigned)(63 - __builtin_clzll((unsigned long long)a)) : 0; }
static inline void emit_aligned(void *p, size_t align, size_t n) {
  emit(OP_MEMALIGN, p, (uint64_t)n | (uint64_t)log2u(align) << 56);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  if (UNLIKELY(!real_posix_memalign) && resolving()) {
    *out = boot_alloc(n, align);
    return *out ? 0 : ENOMEM;
  }
  if (!HOOK_ENTER()) return real_posix_memalign(out, align, n);
  ts.in_hook = 1;
  int rc = real_posix_memalign(out, align, n);
  int e = errno;
  if (rc == 0) {
    STACK_MARK();
    emit_aligned(*out, align, n);
  }
  ts.in_hook = 0;
  errno = e;
  return rc;
}

#define ALIGNED_HOOK(name, call, align_expr, size_expr, params, boot)                          \
  EXPORT void *name params {                                                                    \
    if (UNLIKELY(!real_##name) && resolving()) return boot;                                     \
    if (!HOOK_ENTER()) return call;                                                             \
    ts.in_hook = 1;                                                                             \
    void *p = call;                                                                             \
    int e = errno;                                                                              \
    STACK_MARK();                                                                               \
    if (p) emit_aligned(p, align_expr, size_expr);                                              \
    else emit(OP_MALLOC, NULL, size_expr);                                                      \
    ts.in_hook = 0;                                                                             \
    errno = e;                                                                                  \
    return p;                                                                                   \
  }

ALIGNED_HOOK(memalign, real_memalign(a, n), a, n, (size_t a, size_t n), boot_alloc(n, a))
ALIGNED_HOOK(aligned_alloc, real_aligned_alloc(a, n), a, n, (size_t a, size_t n), boot_alloc(n, a))
ALIGNED_HOOK(valloc, real_valloc(n), (size_t)sysconf(_SC_PAGESIZE), n, (size_t n),
             boot_alloc(n, 4096))
ALIGNED_HOOK(pvalloc, real_pvalloc(n), (size_t)sysconf(_SC_PAGESIZE),
             (n + (size_t)sysconf(_SC_PAGESIZE) - 1) & ~((size_t)sysconf(_SC_PAGESIZE) - 1),
             (size_t n), boot_alloc(n, 4096))

/* ---- exec: the image is replaced without destructors, so the rings are written out first ---- */

/* Before this image execs `file`: EXEC (its base name, 16 bytes) and everything the rings hold go
 * out. Not in a vfork child (its memory is its parent's, which keeps recording). */
static void before_exec(const char *file) {
  if (!rec_on || atomic_load(&finished) || getpid() != my_pid) return;
  int saved = ts.in_hook, e = errno;
  ts.in_hook = 1;
  const char *base = file ? strrchr(file, '/') : NULL;
  base = base ? base + 1 : file ? file : "";
  uint64_t w[2] = {0, 0};
  size_t n = strlen(base);
  memcpy(w, base, n < 16 ? n : 16);
  emit(OP_EXEC, (void *)(uintptr_t)w[0], w[1]);
  lock();
  drain_all();
  unlock();
  st_stacks_write(proc_id);
  ts.in_hook = saved;
  errno = e;
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  st_need_real();
  before_exec(path);
  return real_execve(path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[]) {
  st_need_real();
  before_exec(path);
  return real_execv(path, argv);
}

EXPORT int execvp(const char *file, char *const argv[]) {
  st_need_real();
  before_exec(file);
  return real_execvp(file, argv);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  st_need_real();
  before_exec(file);
  return real_execvpe(file, argv, envp);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
  st_need_real();
  before_exec(argv[0] ? argv[0] : "");
  return real_fexecve(fd, argv, envp);
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
  st_need_real();
  if (!real_execveat) { errno = ENOSYS; return -1; }
  before_exec(*path ? path : argv[0] ? argv[0] : "");
  return real_execveat(dirfd, path, argv, envp, flags);
}

/* The list forms gather their arguments into an argv, as the C library does: `first`, then the
 * variable arguments up to and including the NULL that ends them (for execle, then its envp), and
 * call the vector form: execv, execvp (`search`) or execve (`with_env`). */
static int exec_list(const char *file, const char *first, va_list *ap, int search, int with_env) {
  size_t n = 0;
  if (first) {
    va_list c;
    va_copy(c, *ap);
    for (n = 1; va_arg(c, char *); n++) {}
    va_end(c);
  }
  char *argv[n + 1];
  argv[0] = (char *)first;
  for (size_t i = 1; i <= n; i++) argv[i] = va_arg(*ap, char *);
  if (with_env) return execve(file, argv, va_arg(*ap, char *const *));
  return search ? execvp(file, argv) : execv(file, argv);
}

EXPORT int execl(const char *path, const char *arg, ...) {
  va_list ap;
  va_start(ap, arg);
  int rc = exec_list(path, arg, &ap, 0, 0);
  va_end(ap);
  return rc;
}

EXPORT int execlp(const char *file, const char *arg, ...) {
  va_list ap;
  va_start(ap, arg);
  int rc = exec_list(file, arg, &ap, 1, 0);
  va_end(ap);
  return rc;
}

EXPORT int execle(const char *path, const char *arg, ...) {
  va_list ap;
  va_start(ap, arg);
  int rc = exec_list(path, arg, &ap, 0, 1);
  va_end(ap);
  return rc;
}

/* A named checkpoint (up to 16 bytes of name) for programs that look this symbol up. */
EXPORT void slabtrace_mark(const char *name) {
  if (!rec_on || ts.in_hook) return;
  ts.in_hook = 1;
  uint64_t w[2] = {0, 0};
  size_t n = strlen(name);
  memcpy(w, name, n < 16 ? n : 16);
  emit(OP_MARK, (void *)(uintptr_t)w[0], w[1]);
  ts.in_hook = 0;
}

/* ---- thread lifecycle: pthread_create, the joins, pthread_detach ---- */

/* Runs in the new thread before the program's start routine: register, detach if created so. */
static void thread_register(uint32_t tid, int detached) {
  int saved = ts.in_hook, e = errno;
  ts.in_hook = 1;
  ts.tid = tid;
  ts.tid_known = 1;
  ts.created = 1;
  ts.exit_rounds = 0;
  ts.after_exit = 0;
  ring_t *r = my_ring(); /* THREAD_START */
  if (r && detached) emit(OP_THREAD_DETACH, NULL, tid);
  ts.in_hook = saved;
  errno = e;
}

static void *thread_trampoline(void *p) {
  tt_start_t *s = p;
  void *(*fn)(void *) = s->fn;
  void *arg = s->arg;
  uint32_t tid = s->tid;
  int detached = (int)s->detached;
  tt_started(s, (uintptr_t)pthread_self()); /* maps the handle (joinable threads); s is gone after */
  thread_register(tid, detached);
  return fn(arg); /* pthread_exit unwinds through here: nothing to clean up */
}

EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
  st_need_real();
  if (ts.in_hook) return real_pthread_create(th, attr, fn, arg);
  int e = errno;
  if (UNLIKELY(!setup_done)) { ts.in_hook = 1; setup(); ts.in_hook = 0; }
  tt_start_t *s = rec_on && !atomic_load(&finished) ? tt_start_get() : NULL;
  if (!s) { errno = e; return real_pthread_create(th, attr, fn, arg); }
  int ds = PTHREAD_CREATE_JOINABLE;
  if (attr) pthread_attr_getdetachstate(attr, &ds);
  uint32_t tid = atomic_fetch_add(&shm->next_tid, 1);
  s->fn = fn;
  s->arg = arg;
  s->tid = tid;
  s->detached = ds == PTHREAD_CREATE_DETACHED;
  errno = e;
  /* not in_hook: what the C library allocates for the thread is the program's, recorded as today */
  int rc = real_pthread_create(th, attr, thread_trampoline, s);
  e = errno;
  /* the creator may join or detach it next: map it now unless it mapped itself (on failure the id
   * stays unused) */
  tt_created(s, rc, rc == 0 ? (uintptr_t)*th : 0);
  errno = e;
  return rc;
}

/* The recorder id of a target handle, looked up before the real call (which may free the handle). */
static int64_t target_tid(pthread_t t) {
  if (!rec_on || ts.in_hook) return -1;
  return tt_get((uintptr_t)t);
}

/* After a successful join (op THREAD_JOIN) or detach (THREAD_DETACH) of (t, tid). */
static void target_record(uint32_t op, pthread_t t, int64_t tid) {
  if (tid < 0) return;
  int saved = ts.in_hook, e = errno;
  ts.in_hook = 1;
  if (op == OP_THREAD_JOIN) tt_joined((uintptr_t)t, (uint32_t)tid);
  else tt_detached((uintptr_t)t, (uint32_t)tid);
  emit(op, (void *)t, (uint64_t)tid);
  ts.in_hook = saved;
  errno = e;
}

EXPORT int pthread_join(pthread_t t, void **ret) {
  st_need_real();
  int64_t tid = target_tid(t);
  int rc = real_pthread_join(t, ret);
  if (rc == 0) target_record(OP_THREAD_JOIN, t, tid);
  return rc;
}

EXPORT int pthread_tryjoin_np(pthread_t t, void **ret) {
  st_need_real();
  if (!real_pthread_tryjoin_np) return ENOSYS;
  int64_t tid = target_tid(t);
  int rc = real_pthread_tryjoin_np(t, ret);
  if (rc == 0) target_record(OP_THREAD_JOIN, t, tid);
  return rc;
}

EXPORT int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *abstime) {
  st_need_real();
  if (!real_pthread_timedjoin_np) return ENOSYS;
  int64_t tid = target_tid(t);
  int rc = real_pthread_timedjoin_np(t, ret, abstime);
  if (rc == 0) target_record(OP_THREAD_JOIN, t, tid);
  return rc;
}

EXPORT int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clock, const struct timespec *abstime) {
  st_need_real();
  if (!real_pthread_clockjoin_np) return ENOSYS;
  int64_t tid = target_tid(t);
  int rc = real_pthread_clockjoin_np(t, ret, clock, abstime);
  if (rc == 0) target_record(OP_THREAD_JOIN, t, tid);
  return rc;
}

EXPORT int pthread_detach(pthread_t t) {
  st_need_real();
  int64_t tid = target_tid(t);
  int rc = real_pthread_detach(t);
  if (rc == 0) target_record(OP_THREAD_DETACH, t, tid);
  return rc;
}

EXPORT void _exit(int code) {
  finish(END_UNDERSCORE_EXIT, code);
  if (!real__exit) resolve_real();
  real__exit(code);
}

EXPORT void _Exit(int code) {
  finish(END_UNDERSCORE_EXIT, code);
  if (!real__Exit) resolve_real();
  real__Exit(code);
}

/* The program's at_quick_exit handlers run first, then ours (st_on_quick_exit) with this status. */
EXPORT void quick_exit(int code) {
  quick_exit_code = code;
  if (!quick_exit_hooked) finish(END_QUICK_EXIT, code);
  if (!real_quick_exit) resolve_real();
  real_quick_exit(code);
}
