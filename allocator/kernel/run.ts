// allocator/kernel/run.ts — AssemblyScript, compiled to allocator/kernel/build/run.wasm (npm run build):
// the replay's fast paths (run.ts's contract) over the allocator's own memory, and the bulk block moves of
// the slow paths (a magazine's refill from a slab, its return to the slabs). The allocator's buffer
// is the first part of a shared WebAssembly.Memory (its byte 0 is the header); the kernel's state
// block, the loaded batch columns, the handle table, the class table and the class info live in the
// scratch part after it (kernel.ts). runFast applies events from FROM while they are mallocs and frees
// of the cached thread that hit a fast path — the magazine pop (an empty magazine refilled from the
// thread's TLS slab first, magRefill), the magazine push into an own slab, and the free into the slab
// of a thread that exited and released it — and returns the index of the
// first event that does not (run.ts takes it through the allocator's handle API). The fast events'
// thread counters and operation count are folded in before it returns. Layout constants (L_*) are
// layout.ts's values, compiled in; layoutCheck compares them with the values layout.ts writes,
// so a drift is refused when the kernel is instantiated. No allocation, no runtime.

@inline function w(s: usize, k: i32): i32 { return load<i32>(s + (<usize>k << 2)); }
@inline function wi(i: i32): usize { return <usize>i << 2; }
@inline function di(i: i32): usize { return <usize>i << 3; }

// layout.ts HOT (word / double indexes), in the order layoutCheck reads them
const L_SL_SS = 2, L_SL_CLASS = 4, L_SL_FREE_TOP = 7, L_SL_REMOTE = 8, L_SL_USED = 9, L_SL_OWNER = 10, L_SL_TLS = 11;
const L_SL_LIST = 12, L_SL_STACK = 15, L_SL_OWNER_SLOT = 17, L_SLAB_STRIDE = 20;
const L_SS_OWNER = 2, L_SS_OWNER_SLOT = 3, L_SS_ACTIVE = 4, L_T_SERIAL = 1;
const L_CLASS_STATS_F64 = 192, L_CLASS_STRIDE = 7, L_CS_ALLOC = 1, L_CS_FREED = 2, L_S_NEXT_TRIM_AT = 132;
const L_CI_STRIDE = 8, L_CI_SHIFT = 0;
const L_SL_CAP = 5, L_SL_CARVED = 6, L_SS_RES_PAGES = 8, L_SS_SLABS = 12, L_S_RSS = 96, L_S_PEAK_RSS = 97;
const L_CI_MAGCAP = 1, L_CI_SIZE = 3, L_SS_BASE: f64 = 4294967296;
const L_COUNT = 29;

/** 1 when the compiled layout equals the L_COUNT words at p (layout.ts's values, same order) and the
 *  Float64 after them, else 0. */
export function layoutCheck(p: usize): i32 {
  let k = 0, ok = true;
  ok = ok && load<i32>(p + wi(k++)) == L_SL_SS && load<i32>(p + wi(k++)) == L_SL_CLASS;
  ok = ok && load<i32>(p + wi(k++)) == L_SL_FREE_TOP && load<i32>(p + wi(k++)) == L_SL_REMOTE;
  ok = ok && load<i32>(p + wi(k++)) == L_SL_USED && load<i32>(p + wi(k++)) == L_SL_OWNER;
  ok = ok && load<i32>(p + wi(k++)) == L_SL_TLS && load<i32>(p + wi(k++)) == L_SL_LIST;
  ok = ok && load<i32>(p + wi(k++)) == L_SL_STACK && load<i32>(p + wi(k++)) == L_SL_OWNER_SLOT;
  ok = ok && load<i32>(p + wi(k++)) == L_SLAB_STRIDE && load<i32>(p + wi(k++)) == L_SS_OWNER;
  ok = ok && load<i32>(p + wi(k++)) == L_SS_OWNER_SLOT && load<i32>(p + wi(k++)) == L_SS_ACTIVE;
  ok = ok && load<i32>(p + wi(k++)) == L_T_SERIAL && load<i32>(p + wi(k++)) == L_CLASS_STATS_F64;
  ok = ok && load<i32>(p + wi(k++)) == L_CLASS_STRIDE && load<i32>(p + wi(k++)) == L_CS_ALLOC;
  ok = ok && load<i32>(p + wi(k++)) == L_CS_FREED && load<i32>(p + wi(k++)) == L_S_NEXT_TRIM_AT;
  ok = ok && load<i32>(p + wi(k++)) == L_CI_STRIDE;
  ok = ok && load<i32>(p + wi(k++)) == L_SL_CAP && load<i32>(p + wi(k++)) == L_SL_CARVED;
  ok = ok && load<i32>(p + wi(k++)) == L_SS_RES_PAGES && load<i32>(p + wi(k++)) == L_SS_SLABS;
  ok = ok && load<i32>(p + wi(k++)) == L_S_RSS && load<i32>(p + wi(k++)) == L_S_PEAK_RSS;
  ok = ok && load<i32>(p + wi(k++)) == L_CI_MAGCAP && load<i32>(p + wi(k++)) == L_CI_SIZE;
  ok = ok && k == L_COUNT && load<f64>(p + ((wi(k) + 7) & ~7)) == L_SS_BASE; // then SS_BASE, 8-aligned
  return ok ? 1 : 0;
}

// state block: i32 slots (K_*), then doubles from byte 128 (D_*); mirrored in kernel.ts (RK_*)
const K_OP = 0, K_TID = 1, K_ID = 2, K_SIZE = 3, K_HANDLES = 4, K_NH = 5, K_FROM = 6, K_TO = 7;
const K_LUT = 8, K_INFO = 9, K_LIMD = 10, K_PTRD = 11, K_BS = 12, K_BM = 13, K_SSSTRIDE = 14, K_THRSTRIDE = 15;
const K_FLAGS = 16, K_SLABOFF = 17, K_SSOFF = 18, K_THROFF = 19, K_CTID = 20, K_CT = 21, K_SERIAL = 22, K_CTS = 23;
const K_TLSD = 24, K_REFILL = 25, K_SPS = 26, K_PGSHIFT = 27;
const D_BASE = 128;
const D_OPS = 0, D_MAXSMALL = 1, D_SSSIZE = 2;
// K_FLAGS bits
const F_RELEASE = 1, F_PERIODIC = 2, F_PARTIAL = 4, F_TLS = 8;


/** The fast events from the state block's FROM (see the header); returns the first event not applied. */
export function runFast(s: usize): i32 {
  const op = <usize>w(s, K_OP), tid = <usize>w(s, K_TID), idc = <usize>w(s, K_ID), size = <usize>w(s, K_SIZE);
  const handles = <usize>w(s, K_HANDLES), nh = <u32>w(s, K_NH), to = w(s, K_TO);
  const lut = <usize>w(s, K_LUT), info = <usize>w(s, K_INFO);
  const limD = w(s, K_LIMD), ptrD = w(s, K_PTRD), bs = w(s, K_BS), bm = w(s, K_BM);
  const ssStride = w(s, K_SSSTRIDE), thrStride = w(s, K_THRSTRIDE), flags = w(s, K_FLAGS);
  const slabOff = w(s, K_SLABOFF), ssOff = w(s, K_SSOFF), thrOff = w(s, K_THROFF);
  const cTid = <u32>w(s, K_CTID), cT = w(s, K_CT), serial = w(s, K_SERIAL), cTS = w(s, K_CTS);
  const ops = load<f64>(s + D_BASE + di(D_OPS)), maxSmall = load<f64>(s + D_BASE + di(D_MAXSMALL));
  const release = (flags & F_RELEASE) != 0, periodic = (flags & F_PERIODIC) != 0;
  const partialMode = (flags & F_PARTIAL) != 0, tlsMode = (flags & F_TLS) != 0;
  const start = w(s, K_FROM);
  const opsBase = ops - <f64>start + 1; // the operation count after event j of this run: opsBase + j
  let i = start, mallocs = 0;
  for (; i < to; i++) {
    const o = load<u8>(op + <usize>i);
    if (load<u32>(tid + wi(i)) != cTid) break;
    if (o == 1 /* RUN_FREE */) {
      const h = load<i32>(handles + wi(<i32>load<u32>(idc + wi(i))));
      if (h < 0) break;
      const r = slabOff + (h >>> bs) * L_SLAB_STRIDE;
      const c = load<i32>(wi(r + L_SL_CLASS));
      if (load<i32>(info + wi(c * L_CI_STRIDE + L_CI_SHIFT)) < 0) break; // free() takes these through freeBlock
      const owner = load<i32>(wi(r + L_SL_OWNER));
      if (owner == serial) {
        const mt = cT + c;
        const top = load<i32>(wi(mt));
        if (top >= load<i32>(wi(mt + limD))) break;
        store<i32>(wi(load<i32>(wi(mt + ptrD)) + top), h);
        store<i32>(wi(mt), top + 1);
      } else {
        // another thread's slab: inline only when its owner exited (released) and nothing rare follows
        if (!release) break;
        const os = load<i32>(wi(r + L_SL_OWNER_SLOT));
        if (os >= 0 && owner != 0 && load<i32>(wi(thrOff + os * thrStride + L_T_SERIAL)) == owner) break; // owner alive
        if (load<i32>(wi(r + L_SL_REMOTE)) > 0) break; // drain first
        const e = ssOff + load<i32>(wi(r + L_SL_SS)) * ssStride;
        const act = load<i32>(wi(e + L_SS_ACTIVE));
        if (act == 1) break; // the SuperSlab becomes empty
        if (partialMode && load<i32>(wi(r + L_SL_LIST)) == 0 && load<i32>(wi(r + L_SL_TLS)) == 0) {
          // partialPush would list the slab: only TLS-mode slabs of a dead SuperSlab owner stay unlisted
          if (!tlsMode) break;
          const sos = load<i32>(wi(e + L_SS_OWNER_SLOT)), so = load<i32>(wi(e + L_SS_OWNER));
          if (sos >= 0 && so != 0 && load<i32>(wi(thrOff + sos * thrStride + L_T_SERIAL)) == so) break;
        }
        if (periodic && opsBase + <f64>i >= load<f64>(di(L_S_NEXT_TRIM_AT))) break; // a trim is due after it
        const ft = load<i32>(wi(r + L_SL_FREE_TOP));
        store<u16>((<usize>(load<i32>(wi(r + L_SL_STACK)) + ft)) << 1, <u16>(h & bm));
        store<i32>(wi(r + L_SL_FREE_TOP), ft + 1);
        store<i32>(wi(r + L_SL_USED), load<i32>(wi(r + L_SL_USED)) - 1);
        store<i32>(wi(e + L_SS_ACTIVE), act - 1);
      }
      const st = di(L_CLASS_STATS_F64 + c * L_CLASS_STRIDE + L_CS_FREED);
      store<f64>(st, load<f64>(st) + 1);
    } else if (o == 0 /* RUN_MALLOC */) {
      const k = load<u32>(idc + wi(i));
      const n = load<f64>(size + di(i));
      if (k >= nh || !(n <= maxSmall)) break; // (a NaN size takes the handle API, as in run.ts)
      // a size is an integer (the trace's varint), so its value is the low word of 2^52 + n: one add,
      // where a float-to-integer conversion is a chain of four dependent instructions
      const c = <i32>load<u8>(lut + <usize>((<i32>reinterpret<i64>(n + 4503599627370496.0) + 15) >> 4));
      const mt = cT + c;
      let top = load<i32>(wi(mt)) - 1;
      if (top < 0) {
        // refill()'s common case: no trim due, the thread's TLS slab of the class without remote
        // frees, a magazine chunk, and blocks to take; anything else is the handle API's
        if (periodic && opsBase + <f64>i - 1 >= load<f64>(di(L_S_NEXT_TRIM_AT))) break;
        top = magRefill(s, mt, c, ptrD, slabOff, ssOff, ssStride, bs, info) - 1;
        if (top < 0) break;
      }
      store<i32>(handles + (<usize>k << 2), load<i32>(wi(load<i32>(wi(mt + ptrD)) + top)));
      store<i32>(wi(mt), top);
      const st = di(L_CLASS_STATS_F64 + c * L_CLASS_STRIDE + L_CS_ALLOC);
      store<f64>(st, load<f64>(st) + 1);
      mallocs++;
    } else break;
  }
  // the fast events' thread counters and operation count, folded in once
  if (i > start) {
    const ts = di(cTS);
    store<f64>(ts, load<f64>(ts) + <f64>mallocs);
    store<f64>(ts + 8, load<f64>(ts + 8) + <f64>(i - start - mallocs));
    store<f64>(s + D_BASE + di(D_OPS), ops + <f64>(i - start));
  }
  return i;
}

/** The empty magazine at word mt (class c) refilled from its thread's TLS slab, as refill() and
 *  slabTake do it (free-state blocks, then carving, with the pages the carved blocks reach made
 *  resident): the new top, or 0 when the handle API must do it (no TLS slab, remote frees to drain,
 *  no magazine chunk yet, or no block to take). */
function magRefill(s: usize, mt: i32, c: i32, ptrD: i32, slabOff: i32, ssOff: i32, ssStride: i32, bs: i32, info: usize): i32 {
  const sid = load<i32>(wi(mt + w(s, K_TLSD)));
  if (sid < 0) return 0;
  const r = slabOff + sid * L_SLAB_STRIDE;
  if (load<i32>(wi(r + L_SL_REMOTE)) > 0) return 0;
  const mb = load<i32>(wi(mt + ptrD));
  if (mb < 0) return 0;
  const want = min(w(s, K_REFILL), load<i32>(info + wi(c * L_CI_STRIDE + L_CI_MAGCAP)));
  const free = load<i32>(wi(r + L_SL_FREE_TOP));
  const n1 = min(free, want);
  const carved = load<i32>(wi(r + L_SL_CARVED));
  const n2 = min(load<i32>(wi(r + L_SL_CAP)) - carved, want - n1);
  const n = n1 + n2;
  if (n <= 0) return 0;
  const top = slabFill(mb, 0, sid << bs, load<i32>(wi(r + L_SL_STACK)), free, n1, carved, n2);
  store<i32>(wi(r + L_SL_FREE_TOP), free - n1);
  const k = load<i32>(wi(r + L_SL_SS));
  const e = ssOff + k * ssStride;
  if (n2 > 0) {
    store<i32>(wi(r + L_SL_CARVED), carved + n2);
    const size = <f64>load<i32>(info + wi(c * L_CI_STRIDE + L_CI_SIZE));
    const rel = load<f64>(di(r >> 1)) - (L_SS_BASE + <f64>k * load<f64>(s + D_BASE + di(D_SSSIZE)));
    ssTouch(s, e, <i32>(rel + <f64>carved * size), <i32>(rel + <f64>(carved + n2) * size));
  }
  store<i32>(wi(mt), top);
  store<i32>(wi(r + L_SL_USED), load<i32>(wi(r + L_SL_USED)) + n);
  store<i32>(wi(e + L_SS_ACTIVE), load<i32>(wi(e + L_SS_ACTIVE)) + n);
  return top;
}

/** os.ts's osTouchSS: the pages of SuperSlab entry e covering bytes [from, to) resident (bits, count, RSS). */
function ssTouch(s: usize, e: i32, from: i32, to: i32): void {
  if (to <= from) return;
  const shift = w(s, K_PGSHIFT);
  const bits = e + L_SS_SLABS + w(s, K_SPS);
  const last = (to - 1) >> shift;
  let added = 0;
  for (let pg = from >> shift; pg <= last; pg++) {
    const a = wi(bits + (pg >> 5));
    const b = 1 << (pg & 31);
    const v = load<i32>(a);
    if ((v & b) == 0) { store<i32>(a, v | b); added++; }
  }
  if (added > 0) {
    store<i32>(wi(e + L_SS_RES_PAGES), load<i32>(wi(e + L_SS_RES_PAGES)) + added);
    const rss = load<f64>(di(L_S_RSS)) + <f64>(added << shift);
    store<f64>(di(L_S_RSS), rss);
    if (rss > load<f64>(di(L_S_PEAK_RSS))) store<f64>(di(L_S_PEAK_RSS), rss);
  }
}

// ---- bulk block moves between a magazine and slabs (slab.ts's slabTake loops, magazine.ts's magReturn)

/** slabTake's two loops: n1 free-state blocks popped off the stack of the slab whose handles start at
 *  h0 (stack at Uint16 index st, free on it), then n2 blocks carved from `carved` down, pushed on the
 *  magazine chunk at word mb from `top`. Returns the new top. */
export function slabFill(mb: i32, top: i32, h0: i32, st: i32, free: i32, n1: i32, carved: i32, n2: i32): i32 {
  for (let i = 0; i < n1; i++) store<i32>(wi(mb + top++), h0 | <i32>load<u16>(<usize>(st + --free) << 1));
  for (let j = n2 - 1; j >= 0; j--) store<i32>(wi(mb + top++), h0 | (carved + j));
  return top;
}

/** magReturn's loop from block `from` of the magazine chunk at word mb, up to n: each block back into
 *  its slab's free state (slab.ts's slabReturn). Returns -1 when all are back; else stops at block i
 *  whose slab must go on a partial list (2 * i: the SuperSlab's count is not yet decremented) or whose
 *  SuperSlab became empty (2 * i + 1: decremented), for the host to finish that block. */
export function magReturnRun(mb: i32, from: i32, n: i32, shift: i32, mask: i32, slabOff: i32, ssOff: i32, ssStride: i32): i32 {
  for (let i = from; i < n; i++) {
    const h = load<i32>(wi(mb + i));
    const r = slabOff + (h >>> shift) * L_SLAB_STRIDE;
    const ft = load<i32>(wi(r + L_SL_FREE_TOP));
    store<u16>(<usize>(load<i32>(wi(r + L_SL_STACK)) + ft) << 1, <u16>(h & mask));
    store<i32>(wi(r + L_SL_FREE_TOP), ft + 1);
    store<i32>(wi(r + L_SL_USED), load<i32>(wi(r + L_SL_USED)) - 1);
    if (load<i32>(wi(r + L_SL_LIST)) == 0 /* SL_LIST_NONE */ && load<i32>(wi(r + L_SL_TLS)) == 0) return i << 1;
    const e = ssOff + load<i32>(wi(r + L_SL_SS)) * ssStride;
    const act = load<i32>(wi(e + L_SS_ACTIVE)) - 1;
    store<i32>(wi(e + L_SS_ACTIVE), act);
    if (act == 0) return (i << 1) | 1;
  }
  return -1;
}
