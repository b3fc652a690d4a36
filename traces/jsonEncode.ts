// JSON Lines form, writing side: the header line, one line per event (built by string concatenation
// per chunk, one write per chunk) and the footer line. Key order is fixed so output is deterministic.
// A version-1 footer has no threadJoins/threadDetaches keys (so converted v1 traces stay identical).
import { TraceColumns } from './columns.js';
import { TraceDigest, markNameHash } from './digest.js';
import type { TraceFooter, TraceHeader } from './types.js';
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START,
} from './ops.js';

export function jsonHeaderLine(h: TraceHeader): string {
  const params: Record<string, string> = {};
  for (const k of Object.keys(h.params).sort()) params[k] = h.params[k]!;
  const o = {
    magic: h.magic, formatVersion: h.formatVersion, workload: h.workload, params, args: h.args,
    recorder: h.recorder, seed: h.seed, threads: h.threads, pageSize: h.pageSize,
    createdAtMs: h.createdAtMs, expectedEvents: h.expectedEvents, chunkEvents: h.chunkEvents,
    // only in a trace with stacks, so that a trace without them keeps its bytes
    ...(h.stackDepth > 0 ? { stackDepth: h.stackDepth } : {}),
  };
  return `{"header":${JSON.stringify(o)}}\n`;
}

export function jsonFooterLine(f: TraceFooter, formatVersion: number): string {
  const o: Record<string, unknown> = {
    events: f.events, allocs: f.allocs, frees: f.frees, reallocs: f.reallocs, callocs: f.callocs,
    memaligns: f.memaligns, threadStarts: f.threadStarts, threadExits: f.threadExits, marks: f.marks,
    peakLiveObjects: f.peakLiveObjects, peakLiveBytes: f.peakLiveBytes,
    bytesAllocated: f.bytesAllocated, threadsSeen: f.threadsSeen, digest: f.digest,
    foreignFrees: f.foreignFrees, nullFrees: f.nullFrees,
  };
  if (formatVersion >= 2) {
    o.threadJoins = f.threadJoins;
    o.threadDetaches = f.threadDetaches;
  }
  return `{"footer":${JSON.stringify(o)}}\n`;
}

/** One event as a JSON line (without the newline). */
export function jsonEventText(op: number, t: number, id: number, s: number, aux: number, mark: string): string {
  switch (op) {
    case OP_ALLOC: return '{"op":"alloc","tid":' + t + ',"id":' + id + ',"size":' + s + '}';
    case OP_FREE: return '{"op":"free","tid":' + t + ',"id":' + id + '}';
    case OP_REALLOC: return '{"op":"realloc","tid":' + t + ',"id":' + id + ',"newId":' + id + ',"size":' + s + '}';
    case OP_CALLOC: return '{"op":"calloc","tid":' + t + ',"id":' + id + ',"size":' + s + '}';
    case OP_MEMALIGN: return '{"op":"memalign","tid":' + t + ',"id":' + id + ',"align":' + aux + ',"size":' + s + '}';
    case OP_THREAD_START: return '{"op":"thread_start","tid":' + t + '}';
    case OP_THREAD_EXIT: return '{"op":"thread_exit","tid":' + t + '}';
    case OP_MARK: return '{"op":"mark","tid":' + t + ',"name":' + JSON.stringify(mark) + '}';
    case OP_THREAD_JOIN: return '{"op":"thread_join","tid":' + t + ',"target":' + aux + '}';
    case OP_THREAD_DETACH: return '{"op":"thread_detach","tid":' + t + ',"target":' + aux + '}';
    default: return '{"op":' + op + ',"tid":' + t + '}';
  }
}

/**
 * The chunk's events as JSON lines; updates the digest like the protobuf encoder does. With stacks,
 * an alloc kind or realloc whose stack id is not 0 ends with `,"stack":N` (absent = 0).
 */
export function jsonEncodeChunk(c: TraceColumns, digest: TraceDigest, stacks = false): string {
  let s = '';
  for (let i = 0; i < c.n; i++) {
    const op = c.op[i]!, aux = c.aux[i]!;
    const mark = op === OP_MARK ? c.marks[aux]! : '';
    const text = jsonEventText(op, c.tid[i]!, c.id[i]!, c.size[i]!, aux, mark);
    const st = stacks && (op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN || op === OP_REALLOC) ? c.stack[i]! : 0;
    s += (st !== 0 ? text.slice(0, -1) + ',"stack":' + st + '}' : text) + '\n';
    digest.step(op, c.tid[i]!, c.id[i]!, c.size[i]!, op === OP_MARK ? markNameHash(mark) : aux);
  }
  return s;
}
