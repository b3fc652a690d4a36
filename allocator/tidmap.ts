// allocator/tidmap.ts — thread id → record maps in the SharedArrayBuffer: open addressing with linear
// probing over (key, value) Int32 pairs, so any 32-bit thread id costs one entry (memory follows the
// threads that exist, not the largest id). Two instances live in the header: tid → thread slot and
// tid → stack record. Slow paths only (the fast paths cache the current thread).
// Invariants: capacity is a power of two; value -1 = empty, -2 = deleted; used (live + deleted) stays
// at most half the capacity; a key appears at most once among live entries; a table that is replaced
// is never reused (a concurrent reader never sees garbage). Imports nothing: AllocCore (core.ts, which
// looks thread slots up here) is passed in as a TmHeap.

/** What a map needs of the buffer's handle (AllocCore): its Int32 view, read again after heapAlloc
 *  (which may grow the buffer), and the heap's bump allocator. */
export interface TmHeap { readonly i32: Int32Array; heapAlloc(words: number): number }

/** Header words of one map: table offset, capacity (entries), live entries, used entries. */
export interface TidMapHeader { off: number; cap: number; count: number; used: number }

const EMPTY = -1;
const DELETED = -2;

function tmHash(tid: number, mask: number): number {
  return (Math.imul(tid | 0, 0x9e3779b1) >>> 7) & mask;
}

/** Creates an empty map of `cap` entries (a power of two). */
export function tmInit(a: TmHeap, h: TidMapHeader, cap: number): void {
  const off = a.heapAlloc(cap * 2);
  const i32 = a.i32;
  for (let i = 0; i < cap; i++) { i32[off + 2 * i] = 0; i32[off + 2 * i + 1] = EMPTY; }
  i32[h.off] = off;
  i32[h.cap] = cap;
  i32[h.count] = 0;
  i32[h.used] = 0;
}

/** Word index of the value slot holding `tid`, or -1. */
function tmFind(a: TmHeap, h: TidMapHeader, tid: number): number {
  const i32 = a.i32;
  const off = i32[h.off]!;
  const mask = i32[h.cap]! - 1;
  const key = tid | 0;
  for (let i = tmHash(tid, mask); ; i = (i + 1) & mask) {
    const v = i32[off + 2 * i + 1]!;
    if (v === EMPTY) return -1;
    if (v !== DELETED && i32[off + 2 * i] === key) return off + 2 * i + 1;
  }
}

/** The value for `tid`, or -1. */
export function tmGet(a: TmHeap, h: TidMapHeader, tid: number): number {
  const at = tmFind(a, h, tid);
  return at < 0 ? -1 : a.i32[at]!;
}

/** Sets tid → value (value >= 0), replacing any previous value. */
export function tmSet(a: TmHeap, h: TidMapHeader, tid: number, value: number): void {
  tmDelete(a, h, tid);
  if ((a.i32[h.used]! + 1) * 2 > a.i32[h.cap]!) tmRehash(a, h);
  const i32 = a.i32;
  const off = i32[h.off]!;
  const mask = i32[h.cap]! - 1;
  let i = tmHash(tid, mask);
  while (i32[off + 2 * i + 1]! >= 0) i = (i + 1) & mask;
  if (i32[off + 2 * i + 1] === EMPTY) i32[h.used]!++;
  i32[off + 2 * i] = tid | 0;
  i32[off + 2 * i + 1] = value;
  i32[h.count]!++;
}

/** Removes tid (no-op when absent). */
export function tmDelete(a: TmHeap, h: TidMapHeader, tid: number): void {
  const at = tmFind(a, h, tid);
  if (at < 0) return;
  a.i32[at] = DELETED;
  a.i32[h.count]!--;
}

/** A new table sized for the live entries (doubling when they fill a quarter of it), deleted ones dropped. */
function tmRehash(a: TmHeap, h: TidMapHeader): void {
  const oldOff = a.i32[h.off]!;
  const oldCap = a.i32[h.cap]!;
  const count = a.i32[h.count]!;
  let cap = oldCap;
  while ((count + 1) * 4 > cap) cap *= 2;
  const keys: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < oldCap; i++) {
    const v = a.i32[oldOff + 2 * i + 1]!;
    if (v >= 0) { keys.push(a.i32[oldOff + 2 * i]!); vals.push(v); }
  }
  tmInit(a, h, cap);
  for (let j = 0; j < keys.length; j++) tmSet(a, h, keys[j]!, vals[j]!);
}

/** Every live (tid, value) pair (cold: the checker). Tids come back as unsigned 32-bit numbers. */
export function tmEntries(a: TmHeap, h: TidMapHeader): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const off = a.i32[h.off]!;
  const cap = a.i32[h.cap]!;
  for (let i = 0; i < cap; i++) {
    const v = a.i32[off + 2 * i + 1]!;
    if (v >= 0) out.push([a.i32[off + 2 * i]! >>> 0, v]);
  }
  return out;
}
