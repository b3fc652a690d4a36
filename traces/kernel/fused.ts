// traces/kernel/fused.ts — AssemblyScript, compiled to traces/kernel/build/fused.wasm (npm run build):
// the fused validating pass of applyFused.ts over a reader's arena (a shared WebAssembly.Memory that
// holds the chunk body, its op and run columns, the batch columns, the id table and the thread
// arrays). The JavaScript side writes the arrays' byte offsets and the carried state into the state
// block (layout: FK_* in applyFused.ts, the one definition; mirrored below), calls fusedApply and
// reads the state back. Semantics: exactly applyFused.ts's contract — it applies the events it
// handles (small tids, no marks, joins or detaches, ids and sizes below 2^28, no id-table growth, no
// bad events) and stops before the first one it does not, with the state as after the event before.
// Two passes, each with few live values (the engine's register allocator spilled the one-loop form):
// the id and size varints are unpacked into scratch columns first, up to the first one that is cut
// or of 2^28 or more; then the events are applied from those columns.
// No allocation, no runtime: plain loads and stores (wasm bounds: the arena's own memory).

// state block, i32 slots
const K_OPS = 0, K_RUNV = 1, K_RUNL = 2, K_BODY = 3, K_ALIGNS = 4;
const K_OOP = 5, K_OTID = 6, K_OID = 7, K_OSIZE = 8, K_OAUX = 9;
const K_LIVE = 10, K_STACK = 11, K_TLIVE = 12, K_TFATE = 13;
const K_N = 14, K_NRUNS = 15, K_IDS = 16, K_IDE = 17, K_SZS = 18, K_SZE = 19, K_NALIGNS = 20, K_CAP = 21;
const K_TOP = 22, K_NEXT = 23, K_H1 = 24, K_H2 = 25, K_DIGEST = 26, K_PKO = 27;
const K_R = 28, K_END = 29, K_II = 30, K_SI = 31, K_AI = 32, K_DONE = 33;
const K_IDT = 34, K_SZT = 35;
// f64 slots from byte F_BASE
const F_BASE = 192;
const F_LB = 0, F_PKB = 1, F_BA = 2;

@inline function gi(s: usize, k: i32): i32 { return load<i32>(s + (<usize>k << 2)); }
@inline function pi(s: usize, k: i32, v: i32): void { store<i32>(s + (<usize>k << 2), v); }
@inline function gu(s: usize, k: i32): usize { return <usize>load<u32>(s + (<usize>k << 2)); }

/** Where unpack stopped: the byte after the last varint it unpacked. */
let unpackEnd: usize = 0;

/**
 * Unpacks the varints of [p, end) into the u32 column at out (room for max): one- and two-byte values
 * branch-free, three and four bytes in the loop below; stops at a varint cut by `end` or of 2^28 or
 * more, and after max values (a column longer than the chunk's events is bad: the general pass
 * decodes and reports all of these). Returns the count; unpackEnd is where it stopped.
 */
function unpack(p: usize, end: usize, out: usize, max: i32): i32 {
  let n = 0;
  while (p < end && n < max) {
    const b0 = <i32>load<u8>(p), b1 = <i32>load<u8>(p + 1);
    let v: i32, len: usize;
    if ((b0 & b1) < 128) {
      const c = b0 >>> 7;
      v = (b0 & 127) | ((b1 << 7) & -c);
      len = <usize>(1 + c);
    } else {
      v = 0;
      len = 0;
      for (let k = 0; k < 4 && p + <usize>k < end; k++) {
        const b = <i32>load<u8>(p + <usize>k);
        v |= (b & 127) << (7 * k);
        if (b < 128) {
          len = <usize>(k + 1);
          break;
        }
      }
      if (len == 0) break;
    }
    if (p + len > end) break;
    store<u32>(out + (<usize>n << 2), v);
    n++;
    p += len;
  }
  unpackEnd = p;
  return n;
}

/** The pass over the chunk described by the state block at s; returns the index of the first event not applied. */
export function fusedApply(s: usize): i32 {
  const body = gu(s, K_BODY), idT = gu(s, K_IDT), szT = gu(s, K_SZT);
  const idE = body + gu(s, K_IDE), szE = body + gu(s, K_SZE);
  const n = gi(s, K_N);
  const nId = unpack(body + gu(s, K_IDS), idE, idT, n);
  const idsWhole = unpackEnd == idE;
  const nSz = unpack(body + gu(s, K_SZS), szE, szT, n);
  const sizesWhole = unpackEnd == szE;
  // two copies of the loop: the digest step in or out
  const i = gi(s, K_DIGEST) != 0 ? applyLoop(s, nId, nSz, true) : applyLoop(s, nId, nSz, false);
  pi(s, K_DONE, i32(i == n && idsWhole && sizesWhole && gi(s, K_II) == nId && gi(s, K_SI) == nSz));
  return i;
}

@inline function applyLoop(s: usize, nId: i32, nSz: i32, digest: bool): i32 {
  const ops = gu(s, K_OPS), runV = gu(s, K_RUNV), runL = gu(s, K_RUNL);
  const oOp = gu(s, K_OOP), oTid = gu(s, K_OTID), oId = gu(s, K_OID), oSize = gu(s, K_OSIZE), oAux = gu(s, K_OAUX);
  const live = gu(s, K_LIVE), stack = gu(s, K_STACK), tl = gu(s, K_TLIVE), tf = gu(s, K_TFATE);
  const idT = gu(s, K_IDT), szT = gu(s, K_SZT);
  const n = gi(s, K_N), nRuns = gi(s, K_NRUNS);
  let top = gi(s, K_TOP), next = gi(s, K_NEXT), h1 = gi(s, K_H1), h2 = gi(s, K_H2), pko = gi(s, K_PKO);
  const f = s + F_BASE;
  let lb = load<f64>(f + (F_LB << 3)), pkb = load<f64>(f + (F_PKB << 3)), ba = load<f64>(f + (F_BA << 3));
  let i = 0, ii = 0, si = 0, ai = 0, r = 0, end = 0;
  // op column in bulk, aux zeroed (entries past the stopping point are rewritten by the general pass)
  memory.copy(oOp, ops, <usize>n);
  memory.fill(oAux, 0, <usize>n << 2);
  for (; r < nRuns; r++) {
    const t = load<u32>(runV + (<usize>r << 2));
    const start = i;
    end = i + <i32>load<u32>(runL + (<usize>r << 2));
    // (the reader checked that the runs cover the chunk exactly; never write past it regardless)
    if (t >= 65536 /* TRACE_SMALL_TIDS */ || <u32>end > <u32>n) break;
    let tLive = <i32>load<u8>(tl + <usize>t);
    const rt = rotl<i32>(<i32>t, 16);
    for (; i < end; i++) {
      const op = <i32>load<u8>(ops + <usize>i);
      let id = 0, sz = 0, aux = 0;
      if (<u32>(op - 1) < 2 /* OP_FREE, OP_REALLOC */) {
        if (tLive == 0 || ii >= nId) break;
        id = load<i32>(idT + (<usize>ii << 2));
        if (id >= next) break;
        const la = live + (<usize>id << 2);
        const old = load<u32>(la);
        if (old == 0 || old == 0xffffffff /* TRACE_IDS_BIG */) break;
        if (op == 1) {
          store<u32>(la, 0);
          store<u32>(stack + (<usize>top << 2), id);
          top++;
          lb -= <f64>old;
        } else {
          if (si >= nSz) break;
          sz = load<i32>(szT + (<usize>si << 2));
          if (sz == 0) break;
          si++;
          store<u32>(la, sz);
          lb += <f64>sz - <f64>old;
          ba += <f64>sz;
          if (lb > pkb) pkb = lb;
        }
        ii++;
      } else if (op == 0 /* OP_ALLOC */ || <u32>(op - 3) < 2 /* OP_CALLOC, OP_MEMALIGN */) {
        if (tLive == 0 || si >= nSz) break;
        sz = load<i32>(szT + (<usize>si << 2));
        if (sz == 0) break;
        if (op == 4) {
          if (!applyAlign(s, ai, i)) break;
          aux = load<i32>(oAux + (<usize>i << 2));
          ai++;
        }
        if (top > 0) {
          top--;
          id = load<i32>(stack + (<usize>top << 2));
        } else {
          if (next >= gi(s, K_CAP)) {
            if (op == 4) ai--;
            break;
          }
          id = next++;
        }
        si++;
        store<u32>(live + (<usize>id << 2), sz);
        lb += <f64>sz;
        ba += <f64>sz;
        if (lb > pkb) pkb = lb;
        if (next - top > pko) pko = next - top;
      } else if (op == 5 /* OP_THREAD_START */) {
        if (tLive == 1) break;
        tLive = 1;
        store<u8>(tl + <usize>t, 1);
        store<u8>(tf + <usize>t, 1); // FATE_JOINABLE
      } else if (op == 6 /* OP_THREAD_EXIT */) {
        if (tLive == 0) break;
        tLive = 0;
        store<u8>(tl + <usize>t, 0);
      } else {
        break; // mark, thread_join, thread_detach, unknown op
      }
      store<u32>(oId + (<usize>i << 2), id);
      store<f64>(oSize + (<usize>i << 3), <f64>sz);
      if (digest) {
        h1 = rotl<i32>((h1 ^ id ^ rt ^ (op << 13)) * 0xcc9e2d51, 13);
        h2 = rotl<i32>((h2 ^ sz ^ rotl<i32>(aux, 16)) * 0x85ebca6b, 15);
      }
    }
    for (let k = start; k < i; k++) store<u32>(oTid + (<usize>k << 2), t);
    if (i < end) break;
  }
  pi(s, K_TOP, top);
  pi(s, K_NEXT, next);
  pi(s, K_H1, h1);
  pi(s, K_H2, h2);
  pi(s, K_PKO, pko);
  store<f64>(f + (F_LB << 3), lb);
  store<f64>(f + (F_PKB << 3), pkb);
  store<f64>(f + (F_BA << 3), ba);
  pi(s, K_R, r);
  pi(s, K_END, end);
  pi(s, K_II, ii);
  pi(s, K_SI, si);
  pi(s, K_AI, ai);
  return i;
}

/** Memalign i: its alignment (the ai-th) into the aux column; false when there is none or it is not a power of two. */
function applyAlign(s: usize, ai: i32, i: i32): bool {
  if (ai >= gi(s, K_NALIGNS)) return false;
  const aux = load<i32>(gu(s, K_ALIGNS) + (<usize>ai << 2));
  if (aux == 0 || (aux & (aux - 1)) != 0) return false;
  store<i32>(gu(s, K_OAUX) + (<usize>i << 2), aux);
  return true;
}
