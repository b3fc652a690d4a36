// Reader-side decoded columns of one chunk (protobuf) or one batch of lines (JSON), before the id
// rule and validation are applied. Arrays grow only when a chunk is bigger than any before.
// ops may be a view into the frame buffer. xids/lineOff are set for JSON only. opLimit (ops of the
// stream's format version) is set once by the reader and survives reset().
// Arrays the fused kernel reads or writes (ops storage, body, runs, aligns, ids, sizes32) come from
// `alloc` (the reader's arena).
// Sizes: the protobuf decoder stores a chunk whose sizes all fit 32 bits in sizes32 (narrow = true);
// reading `sizes` then widens them into the Float64Array once (cold: only the general passes need it).
import { heapAlloc, type TraceAlloc } from './arena.js';

export class TraceInput {
  n = 0;
  ops: Uint8Array = new Uint8Array(0);
  /** Owned storage the protobuf decoder copies the op column into (ops = opsOwn, n entries valid). */
  opsOwn: Uint8Array;
  /** Owned copy of the protobuf chunk body being decoded (16 spare bytes at the end). */
  body: Uint8Array;
  /**
   * Deferred columns (validating protobuf reads): the id and size columns are left as varints in
   * body[idS..idE) / body[szS..szE) and decoded by the fused validating pass; nIds/nSizes are then
   * unknown until traceMaterialize (or that pass) sets them. idFirst: the id field came first.
   */
  deferred = false;
  idS = 0;
  idE = 0;
  szS = 0;
  szE = 0;
  hasIds = false;
  hasSizes = false;
  idFirst = false;
  runV: Uint32Array;
  runL: Uint32Array;
  nRunV = 0;
  nRunL = 0;
  ids: Uint32Array;
  nIds = 0;
  sizesF64: Float64Array = new Float64Array(1024);
  sizes32: Uint32Array;
  /** true: the nSizes sizes are in sizes32 only. */
  narrow = false;
  nSizes = 0;
  aligns: Uint32Array;
  nAligns = 0;
  /** thread_target column: one per thread_join / thread_detach (format version 2). */
  targets: Uint32Array = new Uint32Array(16);
  nTargets = 0;
  /** stack column (traces with stacks): one per alloc kind and realloc. */
  stackIds: Uint32Array = new Uint32Array(16);
  nStackIds = 0;
  /** Ops below this are known (OP_COUNT_V1 for a version-1 stream, OP_COUNT for version 2). */
  opLimit = 10;
  marks: string[] = [];
  nTime = 0;
  /** JSON: explicit id per event (alloc kinds: the id; realloc: newId). */
  xids: Uint32Array | null = null;
  /** JSON: stream offset of each event's line. */
  lineOff: Float64Array | null = null;

  constructor(readonly alloc: TraceAlloc = heapAlloc) {
    this.opsOwn = alloc.u8(0);
    this.body = alloc.u8(0);
    this.runV = alloc.u32(256);
    this.runL = alloc.u32(256);
    this.aligns = alloc.u32(16);
    this.ids = alloc.u32(1024);
    this.sizes32 = alloc.u32(1024);
  }

  /** The sizes as doubles (widens a narrow chunk first). */
  get sizes(): Float64Array {
    if (this.narrow) this.widen();
    return this.sizesF64;
  }

  set sizes(a: Float64Array) {
    this.sizesF64 = a;
    this.narrow = false;
  }

  /** Cold: copies sizes32[0..nSizes) into the Float64Array. */
  widen(): void {
    const n = this.nSizes;
    this.sizesF64 = growF64(this.sizesF64, 0, n);
    const a = this.sizesF64, b = this.sizes32;
    for (let k = 0; k < n; k++) a[k] = b[k]!;
    this.narrow = false;
  }

  reset(): void {
    this.n = 0;
    this.narrow = false;
    this.deferred = false;
    this.hasIds = false;
    this.hasSizes = false;
    this.idS = this.idE = this.szS = this.szE = 0;
    this.nRunV = 0;
    this.nRunL = 0;
    this.nIds = 0;
    this.nSizes = 0;
    this.nAligns = 0;
    this.nTargets = 0;
    this.nStackIds = 0;
    this.nTime = 0;
    if (this.marks.length) this.marks = [];
  }
}

export function growU32(a: Uint32Array, used: number, min: number, alloc: TraceAlloc = heapAlloc): Uint32Array {
  if (a.length >= min) return a;
  const b = alloc.u32(Math.max(min, a.length * 2));
  b.set(a.subarray(0, used));
  return b;
}

export function growF64(a: Float64Array, used: number, min: number): Float64Array {
  if (a.length >= min) return a;
  const b = new Float64Array(Math.max(min, a.length * 2));
  b.set(a.subarray(0, used));
  return b;
}
