// TraceReadState: what a validating reader carries from chunk to chunk: the id rule (TraceIds, with
// the live objects' sizes), the threads, the running digest, the footer figures, where the passes of
// apply.ts stopped (resume*, resumeSave) and the cold paths they call for bad events.
// Definitions (the same in every form and for every chunking): `events` / `read` count the events of
// the stream, skipped ones included; opCounts and the threads seen are over those events read; the
// digest, live/peak figures and bytesAllocated are over the events applied (yielded). A bad event
// stops the pass: strict mode records it in `pending` (thrown once the valid events before it are
// yielded); lenient mode counts it in `skipped` and the pass resumes after it, so a skipped event
// changes no state and every batch is a run of consecutive stream events. An unknown op is pending
// in both modes (never skipped).
import { heapAlloc } from './arena.js';
import { DIGEST_H1_INIT, DIGEST_H2_INIT } from './digest.js';
import { traceError, type TraceError, type TraceErrorCode } from './errors.js';
import { TraceIds } from './ids.js';
import type { FusedKernel } from './fusedKernel.js';
import { TraceInput } from './input.js';
import { TraceThreads, traceThreadFaultText, type TraceThreadFault } from './threads.js';
import { traceCountRare } from './countRare.js';
import { OP_COUNT, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_ALLOC, OP_CALLOC, OP_REALLOC, OP_THREAD_JOIN, OP_THREAD_DETACH, OP_THREAD_START } from './ops.js';

export class TraceReadState {
  readonly ids: TraceIds;
  readonly threads: TraceThreads;
  h1 = DIGEST_H1_INIT;
  h2 = DIGEST_H2_INIT;
  skipped = 0;
  pending: TraceError | null = null;
  /** Events of the stream before the current chunk (JSON: batch of lines), skipped ones included. */
  events = 0;
  /** Events read so far, skipped ones included: the global index of the next event. */
  read = 0;
  chunk = 0;
  frameOffset = 0;
  inp: TraceInput | null = null;
  /** Events read per op (skipped ones included); ops >= OP_COUNT never get here (UNKNOWN_OP). */
  readonly opCounts = new Float64Array(256);
  /** Figures of the applied events, computed as the writer computes its footer's. */
  liveBytes = 0;
  peakLiveBytes = 0;
  peakLiveObjects = 0;
  bytesAllocated = 0;
  /** The chunk whose columns were checked at its first skip (lenient). */
  private checkedChunk = -1;

  /** kernel: the reader's fused kernel (its arena holds ids and threads), or null (heap arrays, no kernel). */
  constructor(readonly file: string, readonly lenient: boolean, readonly kernel: FusedKernel | null = null) {
    const alloc = kernel?.arena ?? heapAlloc;
    this.ids = new TraceIds(1024, alloc);
    this.threads = new TraceThreads(alloc);
  }

  /** Where the last pass stopped: run, its end, column positions (apply.ts). */
  resumeRun = 0;
  resumeEnd = 0;
  resumeIds = 0;
  resumeSizes = 0;
  resumeAligns = 0;
  resumeMarks = 0;
  resumeTargets = 0;

  /** Column values consumed by the last pass (checked against the column lengths). */
  usedIds = 0;
  usedSizes = 0;
  usedAligns = 0;
  usedMarks = 0;
  usedTargets = 0;

  /** Resume state of a pass starting a chunk: its first run, every column from its first value. */
  resumeStart(inp: TraceInput): void {
    this.resumeRun = 0;
    this.resumeEnd = inp.nRunV > 0 ? inp.runL[0]! : 0;
    this.resumeIds = this.resumeSizes = this.resumeAligns = this.resumeMarks = this.resumeTargets = 0;
  }

  /** Where a pass stopped: run r (ending at input index end) and the column positions. */
  resumeSave(r: number, end: number, ids: number, sizes: number, aligns: number, marks: number, targets: number): void {
    this.resumeRun = r;
    this.resumeEnd = end;
    this.resumeIds = ids;
    this.resumeSizes = sizes;
    this.resumeAligns = aligns;
    this.resumeMarks = marks;
    this.resumeTargets = targets;
  }

  /** The footer figures after a validating pass: live bytes and their peak, peak live objects, bytes allocated. */
  figuresSave(liveBytes: number, peakLiveBytes: number, peakLiveObjects: number, bytesAllocated: number): void {
    this.liveBytes = liveBytes;
    this.peakLiveBytes = peakLiveBytes;
    this.peakLiveObjects = peakLiveObjects;
    this.bytesAllocated = bytesAllocated;
  }

  used(ids: number, sizes: number, aligns: number, marks: number, targets: number): void {
    this.usedIds = ids;
    this.usedSizes = sizes;
    this.usedAligns = aligns;
    this.usedMarks = marks;
    this.usedTargets = targets;
  }

  /** Adds the ops >= 2 of ops[from..to) to the per-op counts (traceCountRare). */
  countOps(ops: Uint8Array, from: number, to: number): void {
    traceCountRare(this.opCounts, ops, from, to);
  }

  /**
   * After a chunk read whole (its columns checked against its ops): frees = ids - reallocs, allocs =
   * the rest (rare counts since the chunk's start: before). Then its threads are seen.
   */
  countChunk(inp: TraceInput, before: Float64Array): void {
    const c = this.opCounts;
    let rare = 0;
    for (let op = 2; op < 256; op++) rare += c[op]! - before[op]!;
    const frees = inp.nIds - (c[OP_REALLOC]! - before[OP_REALLOC]!);
    c[OP_FREE]! += frees;
    c[OP_ALLOC]! += inp.n - frees - rare;
    this.markRunsSeen(inp);
  }

  /** The threads of every run of the chunk (all of its events were read) are seen. */
  private markRunsSeen(inp: TraceInput): void {
    const runV = inp.runV, seen = this.threads.seen;
    for (let r = 0; r < inp.nRunV; r++) {
      const t = runV[r]!;
      if (t >= 65536 /* TRACE_SMALL_TIDS */ || seen[t] === 0) this.threads.markSeen(t);
    }
  }

  /** Cold: structural error found in a pass (always thrown, also in lenient mode). */
  structural(code: TraceErrorCode, i: number, detail: string): TraceError {
    const inp = this.inp!;
    const off = inp.lineOff && i >= 0 ? inp.lineOff[i]! : this.frameOffset;
    return traceError(code, this.file, off, this.chunk, i >= 0 ? this.events + i : -1, detail);
  }

  /** Cold: an unknown op at input index i (not skippable): goes to `pending`; returns 0 (stop before it). */
  unknownOp(i: number, op: number): number {
    const why = op < OP_COUNT && op >= this.inp!.opLimit ? ` (${OP_NAMES[op]}) in a format version 1 trace` : '';
    this.pending = this.structural('UNKNOWN_OP', i, `unknown op ${op}${why}`);
    return 0;
  }

  bigThreadLive(t: number): number {
    return this.threads.bigLive.has(t) ? 1 : 0;
  }

  /** Cold (rare ops): applies a thread_join / thread_detach of target; null or the fault (nothing changed). */
  threadFate(op: number, target: number): TraceThreadFault | null {
    return op === OP_THREAD_JOIN ? this.threads.join(target) : this.threads.detach(target);
  }

  /**
   * Cold: a bad event at input index i. Lenient: counted as skipped, returns 1 (the pass stops after
   * it). Strict: the error goes to `pending`, returns 0 (the pass stops before it). A chunk whose
   * columns are inconsistent is reported as corrupt instead (thrown), in both modes.
   */
  bad(code: TraceErrorCode, i: number, op: number, tid: number, id: number, v: number): number {
    if (this.checkedChunk !== this.chunk) {
      // a short or long column reads as bad events: report the chunk as corrupt instead (unless
      // it has an unknown op, whose columns are unknown: the pass stops there)
      const bad = traceCheckColumns(this.inp!);
      if (bad && bad.code !== 'UNKNOWN_OP') throw this.structural(bad.code, bad.event, bad.detail);
      this.checkedChunk = this.chunk;
    }
    if (this.lenient) {
      this.skipped++;
      return 1;
    }
    const { detail, expected } = badEventText(code, op, tid, id, v);
    const inp = this.inp!;
    const off = inp.lineOff ? inp.lineOff[i]! : this.frameOffset;
    this.pending = traceError(code, this.file, off, this.chunk, this.events + i, detail, expected);
    return 0;
  }
}

/** Cold: what is wrong with a bad event, and what was expected. */
function badEventText(code: TraceErrorCode, op: number, tid: number, id: number, v: number): { detail: string; expected: string } {
  const name = OP_NAMES[op] ?? `op ${op}`;
  switch (code) {
    case 'FREE_NOT_LIVE': return { detail: `${name} of id ${id}, which is not live`, expected: 'a live id' };
    case 'DOUBLE_FREE': return { detail: `${name} of id ${id}, which was already released`, expected: 'a live id' };
    case 'ALLOC_LIVE': return { detail: `${name} of id ${id}, which is live`, expected: `id ${v}` };
    case 'BAD_ID': return { detail: `${name} names id ${id}`, expected: `id ${v} by the LIFO id rule` };
    case 'BAD_SIZE': return { detail: `${name} of size ${v}`, expected: 'a size in 1..2^40' };
    case 'BAD_ALIGN': return { detail: `memalign alignment ${v} is not a power of two`, expected: 'a power of two' };
    case 'JOIN_UNKNOWN': case 'JOIN_LIVE': case 'JOIN_TWICE': case 'DETACH_UNKNOWN': case 'DETACH_TWICE':
      return traceThreadFaultText(code, tid, v);
    default:
      return op === OP_THREAD_START
        ? { detail: `thread_start of thread ${tid}, which is live`, expected: 'a thread that is not live' }
        : { detail: `${name} on thread ${tid}, which is not live`, expected: 'a live thread' };
  }
}

/** Cheap structural checks before a pass: thread runs cover the chunk. */
export function traceCheckRuns(inp: TraceInput): string | null {
  if (inp.nRunV !== inp.nRunL) return `${inp.nRunV} thread run values but ${inp.nRunL} run lengths`;
  const runL = inp.runL;
  let sum = 0;
  for (let r = 0; r < inp.nRunL; r++) {
    const l = runL[r]!;
    if (l === 0) return `thread run ${r} has length 0`;
    sum += l;
  }
  if (sum !== inp.n) return `thread runs cover ${sum} events, the chunk has ${inp.n}`;
  if (inp.nTime !== 0 && inp.nTime !== inp.n) return `time_delta has ${inp.nTime} values for ${inp.n} events`;
  return null;
}

/** After a complete pass: every column value was consumed. */
export function traceCheckUsed(st: TraceReadState, inp: TraceInput): string | null {
  if (st.usedIds !== inp.nIds || st.usedSizes !== inp.nSizes || st.usedAligns !== inp.nAligns || st.usedMarks !== inp.marks.length || st.usedTargets !== inp.nTargets) {
    return traceCheckColumns(inp)?.detail ?? 'column lengths disagree with the ops';
  }
  return null;
}

/** Full structural check (cold): known ops (of the stream's version), run lengths and column lengths agree. */
const opCounts = new Float64Array(256);
export function traceCheckColumns(inp: TraceInput): { detail: string; code: TraceErrorCode; event: number } | null {
  const n = inp.n, ops = inp.ops;
  opCounts.fill(0);
  for (let i = 0; i < n; i++) opCounts[ops[i]!]!++;
  for (let k = inp.opLimit; k < 256; k++) {
    if (opCounts[k] !== 0) {
      const at = ops.indexOf(k);
      const why = k < OP_COUNT ? ` (${OP_NAMES[k]}) in a format version 1 trace` : '';
      return { code: 'UNKNOWN_OP', detail: `unknown op ${k}${why}`, event: at };
    }
  }
  const runs = traceCheckRuns(inp);
  if (runs !== null) return { code: 'CORRUPT_CHUNK', detail: runs, event: -1 };
  const c = opCounts;
  const wantIds = c[OP_FREE]! + c[OP_REALLOC]!;
  const wantSizes = c[OP_ALLOC]! + c[OP_CALLOC]! + c[OP_MEMALIGN]! + c[OP_REALLOC]!;
  if (inp.nIds !== wantIds) return { code: 'CORRUPT_CHUNK', detail: `id column has ${inp.nIds} values, ${wantIds} frees+reallocs need ${wantIds}`, event: -1 };
  if (inp.nSizes !== wantSizes) return { code: 'CORRUPT_CHUNK', detail: `size column has ${inp.nSizes} values, the allocs+reallocs need ${wantSizes}`, event: -1 };
  if (inp.nAligns !== c[OP_MEMALIGN]) return { code: 'CORRUPT_CHUNK', detail: `align column has ${inp.nAligns} values, the memaligns need ${c[OP_MEMALIGN]}`, event: -1 };
  if (inp.marks.length !== c[OP_MARK]) return { code: 'CORRUPT_CHUNK', detail: `${inp.marks.length} mark names for ${c[OP_MARK]} marks`, event: -1 };
  const wantTargets = c[OP_THREAD_JOIN]! + c[OP_THREAD_DETACH]!;
  if (inp.nTargets !== wantTargets) return { code: 'CORRUPT_CHUNK', detail: `thread_target column has ${inp.nTargets} values, the joins+detaches need ${wantTargets}`, event: -1 };
  return null;
}
