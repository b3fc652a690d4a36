// The validating read's entry (apply.ts): a chunk's first slice goes through the fused pass when its
// id and size columns are still varints and the whole chunk fits the slice, then (or otherwise) the
// general pass, which also takes every later slice. The columns are decoded (traceMaterialize)
// before the general pass reads them; a bad column is reported then, as a full decode would first.
import { TraceBatch } from './batch.js';
import { traceMaterialize } from './chunkDecode.js';
import { traceApplyFused } from './applyFused.js';
import { traceApplyGeneral } from './applyGeneral.js';
import { TraceInput } from './input.js';
import { TraceReadState } from './readState.js';

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
      const i = traceApplyFused(st, inp, b, digest); // columns decoded when it consumed them all
      applyMaterialize(st, inp);
      if (i < n) return traceApplyGeneral(st, inp, b, digest, i, i, limit);
      b.count = n;
      st.used(st.resumeIds, st.resumeSizes, st.resumeAligns, 0, 0);
      return n;
    }
    applyMaterialize(st, inp);
    st.resumeStart(inp);
  }
  return traceApplyGeneral(st, inp, b, digest, from, 0, limit);
}

/** The deferred columns decoded (no-op when they are); a bad one is thrown as CORRUPT_CHUNK. */
function applyMaterialize(st: TraceReadState, inp: TraceInput): void {
  const bad = traceMaterialize(inp);
  if (bad !== null) throw st.structural('CORRUPT_CHUNK', -1, bad);
}
