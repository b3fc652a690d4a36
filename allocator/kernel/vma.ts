// allocator/kernel/vma.ts — AssemblyScript, compiled to allocator/kernel/build/vma.wasm (npm run build):
// the simulated address space's system calls (mmap, munmap, mprotect) over the VMA treap in the
// allocator's own memory, step for step the algorithms of allocator/vma.ts (which keeps them for an
// allocator without a kernel, and whose header states the semantics and the invariants), except
// mmap's insert, done in place where that gives the same tree (vmaInsertInPlace). Both leave the same
// bytes: the same nodes from the same free list, the same xorshift priorities, the same links, gaps
// and statistics (allocator/vma.test.ts and run.test.ts hold one to the other).
// A node is VMA_STRIDE words at word vmaOff + n * VMA_STRIDE (Float64 fields at even words); vmaOff
// is re-read from the header at each call and after each table growth, which the host does (the
// imported `grow`: it moves the table in the heap, as vma.ts's vmaGrow). The path stacks live in the
// kernel's scratch (vmaConfigure); a path deeper than their capacity (a treap of random priorities
// is ~2 ln n deep: ~25 at 65,536 VMAs) traps rather than write past them. Layout constants are
// layout.ts's, compiled in and compared by layoutCheck. No allocation, no runtime.

@external("env", "grow")
declare function hostGrow(): void;

// ---- layout.ts: header words, node fields (words), statistics (Float64 indexes)
const H_VMA_OFF = 114, H_VMA_CAP = 115, H_VMA_HW = 116, H_VMA_FREE = 117, H_VMA_ROOT = 118, H_VMA_SEED = 119;
const STRIDE = 14;
const V_START = 0, V_END = 2, V_GAP = 4, V_MAXGAP = 6, V_LEFT = 8, V_RIGHT = 9, V_PRIO = 10, V_FLAGS = 11, V_KIND = 12, V_NEXT = 13;
const S_VMSIZE = 98, S_PEAK_VMSIZE = 99, S_MAPPINGS = 100, S_PEAK_MAPPINGS = 134, S_MUNMAP_FAILURES = 145;
const S_KIND_COUNT = 135, S_KIND_BYTES = 140; // + kind - 1 (kinds 1..5; the sentinel kind 0 has none)
const L_COUNT = 24;

// ---- vma.ts's flags, kinds and results
const VF_NOMERGE = 16;
const VK_SENTINEL = 0, VK_MIXED = 5;
const MMAP_OK = 0, MMAP_MAP_COUNT = 1, MMAP_NO_SPACE = 2, MMAP_MEM_LIMIT = 3;
const PMD: f64 = 2 * 1024 * 1024;

/** 1 when the compiled layout equals the L_COUNT words at p (layout.ts's values, same order), else 0.
 *  (Compared one by one: a constant array would be a data segment, written into the shared memory.) */
export function layoutCheck(p: usize): i32 {
  let k = 0, ok = true;
  ok = ok && ck(p, k++, H_VMA_OFF) && ck(p, k++, H_VMA_CAP) && ck(p, k++, H_VMA_HW) && ck(p, k++, H_VMA_FREE);
  ok = ok && ck(p, k++, H_VMA_ROOT) && ck(p, k++, H_VMA_SEED) && ck(p, k++, STRIDE);
  ok = ok && ck(p, k++, V_START) && ck(p, k++, V_END) && ck(p, k++, V_GAP) && ck(p, k++, V_MAXGAP);
  ok = ok && ck(p, k++, V_LEFT) && ck(p, k++, V_RIGHT) && ck(p, k++, V_PRIO) && ck(p, k++, V_FLAGS);
  ok = ok && ck(p, k++, V_KIND) && ck(p, k++, V_NEXT);
  ok = ok && ck(p, k++, S_VMSIZE) && ck(p, k++, S_PEAK_VMSIZE) && ck(p, k++, S_MAPPINGS) && ck(p, k++, S_PEAK_MAPPINGS);
  ok = ok && ck(p, k++, S_MUNMAP_FAILURES) && ck(p, k++, S_KIND_COUNT) && ck(p, k++, S_KIND_BYTES);
  return ok && k == L_COUNT ? 1 : 0;
}

@inline function ck(p: usize, k: i32, v: i32): bool { return load<i32>(p + (<usize>k << 2)) == v; }

// ---- configuration (vmaConfigure) and per-call state
let pathAt: usize = 0;
let dpathAt: usize = 0;
let pathCap: i32 = 0;
let maxMapCount: f64 = 0;
let memLimit: f64 = 0;
let thpAlign = false;
let vo: usize = 0; // byte address of node 0
let sL = -1, sR = -1, sLast = -1, sFirst = -1;
let lastAddr: f64 = 0;
/** The descents' sink (see vma.ts's vmaTouched): keeps the loads that overlap their cache misses. */
export let touched: f64 = 0;

export function vmaConfigure(path: usize, dpath: usize, cap: i32, mapCount: f64, limit: f64, thp: i32): void {
  pathAt = path;
  dpathAt = dpath;
  pathCap = cap;
  maxMapCount = mapCount;
  memLimit = limit;
  thpAlign = thp != 0;
}

/** Address of the last successful vmaMmap. */
export function vmaAddr(): f64 { return lastAddr; }

@inline function hw(k: i32): i32 { return load<i32>(<usize>k << 2); }
@inline function hwSet(k: i32, v: i32): void { store<i32>(<usize>k << 2, v); }
@inline function st(k: i32): f64 { return load<f64>(<usize>k << 3); }
@inline function stSet(k: i32, v: f64): void { store<f64>(<usize>k << 3, v); }
@inline function reload(): void { vo = <usize>hw(H_VMA_OFF) << 2; }
@inline function nb(n: i32): usize { return vo + <usize>(n * STRIDE) * 4; }
@inline function fS(n: i32): f64 { return load<f64>(nb(n)); }
@inline function fE(n: i32): f64 { return load<f64>(nb(n) + 8); }
@inline function fG(n: i32): f64 { return load<f64>(nb(n) + 16); }
@inline function fM(n: i32): f64 { return load<f64>(nb(n) + 24); }
@inline function wL(n: i32): i32 { return load<i32>(nb(n) + 32); }
@inline function wR(n: i32): i32 { return load<i32>(nb(n) + 36); }
@inline function wP(n: i32): i32 { return load<i32>(nb(n) + 40); }
@inline function wF(n: i32): i32 { return load<i32>(nb(n) + 44); }
@inline function wK(n: i32): i32 { return load<i32>(nb(n) + 48); }
@inline function setS(n: i32, v: f64): void { store<f64>(nb(n), v); }
@inline function setE(n: i32, v: f64): void { store<f64>(nb(n) + 8, v); }
@inline function setG(n: i32, v: f64): void { store<f64>(nb(n) + 16, v); }
@inline function setM(n: i32, v: f64): void { store<f64>(nb(n) + 24, v); }
@inline function setL(n: i32, v: i32): void { store<i32>(nb(n) + 32, v); }
@inline function setR(n: i32, v: i32): void { store<i32>(nb(n) + 36, v); }
@inline function setK(n: i32, v: i32): void { store<i32>(nb(n) + 48, v); }
@inline function setN(n: i32, v: i32): void { store<i32>(nb(n) + 52, v); }
@inline function pathGet(base: usize, d: i32): i32 { return load<i32>(base + (<usize>d << 2)); }
@inline function pathSet(base: usize, d: i32, n: i32): void {
  if (d >= pathCap) unreachable();
  store<i32>(base + (<usize>d << 2), n);
}

// ---------------------------------------------------------------- node pool and statistics

function vmaCount(kind: i32, dn: f64, dBytes: f64): void {
  stSet(S_MAPPINGS, st(S_MAPPINGS) + dn);
  stSet(S_VMSIZE, st(S_VMSIZE) + dBytes);
  if (kind != VK_SENTINEL) {
    stSet(S_KIND_COUNT + kind - 1, st(S_KIND_COUNT + kind - 1) + dn);
    stSet(S_KIND_BYTES + kind - 1, st(S_KIND_BYTES + kind - 1) + dBytes);
  }
  if (st(S_VMSIZE) > st(S_PEAK_VMSIZE)) stSet(S_PEAK_VMSIZE, st(S_VMSIZE));
  if (st(S_MAPPINGS) > st(S_PEAK_MAPPINGS)) stSet(S_PEAK_MAPPINGS, st(S_MAPPINGS));
}

/** A new node (the host grows the table when it is full: vo is re-read). */
function vmaNode(start: f64, end: f64, flags: i32, kind: i32): i32 {
  let n = hw(H_VMA_FREE);
  if (n >= 0) hwSet(H_VMA_FREE, load<i32>(nb(n) + (V_NEXT << 2)));
  else {
    n = hw(H_VMA_HW);
    if (n >= hw(H_VMA_CAP)) { hostGrow(); reload(); }
    hwSet(H_VMA_HW, n + 1);
  }
  let s = hw(H_VMA_SEED);
  s ^= s << 13; s ^= <i32>(<u32>s >>> 17); s ^= s << 5;
  hwSet(H_VMA_SEED, s);
  const b = nb(n);
  store<f64>(b, start);
  store<f64>(b + 8, end);
  store<f64>(b + 16, 0);
  store<f64>(b + 24, 0);
  store<i32>(b + 32, -1);
  store<i32>(b + 36, -1);
  store<i32>(b + 40, s & 0x7fffffff);
  store<i32>(b + 44, flags);
  store<i32>(b + 48, kind);
  store<i32>(b + 52, -1);
  if (kind != VK_SENTINEL) vmaCount(kind, 1, end - start);
  return n;
}

function vmaDrop(n: i32): void {
  const kind = wK(n);
  if (kind != VK_SENTINEL) vmaCount(kind, -1, -(fE(n) - fS(n)));
  setL(n, -1);
  setR(n, -1);
  setN(n, hw(H_VMA_FREE));
  hwSet(H_VMA_FREE, n);
}

function vmaResize(n: i32, start: f64, end: f64): void {
  const d = (end - start) - (fE(n) - fS(n));
  setS(n, start);
  setE(n, end);
  if (d != 0) vmaCount(wK(n), 0, d);
}

/** Node n absorbed memory of `kind`: it becomes MIXED when the kinds differ. */
function vmaMixKind(n: i32, kind: i32): void {
  const old = wK(n);
  if (old == kind || old == VK_MIXED) return;
  const bytes = fE(n) - fS(n);
  vmaCount(old, -1, -bytes);
  vmaCount(VK_MIXED, 1, bytes);
  setK(n, VK_MIXED);
}

// ---------------------------------------------------------------- treap primitives

/** maxGap of the nodes on path[d - 1] .. path[0], deepest first. */
function updPath(base: usize, d: i32): void {
  while (d > 0) {
    const n = pathGet(base, --d);
    let m = fG(n);
    const l = wL(n), r = wR(n);
    if (l >= 0) { const g = fM(l); if (g > m) m = g; }
    if (r >= 0) { const g = fM(r); if (g > m) m = g; }
    setM(n, m);
  }
}

function upd(n: i32): void {
  pathSet(pathAt, 0, n);
  updPath(pathAt, 1);
}

function split(t: i32, key: f64): void {
  let l = -1, r = -1, d = 0;
  let mlp: f64 = 0;
  sL = -1; sR = -1;
  while (t >= 0) {
    pathSet(pathAt, d++, t);
    const cl = wL(t), cr = wR(t);
    if (cl >= 0) mlp += fS(cl) + <f64>wP(cl);
    if (cr >= 0) mlp += fS(cr) + <f64>wP(cr);
    if (fS(t) < key) {
      if (l < 0) sL = t; else setR(l, t);
      l = t;
      t = cr;
    } else {
      if (r < 0) sR = t; else setL(r, t);
      r = t;
      t = cl;
    }
  }
  if (l >= 0) setR(l, -1);
  if (r >= 0) setL(r, -1);
  sLast = l;
  sFirst = r;
  touched = mlp;
  updPath(pathAt, d);
}

function merge(l: i32, r: i32): i32 {
  if (l < 0) return r;
  if (r < 0) return l;
  let root = -1, d = 0;
  let hole: usize = 0;
  while (l >= 0 && r >= 0) {
    let n: i32;
    if (wP(l) > wP(r)) {
      n = l;
      if (hole == 0) root = n; else store<i32>(hole, n);
      hole = nb(l) + 36;
      l = load<i32>(hole);
    } else {
      n = r;
      if (hole == 0) root = n; else store<i32>(hole, n);
      hole = nb(r) + 32;
      r = load<i32>(hole);
    }
    pathSet(pathAt, d++, n);
  }
  store<i32>(hole, l >= 0 ? l : r);
  updPath(pathAt, d);
  return root;
}

function fixLeftGap(t: i32, prevEnd: f64): void {
  if (t < 0) return;
  let d = 0;
  for (;;) {
    pathSet(pathAt, d++, t);
    const l = wL(t);
    if (l < 0) break;
    t = l;
  }
  setG(t, fS(t) - prevEnd);
  updPath(pathAt, d);
}

function popLeftmost(t: i32): i32 {
  let d = 0, parent = -1, n = t;
  for (;;) {
    const l = wL(n);
    if (l < 0) break;
    pathSet(pathAt, d++, n);
    parent = n;
    n = l;
  }
  sL = n;
  const r = wR(n);
  setR(n, -1);
  if (parent < 0) return r;
  setL(parent, r);
  updPath(pathAt, d);
  return t;
}

function dropAll(t: i32): void {
  let stack = -1;
  if (t >= 0) { setN(t, -1); stack = t; }
  while (stack >= 0) {
    const n = stack;
    stack = load<i32>(nb(n) + 52);
    const l = wL(n), r = wR(n);
    if (l >= 0) { setN(l, stack); stack = l; }
    if (r >= 0) { setN(r, stack); stack = r; }
    vmaDrop(n);
  }
}

function vmaFloor(addr: f64): i32 {
  let t = hw(H_VMA_ROOT);
  let best = -1;
  let mlp: f64 = 0;
  while (t >= 0) {
    const cl = wL(t), cr = wR(t);
    if (cl >= 0) mlp += fS(cl) + <f64>wP(cl);
    if (cr >= 0) mlp += fS(cr) + <f64>wP(cr);
    if (fS(t) <= addr) { best = t; t = cr; } else t = cl;
  }
  touched = mlp;
  return best;
}

// ---------------------------------------------------------------- insert / remove

function vmaInsert(start: f64, end: f64, flags: i32, kind: i32): void {
  if (vmaInsertInPlace(start, end, flags, kind)) return;
  split(hw(H_VMA_ROOT), start);
  const left = sL;
  let right = sR;
  const p = sLast, s = sFirst;
  const mergeable = (flags & VF_NOMERGE) == 0;
  const ml = mergeable && p >= 0 && fE(p) == start && wF(p) == flags;
  const mr = mergeable && s >= 0 && fS(s) == end && wF(s) == flags;
  if (ml && mr) {
    right = popLeftmost(right);
    const sEnd = fE(s), sKind = wK(s);
    vmaDrop(s);
    vmaResize(p, fS(p), sEnd);
    vmaMixKind(p, kind);
    vmaMixKind(p, sKind);
    fixLeftGap(right, sEnd);
  } else if (ml) {
    vmaResize(p, fS(p), end);
    vmaMixKind(p, kind);
    fixLeftGap(right, end);
  } else if (mr) {
    vmaResize(s, start, fE(s));
    vmaMixKind(s, kind);
    fixLeftGap(right, p >= 0 ? fE(p) : 0);
  } else {
    const n = vmaNode(start, end, flags, kind);
    setG(n, start - (p >= 0 ? fE(p) : 0));
    upd(n);
    fixLeftGap(right, end);
    right = merge(n, right);
  }
  hwSet(H_VMA_ROOT, merge(left, right));
}

/** vmaInsert without the split of the whole path and the two merges that zip it back: one descent
 *  to start, then only what changes. When the priorities strictly decrease along that path, the
 *  zip gives the path back as it was, with the new node (if any) below the path's left-of-start
 *  nodes of higher priority and its right-of-start nodes of higher or equal priority (the merges'
 *  ties go to the right), over the split of the subtree it displaces: the same tree, node for node.
 *  False (nothing changed) when the path has a tie, when the VMA absorbs both neighbours, or when a
 *  new node would grow the table (vmaInsert's copy is moved after its split: the old copy differs). */
function vmaInsertInPlace(start: f64, end: f64, flags: i32, kind: i32): bool {
  let t = hw(H_VMA_ROOT);
  let d = 0, p = -1, s = -1;
  let prev: i64 = 0x80000000;
  while (t >= 0) {
    const pr = wP(t);
    if (<i64>pr >= prev) return false;
    prev = pr;
    pathSet(dpathAt, d++, t);
    if (fS(t) < start) { p = t; t = wR(t); } else { s = t; t = wL(t); }
  }
  const mergeable = (flags & VF_NOMERGE) == 0;
  const ml = mergeable && p >= 0 && fE(p) == start && wF(p) == flags;
  const mr = mergeable && s >= 0 && fS(s) == end && wF(s) == flags;
  if (ml && mr) return false;
  if (ml) { // p grows up to end: the successor's gap shrinks
    vmaResize(p, fS(p), end);
    vmaMixKind(p, kind);
    if (s >= 0) setG(s, fS(s) - end);
    updPath(dpathAt, d);
    return true;
  }
  if (mr) { // s grows down to start: its gap shrinks
    vmaResize(s, start, fE(s));
    vmaMixKind(s, kind);
    setG(s, start - (p >= 0 ? fE(p) : 0));
    updPath(dpathAt, d);
    return true;
  }
  if (hw(H_VMA_FREE) < 0 && hw(H_VMA_HW) >= hw(H_VMA_CAP)) return false;
  const n = vmaNode(start, end, flags, kind);
  const k = pathPlace(d, start, wP(n));
  split(k < d ? pathGet(dpathAt, k) : -1, start);
  const l = sL, r = sR;
  setL(n, l);
  setR(n, r);
  setG(n, start - (p >= 0 ? fE(p) : 0));
  // the successor: the leftmost of r when r is not empty, else an ancestor of n (on the path above k)
  if (r >= 0) fixLeftGap(r, end);
  else if (s >= 0) setG(s, fS(s) - end);
  upd(n);
  if (k == 0) hwSet(H_VMA_ROOT, n);
  else {
    const q = pathGet(dpathAt, k - 1);
    if (fS(q) < start) setR(q, n); else setL(q, n);
  }
  updPath(dpathAt, k);
  return true;
}

/** Where a new node of priority `prio` at key `key` hangs on the descent path dpath[0 .. d): the
 *  first index whose node it goes above (merge's rule: below the left-of-key nodes of higher
 *  priority and the right-of-key nodes of higher or equal priority); d when it is a leaf. */
function pathPlace(d: i32, key: f64, prio: i32): i32 {
  let k = 0;
  for (; k < d; k++) {
    const x = pathGet(dpathAt, k);
    const px = wP(x);
    if (!(fS(x) < key ? px > prio : px >= prio)) break;
  }
  return k;
}

function vmaRemove(start: f64, end: f64): void {
  split(hw(H_VMA_ROOT), start);
  const left = sL, p = sLast;
  split(sR, end);
  const mid = sL, z = sLast;
  let right = sR;
  let tail = -1;
  if (p >= 0 && fE(p) > start) {
    const pEnd = fE(p);
    if (pEnd > end) tail = vmaNode(end, pEnd, wF(p), wK(p));
    vmaResize(p, fS(p), start);
  }
  if (z >= 0 && fE(z) > end) tail = vmaNode(end, fE(z), wF(z), wK(z));
  dropAll(mid);
  if (tail >= 0) { upd(tail); right = merge(tail, right); }
  fixLeftGap(right, p >= 0 ? fE(p) : 0);
  hwSet(H_VMA_ROOT, merge(left, right));
}

function vmaSplitsNeeded(start: f64, end: f64): i32 {
  let n = 0;
  const v = vmaFloor(start);
  if (v >= 0 && fS(v) < start && fE(v) > start) n++;
  const z = vmaFloor(end - 1);
  if (z >= 0 && fS(z) < end && fE(z) > end) n++;
  return n;
}

// ---------------------------------------------------------------- the system calls

function vmaFindGap(need: f64): i32 {
  let t = hw(H_VMA_ROOT);
  if (t < 0 || fM(t) < need) return -1;
  let mlp: f64 = 0;
  while (t >= 0) {
    const r = wR(t), l = wL(t);
    if (l >= 0) mlp += fM(l) + <f64>wP(l);
    if (r >= 0) mlp += <f64>wP(r);
    if (r >= 0 && fM(r) >= need) { t = r; continue; }
    if (fG(t) >= need) { touched = mlp; return t; }
    t = l;
  }
  touched = mlp;
  return -1;
}

function vmaPlace(len: f64): f64 {
  if (thpAlign && len % PMD == 0) {
    const n = vmaFindGap(len + PMD);
    if (n >= 0) {
      const ret = fS(n) - len - PMD;
      const sub = (PMD - (ret % PMD)) % PMD;
      return sub == 0 ? ret + PMD : ret + sub;
    }
  }
  const n = vmaFindGap(len);
  return n < 0 ? -1 : fS(n) - len;
}

/** mmap(NULL, len, flags): MMAP_OK with the address in vmaAddr(), or the failure. */
export function vmaMmap(len: f64, flags: i32, kind: i32): i32 {
  reload();
  if (st(S_MAPPINGS) > maxMapCount) return MMAP_MAP_COUNT;
  if (st(S_VMSIZE) + len > memLimit) return MMAP_MEM_LIMIT;
  const at = vmaPlace(len);
  if (at < 0) return MMAP_NO_SPACE;
  vmaInsert(at, at + len, flags, kind);
  lastAddr = at;
  return MMAP_OK;
}

/** munmap(start, end - start): 1, or 0 (ENOMEM, nothing changed); inPlace 0 sends it through vmaRemove. */
export function vmaMunmap(start: f64, end: f64, inPlace: i32): i32 {
  reload();
  let t = hw(H_VMA_ROOT);
  let v = -1, d = 0;
  let exact = false, strict = true;
  let prev: i64 = 0x80000000;
  let mlp: f64 = 0;
  while (t >= 0) {
    pathSet(dpathAt, d++, t);
    const pr = wP(t);
    if (<i64>pr >= prev) strict = false;
    prev = pr;
    const cl = wL(t), cr = wR(t);
    if (cl >= 0) mlp += fS(cl) + <f64>wP(cl);
    if (cr >= 0) mlp += fS(cr) + <f64>wP(cr);
    const s = fS(t);
    if (s == start) { v = t; exact = true; break; }
    if (s < start) { v = t; t = cr; } else t = cl;
  }
  touched = mlp;
  const vEnd = v >= 0 ? fE(v) : 0;
  const inside = v >= 0 && fS(v) < start && vEnd > end;
  if (inside && st(S_MAPPINGS) >= maxMapCount) {
    stSet(S_MUNMAP_FAILURES, st(S_MUNMAP_FAILURES) + 1);
    return 0;
  }
  if (strict && v >= 0 && inPlace != 0) {
    if (vEnd == end) {
      if (exact) vmaDeleteAt(d, start);
      else vmaTrimTail(v, d, start);
      return 1;
    }
    if (inside && (hw(H_VMA_FREE) >= 0 || hw(H_VMA_HW) < hw(H_VMA_CAP))) { vmaSplitInside(v, d, start, end, vEnd); return 1; }
  }
  vmaRemove(start, end);
  return 1;
}

function vmaDeleteAt(d: i32, start: f64): void {
  const v = pathGet(dpathAt, d - 1);
  const l = wL(v), r = wR(v);
  let p = -1;
  if (l >= 0) {
    p = l;
    for (let x = wR(p); x >= 0; x = wR(p)) p = x;
  } else {
    for (let k = d - 2; k >= 0; k--) { const x = pathGet(dpathAt, k); if (fS(x) < start) { p = x; break; } }
  }
  const prevEnd = p >= 0 ? fE(p) : 0;
  setM(v, fG(v));
  vmaDrop(v);
  if (r >= 0) fixLeftGap(r, prevEnd);
  else {
    for (let k = d - 2; k >= 0; k--) {
      const x = pathGet(dpathAt, k);
      if (fS(x) > start) { setG(x, fS(x) - prevEnd); break; }
    }
  }
  const sub = merge(l, r);
  if (d == 1) hwSet(H_VMA_ROOT, sub);
  else {
    const q = pathGet(dpathAt, d - 2);
    if (fS(q) < start) setR(q, sub); else setL(q, sub);
  }
  updPath(dpathAt, d - 1);
}

function vmaSplitInside(v: i32, d: i32, start: f64, end: f64, vEnd: f64): void {
  const tail = vmaNode(end, vEnd, wF(v), wK(v)); // the table has room (checked by the caller)
  vmaResize(v, fS(v), start);
  const k = pathPlace(d, start, wP(tail));
  split(k < d ? pathGet(dpathAt, k) : -1, end);
  setL(tail, sL);
  setR(tail, sR);
  setG(tail, end - start);
  if (k == 0) hwSet(H_VMA_ROOT, tail);
  else {
    const q = pathGet(dpathAt, k - 1);
    if (fS(q) < end) setR(q, tail); else setL(q, tail);
  }
  pathSet(dpathAt, k, tail);
  updPath(dpathAt, k + 1);
}

function vmaTrimTail(v: i32, d: i32, start: f64): void {
  vmaResize(v, fS(v), start);
  for (let k = d - 1; k >= 0; k--) {
    const x = pathGet(dpathAt, k);
    if (fS(x) > start) { setG(x, fS(x) - start); break; }
  }
  updPath(dpathAt, d);
}

/** mprotect(start, end - start, flags): 1, or 0 (ENOMEM, nothing changed). The range must be mapped. */
export function vmaProtect(start: f64, end: f64, flags: i32): i32 {
  reload();
  const splits = vmaSplitsNeeded(start, end);
  if (splits > 0 && st(S_MAPPINGS) + <f64>splits - 1 >= maxMapCount) return 0;
  const v = vmaFloor(start);
  const kind = v >= 0 ? wK(v) : VK_MIXED;
  vmaRemove(start, end);
  vmaInsert(start, end, flags, kind);
  return 1;
}
