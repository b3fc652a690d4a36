// The reader's arena: one shared WebAssembly.Memory that holds every array the fused validating
// kernel (applyFused.ts, traces/kernel/) reads or writes — the chunk body, its op and run columns, the
// batch columns, the id table and the thread arrays — so the kernel works on them in place. Typed
// arrays are bump-allocated views, 8-byte aligned, never freed: a grown array (they grow by doubling)
// leaves its old storage behind, so the arena holds at most about twice what is live. The memory is
// shared so that growing it never detaches a view handed out earlier (a non-shared memory's buffer is
// replaced on growth). The ARENA_STATE_BYTES at stateAt (byte 0 of an arena's own memory) are the
// kernel's state block.
// When the memory cannot be created or grown (wasm32's 4 GiB, the engine's address-space budget), the
// arrays come from the JavaScript heap instead and `holds` is false for them: the kernel is skipped and
// the general pass applies those chunks. TraceAlloc is what the owners of such arrays take; heapAlloc
// is the plain one (writers, tests, JSON input).
// An arena can also be a region of a memory someone else made (inRegion: the replay's host gives the
// decode worker a part of the allocator's memory, so that the replay worker reads the batches in the
// memory its own kernel runs in): the state block is at the region's start, nothing is written outside
// it, and it never grows (full: heap arrays, as above).

/** Where a reader's arrays come from. */
export interface TraceAlloc {
  u8(n: number): Uint8Array;
  u32(n: number): Uint32Array;
  f64(n: number): Float64Array;
}

/** Plain typed arrays on the JavaScript heap. */
export const heapAlloc: TraceAlloc = {
  u8: (n) => new Uint8Array(n),
  u32: (n) => new Uint32Array(n),
  f64: (n) => new Float64Array(n),
};

export const ARENA_STATE_BYTES = 256;
const PAGE = 65536;
/** wasm32: 65,536 pages of 64 KiB. */
const ARENA_MAX_PAGES = 65536;
const ARENA_INITIAL_PAGES = 16;
/** A region smaller than this is not worth an arena (the state block, a batch set and some tables). */
const ARENA_REGION_MIN = 16 << 20;

/** A region of a shared memory made elsewhere, for TraceArena.inRegion (OpenTraceOptions.arena). */
export interface TraceArenaRegion {
  memory: WebAssembly.Memory;
  /** Byte offset of the region (8-aligned). */
  base: number;
  bytes: number;
}

export class TraceArena implements TraceAlloc {
  readonly memory: WebAssembly.Memory;
  /** Every buffer the memory has had (a shared memory's buffer object changes on growth). */
  private readonly buffers: ArrayBufferLike[] = [];
  private top: number;
  /** The region's end, or -1: the whole memory, grown as needed. */
  private readonly end: number;
  /** Byte offset of the state block (the kernel's argument). */
  readonly stateAt: number;
  /** The state block, as words and as doubles. */
  readonly state32: Int32Array;
  readonly state64: Float64Array;

  private constructor(memory: WebAssembly.Memory, base: number, end: number) {
    this.memory = memory;
    this.buffers.push(memory.buffer);
    this.stateAt = base;
    this.top = base + ARENA_STATE_BYTES;
    this.end = end;
    this.state32 = new Int32Array(memory.buffer, base, ARENA_STATE_BYTES >> 2);
    this.state64 = new Float64Array(memory.buffer, base, ARENA_STATE_BYTES >> 3);
  }

  /** A new arena, or null when the engine refuses the memory. */
  static create(): TraceArena | null {
    try {
      return new TraceArena(new WebAssembly.Memory({ initial: ARENA_INITIAL_PAGES, maximum: ARENA_MAX_PAGES, shared: true }), 0, -1);
    } catch {
      return null;
    }
  }

  /** An arena in [base, base + bytes) of an existing shared memory (never grown), or null when the
   *  memory is not shared or the region is not inside it or too small to be of use. */
  static inRegion(r: TraceArenaRegion): TraceArena | null {
    const end = r.base + r.bytes;
    if (!(r.memory.buffer instanceof SharedArrayBuffer) || r.base % 8 !== 0 || r.base < 0 || end > r.memory.buffer.byteLength || r.bytes < ARENA_REGION_MIN) return null;
    return new TraceArena(r.memory, r.base, end);
  }

  /** Whether view lies in this arena (so the kernel can reach it by its byteOffset). */
  holds(view: ArrayBufferView): boolean {
    const b = view.buffer, bs = this.buffers;
    for (let k = bs.length - 1; k >= 0; k--) if (bs[k] === b) return true;
    return false;
  }

  /** Byte offset of n bytes (8-aligned) in the memory, grown as needed; -1 when it cannot grow. */
  private take(bytes: number): number {
    const at = this.top, end = at + ((bytes + 7) & ~7);
    if (this.end >= 0) {
      if (end > this.end) return -1;
      this.top = end;
      return at;
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const want = Math.max(pages, Math.min(have / PAGE, ARENA_MAX_PAGES - have / PAGE));
      try {
        this.memory.grow(want);
      } catch {
        try {
          this.memory.grow(pages);
        } catch {
          return -1;
        }
      }
      this.buffers.push(this.memory.buffer);
    }
    this.top = end;
    return at;
  }

  u8(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(n) : new Uint8Array(this.memory.buffer, at, n);
  }

  u32(n: number): Uint32Array {
    const at = this.take(n * 4);
    return at < 0 ? new Uint32Array(n) : new Uint32Array(this.memory.buffer, at, n);
  }

  f64(n: number): Float64Array {
    const at = this.take(n * 8);
    return at < 0 ? new Float64Array(n) : new Float64Array(this.memory.buffer, at, n);
  }
}
