// The one reused EventBatch a reader yields: typed arrays grown only when a chunk is bigger than any
// before (from `alloc`: the reader's arena, where the fused kernel writes them); entries 0..count-1 are
// valid until the next iteration.
import { heapAlloc, type TraceAlloc } from './arena.js';
import type { EventBatch } from './types.js';

export class TraceBatch implements EventBatch {
  count = 0;
  first = 0;
  chunk = 0;
  byteOffset = 0;
  op: Uint8Array = new Uint8Array(0);
  tid: Uint32Array = new Uint32Array(0);
  id: Uint32Array = new Uint32Array(0);
  size: Float64Array = new Float64Array(0);
  aux: Uint32Array = new Uint32Array(0);
  /** Allocated (to the op column's length) only for a trace with stacks (ensureStacks). */
  stack: Uint32Array = new Uint32Array(0);
  markNames: string[] = [];

  constructor(private readonly alloc: TraceAlloc = heapAlloc) {}

  ensure(n: number): void {
    if (this.op.length >= n) return;
    // doubling: an arena never frees the old columns
    if (this.alloc !== heapAlloc) n = Math.max(n, this.op.length * 2);
    const a = this.alloc;
    this.op = a.u8(n);
    this.tid = a.u32(n);
    this.id = a.u32(n);
    this.size = a.f64(n);
    this.aux = a.u32(n);
  }

  ensureStacks(n: number): void {
    if (this.stack.length < n) this.stack = new Uint32Array(Math.max(n, this.op.length));
  }
}
