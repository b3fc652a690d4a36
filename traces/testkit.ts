// Seeded event generators shared by the traces tests (not part of the public API): a Larson-like
// pattern (threads in quanta, free a random live id then alloc 8..127 B) with optional other ops.
// Thread lifecycle events (format version 2) draw no random numbers, so with lifecycle off the
// events are exactly those of version 1's generator.
import type { TraceWriter } from './types.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes about `events` events; mixed adds calloc/memalign/realloc/marks/thread restarts; lifecycle
 * (default: mixed; needs a version-2 writer) releases the restarted threads in turn: joined by thread
 * 0 after exit, self-detached before exit, detached by another thread after exit, or leaked.
 */
export async function writeLarsonLike(w: TraceWriter, events: number, seed: number, mixed = false, live = 4096, lifecycle = mixed): Promise<void> {
  const rnd = mulberry32(seed);
  const threads = 4;
  for (let t = 1; t <= threads; t++) w.threadStart(t);
  const slots = new Uint32Array(live);
  for (let i = 0; i < live; i++) slots[i] = w.alloc(0, 8 + ((rnd() * 120) | 0));
  let t = 1, quantum = 0, gen = 0;
  while (w.events < events) {
    if (quantum-- <= 0) {
      t = 1 + ((rnd() * threads) | 0);
      // (lifecycle: shorter quanta and more restarts, from the same random numbers)
      const q = rnd();
      quantum = lifecycle ? 16 + ((q * 128) | 0) : 64 + ((q * 512) | 0);
      if (mixed && rnd() < (lifecycle ? 0.5 : 0.05)) {
        const fate = lifecycle ? gen % 4 : -1;
        if (fate === 1) w.threadDetach(t, t);
        w.threadExit(t);
        if (fate === 0) w.threadJoin(0, t);
        else if (fate === 2) w.threadDetach(t === 1 ? 2 : 1, t);
        w.threadStart(t);
        w.mark(t, `gen-${gen++}`);
      }
    }
    const v = (rnd() * live) | 0;
    const size = 8 + ((rnd() * 120) | 0);
    if (mixed) {
      const k = rnd();
      if (k < 0.05) { slots[v] = w.realloc(t, slots[v]!, size * 3); continue; }
      w.free(t, slots[v]!);
      if (k < 0.1) slots[v] = w.calloc(t, size);
      else if (k < 0.15) slots[v] = w.memalign(t, 1 << ((rnd() * 12) | 0), size);
      else if (k < 0.16) slots[v] = w.alloc(t, 2 ** 33 + size); // a big size (uint64 path)
      else slots[v] = w.alloc(t, size);
    } else {
      w.free(t, slots[v]!);
      slots[v] = w.alloc(t, size);
    }
    if (w.needsDrain) await w.drain();
  }
}

import { Readable } from 'node:stream';
import protobuf from 'protobufjs';
import { openTrace } from './reader.js';
import { traceType } from './schema.js';
import { traceEventToJson } from './convert.js';
import type { OpenTraceOptions, TraceReader } from './types.js';

/** A readable stream over bytes, in pieces of `piece` bytes (exercises frame reassembly). */
export function bytesSource(b: Uint8Array, piece = 1 << 16): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += piece) parts.push(Buffer.from(b.subarray(i, i + piece)));
  return Readable.from(parts, { objectMode: false });
}

/** Reads a whole trace; returns the events as JSON objects (small traces only). */
export async function readEvents(src: string | Uint8Array, opts: OpenTraceOptions = {}): Promise<{ r: TraceReader; events: Record<string, unknown>[] }> {
  const r = await openTrace(typeof src === 'string' ? src : bytesSource(src), opts);
  const events: Record<string, unknown>[] = [];
  for await (const b of r.batches()) for (let i = 0; i < b.count; i++) events.push(traceEventToJson(b, i));
  return { r, events };
}

/** Encodes TraceRecord objects (protobufjs, from the .proto) as a length-delimited stream. */
export function pbRecords(records: Array<Record<string, unknown>>): { bytes: Uint8Array; offsets: number[] } {
  const T = traceType('TraceRecord');
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let off = 0;
  for (const rec of records) {
    const b = T.encodeDelimited(T.fromObject(rec)).finish();
    offsets.push(off);
    off += b.length;
    parts.push(b);
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/** A version-1 header (for pbRecords fixtures and v1 writers). */
export const TEST_HEADER = { magic: 'slabtrace', formatVersion: 1, workload: 'test', recorder: 'test', chunkEvents: 65536 };
export const TEST_HEADER_V2 = { ...TEST_HEADER, formatVersion: 2 };
export { protobuf };
