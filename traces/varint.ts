// Protobuf varints, the one place in TypeScript that reads and writes them (by hand, over
// Uint8Arrays; the fused kernel, traces/kernel/fused.ts, unpacks the id and size columns itself, in
// WebAssembly). Writing: canonical, minimal-length encodings; callers guarantee room (5 bytes for a
// uint32, 10 for a uint64). Reading: varintRead (one value of up to a caller's limit of bytes) returns
// the value or a negative code and leaves the position after the varint in the caller's VarintCursor
// (no module state between callers); the packed column decoders (varintDecodePackedU32/U64) append a
// whole column to a typed array; varintCount counts them. Only varintRead and varintCount stop at
// `end`: the others may read a few bytes past it (the buffers keep 16 spare bytes there) and their
// callers check the position against it.

/** Writes v (uint32) at pos; returns the new pos. */
export function varintPut32(buf: Uint8Array, pos: number, v: number): number {
  while (v > 127) {
    buf[pos++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes a non-negative integer < 2^64 (exact below 2^53); returns the new pos. */
export function varintPut64(buf: Uint8Array, pos: number, v: number): number {
  if (v <= 0xffffffff) return varintPut32(buf, pos, v >>> 0);
  while (v > 127) {
    buf[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

export function varintSize32(v: number): number {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : v < 268435456 ? 4 : 5;
}

export function varintSize64(v: number): number {
  let n = 1;
  while (v > 127) { v = Math.floor(v / 128); n++; }
  return n;
}

/** A non-negative integer < 2^53 as varint bytes (cold paths: frames and fixtures built by hand). */
export function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v > 127) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Where a varint read stopped (the byte after the varint): the caller's own, passed to the readers. */
export class VarintCursor {
  end = 0;
}

/** varintRead: the bytes ran out before the varint's last byte. */
export const VARINT_CUT = -1;
/** varintRead: longer than the caller's limit of bytes. */
export const VARINT_LONG = -2;

/**
 * One varint at p of at most maxBytes (<= 10) bytes before end, as a double (exact below 2^53); sets
 * cur.end. VARINT_CUT when end comes first, VARINT_LONG when it is longer than maxBytes.
 */
export function varintRead(buf: Uint8Array, p: number, end: number, maxBytes: number, cur: VarintCursor): number {
  let v = 0, mul = 1;
  for (let k = 0; k < maxBytes; k++) {
    if (p >= end) return VARINT_CUT;
    const b = buf[p++]!;
    v += (b & 127) * mul;
    mul *= 128;
    if (b < 128) {
      cur.end = p;
      return v;
    }
  }
  return VARINT_LONG;
}

/** Number of varints in buf[p..end), -1 if the last one is cut. */
export function varintCount(buf: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let i = p; i < end; i++) if (buf[i]! < 128) n++;
  return end > p && buf[end - 1]! > 127 ? -1 : n;
}

/**
 * Packed uint32 values in buf[p..end) appended to out from n; returns new n or -1 (a cut varint, one
 * longer than 5 bytes or a value >= 2^32). out has room. One- and two-byte varints (most ids, sizes
 * and run values) take a branch-free path: the length depends only on bit 7 of the first byte.
 */
export function varintDecodePackedU32(buf: Uint8Array, p: number, end: number, out: Uint32Array, n: number): number {
  const end2 = end - 1;
  while (p < end2) {
    const b0 = buf[p]!, b1 = buf[p + 1]!;
    if ((b0 & b1) < 128) {
      const c = b0 >>> 7;
      out[n++] = (b0 & 127) | ((b1 << 7) & -c);
      p += 1 + c;
      continue;
    }
    let b = buf[p + 2]!;
    let v = (b0 & 127) | ((b1 & 127) << 7) | ((b & 127) << 14);
    p += 3;
    if (b > 127) {
      b = buf[p++]!;
      v |= (b & 127) << 21;
      if (b > 127) {
        b = buf[p++]!;
        if (b > 15) return -1;
        v = (v >>> 0) + b * 268435456;
      }
    }
    out[n++] = v;
  }
  // the loop stops with one byte left (a one-byte value, else cut), none, or past end (cut)
  if (p === end2) {
    const b = buf[p++]!;
    if (b > 127) return -1;
    out[n++] = b;
  }
  return p === end ? n : -1;
}

const packedCursor = new VarintCursor();

/** Packed uint64 values → doubles (exact below 2^53); returns new n or -1. out has room. */
export function varintDecodePackedU64(buf: Uint8Array, p: number, end: number, out: Float64Array, n: number): number {
  while (p < end) {
    let b = buf[p++]!;
    let v = b & 127;
    if (b > 127) {
      b = buf[p++]!;
      v |= (b & 127) << 7;
      if (b > 127) {
        b = buf[p++]!;
        v |= (b & 127) << 14;
        if (b > 127) {
          b = buf[p++]!;
          v |= (b & 127) << 21;
          if (b > 127) {
            // 5 bytes or more (cold): read again whole from its first byte
            v = varintRead(buf, p - 4, end, 10, packedCursor);
            if (v < 0) return -1;
            p = packedCursor.end;
          }
        }
      }
    }
    out[n++] = v;
  }
  return p === end ? n : -1;
}

/**
 * Runs the readers once over synthetic bytes at module load, covering every path (1- to 5-byte
 * varints in the main loop and in the tail, values >= 2^32, cut varints): otherwise the first optimized
 * code deoptimizes on each not-yet-seen path (e.g. the tail after a column's last two-byte varint).
 */
function varintWarmUp(): void {
  const cols = [
    [1, 0x80, 1, 0xff, 0x7f, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 0x80, 1, 5, 0x85, 1, 3],
    [0x80, 0x80, 0x80, 0x80, 0x20, 7, 0x80, 0x80, 0x80, 0x80, 0x80, 1],
    [0x85, 1], [0x85, 0x85, 1], [0x85, 0x85, 0x85, 1], [0x85, 0x85, 0x85, 0x85, 1], [9], [0x85], [0x85, 0x85, 0x85],
  ];
  const u32 = new Uint32Array(64), f64 = new Float64Array(64);
  for (let k = 0; k < 4; k++) {
    for (const c of cols) {
      const buf = new Uint8Array(c.length + 8);
      buf.set(c);
      varintDecodePackedU32(buf, 0, c.length, u32, 0);
      varintDecodePackedU64(buf, 0, c.length, f64, 0);
    }
  }
}
varintWarmUp();
