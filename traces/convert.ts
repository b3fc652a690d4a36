// Cold helpers over the public reader/writer: one event as a JSON object (for `dump`), and a
// streaming format conversion (protobuf <-> JSON, gzip or not) that reproduces identical bytes: the
// header is copied, format version included (a version-1 trace stays version 1). Salvage: with
// read: { allowTruncated: true } a cut source gives a complete trace of its events up to the last
// complete one (new footer); with lenient, its valid events only. The result says what was read.
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START,
} from './ops.js';
import { openTrace } from './reader.js';
import type { EventBatch, OpenTraceOptions, TraceConvertResult, TraceWriterOptions } from './types.js';
import { createTraceWriter } from './writer.js';

/** Event i of a batch in the JSON Lines event shape. Not for hot paths. */
export function traceEventToJson(b: EventBatch, i: number): Record<string, unknown> {
  const op = b.op[i]!, tid = b.tid[i]!, id = b.id[i]!, size = b.size[i]!, aux = b.aux[i]!;
  switch (op) {
    case OP_ALLOC: case OP_CALLOC: return { op: OP_NAMES[op], tid, id, size };
    case OP_MEMALIGN: return { op: OP_NAMES[op], tid, id, align: aux, size };
    case OP_FREE: return { op: OP_NAMES[op], tid, id };
    case OP_REALLOC: return { op: OP_NAMES[op], tid, id, newId: id, size };
    case OP_MARK: return { op: OP_NAMES[op], tid, name: b.markNames[aux] };
    case OP_THREAD_JOIN: case OP_THREAD_DETACH: return { op: OP_NAMES[op], tid, target: aux };
    default: return { op: OP_NAMES[op] ?? op, tid };
  }
}

/**
 * Streams source into dest (format/gzip from dest's name or opts); the header is copied. On a read
 * error the events so far are flushed to dest without a footer (abort) and the error is thrown.
 */
export async function convertTrace(
  source: string | NodeJS.ReadableStream, dest: string | NodeJS.WritableStream,
  opts: TraceWriterOptions & { read?: OpenTraceOptions } = {},
): Promise<TraceConvertResult> {
  const r = await openTrace(source, opts.read);
  const { read: _read, ...wopts } = opts;
  const w = createTraceWriter(dest, r.header, wopts);
  try {
    for await (const b of r.batches()) {
      const { op, tid, id, size, aux } = b;
      for (let i = 0; i < b.count; i++) {
        switch (op[i]) {
          case OP_ALLOC: w.alloc(tid[i]!, size[i]!); break;
          case OP_CALLOC: w.calloc(tid[i]!, size[i]!); break;
          case OP_MEMALIGN: w.memalign(tid[i]!, aux[i]!, size[i]!); break;
          case OP_FREE: w.free(tid[i]!, id[i]!); break;
          case OP_REALLOC: w.realloc(tid[i]!, id[i]!, size[i]!); break;
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
  const f = r.footer;
  const footer = await w.close(f ? { foreignFrees: f.foreignFrees, nullFrees: f.nullFrees } : {});
  return {
    footer, sourceFooter: f, truncated: r.truncated, events: r.events, skipped: r.skipped,
    digestStatus: r.digestStatus, footerMismatches: r.footerMismatches,
  };
}
