/*
 * slabtrace-replay main: the input loop and the single-threaded replay.
 *   slabtrace-replay --probe   prints `probe malloc=FILE family=NAME version=V` on stdout and exits;
 *   slabtrace-replay [--format V] [--flags F] [--ids N]
 *                              replays the event stream on stdin (replay.h), reporting on fd 3:
 *     hello (which malloc), base (the process before the first event), mark (at every mark),
 *     progress (events done, ten times a second at most), oom (the first failed allocation), end
 *     (the final figures), or error / crash. SIGUSR1 asks it to stop after the current batch (a
 *     partial replay: Ctrl-C in the parent); SIGINT is ignored (the parent decides).
 * Its input is a pipe (the events as they are read) or a file (the spool the parent wrote while it
 * validated the trace): either way a stream of messages on stdin.
 * Until the trace starts a thread, the main thread performs every event itself (the fast loop below:
 * alloc and free inline, no queues); from the first thread_start on, events are dispatched to one
 * pthread per trace thread (threads.c), thread 0 staying on the main thread.
 * Invariants: the id table and the input buffer are bookkeeping memory (bk.c); the baseline is taken
 * after every static buffer and the input buffer exist, right before the first event is read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "exec.h"
#include "replay.h"

void **g_tab;
uint64_t g_tab_cap;
static uint64_t tab_reserved;
_Atomic uint64_t g_oom_count;
_Atomic int g_oom_seen;
uint32_t g_flags;
uint32_t g_format_version = 2;
int g_mt;

static unsigned char *in_buf;
static size_t in_cap;
static uint64_t t_start, in_wait_ns, stats_ns, events_done;
static exec_counts st_counts;
static int stopping;
static uint64_t last_progress_ns;
/** Set by SIGUSR1: the parent asks for a stop (Ctrl-C); the replay ends after the current batch. */
static volatile sig_atomic_t quit_asked;

#define PROGRESS_NS 100000000ull

/* ---- the id table ------------------------------------------------------------------------------ */

void tab_init(uint64_t max_ids) {
  if (max_ids == 0 || max_ids > (1ull << 32)) max_ids = 1ull << 32;
  if (max_ids < 65536) max_ids = 65536;
  tab_reserved = max_ids;
  g_tab = (void **)bk_map(max_ids * sizeof(void *), 1);
  g_tab_cap = 0;
  tab_grow(0);
}

/** Commits the table up to at least id + 1 entries (doubling); the table never moves. */
void tab_grow(uint64_t id) {
  if (id >= tab_reserved) report_error("PROTOCOL", "object id beyond the announced capacity");
  uint64_t cap = g_tab_cap ? g_tab_cap : 65536;
  while (cap <= id) cap *= 2;
  if (cap > tab_reserved) cap = tab_reserved;
  bk_commit(g_tab, cap * sizeof(void *));
  g_tab_cap = cap;
}

/* ---- OOM ---------------------------------------------------------------------------------------- */

void oom_note(uint64_t idx, uint32_t tid, int op, uint64_t size, int err) {
  atomic_fetch_add(&g_oom_count, 1);
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_oom_seen, &expected, 1)) return;
  rline l;
  rl_start(&l, "oom");
  rl_u64(&l, "idx", idx);
  rl_u64(&l, "tid", tid);
  rl_u64(&l, "op", (uint64_t)op);
  rl_u64(&l, "size", size);
  rl_u64(&l, "errno", (uint64_t)err);
  rl_send(&l);
}

/* ---- input ------------------------------------------------------------------------------------- */

/** Reads exactly n bytes; returns 0 at a clean end of file before the first byte, -1 on a short read. */
static int read_full(void *dst, size_t n) {
  uint64_t t0 = now_ns();
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(0, (char *)dst + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  in_wait_ns += now_ns() - t0;
  if (got == n) return 1;
  return got == 0 ? 0 : -1;
}

typedef struct {
  uint32_t magic, type, count, payload;
  uint64_t first;
  uint32_t cols, tid_const;
} wire_hdr;

typedef struct {
  uint32_t count, tid_const;
  uint64_t first;
  const double *size64;      /* sizes as f64, or */
  const uint32_t *size32;    /* as u32 (COL_SIZE32) */
  const uint32_t *tid;       /* NULL: every event's thread is tid_const */
  const uint32_t *id;
  const uint32_t *aux;       /* NULL: all 0 */
  const uint8_t *op;
} batch;

static inline uint64_t b_size(const batch *b, uint32_t i) { return b->size32 ? b->size32[i] : (uint64_t)b->size64[i]; }
static inline uint32_t b_tid(const batch *b, uint32_t i) { return b->tid ? b->tid[i] : b->tid_const; }
static inline uint32_t b_aux(const batch *b, uint32_t i) { return b->aux ? b->aux[i] : 0; }

static uint64_t batch_bytes(uint64_t n, uint32_t cols) {
  uint64_t c4 = pad8(n * 4);
  return ((cols & COL_SIZE32) ? c4 : n * 8) + ((cols & COL_TID_CONST) ? 0 : c4) + c4 + ((cols & COL_AUX_ZERO) ? 0 : c4) + pad8(n);
}

static void batch_columns(batch *b, const wire_hdr *h) {
  uint64_t n = h->count, c4 = pad8(n * 4);
  const unsigned char *p = in_buf;
  b->count = h->count;
  b->first = h->first;
  b->tid_const = h->tid_const;
  b->size64 = (h->cols & COL_SIZE32) ? NULL : (const double *)p;
  b->size32 = (h->cols & COL_SIZE32) ? (const uint32_t *)p : NULL;
  p += (h->cols & COL_SIZE32) ? c4 : n * 8;
  b->tid = (h->cols & COL_TID_CONST) ? NULL : (const uint32_t *)p;
  p += (h->cols & COL_TID_CONST) ? 0 : c4;
  b->id = (const uint32_t *)p;
  p += c4;
  b->aux = (h->cols & COL_AUX_ZERO) ? NULL : (const uint32_t *)p;
  p += (h->cols & COL_AUX_ZERO) ? 0 : c4;
  b->op = p;
}

/* ---- reports ----------------------------------------------------------------------------------- */

static void counts_total(exec_counts *c, uint64_t *remote, uint64_t *threads, uint64_t *live) {
  *c = st_counts;
  *remote = *threads = *live = 0;
  if (g_mt) {
    exec_counts m;
    mt_counts(&m, remote, threads, live);
    c->allocs += m.allocs;
    c->frees += m.frees;
  }
}

/** A `mark` or `end` line: the process figures and the replay's counters (all threads quiescent). */
static void report_figures(const char *kind, uint64_t idx) {
  uint64_t t0 = now_ns();
  proc_sample s;
  stats_read(&s);
  exec_counts c;
  uint64_t remote, threads, live;
  counts_total(&c, &remote, &threads, &live);
  rline l;
  rl_start(&l, kind);
  if (idx != (uint64_t)-1) rl_u64(&l, "idx", idx);
  rl_sample(&l, &s);
  rl_u64(&l, "allocs", c.allocs);
  rl_u64(&l, "frees", c.frees);
  rl_u64(&l, "remote", remote);
  rl_u64(&l, "threads", threads);
  rl_u64(&l, "live", live);
  rl_u64(&l, "oomcount", atomic_load(&g_oom_count));
  stats_ns += now_ns() - t0;
  rl_u64(&l, "t", now_ns() - t_start);
  if (idx == (uint64_t)-1) {
    rl_u64(&l, "events", events_done);
    rl_u64(&l, "inwait", in_wait_ns);
    rl_u64(&l, "statsns", stats_ns);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    rl_u64(&l, "cpuns", (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull + (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull);
  }
  rl_send(&l);
}

static void report_hello(void) {
  const char *file, *family, *version;
  probe_malloc(&file, &family, &version);
  rline l;
  rl_start(&l, "hello");
  rl_u64(&l, "pid", (uint64_t)getpid());
  rl_str(&l, "malloc", file);
  rl_str(&l, "family", family);
  rl_str(&l, "version", version);
  rl_send(&l);
}

/** At most ten times a second, between batches: how far the replay is (the parent's progress line). */
static void report_progress(void) {
  uint64_t now = now_ns();
  if (now - last_progress_ns < PROGRESS_NS) return;
  last_progress_ns = now;
  rline l;
  rl_start(&l, "progress");
  rl_u64(&l, "events", events_done);
  rl_send(&l);
}

static void on_quit(int sig) {
  (void)sig;
  quit_asked = 1;
}

/** Ctrl-C reaches the whole process group: the parent decides (it sends SIGUSR1); die with the parent. */
static void signals_install(void) {
  signal(SIGINT, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_quit;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void report_base(void) {
  proc_sample s;
  stats_read(&s);
  rline l;
  rl_start(&l, "base");
  rl_sample(&l, &s);
  rl_send(&l);
}

/* ---- the single-threaded replay ---------------------------------------------------------------- */

/** Returns 1 when the replay must stop (a failed allocation, unless continuing after OOM). */
static int st_fail(const batch *b, uint32_t i) {
  oom_note(b->first + i, b_tid(b, i), b->op[i], b_size(b, i), errno);
  return !(g_flags & CFG_CONTINUE_AFTER_OOM);
}

/** Every op but alloc and free, single-threaded. Returns 1 to stop, 2 to switch to threads. */
static int st_slow(const batch *b, uint32_t i) {
  int op = b->op[i];
  switch (op) {
  case OP_REALLOC:
  case OP_CALLOC:
  case OP_MEMALIGN:
    if (b->id[i] >= g_tab_cap) tab_grow(b->id[i]);
    if (exec_alloc_op(op, b->id[i], b_size(b, i), b_aux(b, i), &st_counts) != 0) return st_fail(b, i);
    return 0;
  case OP_MARK:
    report_figures("mark", b->first + i);
    return 0;
  case OP_THREAD_START:
    return b_tid(b, i) == 0 ? 0 : 2;
  default: /* thread_exit / join / detach of thread 0 alone: nothing to do */
    return 0;
  }
}

/* Replays events [from, count) on this thread; returns the index where it stopped or switched (*why:
 * 1 stop, 2 a thread starts). The hot loop: alloc and free inline, the rest in st_slow. Instantiated
 * for both size columns (f64, u32), so that the loop has no per-event branch on the batch's layout. */
#define ST_RUN(NAME, SIZE_T, SIZE_COL)                                                                \
  static uint32_t NAME(const batch *b, uint32_t from, int *why) {                                   \
    const uint8_t *op = b->op;                                                                      \
    const uint32_t *id = b->id;                                                                     \
    const SIZE_T *size = b->SIZE_COL;                                                               \
    exec_counts c = st_counts;                                                                      \
    uint32_t i = from;                                                                              \
    *why = 0;                                                                                       \
    for (; i < b->count; i++) {                                                                     \
      int o = op[i];                                                                                \
      g_main_where.idx = b->first + i;                                                              \
      g_main_where.op = o;                                                                          \
      if (o == OP_ALLOC) {                                                                          \
        uint32_t k = id[i];                                                                         \
        if (k >= g_tab_cap) tab_grow(k);                                                            \
        uint64_t sz = (uint64_t)size[i];                                                            \
        void *p = malloc(sz);                                                                       \
        g_tab[k] = p;                                                                               \
        if (__builtin_expect(p == NULL, 0)) {                                                       \
          st_counts = c;                                                                            \
          if (st_fail(b, i)) { *why = 1; return i + 1; }                                            \
          continue;                                                                                 \
        }                                                                                           \
        exec_touch(p, sz);                                                                          \
        c.allocs++;                                                                                 \
      } else if (o == OP_FREE) {                                                                    \
        exec_free_op(id[i], &c);                                                                    \
      } else {                                                                                      \
        st_counts = c;                                                                              \
        int r = st_slow(b, i);                                                                      \
        c = st_counts;                                                                              \
        if (r == 1) { *why = 1; return i + 1; }                                                     \
        if (r == 2) { *why = 2; return i; }                                                         \
      }                                                                                             \
    }                                                                                               \
    st_counts = c;                                                                                  \
    return i;                                                                                       \
  }
ST_RUN(st_run64, double, size64)
ST_RUN(st_run32, uint32_t, size32)

/** Threaded dispatch of events [from, count); returns the index after the last one dispatched. */
static uint32_t mt_run(const batch *b, uint32_t from, int *why) {
  *why = 0;
  for (uint32_t i = from; i < b->count; i++) {
    g_main_where.op = -1;
    if (b->op[i] == OP_MARK) {
      mt_barrier();
      report_figures("mark", b->first + i);
      continue;
    }
    if (mt_event(b->op[i], b_tid(b, i), b->id[i], b_size(b, i), b_aux(b, i), b->first + i)) {
      *why = 1;
      return i + 1;
    }
  }
  return b->count;
}

static void replay_batch(const batch *b) {
  uint32_t i = 0;
  int why = 0;
  g_main_where.tid = 0;
  while (i < b->count && !stopping) {
    if (!g_mt) {
      i = b->size32 ? st_run32(b, i, &why) : st_run64(b, i, &why);
      if (why == 2) mt_begin(g_tab_cap);
    } else {
      i = mt_run(b, i, &why);
    }
    if (why == 1) stopping = 1;
  }
  events_done = b->first + i;
  if (g_mt && !(g_flags & CFG_CONTINUE_AFTER_OOM) && atomic_load(&g_oom_seen)) stopping = 1;
}

/* ---- main -------------------------------------------------------------------------------------- */

/** `--format V --flags F --ids N`: the trace's format version, CFG_* flags, the id table's size. */
static void parse_args(int argc, char **argv) {
  uint64_t ids = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    uint64_t v = 0;
    for (const char *p = argv[i + 1]; *p >= '0' && *p <= '9'; p++) v = v * 10 + (uint64_t)(*p - '0');
    if (strcmp(argv[i], "--format") == 0) g_format_version = (uint32_t)v;
    else if (strcmp(argv[i], "--flags") == 0) g_flags = (uint32_t)v;
    else if (strcmp(argv[i], "--ids") == 0) ids = v;
    else report_error("USAGE", "unknown argument");
  }
  tab_init(ids);
}

static void replay_main(int argc, char **argv) {
  crash_install();
  signals_install();
  report_hello();
  (void)fcntl(0, F_SETPIPE_SZ, 1 << 20);
  parse_args(argc, argv);
  in_cap = WIRE_HDR_BYTES + batch_bytes(WIRE_MAX_EVENTS, 0);
  in_buf = (unsigned char *)bk_map(in_cap, 0);
  stats_init();
  report_base();
  in_wait_ns = 0;
  t_start = last_progress_ns = now_ns();
  for (;;) {
    if (g_mt) mt_publish();
    wire_hdr h;
    int r = read_full(&h, sizeof h);
    if (r == 0) break;
    if (r < 0 || h.magic != WIRE_MAGIC) report_error("PROTOCOL", "bad message header");
    if (h.type == MSG_END) break;
    if (h.type != MSG_BATCH || h.count > WIRE_MAX_EVENTS || h.payload != batch_bytes(h.count, h.cols)) report_error("PROTOCOL", "bad BATCH message");
    if (read_full(in_buf, h.payload) != 1) report_error("PROTOCOL", "short BATCH message");
    batch b;
    batch_columns(&b, &h);
    replay_batch(&b);
    if (stopping || quit_asked) break;
    report_progress();
  }
  if (g_mt) mt_barrier();
  report_figures("end", (uint64_t)-1);
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
    const char *file, *family, *version;
    probe_malloc(&file, &family, &version);
    rline l;
    rl_start(&l, "probe");
    rl_str(&l, "malloc", file);
    rl_str(&l, "family", family);
    rl_str(&l, "version", version);
    l.buf[l.n++] = '\n';
    ssize_t w = write(1, l.buf, l.n);
    return w == (ssize_t)l.n ? 0 : 1;
  }
  if (fcntl(3, F_GETFD) < 0) {
    static const char msg[] = "slabtrace-replay: run by slabtrace (reports go to fd 3); try --probe\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    return 64;
  }
  replay_main(argc, argv);
  return 0;
}
