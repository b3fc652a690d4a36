// The footer check: every footer field a reader can recompute, compared with what it read, in a fixed
// order. Counts (events, the per-op counts, threadJoins, threadDetaches, threadsSeen) are over the
// events read, skipped ones included; peakLiveObjects, peakLiveBytes, bytesAllocated and the digest
// over the events applied (yielded); in strict mode both are the same events. foreignFrees and
// nullFrees (a native capture's counts of calls that are not events) cannot be recomputed.
// Without validation (validate: false) only the counts are compared; without verifyDigest, not the
// digest. A field the footer does not have (JSON keys other than events and digest) is not compared.
import { digestHex } from './digest.js';
import { traceError, type TraceError } from './errors.js';
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START,
} from './ops.js';
import type { TraceReadState } from './readState.js';
import type { TraceFooter, TraceFooterField, TraceFooterMismatch } from './types.js';

/** The fields compared, in order (a strict reader reports the first that disagrees). */
export const TRACE_FOOTER_CHECKED: readonly TraceFooterField[] = Object.freeze([
  'events', 'allocs', 'frees', 'reallocs', 'callocs', 'memaligns', 'threadStarts', 'threadExits', 'marks',
  'threadJoins', 'threadDetaches', 'threadsSeen', 'peakLiveObjects', 'peakLiveBytes', 'bytesAllocated', 'digest',
] as const);

const COUNT_OPS: Partial<Record<TraceFooterField, number>> = {
  allocs: OP_ALLOC, frees: OP_FREE, reallocs: OP_REALLOC, callocs: OP_CALLOC, memaligns: OP_MEMALIGN,
  threadStarts: OP_THREAD_START, threadExits: OP_THREAD_EXIT, marks: OP_MARK, threadJoins: OP_THREAD_JOIN,
  threadDetaches: OP_THREAD_DETACH,
};

/** What the reader read, as footer values; undefined for a field it did not compute. */
function traceReadValue(st: TraceReadState, field: TraceFooterField, state: boolean, digest: boolean): number | string | undefined {
  const op = COUNT_OPS[field];
  if (op !== undefined) return st.opCounts[op]!;
  switch (field) {
    case 'events': return st.events;
    case 'threadsSeen': return st.threads.seenCount;
    case 'peakLiveObjects': return state ? st.peakLiveObjects : undefined;
    case 'peakLiveBytes': return state ? st.peakLiveBytes : undefined;
    case 'bytesAllocated': return state ? st.bytesAllocated : undefined;
    default: return digest ? digestHex(st.h1, st.h2) : undefined; // digest
  }
}

/**
 * Footer fields that disagree with what was read (empty: the footer checks out). has(field) says
 * whether the footer has the field; state: the live/peak/bytes figures were computed (validating
 * read); digest: the digest is compared.
 */
export function traceFooterMismatches(
  f: TraceFooter, st: TraceReadState, has: (field: TraceFooterField) => boolean, state: boolean, digest: boolean,
  file: string, offset: number,
): TraceFooterMismatch[] {
  const out: TraceFooterMismatch[] = [];
  for (const field of TRACE_FOOTER_CHECKED) {
    const read = traceReadValue(st, field, state, digest);
    if (read === undefined || !has(field) || f[field] === read) continue;
    out.push({ field, footer: f[field], read, error: traceFooterError(field, f[field], read, file, offset) });
  }
  return out;
}

/** Cold: BAD_FOOTER naming the field, at the footer's offset. */
function traceFooterError(field: TraceFooterField, footer: number | string, read: number | string, file: string, offset: number): TraceError {
  const detail = field === 'digest'
    ? `footer digest ${footer} does not match the events (their digest is ${read})`
    : field === 'events'
      ? `footer says ${footer} events, the stream has ${read}`
      : `footer ${field} says ${footer}, the stream has ${read}`;
  return traceError('BAD_FOOTER', file, offset, -1, -1, detail, String(read));
}
