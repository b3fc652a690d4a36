// The trace-writer options `record` and `record exec` share (--format, --gzip, --chunk-events): checked
// once, here, into the recorder's writer options.

import type { RecordOptions } from '../../recorder/index.js';
import { UsageError } from '../errors.js';

/** The most events a chunk may hold (the reader's limit). */
const MAX_CHUNK_EVENTS = 1 << 24;

export interface RecordWriterCliOptions {
  gzip?: boolean;
  format?: string;
  chunkEvents?: number;
}

/** The writer options, or a UsageError naming the bad one. */
export function recordWriterOptions(opts: RecordWriterCliOptions): RecordOptions['writer'] {
  if (opts.format !== undefined && opts.format !== 'pb' && opts.format !== 'json') {
    throw new UsageError(`--format must be pb or json (got '${opts.format}')`);
  }
  if (opts.chunkEvents !== undefined && !(opts.chunkEvents >= 1 && opts.chunkEvents <= MAX_CHUNK_EVENTS)) {
    throw new UsageError(`--chunk-events must be in 1..${MAX_CHUNK_EVENTS} (got ${opts.chunkEvents})`);
  }
  return { format: opts.format as 'pb' | 'json' | undefined, gzip: opts.gzip, chunkEvents: opts.chunkEvents };
}
