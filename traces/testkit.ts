// Seeded event generators shared by the traces tests (not part of the public API): a Larson-like
// pattern (threads in quanta, free a random live id then alloc 8..127 B) with optional other ops.
import type { TraceWriter } from './types.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes about `events` events; mixed adds calloc/memalign/realloc/marks/thread restarts. */
export async function writeLarsonLike(w: TraceWriter, events: number, seed: number, mixed = false, live = 4096): Promise<void> {
  const rnd = mulberry32(seed);
  const threads = 4;
  for (let t = 1; t <= threads; t++) w.threadStart(t);
  const slots = new Uint32Array(live);
  for (let i = 0; i < live; i++) slots[i] = w.alloc(0, 8 + ((rnd() * 120) | 0));
  let t = 1, quantum = 0, gen = 0;
  while (w.events < events) {
    if (quantum-- <= 0) {
      t = 1 + ((rnd() * threads) | 0);
      quantum = 64 + ((rnd() * 512) | 0);
      if (mixed && rnd() < 0.05) {
        w.threadExit(t);
        w.threadStart(t);
        w.mark(t, `gen-${gen++}`);
      }
    }
    const v = (rnd() * live) | 0;
    const size = 8 + ((rnd() * 120) | 0);
    if (mixed) {
      const k = rnd();
      if (k < 0.05) { slots[v] = w.realloc(t, slots[v]!, size * 3); continue; }
      w.free(t, slots[v]!);
      if (k < 0.1) slots[v] = w.calloc(t, size);
      else if (k < 0.15) slots[v] = w.memalign(t, 1 << ((rnd() * 12) | 0), size);
      else if (k < 0.16) slots[v] = w.alloc(t, 2 ** 33 + size); // a big size (uint64 path)
      else slots[v] = w.alloc(t, size);
    } else {
      w.free(t, slots[v]!);
      slots[v] = w.alloc(t, size);
    }
    if (w.needsDrain) await w.drain();
  }
}
