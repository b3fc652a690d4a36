// Test support (not public API): reads bytes (any form) the way the property suite checks them, and
// sums up what came out: the events with their global indices, counts, the error (code, event,
// offset), the footer verdict, the reader's memory footprint. A read must end within a watchdog
// (a hang fails the case); an exception that is not a TraceError is rethrown (a failure).
import { Readable } from 'node:stream';
import { traceEventToJson } from './convert.js';
import { TraceError, type TraceErrorCode } from './errors.js';
import { openTrace } from './reader.js';
import type { OpenTraceOptions, TraceDigestStatus } from './types.js';

export interface FuzzOutcome {
  /** [global index, event] of every event yielded (when collected). */
  applied: Array<[number, Record<string, unknown>]>;
  /** Events yielded. */
  count: number;
  skipped: number;
  /** reader.events at the end. */
  events: number;
  error: { code: TraceErrorCode; event: number; offset: number; message: string } | null;
  truncated: boolean;
  digestStatus: TraceDigestStatus;
  /** Footer fields reported as mismatches (lenient). */
  mismatches: string[];
  /** The reader's buffers at the end (bytes). */
  footprint: number;
}

/** Pieces of `piece` bytes (frame and line reassembly across reads). */
export function fuzzSource(b: Uint8Array, piece: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += piece) parts.push(Buffer.from(b.subarray(i, i + piece)));
  return Readable.from(parts, { objectMode: false });
}

export async function fuzzRead(bytes: Uint8Array, opts: OpenTraceOptions, piece = 1 << 16, collect = true, watchdogMs = 20_000): Promise<FuzzOutcome> {
  const out: FuzzOutcome = {
    applied: [], count: 0, skipped: 0, events: 0, error: null, truncated: false, digestStatus: 'unchecked', mismatches: [], footprint: 0,
  };
  let reader: Awaited<ReturnType<typeof openTrace>> | null = null;
  const work = (async () => {
    // gzip: pieces of at least 64 bytes (each raw piece is one zlib call on the thread pool)
    const gz = bytes.length > 1 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    reader = await openTrace(fuzzSource(bytes, Math.max(gz ? 64 : 1, piece)), { ...opts, name: 'fuzz' });
    for await (const b of reader.batches()) {
      out.count += b.count;
      if (collect) for (let i = 0; i < b.count; i++) out.applied.push([b.first + i, traceEventToJson(b, i)]);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`read did not end within ${watchdogMs} ms`)), watchdogMs); });
  try {
    await Promise.race([work, hang]);
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    out.error = { code: e.code, event: e.event, offset: e.offset, message: e.message };
  } finally {
    clearTimeout(timer);
  }
  const r = reader as Awaited<ReturnType<typeof openTrace>> | null;
  if (r) {
    out.skipped = r.skipped;
    out.events = r.events;
    out.truncated = r.truncated;
    out.digestStatus = r.digestStatus;
    out.mismatches = r.footerMismatches.map((m) => m.field);
    out.footprint = (r as unknown as { memoryFootprint(): number }).memoryFootprint();
    await r.close();
  }
  return out;
}
