// Thread lifecycle of a native capture, for the raw-log converter (nativeLog.ts): turns the preload
// library's THREAD_START / THREAD_EXIT / THREAD_JOIN / THREAD_DETACH records (in sequence order)
// into trace events that the trace reader accepts (format version 2).
// Owns: per thread id of one output trace, its process, whether it is live in the trace and its fate
// (joinable, released by a join, released by a detach). Ids are unique per OS thread within the
// trace (nativeOutputs.ts maps recorder ids to them); thread 0 (the root's main thread, or in a
// per-process trace that process's main thread) is live throughout and never exits in the trace.
// Invariants (the reader's rules, kept by construction):
//  - thread_join(actor, t) is written only when actor is live and t has exited and is not released;
//    a join of a thread still live here (it restarted late and never exited again) first writes
//    that thread's exit: the join proves it terminated.
//  - thread_detach(actor, t) is written only when actor is live and t has started and is not
//    released. A detach that comes before t's own THREAD_START (the detacher got the handle from
//    pthread_create before t ran) starts t there; t's own start is then not written again.
//  - A thread that starts again after its exit (one the library did not create, allocating in a
//    late key destructor) is a new incarnation in the trace; if the earlier one was detached, the
//    new one is detached too (by itself), so its stack is still released at its last exit. (An
//    earlier joinable incarnation stays unreleased: the reader counts it leaked.)
//  - An event a thread made after its exit is given to a live thread of the same process (standIn);
//    with none, the thread is restarted around it.
//  - An exec replaces the process image: the old image's threads exit (if live) and are released
//    (detached by the new image's main thread). At a process's end its live threads exit; threads
//    never joined or detached stay unreleased (leaked, as the reader counts them), except for a
//    child process in a merged trace (releaseProc): its threads all go with it, released.
//  - Records that cannot be honoured (unknown target, twice released, actor not live) are counted
//    in skippedThreadOps, never written.
import type { TraceWriter } from '../traces/index.js';

const LIVE = 1;
const EXITED_ONCE = 2;
const RELEASED = 4;
const DETACHED = 8;
/** Started by a detach before its own THREAD_START record. */
const EARLY = 16;

export interface NativeThreadCounts {
  /** Distinct thread ids that started (thread 0 included). */
  threads: number;
  threadJoins: number;
  threadDetaches: number;
  /** Starts of a thread after its own exit (allocations in late key destructors). */
  threadRestarts: number;
  /** Join / detach records the trace could not express (target unknown or released, actor gone). */
  skippedThreadOps: number;
}

export class NativeThreads {
  private flags = new Map<number, number>();
  /** Per process, its threads that are live or not yet released (what its end or exec concerns). */
  private open = new Map<number, Set<number>>();
  private procOf = new Map<number, number>();
  readonly counts: NativeThreadCounts = { threads: 0, threadJoins: 0, threadDetaches: 0, threadRestarts: 0, skippedThreadOps: 0 };

  /** `zeroEverywhere`: thread 0 is every process's (a per-process trace), not only process 0's. */
  constructor(private w: TraceWriter, private zeroEverywhere = false) {}

  /** The thread's own THREAD_START record. */
  start(proc: number, tid: number): void {
    const f = this.flags.get(tid);
    if (f === undefined) this.counts.threads++;
    if (tid === 0) { this.flags.set(0, LIVE); return; }
    this.openIn(proc, tid).add(tid);
    if (f !== undefined && (f & EARLY) !== 0) { this.flags.set(tid, f & ~EARLY); return; }
    if (f !== undefined && (f & LIVE) !== 0) return;
    this.w.threadStart(tid);
    if (f !== undefined && (f & EXITED_ONCE) !== 0) {
      this.counts.threadRestarts++;
      if ((f & DETACHED) !== 0) {
        this.w.threadDetach(tid, tid);
        this.counts.threadDetaches++;
        this.flags.set(tid, LIVE | EXITED_ONCE | RELEASED | DETACHED);
        return;
      }
    }
    this.flags.set(tid, LIVE | ((f ?? 0) & EXITED_ONCE));
  }

  /** The thread's own THREAD_EXIT record (or its end with its process). */
  exit(tid: number): void {
    const f = this.flags.get(tid);
    if (tid === 0 || f === undefined || (f & LIVE) === 0) return;
    this.w.threadExit(tid);
    this.setFlags(tid, (f & ~(LIVE | EARLY)) | EXITED_ONCE);
  }

  /** THREAD_JOIN: `actor` joined `target` (the real join returned 0). */
  join(actor: number, target: number): void {
    const f = this.flags.get(target);
    if (target === 0 || f === undefined || (f & RELEASED) !== 0 || !this.isLive(actor) || actor === target) {
      this.counts.skippedThreadOps++;
      return;
    }
    if ((f & LIVE) !== 0) this.exit(target);
    this.w.threadJoin(actor, target);
    this.counts.threadJoins++;
    this.setFlags(target, (this.flags.get(target) ?? 0) | RELEASED);
  }

  /** THREAD_DETACH: `actor` detached `target` (the real detach returned 0; target may be actor). */
  detach(proc: number, actor: number, target: number): void {
    let f = this.flags.get(target);
    if (target === 0 || (f !== undefined && (f & RELEASED) !== 0) || !this.isLive(actor)) {
      this.counts.skippedThreadOps++;
      return;
    }
    if (f === undefined) {
      // created, not yet running: it exists from its creation on, so start it here
      this.w.threadStart(target);
      this.counts.threads++;
      this.openIn(proc, target).add(target);
      f = LIVE | EARLY;
    }
    this.w.threadDetach(actor, target);
    this.counts.threadDetaches++;
    this.setFlags(target, f | RELEASED | DETACHED);
  }

  /** The process ended: its live threads end with it (those never joined or detached stay unreleased). */
  endProc(proc: number): void {
    const open = this.open.get(proc);
    if (open) for (const tid of open) this.exit(tid);
  }

  /**
   * The image of `proc` was replaced by exec (by thread `actor`, live): its other threads are gone
   * with their stacks, so they exit and are released (detached by the actor).
   */
  execProc(proc: number, actor: number): void {
    const open = this.open.get(proc);
    if (!open) return;
    for (const tid of open) {
      if (tid === actor) continue;
      this.exit(tid);
      const f = this.flags.get(tid) ?? 0;
      if ((f & RELEASED) === 0 && this.isLive(actor)) {
        this.w.threadDetach(actor, tid);
        this.counts.threadDetaches++;
        this.setFlags(tid, f | RELEASED | DETACHED);
      }
    }
  }

  /**
   * A child process of a merged trace ended: its threads end and are released, as the kernel releases
   * them with the process (the others by the main thread, or another live one, which then detaches
   * itself and exits). Threads that cannot be released (no live thread left) stay as they are.
   */
  releaseProc(proc: number, main: number): void {
    const actor = this.standIn(proc, main);
    if (actor < 0) return;
    this.execProc(proc, actor);
    const f = this.flags.get(actor) ?? 0;
    if ((f & RELEASED) === 0) {
      this.w.threadDetach(actor, actor);
      this.counts.threadDetaches++;
      this.setFlags(actor, f | RELEASED | DETACHED);
    }
    this.exit(actor);
  }

  /** Whether `tid` is live in the trace. */
  isLive(tid: number): boolean {
    return tid === 0 || ((this.flags.get(tid) ?? 0) & LIVE) !== 0;
  }

  /**
   * Who the trace names for an event `tid` made after its exit (see preload.c, OP_AFTER_EXIT): tid if
   * it is live here, else thread 0 in the root process (always live), else the process's earliest
   * registered live thread (in a forked child, the one that forked); -1 if it has none. In a
   * per-process trace thread 0 stands in everywhere.
   */
  standIn(proc: number, tid: number): number {
    if (this.isLive(tid)) return tid;
    if (proc === 0 || this.zeroEverywhere) return 0;
    const open = this.open.get(proc);
    if (open) for (const t of open) if (this.isLive(t)) return t;
    return -1;
  }

  private openIn(proc: number, tid: number): Set<number> {
    this.procOf.set(tid, proc);
    let s = this.open.get(proc);
    if (!s) { s = new Set(); this.open.set(proc, s); }
    return s;
  }

  /** Sets a thread's flags; a thread that is neither live nor unreleased leaves its process's open set. */
  private setFlags(tid: number, f: number): void {
    this.flags.set(tid, f);
    if ((f & LIVE) === 0 && (f & RELEASED) !== 0) this.open.get(this.procOf.get(tid) ?? -1)?.delete(tid);
  }
}
