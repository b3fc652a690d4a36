// Fast decoder of a Chunk message body: walks (tag, wire type) fields and decodes each packed column
// with varint.ts's packed decoders straight into the TraceInput typed arrays. Unknown fields are skipped
// (protobuf rules); packed fields also accept the unpacked encoding. Returns an error detail string
// (cold path) or null; never throws on bad bytes. With defer (validating reads) the id and size
// columns are only located, for the fused pass (applyFused.ts); traceMaterialize decodes them on demand.
// Bounded memory: the op column (events) and every other column (values, mark names) hold at most
// TRACE_MAX_CHUNK_EVENTS entries, checked before anything is allocated for them; column arrays grow
// by the field's byte length (an upper bound of its values) only below that limit, else by the counted
// values. A chunk over the limit is an error detail naming it.
import { TraceInput, growF64, growU32 } from './input.js';
import { TRACE_MAX_CHUNK_EVENTS, TRACE_MAX_FRAME } from './limits.js';
import { VarintCursor, varintCount, varintDecodePackedU32, varintDecodePackedU64, varintRead } from './varint.js';

/** Where the field walk's last varint ended. */
const cur = new VarintCursor();

/** Result fields of the last traceDecodeChunk call. */
export const chunkMeta = { firstEvent: 0 };

/**
 * Decodes a Chunk body frame[start..end0) into inp. Returns null or an error detail. With defer, a
 * single packed id column and a single packed size column are only located (inp.deferred), for the
 * fused validating pass; any error found here, or later (traceMaterialize), is still the one a full
 * decode would report first (fields in wire order).
 */
export function traceDecodeChunk(frame: Uint8Array, start: number, end0: number, inp: TraceInput, defer = false): string | null {
  inp.reset();
  // Decoded from an owned copy at offset 0: the column loops ran about half as fast reading a
  // chunk in place, at a varying position inside the frame buffer, than from a fixed scratch.
  const len = end0 - start;
  if (len > TRACE_MAX_CHUNK_EVENTS) {
    // a big frame: refuse too many events before copying it
    const ops = chunkOpLength(frame, start, end0);
    if (ops > TRACE_MAX_CHUNK_EVENTS) return chunkTooBig(ops, 'events');
  }
  if (inp.body.length < len + 16) inp.body = inp.alloc.u8(Math.max(len + 16, Math.min(inp.body.length * 2, TRACE_MAX_FRAME + 16)));
  const buf = inp.body;
  buf.set(frame.subarray(start, end0));
  chunkMeta.firstEvent = 0;
  const err = decodeFields(buf, len, inp, defer);
  if (err !== null) return traceMaterialize(inp) ?? err;
  // Copied into an owned array: the JavaScript passes (the unchecked fast pass, the general pass)
  // measured slower indexing a view deep inside the body than a small array of our own (the fused
  // kernel would read either).
  const n = gOpEnd - gOpStart;
  if (inp.opsOwn.length < n) inp.opsOwn = inp.alloc.u8(Math.max(n, inp.opsOwn.length * 2));
  inp.opsOwn.set(buf.subarray(gOpStart, gOpEnd));
  inp.ops = inp.opsOwn.subarray(0, n);
  inp.n = n;
  return null;
}

/**
 * Decodes the deferred id/size columns (in wire order) into the input arrays; returns the first
 * error detail or null. No-op unless inp.deferred.
 */
export function traceMaterialize(inp: TraceInput): string | null {
  if (!inp.deferred) return null;
  inp.deferred = false;
  const buf = inp.body;
  for (let k = 0; k < 2; k++) {
    const ids = (k === 0) === inp.idFirst;
    if (ids) {
      if (inp.hasIds) {
        const r = decodeU32Field(buf, inp.idS, inp.idE, inp, 5);
        if (r !== null) return r;
      }
    } else if (inp.hasSizes) {
      const r = decodeSizeField(buf, inp.szS, inp.szE, inp);
      if (r !== null) return r;
    }
  }
  return null;
}

let gOpStart = 0, gOpEnd = 0;

/** The field walk of traceDecodeChunk over buf[0..end); op column range in gOpStart/gOpEnd. */
function decodeFields(buf: Uint8Array, end: number, inp: TraceInput, defer: boolean): string | null {
  let p = 0;
  gOpStart = gOpEnd = 0;
  while (p < end) {
    const tag = varintRead(buf, p, end, 10, cur);
    if (tag < 0) return 'bad field tag varint';
    p = cur.end;
    const field = Math.floor(tag / 8), wt = tag & 7;
    let s = p, e = p; // payload range for packed/len fields
    if (wt === 2) {
      const len = varintRead(buf, p, end, 10, cur);
      if (len < 0) return `bad length varint in field ${field}`;
      s = cur.end;
      e = s + len;
      if (e > end) return `field ${field} overruns the chunk (${len} bytes, ${end - s} left)`;
      p = e;
    } else if (wt === 0) {
      const v = varintRead(buf, p, end, 10, cur);
      if (v < 0) return `bad varint in field ${field}`;
      e = cur.end;
      p = e;
      if (field === 1) { chunkMeta.firstEvent = v; continue; }
    } else if (wt === 1) {
      p += 8;
      if (p > end) return `field ${field} overruns the chunk`;
    } else if (wt === 5) {
      p += 4;
      if (p > end) return `field ${field} overruns the chunk`;
    } else {
      return `unsupported wire type ${wt} in field ${field}`;
    }
    const packable = wt === 2 || wt === 0;
    if (defer && (field === 5 || field === 6) && packable) {
      // first packed occurrence: only located; anything else: decode all columns from here on
      if (wt === 2 && (field === 5 ? !inp.hasIds : !inp.hasSizes)) {
        if (field === 5) {
          inp.hasIds = true;
          inp.idS = s;
          inp.idE = e;
          inp.idFirst = !inp.hasSizes;
        } else {
          inp.hasSizes = true;
          inp.szS = s;
          inp.szE = e;
        }
        inp.deferred = true;
        continue;
      }
      const d = traceMaterialize(inp);
      if (d !== null) return d;
      defer = false;
    }
    switch (field) {
      case 1:
        if (wt !== 0) return 'first_event has the wrong wire type';
        break;
      case 2:
        if (wt !== 2) return 'op has the wrong wire type';
        if (e - s > TRACE_MAX_CHUNK_EVENTS) return chunkTooBig(e - s, 'events');
        gOpStart = s;
        gOpEnd = e;
        break;
      case 3: case 4: case 5: case 7: case 10: case 11: {
        if (!packable) return `field ${field} has the wrong wire type`;
        const r = decodeU32Field(buf, s, e, inp, field);
        if (r !== null) return r;
        break;
      }
      case 6: {
        if (!packable) return 'size has the wrong wire type';
        const r = decodeSizeField(buf, s, e, inp);
        if (r !== null) return r;
        break;
      }
      case 8:
        if (wt !== 2) return 'mark has the wrong wire type';
        if (inp.marks.length >= TRACE_MAX_CHUNK_EVENTS) return chunkTooBig(inp.marks.length + 1, 'mark names');
        inp.marks.push(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8'));
        break;
      case 9: {
        if (!packable) return 'time_delta has the wrong wire type';
        const c = varintCount(buf, s, e);
        if (c < 0) return 'bad varint in the time_delta column';
        inp.nTime += c;
        break;
      }
      default:
        break; // unknown field: skipped
    }
  }
  if (p !== end) return 'last field overruns the chunk';
  return null;
}

/**
 * Cold: checks the first bytes buf[p..end) of a big TraceRecord frame (before it is read whole): a
 * chunk whose op field (events) is over TRACE_MAX_CHUNK_EVENTS gives the error detail, else null.
 */
export function traceChunkPrecheck(buf: Uint8Array, p: number, end: number): string | null {
  if (p >= end || buf[p] !== 0x12 /* TraceRecord.chunk */) return null;
  if (varintRead(buf, p + 1, end, 10, cur) < 0) return null;
  const ops = chunkOpLength(buf, cur.end, end);
  return ops > TRACE_MAX_CHUNK_EVENTS ? chunkTooBig(ops, 'events') : null;
}

/** Cold: the length of the first op field, from the field headers only; 0 if none (or bad bytes first). */
function chunkOpLength(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const tag = varintRead(buf, p, end, 10, cur);
    if (tag < 0) return 0;
    p = cur.end;
    const wt = tag & 7;
    if (wt === 2) {
      const len = varintRead(buf, p, end, 10, cur);
      if (len < 0) return 0;
      if (tag === 0x12) return len;
      p = cur.end + len;
    } else if (wt === 0) {
      if (varintRead(buf, p, end, 10, cur) < 0) return 0;
      p = cur.end;
    } else if (wt === 1 || wt === 5) {
      p += wt === 1 ? 8 : 4;
    } else {
      return 0;
    }
  }
  return 0;
}

/** Cold: the detail of a chunk over TRACE_MAX_CHUNK_EVENTS. */
function chunkTooBig(n: number, what: string): string {
  return `chunk has ${n} ${what}, more than the limit of ${TRACE_MAX_CHUNK_EVENTS} per chunk (TRACE_MAX_CHUNK_EVENTS)`;
}

/**
 * Room a column needs after `have` values for the varints in buf[s..e): have + the byte length while
 * that is within TRACE_MAX_CHUNK_EVENTS, else have + the varints counted (+1 for a cut last one, which
 * the decoder reports); -1 when the values themselves exceed the limit.
 */
function columnRoom(buf: Uint8Array, s: number, e: number, have: number): number {
  if (have + (e - s) <= TRACE_MAX_CHUNK_EVENTS) return have + (e - s);
  let c = 0;
  for (let i = s; i < e; i++) if (buf[i]! < 128) c++;
  return have + c > TRACE_MAX_CHUNK_EVENTS ? -1 : have + c + 1;
}

/**
 * Size column: into sizes32 while every value fits 32 bits (inp.narrow), else as doubles (the bytes
 * are decoded again by the uint64 decoder, which alone decides whether they are bad). Null or the error.
 */
function decodeSizeField(buf: Uint8Array, s: number, e: number, inp: TraceInput): string | null {
  const room = columnRoom(buf, s, e, inp.nSizes);
  if (room < 0) return chunkTooBig(inp.nSizes + (e - s), 'values in the size column');
  if (inp.nSizes === 0 || inp.narrow) {
    inp.sizes32 = growU32(inp.sizes32, inp.nSizes, room, inp.alloc);
    const n = varintDecodePackedU32(buf, s, e, inp.sizes32, inp.nSizes);
    if (n >= 0) {
      inp.nSizes = n;
      inp.narrow = true;
      return null;
    }
    if (inp.narrow) inp.widen();
  }
  inp.sizesF64 = growF64(inp.sizesF64, inp.nSizes, room);
  const n = varintDecodePackedU64(buf, s, e, inp.sizesF64, inp.nSizes);
  if (n < 0) return 'bad varint in the size column';
  inp.nSizes = n;
  return null;
}

const COLUMN_NAMES = ['', '', '', 'tid_run_value', 'tid_run_length', 'id', '', 'align', '', '', 'thread_target', 'stack'];

/** A packed uint32 column (fields 3, 4, 5, 7, 10, 11) appended to its TraceInput array. */
function decodeU32Field(buf: Uint8Array, s: number, e: number, inp: TraceInput, field: number): string | null {
  const have = field === 3 ? inp.nRunV : field === 4 ? inp.nRunL : field === 5 ? inp.nIds : field === 7 ? inp.nAligns
    : field === 10 ? inp.nTargets : inp.nStackIds;
  const room = columnRoom(buf, s, e, have);
  if (room < 0) return chunkTooBig(have + (e - s), `values in the ${COLUMN_NAMES[field]} column`);
  const col = field === 3 ? inp.runV : field === 4 ? inp.runL : field === 5 ? inp.ids : field === 7 ? inp.aligns
    : field === 10 ? inp.targets : inp.stackIds;
  const out = growU32(col, have, room, inp.alloc);
  const n = varintDecodePackedU32(buf, s, e, out, have);
  decodeU32Set(inp, field, out, n < 0 ? have : n);
  return n < 0 ? `bad varint in the ${COLUMN_NAMES[field]} column` : null;
}

/** The column array of field and its count, after decodeU32Field. */
function decodeU32Set(inp: TraceInput, field: number, out: Uint32Array, n: number): void {
  switch (field) {
    case 3: inp.runV = out; inp.nRunV = n; break;
    case 4: inp.runL = out; inp.nRunL = n; break;
    case 5: inp.ids = out; inp.nIds = n; break;
    case 7: inp.aligns = out; inp.nAligns = n; break;
    case 10: inp.targets = out; inp.nTargets = n; break;
    default: inp.stackIds = out; inp.nStackIds = n; break;
  }
}
