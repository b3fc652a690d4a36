/*
 * logchan: the raw log channel (see logchan.h for what it owns and its invariants).
 * open, write and close go through syscall(): their libc wrappers are cancellation points, and a
 * thread cancelled while holding the drain lock would never release it.
 */
#define _GNU_SOURCE
#include "logchan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The highest number considered, whatever RLIMIT_NOFILE allows: a descriptor table is sized by its
 * highest open number, so a number near a limit of 2^20 would cost the program megabytes. */
#define LC_TOP 1024
/* Never below this: the numbers shells and programs pick for themselves. */
#define LC_FLOOR 16

static int fd = -1;
static dev_t dev;
static ino_t ino;
static pid_t owner;
static shm_t *sh;
static char path[PATH_MAX];

static int sys_open(const char *p) { return (int)syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_APPEND | O_CLOEXEC); }
static void sys_close(int f) { syscall(SYS_close, f); }
static pid_t sys_getpid(void) { return (pid_t)syscall(SYS_getpid); }

static void note_errno(int e) {
  int32_t zero = 0;
  atomic_compare_exchange_strong(&sh->log_errno, &zero, e ? e : EIO);
}

void lc_lost(size_t len) {
  if (sh) atomic_fetch_add(&sh->lost_bytes, len);
}

/* Moves `low` to the highest free number below the limit (close-on-exec); `low` if none is free. */
static int place_high(int low) {
  struct rlimit rl;
  int top = LC_TOP;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)top) top = (int)rl.rlim_cur;
  for (int n = top - 1; n >= LC_FLOOR && n > low; n--) {
    if (fcntl(n, F_GETFD) != -1 || errno != EBADF) continue;
    int h = fcntl(low, F_DUPFD_CLOEXEC, n); /* n, unless another thread took it meanwhile */
    if (h < 0) break;
    sys_close(low);
    return h;
  }
  return low;
}

/* Opens the log by path at a high number and remembers which file it is; the descriptor or -1. */
static int open_log(void) {
  int low = sys_open(path);
  if (low < 0) return -1;
  struct stat st;
  if (fstat(low, &st) != 0) {
    int e = errno;
    sys_close(low);
    errno = e;
    return -1;
  }
  dev = st.st_dev;
  ino = st.st_ino;
  return place_high(low);
}

int lc_open(const char *p, shm_t *shm) {
  sh = shm;
  size_t n = strlen(p);
  if (n == 0 || n >= sizeof path) { errno = ENAMETOOLONG; return -1; }
  memcpy(path, p, n + 1);
  owner = sys_getpid();
  fd = open_log();
  return fd < 0 ? -1 : 0;
}

void lc_forked(void) { owner = sys_getpid(); }

static int still_ours(void);

void lc_drop(void) {
  if (still_ours()) sys_close(fd);
  fd = -1;
  sh = NULL;
}

int lc_fd(void) { return fd; }

/* True while the descriptor still names the log file. */
static int still_ours(void) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Removes the SIGXFSZ our write over RLIMIT_FSIZE raised (pending: every signal is blocked here). */
static void consume_xfsz(void) {
  uint64_t set = 1ull << (SIGXFSZ - 1);
  struct timespec zero = {0, 0};
  syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, sizeof set);
}

static void break_log(int e, size_t unwritten) {
  if (e == EFBIG) consume_xfsz();
  note_errno(e);
  atomic_store(&sh->log_broken, 1);
  lc_lost(unwritten);
}

int lc_write(const void *buf, size_t len) {
  if (!sh || len == 0) return 1;
  if (sys_getpid() != owner) return 0; /* a vfork child: the parent writes these later */
  if (atomic_load(&sh->log_broken)) { lc_lost(len); return 1; }
  if (!still_ours()) {
    int nfd = open_log(); /* the program's descriptor at the old number, if any, stays its own */
    if (nfd < 0) { note_errno(errno); lc_lost(len); return 1; }
    fd = nfd;
    atomic_fetch_add(&sh->reopens, 1);
  }
  const char *b = buf;
  size_t off = 0;
  while (off < len) {
    long w = syscall(SYS_write, fd, b + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { break_log(w < 0 ? errno : ENOSPC, len - off); return 1; }
    off += (size_t)w;
  }
  return 1;
}
