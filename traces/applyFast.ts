// The unchecked pass (apply.ts), for trusted input read without validation: the id rule only (the
// ids of the alloc kinds), no checks, no digest, no footer figures. A whole chunk goes through one loop over its runs; a slice of a bigger chunk
// (cold) through the same loop over a view of the slice. Hot loop: see apply.ts.
import { TraceBatch } from './batch.js';
import { traceMaterialize } from './chunkDecode.js';
import { TraceInput } from './input.js';
import { TraceReadState } from './readState.js';

/** The view of a slice that traceApplyFastSlice runs the loop over (reused). */
const applySliceView = new TraceInput();

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
    st.resumeStart(inp);
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
  const v = applySliceView;
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
  st.resumeSave(r, end, ii, si, ai, mi, ti);
  st.used(ii, si, ai, mi, ti);
  return from + used;
}

