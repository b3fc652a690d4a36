// allocator/stack.ts — thread stacks as glibc's pthread manages them: at thread start a stack of
// stackSize + stackGuard bytes is mapped PROT_NONE with MAP_STACK and all but the guard made
// read-write (two VMAs), or taken from the stack cache; its top pages (thread descriptor, frames) and
// the allocator's static TLS (zeroed by glibc at creation) become resident. At exit a detached thread
// releases its stack; a joinable one keeps it until joined (a zombie), or forever when never joined.
// Released stacks go to the cache (most recent first) and the least recent beyond stackCache bytes are
// unmapped. The main thread (tid 0's first start) has its stack in the process baseline.
// Invariants: a record is FREE, RUNNING, DETACHED, ZOMBIE, CACHED or LEAKED; the tid → stack map
// (tidmap.ts) names for a tid the
// newest incarnation's record (RUNNING, DETACHED or ZOMBIE) or -1; stacksMapped counts the non-free
// records, stacksLeaked the ZOMBIE + LEAKED ones, stacksCached the CACHED ones; threadRss is the sum of
// their resident bytes plus the main thread's TLS.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { S } from './layout.js';
import { OOM_STACK, osMap, osOomRecord, osTouchBytes, osUnmap } from './os.js';
import { tmDelete, tmGet, tmInit, tmSet } from './tidmap.js';
import { VF_RW, VF_STACK, VK_STACK, vmaMunmap, vmaProtect } from './vma.js';

const rec = (a: AllocCore, r: number): number => a.stkOff + r * L.STACK_STRIDE;

export function stackInit(a: AllocCore): void {
  const cap = 16;
  a.i32[L.H_STK_OFF] = a.heapAlloc(cap * L.STACK_STRIDE);
  a.i32[L.H_STK_CAP] = cap;
  a.i32[L.H_STK_HW] = 0;
  a.i32[L.H_STK_FREE] = -1;
  a.i32[L.H_STK_HEAD] = -1;
  a.i32[L.H_STK_TAIL] = -1;
  tmInit(a, L.TIDMAP_STACK, 64);
  a.refresh();
}

function stackLen(a: AllocCore): number {
  return a.p.stackSize + a.p.stackGuard;
}

function stackOfTid(a: AllocCore, tid: number): number {
  return tmGet(a, L.TIDMAP_STACK, tid);
}

function stackSetTid(a: AllocCore, tid: number, r: number): void {
  if (r < 0) tmDelete(a, L.TIDMAP_STACK, tid);
  else tmSet(a, L.TIDMAP_STACK, tid, r);
}

function stackNewRecord(a: AllocCore): number {
  let r = a.i32[L.H_STK_FREE]!;
  if (r >= 0) {
    a.i32[L.H_STK_FREE] = a.i32[rec(a, r) + L.ST_NEXT]!;
  } else {
    r = a.i32[L.H_STK_HW]!;
    const cap = a.i32[L.H_STK_CAP]!;
    if (r >= cap) {
      a.i32[L.H_STK_OFF] = a.tableMove(a.stkOff, r * L.STACK_STRIDE, cap * 2 * L.STACK_STRIDE, 0);
      a.i32[L.H_STK_CAP] = cap * 2;
      a.refresh();
    }
    a.i32[L.H_STK_HW] = r + 1;
  }
  const o = rec(a, r);
  a.i32.fill(0, o, o + L.STACK_STRIDE);
  a.i32[o + L.ST_PREV] = -1;
  a.i32[o + L.ST_NEXT] = -1;
  return r;
}

/** Maps a new stack (PROT_NONE, then read-write above the guard); -1 when pthread_create would fail
 *  (the OOM is recorded with what = stack). */
function stackMap(a: AllocCore, tid: number): number {
  const len = stackLen(a);
  const guard = a.p.stackGuard;
  const at = osMap(a, len, guard > 0 ? VF_STACK : VF_STACK | VF_RW, VK_STACK, tid, 0, OOM_STACK);
  if (at < 0) return -1;
  if (guard > 0 && !vmaProtect(a, at + guard, at + len, VF_STACK | VF_RW)) {
    vmaMunmap(a, at, at + len); // glibc unmaps the block and pthread_create returns EAGAIN
    osOomRecord(a, L.OOM_REASON_MAP_COUNT, tid, 0, OOM_STACK);
    return -1;
  }
  const r = stackNewRecord(a);
  a.f64[(rec(a, r) + L.ST_ADDR) >> 1] = at;
  a.f64[S.stacksMapped]!++;
  return r;
}

/** Unmaps stack record r and frees it. */
function stackUnmap(a: AllocCore, r: number): void {
  const o = rec(a, r);
  const at = a.f64[(o + L.ST_ADDR) >> 1]!;
  const res = a.i32[o + L.ST_RES]!;
  a.f64[S.threadRss]! -= res;
  osUnmap(a, at, at + stackLen(a), res); // a refused munmap leaves it stranded (counted by osUnmap)
  a.f64[S.stacksMapped]!--;
  a.i32[o + L.ST_STATE] = L.STK_FREE;
  a.i32[o + L.ST_NEXT] = a.i32[L.H_STK_FREE]!;
  a.i32[L.H_STK_FREE] = r;
}

function cacheUnlink(a: AllocCore, r: number): void {
  const o = rec(a, r);
  const prev = a.i32[o + L.ST_PREV]!;
  const next = a.i32[o + L.ST_NEXT]!;
  if (prev >= 0) a.i32[rec(a, prev) + L.ST_NEXT] = next; else a.i32[L.H_STK_HEAD] = next;
  if (next >= 0) a.i32[rec(a, next) + L.ST_PREV] = prev; else a.i32[L.H_STK_TAIL] = prev;
  a.i32[o + L.ST_PREV] = -1;
  a.i32[o + L.ST_NEXT] = -1;
  a.f64[S.stacksCached]!--;
}

/** A stack nobody uses any more: into the cache (most recent first), evicting beyond stackCache. */
function stackRelease(a: AllocCore, r: number): void {
  const len = stackLen(a);
  if (a.p.stackCache < len) { stackUnmap(a, r); return; }
  const o = rec(a, r);
  const head = a.i32[L.H_STK_HEAD]!;
  a.i32[o + L.ST_STATE] = L.STK_CACHED;
  a.i32[o + L.ST_PREV] = -1;
  a.i32[o + L.ST_NEXT] = head;
  if (head >= 0) a.i32[rec(a, head) + L.ST_PREV] = r; else a.i32[L.H_STK_TAIL] = r;
  a.i32[L.H_STK_HEAD] = r;
  a.f64[S.stacksCached]!++;
  while (a.f64[S.stacksCached]! * len > a.p.stackCache) {
    const old = a.i32[L.H_STK_TAIL]!;
    cacheUnlink(a, old);
    stackUnmap(a, old);
  }
}

/** Makes `bytes` of stack record r resident (no-op for what already is). */
function stackTouch(a: AllocCore, r: number, bytes: number): void {
  const o = rec(a, r);
  const res = a.i32[o + L.ST_RES]!;
  if (bytes <= res) return;
  a.i32[o + L.ST_RES] = bytes;
  a.f64[S.threadRss]! += bytes - res;
  osTouchBytes(a, bytes - res);
}

/** Thread `tid` starts: its stack (cached or new) and TLS. False when no stack could be mapped. */
export function stackStart(a: AllocCore, tid: number): boolean {
  if (tid === 0 && a.i32[L.H_MAIN_SEEN] === 0) {
    a.i32[L.H_MAIN_SEEN] = 1;
    a.f64[S.threadRss]! += a.tlsResident;
    osTouchBytes(a, a.tlsResident);
    return true;
  }
  const prev = stackOfTid(a, tid);
  if (prev >= 0 && a.i32[rec(a, prev) + L.ST_STATE] === L.STK_ZOMBIE) {
    a.i32[rec(a, prev) + L.ST_STATE] = L.STK_LEAKED; // its id is taken again: it can never be joined
    stackSetTid(a, tid, -1);
  }
  let r = a.i32[L.H_STK_HEAD]!;
  if (r >= 0) cacheUnlink(a, r);
  else r = stackMap(a, tid);
  if (r < 0) {
    a.f64[S.stackFailures]!++;
    return false;
  }
  const o = rec(a, r);
  a.i32[o + L.ST_STATE] = L.STK_RUNNING;
  a.i32[o + L.ST_TID] = tid;
  stackSetTid(a, tid, r);
  stackTouch(a, r, Math.min(a.p.stackSize, a.p.stackResident + a.tlsResident));
  return true;
}

/** Thread `tid` exits: a detached thread releases its stack, a joinable one becomes a zombie. */
export function stackExit(a: AllocCore, tid: number): void {
  const r = stackOfTid(a, tid);
  if (r < 0) return;
  const o = rec(a, r);
  if (a.i32[o + L.ST_STATE] === L.STK_DETACHED) {
    stackSetTid(a, tid, -1);
    stackRelease(a, r);
  } else {
    a.i32[o + L.ST_STATE] = L.STK_ZOMBIE;
    a.f64[S.stacksLeaked]!++;
  }
}

/** pthread_join of `tid` (which has exited): its stack is released. */
export function stackJoin(a: AllocCore, tid: number): void {
  a.f64[S.threadsJoined]!++;
  const r = stackOfTid(a, tid);
  if (r < 0 || a.i32[rec(a, r) + L.ST_STATE] !== L.STK_ZOMBIE) return;
  a.f64[S.stacksLeaked]!--;
  stackSetTid(a, tid, -1);
  stackRelease(a, r);
}

/** pthread_detach of `tid`: released now if it has exited, else at its exit. */
export function stackDetach(a: AllocCore, tid: number): void {
  a.f64[S.threadsDetached]!++;
  const r = stackOfTid(a, tid);
  if (r < 0) return;
  const o = rec(a, r);
  const st = a.i32[o + L.ST_STATE]!;
  if (st === L.STK_RUNNING) a.i32[o + L.ST_STATE] = L.STK_DETACHED;
  else if (st === L.STK_ZOMBIE) {
    a.f64[S.stacksLeaked]!--;
    stackSetTid(a, tid, -1);
    stackRelease(a, r);
  }
}

/** Resident bytes of a stack record and its state (for the checker). */
export function stackRecord(a: AllocCore, r: number): { addr: number; res: number; state: number; tid: number } {
  const o = rec(a, r);
  return { addr: a.f64[(o + L.ST_ADDR) >> 1]!, res: a.i32[o + L.ST_RES]!, state: a.i32[o + L.ST_STATE]!, tid: a.i32[o + L.ST_TID]! };
}
