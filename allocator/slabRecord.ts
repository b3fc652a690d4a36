// allocator/slabRecord.ts — slab records: the record table (a recycled pool, grown by moving it), a
// new record for a slab of a SuperSlab (its block stack from the class's chunk pool, its out-of-line
// metadata resident while the slab exists), the return of a record and its block stack to their pools
// when its SuperSlab is detached, and the partial-slab lists threaded through the records (SL_LIST,
// SL_PREV, SL_NEXT). Imports neither slab.ts nor superslab.ts: both build on it. Invariants: a freed
// record has SL_SS = -1 and is on no list; a slab is on a partial list only while no thread holds it as
// its TLS slab.
import { CI, type AllocCore } from './core.js';
import * as L from './layout.js';
import { osTouchBytes } from './os.js';

const cls = (c: number, field: number): number => L.CLASS_STATS_F64 + c * L.CLASS_STRIDE + field;

export function slabRec(a: AllocCore, sid: number): number {
  return a.slabOff + sid * L.SLAB_STRIDE;
}

function slabGrowTable(a: AllocCore): void {
  const i32 = a.i32;
  const cap = i32[L.H_SLAB_CAP]!;
  const hw = i32[L.H_SLAB_HW]!;
  const n = a.tableMove(a.slabOff, hw * L.SLAB_STRIDE, cap * 2 * L.SLAB_STRIDE, 0);
  a.i32[L.H_SLAB_OFF] = n;
  a.i32[L.H_SLAB_CAP] = cap * 2;
  a.refresh();
}

/** A new slab record for slab `idx` of SuperSlab `k`, class `c`. */
export function slabNew(a: AllocCore, k: number, idx: number, c: number): number {
  let sid = a.i32[L.H_SLAB_FREE]!;
  if (sid >= 0) {
    a.i32[L.H_SLAB_FREE] = a.i32[slabRec(a, sid) + L.SL_NEXT]!;
  } else {
    sid = a.i32[L.H_SLAB_HW]!;
    if (sid >= 2 ** (31 - a.blockShift)) throw new Error('allocator: too many slabs for the block-handle width');
    if (sid >= a.i32[L.H_SLAB_CAP]!) slabGrowTable(a);
    a.i32[L.H_SLAB_HW] = sid + 1;
  }
  const size = a.classSize[c]!;
  const chunkWords = ((a.slabSize / size) + 1) >> 1;
  let chunk = a.i32[L.H_POOL + c]!;
  if (chunk >= 0) a.i32[L.H_POOL + c] = a.i32[chunk]!;
  else chunk = a.heapAlloc(chunkWords);
  const i32 = a.i32;
  const r = slabRec(a, sid);
  const off0 = idx === 0 ? a.cInfo[c * CI.STRIDE + CI.OFF0]! : 0;
  a.f64[r >> 1] = a.ssAddr(k) + idx * a.slabSize + off0;
  i32[r + L.SL_SS] = k;
  i32[r + L.SL_INDEX] = idx;
  i32[r + L.SL_CLASS] = c;
  i32[r + L.SL_CAP] = Math.floor((a.slabSize - off0) / size);
  i32[r + L.SL_CARVED] = 0;
  i32[r + L.SL_FREE_TOP] = 0;
  i32[r + L.SL_REMOTE] = 0;
  i32[r + L.SL_USED] = 0;
  i32[r + L.SL_OWNER] = 0;
  i32[r + L.SL_TLS] = 0;
  i32[r + L.SL_LIST] = L.SL_LIST_NONE;
  i32[r + L.SL_PREV] = -1;
  i32[r + L.SL_NEXT] = -1;
  i32[r + L.SL_STACK] = chunk * 2;
  i32[r + L.SL_ORPHANED] = 0;
  i32[r + L.SL_OWNER_SLOT] = -1;
  i32[r + L.SL_OFF0] = off0;
  a.f64[cls(c, L.CS.slabs)]!++;
  if (a.p.slabMetaBytes > 0) {
    a.f64[L.S.metaRss]! += a.p.slabMetaBytes;
    osTouchBytes(a, a.p.slabMetaBytes);
  }
  return sid;
}

/** Returns a slab record and its block stack to their pools (the SuperSlab is being detached). */
export function slabFree(a: AllocCore, sid: number): void {
  partialUnlink(a, sid);
  const i32 = a.i32;
  const r = slabRec(a, sid);
  const c = i32[r + L.SL_CLASS]!;
  const holder = i32[r + L.SL_TLS]! - 1;
  if (holder >= 0) {
    const t = a.thrOff + holder * a.thrStride + L.thrTls(a.nc) + c;
    if (i32[t] === sid) i32[t] = -1;
  }
  const f = a.f64;
  f[L.S.remoteFreesPending]! -= i32[r + L.SL_REMOTE]!;
  f[L.S.orphanedBlocks]! -= i32[r + L.SL_ORPHANED]!;
  f[cls(c, L.CS.slabs)]!--;
  if (a.p.slabMetaBytes > 0) {
    f[L.S.metaRss]! -= a.p.slabMetaBytes;
    f[L.S.rss]! -= a.p.slabMetaBytes; // back to the metadata pool, not to the OS
  }
  const chunk = i32[r + L.SL_STACK]! >> 1;
  i32[chunk] = i32[L.H_POOL + c]!;
  i32[L.H_POOL + c] = chunk;
  i32[r + L.SL_SS] = -1;
  i32[r + L.SL_TLS] = 0;
  i32[r + L.SL_NEXT] = i32[L.H_SLAB_FREE]!;
  i32[L.H_SLAB_FREE] = sid;
}

// ---- partial lists ----

/** List code (+1) the slab belongs on, or 0 when it has no list (fresh-only refill, dead TLS owner). */
function partialCode(a: AllocCore, sid: number): number {
  if (!a.partialMode) return 0;
  const i32 = a.i32;
  const r = slabRec(a, sid);
  const c = i32[r + L.SL_CLASS]!;
  if (!a.tlsMode) return 1 + c;
  const e = a.ssOff + i32[r + L.SL_SS]! * a.ssStride;
  const os = i32[e + L.SS_OWNER_SLOT]!;
  if (!a.slotAlive(os, i32[e + L.SS_OWNER]!)) return 0;
  return 1 + a.nc + os * a.nc + c;
}

export function partialHeadWord(a: AllocCore, code: number): number {
  let key = code - 1;
  if (key < a.nc) return L.H_PARTIAL + key;
  key -= a.nc;
  const slot = (key / a.nc) | 0;
  return a.thrOff + slot * a.thrStride + L.thrPartial(a.nc) + (key - slot * a.nc);
}

export function partialPush(a: AllocCore, sid: number): void {
  const code = partialCode(a, sid);
  if (code === L.SL_LIST_NONE) return;
  const i32 = a.i32;
  const hw = partialHeadWord(a, code);
  const head = i32[hw]!;
  const r = slabRec(a, sid);
  i32[r + L.SL_PREV] = -1;
  i32[r + L.SL_NEXT] = head;
  if (head >= 0) i32[slabRec(a, head) + L.SL_PREV] = sid;
  i32[hw] = sid;
  i32[r + L.SL_LIST] = code;
}

export function partialUnlink(a: AllocCore, sid: number): void {
  const i32 = a.i32;
  const r = slabRec(a, sid);
  const code = i32[r + L.SL_LIST]!;
  if (code === L.SL_LIST_NONE) return;
  const prev = i32[r + L.SL_PREV]!;
  const next = i32[r + L.SL_NEXT]!;
  if (prev >= 0) i32[slabRec(a, prev) + L.SL_NEXT] = next;
  else i32[partialHeadWord(a, code)] = next;
  if (next >= 0) i32[slabRec(a, next) + L.SL_PREV] = prev;
  i32[r + L.SL_LIST] = L.SL_LIST_NONE;
  i32[r + L.SL_PREV] = -1;
  i32[r + L.SL_NEXT] = -1;
}
