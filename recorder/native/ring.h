/*
 * ring: the memory of the per-thread record rings (the rings themselves, pushed to and drained, are
 * preload.c's): their headers, carved from mmap'd pages and never freed (preload.c reuses them),
 * and their record buffers, sized to what each thread needs.
 * Owns: ring_t and rec_t, the buffer sizes (RING_MIN..RING_MAX records, powers of two), this
 * process's ring memory and its budget, the peak in the shared page.
 * Invariants:
 *  - A ring starts with RING_MIN records (6 KiB). It doubles only when found full, up to RING_MAX,
 *    and only while this process's ring memory stays within the budget (RING_BUDGET, or
 *    SLABTRACE_RING_BUDGET bytes); beyond that its own thread writes it out when full (a spill,
 *    preload.c). So N allocating threads cost at most N × 6 KiB plus the budget.
 *  - recs and cap change only with the ring empty, under the drain lock, by the ring's owner
 *    (ring_buffer_swap): the owner reads them without the lock, drainers with it.
 *  - Never through malloc: mmap only. Headers are handed out under the drain lock.
 */
#ifndef SLABTRACE_RING_H
#define SLABTRACE_RING_H
#include <stdatomic.h>
#include <stdint.h>
#include "shm.h"

#define RING_MIN 256u
#define RING_MAX (1u << 15)
#define RING_BUDGET (24u << 20)

typedef struct { uint64_t seqop, ptr, arg; } rec_t;

typedef struct ring {
  _Alignas(64) _Atomic uint64_t head;
  _Atomic int busy; /* the owner is inside push (see preload.c's finish: records in flight at the end) */
  char pad0[52];
  _Atomic uint64_t tail;
  char pad1[56];
  uint32_t tid;
  _Atomic int state; /* 0 free, 1 active, 2 exited (drain then free) */
  struct ring *next;
  rec_t *recs;
  uint64_t cap; /* records, a power of two */
} ring_t;

/* Reads the budget override; `shm` gets the peak. */
void ring_setup(shm_t *shm);
/* A new header with a RING_MIN buffer, or NULL (no memory). Drain lock held. */
ring_t *ring_alloc(void);
/* A buffer of `cap` records, reserved against the budget; NULL over it, above RING_MAX, or no memory. */
rec_t *ring_buffer_new(uint64_t cap);
/* Gives back a buffer from ring_buffer_new that was not used. */
void ring_buffer_free(rec_t *recs, uint64_t cap);
/* Puts `recs` (cap records) in place of r's buffer, which is freed. r empty, drain lock held. */
void ring_buffer_swap(ring_t *r, rec_t *recs, uint64_t cap);
#endif
