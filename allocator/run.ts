// allocator/run.ts — the replay's hot loop: runs of malloc and free events straight from an event
// batch's columns, objects named by 32-bit block handles in the caller's table (never addresses). Fast
// paths over locals: the magazine pop, the magazine push into an own slab, and Larson's free into the
// slab of a thread that exited and released it (freeOther's release branch without its rare turns).
// Every other event goes through the Allocator's handle API (mallocHandle / freeHandle), after which
// the locals are read again (a slow path may grow the buffer, move a table or switch the cached
// thread). Invariant: the same effects, in the buffer, as mallocHandle / freeHandle event by event;
// the fast events' thread counters and operation count are folded in when a run of them ends.
import { CI, type AllocCore } from './core.js';
import { HOT } from './layout.js';

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

/** Allocator.runAllocFree: events [from, to); returns the index of the first event not handled. */
export function runEvents(
  a: RunHost, op: Uint8Array, tid: Uint32Array, id: Uint32Array, size: Float64Array, handles: Int32Array, from: number, to: number,
): number {
  const lut = a.classLut, maxSmall = a.maxSmall, info = a.cInfo;
  const limD = a.magLimDelta, ptrD = a.magPtrDelta, bs = a.blockShift, bm = a.blockMask, nh = handles.length;
  const ssStride = a.ssStride, thrStride = a.thrStride, periodic = a.periodic, partialMode = a.partialMode, tlsMode = a.tlsMode;
  // frees into an exited owner's slab go straight back to it (freeOther's release branch)
  const release = a.remoteQueue && a.releaseOnExit;
  let i = from;
  while (i < to) {
    const i32 = a.i32, f64 = a.f64, u16 = a.u16, slabOff = a.slabOff, ssOff = a.ssOff, thrOff = a.thrOff;
    const cTid = a.cTid, cT = a.cT, serial = a.cSerial;
    const start = i;
    const opsBase = a.ops - start + 1; // the operation count after event j of this run: opsBase + j
    let mallocs = 0;
    for (; i < to; i++) {
      const o = op[i]!;
      if (tid[i] !== cTid) break;
      if (o === RUN_FREE) {
        const h = handles[id[i]!]!;
        if (h < 0) break;
        const r = slabOff + (h >>> bs) * HOT.SLAB_STRIDE;
        const c = i32[r + HOT.SL_CLASS]!;
        if (info[c * CI.STRIDE + CI.SHIFT]! < 0) break; // free() takes these through freeBlock
        const owner = i32[r + HOT.SL_OWNER]!;
        if (owner === serial) {
          const mt = cT + c;
          const top = i32[mt]!;
          if (top >= i32[mt + limD]!) break;
          i32[i32[mt + ptrD]! + top] = h;
          i32[mt] = top + 1;
        } else {
          // another thread's slab: inline only when its owner exited (released) and nothing rare follows
          if (!release) break;
          const os = i32[r + HOT.SL_OWNER_SLOT]!;
          if (os >= 0 && owner !== 0 && i32[thrOff + os * thrStride + HOT.T_SERIAL] === owner) break; // owner alive
          if (i32[r + HOT.SL_REMOTE]! > 0) break; // drain first
          const e = ssOff + i32[r + HOT.SL_SS]! * ssStride;
          const act = i32[e + HOT.SS_ACTIVE]!;
          if (act === 1) break; // the SuperSlab becomes empty
          if (partialMode && i32[r + HOT.SL_LIST] === 0 && i32[r + HOT.SL_TLS] === 0) {
            // partialPush would list the slab: only TLS-mode slabs of a dead SuperSlab owner stay unlisted
            if (!tlsMode) break;
            const sos = i32[e + HOT.SS_OWNER_SLOT]!, so = i32[e + HOT.SS_OWNER]!;
            if (sos >= 0 && so !== 0 && i32[thrOff + sos * thrStride + HOT.T_SERIAL] === so) break;
          }
          if (periodic && opsBase + i >= f64[HOT.S_NEXT_TRIM_AT]!) break; // a trim is due after it
          const ft = i32[r + HOT.SL_FREE_TOP]!;
          u16[i32[r + HOT.SL_STACK]! + ft] = h & bm;
          i32[r + HOT.SL_FREE_TOP] = ft + 1;
          i32[r + HOT.SL_USED]!--;
          i32[e + HOT.SS_ACTIVE] = act - 1;
        }
        f64[HOT.CLASS_STATS_F64 + c * HOT.CLASS_STRIDE + HOT.CS_FREED]!++;
      } else if (o === RUN_MALLOC) {
        const k = id[i]!;
        const n = size[i]!;
        if (k >= nh || n > maxSmall) break;
        const c = lut[(n + 15) >> 4]!;
        const mt = cT + c;
        const top = i32[mt]! - 1;
        if (top < 0) break;
        handles[k] = i32[i32[mt + ptrD]! + top]!;
        i32[mt] = top;
        f64[HOT.CLASS_STATS_F64 + c * HOT.CLASS_STRIDE + HOT.CS_ALLOC]!++;
        mallocs++;
      } else break;
    }
    // the fast events' thread counters and operation count, folded in once
    if (i > start) {
      const cTS = a.cTS;
      f64[cTS] += mallocs;
      f64[cTS + 1] += i - start - mallocs;
      a.ops += i - start;
    }
    if (i >= to) break;
    // event i missed the fast paths: its cold path, then the locals again
    const o = op[i]!;
    if (o === RUN_FREE) {
      a.freeHandle(tid[i]!, handles[id[i]!]!);
    } else if (o === RUN_MALLOC) {
      const k = id[i]!;
      if (k >= nh) return i;
      const h = a.mallocHandle(tid[i]!, size[i]!, 0);
      handles[k] = h;
      if (h === HANDLE_NONE) {
        a.runOom = true;
        return i + 1;
      }
    } else return i;
    i++;
  }
  return i;
}
