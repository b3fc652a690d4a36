// The general validating pass (apply.ts): every event kind and every check, over decoded columns
// (protobuf, after traceMaterialize; JSON, with explicit ids in xids checked against the id rule).
// It starts a chunk, or takes over where the fused pass or a previous slice stopped (resume*), and
// stops at limit or at a bad event: strict, before it (st.pending set); lenient, after it (skipped,
// its column values passed). thread_join / thread_detach are checked by the cold st.threadFate.
// Hot loop: see apply.ts.
import { TraceBatch } from './batch.js';
import { digestAuxWord, digestStepH1, digestStepH2, digestTidWordRot, markNameHash } from './digest.js';
import { TraceInput } from './input.js';
import { TraceReadState } from './readState.js';

/**
 * The general validated pass from input event i0 (run st.resumeRun ending at st.resumeEnd, column
 * positions in st.resume*) to limit, writing batch entries from j0. Returns where it stopped (see
 * traceApplyChecked) and saves it.
 */
export function traceApplyGeneral(st: TraceReadState, inp: TraceInput, b: TraceBatch, digest: boolean, i0: number, j0: number, limit: number): number {
  const ops = inp.ops, runV = inp.runV, runL = inp.runL, nRuns = inp.nRunV;
  const inIds = inp.ids, inSizes = inp.sizes, inAligns = inp.aligns, inTargets = inp.targets, xids = inp.xids;
  const hasX = xids !== null;
  const oOp = b.op, oTid = b.tid, oId = b.id, oSize = b.size, oAux = b.aux;
  const marksOut: string[] = b.markNames;
  const tl = st.threads.live, tf = st.threads.fate;
  const idst = st.ids;
  let stack = idst.stack, live = idst.live, cap = live.length, top = idst.top, next = idst.next;
  let h1 = st.h1, h2 = st.h2;
  let lb = st.liveBytes, pkb = st.peakLiveBytes, pko = st.peakLiveObjects, ba = st.bytesAllocated;
  let i = i0, j = j0, ii = st.resumeIds, si = st.resumeSizes, ai = st.resumeAligns, mi = st.resumeMarks, ti = st.resumeTargets;
  let r = st.resumeRun, end = st.resumeEnd;
  outer: while (r < nRuns) {
    const t = runV[r]!;
    const stop = end < limit ? end : limit;
    let tLive = t < 65536 /* TRACE_SMALL_TIDS */ ? tl[t]! : st.bigThreadLive(t);
    for (; i < stop; i++) {
      const op = ops[i]!;
      let id = 0, s = 0, aux = 0, daux = 0;
      if (tLive === 0 && op !== /* OP_THREAD_START */ 5) {
        // past the event's column values, for a lenient read resuming after it
        const u = applyColumnsOf(op);
        ii += u & 1;
        si += (u >> 1) & 1;
        ai += (u >> 2) & 1;
        mi += (u >> 3) & 1;
        ti += u >> 4;
        i += op >= inp.opLimit ? st.unknownOp(i, op) : st.bad('THREAD_ORDER', i, op, t, 0, 0);
        break outer;
      }
      switch (op) {
        case /* OP_ALLOC */ 0: case /* OP_CALLOC */ 3: case /* OP_MEMALIGN */ 4: {
          s = inSizes[si++]!;
          if (op === /* OP_MEMALIGN */ 4) {
            aux = inAligns[ai++]!;
            if (aux === 0 || (aux & (aux - 1)) !== 0) {
              i += st.bad('BAD_ALIGN', i, op, t, 0, aux);
              break outer;
            }
            daux = aux;
          }
          if (!(s >= 1 && s <= 1099511627776 /* TRACE_MAX_SIZE */)) {
            i += st.bad('BAD_SIZE', i, op, t, 0, s);
            break outer;
          }
          if (hasX) {
            const x = xids[i]!;
            const want = top > 0 ? stack[top - 1]! : next;
            if (x !== want) {
              i += st.bad(x < next && live[x] !== 0 ? 'ALLOC_LIVE' : 'BAD_ID', i, op, t, x, want);
              break outer;
            }
          }
          if (top > 0) id = stack[--top]!;
          else {
            id = next++;
            if (id >= cap) {
              idst.top = top;
              idst.next = next;
              idst.grow(id + 1);
              stack = idst.stack;
              live = idst.live;
              cap = live.length;
            }
          }
          if (s < 4294967295 /* TRACE_IDS_BIG */) live[id] = s;
          else idst.setSize(id, s);
          lb += s;
          ba += s;
          if (lb > pkb) pkb = lb;
          if (next - top > pko) pko = next - top;
          break;
        }
        case /* OP_FREE */ 1:
          id = inIds[ii++]!;
          if (id >= next || live[id] === 0) {
            i += st.bad(id >= next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE', i, op, t, id, 0);
            break outer;
          }
          lb -= live[id] === 4294967295 /* TRACE_IDS_BIG */ ? idst.sizeOf(id) : live[id]!;
          if (live[id] === 4294967295) idst.big.delete(id);
          live[id] = 0;
          stack[top++] = id;
          break;
        case /* OP_REALLOC */ 2:
          id = inIds[ii++]!;
          s = inSizes[si++]!;
          if (id >= next || live[id] === 0) {
            i += st.bad(id >= next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE', i, op, t, id, 0);
            break outer;
          }
          if (!(s >= 1 && s <= 1099511627776 /* TRACE_MAX_SIZE */)) {
            i += st.bad('BAD_SIZE', i, op, t, id, s);
            break outer;
          }
          if (hasX && xids[i]! !== id) {
            i += st.bad('BAD_ID', i, op, t, xids[i]!, id);
            break outer;
          }
          lb += s - (live[id] === 4294967295 /* TRACE_IDS_BIG */ ? idst.sizeOf(id) : live[id]!);
          if (s < 4294967295 && live[id] !== 4294967295) live[id] = s;
          else idst.setSize(id, s);
          ba += s;
          if (lb > pkb) pkb = lb;
          break;
        case /* OP_THREAD_START */ 5:
          if (tLive === 1) {
            i += st.bad('THREAD_ORDER', i, op, t, 0, 0);
            break outer;
          }
          tLive = 1;
          if (t < 65536 /* TRACE_SMALL_TIDS */) {
            tl[t] = 1;
            tf[t] = 1; // FATE_JOINABLE
          } else st.threads.start(t);
          break;
        case /* OP_THREAD_EXIT */ 6:
          tLive = 0;
          if (t < 65536 /* TRACE_SMALL_TIDS */) tl[t] = 0;
          else st.threads.setLive(t, false);
          break;
        case /* OP_MARK */ 7: {
          const name = inp.marks[mi++];
          aux = marksOut.length;
          marksOut.push(name!);
          daux = name === undefined ? 0 : markNameHash(name);
          break;
        }
        case /* OP_THREAD_JOIN */ 8: case /* OP_THREAD_DETACH */ 9: {
          if (op >= inp.opLimit) {
            st.unknownOp(i, op);
            break outer;
          }
          aux = ti < inp.nTargets ? inTargets[ti]! : 0; // a short column: CORRUPT_CHUNK after the pass
          ti++;
          const fault = st.threadFate(op, aux);
          if (fault !== null) {
            i += st.bad(fault, i, op, t, 0, aux);
            break outer;
          }
          daux = aux;
          break;
        }
        default:
          st.unknownOp(i, op);
          break outer;
      }
      oOp[j] = op;
      oTid[j] = t;
      oId[j] = id;
      oSize[j] = s;
      oAux[j] = aux;
      j++;
      if (digest) {
        h1 = digestStepH1(h1, id, digestTidWordRot(op, t));
        h2 = digestStepH2(h2, s | 0, digestAuxWord(daux, s));
      }
    }
    if (i < end) break; // at the limit, inside run r
    if (++r < nRuns) end += runL[r]!;
  }
  idst.top = top;
  idst.next = next;
  b.count = j;
  st.h1 = h1;
  st.h2 = h2;
  st.figuresSave(lb, pkb, pko, ba);
  st.resumeSave(r, end, ii, si, ai, mi, ti);
  st.used(ii, si, ai, mi, ti);
  return i;
}

/**
 * Cold: the columns an event of op takes a value from, as bits: 1 id, 2 size, 4 align, 8 mark name,
 * 16 thread target (none for thread start/exit and unknown ops).
 */
function applyColumnsOf(op: number): number {
  switch (op) {
    case /* OP_FREE */ 1: return 1;
    case /* OP_REALLOC */ 2: return 3;
    case /* OP_ALLOC */ 0: case /* OP_CALLOC */ 3: return 2;
    case /* OP_MEMALIGN */ 4: return 6;
    case /* OP_MARK */ 7: return 8;
    case /* OP_THREAD_JOIN */ 8: case /* OP_THREAD_DETACH */ 9: return 16;
    default: return 0;
  }
}

