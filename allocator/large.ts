// allocator/large.ts — the large path: requests above the largest class get their own page-rounded
// mapping (resident when handed out; it may merge with a neighbouring anonymous VMA, as under Linux),
// released by munmap on free. A record index is encoded in the handle address (LARGE_BASE + index *
// LARGE_SPAN), so free needs no lookup structure; the mapping's place in the simulated address space
// is kept in the record.
import type { AllocCore } from './core.js';
import { AllocUsageError, allocInvalidFree } from './errors.js';
import * as L from './layout.js';
import { OOM_LARGE, osMap, osTouchBytes, osUnmap } from './os.js';
import { VF_RW, VK_LARGE } from './vma.js';

function largeGrow(a: AllocCore): void {
  const cap = a.i32[L.H_LARGE_CAP]!;
  const hw = a.i32[L.H_LARGE_HW]!;
  const n = a.tableMove(a.largeOff, hw * L.LARGE_STRIDE, cap * 2 * L.LARGE_STRIDE, 0);
  a.i32[L.H_LARGE_OFF] = n;
  a.i32[L.H_LARGE_CAP] = cap * 2;
  a.refresh();
}

export function largeMalloc(a: AllocCore, tid: number, size: number): number {
  const len = Math.max(1, Math.ceil(size / a.p.pageSize)) * a.p.pageSize;
  const a32 = a.i32;
  if (a32[L.H_LARGE_FREE]! < 0 && a32[L.H_LARGE_HW]! >= L.LARGE_MAX_RECORDS) {
    throw new AllocUsageError(`more than ${L.LARGE_MAX_RECORDS} large blocks live at once: beyond the model's limit`, 'capacity');
  }
  const at = osMap(a, len, VF_RW, VK_LARGE, tid, size, OOM_LARGE);
  if (at < 0) return 0;
  let rec = a.i32[L.H_LARGE_FREE]!;
  if (rec >= 0) {
    a.i32[L.H_LARGE_FREE] = a.i32[a.largeOff + rec * L.LARGE_STRIDE + L.LG_NEXT]!;
  } else {
    rec = a.i32[L.H_LARGE_HW]!;
    if (rec >= a.i32[L.H_LARGE_CAP]!) largeGrow(a);
    a.i32[L.H_LARGE_HW] = rec + 1;
  }
  const r = a.largeOff + rec * L.LARGE_STRIDE;
  a.i32[r + L.LG_STATE] = 1;
  a.i32[r + L.LG_NEXT] = -1;
  a.f64[(r + L.LG_SIZE) >> 1] = size;
  a.f64[(r + L.LG_MAPPED) >> 1] = len;
  a.f64[(r + L.LG_OSADDR) >> 1] = at;
  osTouchBytes(a, len);
  const f = a.f64;
  f[L.S.largeAllocated]!++;
  a.ops++;
  f[L.S.largeLive]!++;
  f[L.S.largeBytes]! += len;
  f[L.S.largeBytesAllocated]! += size;
  return L.LARGE_BASE + rec * L.LARGE_SPAN;
}

/** Record word index of the live large mapping at `addr`, or -1. */
export function largeFind(a: AllocCore, addr: number): number {
  const q = (addr - L.LARGE_BASE) / L.LARGE_SPAN;
  if (!(q >= 0 && q < a.i32[L.H_LARGE_HW]! && Number.isInteger(q))) return -1;
  const r = a.largeOff + q * L.LARGE_STRIDE;
  return a.i32[r + L.LG_STATE] === 1 ? r : -1;
}

export function largeFree(a: AllocCore, tid: number, addr: number): void {
  const r = largeFind(a, addr);
  if (r < 0) throw allocInvalidFree(tid, addr);
  const len = a.f64[(r + L.LG_MAPPED) >> 1]!;
  const size = a.f64[(r + L.LG_SIZE) >> 1]!;
  const at = a.f64[(r + L.LG_OSADDR) >> 1]!;
  osUnmap(a, at, at + len, len);
  a.i32[r + L.LG_STATE] = 0;
  a.i32[r + L.LG_NEXT] = a.i32[L.H_LARGE_FREE]!;
  a.i32[L.H_LARGE_FREE] = (r - a.largeOff) / L.LARGE_STRIDE;
  const f = a.f64;
  f[L.S.largeFreed]!++;
  a.ops++;
  f[L.S.largeLive]!--;
  f[L.S.largeBytes]! -= len;
  f[L.S.largeBytesFreed]! += size;
}
