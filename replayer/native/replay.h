/*
 * slabtrace-replay: replays a slabtrace event stream through the process's malloc (glibc, or whatever
 * LD_PRELOAD put in front of it) on real threads. Shared declarations of the C files.
 *
 * The run's settings are arguments: --format (the trace's format version), --flags (CFG_*), --ids (the
 * id table's size; 0 or absent = 2^32).
 * Wire format (stdin, little-endian, written by replayer/nativeProtocol.ts): messages, each a 32-byte
 * header {u32 magic, u32 type, u32 count, u32 payload bytes, u64 first event index, u32 cols,
 * u32 tid_const} then the payload.
 *   BATCH: `count` events as columns, each padded to 8 bytes: size (f64, or u32 with COL_SIZE32);
 *          u32 tid (absent with COL_TID_CONST: all are tid_const); u32 id; u32 aux (absent with
 *          COL_AUX_ZERO: all 0); u8 op. Ops as in traces/ (0 alloc .. 9 thread_detach).
 *   END: no more events (also: end of file).
 * Reports go to fd 3 as text lines `kind key=value ...` (report.c).
 *
 * Invariants: nothing here calls malloc (the allocator under test serves only the trace's events); the
 * replayer's own memory is mmap'd through bk.c, which knows its extent, so that it can be subtracted.
 */
#ifndef SLABTRACE_REPLAY_H
#define SLABTRACE_REPLAY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#define WIRE_MAGIC 0x31525453u /* "STR1" */
#define WIRE_HDR_BYTES 32
enum { MSG_BATCH = 2, MSG_END = 3 };
/** The largest batch the reader accepts (the TypeScript side splits bigger ones). */
#define WIRE_MAX_EVENTS 65536u
#define CFG_CONTINUE_AFTER_OOM 1u
#define CFG_TOUCH_ENDS 2u
#define COL_TID_CONST 1u
#define COL_AUX_ZERO 2u
#define COL_SIZE32 4u

enum {
  OP_ALLOC = 0, OP_FREE = 1, OP_REALLOC = 2, OP_CALLOC = 3, OP_MEMALIGN = 4, OP_THREAD_START = 5,
  OP_THREAD_EXIT = 6, OP_MARK = 7, OP_THREAD_JOIN = 8, OP_THREAD_DETACH = 9, OP_COUNT = 10,
};

static inline uint64_t pad8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

/* ---- bk.c: the replayer's own memory ---------------------------------------------------------- */
/** Maps `len` bytes (rounded to pages) of private anonymous memory, PROT_NONE when `reserve`. */
void *bk_map(size_t len, int reserve);
/** Makes [p, p+len) of a reservation read-write (the range stays registered as one). */
void bk_commit(void *p, size_t len);
/** Resizes a mapping made by bk_map (may move it; only for memory no other thread uses). */
void *bk_remap(void *p, size_t old_len, size_t new_len);
void bk_unmap(void *p, size_t len);
/** Resident bytes of every bookkeeping mapping (mincore), mapped bytes, and whether [lo,hi) is ours. */
size_t bk_resident(void);
size_t bk_mapped(void);
int bk_owns(uintptr_t lo, uintptr_t hi);
/** Aborts with an `error` report: the replayer could not map its own memory. */
void bk_fail(const char *what) __attribute__((noreturn));

/* ---- report.c: lines on fd 3 ------------------------------------------------------------------ */
typedef struct { char buf[1024]; size_t n; } rline;
void rl_start(rline *l, const char *kind);
void rl_u64(rline *l, const char *key, uint64_t v);
void rl_str(rline *l, const char *key, const char *v);
/** Writes the line (one write(2), so lines of different threads never interleave). */
void rl_send(rline *l);
/** Formats v in decimal into out (at least 21 bytes); returns the length. Async-signal-safe. */
size_t fmt_u64(char *out, uint64_t v);
void report_error(const char *code, const char *text) __attribute__((noreturn));

/* ---- stats.c: the process as the kernel sees it ----------------------------------------------- */
typedef struct {
  uint64_t rss, vm, maps;           /* process: smaps_rollup Rss, statm size, /proc/self/maps lines */
  uint64_t bk_rss, bk_vm, bk_maps;  /* the replayer's own share of them */
  uint64_t hwm, vm_peak;            /* VmHWM, VmPeak (process) */
} proc_sample;
void stats_init(void);
void stats_read(proc_sample *s);
void rl_sample(rline *l, const proc_sample *s);
uint64_t now_ns(void);

/* ---- idtab: object id -> pointer (main.c owns it; workers read and write entries) ------------- */
extern void **g_tab;          /* never moves: a reservation committed as ids grow */
extern uint64_t g_tab_cap;    /* committed entries */
void tab_init(uint64_t max_ids);
void tab_grow(uint64_t id);

/* ---- exec.h: performing one event (static inline there) ------------------------------------- */
typedef struct {
  uint64_t allocs;   /* successful allocations (alloc, calloc, memalign, realloc) */
  uint64_t frees;    /* blocks freed (free, and the old block of a successful realloc) */
} exec_counts;

/* ---- oom: the first failed allocation ----------------------------------------------------------- */
extern _Atomic uint64_t g_oom_count;
extern _Atomic int g_oom_seen;
void oom_note(uint64_t idx, uint32_t tid, int op, uint64_t size, int err);
extern uint32_t g_flags;

/* ---- crash.c ---------------------------------------------------------------------------------- */
/** What the main thread is doing, for a crash report (written before each event). */
typedef struct { volatile uint64_t idx; volatile uint32_t tid; volatile int op; } crash_where;
extern crash_where g_main_where;
extern __thread crash_where *t_where;
void crash_install(void);
void crash_altstack(void *mem, size_t len);
void crash_altstack_off(void);

/* ---- threads.c: the threaded replay ----------------------------------------------------------- */
/** Switches the dispatcher to threaded mode (at the first thread_start). */
void mt_begin(uint64_t id_cap);
/** Dispatches event i of the batch; returns 1 when dispatching must stop (OOM, unless continuing). */
int mt_event(int op, uint32_t tid, uint32_t id, uint64_t size, uint32_t aux, uint64_t idx);
/** Publishes pending work and waits until every dispatched event is done (marks, the end). */
void mt_barrier(void);
/** Before the dispatcher blocks (reading input): publish pending queue entries. */
void mt_publish(void);
void mt_counts(exec_counts *c, uint64_t *remote, uint64_t *threads, uint64_t *live);
extern int g_mt;
extern uint32_t g_format_version;

/* ---- probe.c ---------------------------------------------------------------------------------- */
/** Which file defines the malloc this process uses, its family name and version (static strings). */
void probe_malloc(const char **file, const char **family, const char **version);

#endif
