// Loads traces/schema/trace.proto with protobufjs at runtime (from source or from dist/traces) and
// encodes/decodes the cold records (header, footer) with it. Chunks are hand-coded elsewhere; readers
// decode the header and footer with schemaRead.ts (protobufjs's wire Reader, field by field), which
// schemaRead.test.ts holds to schemaDecodeHeader / schemaDecodeFooter here.
// protobufjs itself is loaded on first use (~60 ms): a replay worker fed by the decode worker imports
// traces/ and never needs it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as protobuf from 'protobufjs';
import type { TraceFooter, TraceHeader } from './types.js';

export const TRACE_MAGIC = 'slabtrace';
/** The version writers write by default. */
export const TRACE_FORMAT_VERSION = 2;
/** The versions readers accept (anything else is BAD_VERSION). */
export const TRACE_READ_VERSIONS: readonly number[] = Object.freeze([1, 2]);

let cachedRoot: protobuf.Root | null = null;
let cachedLib: typeof protobuf | null = null;

function protobufLib(): typeof protobuf {
  return (cachedLib ??= createRequire(import.meta.url)('protobufjs') as typeof protobuf);
}

/** Path of trace.proto: ./schema beside this module, or ../../traces/schema from dist/traces. */
export function traceSchemaPath(): string {
  const candidates = ['./schema/trace.proto', '../../traces/schema/trace.proto', '../schema/trace.proto'];
  for (const c of candidates) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`slabtrace: traces/schema/trace.proto not found near ${import.meta.url}`);
}

export function traceSchemaRoot(): protobuf.Root {
  if (!cachedRoot) cachedRoot = protobufLib().loadSync(traceSchemaPath());
  return cachedRoot;
}

export function traceType(name: 'TraceRecord' | 'Header' | 'Chunk' | 'Footer' | 'Stacks'): protobuf.Type {
  return traceSchemaRoot().lookupType(`slabtrace.trace.v1.${name}`);
}

const CONV: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true };

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

/** Header record → TraceHeader (throws protobufjs errors on malformed bytes). */
export function schemaDecodeHeader(bytes: Uint8Array): TraceHeader {
  const msg = traceType('Header').decode(bytes);
  const o = traceType('Header').toObject(msg, CONV) as Record<string, unknown>;
  const params: Record<string, string> = {};
  for (const k of Object.keys((o.params as object) ?? {}).sort()) params[k] = String((o.params as Record<string, unknown>)[k]);
  return {
    magic: String(o.magic ?? ''),
    formatVersion: num(o.formatVersion),
    workload: String(o.workload ?? ''),
    params,
    args: ((o.args as unknown[]) ?? []).map(String),
    recorder: String(o.recorder ?? ''),
    seed: num(o.seed),
    threads: num(o.threads),
    pageSize: num(o.pageSize),
    createdAtMs: num(o.createdAtMs),
    expectedEvents: num(o.expectedEvents),
    chunkEvents: num(o.chunkEvents),
    stackDepth: num(o.stackDepth),
  };
}

/** TraceRecord{header} bytes (without the length prefix). Params are written in sorted key order. */
export function schemaEncodeHeader(h: TraceHeader): Uint8Array {
  const params: Record<string, string> = {};
  for (const k of Object.keys(h.params).sort()) params[k] = h.params[k]!;
  const rec = traceType('TraceRecord');
  return rec.encode(rec.fromObject({ header: { ...h, params } })).finish();
}

export function schemaDecodeFooter(bytes: Uint8Array): TraceFooter {
  const T = traceType('Footer');
  const msg = T.decode(bytes);
  const o = T.toObject(msg, { ...CONV, longs: String }) as Record<string, unknown>;
  const d = BigInt(String(o.digest ?? '0'));
  return {
    events: num(o.events), allocs: num(o.allocs), frees: num(o.frees), reallocs: num(o.reallocs),
    callocs: num(o.callocs), memaligns: num(o.memaligns), threadStarts: num(o.threadStarts),
    threadExits: num(o.threadExits), marks: num(o.marks), peakLiveObjects: num(o.peakLiveObjects),
    peakLiveBytes: num(o.peakLiveBytes), bytesAllocated: num(o.bytesAllocated),
    threadsSeen: num(o.threadsSeen), digest: d.toString(16).padStart(16, '0'),
    foreignFrees: num(o.foreignFrees), nullFrees: num(o.nullFrees),
    threadJoins: num(o.threadJoins), threadDetaches: num(o.threadDetaches),
  };
}

/** TraceRecord{footer} bytes; zero counts are omitted (proto3), so a version-1 footer has no join/detach fields. */
export function schemaEncodeFooter(f: TraceFooter): Uint8Array {
  const rec = traceType('TraceRecord');
  const { digest, ...rest } = f;
  const d = BigInt('0x' + digest);
  const lo = Number(d & 0xffffffffn) >>> 0;
  const hi = Number(d >> 32n) >>> 0;
  const footer = { ...rest, digest: new (protobufLib().util.LongBits)(lo, hi).toLong(true) };
  return rec.encode(rec.fromObject({ footer })).finish();
}
