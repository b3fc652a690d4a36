/*
 * exec: performing one allocation event through the process's malloc, as recorded: malloc, calloc
 * (one element of the recorded size), posix_memalign (the recorded alignment, raised to
 * sizeof(void *) where smaller, as posix_memalign requires), realloc, free. Every block gets its first
 * and last byte written (as Larson does) and, by default, one byte on every page in between, so that
 * its pages are resident the way a program that fills its buffers has them (battle's pointer arrays,
 * which the trace records as one allocation the program then writes whole; the model counts a large
 * block as resident too). CFG_TOUCH_ENDS keeps to the first and last byte.
 * Static inline: the single-threaded loop (main.c) and the workers (threads.c) both inline it.
 * Invariant: g_tab[id] holds the object's pointer from its allocation to its free (NULL after a
 * failed allocation; a failed realloc leaves the old block in place, as realloc does).
 */
#ifndef SLABTRACE_EXEC_H
#define SLABTRACE_EXEC_H

#include <stdlib.h>
#include "replay.h"

#define EXEC_PAGE 4096u

/** Writes the block's first and last byte and, unless CFG_TOUCH_ENDS, one byte on every page between. */
static inline void exec_touch(void *p, uint64_t size) {
  volatile char *v = (volatile char *)p;
  v[0] = 1;
  if (__builtin_expect(size > EXEC_PAGE + 1, 0) && !(g_flags & CFG_TOUCH_ENDS)) {
    for (uint64_t off = EXEC_PAGE - ((uintptr_t)p & (EXEC_PAGE - 1)); off < size - 1; off += EXEC_PAGE) v[off] = 1;
  }
  v[size - 1] = 1;
}

static inline void *exec_memalign(uint64_t size, uint32_t align) {
  void *p = NULL;
  size_t a = align < sizeof(void *) ? sizeof(void *) : align;
  return posix_memalign(&p, a, size) == 0 ? p : NULL;
}

/** realloc of object `id`; returns 0, or -1 when it failed (the old block stays). */
static inline int exec_realloc(uint32_t id, uint64_t size, exec_counts *c) {
  void *old = g_tab[id];
  void *p = realloc(old, size);
  if (!p) return -1;
  if (old) c->frees++;
  exec_touch(p, size);
  g_tab[id] = p;
  c->allocs++;
  return 0;
}

/** alloc, calloc, memalign or realloc of object `id`; returns 0, or -1 when the allocator said no. */
static inline int exec_alloc_op(int op, uint32_t id, uint64_t size, uint32_t aux, exec_counts *c) {
  void *p;
  if (op == OP_ALLOC) p = malloc(size);
  else if (op == OP_CALLOC) p = calloc(1, size);
  else if (op == OP_MEMALIGN) p = exec_memalign(size, aux);
  else return exec_realloc(id, size, c);
  g_tab[id] = p;
  if (!p) return -1;
  exec_touch(p, size);
  c->allocs++;
  return 0;
}

static inline void exec_free_op(uint32_t id, exec_counts *c) {
  void *p = g_tab[id];
  g_tab[id] = NULL;
  if (p) {
    free(p);
    c->frees++;
  }
}

#endif
