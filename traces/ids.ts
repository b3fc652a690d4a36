// The shared object-id rule: an alloc takes the most recently released id (LIFO), else the next
// never-used id. Invariants: ids < next are either live (live[id]=1) or on the stack (live[id]=0);
// top <= next <= capacity of both arrays, so a push never overflows. Memory ~ peak live objects.
export class TraceIds {
  stack: Uint32Array;
  live: Uint8Array;
  top = 0;
  next = 0;

  constructor(capacity = 1024) {
    this.stack = new Uint32Array(capacity);
    this.live = new Uint8Array(capacity);
  }

  /** Id the next alloc will take. */
  peek(): number {
    return this.top > 0 ? this.stack[this.top - 1]! : this.next;
  }

  take(): number {
    if (this.top > 0) {
      const id = this.stack[--this.top]!;
      this.live[id] = 1;
      return id;
    }
    const id = this.next++;
    if (id >= this.live.length) this.grow(id + 1);
    this.live[id] = 1;
    return id;
  }

  /** Caller checked isLive(id). */
  release(id: number): void {
    this.live[id] = 0;
    this.stack[this.top++] = id;
  }

  isLive(id: number): boolean {
    return id < this.next && this.live[id] === 1;
  }

  grow(minCapacity: number): void {
    let cap = this.live.length * 2;
    while (cap < minCapacity) cap *= 2;
    const stack = new Uint32Array(cap);
    stack.set(this.stack.subarray(0, this.top));
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.stack = stack;
    this.live = live;
  }
}
