// The fused validating pass (apply.ts): a protobuf chunk whose id and size columns are still varints
// in inp.body (inp.deferred) is applied in one loop that decodes those columns as it goes
// (one- and two-byte values inline and branch-free, longer ones by varint.ts's varintReadPacked;
// the inline fast path and the written-out digest step are measured exceptions to "one definition":
// the inlined calls made this loop ~15 % slower). Only the common case: small thread ids, no marks,
// joins or detaches, no id-array growth, ids and sizes below 2^28, no bad events. It stops
// before the first event it does not handle, with the state as after the event before (resume*
// saved), and the general pass takes over from there once the columns are decoded; a cut or
// overlong varint also stops it, so the decode reports it. Hot loop: see apply.ts.
import { TraceBatch } from './batch.js';
import { digestTidWordRot } from './digest.js';
import { TraceInput } from './input.js';
import { TraceReadState } from './readState.js';
import { varintReadPacked } from './varint.js';

/**
 * Applies inp's events from the first, into b from entry 0, until one it does not handle; returns
 * that event's index (inp.n when it applied them all). When it applied them all and consumed every
 * byte of the id and size columns, the columns count as decoded (inp.deferred false, nIds, nSizes
 * set); otherwise the caller decodes them (traceMaterialize), which reports any bad varint. Thread
 * starts set the new incarnation's fate (joinable) beside its liveness.
 */
export function traceApplyFused(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const body = inp.body, idE = inp.idE, szE = inp.szE;
  const inAligns = inp.aligns, nAligns = inp.nAligns;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const tl = st.threads.live, tf = st.threads.fate;
  const idst = st.ids;
  const stack = idst.stack, live = idst.live, cap = live.length;
  let top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  let lb = st.liveBytes, pkb = st.peakLiveBytes, pko = st.peakLiveObjects, ba = st.bytesAllocated;
  let i = 0, ii = 0, si = 0, ai = 0, r = 0, end = 0;
  let ip = inp.idS, sp = inp.szS;
  // op and aux columns in bulk (entries past the stopping point are rewritten by the general pass
  // or lie beyond the batch's count); tid per run, after it
  oOp.set(ops);
  oAux.fill(0, 0, inp.n);
  for (; r < nRuns; r++) {
    const t = runV[r]!;
    const start = i;
    end = i + runL[r]!;
    if (t >= 65536 /* TRACE_SMALL_TIDS */) break;
    let tLive = tl[t]!;
    const rt = digestTidWordRot(0, t);
    for (; i < end; i++) {
      const op = ops[i]!;
      let id = 0, s = 0, aux = 0;
      if (op === /* OP_FREE */ 1 || op === /* OP_REALLOC */ 2) {
        if (tLive === 0 || ip >= idE) break;
        const b0 = body[ip]!, b1 = body[ip + 1]!;
        let q: number;
        if ((b0 & b1) < 128) {
          const c = b0 >>> 7;
          id = (b0 & 127) | ((b1 << 7) & -c);
          q = ip + 1 + c;
        } else {
          const x = varintReadPacked(body, ip, idE); // (id << 3) | its length
          if (x < 0) break;
          id = x >> 3;
          q = ip + (x & 7);
        }
        if (q > idE || id >= next) break;
        const old = live[id]!; // the live object's size
        if (old === 0 || old === 0xffffffff /* TRACE_IDS_BIG */) break;
        if (op === /* OP_FREE */ 1) {
          live[id] = 0;
          stack[top++] = id;
          lb -= old;
        } else {
          if (sp >= szE) break;
          const c0 = body[sp]!, c1 = body[sp + 1]!;
          let qs: number;
          if ((c0 & c1) < 128) {
            const c = c0 >>> 7;
            s = (c0 & 127) | ((c1 << 7) & -c);
            qs = sp + 1 + c;
          } else {
            const x = varintReadPacked(body, sp, szE);
            s = x >> 3;
            qs = sp + (x & 7);
          }
          if (s <= 0 || qs > szE) break;
          sp = qs;
          si++;
          live[id] = s;
          lb += s - old;
          ba += s;
          if (lb > pkb) pkb = lb;
        }
        ip = q;
        ii++;
      } else if (op === /* OP_ALLOC */ 0 || op === /* OP_CALLOC */ 3 || op === /* OP_MEMALIGN */ 4) {
        if (tLive === 0 || sp >= szE) break;
        const c0 = body[sp]!, c1 = body[sp + 1]!;
        let qs: number;
        if ((c0 & c1) < 128) {
          const c = c0 >>> 7;
          s = (c0 & 127) | ((c1 << 7) & -c);
          qs = sp + 1 + c;
        } else {
          const x = varintReadPacked(body, sp, szE);
          s = x >> 3;
          qs = sp + (x & 7);
        }
        if (s <= 0 || qs > szE) break;
        if (op === /* OP_MEMALIGN */ 4) {
          if (ai >= nAligns) break;
          aux = inAligns[ai]!;
          if (aux === 0 || (aux & (aux - 1)) !== 0) break;
          ai++;
          oAux[i] = aux;
        }
        if (top > 0) id = stack[--top]!;
        else {
          if (next >= cap) {
            if (op === /* OP_MEMALIGN */ 4) ai--;
            break;
          }
          id = next++;
        }
        sp = qs;
        si++;
        live[id] = s;
        lb += s;
        ba += s;
        if (lb > pkb) pkb = lb;
        if (next - top > pko) pko = next - top;
      } else if (op === /* OP_THREAD_START */ 5) {
        if (tLive === 1) break;
        tLive = 1;
        tl[t] = 1;
        tf[t] = 1; // FATE_JOINABLE
      } else if (op === /* OP_THREAD_EXIT */ 6) {
        if (tLive === 0) break;
        tLive = 0;
        tl[t] = 0;
      } else {
        break; // mark, thread_join, thread_detach, unknown op
      }
      oId[i] = id;
      oSize[i] = s;
      if (digest) {
        // digestStepH1(h1, id, digestTidWordRot(op, t)) and digestStepH2(h2, s, aux) written out
        // (op < 8, s < 2^28): the calls, inlined, measured ~15 % slower on this loop
        h1 = Math.imul(h1 ^ id ^ rt ^ (op << 13), 0xcc9e2d51);
        h1 = (h1 << 13) | (h1 >>> 19);
        h2 = Math.imul(h2 ^ s ^ ((aux << 16) | (aux >>> 16)), 0x85ebca6b);
        h2 = (h2 << 15) | (h2 >>> 17);
      }
    }
    oTid.fill(t, start, i);
    if (i < end) break;
  }
  idst.top = top;
  idst.next = next;
  st.h1 = h1;
  st.h2 = h2;
  st.figuresSave(lb, pkb, pko, ba);
  st.resumeSave(r, end, ii, si, ai, 0, 0);
  if (i === inp.n && ip === idE && sp === szE) {
    // every column byte consumed by valid varints: the counts a full decode would give
    inp.deferred = false;
    inp.nIds = ii;
    inp.nSizes = si;
  }
  return i;
}

