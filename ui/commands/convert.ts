// `slabtrace convert IN OUT`: copies a trace between forms (protobuf ↔ JSON, gzip or not) event by
// event, streaming. The writer assigns ids by the same rule the reader applied, so ids, the footer's
// counts and digest come out identical.

import type { Command } from 'commander';
import {
  createTraceWriter, openTrace, OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_THREAD_EXIT,
  OP_THREAD_START, type EventBatch, type TraceFooter, type TraceReader, type TraceWriter,
} from '../../traces/index.js';
import { UsageError } from '../errors.js';
import { traceDest, traceSource } from './source.js';

export function convertRegister(program: Command): void {
  program
    .command('convert')
    .description('convert a trace between protobuf and JSON forms (and gzip)')
    .argument('<in>', 'input trace (- for stdin)')
    .argument('<out>', 'output trace (.json → JSON, .gz → gzip, - for stdout)')
    .option('--format <pb|json>', 'output form (default: from the output name)')
    .option('--gzip', 'gzip the output')
    .action(async (input: string, output: string, opts: { format?: string; gzip?: boolean }) => {
      if (opts.format !== undefined && opts.format !== 'pb' && opts.format !== 'json') {
        throw new UsageError(`--format must be pb or json (got '${opts.format}')`);
      }
      await convertTrace(input, output, { format: opts.format as 'pb' | 'json' | undefined, gzip: opts.gzip });
    });
}

function convertBatch(w: TraceWriter, b: EventBatch): void {
  for (let i = 0; i < b.count; i++) {
    const tid = b.tid[i];
    switch (b.op[i]) {
      case OP_ALLOC: w.alloc(tid, b.size[i]); break;
      case OP_CALLOC: w.calloc(tid, b.size[i]); break;
      case OP_MEMALIGN: w.memalign(tid, b.aux[i], b.size[i]); break;
      case OP_FREE: w.free(tid, b.id[i]); break;
      case OP_REALLOC: w.realloc(tid, b.id[i], b.size[i]); break;
      case OP_THREAD_START: w.threadStart(tid); break;
      case OP_THREAD_EXIT: w.threadExit(tid); break;
      case OP_MARK: w.mark(tid, b.markNames[b.aux[i]]); break;
    }
  }
}

async function convertCopy(reader: TraceReader, w: TraceWriter): Promise<void> {
  for await (const b of reader.batches()) {
    convertBatch(w, b);
    if (w.needsDrain) await w.drain();
  }
}

/** Converts `input` to `output`; resolves with the new footer. */
export async function convertTrace(input: string, output: string, opts: { format?: 'pb' | 'json'; gzip?: boolean } = {}): Promise<TraceFooter> {
  const reader = await openTrace(traceSource(input));
  const h = reader.header;
  const w = createTraceWriter(traceDest(output), {
    workload: h.workload, recorder: h.recorder, params: h.params, args: h.args, seed: h.seed, threads: h.threads,
    pageSize: h.pageSize, createdAtMs: h.createdAtMs, expectedEvents: h.expectedEvents, chunkEvents: h.chunkEvents,
  }, { format: opts.format, gzip: opts.gzip, chunkEvents: h.chunkEvents || undefined });
  try {
    await convertCopy(reader, w);
  } catch (err) {
    await w.abort();
    throw err;
  } finally {
    await reader.close();
  }
  const f = reader.footer;
  return w.close({ foreignFrees: f?.foreignFrees, nullFrees: f?.nullFrees });
}
