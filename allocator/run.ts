// allocator/run.ts — the replay's hot loop: runs of malloc and free events from a loaded event batch,
// objects named by 32-bit block handles in the caller's table (never addresses). With the kernel
// (kernel.ts: the batch's columns and the handle table in the allocator's memory), the fast paths run
// in WebAssembly (kernel/run.ts): the magazine pop (and an empty magazine's refill from the thread's
// TLS slab), the magazine push into an own slab, and Larson's free into the slab of a thread that
// exited and released it; every event they leave goes through the
// Allocator's handle API (mallocHandle / freeHandle) here, and the kernel is re-entered after it with
// the cached offsets and thread read again (a slow path may grow the buffer, move a table or switch
// the cached thread). Without the kernel every event takes the handle API. Invariant: the same effects,
// in the buffer, as mallocHandle / freeHandle event by event; the fast events' thread counters and
// operation count are folded in when a run of them ends.
import type { AllocCore } from './core.js';
import { RK, RKD, type RunKernel } from './kernel.js';

/** The handle of no block (a failed allocation); a free of it does nothing. */
export const HANDLE_NONE = -1;
/** The event codes runEvents handles (equal to the trace format's OP_ALLOC and OP_FREE). */
export const RUN_MALLOC = 0;
export const RUN_FREE = 1;

/** What runEvents needs of the Allocator beyond its AllocCore state: the handle API for the events
 *  that miss the fast paths, and the OOM flag. Declared here (the Allocator has it) so that this file
 *  does not import allocator.ts, which imports runEvents. */
export interface RunHost extends AllocCore {
  mallocHandle(tid: number, size: number, align: number): number;
  freeHandle(tid: number, h: number): void;
  runOom: boolean;
}

/** The batch the next runs apply (runLoad): its columns, and whether the kernel reaches them (its
 *  scratch copy, or the batch itself when it lies in the memory's spare region). */
export class RunBatch {
  op: Uint8Array = new Uint8Array(0);
  tid: Uint32Array = new Uint32Array(0);
  id: Uint32Array = new Uint32Array(0);
  size: Float64Array = new Float64Array(0);
  count = 0;
  inKernel = false;
}

/** Allocator.runLoad: makes op/tid/id/size [0, count) the batch of the next runs. */
export function runLoad(a: AllocCore, b: RunBatch, op: Uint8Array, tid: Uint32Array, id: Uint32Array, size: Float64Array, count: number): void {
  const k = a.kernel;
  b.count = count;
  b.inKernel = k !== null && k.load(op, tid, id, size, count);
  if (b.inKernel) {
    // the cold paths read the columns the kernel reads (its copy, or the batch itself)
    b.op = k!.op;
    b.tid = k!.tid;
    b.id = k!.id;
    b.size = k!.size;
    const s = k!.state32;
    s[RK.OP] = k!.op.byteOffset;
    s[RK.TID] = k!.tid.byteOffset;
    s[RK.ID] = k!.id.byteOffset;
    s[RK.SIZE] = k!.size.byteOffset;
  } else {
    b.op = op;
    b.tid = tid;
    b.id = id;
    b.size = size;
  }
}

/** A handle table of n entries holding old's, in the kernel's memory when it has room. */
export function runHandleTable(a: AllocCore, n: number, old: Int32Array | null): Int32Array {
  const t = a.kernel?.handleTable(n) ?? new Int32Array(n);
  if (old !== null) t.set(old);
  return t;
}

/** Allocator.runAllocFree: events [from, to) of the loaded batch; returns the index of the first event not handled. */
export function runEvents(a: RunHost, b: RunBatch, handles: Int32Array, from: number, to: number): number {
  if (to > b.count) throw new RangeError(`runAllocFree: events up to ${to} of a batch of ${b.count}`);
  const k = a.kernel;
  if (k !== null && b.inKernel && k.holds(handles)) return runKernel(a, k, b, handles, from, to);
  let i = from;
  while (i < to) {
    const r = runStep(a, b, handles, i);
    if (r >= 0) return r;
    i++;
  }
  return i;
}

/** The kernel's fast runs, and the handle API for each event they leave. */
function runKernel(a: RunHost, k: RunKernel, b: RunBatch, handles: Int32Array, from: number, to: number): number {
  const s = k.state32, d = k.state64;
  s[RK.HANDLES] = handles.byteOffset;
  s[RK.NH] = handles.length;
  s[RK.TO] = to;
  let i = from;
  while (i < to) {
    if (a.cTid >= 0) {
      s[RK.FROM] = i;
      s[RK.SLABOFF] = a.slabOff;
      s[RK.SSOFF] = a.ssOff;
      s[RK.THROFF] = a.thrOff;
      s[RK.CTID] = a.cTid;
      s[RK.CT] = a.cT;
      s[RK.SERIAL] = a.cSerial;
      s[RK.CTS] = a.cTS;
      d[RKD.OPS] = a.ops;
      i = k.runFast(k.state);
      a.ops = d[RKD.OPS]!;
      if (i >= to) break;
    }
    // event i missed the fast paths: its cold path, then the kernel again
    const r = runStep(a, b, handles, i);
    if (r >= 0) return r;
    i++;
  }
  return i;
}

/** Event i through the handle API: -1 to go on with the next event, else the index runEvents returns. */
function runStep(a: RunHost, b: RunBatch, handles: Int32Array, i: number): number {
  const o = b.op[i]!;
  if (o === RUN_FREE) {
    a.freeHandle(b.tid[i]!, handles[b.id[i]!]!);
    return -1;
  }
  if (o !== RUN_MALLOC) return i;
  const k = b.id[i]!;
  if (k >= handles.length) return i;
  const h = a.mallocHandle(b.tid[i]!, b.size[i]!, 0);
  handles[k] = h;
  if (h === HANDLE_NONE) {
    a.runOom = true;
    return i + 1;
  }
  return -1;
}
