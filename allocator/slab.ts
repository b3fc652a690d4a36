// allocator/slab.ts — slabs: records from a recycled pool, block stacks from per-class chunk pools,
// carving (first touch of pages: as blocks are handed out, or of the whole slab at once when the free
// list is built eagerly), out-of-line slab metadata (resident while the slab exists), taking blocks into a magazine, returning blocks, remote queues and
// the partial-slab lists. Invariants per slab: carved = freeTop + remote + used; used = live +
// magazine + orphaned blocks of the slab; stack[0..freeTop) holds free-state block indexes and
// stack[cap-remote..cap) the remote queue; a slab is on a partial list only while no thread holds it
// as its TLS slab.
import { CI, type AllocCore } from './core.js';
import * as L from './layout.js';
import { osTouchBytes, osTouchSS } from './os.js';
import { ssObtain, ssOnEmpty } from './superslab.js';

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
  let free = i32[r + L.SL_FREE_TOP]!;
  const n1 = Math.min(free, want);
  for (let i = 0; i < n1; i++) i32[mb + top++] = h0 | u16[st + --free]!;
  i32[r + L.SL_FREE_TOP] = free;
  const carved = i32[r + L.SL_CARVED]!;
  const n2 = Math.min(i32[r + L.SL_CAP]! - carved, want - n1);
  if (n2 > 0) {
    for (let j = n2 - 1; j >= 0; j--) i32[mb + top++] = h0 | (carved + j);
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
  const e = a.ssOff + i32[r + L.SL_SS]! * a.ssStride;
  if (--i32[e + L.SS_ACTIVE]! === 0) ssOnEmpty(a, i32[r + L.SL_SS]!);
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
