// allocator/thread.ts — thread slots: tid → slot map (a hash map, tidmap.ts: any 32-bit id), slot
// recycling, per-slot records (magazine tops, limits and chunks, TLS slab, TLS-mode current SuperSlab
// and partial lists),
// per-slot statistics, what thread exit does (release or orphan, per preset), and the thread's stack
// (stack.ts: mapped at start, kept until join or detach). Invariant: a slot is live iff its serial is
// non-zero, and then tidMap[tid] = slot.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { magFlushAll, magOrphan } from './magazine.js';
import { partialClear, slabDrain, slabDropTls } from './slab.js';
import { slabRec } from './slabRecord.js';
import { stackDetach, stackExit, stackJoin, stackStart } from './stack.js';
import { tmDelete, tmInit, tmSet } from './tidmap.js';

function threadGrowTables(a: AllocCore): void {
  const i32 = a.i32;
  const cap = i32[L.H_THR_CAP]!;
  const hw = i32[L.H_THR_HW]!;
  const nCap = cap * 2;
  const t = a.tableMove(a.thrOff, hw * a.thrStride, nCap * a.thrStride, 0);
  a.i32[L.H_THR_OFF] = t;
  const ts = a.tableMove(a.thrStatF * 2, hw * L.TS_STRIDE * 2, nCap * L.TS_STRIDE * 2, 0);
  a.i32[L.H_THRSTAT_OFF] = ts;
  a.i32[L.H_THR_CAP] = nCap;
  a.refresh();
}

/** The tid → slot map (called once at creation). */
export function threadInit(a: AllocCore): void {
  tmInit(a, L.TIDMAP_SLOT, 64);
}

/** Starts thread `tid` (no-op if it is live); returns its slot. A stack that cannot be mapped is
 *  counted in stackFailures (and recorded as an OOM); the thread still gets its slot. */
export function threadStart(a: AllocCore, tid: number): number {
  a.cTid = -1;
  const cur = a.tidToSlot(tid);
  if (cur >= 0) return cur;
  let slot = a.i32[L.H_THR_FREE]!;
  if (slot >= 0) {
    a.i32[L.H_THR_FREE] = a.i32[a.thrOff + slot * a.thrStride + L.T_NEXT_FREE]!;
  } else {
    slot = a.i32[L.H_THR_HW]!;
    if (slot >= a.i32[L.H_THR_CAP]!) threadGrowTables(a);
    a.i32[L.H_THR_HW] = slot + 1;
  }
  const i32 = a.i32;
  const t = a.thrOff + slot * a.thrStride;
  i32.fill(0, t, t + a.thrStride);
  i32.fill(-1, t + L.thrTls(a.nc), t + L.thrPartial(a.nc) + a.nc);
  i32.fill(-1, t + L.thrMagPtr(a.nc), t + L.thrMagPtr(a.nc) + a.nc);
  i32[t + L.T_TID] = tid;
  const serial = i32[L.H_SERIAL]! + 1;
  i32[L.H_SERIAL] = serial;
  i32[t + L.T_SERIAL] = serial;
  i32[t + L.T_NEXT_FREE] = -1;
  tmSet(a, L.TIDMAP_SLOT, tid, slot);
  const f = a.f64;
  const s = a.thrStatF + slot * L.TS_STRIDE;
  f.fill(0, s, s + L.TS_STRIDE);
  f[s + L.TS.tid] = tid;
  f[s + L.TS.active] = 1;
  f[L.S.threadsStarted]!++;
  stackStart(a, tid);
  return slot;
}

/** Ends thread `tid`: per `threadExit`, return its magazines and disown its slabs, or orphan them. */
export function threadExit(a: AllocCore, tid: number): void {
  const slot = a.tidToSlot(tid);
  if (slot < 0) return;
  a.cTid = -1;
  const i32 = a.i32;
  const t = a.thrOff + slot * a.thrStride;
  const release = a.p.threadExit === 'release';
  if (release) magFlushAll(a, slot);
  else magOrphan(a, slot);
  for (let c = 0; c < a.nc; c++) {
    const s = a.i32[t + L.thrTls(a.nc) + c]!;
    if (s < 0) continue;
    if (release) { slabDrain(a, s); slabDropTls(a, slot, c, s); }
    else { a.i32[t + L.thrTls(a.nc) + c] = -1; a.i32[slabRec(a, s) + L.SL_TLS] = 0; }
  }
  if (a.tlsMode) for (let c = 0; c < a.nc; c++) partialClear(a, a.thrOff + slot * a.thrStride + L.thrPartial(a.nc) + c, release);
  a.magRelease(slot);
  const t2 = a.thrOff + slot * a.thrStride;
  a.i32.fill(-1, t2 + L.thrTls(a.nc), t2 + L.thrPartial(a.nc) + a.nc);
  a.i32[t2 + L.T_SERIAL] = 0;
  a.i32[t2 + L.T_NEXT_FREE] = a.i32[L.H_THR_FREE]!;
  a.i32[L.H_THR_FREE] = slot;
  tmDelete(a, L.TIDMAP_SLOT, tid);
  a.f64[a.thrStatF + slot * L.TS_STRIDE + L.TS.active] = 0;
  a.f64[L.S.threadsExited]!++;
  stackExit(a, tid);
  void i32;
}

/** pthread_join of `tid` (exited): its stack is released. */
export function threadJoin(a: AllocCore, tid: number): void { stackJoin(a, tid); }

/** pthread_detach of `tid`: its stack is released at exit, or now if it has exited. */
export function threadDetach(a: AllocCore, tid: number): void { stackDetach(a, tid); }
