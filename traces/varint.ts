// Hand-written protobuf varint writing into Uint8Arrays (canonical, minimal-length encodings).
// Callers guarantee room: 5 bytes for a uint32, 10 for a uint64.

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
