/*
 * stats: the process's memory as the kernel reports it, read from /proc/self at marks and at the end:
 * RSS from smaps_rollup (a page-table walk, exact), VmSize from statm, the VMA count from maps (one
 * line each), VmHWM/VmPeak from status; and the replayer's own share of each (bk.c): its resident
 * bytes (mincore), mapped bytes, and the maps lines that lie inside its mappings.
 * Invariant: reading needs no memory of its own beyond static buffers (touched once by stats_init,
 * before the baseline is taken, so that they belong to the baseline).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "replay.h"

static char buf[65536];
static uint64_t page_bytes;

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/** Reads a small /proc file whole into buf (NUL-terminated); returns its length. */
static size_t read_small(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
    if (r <= 0) break;
    n += (size_t)r;
    if (n == sizeof buf - 1) break;
  }
  close(fd);
  buf[n] = 0;
  return n;
}

static uint64_t parse_u64(const char *s) {
  uint64_t v = 0;
  while (*s == ' ' || *s == '\t') s++;
  while (*s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
  return v;
}

/** The value in kB of the line starting with `key` (e.g. "Rss:"), in bytes; 0 if absent. */
static uint64_t field_kb(const char *key) {
  size_t k = strlen(key);
  for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    if (strncmp(p, key, k) == 0) return parse_u64(p + k) * 1024;
  }
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/** Lines of /proc/self/maps, and how many of them lie inside the replayer's own mappings. */
static void count_maps(uint64_t *all, uint64_t *ours) {
  *all = *ours = 0;
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  enum { LO, HI, REST } st = LO;
  uintptr_t lo = 0, hi = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++) {
      char c = buf[i];
      if (st == LO) {
        if (c == '-') st = HI; else lo = (lo << 4) | (uintptr_t)hexval(c);
      } else if (st == HI) {
        if (c == ' ') st = REST; else hi = (hi << 4) | (uintptr_t)hexval(c);
      } else if (c == '\n') {
        (*all)++;
        if (bk_owns(lo, hi)) (*ours)++;
        st = LO;
        lo = hi = 0;
      }
    }
  }
  close(fd);
}

void stats_read(proc_sample *s) {
  if (!page_bytes) page_bytes = (uint64_t)sysconf(_SC_PAGESIZE);
  read_small("/proc/self/statm");
  s->vm = parse_u64(buf) * page_bytes;
  read_small("/proc/self/smaps_rollup");
  s->rss = field_kb("Rss:");
  read_small("/proc/self/status");
  s->hwm = field_kb("VmHWM:");
  s->vm_peak = field_kb("VmPeak:");
  count_maps(&s->maps, &s->bk_maps);
  s->bk_rss = bk_resident();
  s->bk_vm = bk_mapped();
}

void stats_init(void) {
  proc_sample s;
  stats_read(&s);
}

void rl_sample(rline *l, const proc_sample *s) {
  rl_u64(l, "rss", s->rss);
  rl_u64(l, "vm", s->vm);
  rl_u64(l, "maps", s->maps);
  rl_u64(l, "bkrss", s->bk_rss);
  rl_u64(l, "bkvm", s->bk_vm);
  rl_u64(l, "bkmaps", s->bk_maps);
  rl_u64(l, "hwm", s->hwm);
  rl_u64(l, "vmpeak", s->vm_peak);
}
