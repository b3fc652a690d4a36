/*
 * bk: the replayer's bookkeeping memory (input buffers, id table, queues, thread table). Every byte of
 * it is mapped here, registered as a range, so that its resident size (mincore), its mapped size and
 * the /proc/self/maps lines it occupies can be subtracted from the process's figures.
 * Invariants: all calls come from the main thread; a registered range is exactly one mapping made by
 * bk_map (a reservation may be partly committed: its committed prefix is what mincore looks at).
 * Its VMAs are marked MADV_DONTDUMP (and named "slabtrace-replay" where the kernel supports it), so
 * that they never merge with the allocator's anonymous VMAs: each maps line is wholly ours or not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "replay.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define BK_MAX_RANGES 4096

typedef struct { uintptr_t addr; size_t len; size_t committed; } bk_range;

static bk_range ranges[BK_MAX_RANGES];
static size_t n_ranges;
static size_t page_size;
/* mincore's vector: a static buffer, so that measuring needs no memory of its own (256 MiB a call). */
static unsigned char mc_vec[65536];

static size_t bk_page(void) {
  if (!page_size) page_size = (size_t)sysconf(_SC_PAGESIZE);
  return page_size;
}

static size_t bk_round(size_t len) {
  size_t p = bk_page();
  return (len + p - 1) & ~(p - 1);
}

void bk_fail(const char *what) {
  char text[160];
  size_t n = strlen(what);
  if (n > 100) n = 100;
  memcpy(text, what, n);
  memcpy(text + n, ": mmap failed", 14);
  report_error("BOOKKEEPING", text);
}

static bk_range *bk_find(uintptr_t a) {
  for (size_t i = 0; i < n_ranges; i++) if (ranges[i].addr == a) return &ranges[i];
  return NULL;
}

/** Names the VMA where the kernel can, and gives it VM_DONTDUMP: flags the allocator's anonymous
 *  mappings do not have, so that ours never merge with theirs (a merged VMA would be neither's). */
static void bk_name(void *p, size_t len) {
  (void)madvise(p, len, MADV_DONTDUMP);
  (void)prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, len, (unsigned long)"slabtrace-replay");
}

void *bk_map(size_t len, int reserve) {
  len = bk_round(len);
  if (n_ranges == BK_MAX_RANGES) bk_fail("bookkeeping range table full");
  int prot = reserve ? PROT_NONE : PROT_READ | PROT_WRITE;
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | (reserve ? MAP_NORESERVE : 0);
  void *p = mmap(NULL, len, prot, flags, -1, 0);
  if (p == MAP_FAILED) bk_fail(reserve ? "reserving the id table" : "bookkeeping");
  bk_name(p, len);
  ranges[n_ranges++] = (bk_range){ (uintptr_t)p, len, reserve ? 0 : len };
  return p;
}

void bk_commit(void *p, size_t len) {
  bk_range *r = bk_find((uintptr_t)p);
  len = bk_round(len);
  if (!r || len > r->len) bk_fail("committing beyond a reservation");
  if (len <= r->committed) return;
  if (mprotect((char *)p + r->committed, len - r->committed, PROT_READ | PROT_WRITE) != 0) bk_fail("committing the id table");
  /* big tables fault in 2 MiB at a time where THP allows (fewer page faults; mincore still counts them) */
  if (len >= (4u << 20)) (void)madvise(p, len, MADV_HUGEPAGE);
  bk_name(p, len);
  r->committed = len;
}

void *bk_remap(void *p, size_t old_len, size_t new_len) {
  bk_range *r = bk_find((uintptr_t)p);
  new_len = bk_round(new_len);
  if (!r || bk_round(old_len) != r->len) bk_fail("remapping an unknown range");
  void *q = mremap(p, r->len, new_len, MREMAP_MAYMOVE);
  if (q == MAP_FAILED) bk_fail("growing a table");
  bk_name(q, new_len);
  r->addr = (uintptr_t)q;
  r->len = r->committed = new_len;
  return q;
}

void bk_unmap(void *p, size_t len) {
  bk_range *r = bk_find((uintptr_t)p);
  if (!r) return;
  munmap(p, bk_round(len));
  *r = ranges[--n_ranges];
}

size_t bk_resident(void) {
  size_t pg = bk_page(), total = 0;
  for (size_t i = 0; i < n_ranges; i++) {
    uintptr_t a = ranges[i].addr;
    size_t left = ranges[i].committed;
    while (left > 0) {
      size_t span = left < sizeof mc_vec * pg ? left : sizeof mc_vec * pg;
      if (mincore((void *)a, span, mc_vec) == 0) {
        size_t pages = span / pg;
        for (size_t k = 0; k < pages; k++) total += mc_vec[k] & 1;
      }
      a += span;
      left -= span;
    }
  }
  return total * pg;
}

size_t bk_mapped(void) {
  size_t total = 0;
  for (size_t i = 0; i < n_ranges; i++) total += ranges[i].len;
  return total;
}

/** Whether [lo, hi) lies inside our mappings (adjacent ones of ours may have merged into one VMA). */
int bk_owns(uintptr_t lo, uintptr_t hi) {
  uintptr_t at = lo;
  while (at < hi) {
    size_t i = 0;
    while (i < n_ranges && !(at >= ranges[i].addr && at < ranges[i].addr + ranges[i].len)) i++;
    if (i == n_ranges) return 0;
    at = ranges[i].addr + ranges[i].len;
  }
  return 1;
}
