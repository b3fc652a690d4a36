/*
 * shm: the page shared by every process of one capture and the recorder (the file named by
 * SLABTRACE_SHM, mapped MAP_SHARED; recorder/execShm.ts reads it after the run, execSignals.ts while
 * it runs). The offsets are a contract with those two files: change them together.
 * Invariants: every field is only ever changed with atomics; a zeroed file is the initial state.
 */
#ifndef SLABTRACE_SHM_H
#define SLABTRACE_SHM_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SHM_SIGS 64
#define SHM_PID_SLOTS 1024
#define SHM_SIZE 8192

typedef struct {
  _Atomic uint64_t seq;          /* 0: next sequence number (events of every process) */
  _Atomic uint32_t next_tid;     /* 8: next recorder thread id */
  _Atomic uint32_t next_proc;    /* 12: process images recorded so far (the next image's id) */
  _Atomic int32_t root_pid;      /* 16: the recorded program's pid (its exec'd images keep it) */
  _Atomic uint32_t unfollowed;   /* 20: child processes not recorded (no SLABTRACE_FOLLOW) */
  _Atomic uint32_t log_broken;   /* 24: a write to the log failed: nothing is written after it */
  _Atomic int32_t log_errno;     /* 28: errno of the first failed write or reopen */
  _Atomic uint64_t lost_bytes;   /* 32: record bytes that could not be written */
  _Atomic uint64_t ring_peak;    /* 40: most ring memory one process had at once (bytes) */
  _Atomic uint64_t spills;       /* 48: times a thread drained its own full ring (ring budget used up) */
  _Atomic uint32_t reopens;      /* 56: times a process found its log descriptor closed or replaced */
  _Atomic uint32_t voided;       /* 60: sequence numbers taken by records dropped at a process's end */
  _Atomic uint64_t sig_ns[SHM_SIGS];    /* 64: time of the last outside delivery per signal */
  _Atomic uint32_t sig_count[SHM_SIGS]; /* 576: outside deliveries per signal */
  char pad2[4096 - 576 - 4 * SHM_SIGS];
  _Atomic int32_t fork_pids[SHM_PID_SLOTS]; /* 4096: unfollowed forked children (pid % slots) */
  char pad3[SHM_SIZE - 4096 - 4 * SHM_PID_SLOTS];
} shm_t;

_Static_assert(offsetof(shm_t, lost_bytes) == 32 && offsetof(shm_t, ring_peak) == 40 &&
               offsetof(shm_t, reopens) == 56 && offsetof(shm_t, voided) == 60 && offsetof(shm_t, sig_ns) == 64 &&
               offsetof(shm_t, sig_count) == 576 && offsetof(shm_t, fork_pids) == 4096 &&
               sizeof(shm_t) == SHM_SIZE,
               "shm layout is read by recorder/execShm.ts and recorder/execSignals.ts");
#endif
