// Renicing for the dashboard (Linux only; elsewhere these do nothing): while the dashboard shows, the UI
// (main) thread and the process's helper threads that exist before the replay starts (V8's GC/JIT
// threads, which the UI keeps busy, and libuv's pool) run at a lower priority than the replay workers.
// Invariant: the replay's workers start at normal priority — niceness is per thread on Linux and
// inherited by threads created later, so the main thread is lowered only after the workers exist and put
// back when the dashboard closes. Failures (no permission, a thread gone) leave priorities as they are.

import { readdirSync } from 'node:fs';
import os from 'node:os';

/** How much a lowered thread's nice value is raised while the dashboard runs (at most 19). */
const HELPER_NICE = 10;

/**
 * Linux only: lowers the UI (main) thread's priority while the replay runs, after its workers exist;
 * returns the function that puts it back when the dashboard closes (so that a later replay's workers,
 * which inherit the main thread's niceness, start at normal priority). Raising it back needs
 * CAP_SYS_NICE; without it the thread simply stays lower.
 */
export function reniceMain(): () => void {
  if (process.platform !== 'linux') return () => {};
  let before: number;
  try {
    before = os.getPriority(process.pid);
  } catch {
    return () => {};
  }
  reniceThread(process.pid);
  return () => {
    try {
      os.setPriority(process.pid, before);
    } catch {
      // not allowed to raise the priority again: the UI thread stays lower
    }
  };
}

function reniceThread(tid: number): void {
  try {
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + HELPER_NICE));
  } catch {
    // not allowed, or the thread is gone: leave it
  }
}

/**
 * Linux only: lowers the priority of this process's helper threads that exist now — V8's platform
 * threads (concurrent GC and compilation, which the UI keeps busy) and libuv's pool — but not the main
 * thread: niceness is per thread on Linux and inherited by threads created later, and the replay's
 * workers, created by the main thread, must start at normal priority. Call before replayStart.
 */
export function reniceHelpers(): void {
  if (process.platform !== 'linux') return;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const t of tids) if (Number(t) !== process.pid) reniceThread(Number(t));
}
