/* stacks: see stacks.h. */
#define _GNU_SOURCE
#include "stacks.h"

#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))
#define MAX_STACKS (1u << 18)
#define SLOTS (MAX_STACKS * 2)
#define SLOT_EMPTY 0u
#define SLOT_BUSY 2u /* hashes are odd */
#define SLOT_FULL 4u

typedef struct {
  _Atomic uint64_t key; /* SLOT_EMPTY, SLOT_BUSY, SLOT_FULL or the stack's hash (odd) */
  uint32_t id;
  uint32_t len;
} slot_t;

unsigned st_stack_depth;
static slot_t *slots;
static uint64_t *frames;   /* stack id k: frames[k * depth ...] */
static uint32_t *lens;     /* stack id k: its length */
static _Atomic uint32_t next_id;
static _Atomic uint64_t misses;
static char out_prefix[4096];
static uintptr_t self_lo, self_hi; /* this library's text */

static TLS uintptr_t stk_hi;
static TLS int stk_known;

static uintptr_t stack_end(void);

static int self_range(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t me = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (me >= lo && me < hi) { self_lo = lo; self_hi = hi; return 1; }
  }
  return 0;
}

unsigned st_stacks_init(void) {
  const char *d = getenv("SLABTRACE_STACKS");
  const char *o = getenv("SLABTRACE_STACKS_OUT");
  if (!d || !*d || !o || !*o || strlen(o) >= sizeof out_prefix - 16) return 0;
  long depth = strtol(d, NULL, 10);
  if (depth <= 0) return 0;
  if (depth > ST_STACK_MAX_DEPTH) depth = ST_STACK_MAX_DEPTH;
  void *s = mmap(NULL, sizeof(slot_t) * SLOTS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  void *f = mmap(NULL, sizeof(uint64_t) * (size_t)depth * (MAX_STACKS + 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  void *l = mmap(NULL, sizeof(uint32_t) * (MAX_STACKS + 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (s == MAP_FAILED || f == MAP_FAILED || l == MAP_FAILED) return 0;
  slots = s;
  frames = f;
  lens = l;
  strcpy(out_prefix, o);
  dl_iterate_phdr(self_range, (void *)(uintptr_t)&st_stacks_init);
  st_stack_depth = (unsigned)depth;
  stack_end(); /* the initial thread's bounds now (its first lookup reads /proc/self/maps) */
  return st_stack_depth;
}

/* The end of the calling thread's stack, asked once (its allocations go to the real malloc: the
 * caller is inside a hook). 0 when unknown (then no stacks on this thread). */
static uintptr_t stack_end(void) {
  if (stk_known) return stk_hi;
  stk_known = 1;
  pthread_attr_t a;
  if (pthread_getattr_np(pthread_self(), &a) != 0) return 0;
  void *addr;
  size_t size;
  if (pthread_attr_getstack(&a, &addr, &size) == 0) stk_hi = (uintptr_t)addr + size;
  pthread_attr_destroy(&a);
  return stk_hi;
}

static uint64_t hash_frames(const uint64_t *pc, unsigned n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  for (unsigned i = 0; i < n; i++) {
    h ^= pc[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h | 1;
}

uint32_t st_stack_capture(void *start) {
  unsigned depth = st_stack_depth;
  uintptr_t hi = stack_end();
  if (!depth || !hi) return 0;
  uint64_t pc[ST_STACK_MAX_DEPTH];
  unsigned n = 0;
  uintptr_t fp = (uintptr_t)start;
  while (n < depth) {
    if (fp & 7 || fp + 16 > hi) break;
    uintptr_t next = ((uintptr_t *)fp)[0], ret = ((uintptr_t *)fp)[1];
    if (!ret) break;
    if (!(ret >= self_lo && ret < self_hi)) pc[n++] = ret;
    if (next <= fp || next >= hi) break;
    fp = next;
  }
  if (n == 0) return 0;
  uint64_t h = hash_frames(pc, n);
  for (uint32_t probe = 0, i = (uint32_t)h & (SLOTS - 1); probe < SLOTS; probe++, i = (i + 1) & (SLOTS - 1)) {
    slot_t *s = &slots[i];
    uint64_t k = atomic_load_explicit(&s->key, memory_order_acquire);
    if (k == SLOT_EMPTY) {
      uint64_t want = SLOT_EMPTY;
      if (atomic_compare_exchange_strong(&s->key, &want, SLOT_BUSY)) {
        uint32_t id = atomic_fetch_add(&next_id, 1) + 1;
        if (id > MAX_STACKS) {
          atomic_store_explicit(&s->key, SLOT_FULL, memory_order_release);
          atomic_fetch_add(&misses, 1);
          return 0;
        }
        memcpy(&frames[(size_t)id * depth], pc, n * sizeof pc[0]);
        lens[id] = n;
        s->id = id;
        s->len = n;
        atomic_store_explicit(&s->key, h, memory_order_release);
        return id;
      }
      k = want;
    }
    for (int spin = 0; k == SLOT_BUSY; spin++) {
      if (spin > 1000) { atomic_fetch_add(&misses, 1); return 0; }
      sched_yield();
      k = atomic_load_explicit(&s->key, memory_order_acquire);
    }
    if (k == h && s->len == n && memcmp(&frames[(size_t)s->id * depth], pc, n * sizeof pc[0]) == 0) return s->id;
  }
  atomic_fetch_add(&misses, 1);
  return 0;
}

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* File: u32 magic 'STKS', u32 version 1, u32 proc id, u32 depth, u32 count, u32 misses, then per
 * stack id 1..count {u32 len, u32 0, u64 pc[len]}, then the text of /proc/self/maps to the end. */
void st_stacks_write(uint32_t proc_id) {
  if (!st_stack_depth) return;
  char path[sizeof out_prefix + 16];
  size_t n = strlen(out_prefix);
  memcpy(path, out_prefix, n);
  path[n++] = '.';
  char digits[12];
  int k = 0;
  uint32_t v = proc_id;
  do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (k) path[n++] = digits[--k];
  path[n] = 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  uint32_t count = atomic_load(&next_id);
  if (count > MAX_STACKS) count = MAX_STACKS;
  uint64_t m = atomic_load(&misses);
  uint32_t hdr[6] = {0x534b5453u /* "STKS" */, 1, proc_id, st_stack_depth, count, (uint32_t)(m > 0xffffffffu ? 0xffffffffu : m)};
  int bad = write_all(fd, hdr, sizeof hdr);
  for (uint32_t id = 1; id <= count && !bad; id++) {
    uint32_t len[2] = {lens[id] <= st_stack_depth ? lens[id] : 0, 0};
    bad = write_all(fd, len, sizeof len) || write_all(fd, &frames[(size_t)id * st_stack_depth], len[0] * sizeof(uint64_t));
  }
  int mfd = bad ? -1 : open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (mfd >= 0) {
    char buf[4096];
    ssize_t r;
    while ((r = read(mfd, buf, sizeof buf)) > 0) if (write_all(fd, buf, (size_t)r)) break;
    close(mfd);
  }
  close(fd);
}
