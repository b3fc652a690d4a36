// The shared object-id rule: an alloc takes the most recently released id (LIFO), else the next
// never-used id. Invariants: ids < next are either live (live[id] != 0) or on the stack (live[id] =
// 0); top <= next <= capacity of both arrays, so a push never overflows; live objects = next - top.
// live[id] is also the live object's size (sizes are >= 1), so the live bytes (writer footer, reader
// footer check) cost no second array access: a size below TRACE_IDS_BIG is stored as is, a bigger one
// (up to 2^40, rare) as TRACE_IDS_BIG with the size in `big`. A Uint32Array: the reader's passes ran
// measurably slower over a Float64Array. Memory ~ peak live objects (a validating reader grows the
// table ahead by one chunk's events: applyFused.ts). The arrays come from `alloc` (a reader's arena:
// the fused kernel reads and writes them in place).
import { heapAlloc, type TraceAlloc } from './arena.js';

export const TRACE_IDS_BIG = 0xffffffff;

export class TraceIds {
  stack: Uint32Array;
  /** Size of the live object of each id (TRACE_IDS_BIG: see big); 0: not live. */
  live: Uint32Array;
  /** Sizes >= TRACE_IDS_BIG of live objects, by id. */
  big = new Map<number, number>();
  top = 0;
  next = 0;

  constructor(capacity = 1024, private readonly alloc: TraceAlloc = heapAlloc) {
    this.stack = alloc.u32(capacity);
    this.live = alloc.u32(capacity);
  }

  /** Id the next alloc will take. */
  peek(): number {
    return this.top > 0 ? this.stack[this.top - 1]! : this.next;
  }

  /** An alloc of size (>= 1): its id. */
  take(size: number): number {
    let id: number;
    if (this.top > 0) id = this.stack[--this.top]!;
    else {
      id = this.next++;
      if (id >= this.live.length) this.grow(id + 1);
    }
    this.setSize(id, size);
    return id;
  }

  /** Caller checked isLive(id). */
  release(id: number): void {
    if (this.live[id] === TRACE_IDS_BIG) this.big.delete(id);
    this.live[id] = 0;
    this.stack[this.top++] = id;
  }

  isLive(id: number): boolean {
    return id < this.next && this.live[id] !== 0;
  }

  /** The live object's size (0: not live). */
  sizeOf(id: number): number {
    const v = this.live[id]!;
    return v === TRACE_IDS_BIG ? this.big.get(id)! : v;
  }

  /** Sets the size of live id (>= 1). */
  setSize(id: number, size: number): void {
    if (this.live[id] === TRACE_IDS_BIG) this.big.delete(id);
    if (size < TRACE_IDS_BIG) this.live[id] = size;
    else {
      this.live[id] = TRACE_IDS_BIG;
      this.big.set(id, size);
    }
  }

  grow(minCapacity: number): void {
    let cap = this.live.length * 2;
    while (cap < minCapacity) cap *= 2;
    const stack = this.alloc.u32(cap);
    stack.set(this.stack.subarray(0, this.top));
    const live = this.alloc.u32(cap);
    live.set(this.live);
    this.stack = stack;
    this.live = live;
  }
}
