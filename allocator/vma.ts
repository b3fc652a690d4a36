// allocator/vma.ts — the simulated process address space, as Linux keeps it: VMAs (intervals with
// protection flags) in a 47-bit user space, in a treap in the SharedArrayBuffer keyed by start address
// and augmented with the largest gap below any node of a subtree (Linux's rb_subtree_gap), so that
// top-down first-fit placement, lookup, split and merge are O(log n) at any VMA count.
// Semantics reproduced (mm/mmap.c, mm/vma.c, mm/huge_memory.c):
//   - mmap without a hint: the highest gap below mmapBase that fits (top-down); an anonymous mapping
//     whose length is a multiple of 2 MiB is padded by 2 MiB and aligned (thp_get_unmapped_area),
//     falling back to the unpadded search; it fails when map_count > max_map_count (checked first).
//   - adjacent mappings with the same flags merge into one VMA (flags include MAP_STACK's
//     VM_NOHUGEPAGE, so thread stacks never merge with plain anonymous memory);
//   - munmap / mprotect split a VMA; a split fails when map_count >= max_map_count (munmap only
//     checks it for a hole strictly inside one VMA, as the kernel does).
// Invariants: in-order nodes are sorted and disjoint; gap(n) = start(n) - end(pred(n)); maxGap(n) is
// the largest gap in n's subtree; no two adjacent nodes have equal mergeable flags; two sentinels
// ([0, mmapMinAddr) and [mmapBase, 2^47)) bound the space and are not counted; the statistics
// (mappings, vmSize, per-kind counts and bytes) equal a walk of the tree.
// An allocator with the replay kernel runs vmaMmap / vmaMunmap / vmaProtect in WebAssembly
// (kernel/vma.ts through vmaKernel.ts: these algorithms, with mmap's insert done in place where that
// gives the same tree; the same bytes); the rest of
// this file (setup, walks, the baseline's inserts) and allocators without a kernel run the code here.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { VmaKernel } from './vmaKernel.js';

// ---- flags (equal flags merge, unless VF_NOMERGE is set) ----
export const VF_READ = 1;
export const VF_WRITE = 2;
export const VF_EXEC = 4;
/** MAP_STACK → VM_NOHUGEPAGE (Linux >= 6.7): a stack never merges with plain anonymous memory. */
export const VF_STACK = 8;
export const VF_NOMERGE = 16;
export const VF_RW = VF_READ | VF_WRITE;

// ---- kinds (what a VMA holds; for the breakdown only) ----
export const VK_SENTINEL = 0;
export const VK_SUPERSLAB = 1;
export const VK_STACK = 2;
export const VK_LARGE = 3;
export const VK_BASELINE = 4;
export const VK_MIXED = 5;
export const VMA_KINDS = ['sentinel', 'superSlab', 'stack', 'large', 'baseline', 'merged'] as const;

const PMD = 2 * 1024 * 1024;
export const USER_SPACE_END = 2 ** 47;

// Node fields, as literals for the hot code below (each equals layout.ts's V_* of the same name;
// Float64 fields as Float64 indexes relative to the node's first Float64: node n's words start at
// vmaOff + n * VMA_STRIDE, its Float64s at (vmaOff >> 1) + n * NODE_F).
const enum N { STRIDE = 14, F = 7, START = 0, END = 1, GAP = 2, MAXGAP = 3, LEFT = 8, RIGHT = 9, PRIO = 10, FLAGS = 11, KIND = 12, NEXT = 13 }
if (N.STRIDE !== L.VMA_STRIDE || N.START * 2 !== L.V_START || N.END * 2 !== L.V_END || N.GAP * 2 !== L.V_GAP || N.MAXGAP * 2 !== L.V_MAXGAP
  || N.LEFT !== L.V_LEFT || N.RIGHT !== L.V_RIGHT || N.PRIO !== L.V_PRIO || N.FLAGS !== L.V_FLAGS || N.KIND !== L.V_KIND || N.NEXT !== L.V_NEXT) {
  throw new Error('vma: node field constants differ from layout.ts');
}

// split results (scratch, not state): the two trees, and the rightmost node of the left one and the
// leftmost node of the right one (found on the way down, so no extra walk)
let sL = -1;
let sR = -1;
let sLast = -1;
let sFirst = -1;
/** Scratch stack of the nodes on a split / merge / spine path (bottom-up repair); grows if a path is deeper. */
let path = new Int32Array(256);
/** Scratch stack of vmaMunmap's descent (kept apart from `path`, which merge and fixLeftGap use meanwhile). */
let dpath = new Int32Array(256);

function pathPush(d: number, n: number): void {
  if (d >= path.length) { const p = new Int32Array(path.length * 2); p.set(path); path = p; }
  path[d] = n;
}

function dpathPush(d: number, n: number): void {
  if (d >= dpath.length) { const p = new Int32Array(dpath.length * 2); p.set(dpath); dpath = p; }
  dpath[d] = n;
}

/**
 * Memory-level parallelism for the descents (no effect on the tree or the buffer): at each level a
 * descent reads the start and the links of both children before it knows which one it takes, so the
 * next level's cache misses overlap this one's (the nodes are scattered over megabytes: each level
 * is a miss, and which child comes next is a coin toss for the branch predictor). The values feed
 * `vmaTouched` (exported, so the compiler keeps the loads; nothing reads it).
 */
export let vmaTouched = 0;

const f = (a: AllocCore, n: number, field: number): number => a.f64[(a.vmaOff + n * L.VMA_STRIDE + field) >> 1]!;
const fset = (a: AllocCore, n: number, field: number, v: number): void => { a.f64[(a.vmaOff + n * L.VMA_STRIDE + field) >> 1] = v; };
const w = (a: AllocCore, n: number, field: number): number => a.i32[a.vmaOff + n * L.VMA_STRIDE + field]!;
const wset = (a: AllocCore, n: number, field: number, v: number): void => { a.i32[a.vmaOff + n * L.VMA_STRIDE + field] = v; };

export const vmaStart = (a: AllocCore, n: number): number => f(a, n, L.V_START);
export const vmaEnd = (a: AllocCore, n: number): number => f(a, n, L.V_END);
export const vmaGap = (a: AllocCore, n: number): number => f(a, n, L.V_GAP);
export const vmaMaxGap = (a: AllocCore, n: number): number => (n < 0 ? -1 : f(a, n, L.V_MAXGAP));
export const vmaLeft = (a: AllocCore, n: number): number => w(a, n, L.V_LEFT);
export const vmaRight = (a: AllocCore, n: number): number => w(a, n, L.V_RIGHT);
export const vmaFlags = (a: AllocCore, n: number): number => w(a, n, L.V_FLAGS);
export const vmaKind = (a: AllocCore, n: number): number => w(a, n, L.V_KIND);

// ---------------------------------------------------------------- node pool

function vmaGrow(a: AllocCore): void {
  const cap = a.i32[L.H_VMA_CAP]!;
  const hw = a.i32[L.H_VMA_HW]!;
  const n = a.tableMove(a.vmaOff, hw * L.VMA_STRIDE, cap * 2 * L.VMA_STRIDE, 0);
  a.i32[L.H_VMA_OFF] = n;
  a.i32[L.H_VMA_CAP] = cap * 2;
  a.refresh();
}

/** A new node (may grow the buffer or move the node table: callers re-read their views after it). */
function vmaNode(a: AllocCore, start: number, end: number, flags: number, kind: number): number {
  let n = a.i32[L.H_VMA_FREE]!;
  if (n >= 0) a.i32[L.H_VMA_FREE] = a.i32[a.vmaOff + n * N.STRIDE + N.NEXT]!;
  else {
    n = a.i32[L.H_VMA_HW]!;
    if (n >= a.i32[L.H_VMA_CAP]!) vmaGrow(a);
    a.i32[L.H_VMA_HW] = n + 1;
  }
  const i32 = a.i32;
  // deterministic priority: a xorshift stream kept in the header
  let s = i32[L.H_VMA_SEED]!;
  s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
  i32[L.H_VMA_SEED] = s;
  const o = a.vmaOff + n * N.STRIDE;
  const f64 = a.f64, of = o >> 1;
  f64[of + N.START] = start;
  f64[of + N.END] = end;
  f64[of + N.GAP] = 0;
  f64[of + N.MAXGAP] = 0;
  i32[o + N.LEFT] = -1;
  i32[o + N.RIGHT] = -1;
  i32[o + N.PRIO] = s & 0x7fffffff;
  i32[o + N.FLAGS] = flags;
  i32[o + N.KIND] = kind;
  i32[o + N.NEXT] = -1;
  if (kind !== VK_SENTINEL) vmaCount(a, kind, 1, end - start);
  return n;
}

function vmaDrop(a: AllocCore, n: number): void {
  const i32 = a.i32, o = a.vmaOff + n * N.STRIDE;
  const kind = i32[o + N.KIND]!;
  if (kind !== VK_SENTINEL) vmaCount(a, kind, -1, -(a.f64[(o >> 1) + N.END]! - a.f64[(o >> 1) + N.START]!));
  i32[o + N.LEFT] = -1;
  i32[o + N.RIGHT] = -1;
  i32[o + N.NEXT] = i32[L.H_VMA_FREE]!;
  i32[L.H_VMA_FREE] = n;
}

/** Statistics: VMA count and bytes, in total and per kind. */
function vmaCount(a: AllocCore, kind: number, dn: number, dBytes: number): void {
  const s = a.f64;
  s[L.S.mappings]! += dn;
  s[L.S.vmSize]! += dBytes;
  s[L.VMA_KIND_STATS[kind]!]! += dn;
  s[L.VMA_KIND_BYTES[kind]!]! += dBytes;
  if (s[L.S.vmSize]! > s[L.S.peakVmSize]!) s[L.S.peakVmSize] = s[L.S.vmSize]!;
  if (s[L.S.mappings]! > s[L.S.peakMappings]!) s[L.S.peakMappings] = s[L.S.mappings]!;
}

/** Changes the extent of node n in place (same kind), keeping the statistics. */
function vmaResize(a: AllocCore, n: number, start: number, end: number): void {
  const o = a.vmaOff + n * N.STRIDE, of = o >> 1, f64 = a.f64;
  const kind = a.i32[o + N.KIND]!;
  const d = (end - start) - (f64[of + N.END]! - f64[of + N.START]!);
  f64[of + N.START] = start;
  f64[of + N.END] = end;
  if (d !== 0) vmaCount(a, kind, 0, d);
}

function vmaSetKind(a: AllocCore, n: number, kind: number): void {
  const old = w(a, n, L.V_KIND);
  if (old === kind) return;
  const bytes = f(a, n, L.V_END) - f(a, n, L.V_START);
  vmaCount(a, old, -1, -bytes);
  vmaCount(a, kind, 1, bytes);
  wset(a, n, L.V_KIND, kind);
}

// ---------------------------------------------------------------- treap primitives
// All iterative over the scratch path: the same links, gaps and maxGaps as the recursive textbook
// forms (split by key, merge by priority with ties to the right tree), repaired bottom-up.

/** maxGap of the nodes p[d - 1] .. p[0], deepest first (each one's children are final). */
function updPath(p: Int32Array, i32: Int32Array, f64: Float64Array, o: number, d: number): void {
  const of = o >> 1;
  while (d > 0) {
    const n = p[--d]!;
    const b = o + n * N.STRIDE, bf = of + n * N.F;
    let m = f64[bf + N.GAP]!;
    const l = i32[b + N.LEFT]!;
    const r = i32[b + N.RIGHT]!;
    if (l >= 0) { const g = f64[of + l * N.F + N.MAXGAP]!; if (g > m) m = g; }
    if (r >= 0) { const g = f64[of + r * N.F + N.MAXGAP]!; if (g > m) m = g; }
    f64[bf + N.MAXGAP] = m;
  }
}

function upd(a: AllocCore, n: number): void {
  path[0] = n;
  updPath(path, a.i32, a.f64, a.vmaOff, 1);
}

/** Splits subtree t into sL (start < key) and sR (start >= key); sLast / sFirst: the rightmost node
 *  of sL and the leftmost of sR (-1 when empty). */
function split(a: AllocCore, t: number, key: number): void {
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  let l = -1, r = -1, d = 0, mlp = 0;
  sL = -1; sR = -1;
  while (t >= 0) {
    if (d >= path.length) pathPush(d, t); else path[d] = t;
    d++;
    const b = o + t * N.STRIDE;
    const cl = i32[b + N.LEFT]!, cr = i32[b + N.RIGHT]!;
    if (cl >= 0) mlp += f64[of + cl * N.F + N.START]! + i32[o + cl * N.STRIDE + N.PRIO]!;
    if (cr >= 0) mlp += f64[of + cr * N.F + N.START]! + i32[o + cr * N.STRIDE + N.PRIO]!;
    if (f64[of + t * N.F + N.START]! < key) {
      if (l < 0) sL = t; else i32[o + l * N.STRIDE + N.RIGHT] = t;
      l = t;
      t = i32[b + N.RIGHT]!;
    } else {
      if (r < 0) sR = t; else i32[o + r * N.STRIDE + N.LEFT] = t;
      r = t;
      t = i32[b + N.LEFT]!;
    }
  }
  if (l >= 0) i32[o + l * N.STRIDE + N.RIGHT] = -1;
  if (r >= 0) i32[o + r * N.STRIDE + N.LEFT] = -1;
  sLast = l;
  sFirst = r;
  vmaTouched = mlp;
  updPath(path, i32, f64, o, d);
}

/** Joins two subtrees, every start in l below every start in r. */
function merge(a: AllocCore, l: number, r: number): number {
  if (l < 0) return r;
  if (r < 0) return l;
  const i32 = a.i32, o = a.vmaOff;
  let root = -1, hole = -1, d = 0;
  while (l >= 0 && r >= 0) {
    let n: number;
    if (i32[o + l * N.STRIDE + N.PRIO]! > i32[o + r * N.STRIDE + N.PRIO]!) {
      n = l;
      if (hole < 0) root = n; else i32[hole] = n;
      hole = o + l * N.STRIDE + N.RIGHT;
      l = i32[hole]!;
    } else {
      n = r;
      if (hole < 0) root = n; else i32[hole] = n;
      hole = o + r * N.STRIDE + N.LEFT;
      r = i32[hole]!;
    }
    if (d >= path.length) pathPush(d, n); else path[d] = n;
    d++;
  }
  i32[hole] = l >= 0 ? l : r;
  updPath(path, i32, a.f64, o, d);
  return root;
}

/** Sets the gap of the leftmost node of t to its start - prevEnd and repairs maxGap on the way up. */
function fixLeftGap(a: AllocCore, t: number, prevEnd: number): void {
  if (t < 0) return;
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  let d = 0;
  for (;;) {
    if (d >= path.length) pathPush(d, t); else path[d] = t;
    d++;
    const l = i32[o + t * N.STRIDE + N.LEFT]!;
    if (l < 0) break;
    t = l;
  }
  f64[of + t * N.F + N.GAP] = f64[of + t * N.F + N.START]! - prevEnd;
  updPath(path, i32, f64, o, d);
}

/** Removes the leftmost node of t (returned in sL); the new subtree root is returned. */
function popLeftmost(a: AllocCore, t: number): number {
  const i32 = a.i32, o = a.vmaOff;
  let d = 0, parent = -1, n = t;
  for (;;) {
    const l = i32[o + n * N.STRIDE + N.LEFT]!;
    if (l < 0) break;
    if (d >= path.length) pathPush(d, n); else path[d] = n;
    d++;
    parent = n;
    n = l;
  }
  sL = n;
  const r = i32[o + n * N.STRIDE + N.RIGHT]!;
  i32[o + n * N.STRIDE + N.RIGHT] = -1;
  if (parent < 0) return r;
  i32[o + parent * N.STRIDE + N.LEFT] = r;
  updPath(path, i32, a.f64, o, d);
  return t;
}

/** Frees every node of subtree t (iterative: the free-list link is the work stack). */
function dropAll(a: AllocCore, t: number): void {
  let stack = -1;
  if (t >= 0) { wset(a, t, L.V_NEXT, -1); stack = t; }
  while (stack >= 0) {
    const n = stack;
    stack = w(a, n, L.V_NEXT);
    const l = w(a, n, L.V_LEFT);
    const r = w(a, n, L.V_RIGHT);
    if (l >= 0) { wset(a, l, L.V_NEXT, stack); stack = l; }
    if (r >= 0) { wset(a, r, L.V_NEXT, stack); stack = r; }
    vmaDrop(a, n);
  }
}

/** The node with the largest start <= addr (the VMA containing addr, if any), or -1. */
export function vmaFloor(a: AllocCore, addr: number): number {
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  let t = i32[L.H_VMA_ROOT]!;
  let best = -1, mlp = 0;
  while (t >= 0) {
    const cl = i32[o + t * N.STRIDE + N.LEFT]!, cr = i32[o + t * N.STRIDE + N.RIGHT]!;
    if (cl >= 0) mlp += f64[of + cl * N.F + N.START]! + i32[o + cl * N.STRIDE + N.PRIO]!;
    if (cr >= 0) mlp += f64[of + cr * N.F + N.START]! + i32[o + cr * N.STRIDE + N.PRIO]!;
    if (f64[of + t * N.F + N.START]! <= addr) { best = t; t = cr; } else t = cl;
  }
  vmaTouched = mlp;
  return best;
}

// ---------------------------------------------------------------- setup

/** Creates the empty space: the two sentinels. */
export function vmaInit(a: AllocCore): void {
  const cap = 64;
  a.i32[L.H_VMA_OFF] = a.heapAlloc(cap * L.VMA_STRIDE);
  a.i32[L.H_VMA_CAP] = cap;
  a.i32[L.H_VMA_HW] = 0;
  a.i32[L.H_VMA_FREE] = -1;
  a.i32[L.H_VMA_ROOT] = -1;
  a.i32[L.H_VMA_SEED] = 0x2545f491;
  a.refresh();
  const lo = vmaNode(a, 0, a.p.mmapMinAddr, VF_NOMERGE, VK_SENTINEL);
  const hi = vmaNode(a, a.p.mmapBase, USER_SPACE_END, VF_NOMERGE, VK_SENTINEL);
  fset(a, hi, L.V_GAP, a.p.mmapBase - a.p.mmapMinAddr);
  upd(a, lo);
  upd(a, hi);
  a.i32[L.H_VMA_ROOT] = merge(a, lo, hi);
  const p = a.p;
  a.vk = a.kernel ? VmaKernel.create(a.kernel, { maxMapCount: p.maxMapCount, memLimit: p.memLimit, thpAlign: p.thpAlign }, () => vmaGrow(a)) : null;
}

// ---------------------------------------------------------------- insert / remove

/** Maps [start, end) (which must be free) with `flags`, merging with equal-flag neighbours. */
export function vmaInsert(a: AllocCore, start: number, end: number, flags: number, kind: number): void {
  split(a, a.i32[L.H_VMA_ROOT]!, start);
  const left = sL;
  let right = sR;
  const p = sLast;
  const s = sFirst;
  const mergeable = (flags & VF_NOMERGE) === 0;
  const ml = mergeable && p >= 0 && f(a, p, L.V_END) === start && w(a, p, L.V_FLAGS) === flags;
  const mr = mergeable && s >= 0 && f(a, s, L.V_START) === end && w(a, s, L.V_FLAGS) === flags;
  if (ml && mr) {
    right = popLeftmost(a, right);
    const sEnd = f(a, s, L.V_END);
    const sKind = w(a, s, L.V_KIND);
    vmaDrop(a, s);
    vmaResize(a, p, f(a, p, L.V_START), sEnd); // s's bytes and the new ones, as one VMA of p's kind
    vmaMixKind(a, p, kind);
    vmaMixKind(a, p, sKind);
    fixLeftGap(a, right, sEnd);
  } else if (ml) {
    vmaResize(a, p, f(a, p, L.V_START), end);
    vmaMixKind(a, p, kind);
    fixLeftGap(a, right, end);
  } else if (mr) {
    vmaResize(a, s, start, f(a, s, L.V_END));
    vmaMixKind(a, s, kind);
    fixLeftGap(a, right, p >= 0 ? f(a, p, L.V_END) : 0);
  } else {
    const n = vmaNode(a, start, end, flags, kind);
    fset(a, n, L.V_GAP, start - (p >= 0 ? f(a, p, L.V_END) : 0));
    upd(a, n);
    fixLeftGap(a, right, end);
    right = merge(a, n, right);
  }
  a.i32[L.H_VMA_ROOT] = merge(a, left, right);
}

/** Node n absorbed memory of `kind`: it becomes MIXED when the kinds differ. */
function vmaMixKind(a: AllocCore, n: number, kind: number): void {
  if (w(a, n, L.V_KIND) !== kind) vmaSetKind(a, n, VK_MIXED);
}

/** Unmaps [start, end) whatever it covers (no limit check: callers check vmaSplitsNeeded first). */
function vmaRemove(a: AllocCore, start: number, end: number): void {
  split(a, a.i32[L.H_VMA_ROOT]!, start);
  const left = sL;
  const p = sLast;
  split(a, sR, end);
  const mid = sL;
  const z = sLast;
  let right = sR;
  let tail = -1; // a piece [end, x) that survives
  if (p >= 0 && f(a, p, L.V_END) > start) {
    const pEnd = f(a, p, L.V_END);
    if (pEnd > end) tail = vmaNode(a, end, pEnd, w(a, p, L.V_FLAGS), w(a, p, L.V_KIND));
    vmaResize(a, p, f(a, p, L.V_START), start);
  }
  if (z >= 0 && f(a, z, L.V_END) > end) tail = vmaNode(a, end, f(a, z, L.V_END), w(a, z, L.V_FLAGS), w(a, z, L.V_KIND));
  dropAll(a, mid);
  if (tail >= 0) { upd(a, tail); right = merge(a, tail, right); }
  fixLeftGap(a, right, p >= 0 ? f(a, p, L.V_END) : 0);
  a.i32[L.H_VMA_ROOT] = merge(a, left, right);
}

/** How many VMA splits unmapping or re-protecting [start, end) needs (0, 1 or 2), for the limit check. */
export function vmaSplitsNeeded(a: AllocCore, start: number, end: number): number {
  let n = 0;
  const v = vmaFloor(a, start);
  if (v >= 0 && f(a, v, L.V_START) < start && f(a, v, L.V_END) > start) n++;
  const z = vmaFloor(a, end - 1);
  if (z >= 0 && f(a, z, L.V_START) < end && f(a, z, L.V_END) > end) n++;
  return n;
}

// ---------------------------------------------------------------- the system calls

export const MMAP_OK = 0;
export const MMAP_MAP_COUNT = 1;
export const MMAP_NO_SPACE = 2;
export const MMAP_MEM_LIMIT = 3;
let mmapAddr = 0;
/** Address of the last successful vmaMmap. */
export function vmaLastAddr(): number { return mmapAddr; }

/** Highest placement of `len` bytes in a gap of at least `need` bytes: start of that gap's node, or -1. */
function vmaFindGap(a: AllocCore, need: number): number {
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  let t = i32[L.H_VMA_ROOT]!;
  if (t < 0 || f64[of + t * N.F + N.MAXGAP]! < need) return -1;
  let mlp = 0;
  while (t >= 0) {
    const r = i32[o + t * N.STRIDE + N.RIGHT]!, l = i32[o + t * N.STRIDE + N.LEFT]!;
    if (l >= 0) mlp += f64[of + l * N.F + N.MAXGAP]! + i32[o + l * N.STRIDE + N.PRIO]!;
    if (r >= 0) mlp += i32[o + r * N.STRIDE + N.PRIO]!;
    if (r >= 0 && f64[of + r * N.F + N.MAXGAP]! >= need) { t = r; continue; }
    if (f64[of + t * N.F + N.GAP]! >= need) { vmaTouched = mlp; return t; }
    t = l;
  }
  vmaTouched = mlp;
  return -1;
}

/** Where a new anonymous mapping of `len` bytes goes (top-down, THP-aligned when it applies), or -1. */
export function vmaPlace(a: AllocCore, len: number): number {
  if (a.p.thpAlign && len % PMD === 0) {
    const n = vmaFindGap(a, len + PMD);
    if (n >= 0) {
      const ret = f(a, n, L.V_START) - len - PMD;
      const sub = (PMD - (ret % PMD)) % PMD;
      return sub === 0 ? ret + PMD : ret + sub;
    }
  }
  const n = vmaFindGap(a, len);
  return n < 0 ? -1 : f(a, n, L.V_START) - len;
}

/** mmap(NULL, len, flags): MMAP_OK with the address in vmaLastAddr(), or the failure. */
export function vmaMmap(a: AllocCore, len: number, flags: number, kind: number): number {
  const k = a.vk;
  if (k !== null) {
    const r = k.mmap(len, flags, kind);
    if (r === MMAP_OK) mmapAddr = k.addr();
    return r;
  }
  const s = a.f64;
  if (s[L.S.mappings]! > a.p.maxMapCount) return MMAP_MAP_COUNT;
  if (s[L.S.vmSize]! + len > a.p.memLimit) return MMAP_MEM_LIMIT;
  const at = vmaPlace(a, len);
  if (at < 0) return MMAP_NO_SPACE;
  vmaInsert(a, at, at + len, flags, kind);
  mmapAddr = at;
  return MMAP_OK;
}

/** Test switch: false sends every munmap through vmaRemove (vma.test.ts checks both give the same buffer). */
export const vmaTuning = { inPlace: true };

/** munmap(start, end - start): false (ENOMEM, nothing changed) when it must split a VMA in the middle
 *  and the map count is at the limit.
 *  One descent finds the VMA at start (vmaFloor's node) and records the path. Two common cases then
 *  change the tree in place instead of vmaRemove's split / split / merge: the whole of one VMA (a
 *  SuperSlab's release: the node is replaced by the merge of its children), the tail of one VMA
 *  (the trim after a padded mmap: the node shrinks) and a hole strictly inside one VMA (the same trim
 *  when the mapping merged with the one above: the node shrinks and the piece after the hole is
 *  inserted where vmaRemove's merges would put it). vmaRemove re-merges the path by priority, ties to
 *  the right, so the in-place forms give the same tree only when the priorities strictly decrease
 *  along the path (no tie to reorder); otherwise vmaRemove does it. */
export function vmaMunmap(a: AllocCore, start: number, end: number): boolean {
  if (a.vk !== null) return a.vk.munmap(start, end, vmaTuning.inPlace ? 1 : 0) === 1;
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  let t = i32[L.H_VMA_ROOT]!;
  let v = -1, d = 0, exact = false, strict = true, prev = 0x80000000, mlp = 0;
  while (t >= 0) {
    if (d >= dpath.length) dpathPush(d, t); else dpath[d] = t;
    d++;
    const pr = i32[o + t * N.STRIDE + N.PRIO]!;
    if (pr >= prev) strict = false;
    prev = pr;
    const cl = i32[o + t * N.STRIDE + N.LEFT]!, cr = i32[o + t * N.STRIDE + N.RIGHT]!;
    if (cl >= 0) mlp += f64[of + cl * N.F + N.START]! + i32[o + cl * N.STRIDE + N.PRIO]!;
    if (cr >= 0) mlp += f64[of + cr * N.F + N.START]! + i32[o + cr * N.STRIDE + N.PRIO]!;
    const st = f64[of + t * N.F + N.START]!;
    if (st === start) { v = t; exact = true; break; }
    if (st < start) { v = t; t = cr; } else t = cl;
  }
  vmaTouched = mlp;
  const vEnd = v >= 0 ? f64[of + v * N.F + N.END]! : 0;
  const inside = v >= 0 && f64[of + v * N.F + N.START]! < start && vEnd > end;
  if (inside && f64[L.S.mappings]! >= a.p.maxMapCount) {
    f64[L.S.munmapFailures]!++;
    return false;
  }
  if (strict && v >= 0 && vmaTuning.inPlace) {
    if (vEnd === end) {
      if (exact) vmaDeleteAt(a, d, start);
      else vmaTrimTail(a, v, d, start);
      return true;
    }
    // (not when the new node grows the table: vmaRemove moves it after its splits, and the old copy stays in the buffer)
    if (inside && (i32[L.H_VMA_FREE]! >= 0 || i32[L.H_VMA_HW]! < i32[L.H_VMA_CAP]!)) { vmaSplitInside(a, v, d, start, end, vEnd); return true; }
  }
  vmaRemove(a, start, end);
  return true;
}

/** vmaMunmap of exactly node dpath[d - 1] (start = its start): vmaRemove's result, in place. */
function vmaDeleteAt(a: AllocCore, d: number, start: number): void {
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  const v = dpath[d - 1]!;
  const l = i32[o + v * N.STRIDE + N.LEFT]!;
  const r = i32[o + v * N.STRIDE + N.RIGHT]!;
  // the predecessor: rightmost of the left subtree, else the deepest ancestor left of start
  let p = -1;
  if (l >= 0) {
    p = l;
    for (let x = i32[o + p * N.STRIDE + N.RIGHT]!; x >= 0; x = i32[o + p * N.STRIDE + N.RIGHT]!) p = x;
  } else {
    for (let k = d - 2; k >= 0; k--) { const x = dpath[k]!; if (f64[of + x * N.F + N.START]! < start) { p = x; break; } }
  }
  const prevEnd = p >= 0 ? f64[of + p * N.F + N.END]! : 0;
  f64[of + v * N.F + N.MAXGAP] = f64[of + v * N.F + N.GAP]!; // as vmaRemove leaves it: a leaf when dropped
  vmaDrop(a, v);
  // the successor's gap now starts at the predecessor's end
  if (r >= 0) fixLeftGap(a, r, prevEnd);
  else {
    for (let k = d - 2; k >= 0; k--) {
      const x = dpath[k]!;
      if (f64[of + x * N.F + N.START]! > start) { f64[of + x * N.F + N.GAP] = f64[of + x * N.F + N.START]! - prevEnd; break; }
    }
  }
  const sub = merge(a, l, r);
  if (d === 1) i32[L.H_VMA_ROOT] = sub;
  else {
    const q = dpath[d - 2]!;
    i32[o + q * N.STRIDE + (f64[of + q * N.F + N.START]! < start ? N.RIGHT : N.LEFT)] = sub;
  }
  updPath(dpath, i32, f64, o, d - 1);
}

/** vmaMunmap of [start, end) strictly inside v (v = dpath[d - 1]'s floor, v's end vEnd > end): v keeps
 *  [its start, start), a new node takes [end, vEnd). vmaRemove does merge(left, merge(tail, right)): the
 *  tail goes below the path's right-of-start nodes of priority >= its own and its left-of-start nodes
 *  of priority > its own; the subtree it displaces is split at end into its children. */
function vmaSplitInside(a: AllocCore, v: number, d: number, start: number, end: number, vEnd: number): void {
  const tail = vmaNode(a, end, vEnd, w(a, v, L.V_FLAGS), w(a, v, L.V_KIND)); // may move the table
  vmaResize(a, v, f(a, v, L.V_START), start);
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  const pt = i32[o + tail * N.STRIDE + N.PRIO]!;
  let k = 0;
  for (; k < d; k++) {
    const x = dpath[k]!;
    const px = i32[o + x * N.STRIDE + N.PRIO]!;
    if (!(f64[of + x * N.F + N.START]! < start ? px > pt : px >= pt)) break;
  }
  // no start lies in [start, end]: the paths to start and to end are the same
  split(a, k < d ? dpath[k]! : -1, end);
  i32[o + tail * N.STRIDE + N.LEFT] = sL;
  i32[o + tail * N.STRIDE + N.RIGHT] = sR;
  f64[of + tail * N.F + N.GAP] = end - start;
  if (k === 0) i32[L.H_VMA_ROOT] = tail;
  else {
    const q = dpath[k - 1]!;
    i32[o + q * N.STRIDE + (f64[of + q * N.F + N.START]! < end ? N.RIGHT : N.LEFT)] = tail;
  }
  dpathPush(k, tail); // dpath[0 .. k) is the path down to where the tail now hangs
  updPath(dpath, i32, f64, o, k + 1);
}

/** vmaMunmap of [start, end of v) with v = the VMA holding start (on dpath[0 .. d)): v shrinks. */
function vmaTrimTail(a: AllocCore, v: number, d: number, start: number): void {
  vmaResize(a, v, f(a, v, L.V_START), start);
  const i32 = a.i32, f64 = a.f64, o = a.vmaOff, of = o >> 1;
  // the successor is the deepest node of the path right of start
  for (let k = d - 1; k >= 0; k--) {
    const x = dpath[k]!;
    if (f64[of + x * N.F + N.START]! > start) { f64[of + x * N.F + N.GAP] = f64[of + x * N.F + N.START]! - start; break; }
  }
  updPath(dpath, i32, f64, o, d);
}

/** mprotect(start, end - start, flags): false (ENOMEM, nothing changed) when a needed split would pass
 *  the map count limit. The range must be mapped. */
export function vmaProtect(a: AllocCore, start: number, end: number, flags: number): boolean {
  if (a.vk !== null) return a.vk.protect(start, end, flags) === 1;
  const splits = vmaSplitsNeeded(a, start, end);
  if (splits > 0 && a.f64[L.S.mappings]! + splits - 1 >= a.p.maxMapCount) return false;
  const v = vmaFloor(a, start);
  const kind = v >= 0 ? w(a, v, L.V_KIND) : VK_MIXED;
  vmaRemove(a, start, end);
  vmaInsert(a, start, end, flags, kind);
  return true;
}

/** In-order walk (cold: checker and breakdowns). Calls fn(node) for every node, sentinels included. */
export function vmaWalk(a: AllocCore, fn: (n: number) => void): void {
  const stack: number[] = [];
  let t = a.i32[L.H_VMA_ROOT]!;
  while (t >= 0 || stack.length > 0) {
    while (t >= 0) { stack.push(t); t = w(a, t, L.V_LEFT); }
    const n = stack.pop()!;
    fn(n);
    t = w(a, n, L.V_RIGHT);
  }
}
