// The trace digest: a cheap 64-bit hash over every event's (op, tid, id, size, aux) in order, as two
// 32-bit lanes (one Math.imul + rotate each per event). Mark events hash their name (markNameHash)
// in place of aux; thread_join / thread_detach hash their target thread as aux. Op bits 0..2 enter
// at bit 29 of the tid word and op bit 3 at bit 28, so ops 0..7 hash as in format version 1 (whose
// digests do not change). Each step is a bijection of the lane state, so changing one event's lane
// input (lane 1: id ^ rotl16(tid word); lane 2: low size ^ rotl16(aux ^ high size)) always changes the
// final digest; different events can share lane inputs (sizes 2^32 and 2^16 with aux 0 do).
// The step is digestStepH1 + digestStepH2 over the words digestTidWordRot / digestAuxWord, the only
// definition: hot loops (encoder, validating passes) call them on locals and V8 inlines them. The
// lanes take int32 words only (size | 0, not the size): a shared function's type feedback is shared,
// and doubles from one caller would make the inlined step slower in all (measured: the fused pass).
export const DIGEST_H1_INIT = 0x736c6162;
export const DIGEST_H2_INIT = 0x74726163;

export class TraceDigest {
  h1 = DIGEST_H1_INIT;
  h2 = DIGEST_H2_INIT;

  /** One event; aux: memalign alignment, markNameHash(name) for mark, join/detach target, else 0. */
  step(op: number, tid: number, id: number, size: number, aux: number): void {
    this.h1 = digestStepH1(this.h1, id, digestTidWordRot(op, tid));
    this.h2 = digestStepH2(this.h2, size | 0, digestAuxWord(aux, size));
  }

  hex(): string {
    return digestHex(this.h1, this.h2);
  }
}

/**
 * The digest step's first lane: h1 mixed with the event's id and its tid word rotated left by 16
 * (digestTidWordRot).
 */
export function digestStepH1(h1: number, id: number, tidWordRot: number): number {
  const h = Math.imul(h1 ^ id ^ tidWordRot, 0xcc9e2d51);
  return (h << 13) | (h >>> 19);
}

/** The second lane: h2 mixed with the size's low 32 bits (size | 0) and the aux word (digestAuxWord). */
export function digestStepH2(h2: number, sizeLow: number, auxWord: number): number {
  const h = Math.imul(h2 ^ sizeLow ^ ((auxWord << 16) | (auxWord >>> 16)), 0x85ebca6b);
  return (h << 15) | (h >>> 17);
}

/**
 * The tid word (tid, op bits 0..2 at bit 29, op bit 3 at bit 28) rotated left by 16. For ops below 8
 * it equals digestTidWordRot(0, tid) ^ (op << 13): a pass can rotate a run's tid once.
 */
export function digestTidWordRot(op: number, tid: number): number {
  const x = tid ^ ((op & 7) << 29) ^ ((op >> 3) << 28);
  return (x << 16) | (x >>> 16);
}

/** The aux word: aux with the size's high 32 bits (0 below 2^32). */
export function digestAuxWord(aux: number, size: number): number {
  return aux ^ (size > 4294967295 ? (size / 4294967296) >>> 0 : 0);
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
