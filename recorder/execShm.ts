// The page libslabtrace shares with the recorder (recorder/native/shm.h): created zeroed before the
// program starts, read after it ended for what the capture could not do (a log write that failed,
// children not followed, sequence numbers voided at an end) and what it used (ring memory).
// Owns: the file's size and the byte offsets of shm.h's fields (the signal arrays are read while the
// program runs by execSignals.ts, which owns their offsets). Change them together with shm.h.
import { readFileSync, writeFileSync } from 'node:fs';

export const EXEC_SHM_SIZE = 8192;

export interface ExecShmState {
  /** Sequence numbers taken (records made by every process). */
  seq: number;
  /** Process images recorded (the program's, exec'd ones, followed children's). */
  images: number;
  /** pid of the recorded program once the library ran in it, else 0 (it never loaded). */
  rootPid: number;
  /** Child processes not recorded (no --follow-forks). */
  unfollowed: number;
  /** A write to the raw log failed: nothing was written after it. */
  logBroken: boolean;
  /** errno of the first failed write or reopen of the log (0 none). */
  logErrno: number;
  /** Bytes of records that could not be written. */
  lostBytes: number;
  /** Most ring memory one process had at once (bytes). */
  ringPeak: number;
  /** Times a thread drained its own full ring (its process's ring budget was used up). */
  spills: number;
  /** Times a process found its log descriptor closed or replaced and opened the log again. */
  reopens: number;
  /** Sequence numbers taken by records dropped at a process's end (not lost events). */
  voided: number;
}

export function execShmCreate(path: string): void {
  writeFileSync(path, Buffer.alloc(EXEC_SHM_SIZE));
}

export function execShmRead(path: string): ExecShmState {
  const b = readFileSync(path);
  const u64 = (o: number): number => Number(b.readBigUInt64LE(o));
  return {
    seq: u64(0),
    images: b.readUInt32LE(12),
    rootPid: b.readInt32LE(16),
    unfollowed: b.readUInt32LE(20),
    logBroken: b.readUInt32LE(24) !== 0,
    logErrno: b.readInt32LE(28),
    lostBytes: u64(32),
    ringPeak: u64(40),
    spills: u64(48),
    reopens: b.readUInt32LE(56),
    voided: b.readUInt32LE(60),
  };
}
