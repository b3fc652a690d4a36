// Test support (not public API): encodes a list of FuzzEvents, valid or not, in every form (protobuf
// and JSON Lines, plain and gzip), for the property suite. Independent of the writer's chunk
// encoder: chunks are built as protobufjs messages from traces/schema/trace.proto and the JSON lines
// by JSON.stringify; the header and footer records use the schema's encoders. Also returns where
// each chunk, line and the footer start (the offsets a reader's errors must name).
import { gzipSync } from 'node:zlib';
import type { FuzzEvent } from './fuzzModel.js';
import { OP_NAMES } from './ops.js';
import { schemaEncodeFooter, schemaEncodeHeader, traceType } from './schema.js';
import type { TraceFooter } from './types.js';
import { varintBytes } from './varint.js';
import { jsonFooterLine, jsonHeaderLine } from './jsonEncode.js';
import { traceHeaderFromInit } from './writer.js';

export interface FuzzTrace {
  version: number;
  events: FuzzEvent[];
  /** Events per protobuf chunk. */
  chunk: number;
  /** The footer to write; null: none (a truncated stream). */
  footer: TraceFooter | null;
}

export interface FuzzForms {
  pb: Uint8Array;
  json: Uint8Array;
  /** Protobuf: offset of each chunk's frame, and the event index each chunk starts at. */
  chunkOffsets: number[];
  chunkFirst: number[];
  /** JSON: offset of each event's line. */
  lineOffsets: number[];
  /** Offset of the footer frame / line (end of the events when there is none). */
  pbFooter: number;
  jsonFooter: number;
}

export function fuzzEncode(t: FuzzTrace): FuzzForms {
  const header = traceHeaderFromInit({ workload: 'fuzz', recorder: 'fuzz', formatVersion: t.version, params: { k: 'v' } }, t.chunk);
  // protobuf
  const parts: Uint8Array[] = [frame(schemaEncodeHeader(header))];
  let off = parts[0]!.length;
  const chunkOffsets: number[] = [], chunkFirst: number[] = [];
  const Rec = traceType('TraceRecord');
  for (let first = 0; first < t.events.length; first += t.chunk) {
    const part = t.events.slice(first, first + t.chunk);
    const rec = Rec.encode(Rec.fromObject({ chunk: chunkObject(first, part) })).finish();
    chunkOffsets.push(off);
    chunkFirst.push(first);
    const f = frame(rec);
    parts.push(f);
    off += f.length;
  }
  const pbFooter = off;
  if (t.footer) parts.push(frame(schemaEncodeFooter(t.footer)));
  // JSON Lines
  let text = jsonHeaderLine(header);
  let joff = Buffer.byteLength(text);
  const lineOffsets: number[] = [];
  for (const e of t.events) {
    const line = JSON.stringify(eventLine(e)) + '\n';
    lineOffsets.push(joff);
    joff += Buffer.byteLength(line);
    text += line;
  }
  const jsonFooter = joff;
  if (t.footer) text += jsonFooterLine(t.footer, t.version);
  return { pb: Buffer.concat(parts), json: Buffer.from(text), chunkOffsets, chunkFirst, lineOffsets, pbFooter, jsonFooter };
}

export function fuzzGzip(b: Uint8Array): Uint8Array {
  return gzipSync(b, { level: 1 });
}

function frame(rec: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(varintBytes(rec.length)), rec]);
}

function chunkObject(first: number, evs: FuzzEvent[]): Record<string, unknown> {
  const runV: number[] = [], runL: number[] = [], id: number[] = [], size: number[] = [], align: number[] = [];
  const mark: string[] = [], target: number[] = [];
  for (const e of evs) {
    if (runV.length > 0 && runV[runV.length - 1] === e.tid) runL[runL.length - 1]!++;
    else { runV.push(e.tid); runL.push(1); }
    if (e.op === 1 || e.op === 2) id.push(e.id!);
    if (e.op === 0 || e.op === 2 || e.op === 3 || e.op === 4) size.push(e.size!);
    if (e.op === 4) align.push(e.align!);
    if (e.op === 7) mark.push(e.name!);
    if (e.op === 8 || e.op === 9) target.push(e.target!);
  }
  return {
    firstEvent: first, op: Uint8Array.from(evs.map((e) => e.op)), tidRunValue: runV, tidRunLength: runL,
    id, size, align, mark, threadTarget: target,
  };
}

/** The JSON line of e (ops without a name in any version are written as "op<N>"). */
function eventLine(e: FuzzEvent): Record<string, unknown> {
  const op = OP_NAMES[e.op] ?? `op${e.op}`;
  switch (e.op) {
    case 0: case 3: return { op, tid: e.tid, id: e.id, size: e.size };
    case 4: return { op, tid: e.tid, id: e.id, align: e.align, size: e.size };
    case 1: return { op, tid: e.tid, id: e.id };
    case 2: return { op, tid: e.tid, id: e.id, newId: e.id, size: e.size };
    case 7: return { op, tid: e.tid, name: e.name };
    case 8: case 9: return { op, tid: e.tid, target: e.target };
    default: return { op, tid: e.tid };
  }
}
