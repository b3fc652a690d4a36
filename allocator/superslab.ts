// allocator/superslab.ts — SuperSlabs: the slot table (a slot index is the model's handle; the
// SuperSlab's place in the simulated address space is stored beside it), mapping (twice the size, then
// munmap of the unaligned head and tail, each a real munmap in vma.ts; a refused one is ignored as
// HAKMEM ignores munmap's result), the header written at the start of slab 0, empty detection, the
// per-class empty reserve, release (munmap) and trim. Invariants: an entry is FREE, LIVE or RESERVED;
// a RESERVED entry has no slabs and is on its class's reserve list; ssAllocated - ssFreed = LIVE +
// RESERVED.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { OOM_SUPERSLAB, osMadviseSS, osMap, osTouchSS, osUnmap } from './os.js';
import { slabFree } from './slabRecord.js';
import { VF_RW, VK_SUPERSLAB } from './vma.js';

const cls = (c: number, field: number): number => L.CLASS_STATS_F64 + c * L.CLASS_STRIDE + field;

function ssGrowTable(a: AllocCore): void {
  const cap = a.i32[L.H_SS_CAP]!;
  const n = a.tableMove(a.ssOff, a.ssHW * a.ssStride, cap * 2 * a.ssStride, 0);
  a.i32[L.H_SS_OFF] = n;
  a.i32[L.H_SS_CAP] = cap * 2;
  a.refresh();
}

/** Maps a new SuperSlab of class `c`; -1 when the OS refuses (OOM recorded). */
export function ssMap(a: AllocCore, c: number, tid: number, size: number): number {
  const len = a.p.ssMapTwice ? 2 * a.ssSize : a.ssSize;
  const raw = osMap(a, len, VF_RW, VK_SUPERSLAB, tid, size, OOM_SUPERSLAB);
  if (raw < 0) return -1;
  const at = Math.ceil(raw / a.ssSize) * a.ssSize;
  if (a.p.ssMapTwice) {
    osUnmap(a, raw, at, 0); // unaligned head
    osUnmap(a, at + a.ssSize, raw + len, 0); // tail
  }
  let k = a.i32[L.H_SS_FREE]!;
  if (k >= 0) {
    a.i32[L.H_SS_FREE] = a.i32[a.ssOff + k * a.ssStride + L.SS_LINK]!;
  } else {
    k = a.ssHW;
    if (k >= a.i32[L.H_SS_CAP]!) ssGrowTable(a);
    a.i32[L.H_SS_HW] = k + 1;
    a.ssHW = k + 1;
  }
  const i32 = a.i32;
  const e = a.ssOff + k * a.ssStride;
  i32.fill(0, e, e + a.ssStride);
  a.f64[(e + L.SS_OSADDR) >> 1] = at;
  i32.fill(-1, e + L.SS_SLABS, e + L.SS_SLABS + a.slabsPerSS);
  i32[e + L.SS_STATE] = L.SS_LIVE;
  i32[e + L.SS_CLASS] = c;
  i32[e + L.SS_OWNER_SLOT] = -1;
  i32[e + L.SS_LINK] = -1;
  osTouchSS(a, e, 0, a.p.ssHeaderBytes);
  a.f64[L.S.ssAllocated]!++;
  a.f64[cls(c, L.CS.superSlabs)]!++;
  return k;
}

/** A SuperSlab for (slot, c) to carve fresh slabs from: the class's empty reserve first, else mmap. */
export function ssObtain(a: AllocCore, slot: number, c: number, tid: number, size: number): number {
  let k = a.p.reserveReuse ? a.i32[L.H_RESERVE + c]! : -1;
  if (k >= 0) {
    const e = a.ssOff + k * a.ssStride;
    a.i32[L.H_RESERVE + c] = a.i32[e + L.SS_LINK]!;
    a.i32[e + L.SS_STATE] = L.SS_LIVE;
    a.i32[e + L.SS_LINK] = -1;
    a.f64[L.S.ssEmptyReserved]!--;
    a.f64[cls(c, L.CS.emptyReserved)]!--;
  } else {
    k = ssMap(a, c, tid, size);
    if (k < 0) return -1;
  }
  const e = a.ssOff + k * a.ssStride;
  if (a.tlsMode) {
    a.i32[e + L.SS_OWNER] = a.i32[a.thrOff + slot * a.thrStride + L.T_SERIAL]!;
    a.i32[e + L.SS_OWNER_SLOT] = slot;
  }
  return k;
}

/** Active count reached zero. */
export function ssOnEmpty(a: AllocCore, k: number): void {
  if (!a.p.emptyDetect) return;
  if (a.p.trim === 'on-empty') { ssRetire(a, k); return; }
  const e = a.ssOff + k * a.ssStride;
  if (a.i32[e + L.SS_PENDING] === 1) return;
  a.i32[e + L.SS_PENDING] = 1;
  a.i32[e + L.SS_LINK] = a.i32[L.H_PENDING]!;
  a.i32[L.H_PENDING] = k;
}

/** An empty SuperSlab goes to its class's reserve if there is room, else it is unmapped. */
export function ssRetire(a: AllocCore, k: number): void {
  const c = a.i32[a.ssOff + k * a.ssStride + L.SS_CLASS]!;
  if (a.f64[cls(c, L.CS.emptyReserved)]! < a.p.emptyReserve) ssToReserve(a, k);
  else ssRelease(a, k);
}

/** Drops every slab of SuperSlab `k` and every pointer to it (TLS slabs, current SuperSlab). */
function ssDetach(a: AllocCore, k: number): void {
  const e = a.ssOff + k * a.ssStride;
  const n = a.i32[e + L.SS_NSLABS]!;
  for (let i = 0; i < n; i++) {
    const sid = a.i32[e + L.SS_SLABS + i]!;
    if (sid >= 0) slabFree(a, sid);
    a.i32[e + L.SS_SLABS + i] = -1;
  }
  const i32 = a.i32;
  i32[e + L.SS_NSLABS] = 0;
  const c = i32[e + L.SS_CLASS]!;
  if (i32[L.H_CUR_SS + c] === k) i32[L.H_CUR_SS + c] = -1;
  const os = i32[e + L.SS_OWNER_SLOT]!;
  if (a.slotAlive(os, i32[e + L.SS_OWNER]!)) {
    const w = a.thrOff + os * a.thrStride + L.thrCurSS(a.nc) + c;
    if (i32[w] === k) i32[w] = -1;
  }
  i32[e + L.SS_OWNER] = 0;
  i32[e + L.SS_OWNER_SLOT] = -1;
}

function ssToReserve(a: AllocCore, k: number): void {
  ssDetach(a, k);
  const i32 = a.i32;
  const e = a.ssOff + k * a.ssStride;
  const c = i32[e + L.SS_CLASS]!;
  i32[e + L.SS_STATE] = L.SS_RESERVED;
  i32[e + L.SS_ACTIVE] = 0;
  i32[e + L.SS_LINK] = i32[L.H_RESERVE + c]!;
  i32[L.H_RESERVE + c] = k;
  a.f64[L.S.ssEmptyReserved]!++;
  a.f64[cls(c, L.CS.emptyReserved)]!++;
  if (a.p.madviseReserve) osMadviseSS(a, e, Math.ceil(a.p.ssHeaderBytes / a.p.pageSize));
}

export function ssRelease(a: AllocCore, k: number): void {
  ssDetach(a, k);
  const i32 = a.i32;
  const e = a.ssOff + k * a.ssStride;
  const c = i32[e + L.SS_CLASS]!;
  const at = a.f64[(e + L.SS_OSADDR) >> 1]!;
  osUnmap(a, at, at + a.ssSize, i32[e + L.SS_RES_PAGES]! << a.pageShift);
  i32.fill(0, e, e + a.ssStride);
  i32[e + L.SS_STATE] = L.SS_FREE;
  i32[e + L.SS_LINK] = i32[L.H_SS_FREE]!;
  i32[L.H_SS_FREE] = k;
  a.f64[L.S.ssFreed]!++;
  a.f64[cls(c, L.CS.superSlabs)]!--;
}

/** Unmaps (or reserves) every SuperSlab detected empty since the last trim that is still empty. */
export function ssTrim(a: AllocCore, opsNow: number): void {
  a.f64[L.S.trims]!++;
  a.f64[L.S.nextTrimAt] = opsNow + a.p.trimInterval;
  let k = a.i32[L.H_PENDING]!;
  a.i32[L.H_PENDING] = -1;
  while (k >= 0) {
    const e = a.ssOff + k * a.ssStride;
    const next = a.i32[e + L.SS_LINK]!;
    a.i32[e + L.SS_PENDING] = 0;
    a.i32[e + L.SS_LINK] = -1;
    if (a.i32[e + L.SS_STATE] === L.SS_LIVE && a.i32[e + L.SS_ACTIVE] === 0) ssRetire(a, k);
    k = next;
  }
}
