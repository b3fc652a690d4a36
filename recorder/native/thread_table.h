/*
 * thread_table: what libslabtrace knows about the threads it saw created through pthread_create.
 *
 * Owns: the pthread_t -> recorder thread id table (so that pthread_join / pthread_detach can name
 * their target), and the pool of start blocks the pthread_create hook hands to new threads.
 * Invariants:
 *  - Never allocates through malloc: the table and the pool live in mmap'd memory.
 *  - One spin lock guards both; no other lock is ever taken while it is held, so it cannot be part
 *    of a lock cycle (preload.c's atfork handlers take it before their own lock, nothing else nests).
 *    It is held with every signal blocked, so no signal handler can run on its holder.
 *  - A pthread_t is reused by the C library once its thread is joined (or exited detached). An entry
 *    is written only while its handle surely belongs to its thread: by the new thread itself as it
 *    starts, or by the creator after pthread_create returned if the new thread has not yet mapped
 *    itself (so it has not run, let alone exited); the start block shared by the two says which
 *    came first. So a write always replaces a stale entry, never a live one, and every removal
 *    names the tid it expects: a late writer cannot clobber the mapping of a newer thread.
 *  - Off the malloc hot path: only thread creation, join, detach and exit use it.
 */
#ifndef SLABTRACE_THREAD_TABLE_H
#define SLABTRACE_THREAD_TABLE_H
#include <stdint.h>

/* What a new thread needs before it runs the program's start routine; shared by the creator and
 * the new thread (two references), returned to the pool by the last one done with it. */
typedef struct tt_start {
  void *(*fn)(void *);
  void *arg;
  uint32_t tid;       /* recorder thread id assigned by the creator */
  uint32_t detached;  /* created with PTHREAD_CREATE_DETACHED: never mapped (nobody may join it) */
  int refs, mapped;   /* guarded by the lock */
  struct tt_start *next;
} tt_start_t;

/* A start block with two references, or NULL when no memory could be mapped. */
tt_start_t *tt_start_get(void);
/* The creator, after pthread_create returned rc (key = the new handle when rc == 0): maps it unless
 * the new thread already did, and drops the creator's reference (both when the thread never ran). */
void tt_created(tt_start_t *s, int rc, uintptr_t key);
/* The new thread, before the start routine (key = pthread_self()): maps it unless the creator
 * already did, and drops the thread's reference. Read s's fields before: s may be reused after. */
void tt_started(tt_start_t *s, uintptr_t key);
/* The tid of key, or -1. */
int64_t tt_get(uintptr_t key);
/* The thread (key, tid) was joined: forget it. */
void tt_joined(uintptr_t key, uint32_t tid);
/* (key, tid) was detached: forget it if it already exited, else remember to forget it at its exit. */
void tt_detached(uintptr_t key, uint32_t tid);
/* (key, tid) is exiting: forget it if detached, else keep it for the join to come. */
void tt_exited(uintptr_t key, uint32_t tid);

/* fork: lock before, unlock after (parent and child); the child may then clear the table. */
void tt_lock(void);
void tt_unlock(void);
void tt_clear(void);
#endif
