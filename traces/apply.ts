// The reader's streaming pass over one decoded chunk: applies the id rule (LIFO stack + live flag
// per id, bounded by peak live objects), checks threads/sizes/alignments/ids, computes the digest
// and writes the EventBatch columns. Hot loop: locals over typed arrays, no allocation, no try/catch;
// a bad event calls the cold onBad(), which counts it (lenient) or records the error and stops.
// Hot loops use literal op codes / limits (commented with their names): imported bindings are
// context loads that TurboFan does not constant-fold.
import { TraceBatch } from './batch.js';
import { DIGEST_H1_INIT, DIGEST_H2_INIT, markNameHash } from './digest.js';
import { traceError, type TraceError, type TraceErrorCode } from './errors.js';
import { TraceIds } from './ids.js';
import { TraceThreads, TRACE_SMALL_TIDS } from './threads.js';
import { TraceInput } from './input.js';
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_EXIT,
  OP_THREAD_START, TRACE_MAX_SIZE,
} from './ops.js';

export class TraceReadState {
  ids = new TraceIds();
  threads = new TraceThreads();
  h1 = DIGEST_H1_INIT;
  h2 = DIGEST_H2_INIT;
  skipped = 0;
  private skippedChecked = -1;
  pending: TraceError | null = null;
  /** Events seen in the stream (including skipped ones). */
  events = 0;
  chunk = 0;
  frameOffset = 0;
  inp: TraceInput | null = null;

  constructor(readonly file: string, readonly lenient: boolean) {}

  /** Where the lean pass stopped (traceApplyLean): run, its end, column positions. */
  resumeRun = 0;
  resumeEnd = 0;
  resumeIds = 0;
  resumeSizes = 0;
  resumeAligns = 0;

  /** Column values consumed by the last pass (checked against the column lengths). */
  usedIds = 0;
  usedSizes = 0;
  usedAligns = 0;
  usedMarks = 0;

  used(ids: number, sizes: number, aligns: number, marks: number): void {
    this.usedIds = ids;
    this.usedSizes = sizes;
    this.usedAligns = aligns;
    this.usedMarks = marks;
  }

  /** Cold: structural error found in a pass (always thrown, also in lenient mode). */
  structural(code: TraceErrorCode, i: number, detail: string): TraceError {
    const inp = this.inp!;
    const off = inp.lineOff && i >= 0 ? inp.lineOff[i]! : this.frameOffset;
    return traceError(code, this.file, off, this.chunk, i >= 0 ? this.events + i : -1, detail);
  }

  unknownOp(i: number, op: number): TraceError {
    return this.structural('UNKNOWN_OP', i, `unknown op ${op}`);
  }

  bigThreadLive(t: number): number {
    return this.threads.bigLive.has(t) ? 1 : 0;
  }

  /** Cold: a bad event at input index i. Returns true if the pass must stop (strict mode). */
  onBad(code: TraceErrorCode, i: number, op: number, tid: number, id: number, v: number): boolean {
    if (this.lenient) {
      if (this.skipped === this.skippedChecked) {
        // first skip in this chunk: make sure the chunk is not simply corrupt
        const bad = traceCheckColumns(this.inp!);
        if (bad) throw this.structural(bad.code, bad.event, bad.detail);
      }
      this.skipped++;
      this.skippedChecked = this.skipped;
      return false;
    }
    // a short or long column reads as bad events: report the chunk as corrupt instead
    const bad = traceCheckColumns(this.inp!);
    if (bad) throw this.structural(bad.code, bad.event, bad.detail);
    const name = OP_NAMES[op] ?? `op ${op}`;
    let detail: string, expected: string | undefined;
    switch (code) {
      case 'FREE_NOT_LIVE': detail = `${name} of id ${id}, which is not live`; expected = 'a live id'; break;
      case 'DOUBLE_FREE': detail = `${name} of id ${id}, which was already released`; expected = 'a live id'; break;
      case 'ALLOC_LIVE': detail = `${name} of id ${id}, which is live`; expected = `id ${v}`; break;
      case 'BAD_ID': detail = `${name} names id ${id}`; expected = `id ${v} by the LIFO id rule`; break;
      case 'BAD_SIZE': detail = `${name} of size ${v}`; expected = 'a size in 1..2^40'; break;
      case 'BAD_ALIGN': detail = `memalign alignment ${v} is not a power of two`; expected = 'a power of two'; break;
      default:
        detail = op === OP_THREAD_START ? `thread_start of thread ${tid}, which is live`
          : `${name} on thread ${tid}, which is not live`;
        expected = op === OP_THREAD_START ? 'a thread that is not live' : 'a live thread';
    }
    const inp = this.inp!;
    const off = inp.lineOff ? inp.lineOff[i]! : this.frameOffset;
    this.pending = traceError(code, this.file, off, this.chunk, this.events + i, detail, expected);
    return true;
  }
}

/**
 * Validating pass: inp → b. Returns the number of input events consumed (n, or the bad index).
 * With digest, the running digest is updated for every event written to the batch (a corrupt chunk
 * leaves it wrong, but the caller then throws: it checks the consumed column counts, traceCheckUsed).
 */
export function traceApplyChecked(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean): number {
  const n = inp.n;
  b.ensure(n);
  st.inp = inp;
  b.markNames = [];
  if (inp.narrow && inp.xids === null) {
    const i = traceApplyLean(st, inp, b, digest);
    if (i === n) {
      b.count = n;
      st.used(st.resumeIds, st.resumeSizes, st.resumeAligns, 0);
      return n;
    }
    return traceApplyGeneral(st, inp, b, digest, i);
  }
  st.resumeRun = 0;
  st.resumeEnd = inp.nRunV > 0 ? inp.runL[0]! : 0;
  st.resumeIds = st.resumeSizes = st.resumeAligns = 0;
  return traceApplyGeneral(st, inp, b, digest, 0);
}

/**
 * The lean validated pass of a protobuf chunk whose sizes fit 32 bits (so 1..2^40 is just != 0):
 * small thread ids, no marks, no id-array growth, no bad events. It stops before the first event it
 * does not handle (state as after event i-1, resume fields set) and returns its index; the general
 * pass takes over from there. rotl(tid ^ op << 29, 16) = rotl(tid, 16) ^ op << 13 (op < 8).
 */
function traceApplyLean(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes32, inAligns = inp.aligns;
  const nIds = inp.nIds, nSizes = inp.nSizes, nAligns = inp.nAligns;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const tl = st.threads.live;
  const idst = st.ids;
  const stack = idst.stack, live = idst.live, cap = live.length;
  let top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  let i = 0, ii = 0, si = 0, ai = 0, r = 0, end = 0;
  // op and aux columns in bulk (entries past the stopping point are rewritten by the general pass
  // or lie beyond the batch's count); tid per run, after it
  oOp.set(ops);
  oAux.fill(0, 0, inp.n);
  for (; r < nRuns; r++) {
    const t = runV[r]!;
    const start = i;
    end = i + runL[r]!;
    if (t >= 65536 /* TRACE_SMALL_TIDS */) break;
    let tLive = tl[t]!;
    const rt = (t << 16) | (t >>> 16);
    for (; i < end; i++) {
      const op = ops[i]!;
      let id = 0, s = 0, aux = 0;
      if (op === /* OP_FREE */ 1) {
        if (tLive === 0 || ii >= nIds) break;
        id = inIds[ii]!;
        if (id >= next || live[id] === 0) break;
        ii++;
        live[id] = 0;
        stack[top++] = id;
      } else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3) {
        if (tLive === 0 || si >= nSizes) break;
        s = inSizes[si]!;
        if (s === 0) break;
        if (top > 0) id = stack[--top]!;
        else {
          if (next >= cap) break;
          id = next++;
        }
        si++;
        live[id] = 1;
      } else if (op === /* OP_REALLOC */ 2) {
        if (tLive === 0 || ii >= nIds || si >= nSizes) break;
        id = inIds[ii]!;
        s = inSizes[si]!;
        if (id >= next || live[id] === 0 || s === 0) break;
        ii++;
        si++;
      } else if (op === /* OP_MEMALIGN */ 4) {
        if (tLive === 0 || si >= nSizes || ai >= nAligns) break;
        s = inSizes[si]!;
        aux = inAligns[ai]!;
        if (s === 0 || aux === 0 || (aux & (aux - 1)) !== 0) break;
        if (top > 0) id = stack[--top]!;
        else {
          if (next >= cap) break;
          id = next++;
        }
        si++;
        ai++;
        live[id] = 1;
        oAux[i] = aux;
      } else if (op === /* OP_THREAD_START */ 5) {
        if (tLive === 1) break;
        tLive = 1;
        tl[t] = 1;
      } else if (op === /* OP_THREAD_EXIT */ 6) {
        if (tLive === 0) break;
        tLive = 0;
        tl[t] = 0;
      } else {
        break; // mark, unknown op
      }
      oId[i] = id;
      oSize[i] = s;
      if (digest) {
        h1 = Math.imul(h1 ^ id ^ rt ^ (op << 13), 0xcc9e2d51);
        h1 = (h1 << 13) | (h1 >>> 19);
        h2 = Math.imul(h2 ^ s ^ ((aux << 16) | (aux >>> 16)), 0x85ebca6b);
        h2 = (h2 << 15) | (h2 >>> 17);
      }
    }
    oTid.fill(t, start, i);
    if (i < end) break;
  }
  idst.top = top;
  idst.next = next;
  st.h1 = h1;
  st.h2 = h2;
  st.resumeRun = r;
  st.resumeEnd = end;
  st.resumeIds = ii;
  st.resumeSizes = si;
  st.resumeAligns = ai;
  return i;
}

/** The general validated pass, from event i0 (run st.resumeRun ending at st.resumeEnd, column positions in st). */
function traceApplyGeneral(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean, i0: number): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns, xids = inp.xids;
  const hasX = xids !== null;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = b.markNames;
  const tl = st.threads.live;
  const idst = st.ids;
  let stack = idst.stack, live = idst.live, cap = live.length, top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  let i = i0, j = i0, ii = st.resumeIds, si = st.resumeSizes, ai = st.resumeAligns, mi = 0;
  const r0 = st.resumeRun, end0 = st.resumeEnd;
  outer: for (let r = r0; r < nRuns; r++) {
    const t = runV[r]!;
    const end = r === r0 ? end0 : i + runL[r]!;
    let tLive = t < 65536 /* TRACE_SMALL_TIDS */ ? tl[t]! : st.bigThreadLive(t);
    for (; i < end; i++) {
      const op = ops[i]!;
      let id = 0, s = 0, aux = 0, daux = 0;
      if (tLive === 0 && op !== /* OP_THREAD_START */ 5) {
        if (op === /* OP_FREE */ 1) ii++;
        else if (op === /* OP_REALLOC */ 2) { ii++; si++; }
        else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3) si++;
        else if (op === /* OP_MEMALIGN */ 4) { si++; ai++; }
        else if (op === /* OP_MARK */ 7) mi++;
        if (st.onBad('THREAD_ORDER', i, op, t, 0, 0)) break outer;
        continue;
      }
      switch (op) {
        case /* OP_ALLOC */ 0: case /* OP_CALLOC */ 3: case /* OP_MEMALIGN */ 4: {
          s = inSizes[si++]!;
          if (op === /* OP_MEMALIGN */ 4) {
            aux = inAligns[ai++]!;
            if (aux === 0 || (aux & (aux - 1)) !== 0) {
              if (st.onBad('BAD_ALIGN', i, op, t, 0, aux)) break outer;
              continue;
            }
            daux = aux;
          }
          if (!(s >= 1 && s <= 1099511627776 /* TRACE_MAX_SIZE */)) {
            if (st.onBad('BAD_SIZE', i, op, t, 0, s)) break outer;
            continue;
          }
          if (hasX) {
            const x = xids[i]!;
            const want = top > 0 ? stack[top - 1]! : next;
            if (x !== want) {
              if (st.onBad(x < next && live[x] === 1 ? 'ALLOC_LIVE' : 'BAD_ID', i, op, t, x, want)) break outer;
              continue;
            }
          }
          if (top > 0) id = stack[--top]!;
          else {
            id = next++;
            if (id >= cap) {
              idst.top = top;
              idst.next = next;
              idst.grow(id + 1);
              stack = idst.stack;
              live = idst.live;
              cap = live.length;
            }
          }
          live[id] = 1;
          break;
        }
        case /* OP_FREE */ 1:
          id = inIds[ii++]!;
          if (id >= next || live[id] === 0) {
            if (st.onBad(id >= next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE', i, op, t, id, 0)) break outer;
            continue;
          }
          live[id] = 0;
          stack[top++] = id;
          break;
        case /* OP_REALLOC */ 2:
          id = inIds[ii++]!;
          s = inSizes[si++]!;
          if (id >= next || live[id] === 0) {
            if (st.onBad(id >= next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE', i, op, t, id, 0)) break outer;
            continue;
          }
          if (!(s >= 1 && s <= 1099511627776 /* TRACE_MAX_SIZE */)) {
            if (st.onBad('BAD_SIZE', i, op, t, id, s)) break outer;
            continue;
          }
          if (hasX && xids[i]! !== id) {
            if (st.onBad('BAD_ID', i, op, t, xids[i]!, id)) break outer;
            continue;
          }
          break;
        case /* OP_THREAD_START */ 5:
          if (tLive === 1) {
            if (st.onBad('THREAD_ORDER', i, op, t, 0, 0)) break outer;
            continue;
          }
          tLive = 1;
          if (t < 65536 /* TRACE_SMALL_TIDS */) tl[t] = 1;
          else st.threads.setLive(t, true);
          break;
        case /* OP_THREAD_EXIT */ 6:
          tLive = 0;
          if (t < 65536 /* TRACE_SMALL_TIDS */) tl[t] = 0;
          else st.threads.setLive(t, false);
          break;
        case /* OP_MARK */ 7: {
          const name = inp.marks[mi++];
          aux = marksOut.length;
          marksOut.push(name!);
          daux = name === undefined ? 0 : markNameHash(name);
          break;
        }
        default:
          throw st.unknownOp(i, op);
      }
      oOp[j] = op;
      oTid[j] = t;
      oId[j] = id;
      oSize[j] = s;
      oAux[j] = aux;
      j++;
      if (digest) {
        const x = t ^ (op << 29);
        const y = daux ^ (s > 4294967295 ? (s / 4294967296) >>> 0 : 0);
        h1 = Math.imul(h1 ^ id ^ ((x << 16) | (x >>> 16)), 0xcc9e2d51);
        h1 = (h1 << 13) | (h1 >>> 19);
        h2 = Math.imul(h2 ^ (s >>> 0) ^ ((y << 16) | (y >>> 16)), 0x85ebca6b);
        h2 = (h2 << 15) | (h2 >>> 17);
      }
    }
  }
  idst.top = top;
  idst.next = next;
  b.count = j;
  st.h1 = h1;
  st.h2 = h2;
  st.used(ii, si, ai, mi);
  return i;
}

/** Unchecked pass (trusted input): the id rule only, no checks, no digest. */
export function traceApplyFast(st: TraceReadState, inp: TraceInput, b: TraceBatch): number {
  st.inp = inp;
  const n = inp.n;
  b.ensure(n);
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = (b.markNames = []);
  const idst = st.ids;
  let stack = idst.stack, cap = stack.length, top = idst.top, next = idst.next;
  let i = 0, ii = 0, si = 0, ai = 0, mi = 0;
  for (let r = 0; r < nRuns; r++) {
    const t = runV[r]!;
    const end = i + runL[r]!;
    for (; i < end; i++) {
      const op = ops[i]!;
      let id = 0, s = 0, aux = 0;
      if (op === /* OP_FREE */ 1) {
        id = inIds[ii++]!;
        if (top < cap) stack[top++] = id;
      } else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3 || op === /* OP_MEMALIGN */ 4) {
        s = inSizes[si++]!;
        if (op === /* OP_MEMALIGN */ 4) aux = inAligns[ai++]!;
        if (top > 0) id = stack[--top]!;
        else {
          id = next++;
          if (id >= cap) {
            idst.top = top;
            idst.grow(id + 1);
            stack = idst.stack;
            cap = stack.length;
          }
        }
      } else if (op === /* OP_REALLOC */ 2) {
        id = inIds[ii++]!;
        s = inSizes[si++]!;
      } else if (op === /* OP_MARK */ 7) {
        aux = marksOut.length;
        marksOut.push(inp.marks[mi++]!);
      } else if (op > 7) {
        throw st.unknownOp(i, op);
      }
      oOp[i] = op;
      oTid[i] = t;
      oId[i] = id;
      oSize[i] = s;
      oAux[i] = aux;
    }
  }
  idst.top = top;
  idst.next = next;
  b.count = i;
  st.used(ii, si, ai, mi);
  return i;
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
  if (st.usedIds !== inp.nIds || st.usedSizes !== inp.nSizes || st.usedAligns !== inp.nAligns || st.usedMarks !== inp.marks.length) {
    return traceCheckColumns(inp)?.detail ?? 'column lengths disagree with the ops';
  }
  return null;
}

/** Full structural check (cold): known ops, run lengths and column lengths agree. */
const opCounts = new Float64Array(256);
export function traceCheckColumns(inp: TraceInput): { detail: string; code: TraceErrorCode; event: number } | null {
  const n = inp.n, ops = inp.ops;
  opCounts.fill(0);
  for (let i = 0; i < n; i++) opCounts[ops[i]!]!++;
  for (let k = 8; k < 256; k++) {
    if (opCounts[k] !== 0) {
      const at = ops.indexOf(k);
      return { code: 'UNKNOWN_OP', detail: `unknown op ${k}`, event: at };
    }
  }
  if (inp.nRunV !== inp.nRunL) return { code: 'CORRUPT_CHUNK', detail: `${inp.nRunV} thread run values but ${inp.nRunL} run lengths`, event: -1 };
  let sum = 0;
  for (let r = 0; r < inp.nRunL; r++) {
    const l = inp.runL[r]!;
    if (l === 0) return { code: 'CORRUPT_CHUNK', detail: `thread run ${r} has length 0`, event: -1 };
    sum += l;
  }
  if (sum !== n) return { code: 'CORRUPT_CHUNK', detail: `thread runs cover ${sum} events, the chunk has ${n}`, event: -1 };
  const c = opCounts;
  const wantIds = c[OP_FREE]! + c[OP_REALLOC]!;
  const wantSizes = c[OP_ALLOC]! + c[OP_CALLOC]! + c[OP_MEMALIGN]! + c[OP_REALLOC]!;
  if (inp.nIds !== wantIds) return { code: 'CORRUPT_CHUNK', detail: `id column has ${inp.nIds} values, ${wantIds} frees+reallocs need ${wantIds}`, event: -1 };
  if (inp.nSizes !== wantSizes) return { code: 'CORRUPT_CHUNK', detail: `size column has ${inp.nSizes} values, the allocs+reallocs need ${wantSizes}`, event: -1 };
  if (inp.nAligns !== c[OP_MEMALIGN]) return { code: 'CORRUPT_CHUNK', detail: `align column has ${inp.nAligns} values, the memaligns need ${c[OP_MEMALIGN]}`, event: -1 };
  if (inp.marks.length !== c[OP_MARK]) return { code: 'CORRUPT_CHUNK', detail: `${inp.marks.length} mark names for ${c[OP_MARK]} marks`, event: -1 };
  if (inp.nTime !== 0 && inp.nTime !== n) return { code: 'CORRUPT_CHUNK', detail: `time_delta has ${inp.nTime} values for ${n} events`, event: -1 };
  return null;
}

/**
 * Runs both passes once over a tiny synthetic chunk at module load, so that every path (including
 * the code after the loops) has type feedback before the first real chunk: otherwise TurboFan's
 * on-stack replacement compiles the loop early and deoptimizes on reaching the unseen code.
 */
function traceApplyWarmUp(): void {
  // calloc, memalign, alloc, free, realloc (t0) | start, alloc, exit (t1) | mark, free, free, free (t0)
  const ops = [3, 4, 0, 1, 2, 5, 0, 6, 7, 1, 1, 1];
  const inp = new TraceInput();
  const b = new TraceBatch();
  // modes: 0 checked (double sizes), 1 checked narrow (lean pass, then general from the mark),
  // 2 checked narrow without the mark (lean pass only), 3 unchecked
  for (let k = 0; k < 3; k++) {
    for (let mode = 0; mode < 4; mode++) {
      const st = new TraceReadState('<warm-up>', false);
      const o = mode === 2 ? ops.filter((op) => op !== 7) : ops;
      inp.reset();
      inp.ops = Uint8Array.from(o);
      inp.n = o.length;
      inp.runV.set([0, 1, 0]);
      inp.runL.set([5, 3, o.length - 8]);
      inp.nRunV = inp.nRunL = 3;
      inp.ids.set([2, 0, 1, 0, 2]);
      inp.nIds = 5;
      if (mode === 1 || mode === 2) {
        inp.sizes32.set([16, 64, 8, 24, 32]);
        inp.narrow = true;
      } else {
        inp.sizes.set([16, 64, 8, 24, 32]);
      }
      inp.nSizes = 5;
      inp.aligns[0] = 16;
      inp.nAligns = 1;
      if (mode !== 2) inp.marks.push('warm-up');
      const used = mode < 3 ? traceApplyChecked(st, inp, b, true) : traceApplyFast(st, inp, b);
      if (used !== o.length || st.pending || traceCheckUsed(st, inp) !== null) throw new Error('traces: apply warm-up failed');
    }
  }
}
traceApplyWarmUp();
