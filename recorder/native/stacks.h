/*
 * stacks: call stacks of allocations for `record exec --stacks[=DEPTH]` (SLABTRACE_STACKS=DEPTH,
 * SLABTRACE_STACKS_OUT=path prefix).
 * Owns: the frame-pointer walk, the deduplicated stack table (ids 1, 2, ... per process image) in the
 * library's own mmap'd memory, and writing that table with the image's mappings to
 * "<prefix>.<proc id>" (format in recorder/nativeStacks.ts).
 * Invariants:
 *  - Off (depth 0) unless SLABTRACE_STACKS is set: the hooks then pay one predictable branch.
 *  - Never allocates through malloc, takes no lock: the table is open addressing with a per-slot
 *    state word (empty, busy, or the stack's hash) set by compare-and-swap; a reader that finds a
 *    slot busy spins a bounded number of times, then gives up (stack 0), so a fork that copied a
 *    half-written slot can never hang the child.
 *  - The walk starts at the hook's frame and reads only the calling thread's stack: each frame
 *    pointer must lie above the previous one (the stack grows down), 8-byte aligned, below the thread's stack end (pthread_getattr_np,
 *    asked once per thread, outside any lock); frames inside this library are skipped. Code without
 *    frame pointers ends the walk early or skips frames; it never reads outside the stack.
 *  - Async-signal-safe writing (open, write, read, close): st_stacks_write runs from finish() and
 *    before an exec. A full table gives stack 0 and counts the miss.
 */
#ifndef SLABTRACE_STACKS_H
#define SLABTRACE_STACKS_H
#include <stdint.h>

/* Most frames per stack. */
#define ST_STACK_MAX_DEPTH 64

/* Reads the environment and maps the table (once per image); returns the depth (0 = off). */
unsigned st_stacks_init(void);
/* The current depth (0 = off). */
extern unsigned st_stack_depth;
/* The stack id (0: none, or the table is full) of the allocation whose hook's frame is `fp`
 * (__builtin_frame_address(0) in the hook: its return address is the allocation's call site). */
uint32_t st_stack_capture(void *fp);
/* Writes the table and /proc/self/maps to "<prefix>.<proc_id>" (async-signal-safe). */
void st_stacks_write(uint32_t proc_id);
#endif
