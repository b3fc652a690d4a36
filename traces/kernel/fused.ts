// traces/kernel/fused.ts — AssemblyScript, compiled to traces/kernel/build/fused.wasm (npm run build):
// the fused validating pass of applyFused.ts over a reader's arena (a shared WebAssembly.Memory that
// holds the chunk body, its op and run columns, the batch columns, the id table and the thread
// arrays). The JavaScript side writes the arrays' byte offsets and the carried state into the state
// block (layout: FK_* in applyFused.ts, the one definition; mirrored below), calls fusedApply and
// reads the state back. Semantics: exactly applyFused.ts's contract — it applies the events it
// handles (small tids, no marks, joins or detaches, ids and sizes below 2^28, no id-table growth, no
// bad events) and stops before the first one it does not, with the state as after the event before.
// No allocation, no runtime: plain loads and stores (wasm bounds: the arena's own memory).

// state block, i32 slots
const K_OPS = 0, K_RUNV = 1, K_RUNL = 2, K_BODY = 3, K_ALIGNS = 4;
const K_OOP = 5, K_OTID = 6, K_OID = 7, K_OSIZE = 8, K_OAUX = 9;
const K_LIVE = 10, K_STACK = 11, K_TLIVE = 12, K_TFATE = 13;
const K_N = 14, K_NRUNS = 15, K_IDS = 16, K_IDE = 17, K_SZS = 18, K_SZE = 19, K_NALIGNS = 20, K_CAP = 21;
const K_TOP = 22, K_NEXT = 23, K_H1 = 24, K_H2 = 25, K_DIGEST = 26, K_PKO = 27;
const K_R = 28, K_END = 29, K_II = 30, K_SI = 31, K_AI = 32, K_IP = 33, K_SP = 34;
// f64 slots from byte F_BASE
const F_BASE = 192;
const F_LB = 0, F_PKB = 1, F_BA = 2;

@inline function gi(s: usize, k: i32): i32 { return load<i32>(s + (<usize>k << 2)); }
@inline function pi(s: usize, k: i32, v: i32): void { store<i32>(s + (<usize>k << 2), v); }
@inline function gu(s: usize, k: i32): usize { return <usize>load<u32>(s + (<usize>k << 2)); }

/** Three- or four-byte varint at p: (value << 3) | length, or -1 (cut at end, or longer). */
function varintLong(p: usize, end: usize): i32 {
  let v = 0;
  for (let k = 0; k < 4 && p + <usize>k < end; k++) {
    const b = <i32>load<u8>(p + <usize>k);
    v |= (b & 127) << (7 * k);
    if (b < 128) return (v << 3) | (k + 1);
  }
  return -1;
}

/** A varint of the packed id / size column at p: (value << 3) | length, -1 as varintLong. */
@inline function varintAt(p: usize, end: usize): i32 {
  const b0 = <i32>load<u8>(p), b1 = <i32>load<u8>(p + 1);
  if ((b0 & b1) < 128) {
    const c = b0 >>> 7;
    return (((b0 & 127) | ((b1 << 7) & -c)) << 3) | (1 + c);
  }
  return varintLong(p, end);
}

/** The pass over the chunk described by the state block at s; returns the index of the first event not applied. */
export function fusedApply(s: usize): i32 {
  const ops = gu(s, K_OPS), runV = gu(s, K_RUNV), runL = gu(s, K_RUNL), body = gu(s, K_BODY), aligns = gu(s, K_ALIGNS);
  const oOp = gu(s, K_OOP), oTid = gu(s, K_OTID), oId = gu(s, K_OID), oSize = gu(s, K_OSIZE), oAux = gu(s, K_OAUX);
  const live = gu(s, K_LIVE), stack = gu(s, K_STACK), tl = gu(s, K_TLIVE), tf = gu(s, K_TFATE);
  const n = gi(s, K_N), nRuns = gi(s, K_NRUNS), nAligns = gi(s, K_NALIGNS), cap = gi(s, K_CAP);
  const idE = <i32>gi(s, K_IDE), szE = gi(s, K_SZE), digest = gi(s, K_DIGEST);
  let top = gi(s, K_TOP), next = gi(s, K_NEXT), h1 = gi(s, K_H1), h2 = gi(s, K_H2), pko = gi(s, K_PKO);
  const f = s + F_BASE;
  let lb = load<f64>(f + (F_LB << 3)), pkb = load<f64>(f + (F_PKB << 3)), ba = load<f64>(f + (F_BA << 3));
  let i = 0, ii = 0, si = 0, ai = 0, r = 0, end = 0;
  let ip = gi(s, K_IDS), sp = gi(s, K_SZS);
  // op column in bulk, aux zeroed (entries past the stopping point are rewritten by the general pass)
  memory.copy(oOp, ops, <usize>n);
  memory.fill(oAux, 0, <usize>n << 2);
  for (; r < nRuns; r++) {
    const t = load<u32>(runV + (<usize>r << 2));
    const start = i;
    end = i + <i32>load<u32>(runL + (<usize>r << 2));
    if (t >= 65536 /* TRACE_SMALL_TIDS */) break;
    let tLive = <i32>load<u8>(tl + <usize>t);
    const rt = rotl<i32>(<i32>t, 16);
    for (; i < end; i++) {
      const op = <i32>load<u8>(ops + <usize>i);
      let id = 0, sz = 0, aux = 0;
      if (op == 1 /* OP_FREE */ || op == 2 /* OP_REALLOC */) {
        if (tLive == 0 || ip >= idE) break;
        const x = varintAt(body + <usize>ip, body + <usize>idE);
        if (x < 0) break;
        id = x >> 3;
        const q = ip + (x & 7);
        if (q > idE || id >= next) break;
        const la = live + (<usize>id << 2);
        const old = load<u32>(la);
        if (old == 0 || old == 0xffffffff /* TRACE_IDS_BIG */) break;
        if (op == 1) {
          store<u32>(la, 0);
          store<u32>(stack + (<usize>top << 2), id);
          top++;
          lb -= <f64>old;
        } else {
          if (sp >= szE) break;
          const y = varintAt(body + <usize>sp, body + <usize>szE);
          sz = y >> 3;
          const qs = sp + (y & 7);
          if (sz <= 0 || qs > szE) break;
          sp = qs;
          si++;
          store<u32>(la, sz);
          lb += <f64>sz - <f64>old;
          ba += <f64>sz;
          if (lb > pkb) pkb = lb;
        }
        ip = q;
        ii++;
      } else if (op == 0 /* OP_ALLOC */ || op == 3 /* OP_CALLOC */ || op == 4 /* OP_MEMALIGN */) {
        if (tLive == 0 || sp >= szE) break;
        const y = varintAt(body + <usize>sp, body + <usize>szE);
        sz = y >> 3;
        const qs = sp + (y & 7);
        if (sz <= 0 || qs > szE) break;
        if (op == 4) {
          if (ai >= nAligns) break;
          aux = <i32>load<u32>(aligns + (<usize>ai << 2));
          if (aux == 0 || (aux & (aux - 1)) != 0) break;
          ai++;
          store<u32>(oAux + (<usize>i << 2), aux);
        }
        if (top > 0) {
          top--;
          id = <i32>load<u32>(stack + (<usize>top << 2));
        } else {
          if (next >= cap) {
            if (op == 4) ai--;
            break;
          }
          id = next++;
        }
        sp = qs;
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
      if (digest != 0) {
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
  pi(s, K_IP, ip);
  pi(s, K_SP, sp);
  return i;
}
