// allocator/digest.ts — a deterministic hash of the allocator state: every Int32 word of the buffer
// from the header to the heap top (the buffer-size statistic excluded, so a caller-provided buffer of a
// different size digests the same). Two 32-bit multiply-xorshift lanes → 16 hex digits.
import { H_HEAP_TOP, S } from './layout.js';

export function digestBuffer(i32: Int32Array): string {
  const top = i32[H_HEAP_TOP]!;
  const skip = S.bufferBytes * 2;
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9e3779b9 | 0;
  for (let i = 0; i < top; i++) {
    const v = i === skip || i === skip + 1 ? 0 : i32[i]!;
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ v ^ (h2 >>> 15), 0x85ebca6b);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x7feb352d);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
