// allocator/slab.ts — slab blocks: carving (first touch of pages: as blocks are handed out, or of the
// whole slab at once when the free list is built eagerly), taking blocks into a magazine, returning
// blocks, remote queues, and the TLS slab a thread carves from (a partial slab, else a fresh one from a
// SuperSlab). Records and partial lists live in slabRecord.ts. Invariants per slab: carved = freeTop +
// remote + used; used = live + magazine + orphaned blocks of the slab; stack[0..freeTop) holds
// free-state block indexes and stack[cap-remote..cap) the remote queue.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { osTouchSS } from './os.js';
import { partialHeadWord, partialPush, partialUnlink, slabNew, slabRec } from './slabRecord.js';
import { ssObtain, ssOnEmpty } from './superslab.js';

/** Moves up to `want` blocks of slab `sid` (free state first, then carving) onto the magazine of (slot, c). */
export function slabTake(a: AllocCore, sid: number, slot: number, c: number, want: number): number {
  const mb = a.magChunk(slot, c); // may grow the buffer: views are read after it
  const r = slabRec(a, sid);
  const i32 = a.i32;
  const u16 = a.u16;
  const mt = a.thrOff + slot * a.thrStride + L.T_MAGTOP + c;
  let top = i32[mt]!;
  const h0 = sid << a.blockShift;
  const st = i32[r + L.SL_STACK]!;
  const free = i32[r + L.SL_FREE_TOP]!;
  const n1 = Math.min(free, want);
  const carved = i32[r + L.SL_CARVED]!;
  const n2 = Math.min(i32[r + L.SL_CAP]! - carved, want - n1);
  // the free-state blocks (top of the stack first), then the carved ones (highest index first)
  if (a.kernel !== null) top = a.kernel.slabFill(mb, top, h0, st, free, n1, carved, n2);
  else {
    for (let i = 1; i <= n1; i++) i32[mb + top++] = h0 | u16[st + free - i]!;
    for (let j = n2 - 1; j >= 0; j--) i32[mb + top++] = h0 | (carved + j);
  }
  i32[r + L.SL_FREE_TOP] = free - n1;
  if (n2 > 0) {
    i32[r + L.SL_CARVED] = carved + n2;
    const k = i32[r + L.SL_SS]!;
    const size = a.classSize[c]!;
    const rel = a.f64[r >> 1]! - a.ssAddr(k);
    osTouchSS(a, a.ssOff + k * a.ssStride, rel + carved * size, rel + (carved + n2) * size);
  }
  const n = n1 + n2;
  i32[mt] = top;
  i32[r + L.SL_USED]! += n;
  i32[a.ssOff + i32[r + L.SL_SS]! * a.ssStride + L.SS_ACTIVE]! += n;
  return n;
}

/** Puts block `idx` back into the free state of slab `sid` (spill, flush, or a free into an ownerless slab). */
export function slabReturn(a: AllocCore, sid: number, idx: number): void {
  const i32 = a.i32;
  const r = slabRec(a, sid);
  const ft = i32[r + L.SL_FREE_TOP]!;
  a.u16[i32[r + L.SL_STACK]! + ft] = idx;
  i32[r + L.SL_FREE_TOP] = ft + 1;
  i32[r + L.SL_USED]!--;
  if (i32[r + L.SL_LIST] === L.SL_LIST_NONE && i32[r + L.SL_TLS] === 0) partialPush(a, sid);
  slabReturnActive(a, sid);
}

/** slabReturn's last step: one active block fewer in the slab's SuperSlab, which may become empty. */
export function slabReturnActive(a: AllocCore, sid: number): void {
  const i32 = a.i32;
  const k = i32[slabRec(a, sid) + L.SL_SS]!;
  const e = a.ssOff + k * a.ssStride;
  if (--i32[e + L.SS_ACTIVE]! === 0) ssOnEmpty(a, k);
}

/** Pushes block `idx` on the remote queue of slab `sid`. */
export function slabRemotePush(a: AllocCore, sid: number, idx: number): void {
  const i32 = a.i32;
  const r = slabRec(a, sid);
  const rc = i32[r + L.SL_REMOTE]!;
  a.u16[i32[r + L.SL_STACK]! + i32[r + L.SL_CAP]! - 1 - rc] = idx;
  i32[r + L.SL_REMOTE] = rc + 1;
  i32[r + L.SL_USED]!--;
  a.f64[L.S.remoteFreesPending]!++;
  if (i32[r + L.SL_LIST] === L.SL_LIST_NONE && i32[r + L.SL_TLS] === 0) partialPush(a, sid);
  if (a.p.remoteDecrementsActive) {
    const e = a.ssOff + i32[r + L.SL_SS]! * a.ssStride;
    if (--i32[e + L.SS_ACTIVE]! === 0) ssOnEmpty(a, i32[r + L.SL_SS]!);
  }
}

/** The owner drains the remote queue of slab `sid` into its free state. */
export function slabDrain(a: AllocCore, sid: number): void {
  const i32 = a.i32;
  const u16 = a.u16;
  const r = slabRec(a, sid);
  const n = i32[r + L.SL_REMOTE]!;
  if (n === 0) return;
  const st = i32[r + L.SL_STACK]!;
  let ft = i32[r + L.SL_FREE_TOP]!;
  const from = st + i32[r + L.SL_CAP]! - n;
  for (let i = 0; i < n; i++) u16[st + ft++] = u16[from + i]!;
  i32[r + L.SL_FREE_TOP] = ft;
  i32[r + L.SL_REMOTE] = 0;
  a.f64[L.S.remoteFreesPending]! -= n;
}

/** Unlinks every slab of the list whose head word is `hw` (an exiting thread's TLS-mode lists). */
export function partialClear(a: AllocCore, hw: number, drain: boolean): void {
  for (let s = a.i32[hw]!; s >= 0; s = a.i32[hw]!) {
    if (drain) slabDrain(a, s);
    partialUnlink(a, s);
  }
}

// ---- TLS slab ----

function slabAdopt(a: AllocCore, sid: number, slot: number, c: number): void {
  const i32 = a.i32;
  const r = slabRec(a, sid);
  i32[r + L.SL_TLS] = slot + 1;
  i32[r + L.SL_OWNER] = i32[a.thrOff + slot * a.thrStride + L.T_SERIAL]!;
  i32[r + L.SL_OWNER_SLOT] = slot;
  i32[a.thrOff + slot * a.thrStride + L.thrTls(a.nc) + c] = sid;
  if (i32[r + L.SL_REMOTE]! > 0) slabDrain(a, sid);
}

export function slabDropTls(a: AllocCore, slot: number, c: number, sid: number): void {
  const i32 = a.i32;
  const r = slabRec(a, sid);
  i32[a.thrOff + slot * a.thrStride + L.thrTls(a.nc) + c] = -1;
  i32[r + L.SL_TLS] = 0;
  if (i32[r + L.SL_FREE_TOP]! > 0 || i32[r + L.SL_REMOTE]! > 0) partialPush(a, sid);
}

/** Next TLS slab for (slot, c): a partial slab (if the policy allows), else a fresh slab carved from the
 *  current SuperSlab, else a fresh SuperSlab (reserve or mmap). -1 = OOM (recorded by the OS layer). */
export function slabAcquire(a: AllocCore, slot: number, c: number, tid: number, size: number): number {
  if (a.partialMode) {
    const hw = partialHeadWord(a, a.tlsMode ? 1 + a.nc + slot * a.nc + c : 1 + c);
    const s = a.i32[hw]!;
    if (s >= 0) {
      partialUnlink(a, s);
      slabAdopt(a, s, slot, c);
      return s;
    }
  }
  const curWord = (): number => (a.tlsMode ? a.thrOff + slot * a.thrStride + L.thrCurSS(a.nc) + c : L.H_CUR_SS + c);
  let k = a.i32[curWord()]!;
  if (k < 0 || a.i32[a.ssOff + k * a.ssStride + L.SS_NSLABS]! >= a.slabsPerSS) {
    k = ssObtain(a, slot, c, tid, size);
    if (k < 0) return -1;
    a.i32[curWord()] = k;
  }
  const idx = a.i32[a.ssOff + k * a.ssStride + L.SS_NSLABS]!;
  const s = slabNew(a, k, idx, c);
  const e = a.ssOff + k * a.ssStride;
  a.i32[e + L.SS_NSLABS] = idx + 1;
  a.i32[e + L.SS_SLABS + idx] = s;
  if (a.p.carve === 'eager') osTouchSS(a, e, idx * a.slabSize, (idx + 1) * a.slabSize);
  slabAdopt(a, s, slot, c);
  return s;
}
