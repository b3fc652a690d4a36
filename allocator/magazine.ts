// allocator/magazine.ts — per-thread, per-class magazines (stacks of block handles in chunks of the
// buffer, allocated on a class's first use and pooled per class: AllocCore.magChunk / magRelease):
// spill on overflow, flush-all, orphaning at thread exit. The per-class magazine block count is
// not stored: readers sum the magazine tops of live thread slots.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { slabReturn, slabReturnActive } from './slab.js';
import { partialPush, slabRec } from './slabRecord.js';
import { ssOnEmpty } from './superslab.js';


/** Returns the oldest `n` blocks of magazine (slot, c) to their slabs. */
export function magReturn(a: AllocCore, slot: number, c: number, n: number): void {
  const mt = a.thrOff + slot * a.thrStride + L.T_MAGTOP + c;
  const top = a.i32[mt]!;
  if (top === 0) return;
  const mb = a.i32[mt + a.magPtrDelta]!;
  if (n > top) n = top;
  const shift = a.blockShift;
  const mask = a.blockMask;
  const k = a.kernel;
  if (k !== null) {
    // the kernel returns the blocks until one needs a partial list or empties its SuperSlab: that
    // block is finished here (as slabReturn would), then the kernel goes on after it
    for (let i = 0; i < n; i++) {
      const at = k.magReturnRun(mb, i, n, shift, mask, a.slabOff, a.ssOff, a.ssStride);
      if (at < 0) break;
      i = at >> 1;
      const sid = a.i32[mb + i]! >>> shift;
      if ((at & 1) === 0) {
        partialPush(a, sid);
        slabReturnActive(a, sid);
      } else ssOnEmpty(a, a.i32[slabRec(a, sid) + L.SL_SS]!);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = a.i32[mb + i]!;
      slabReturn(a, h >>> shift, h & mask);
    }
  }
  a.i32.copyWithin(mb, mb + n, mb + top);
  a.i32[mt] = top - n;
}

/** A free found the magazine full: spill half (or all) of it back to the slabs. */
export function magSpill(a: AllocCore, slot: number, c: number): void {
  const cap = a.magCap[c]!;
  magReturn(a, slot, c, a.p.magOverflow === 'spill-half' ? Math.max(1, cap >> 1) : cap);
  a.f64[L.S.magazineSpills]!++;
}

/** Returns every magazine of `slot` to the slabs. */
export function magFlushAll(a: AllocCore, slot: number): void {
  for (let c = 0; c < a.nc; c++) {
    const top = a.i32[a.thrOff + slot * a.thrStride + L.T_MAGTOP + c]!;
    if (top === 0) continue;
    magReturn(a, slot, c, top);
    a.f64[L.S.magazineFlushes]!++;
  }
}

/** The thread exits without returning its magazines: their blocks stay counted by their slabs. */
export function magOrphan(a: AllocCore, slot: number): void {
  for (let c = 0; c < a.nc; c++) {
    const mt = a.thrOff + slot * a.thrStride + L.T_MAGTOP + c;
    const mb = a.i32[mt + a.magPtrDelta]!;
    const top = a.i32[mt]!;
    for (let i = 0; i < top; i++) a.i32[slabRec(a, a.i32[mb + i]! >>> a.blockShift) + L.SL_ORPHANED]!++;
    a.i32[mt] = 0;
    a.f64[L.S.orphanedBlocks]! += top;
  }
}
