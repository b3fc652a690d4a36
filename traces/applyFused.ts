// The fused validating pass (apply.ts): a protobuf chunk whose id and size columns are still varints
// in inp.body (inp.deferred) is applied by the WebAssembly kernel (traces/kernel/fused.ts), which
// unpacks those columns (into inp.ids / inp.sizes32) and applies the events from them. Only the
// common case: small thread ids, no marks, joins or detaches, no id-array growth, ids and sizes below
// 2^28, no bad events. It stops before the first event it does not handle, with the state as after
// the event before (resume* saved), and the general pass takes over from there once the columns are
// decoded; a cut or overlong varint also stops it, so the decode reports it. This file owns the
// kernel's state block (FK_*: word slots of the arena's ARENA_STATE_BYTES at arena.stateAt, mirrored as K_* in
// the kernel's source): the arrays' byte offsets and the carried state go in, the state comes back.
// Every array must lie in the reader's arena; when one does not (no kernel, an arena that could not
// grow), the pass applies nothing and the general pass applies the chunk.
import type { TraceArena } from './arena.js';
import { TraceBatch } from './batch.js';
import { growU32, TraceInput } from './input.js';
import { TraceReadState } from './readState.js';

/** Word slots of the state block (in: 0..27, 34, 35; out: 22..33). IDT / SZT: the u32 columns the
 *  kernel unpacks the id and size varints into (inp.ids, inp.sizes32). DONE: 1 when it applied every
 *  event and consumed every byte of both columns. */
const enum FK {
  OPS = 0, RUNV = 1, RUNL = 2, BODY = 3, ALIGNS = 4,
  OOP = 5, OTID = 6, OID = 7, OSIZE = 8, OAUX = 9,
  LIVE = 10, STACK = 11, TLIVE = 12, TFATE = 13,
  N = 14, NRUNS = 15, IDS = 16, IDE = 17, SZS = 18, SZE = 19, NALIGNS = 20, CAP = 21,
  TOP = 22, NEXT = 23, H1 = 24, H2 = 25, DIGEST = 26, PKO = 27,
  R = 28, END = 29, II = 30, SI = 31, AI = 32, DONE = 33, IDT = 34, SZT = 35,
}
/** Double slots (byte 192 on: index 24 on). */
const enum FKD { LB = 24, PKB = 25, BA = 26 }

/**
 * Applies inp's events from the first, into b from entry 0, until one it does not handle; returns
 * that event's index (inp.n when it applied them all). When it applied them all and consumed every
 * byte of the id and size columns, the columns count as decoded (inp.deferred false, nIds, nSizes
 * set); otherwise the caller decodes them (traceMaterialize), which reports any bad varint. Thread
 * starts set the new incarnation's fate (joinable) beside its liveness.
 */
export function traceApplyFused(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean): number {
  const k = st.kernel;
  if (k !== null) {
    // the columns the kernel unpacks into (a later traceMaterialize decodes them again if needed)
    inp.ids = growU32(inp.ids, 0, inp.n, inp.alloc);
    inp.sizes32 = growU32(inp.sizes32, 0, inp.n, inp.alloc);
    // room for every new id the chunk could take (the kernel stops at a full table; the general
    // pass would grow it one doubling at a time, at its own pace): at most peak live objects + n
    if (st.ids.live.length - st.ids.next < inp.n) st.ids.grow(st.ids.next + inp.n);
  }
  if (k === null || !fusedReaches(k.arena, st, inp, b)) {
    st.resumeStart(inp);
    return 0;
  }
  const w = k.arena.state32, d = k.arena.state64, ids = st.ids;
  w[FK.OPS] = inp.ops.byteOffset;
  w[FK.RUNV] = inp.runV.byteOffset;
  w[FK.RUNL] = inp.runL.byteOffset;
  w[FK.BODY] = inp.body.byteOffset;
  w[FK.ALIGNS] = inp.aligns.byteOffset;
  w[FK.OOP] = b.op.byteOffset;
  w[FK.OTID] = b.tid.byteOffset;
  w[FK.OID] = b.id.byteOffset;
  w[FK.OSIZE] = b.size.byteOffset;
  w[FK.OAUX] = b.aux.byteOffset;
  w[FK.LIVE] = ids.live.byteOffset;
  w[FK.STACK] = ids.stack.byteOffset;
  w[FK.TLIVE] = st.threads.live.byteOffset;
  w[FK.TFATE] = st.threads.fate.byteOffset;
  w[FK.IDT] = inp.ids.byteOffset;
  w[FK.SZT] = inp.sizes32.byteOffset;
  w[FK.N] = inp.n;
  w[FK.NRUNS] = inp.nRunV;
  w[FK.IDS] = inp.idS;
  w[FK.IDE] = inp.idE;
  w[FK.SZS] = inp.szS;
  w[FK.SZE] = inp.szE;
  w[FK.NALIGNS] = inp.nAligns;
  w[FK.CAP] = ids.live.length;
  w[FK.TOP] = ids.top;
  w[FK.NEXT] = ids.next;
  w[FK.H1] = st.h1;
  w[FK.H2] = st.h2;
  w[FK.DIGEST] = digest ? 1 : 0;
  w[FK.PKO] = st.peakLiveObjects;
  d[FKD.LB] = st.liveBytes;
  d[FKD.PKB] = st.peakLiveBytes;
  d[FKD.BA] = st.bytesAllocated;
  const i = k.apply(k.arena.stateAt);
  ids.top = w[FK.TOP]!;
  ids.next = w[FK.NEXT]!;
  st.h1 = w[FK.H1]!;
  st.h2 = w[FK.H2]!;
  st.figuresSave(d[FKD.LB]!, d[FKD.PKB]!, w[FK.PKO]!, d[FKD.BA]!);
  st.resumeSave(w[FK.R]!, w[FK.END]!, w[FK.II]!, w[FK.SI]!, w[FK.AI]!, 0, 0);
  if (w[FK.DONE] === 1) {
    // every column byte consumed by valid varints: the columns as a full decode gives them
    inp.deferred = false;
    inp.nIds = w[FK.II]!;
    inp.nSizes = w[FK.SI]!;
    inp.narrow = true;
  }
  return i;
}

/** Whether every array the kernel touches lies in its arena, with room for the chunk (cold checks, once per chunk). */
function fusedReaches(a: TraceArena, st: TraceReadState, inp: TraceInput, b: TraceBatch): boolean {
  return a.holds(inp.ops) && a.holds(inp.runV) && a.holds(inp.runL) && a.holds(inp.body) && a.holds(inp.aligns)
    && a.holds(b.op) && a.holds(b.tid) && a.holds(b.id) && a.holds(b.size) && a.holds(b.aux)
    && a.holds(st.ids.live) && a.holds(st.ids.stack) && a.holds(st.threads.live) && a.holds(st.threads.fate)
    && a.holds(inp.ids) && a.holds(inp.sizes32)
    && b.op.length >= inp.n && inp.runL.length >= inp.nRunV;
}
