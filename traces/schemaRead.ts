// Decoding of the two cold records every read needs, the Header (at open) and the Footer (at the end),
// written out per field over protobufjs's wire Reader (protobufjs/minimal) instead of through the
// reflection types of trace.proto (schema.ts): loading all of protobufjs and parsing the schema took
// ~60 ms, on the path of every replay's start (the decode worker reads the header before anything
// else) and again at its end; the minimal runtime loads in a third of that, on first use.
// Semantics: exactly those of protobufjs's generated decoder for these messages (schema.ts's
// schemaDecodeHeader / schemaDecodeFooter, which schemaRead.test.ts holds them to): a field whose wire
// type is not its declared one is an unknown field and skipped, as are unknown field numbers; the last
// value of a scalar field wins; strings are strict UTF-8; map entries default to "" and a later key
// wins; absent fields are 0 / "" / [] / {}. Malformed bytes throw (the reader reports them with their
// offset). Field numbers are those of trace.proto.
import { createRequire } from 'node:module';
import type { TraceFooter, TraceHeader } from './types.js';

/** The part of protobufjs's Reader used here (its generated decoders use the same methods). */
interface PbLong { low: number; high: number }
interface PbReader {
  pos: number;
  len: number;
  tag(): number;
  uint32(): number;
  uint64(): PbLong | number;
  fixed64(): PbLong | number;
  stringVerify(): string;
  size(): number;
  skipType(wireType: number, depth?: number, fieldNumber?: number): PbReader;
}
interface PbMinimal { Reader: { create(buf: Uint8Array): PbReader } }

let minimal: PbMinimal | null = null;
function pbReader(bytes: Uint8Array): PbReader {
  minimal ??= createRequire(import.meta.url)('protobufjs/minimal.js') as PbMinimal;
  return minimal.Reader.create(bytes);
}

const WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2;

/** An unsigned 64-bit value as a Number (as the reflection path's `longs: Number` gives it). */
function u64(v: PbLong | number): number {
  return typeof v === 'number' ? v : (v.high >>> 0) * 4294967296 + (v.low >>> 0);
}

/** A fixed64 as 16 lowercase hex digits, high word first. */
function hex64(v: PbLong | number): string {
  if (typeof v === 'number') return BigInt(v).toString(16).padStart(16, '0');
  return (v.high >>> 0).toString(16).padStart(8, '0') + (v.low >>> 0).toString(16).padStart(8, '0');
}

/** One map<string, string> entry of length-delimited bytes at r.pos into params. */
function readParam(r: PbReader, params: Map<string, string>): void {
  const end = r.size() + r.pos;
  if (end > r.len) throw new RangeError('index out of range');
  const outer = r.len;
  r.len = end;
  let k = '', v = '';
  while (r.pos < end) { // (reads stop at r.len = end: an entry cannot run past its length)
    const t = r.tag();
    const wt = t & 7, field = t >>> 3;
    if (field === 1 && wt === WT_LEN) k = r.stringVerify();
    else if (field === 2 && wt === WT_LEN) v = r.stringVerify();
    else r.skipType(wt, 0, field);
  }
  r.len = outer;
  params.set(k, v);
}

/** Header message bytes (the TraceRecord's field 1) → TraceHeader; throws on malformed bytes. */
export function schemaReadHeader(bytes: Uint8Array): TraceHeader {
  const r = pbReader(bytes);
  const h: TraceHeader = {
    magic: '', formatVersion: 0, workload: '', params: {}, args: [], recorder: '', seed: 0, threads: 0, pageSize: 0,
    createdAtMs: 0, expectedEvents: 0, chunkEvents: 0, stackDepth: 0,
  };
  const params = new Map<string, string>();
  while (r.pos < r.len) {
    const t = r.tag();
    const wt = t & 7, field = t >>> 3;
    if (wt === WT_LEN) {
      if (field === 1) { h.magic = r.stringVerify(); continue; }
      if (field === 3) { h.workload = r.stringVerify(); continue; }
      if (field === 4) { readParam(r, params); continue; }
      if (field === 5) { h.args.push(r.stringVerify()); continue; }
      if (field === 6) { h.recorder = r.stringVerify(); continue; }
    } else if (wt === WT_VARINT) {
      switch (field) {
        case 2: h.formatVersion = r.uint32(); continue;
        case 7: h.seed = u64(r.uint64()); continue;
        case 8: h.threads = r.uint32(); continue;
        case 9: h.pageSize = r.uint32(); continue;
        case 10: h.createdAtMs = u64(r.uint64()); continue;
        case 11: h.expectedEvents = u64(r.uint64()); continue;
        case 12: h.chunkEvents = r.uint32(); continue;
        case 13: h.stackDepth = r.uint32(); continue;
      }
    }
    r.skipType(wt, 0, field);
  }
  // as schemaDecodeHeader builds it: sorted keys, plain assignment
  for (const k of [...params.keys()].sort()) h.params[k] = params.get(k)!;
  return h;
}

/** Footer fields 1-18 (trace.proto) in order, as TraceFooter keys; the digest (14) is a fixed64. */
const FOOTER_FIELDS = [
  '', 'events', 'allocs', 'frees', 'reallocs', 'callocs', 'memaligns', 'threadStarts', 'threadExits', 'marks',
  'peakLiveObjects', 'peakLiveBytes', 'bytesAllocated', 'threadsSeen', 'digest', 'foreignFrees', 'nullFrees',
  'threadJoins', 'threadDetaches',
] as const;
const FOOTER_DIGEST = 14, FOOTER_U32 = 13;

/** Footer message bytes (the TraceRecord's field 3) → TraceFooter; throws on malformed bytes. */
export function schemaReadFooter(bytes: Uint8Array): TraceFooter {
  const r = pbReader(bytes);
  const f: TraceFooter = {
    events: 0, allocs: 0, frees: 0, reallocs: 0, callocs: 0, memaligns: 0, threadStarts: 0, threadExits: 0, marks: 0,
    peakLiveObjects: 0, peakLiveBytes: 0, bytesAllocated: 0, threadsSeen: 0, digest: '0000000000000000',
    foreignFrees: 0, nullFrees: 0, threadJoins: 0, threadDetaches: 0,
  };
  while (r.pos < r.len) {
    const t = r.tag();
    const wt = t & 7, field = t >>> 3;
    if (field === FOOTER_DIGEST && wt === WT_FIXED64) {
      f.digest = hex64(r.fixed64());
      continue;
    }
    if (field >= 1 && field < FOOTER_FIELDS.length && field !== FOOTER_DIGEST && wt === WT_VARINT) {
      const key = FOOTER_FIELDS[field] as Exclude<(typeof FOOTER_FIELDS)[number], '' | 'digest'>;
      f[key] = field === FOOTER_U32 ? r.uint32() : u64(r.uint64());
      continue;
    }
    r.skipType(wt, 0, field);
  }
  return f;
}
