// The one reused EventBatch a reader yields: typed arrays grown only when a chunk is bigger than any
// before; entries 0..count-1 are valid until the next iteration.
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

  ensure(n: number): void {
    if (this.op.length >= n) return;
    this.op = new Uint8Array(n);
    this.tid = new Uint32Array(n);
    this.id = new Uint32Array(n);
    this.size = new Float64Array(n);
    this.aux = new Uint32Array(n);
  }

  ensureStacks(n: number): void {
    if (this.stack.length < n) this.stack = new Uint32Array(Math.max(n, this.op.length));
  }
}
