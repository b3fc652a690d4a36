// The reader's streaming pass over one decoded chunk: applies the id rule (LIFO stack + live flag
// per id, bounded by peak live objects), checks threads/sizes/alignments/ids, computes the digest
// and writes the EventBatch columns. Hot loop: locals over typed arrays, no allocation, no try/catch;
// a bad event calls the cold onBad(), which counts it (lenient) or records the error and stops.
// Validating protobuf chunks go through traceApplyFused first (id/size varints decoded in the loop,
// only the common case); at the first event it does not handle, the general pass takes over.
// thread_join / thread_detach (format version 2) are rare: only the general and unchecked passes
// handle them (thread fate checks in TraceThreads, cold), so the common path carries no extra work.
// Hot loops use literal op codes / limits (commented with their names): imported bindings are
// context loads that TurboFan does not constant-fold.
import { TraceBatch } from './batch.js';
import { DIGEST_H1_INIT, DIGEST_H2_INIT, markNameHash } from './digest.js';
import { traceError, type TraceError, type TraceErrorCode } from './errors.js';
import { TraceIds } from './ids.js';
import { TraceThreads, traceThreadFaultText, type TraceThreadFault } from './threads.js';
import { TraceInput } from './input.js';
import { traceMaterialize } from './chunkDecode.js';
import {
  OP_ALLOC, OP_CALLOC, OP_COUNT, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH,
  OP_THREAD_JOIN, OP_THREAD_START,
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
  /** thread_join / thread_detach events seen (including skipped ones), for the footer check. */
  joins = 0;
  detaches = 0;
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
  usedTargets = 0;

  used(ids: number, sizes: number, aligns: number, marks: number, targets: number): void {
    this.usedIds = ids;
    this.usedSizes = sizes;
    this.usedAligns = aligns;
    this.usedMarks = marks;
    this.usedTargets = targets;
  }

  /** Cold: structural error found in a pass (always thrown, also in lenient mode). */
  structural(code: TraceErrorCode, i: number, detail: string): TraceError {
    const inp = this.inp!;
    const off = inp.lineOff && i >= 0 ? inp.lineOff[i]! : this.frameOffset;
    return traceError(code, this.file, off, this.chunk, i >= 0 ? this.events + i : -1, detail);
  }

  unknownOp(i: number, op: number): TraceError {
    const why = op < OP_COUNT && op >= this.inp!.opLimit ? ` (${OP_NAMES[op]}) in a format version 1 trace` : '';
    return this.structural('UNKNOWN_OP', i, `unknown op ${op}${why}`);
  }

  bigThreadLive(t: number): number {
    return this.threads.bigLive.has(t) ? 1 : 0;
  }

  /** Cold (rare ops): counts a thread_join / thread_detach of target and applies it; null or the fault. */
  threadFate(op: number, target: number): TraceThreadFault | null {
    if (op === OP_THREAD_JOIN) {
      this.joins++;
      return this.threads.join(target);
    }
    this.detaches++;
    return this.threads.detach(target);
  }

  /** Cold: counts a thread_join / thread_detach skipped before its checks (its thread is not live). */
  countThreadOp(op: number): void {
    if (op === OP_THREAD_JOIN) this.joins++;
    else if (op === OP_THREAD_DETACH) this.detaches++;
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
      case 'JOIN_UNKNOWN': case 'JOIN_LIVE': case 'JOIN_TWICE': case 'DETACH_UNKNOWN': case 'DETACH_TWICE':
        ({ detail, expected } = traceThreadFaultText(code, tid, v));
        break;
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
  if (inp.deferred && inp.xids === null) {
    const i = traceApplyFused(st, inp, b, digest);
    const ii = st.resumeIds, si = st.resumeSizes;
    if (i === n && gIdPos === inp.idE && gSizePos === inp.szE) {
      // every column byte consumed by valid varints: the counts a full decode would give
      inp.deferred = false;
      inp.nIds = ii;
      inp.nSizes = si;
    } else {
      const bad = traceMaterialize(inp);
      if (bad !== null) throw st.structural('CORRUPT_CHUNK', -1, bad);
      if (i < n) return traceApplyGeneral(st, inp, b, digest, i);
    }
    b.count = n;
    st.used(ii, si, st.resumeAligns, 0, 0);
    return n;
  }
  st.resumeRun = 0;
  st.resumeEnd = inp.nRunV > 0 ? inp.runL[0]! : 0;
  st.resumeIds = st.resumeSizes = st.resumeAligns = 0;
  return traceApplyGeneral(st, inp, b, digest, 0);
}

let gIdPos = 0, gSizePos = 0, gVarEnd = 0;

/** Cold: a varint of 3..5 bytes at p (before e) below 2^31 → value, end in gVarEnd; else -1. */
function varintLong(buf: Uint8Array, p: number, e: number): number {
  let v = 0;
  for (let k = 0; k < 5; k++) {
    if (p >= e) return -1;
    const b = buf[p++]!;
    if (k === 4 && b > 7) return -1;
    v |= (b & 127) << (7 * k);
    if (b < 128) {
      gVarEnd = p;
      return v;
    }
  }
  return -1;
}

/**
 * The fused validated pass of a protobuf chunk whose id and size columns are still varints
 * (inp.deferred): decodes them as it goes (one- and two-byte varints branch-free, longer ones in
 * varintLong) and handles small thread ids, no marks, no id-array growth, ids and sizes below 2^31,
 * no bad events. It stops before the first event it does not handle (state as after event i-1;
 * resume fields, gIdPos/gSizePos set) and returns its index; the caller then decodes the columns
 * (traceMaterialize) and the general pass takes over. A cut or overlong varint also stops it, so
 * the decode reports it. rotl(tid ^ op << 29, 16) = rotl(tid, 16) ^ op << 13 (op < 8). Thread
 * starts set the new incarnation's fate (joinable) beside its liveness; joins/detaches stop it.
 */
function traceApplyFused(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const body = inp.body, idE = inp.idE, szE = inp.szE;
  const inAligns = inp.aligns, nAligns = inp.nAligns;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const tl = st.threads.live, tf = st.threads.fate;
  const idst = st.ids;
  const stack = idst.stack, live = idst.live, cap = live.length;
  let top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  let i = 0, ii = 0, si = 0, ai = 0, r = 0, end = 0;
  let ip = inp.idS, sp = inp.szS;
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
      if (op === /* OP_FREE */ 1 || op === /* OP_REALLOC */ 2) {
        if (tLive === 0 || ip >= idE) break;
        const b0 = body[ip]!, b1 = body[ip + 1]!;
        let q: number;
        if ((b0 & b1) < 128) {
          const c = b0 >>> 7;
          id = (b0 & 127) | ((b1 << 7) & -c);
          q = ip + 1 + c;
        } else {
          id = varintLong(body, ip, idE);
          if (id < 0) break;
          q = gVarEnd;
        }
        if (q > idE || id >= next || live[id] === 0) break;
        if (op === /* OP_FREE */ 1) {
          live[id] = 0;
          stack[top++] = id;
        } else {
          if (sp >= szE) break;
          const c0 = body[sp]!, c1 = body[sp + 1]!;
          let qs: number;
          if ((c0 & c1) < 128) {
            const c = c0 >>> 7;
            s = (c0 & 127) | ((c1 << 7) & -c);
            qs = sp + 1 + c;
          } else {
            s = varintLong(body, sp, szE);
            if (s < 0) break;
            qs = gVarEnd;
          }
          if (qs > szE || s === 0) break;
          sp = qs;
          si++;
        }
        ip = q;
        ii++;
      } else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3 || op === /* OP_MEMALIGN */ 4) {
        if (tLive === 0 || sp >= szE) break;
        const c0 = body[sp]!, c1 = body[sp + 1]!;
        let qs: number;
        if ((c0 & c1) < 128) {
          const c = c0 >>> 7;
          s = (c0 & 127) | ((c1 << 7) & -c);
          qs = sp + 1 + c;
        } else {
          s = varintLong(body, sp, szE);
          if (s < 0) break;
          qs = gVarEnd;
        }
        if (qs > szE || s === 0) break;
        if (op === /* OP_MEMALIGN */ 4) {
          if (ai >= nAligns) break;
          aux = inAligns[ai]!;
          if (aux === 0 || (aux & (aux - 1)) !== 0) break;
          ai++;
          oAux[i] = aux;
        }
        if (top > 0) id = stack[--top]!;
        else {
          if (next >= cap) {
            if (op === /* OP_MEMALIGN */ 4) ai--;
            break;
          }
          id = next++;
        }
        sp = qs;
        si++;
        live[id] = 1;
      } else if (op === /* OP_THREAD_START */ 5) {
        if (tLive === 1) break;
        tLive = 1;
        tl[t] = 1;
        tf[t] = 1; // FATE_JOINABLE
      } else if (op === /* OP_THREAD_EXIT */ 6) {
        if (tLive === 0) break;
        tLive = 0;
        tl[t] = 0;
      } else {
        break; // mark, thread_join, thread_detach, unknown op
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
  gIdPos = ip;
  gSizePos = sp;
  return i;
}

/** The general validated pass, from event i0 (run st.resumeRun ending at st.resumeEnd, column positions in st). */
function traceApplyGeneral(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean, i0: number): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns, inTargets = inp.targets, xids = inp.xids;
  const hasX = xids !== null;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = b.markNames;
  const tl = st.threads.live, tf = st.threads.fate;
  const idst = st.ids;
  let stack = idst.stack, live = idst.live, cap = live.length, top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  // marks and targets: the fused pass stops before the first of them, so they start at 0
  let i = i0, j = i0, ii = st.resumeIds, si = st.resumeSizes, ai = st.resumeAligns, mi = 0, ti = 0;
  const r0 = st.resumeRun, end0 = st.resumeEnd;
  outer: for (let r = r0; r < nRuns; r++) {
    const t = runV[r]!;
    const end = r === r0 ? end0 : i + runL[r]!;
    let tLive = t < 65536 /* TRACE_SMALL_TIDS */ ? tl[t]! : st.bigThreadLive(t);
    for (; i < end; i++) {
      const op = ops[i]!;
      // dx: the digest's op bit 3 ((op >> 3) << 28), set by the ops >= 8 only
      let id = 0, s = 0, aux = 0, daux = 0, dx = 0;
      if (tLive === 0 && op !== /* OP_THREAD_START */ 5) {
        if (op === /* OP_FREE */ 1) ii++;
        else if (op === /* OP_REALLOC */ 2) { ii++; si++; }
        else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3) si++;
        else if (op === /* OP_MEMALIGN */ 4) { si++; ai++; }
        else if (op === /* OP_MARK */ 7) mi++;
        else if (op === /* OP_THREAD_JOIN */ 8 || op === /* OP_THREAD_DETACH */ 9) { ti++; st.countThreadOp(op); }
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
          if (t < 65536 /* TRACE_SMALL_TIDS */) {
            tl[t] = 1;
            tf[t] = 1; // FATE_JOINABLE
          } else st.threads.start(t);
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
        case /* OP_THREAD_JOIN */ 8: case /* OP_THREAD_DETACH */ 9: {
          if (op >= inp.opLimit) throw st.unknownOp(i, op);
          aux = ti < inp.nTargets ? inTargets[ti]! : 0; // a short column: CORRUPT_CHUNK after the pass
          ti++;
          const fault = st.threadFate(op, aux);
          if (fault !== null) {
            if (st.onBad(fault, i, op, t, 0, aux)) break outer;
            continue;
          }
          daux = aux;
          dx = 1 << 28;
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
        const x = t ^ (op << 29) ^ dx; // op << 29 keeps op's low 3 bits (int32)
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
  st.used(ii, si, ai, mi, ti);
  return i;
}

/** Unchecked pass (trusted input): the id rule only, no checks, no digest. */
export function traceApplyFast(st: TraceReadState, inp: TraceInput, b: TraceBatch): number {
  st.inp = inp;
  const bad = traceMaterialize(inp); // (the reader decodes eagerly when not validating)
  if (bad !== null) throw st.structural('CORRUPT_CHUNK', -1, bad);
  const n = inp.n;
  b.ensure(n);
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns, inTargets = inp.targets;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = (b.markNames = []);
  const idst = st.ids;
  let stack = idst.stack, cap = stack.length, top = idst.top, next = idst.next;
  let i = 0, ii = 0, si = 0, ai = 0, mi = 0, ti = 0;
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
        // thread_join / thread_detach (version 2), else unknown
        if (op >= inp.opLimit || op > 9) throw st.unknownOp(i, op);
        aux = ti < inp.nTargets ? inTargets[ti]! : 0;
        ti++;
        st.countThreadOp(op);
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
  st.used(ii, si, ai, mi, ti);
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
  const wantTargets = c[OP_THREAD_JOIN]! + c[OP_THREAD_DETACH]!;
  if (inp.nTargets !== wantTargets) return { code: 'CORRUPT_CHUNK', detail: `thread_target column has ${inp.nTargets} values, the joins+detaches need ${wantTargets}`, event: -1 };
  if (inp.nTime !== 0 && inp.nTime !== n) return { code: 'CORRUPT_CHUNK', detail: `time_delta has ${inp.nTime} values for ${n} events`, event: -1 };
  return null;
}

/**
 * Runs both passes once over a tiny synthetic chunk at module load, so that every path (including
 * the code after the loops) has type feedback before the first real chunk: otherwise TurboFan's
 * on-stack replacement compiles the loop early and deoptimizes on reaching the unseen code.
 */
function traceApplyWarmUp(): void {
  // calloc, memalign, alloc, free, realloc (t0) | start, alloc, exit (t1) |
  // mark, join t1, detach t0, free, free, free (t0)
  const ops = [3, 4, 0, 1, 2, 5, 0, 6, 7, 8, 9, 1, 1, 1];
  const inp = new TraceInput();
  const b = new TraceBatch();
  // modes: 0 checked (double sizes), 1 checked fused (then materialized, general from the mark),
  // 2 checked fused without the mark, join and detach (fused pass only), 3 unchecked
  const ids = [2, 0, 1, 0, 2], sizes = [16, 64, 100000, 24, 32];
  for (let k = 0; k < 3; k++) {
    for (let mode = 0; mode < 4; mode++) {
      const st = new TraceReadState('<warm-up>', false);
      const o = mode === 2 ? ops.filter((op) => op < 7) : ops;
      inp.reset();
      inp.ops = Uint8Array.from(o);
      inp.n = o.length;
      inp.runV.set([0, 1, 0]);
      inp.runL.set([5, 3, o.length - 8]);
      inp.nRunV = inp.nRunL = 3;
      if (mode === 1 || mode === 2) {
        // the columns as varints in body, as traceDecodeChunk(…, defer) leaves them
        const bytes: number[] = [];
        for (const v of [...ids, ...sizes]) {
          let x = v;
          while (x >= 128) { bytes.push((x & 127) | 128); x >>>= 7; }
          bytes.push(x);
        }
        inp.body = new Uint8Array(bytes.length + 16);
        inp.body.set(bytes);
        inp.deferred = inp.hasIds = inp.hasSizes = inp.idFirst = true;
        inp.idS = 0;
        inp.idE = inp.szS = ids.length;
        inp.szE = bytes.length;
      } else {
        inp.ids.set(ids);
        inp.nIds = 5;
        inp.sizes.set(sizes);
        inp.nSizes = 5;
      }
      inp.aligns[0] = 16;
      inp.nAligns = 1;
      inp.opLimit = 10; // OP_COUNT
      if (mode !== 2) {
        inp.marks.push('warm-up');
        inp.targets.set([1, 0]);
        inp.nTargets = 2;
      }
      const used = mode < 3 ? traceApplyChecked(st, inp, b, true) : traceApplyFast(st, inp, b);
      if (used !== o.length || st.pending || traceCheckUsed(st, inp) !== null) throw new Error('traces: apply warm-up failed');
    }
  }
}
traceApplyWarmUp();
