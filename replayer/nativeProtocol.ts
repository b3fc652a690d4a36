// The wire between the TypeScript reader and the native replayer (replayer/native/replay.h says the
// same from the C side). Towards the replayer (its stdin): 32-byte headers {u32 magic, u32 type,
// u32 count, u32 payload bytes, u64 first event index, u32 column flags, u32 constant tid}, then the
// payload — BATCH messages, then END (the run's settings are arguments: nativeArgs). A batch's payload is its own columns copied as
// they are (no per-event re-encoding), each padded to 8 bytes: size (f64, or u32 when every size fits:
// COL_SIZE32), tid (left out when the whole batch is one thread: COL_TID_CONST), id (u32), aux (left out
// when all 0: COL_AUX_ZERO), op (u8) — 9 to 21 bytes an event.
// Back from it (fd 3): text lines `kind key=value ...`.
// Invariants: little-endian host (as the replayer's); a batch holds at most WIRE_MAX_EVENTS events.
import type { EventBatch } from '../traces/index.js';

export const WIRE_MAGIC = 0x31525453;
export const WIRE_HDR_BYTES = 32;
export const WIRE_MAX_EVENTS = 65536;
const MSG_BATCH = 2, MSG_END = 3;
export const CFG_CONTINUE_AFTER_OOM = 1;
/** Write only the first and last byte of each block (default: also one byte on every page between). */
export const CFG_TOUCH_ENDS = 2;
const COL_TID_CONST = 1, COL_AUX_ZERO = 2, COL_SIZE32 = 4;

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Payload bytes of a batch of n events with these column flags (0: every column, f64 sizes). */
export function wireBatchBytes(n: number, cols = 0): number {
  const c4 = pad8(n * 4);
  return ((cols & COL_SIZE32) ? c4 : n * 8) + ((cols & COL_TID_CONST) ? 0 : c4) + c4 + ((cols & COL_AUX_ZERO) ? 0 : c4) + pad8(n);
}

function wireHeader(buf: Buffer, type: number, count: number, payload: number, first: number, cols = 0, tidConst = 0): void {
  buf.writeUInt32LE(WIRE_MAGIC, 0);
  buf.writeUInt32LE(type, 4);
  buf.writeUInt32LE(count, 8);
  buf.writeUInt32LE(payload, 12);
  buf.writeUInt32LE(first % 2 ** 32, 16);
  buf.writeUInt32LE(Math.floor(first / 2 ** 32), 20);
  buf.writeUInt32LE(cols, 24);
  buf.writeUInt32LE(tidConst, 28);
}

/** The replay process's arguments: trace format version, flags (CFG_*), id table size (0 = 2^32). */
export function nativeArgs(formatVersion: number, flags: number, idCapacity: number): string[] {
  return ['--format', String(formatVersion), '--flags', String(flags), '--ids', String(idCapacity)];
}

export function wireEnd(): Buffer {
  const buf = Buffer.alloc(WIRE_HDR_BYTES);
  wireHeader(buf, MSG_END, 0, 0, 0);
  return buf;
}

function bytesOf(a: Float64Array | Uint32Array | Uint8Array, from: number, n: number): Uint8Array {
  const w = a.BYTES_PER_ELEMENT;
  return new Uint8Array(a.buffer, a.byteOffset + from * w, n * w);
}

function allEqual(a: Uint32Array, from: number, to: number, v: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== v) return false;
  return true;
}

function allBelow(a: Float64Array, from: number, to: number, limit: number): boolean {
  for (let i = from; i < to; i++) if (a[i] >= limit) return false;
  return true;
}

/** Which columns events [from, to) of `b` can leave out or narrow. */
function wireColumns(b: EventBatch, from: number, to: number): number {
  let cols = 0;
  if (allEqual(b.tid, from, to, b.tid[from])) cols |= COL_TID_CONST;
  if (allEqual(b.aux, from, to, 0)) cols |= COL_AUX_ZERO;
  if (allBelow(b.size, from, to, 2 ** 32)) cols |= COL_SIZE32;
  return cols;
}

/** One BATCH message holding events [from, to) of `b` (0 < to - from <= WIRE_MAX_EVENTS). */
export function wireBatch(b: EventBatch, from: number, to: number): Buffer {
  const n = to - from;
  const cols = wireColumns(b, from, to);
  const payload = wireBatchBytes(n, cols);
  const buf = Buffer.allocUnsafeSlow(WIRE_HDR_BYTES + payload); // its own ArrayBuffer: byteOffset 0, aligned
  wireHeader(buf, MSG_BATCH, n, payload, b.first + from, cols, b.tid[from]);
  let at = WIRE_HDR_BYTES;
  if (cols & COL_SIZE32) {
    new Uint32Array(buf.buffer, buf.byteOffset + at, n).set(b.size.subarray(from, to));
    at += pad8(n * 4);
  } else {
    buf.set(bytesOf(b.size, from, n), at);
    at += n * 8;
  }
  for (const [col, skip] of [[b.tid, cols & COL_TID_CONST], [b.id, 0], [b.aux, cols & COL_AUX_ZERO]] as const) {
    if (skip) continue;
    buf.set(bytesOf(col, from, n), at);
    at += pad8(n * 4);
  }
  buf.set(bytesOf(b.op, from, n), at);
  return buf;
}

/** Parses `kind key=value ...` (the replayer's report lines). */
export function nativeParseLine(line: string): { kind: string; fields: Record<string, string> } {
  const parts = line.trim().split(' ');
  const fields: Record<string, string> = {};
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) fields[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return { kind: parts[0] ?? '', fields };
}
