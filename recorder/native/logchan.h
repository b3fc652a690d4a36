/*
 * logchan: the channel that carries libslabtrace's records to the recorder, the raw log file named
 * by SLABTRACE_LOG, held open on one descriptor above the program's range.
 * Owns: that descriptor, the identity of the file it must name (device, inode), reopening it by path,
 * and the accounting of what could not be written (in the shared page, shm.h).
 * Invariants:
 *  - No fixed descriptor number and nothing inherited across exec: each process image opens the log
 *    by path (close-on-exec) and moves it to the highest free number below min(RLIMIT_NOFILE, 1024),
 *    far from where the program's own opens and dup2s land. A forked child shares its parent's open
 *    file (O_APPEND), so records of all processes append whole chunks to one file; one that is not
 *    recorded closes its copy.
 *  - Before each write the descriptor is checked (fstat) to still name the log. When the program
 *    closed it (close_range, closefrom, a daemon closing everything) or put its own file at that
 *    number, the log is opened again by path at a new number; the program's descriptor is never
 *    touched, so the program never finds our records in its files. (Left: the program replacing that
 *    exact number between the check and the write, microseconds apart.)
 *  - Only the process that owns the descriptor writes: a vfork child (our memory, its own descriptor
 *    table) writes nothing and its caller keeps the records buffered for the parent (lc_write → 0).
 *  - The first failed or short write (ENOSPC, EFBIG, EDQUOT, EIO…) breaks the log for every process of
 *    the capture (shm log_broken): nothing is written after it, so no chunk follows a cut one; the
 *    bytes not written are counted (the recorder reports how much space the capture needed). A
 *    SIGXFSZ raised by our own write is consumed, never delivered to the program.
 *  - Async-signal-safe, no cancellation points (raw system calls); callers hold every signal blocked.
 */
#ifndef SLABTRACE_LOGCHAN_H
#define SLABTRACE_LOGCHAN_H
#include <stddef.h>
#include "shm.h"

/* Opens the log at `path` for this process image (counters go to `shm`); 0, or -1 with errno. */
int lc_open(const char *path, shm_t *shm);
/* In a forked child: this process now owns its copy of the descriptor. */
void lc_forked(void);
/* In a forked child that will not be recorded: closes its copy of the descriptor (if still ours). */
void lc_drop(void);
/* Writes len bytes (or counts them lost): 1; 0 when this process may not write (a vfork child). */
int lc_write(const void *buf, size_t len);
/* Counts len bytes that were never handed to lc_write as lost (records dropped before writing). */
void lc_lost(size_t len);
/* The descriptor number (for tests and debugging), or -1. */
int lc_fd(void);
#endif
