// The replay's per-thread table: one row per thread incarnation the trace started (thread 0 from the
// beginning), with its allocator counters captured when it exits (the allocator forgets a thread then)
// or at the end, and what became of it: running, exited (then joined, detached, or leaked when the
// trace never joins it). Updated on thread events only (cold), bounded by the threads in the trace.
// Invariant: a tid has at most one open row (its newest incarnation); rows keep trace order.

import type { Allocator, ThreadFigures } from '../allocator/index.js';

export type ThreadState = 'running' | 'exited' | 'joined' | 'detached' | 'leaked';

export interface ReplayThreadRow {
  tid: number;
  /** allocations minus frees by this thread (negative when it freed more blocks than it allocated) */
  liveBlocks: number;
  allocs: number;
  frees: number;
  remoteFreesSent: number;
  remoteFreesReceived: number;
  state: ThreadState;
}

const ZERO: ThreadFigures = { allocs: 0, frees: 0, remoteFreesSent: 0, remoteFreesReceived: 0 };

export class ThreadTable {
  private readonly rows: ReplayThreadRow[] = [];
  private readonly open = new Map<number, ReplayThreadRow>();
  /** Running threads already detached (released at their exit). */
  private readonly detachedRunning = new Set<number>();

  constructor(private readonly alloc: Allocator, private readonly joinOnExit: boolean) {
    this.start(0);
  }

  start(tid: number): void {
    const prev = this.open.get(tid);
    if (prev && prev.state === 'exited') prev.state = 'leaked';
    this.detachedRunning.delete(tid);
    const row: ReplayThreadRow = { tid, liveBlocks: 0, allocs: 0, frees: 0, remoteFreesSent: 0, remoteFreesReceived: 0, state: 'running' };
    this.rows.push(row);
    this.open.set(tid, row);
  }

  /** Before the allocator forgets the thread: its counters. */
  exit(tid: number): void {
    const row = this.open.get(tid);
    if (!row) return;
    this.capture(row);
    if (this.joinOnExit || this.detachedRunning.delete(tid)) {
      row.state = this.joinOnExit ? 'joined' : 'detached';
      this.open.delete(tid);
    } else row.state = 'exited';
  }

  join(tid: number): void {
    const row = this.open.get(tid);
    if (!row) return;
    row.state = 'joined';
    this.open.delete(tid);
  }

  detach(tid: number): void {
    const row = this.open.get(tid);
    if (!row) return;
    if (row.state !== 'exited') { this.detachedRunning.add(tid); return; }
    row.state = 'detached';
    this.open.delete(tid);
  }

  private capture(row: ReplayThreadRow): void {
    const f = this.alloc.threadFigures(row.tid) ?? ZERO;
    row.allocs = f.allocs;
    row.frees = f.frees;
    row.liveBlocks = f.allocs - f.frees;
    row.remoteFreesSent = f.remoteFreesSent;
    row.remoteFreesReceived = f.remoteFreesReceived;
  }

  /** The rows at the end of the replay: running threads' counters read now; never-joined ones leaked. */
  result(): ReplayThreadRow[] {
    for (const row of this.open.values()) {
      if (row.state === 'running') this.capture(row);
      else if (row.state === 'exited') row.state = 'leaked';
    }
    return this.rows;
  }
}

const THREAD_STATES: readonly ThreadState[] = ['running', 'exited', 'joined', 'detached', 'leaked'];
const ROW_FIGURES = 6;

/** Thread rows as two typed arrays, for the replay worker's 'done' message: a structured clone of
 *  tens of thousands of row objects (a Larson trace starts one thread per ~2,000 events) costs tens
 *  of milliseconds on each side; these transfer whole. */
export interface ThreadRowsPacked { figures: Float64Array<ArrayBuffer>; states: Uint8Array<ArrayBuffer> }

export function threadRowsPack(rows: readonly ReplayThreadRow[]): ThreadRowsPacked {
  const figures = new Float64Array(rows.length * ROW_FIGURES);
  const states = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!, b = i * ROW_FIGURES;
    figures[b] = r.tid;
    figures[b + 1] = r.liveBlocks;
    figures[b + 2] = r.allocs;
    figures[b + 3] = r.frees;
    figures[b + 4] = r.remoteFreesSent;
    figures[b + 5] = r.remoteFreesReceived;
    states[i] = THREAD_STATES.indexOf(r.state);
  }
  return { figures, states };
}

/** The rows threadRowsPack packed (the same fields, in the same order). */
export function threadRowsUnpack(p: ThreadRowsPacked): ReplayThreadRow[] {
  const f = p.figures;
  const rows = new Array<ReplayThreadRow>(p.states.length);
  for (let i = 0; i < rows.length; i++) {
    const b = i * ROW_FIGURES;
    rows[i] = {
      tid: f[b]!, liveBlocks: f[b + 1]!, allocs: f[b + 2]!, frees: f[b + 3]!,
      remoteFreesSent: f[b + 4]!, remoteFreesReceived: f[b + 5]!, state: THREAD_STATES[p.states[i]!]!,
    };
  }
  return rows;
}
