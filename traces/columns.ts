// Writer-side event columns for one chunk: one entry per event in op/tid/id/size/aux (aux = alignment
// for memalign, index into marks for mark, target thread for thread_join / thread_detach), and stack
// (a trace with stacks: the stack id of alloc kinds and realloc, else 0; allocated only then).
// Invariant: n <= capacity; marks.length = number of marks.
export class TraceColumns {
  readonly capacity: number;
  readonly op: Uint8Array;
  readonly tid: Uint32Array;
  readonly id: Uint32Array;
  readonly size: Float64Array;
  readonly aux: Uint32Array;
  readonly stack: Uint32Array;
  marks: string[] = [];
  n = 0;

  constructor(capacity: number, stacks = false) {
    this.capacity = capacity;
    this.op = new Uint8Array(capacity);
    this.tid = new Uint32Array(capacity);
    this.id = new Uint32Array(capacity);
    this.size = new Float64Array(capacity);
    this.aux = new Uint32Array(capacity);
    this.stack = new Uint32Array(stacks ? capacity : 0);
  }

  reset(): void {
    this.n = 0;
    this.marks = [];
  }
}
