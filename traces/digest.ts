// The trace digest: a cheap 64-bit hash over every event's (op, tid, id, size, aux) in order, as two
// 32-bit lanes (one Math.imul + rotate each per event). Mark events hash their name (markNameHash)
// in place of aux; thread_join / thread_detach hash their target thread as aux. Op bits 0..2 enter
// at bit 29 of the tid word and op bit 3 at bit 28, so ops 0..7 hash as in format version 1 (whose
// digests do not change). Each step is a bijection of the lane state, so changing any single event's
// lane input always changes the final digest.
// Hot loops inline the same step (see traceDigestStep); keep them identical.
export const DIGEST_H1_INIT = 0x736c6162;
export const DIGEST_H2_INIT = 0x74726163;

export class TraceDigest {
  h1 = DIGEST_H1_INIT;
  h2 = DIGEST_H2_INIT;

  /** One event; aux: memalign alignment, markNameHash(name) for mark, join/detach target, else 0. */
  step(op: number, tid: number, id: number, size: number, aux: number): void {
    let h1 = this.h1;
    let h2 = this.h2;
    const x = tid ^ ((op & 7) << 29) ^ ((op >> 3) << 28);
    const y = aux ^ (size > 4294967295 ? (size / 4294967296) >>> 0 : 0);
    h1 = Math.imul(h1 ^ id ^ ((x << 16) | (x >>> 16)), 0xcc9e2d51);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = Math.imul(h2 ^ (size >>> 0) ^ ((y << 16) | (y >>> 16)), 0x85ebca6b);
    h2 = (h2 << 15) | (h2 >>> 17);
    this.h1 = h1;
    this.h2 = h2;
  }

  hex(): string {
    return digestHex(this.h1, this.h2);
  }
}

export function digestHex(h1: number, h2: number): string {
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** FNV-1a over the UTF-16 code units of a mark name. */
export function markNameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
