// Thread lifecycle shared by writer and reader. Liveness: thread 0 is live from the start; any other
// thread from its thread_start to its thread_exit (it may start again). Fate (format version 2): per
// thread id, never started (FATE_NONE) / started and not yet joined or detached (FATE_JOINABLE: live,
// or exited and unreleased) / joined or detached (FATE_RELEASED: if still live, it is detached and is
// released at its exit). A thread_start sets FATE_JOINABLE: an unreleased earlier incarnation is
// leaked, and a join then names the newest one. Ids below TRACE_SMALL_TIDS use flat arrays (the hot
// loops index live/fate directly); larger ids (e.g. OS tids) use a set and a map, so memory is
// bounded by the thread ids seen. join()/detach() change nothing when they return an error code.
// live and fate come from `alloc` (a reader's arena: the fused kernel reads and writes them in place).
import { heapAlloc, type TraceAlloc } from './arena.js';
import type { TraceErrorCode } from './errors.js';

export const TRACE_SMALL_TIDS = 65536;

export const FATE_NONE = 0;
export const FATE_JOINABLE = 1;
export const FATE_RELEASED = 2;

/** Codes of a refused thread_join / thread_detach. */
export type TraceThreadFault = Extract<TraceErrorCode, 'JOIN_UNKNOWN' | 'JOIN_LIVE' | 'JOIN_TWICE' | 'DETACH_UNKNOWN' | 'DETACH_TWICE'>;

export class TraceThreads {
  readonly live: Uint8Array;
  seen = new Uint8Array(TRACE_SMALL_TIDS);
  readonly fate: Uint8Array;
  bigLive = new Set<number>();
  bigSeen = new Set<number>();
  bigFate = new Map<number, number>();
  seenCount = 0;

  constructor(alloc: TraceAlloc = heapAlloc) {
    this.live = alloc.u8(TRACE_SMALL_TIDS);
    this.fate = alloc.u8(TRACE_SMALL_TIDS);
    this.live[0] = 1;
    this.fate[0] = FATE_JOINABLE;
  }

  isLive(t: number): boolean {
    return t < TRACE_SMALL_TIDS ? this.live[t] === 1 : this.bigLive.has(t);
  }

  /** Liveness only (thread_exit; thread_start goes through start()). */
  setLive(t: number, on: boolean): void {
    if (t < TRACE_SMALL_TIDS) this.live[t] = on ? 1 : 0;
    else if (on) this.bigLive.add(t);
    else this.bigLive.delete(t);
  }

  /** thread_start (the caller checked that t is not live): a new joinable incarnation. */
  start(t: number): void {
    this.setLive(t, true);
    this.setFate(t, FATE_JOINABLE);
  }

  fateOf(t: number): number {
    return t < TRACE_SMALL_TIDS ? this.fate[t]! : (this.bigFate.get(t) ?? FATE_NONE);
  }

  setFate(t: number, f: number): void {
    if (t < TRACE_SMALL_TIDS) this.fate[t] = f;
    else this.bigFate.set(t, f);
  }

  /** thread_join of t: null (t is now released) or why not (nothing changed). */
  join(t: number): TraceThreadFault | null {
    const f = this.fateOf(t);
    if (f === FATE_NONE) return 'JOIN_UNKNOWN';
    if (this.isLive(t)) return 'JOIN_LIVE';
    if (f === FATE_RELEASED) return 'JOIN_TWICE';
    this.setFate(t, FATE_RELEASED);
    return null;
  }

  /** thread_detach of t: null (t is released now, or at its exit if live) or why not. */
  detach(t: number): TraceThreadFault | null {
    const f = this.fateOf(t);
    if (f === FATE_NONE) return 'DETACH_UNKNOWN';
    if (f === FATE_RELEASED) return 'DETACH_TWICE';
    this.setFate(t, FATE_RELEASED);
    return null;
  }

  markSeen(t: number): void {
    if (t < TRACE_SMALL_TIDS) {
      if (this.seen[t] === 0) { this.seen[t] = 1; this.seenCount++; }
    } else if (!this.bigSeen.has(t)) { this.bigSeen.add(t); this.seenCount++; }
  }
}

/** Cold: the message of a refused join/detach of thread `target` by thread `actor`. */
export function traceThreadFaultText(code: TraceThreadFault, actor: number, target: number): { detail: string; expected: string } {
  switch (code) {
    case 'JOIN_UNKNOWN':
      return { detail: `thread_join of thread ${target} by thread ${actor}: thread ${target} was never started`, expected: 'a thread that was started' };
    case 'JOIN_LIVE':
      return {
        detail: actor === target ? `thread_join of thread ${target} by itself` : `thread_join of thread ${target} by thread ${actor}: thread ${target} is live`,
        expected: 'a thread that has exited',
      };
    case 'JOIN_TWICE':
      return { detail: `thread_join of thread ${target} by thread ${actor}: thread ${target} was already joined or detached`, expected: 'an exited thread not yet joined or detached' };
    case 'DETACH_UNKNOWN':
      return { detail: `thread_detach of thread ${target} by thread ${actor}: thread ${target} was never started`, expected: 'a thread that was started' };
    default:
      return { detail: `thread_detach of thread ${target} by thread ${actor}: thread ${target} was already joined or detached`, expected: 'a thread not yet joined or detached' };
  }
}
