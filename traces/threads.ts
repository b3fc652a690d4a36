// Thread liveness shared by writer and reader: thread 0 is live from the start; any other thread
// from its thread_start to its thread_exit (it may start again). Ids below TRACE_SMALL_TIDS use flat
// arrays (the hot loops index them directly); larger ids (e.g. OS tids) use sets.
/** Thread liveness: thread 0 live from the start; others from thread_start to thread_exit. */
export const TRACE_SMALL_TIDS = 65536;

export class TraceThreads {
  live = new Uint8Array(TRACE_SMALL_TIDS);
  seen = new Uint8Array(TRACE_SMALL_TIDS);
  bigLive = new Set<number>();
  bigSeen = new Set<number>();
  seenCount = 0;

  constructor() {
    this.live[0] = 1;
  }

  isLive(t: number): boolean {
    return t < TRACE_SMALL_TIDS ? this.live[t] === 1 : this.bigLive.has(t);
  }

  setLive(t: number, on: boolean): void {
    if (t < TRACE_SMALL_TIDS) this.live[t] = on ? 1 : 0;
    else if (on) this.bigLive.add(t);
    else this.bigLive.delete(t);
  }

  markSeen(t: number): void {
    if (t < TRACE_SMALL_TIDS) {
      if (this.seen[t] === 0) { this.seen[t] = 1; this.seenCount++; }
    } else if (!this.bigSeen.has(t)) { this.bigSeen.add(t); this.seenCount++; }
  }
}
