// The reader's streaming passes over one decoded chunk (protobuf) or batch of lines (JSON): apply the
// id rule (LIFO stack + live flag per id, bounded by peak live objects), check threads/sizes/
// alignments/ids, compute the digest and the footer's live/peak/bytes figures (ids.live holds each
// live object's size, so a free finds it where it checks liveness; sizes >= 2^32-1 go through the
// cold TraceIds.sizeOf/setSize and make the fused pass hand over), and write the EventBatch columns.
// Hot loops: locals over typed arrays, no allocation, no try/catch; a bad event calls the cold st.bad() and stops the pass (before it in strict mode, after it when skipped); an
// unknown op (st.unknownOp) stops it before the op in both modes. So the first error in stream
// order is the one reported, whatever the chunking, and the events before it are yielded.
// A pass covers input events [from, limit) of the chunk (at most TRACE_BATCH_MAX, the batch's size)
// and leaves where it stopped in st.resume*, so a big chunk is applied in slices and a lenient read
// resumes after a skipped event; batch entries are always consecutive events of the stream.
// Validating protobuf chunks that fit one slice go through traceApplyFused first (the WebAssembly
// kernel over the reader's arena, only the common case); at the first event it does not handle, the
// general pass takes over. thread_join / thread_detach (format version 2) are rare: only the general and
// unchecked passes handle them (thread fate checks in TraceThreads, cold).
// Hot loops use literal op codes / limits (commented with their names): imported bindings are
// context loads that TurboFan does not constant-fold.
// The passes, one per file: applyChecked.ts (the validating entry), applyFused.ts, applyGeneral.ts,
// applyFast.ts (unchecked); this file exports their entries and warms them up once, when the first
// reader is made (traceApplyWarm): a thread that imports traces/ but never reads pays nothing.
import { TraceBatch } from './batch.js';
import { traceApplyChecked } from './applyChecked.js';
import { traceApplyFast } from './applyFast.js';
import { TraceInput } from './input.js';
import { TraceReadState, traceCheckUsed } from './readState.js';
import { varintPut32 } from './varint.js';

export { traceApplyChecked, traceApplyFast };

/**
 * Runs the passes once over a tiny synthetic chunk before the first real one, so that every path (including
 * the code after the loops) has type feedback before the first real chunk: otherwise TurboFan's
 * on-stack replacement compiles the loop early and deoptimizes on reaching the unseen code.
 */
function traceApplyWarmUp(): void {
  // calloc, memalign, alloc, free, realloc (t0) | start, alloc, exit (t1) |
  // mark, join t1, detach t0, free, free, free (t0)
  const ops = [3, 4, 0, 1, 2, 5, 0, 6, 7, 8, 9, 1, 1, 1];
  const inp = new TraceInput();
  const b = new TraceBatch();
  // modes: 0 checked (double sizes), 1 checked with deferred columns (materialized, general pass:
  // the warm-up's arrays are not in an arena, so the fused kernel hands the chunk over), 2 the same
  // without the mark, join and detach, 3 unchecked,
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
        inp.body = new Uint8Array(64);
        let len = 0;
        for (const v of [...ids, ...sizes]) len = varintPut32(inp.body, len, v);
        inp.deferred = inp.hasIds = inp.hasSizes = inp.idFirst = true;
        inp.idS = 0;
        inp.idE = inp.szS = ids.length;
        inp.szE = len;
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

let warm = false;
/** Warms the passes up (once per thread): the reader calls it before it applies anything. */
export function traceApplyWarm(): void {
  if (warm) return;
  warm = true;
  traceApplyWarmUp();
}
