// Typed arrays indexed by dense ids or thread ids that grow by doubling: memory stays bounded by the
// largest index seen (peak live objects, threads), never by trace length.

export function growU32(a: Uint32Array<ArrayBuffer>, needed: number): Uint32Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const b = new Uint32Array(Math.max(needed, a.length * 2, 1024));
  b.set(a);
  return b;
}

export function growF64(a: Float64Array<ArrayBuffer>, needed: number): Float64Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const b = new Float64Array(Math.max(needed, a.length * 2, 1024));
  b.set(a);
  return b;
}

export function growU8(a: Uint8Array<ArrayBuffer>, needed: number): Uint8Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const b = new Uint8Array(Math.max(needed, a.length * 2, 1024));
  b.set(a);
  return b;
}
