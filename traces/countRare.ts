// Counting the rare ops of a chunk's op column (every op but alloc and free), for the per-op counts
// of a read (TraceReadState.countOps): allocs and frees are derived per chunk from the column
// lengths (countChunk), so only the rare ones need a pass. Hot loop: no allocation but one typed-array
// view per call, rare branch warmed up at module load.
/**
 * Counts the ops >= 2 of ops[from..to) into c: four at a time, a word of allocs and frees only
 * (every byte 0 or 1, most words) being skipped whole; allocs and frees are derived per chunk
 * (countChunk). Warmed up at module load: its rare branch must have type feedback before the first
 * optimized run, or it deoptimizes there and runs slowly for a long while.
 */
export function traceCountRare(c: Float64Array, ops: Uint8Array, from: number, to: number): void {
  let k = from;
  while (k < to && ((ops.byteOffset + k) & 3) !== 0) {
    const op = ops[k++]!;
    if (op > 1) c[op]!++;
  }
  const words = (to - k) >> 2;
  if (words > 0) {
    const w = new Uint32Array(ops.buffer, ops.byteOffset + k, words);
    for (let q = 0; q < words; q++) {
      if ((w[q]! & 0xfefefefe) === 0) continue;
      for (let at = k + 4 * q, e = at + 4; at < e; at++) {
        const op = ops[at]!;
        if (op > 1) c[op]!++;
      }
    }
    k += 4 * words;
  }
  while (k < to) {
    const op = ops[k++]!;
    if (op > 1) c[op]!++;
  }
}

function traceCountRareWarmUp(): void {
  const c = new Float64Array(256), ops = new Uint8Array(64);
  for (let i = 0; i < 64; i++) ops[i] = i % 11 === 0 ? 2 + (i % 8) : i & 1;
  for (let k = 0; k < 200; k++) traceCountRare(c, ops, k % 3, 64 - (k % 5));
}
traceCountRareWarmUp();
