// Cold helpers over the public reader/writer: one event as a JSON object (for `dump`), and a
// streaming format conversion (protobuf <-> JSON, gzip or not) that reproduces identical bytes: the
// header is copied, format version included (a version-1 trace stays version 1). Salvage: with
// read: { allowTruncated: true } a cut source gives a complete trace of its events up to the last
// complete one (new footer); with lenient, its valid events only. The result says what was read.
// Call stacks are kept (the writer's table is the reader's, defined as the reader reads it, so
// protobuf → JSON → protobuf stays byte-identical), or dropped with dropStacks (then the output is
// what the trace would be without them: same events, same digest).
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START,
} from './ops.js';
import { openTrace } from './reader.js';
import type { EventBatch, OpenTraceOptions, TraceConvertResult, TraceStacks, TraceWriter, TraceWriterOptions } from './types.js';
import { createTraceWriter } from './writer.js';

/** Event i of a batch in the JSON Lines event shape. Not for hot paths. */
export function traceEventToJson(b: EventBatch, i: number): Record<string, unknown> {
  const op = b.op[i]!, tid = b.tid[i]!, id = b.id[i]!, size = b.size[i]!, aux = b.aux[i]!;
  switch (op) {
    case OP_ALLOC: case OP_CALLOC: return withStack({ op: OP_NAMES[op], tid, id, size }, b, i);
    case OP_MEMALIGN: return withStack({ op: OP_NAMES[op], tid, id, align: aux, size }, b, i);
    case OP_FREE: return { op: OP_NAMES[op], tid, id };
    case OP_REALLOC: return withStack({ op: OP_NAMES[op], tid, id, newId: id, size }, b, i);
    case OP_MARK: return { op: OP_NAMES[op], tid, name: b.markNames[aux] };
    case OP_THREAD_JOIN: case OP_THREAD_DETACH: return { op: OP_NAMES[op], tid, target: aux };
    default: return { op: OP_NAMES[op] ?? op, tid };
  }
}

/** Adds "stack" (as in the JSON form: only when not 0) to an allocation's object. */
function withStack(o: Record<string, unknown>, b: EventBatch, i: number): Record<string, unknown> {
  const s = b.stack && b.stack.length > i ? b.stack[i]! : 0;
  if (s !== 0) o.stack = s;
  return o;
}

/** Defines in w the stacks of `from` it does not have yet (ids stay the same); returns the count. */
export function traceCopyStacks(from: TraceStacks, w: TraceWriter, have: number): number {
  for (let id = have + 1; id <= from.count; id++) w.defineStack(from.frames(id));
  return from.count;
}

/**
 * Streams source into dest (format/gzip from dest's name or opts); the header is copied. On a read
 * error the events so far are flushed to dest without a footer (abort) and the error is thrown.
 */
export async function convertTrace(
  source: string | NodeJS.ReadableStream, dest: string | NodeJS.WritableStream,
  opts: TraceWriterOptions & { read?: OpenTraceOptions; dropStacks?: boolean } = {},
): Promise<TraceConvertResult> {
  const r = await openTrace(source, opts.read);
  const { read: _read, dropStacks, ...wopts } = opts;
  const keep = r.header.stackDepth > 0 && !dropStacks;
  const w = createTraceWriter(dest, keep ? r.header : { ...r.header, stackDepth: 0 }, wopts);
  let copied = 0;
  const zero = new Uint32Array(0);
  try {
    for await (const b of r.batches()) {
      const { op, tid, id, size, aux } = b;
      if (keep && r.stacks.count > copied) copied = traceCopyStacks(r.stacks, w, copied);
      const st = keep ? b.stack! : zero;
      for (let i = 0; i < b.count; i++) {
        switch (op[i]) {
          case OP_ALLOC: w.alloc(tid[i]!, size[i]!, keep ? st[i]! : 0); break;
          case OP_CALLOC: w.calloc(tid[i]!, size[i]!, keep ? st[i]! : 0); break;
          case OP_MEMALIGN: w.memalign(tid[i]!, aux[i]!, size[i]!, keep ? st[i]! : 0); break;
          case OP_FREE: w.free(tid[i]!, id[i]!); break;
          case OP_REALLOC: w.realloc(tid[i]!, id[i]!, size[i]!, keep ? st[i]! : 0); break;
          case OP_THREAD_START: w.threadStart(tid[i]!); break;
          case OP_THREAD_EXIT: w.threadExit(tid[i]!); break;
          case OP_THREAD_JOIN: w.threadJoin(tid[i]!, aux[i]!); break;
          case OP_THREAD_DETACH: w.threadDetach(tid[i]!, aux[i]!); break;
          case OP_MARK: w.mark(tid[i]!, b.markNames[aux[i]!]!); break;
          default: throw new Error(`convertTrace: unexpected op ${op[i]}`);
        }
      }
      if (w.needsDrain) await w.drain();
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  if (keep) traceCopyStacks(r.stacks, w, copied); // stacks defined after the last chunk
  const f = r.footer;
  const footer = await w.close(f ? { foreignFrees: f.foreignFrees, nullFrees: f.nullFrees } : {});
  return {
    footer, sourceFooter: f, truncated: r.truncated, events: r.events, skipped: r.skipped,
    digestStatus: r.digestStatus, footerMismatches: r.footerMismatches,
  };
}
