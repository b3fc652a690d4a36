// The reader's streaming passes over one decoded chunk (protobuf) or batch of lines (JSON): apply the
// id rule (LIFO stack + live flag per id, bounded by peak live objects), check threads/sizes/
// alignments/ids, compute the digest and the footer's live/peak/bytes figures (ids.live holds each
// live object's size, so a free finds it where it checks liveness; sizes >= 2^32-1 go through the
// cold TraceIds.sizeOf/setSize and make the fused pass hand over), and write the EventBatch columns. Hot loops: locals over typed arrays, no allocation, no try/catch; a bad event
// calls the cold st.bad() and stops the pass (before it in strict mode, after it when skipped); an
// unknown op (st.unknownOp) stops it before the op in both modes. So the first error in stream
// order is the one reported, whatever the chunking, and the events before it are yielded.
// A pass covers input events [from, limit) of the chunk (at most TRACE_BATCH_MAX, the batch's size)
// and leaves where it stopped in st.resume*, so a big chunk is applied in slices and a lenient read
// resumes after a skipped event; batch entries are always consecutive events of the stream.
// Validating protobuf chunks that fit one slice go through traceApplyFused first (id/size varints
// decoded in the loop, only the common case); at the first event it does not handle, the general
// pass takes over. thread_join / thread_detach (format version 2) are rare: only the general and
// unchecked passes handle them (thread fate checks in TraceThreads, cold).
// Hot loops use literal op codes / limits (commented with their names): imported bindings are
// context loads that TurboFan does not constant-fold.
import { TraceBatch } from './batch.js';
import { markNameHash } from './digest.js';
import { TraceInput } from './input.js';
import { traceMaterialize } from './chunkDecode.js';
import { TraceReadState, traceCheckUsed } from './readState.js';

/**
 * Validating pass over input events [from, limit) into b (entries 0..b.count-1). Returns the input
 * index where it stopped: limit, a bad event (strict: st.pending is set) or the one after a skipped
 * event (lenient). With digest, the running digest is updated for every event written to the batch.
 * from = 0 starts the chunk; a later from continues where the previous pass stopped.
 */
export function traceApplyChecked(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean, from: number, limit: number): number {
  const n = inp.n;
  b.ensure(limit - from);
  st.inp = inp;
  b.markNames = [];
  if (from === 0) {
    if (inp.deferred && inp.xids === null && limit === n) {
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
        if (i < n) return traceApplyGeneral(st, inp, b, digest, i, i, limit);
      }
      b.count = n;
      st.used(ii, si, st.resumeAligns, 0, 0);
      return n;
    }
    const bad = traceMaterialize(inp);
    if (bad !== null) throw st.structural('CORRUPT_CHUNK', -1, bad);
    traceResumeStart(st, inp);
  }
  return traceApplyGeneral(st, inp, b, digest, from, 0, limit);
}

/** The resume state of a pass starting the chunk. */
function traceResumeStart(st: TraceReadState, inp: TraceInput): void {
  st.resumeRun = 0;
  st.resumeEnd = inp.nRunV > 0 ? inp.runL[0]! : 0;
  st.resumeIds = st.resumeSizes = st.resumeAligns = st.resumeMarks = st.resumeTargets = 0;
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
  let lb = st.liveBytes, pkb = st.peakLiveBytes, pko = st.peakLiveObjects, ba = st.bytesAllocated;
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
        if (q > idE || id >= next) break;
        const old = live[id]!; // the live object's size
        if (old === 0 || old === 0xffffffff /* TRACE_IDS_BIG */) break;
        if (op === /* OP_FREE */ 1) {
          live[id] = 0;
          stack[top++] = id;
          lb -= old;
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
          live[id] = s;
          lb += s - old;
          ba += s;
          if (lb > pkb) pkb = lb;
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
        live[id] = s;
        lb += s;
        ba += s;
        if (lb > pkb) pkb = lb;
        if (next - top > pko) pko = next - top;
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
  traceFiguresSave(st, lb, pkb, pko, ba);
  st.resumeRun = r;
  st.resumeEnd = end;
  st.resumeIds = ii;
  st.resumeSizes = si;
  st.resumeAligns = ai;
  st.resumeMarks = st.resumeTargets = 0;
  gIdPos = ip;
  gSizePos = sp;
  return i;
}

/**
 * The general validated pass from input event i0 (run st.resumeRun ending at st.resumeEnd, column
 * positions in st.resume*) to limit, writing batch entries from j0. Stops at a bad event (see
 * traceApplyChecked); saves where it stopped.
 */
function traceApplyGeneral(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean, i0: number, j0: number, limit: number): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns, inTargets = inp.targets, xids = inp.xids;
  const hasX = xids !== null;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = b.markNames;
  const tl = st.threads.live, tf = st.threads.fate;
  const idst = st.ids;
  let stack = idst.stack, live = idst.live, cap = live.length, top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  let lb = st.liveBytes, pkb = st.peakLiveBytes, pko = st.peakLiveObjects, ba = st.bytesAllocated;
  let i = i0, j = j0, ii = st.resumeIds, si = st.resumeSizes, ai = st.resumeAligns, mi = st.resumeMarks, ti = st.resumeTargets;
  let r = st.resumeRun, end = st.resumeEnd;
  outer: while (r < nRuns) {
    const t = runV[r]!;
    const stop = end < limit ? end : limit;
    let tLive = t < 65536 /* TRACE_SMALL_TIDS */ ? tl[t]! : st.bigThreadLive(t);
    for (; i < stop; i++) {
      const op = ops[i]!;
      // dx: the digest's op bit 3 ((op >> 3) << 28), set by the ops >= 8 only
      let id = 0, s = 0, aux = 0, daux = 0, dx = 0;
      if (tLive === 0 && op !== /* OP_THREAD_START */ 5) {
        if (op === /* OP_FREE */ 1) ii++;
        else if (op === /* OP_REALLOC */ 2) { ii++; si++; }
        else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3) si++;
        else if (op === /* OP_MEMALIGN */ 4) { si++; ai++; }
        else if (op === /* OP_MARK */ 7) mi++;
        else if (op === /* OP_THREAD_JOIN */ 8 || op === /* OP_THREAD_DETACH */ 9) ti++;
        i += op >= inp.opLimit ? st.unknownOp(i, op) : st.bad('THREAD_ORDER', i, op, t, 0, 0);
        break outer;
      }
      switch (op) {
        case /* OP_ALLOC */ 0: case /* OP_CALLOC */ 3: case /* OP_MEMALIGN */ 4: {
          s = inSizes[si++]!;
          if (op === /* OP_MEMALIGN */ 4) {
            aux = inAligns[ai++]!;
            if (aux === 0 || (aux & (aux - 1)) !== 0) {
              i += st.bad('BAD_ALIGN', i, op, t, 0, aux);
              break outer;
            }
            daux = aux;
          }
          if (!(s >= 1 && s <= 1099511627776 /* TRACE_MAX_SIZE */)) {
            i += st.bad('BAD_SIZE', i, op, t, 0, s);
            break outer;
          }
          if (hasX) {
            const x = xids[i]!;
            const want = top > 0 ? stack[top - 1]! : next;
            if (x !== want) {
              i += st.bad(x < next && live[x] !== 0 ? 'ALLOC_LIVE' : 'BAD_ID', i, op, t, x, want);
              break outer;
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
          if (s < 4294967295 /* TRACE_IDS_BIG */) live[id] = s;
          else idst.setSize(id, s);
          lb += s;
          ba += s;
          if (lb > pkb) pkb = lb;
          if (next - top > pko) pko = next - top;
          break;
        }
        case /* OP_FREE */ 1:
          id = inIds[ii++]!;
          if (id >= next || live[id] === 0) {
            i += st.bad(id >= next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE', i, op, t, id, 0);
            break outer;
          }
          lb -= live[id] === 4294967295 /* TRACE_IDS_BIG */ ? idst.sizeOf(id) : live[id]!;
          if (live[id] === 4294967295) idst.big.delete(id);
          live[id] = 0;
          stack[top++] = id;
          break;
        case /* OP_REALLOC */ 2:
          id = inIds[ii++]!;
          s = inSizes[si++]!;
          if (id >= next || live[id] === 0) {
            i += st.bad(id >= next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE', i, op, t, id, 0);
            break outer;
          }
          if (!(s >= 1 && s <= 1099511627776 /* TRACE_MAX_SIZE */)) {
            i += st.bad('BAD_SIZE', i, op, t, id, s);
            break outer;
          }
          if (hasX && xids[i]! !== id) {
            i += st.bad('BAD_ID', i, op, t, xids[i]!, id);
            break outer;
          }
          lb += s - (live[id] === 4294967295 /* TRACE_IDS_BIG */ ? idst.sizeOf(id) : live[id]!);
          if (s < 4294967295 && live[id] !== 4294967295) live[id] = s;
          else idst.setSize(id, s);
          ba += s;
          if (lb > pkb) pkb = lb;
          break;
        case /* OP_THREAD_START */ 5:
          if (tLive === 1) {
            i += st.bad('THREAD_ORDER', i, op, t, 0, 0);
            break outer;
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
          if (op >= inp.opLimit) {
            st.unknownOp(i, op);
            break outer;
          }
          aux = ti < inp.nTargets ? inTargets[ti]! : 0; // a short column: CORRUPT_CHUNK after the pass
          ti++;
          const fault = st.threadFate(op, aux);
          if (fault !== null) {
            i += st.bad(fault, i, op, t, 0, aux);
            break outer;
          }
          daux = aux;
          dx = 1 << 28;
          break;
        }
        default:
          st.unknownOp(i, op);
          break outer;
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
    if (i < end) break; // at the limit, inside run r
    if (++r < nRuns) end += runL[r]!;
  }
  idst.top = top;
  idst.next = next;
  b.count = j;
  st.h1 = h1;
  st.h2 = h2;
  traceFiguresSave(st, lb, pkb, pko, ba);
  traceResumeSave(st, r, end, ii, si, ai, mi, ti);
  return i;
}

/** The footer figures after a validating pass: live bytes and their peak, peak live objects, bytes allocated. */
function traceFiguresSave(st: TraceReadState, lb: number, pkb: number, pko: number, ba: number): void {
  st.liveBytes = lb;
  st.peakLiveBytes = pkb;
  st.peakLiveObjects = pko;
  st.bytesAllocated = ba;
}

/** Where a pass stopped: run r (ending at end) and the column positions. */
function traceResumeSave(st: TraceReadState, r: number, end: number, ii: number, si: number, ai: number, mi: number, ti: number): void {
  st.resumeRun = r;
  st.resumeEnd = end;
  st.resumeIds = ii;
  st.resumeSizes = si;
  st.resumeAligns = ai;
  st.resumeMarks = mi;
  st.resumeTargets = ti;
  st.used(ii, si, ai, mi, ti);
}

/**
 * Unchecked pass (trusted input) over input events [from, limit): the id rule only, no checks, no
 * digest. A whole chunk goes through one loop over its runs; a slice of a bigger chunk (cold) through
 * the same loop over a view of the slice.
 */
export function traceApplyFast(st: TraceReadState, inp: TraceInput, b: TraceBatch, from: number, limit: number): number {
  st.inp = inp;
  if (from === 0) {
    const bad = traceMaterialize(inp); // (the reader decodes eagerly when not validating)
    if (bad !== null) throw st.structural('CORRUPT_CHUNK', -1, bad);
    traceResumeStart(st, inp);
    if (limit === inp.n) return traceApplyFastRuns(st, inp, b, 0);
  }
  return traceApplyFastSlice(st, inp, b, from, limit);
}

/** The unchecked loop over every run of inp (a chunk, or a slice view starting at global input index base). */
function traceApplyFastRuns(st: TraceReadState, inp: TraceInput, b: TraceBatch, base: number): number {
  const n = inp.n;
  b.ensure(n);
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns, inTargets = inp.targets;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = (b.markNames = []);
  const idst = st.ids;
  let stack = idst.stack, cap = stack.length, top = idst.top, next = idst.next;
  let i = 0, ii = 0, si = 0, ai = 0, mi = 0, ti = 0;
  outer: for (let r = 0; r < nRuns; r++) {
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
        if (op >= inp.opLimit || op > 9) {
          st.unknownOp(base + i, op);
          break outer;
        }
        aux = ti < inp.nTargets ? inTargets[ti]! : 0;
        ti++;
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

/**
 * Cold (a chunk bigger than TRACE_BATCH_MAX, unchecked): input events [from, limit) through
 * traceApplyFastRuns over a view of them (their runs, the columns from the resume positions), then
 * the resume state moved past them.
 */
function traceApplyFastSlice(st: TraceReadState, inp: TraceInput, b: TraceBatch, from: number, limit: number): number {
  const v = gSliceView;
  v.reset();
  v.opLimit = inp.opLimit;
  v.n = limit - from;
  v.ops = inp.ops.subarray(from, limit);
  // the runs covering [from, limit): the first from `from`, the last up to `limit`
  let r = st.resumeRun, end = st.resumeEnd, at = from;
  const runV: number[] = [], runL: number[] = [];
  for (;;) {
    const stop = end < limit ? end : limit;
    runV.push(inp.runV[r]!);
    runL.push(stop - at);
    at = stop;
    if (stop === limit) break;
    end += inp.runL[++r]!;
  }
  v.runV = Uint32Array.from(runV);
  v.runL = Uint32Array.from(runL);
  v.nRunV = v.nRunL = runV.length;
  v.ids = inp.ids.subarray(st.resumeIds);
  v.sizes = inp.sizes.subarray(st.resumeSizes);
  v.aligns = inp.aligns.subarray(st.resumeAligns);
  v.targets = inp.targets.subarray(st.resumeTargets);
  v.nTargets = inp.nTargets - st.resumeTargets;
  v.marks = inp.marks.slice(st.resumeMarks);
  const used = traceApplyFastRuns(st, v, b, from);
  const ii = st.resumeIds + st.usedIds, si = st.resumeSizes + st.usedSizes, ai = st.resumeAligns + st.usedAligns;
  const mi = st.resumeMarks + st.usedMarks, ti = st.resumeTargets + st.usedTargets;
  if (end === limit && r + 1 < inp.nRunV) end += inp.runL[++r]!; // the slice ended with run r
  traceResumeSave(st, r, end, ii, si, ai, mi, ti);
  return from + used;
}
const gSliceView = new TraceInput();

/**
 * Runs the passes once over a tiny synthetic chunk at module load, so that every path (including
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
  // 2 checked fused without the mark, join and detach (fused pass only), 3 unchecked,
  // 4 checked in slices of 4 events, 5 unchecked in slices
  const ids = [2, 0, 1, 0, 2], sizes = [16, 64, 100000, 24, 32];
  for (let k = 0; k < 3; k++) {
    for (let mode = 0; mode < 6; mode++) {
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
      const slice = mode >= 4 ? 4 : o.length;
      let used = 0;
      do {
        const limit = Math.min(o.length, used + slice);
        used = mode === 3 || mode === 5 ? traceApplyFast(st, inp, b, used, limit) : traceApplyChecked(st, inp, b, true, used, limit);
      } while (used < o.length && !st.pending);
      if (used !== o.length || st.pending || traceCheckUsed(st, inp) !== null) throw new Error('traces: apply warm-up failed');
    }
  }
}
traceApplyWarmUp();
