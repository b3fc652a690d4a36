// allocator/kernel.ts — the replay's fast paths in WebAssembly (kernel/run.ts, built by `npm run build`
// into kernel/build/run.wasm): the memory they run in, its scratch part and the kernel's state block.
// The memory is one shared WebAssembly.Memory, created at its full size (never grown, so the
// SharedArrayBuffer handed to other threads stays whole; pages are only committed when touched):
// bytes [0, maxBytes) are the allocator's buffer (core.ts tracks how much of it is in use), bytes
// from `scratch` on are the kernel's — state block, layout check, class table, class info, then the
// loaded batch columns and the handle tables, bump-allocated (never freed: a grown table leaves its
// old storage, so the scratch holds at most about twice what is live). When the engine refuses the
// memory or the scratch is full, the caller falls back to the JavaScript paths: same effects, slower.
// The state block's slots (RK_*) mirror kernel/run.ts's K_* / D_*; the layout check hands it
// layout.ts's HOT values, so the compiled-in layout cannot drift from the one layout module.
// The memory can also be made by the caller, sized by runMemoryPlan with a spare region after the
// scratch (the replay gives it to the trace reader's arena): a batch whose columns are views of this
// memory is then used in place by load(), not copied.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as L from './layout.js';
import { HOT } from './layout.js';

/** State block word slots (kernel/run.ts K_*); doubles from byte 128 (RKD). */
export const enum RK {
  OP = 0, TID = 1, ID = 2, SIZE = 3, HANDLES = 4, NH = 5, FROM = 6, TO = 7,
  LUT = 8, INFO = 9, LIMD = 10, PTRD = 11, BS = 12, BM = 13, SSSTRIDE = 14, THRSTRIDE = 15,
  FLAGS = 16, SLABOFF = 17, SSOFF = 18, THROFF = 19, CTID = 20, CT = 21, SERIAL = 22, CTS = 23,
  TLSD = 24, REFILL = 25, SPS = 26, PGSHIFT = 27,
}
export const enum RKD { OPS = 16, MAXSMALL = 17, SSSIZE = 18 }
/** RK.FLAGS bits. */
export const enum RKF { RELEASE = 1, PERIODIC = 2, PARTIAL = 4, TLS = 8 }

const PAGE = 65536;
const STATE_BYTES = 256;
/** The scratch part: 1 GiB, or what wasm32's 4 GiB leave above the buffer; below 64 MiB, no kernel. */
const SCRATCH_MAX = 1 << 30;
const SCRATCH_MIN = 64 << 20;
const WASM32_BYTES = 2 ** 32;
/** A spare region smaller than this is not offered. A memory with a spare region is one page short
 *  of wasm32's 4 GiB (a byteLength of 2^32 reads as 0 in the `len >>> 2` of 32-bit view sizing), and
 *  the region keeps one more page off its end (no kernel address wraps around). */
const SPARE_MIN = 64 << 20;
const SPARE_SLACK = PAGE;
const SPARE_TOTAL = WASM32_BYTES - PAGE;

/** How a kernel memory is laid out for an allocator buffer of up to maxBytes (byte offsets). */
export interface RunMemoryPlan {
  /** The memory's size in 64 KiB pages (initial = maximum). */
  pages: number;
  /** Start and end of the kernel's scratch part (the buffer is [0, scratch)). */
  scratch: number;
  scratchEnd: number;
  /** With `spare`: a region after the scratch the kernel never touches, or null when there is no room. */
  spare: { base: number; bytes: number } | null;
}

/** The layout of a kernel memory (null: no room for the kernel's scratch); `spare` asks for the rest
 *  of wasm32's 4 GiB as a spare region. */
export function runMemoryPlan(maxBytes: number, spare = false): RunMemoryPlan | null {
  const buffer = Math.ceil(maxBytes / PAGE) * PAGE;
  const scratch = Math.min(SCRATCH_MAX, WASM32_BYTES - buffer);
  if (scratch < SCRATCH_MIN) return null;
  const scratchEnd = buffer + scratch;
  const room = SPARE_TOTAL - SPARE_SLACK - scratchEnd;
  const region = spare && room >= SPARE_MIN ? { base: scratchEnd, bytes: room } : null;
  const total = region ? SPARE_TOTAL : scratchEnd;
  return { pages: total / PAGE, scratch: buffer, scratchEnd, spare: region };
}

/** The values kernel/run.ts's layoutCheck compares with its own, in its order (Int32 words, then
 *  SS_BASE as a Float64 at the next 8-byte boundary). */
function runLayoutWords(c: RunKernelConfig): number[] {
  return [
    HOT.SL_SS, HOT.SL_CLASS, HOT.SL_FREE_TOP, HOT.SL_REMOTE, HOT.SL_USED, HOT.SL_OWNER, HOT.SL_TLS,
    HOT.SL_LIST, HOT.SL_STACK, HOT.SL_OWNER_SLOT, HOT.SLAB_STRIDE,
    HOT.SS_OWNER, HOT.SS_OWNER_SLOT, HOT.SS_ACTIVE, HOT.T_SERIAL,
    HOT.CLASS_STATS_F64, HOT.CLASS_STRIDE, HOT.CS_ALLOC, HOT.CS_FREED, HOT.S_NEXT_TRIM_AT,
    c.ciStride,
    HOT.SL_CAP, HOT.SL_CARVED, L.SS_RES_PAGES, HOT.SS_SLABS, L.S.rss, L.S.peakRss, c.ciMagCap, c.ciSize,
  ];
}

/** What the fast paths need of the allocator's configuration (fixed for its life): written into the
 *  state block once. */
export interface RunKernelConfig {
  lut: Uint8Array;
  info: Int32Array;
  /** Words per class in `info`, and the words of a class's magazine capacity and block size in it
   *  (core.ts CI.STRIDE, CI.MAGCAP, CI.SIZE; the kernel's copies are checked against them). */
  ciStride: number;
  ciMagCap: number;
  ciSize: number;
  magLimDelta: number;
  magPtrDelta: number;
  blockShift: number;
  blockMask: number;
  ssStride: number;
  thrStride: number;
  /** RKF bits */
  flags: number;
  maxSmall: number;
  /** Word distance from a thread's magazine top of class c to its TLS slab of class c. */
  tlsDelta: number;
  refillBatch: number;
  slabsPerSS: number;
  pageShift: number;
  ssSize: number;
}

/** Parameters of each export of kernel/run.ts, as this file calls them. */
const RUN_ARITY: Readonly<Record<string, number>> = { layoutCheck: 1, runFast: 1, slabFill: 8, magReturnRun: 8 };

let compiled: WebAssembly.Module | null = null;

/** The compiled kernel `name` (allocator/kernel/build/<name>.wasm), from dist/allocator/ or a bundle in dist/<folder>/. */
export function kernelWasmPath(name: string): string {
  const candidates = [`./kernel/build/${name}.wasm`, `../../allocator/kernel/build/${name}.wasm`];
  for (const c of candidates) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`slabtrace: allocator/kernel/build/${name}.wasm not found near ${import.meta.url} (npm run build makes it)`);
}

export class RunKernel {
  /** The memory (for other kernels over the same allocator, e.g. vmaKernel.ts). */
  readonly memory: WebAssembly.Memory;
  /** The allocator's buffer: the whole memory (its first maxBytes are the allocator's). */
  readonly buffer: SharedArrayBuffer;
  readonly state32: Int32Array;
  readonly state64: Float64Array;
  readonly runFast: (state: number) => number;
  /** slab.ts's slabTake loops (kernel/run.ts slabFill): the new magazine top. */
  readonly slabFill: (mb: number, top: number, h0: number, st: number, free: number, n1: number, carved: number, n2: number) => number;
  /** magazine.ts's magReturn loop (kernel/run.ts magReturnRun): -1, or where the host finishes a block. */
  readonly magReturnRun: (mb: number, from: number, n: number, shift: number, mask: number, slabOff: number, ssOff: number, ssStride: number) => number;
  /** Byte offset of the state block (the scratch's start). */
  readonly state: number;
  private top: number;
  private readonly end: number;
  /** The loaded batch's columns: the scratch copies, or views of this memory used in place. */
  op: Uint8Array = new Uint8Array(0);
  tid: Uint32Array = new Uint32Array(0);
  id: Uint32Array = new Uint32Array(0);
  size: Float64Array = new Float64Array(0);
  /** The scratch columns batches are copied into (capacity: their length). */
  private sOp: Uint8Array = new Uint8Array(0);
  private sTid: Uint32Array = new Uint32Array(0);
  private sId: Uint32Array = new Uint32Array(0);
  private sSize: Float64Array = new Float64Array(0);

  private constructor(memory: WebAssembly.Memory, scratch: number, scratchEnd: number, c: RunKernelConfig) {
    this.memory = memory;
    this.buffer = memory.buffer as SharedArrayBuffer;
    this.end = scratchEnd;
    this.state = scratch;
    this.top = scratch + STATE_BYTES;
    this.state32 = new Int32Array(this.buffer, scratch, STATE_BYTES >> 2);
    this.state64 = new Float64Array(this.buffer, scratch, STATE_BYTES >> 3);
    compiled ??= new WebAssembly.Module(readFileSync(kernelWasmPath('run')));
    const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
    const words = runLayoutWords(c);
    const check = this.take(words.length * 4 + 16);
    new Int32Array(this.buffer, check, words.length).set(words);
    new Float64Array(this.buffer, check + ((words.length * 4 + 7) & ~7), 1)[0] = HOT.SS_BASE;
    // the bulk moves' arguments are positional: a build whose exports take other counts is refused too
    const arity = Object.entries(RUN_ARITY).find(([name, n]) => (exports[name] as ((...a: number[]) => number) | undefined)?.length !== n);
    if (arity !== undefined || (exports.layoutCheck as (p: number) => number)(check) !== 1) {
      throw new Error(`slabtrace: allocator/kernel/run.ts does not match ${arity ? `kernel.ts (${arity[0]})` : 'layout.ts'} (rebuild: npm run build)`);
    }
    this.runFast = exports.runFast as (state: number) => number;
    this.slabFill = exports.slabFill as RunKernel['slabFill'];
    this.magReturnRun = exports.magReturnRun as RunKernel['magReturnRun'];
    this.configure(c);
  }

  private configure(c: RunKernelConfig): void {
    const s = this.state32;
    const lutAt = this.take(c.lut.length), infoAt = this.take(c.info.length * 4);
    new Uint8Array(this.buffer, lutAt, c.lut.length).set(c.lut);
    new Int32Array(this.buffer, infoAt, c.info.length).set(c.info);
    s[RK.LUT] = lutAt;
    s[RK.INFO] = infoAt;
    s[RK.LIMD] = c.magLimDelta;
    s[RK.PTRD] = c.magPtrDelta;
    s[RK.BS] = c.blockShift;
    s[RK.BM] = c.blockMask;
    s[RK.SSSTRIDE] = c.ssStride;
    s[RK.THRSTRIDE] = c.thrStride;
    s[RK.FLAGS] = c.flags;
    s[RK.TLSD] = c.tlsDelta;
    s[RK.REFILL] = c.refillBatch;
    s[RK.SPS] = c.slabsPerSS;
    s[RK.PGSHIFT] = c.pageShift;
    this.state64[RKD.MAXSMALL] = c.maxSmall;
    this.state64[RKD.SSSIZE] = c.ssSize;
  }

  /** A kernel whose memory holds an allocator buffer of up to maxBytes, or null (no room, or refused).
   *  `memory`: the caller's, made by runMemoryPlan(maxBytes, …)'s page count (anything else throws). */
  static create(maxBytes: number, config: RunKernelConfig, memory?: WebAssembly.Memory): RunKernel | null {
    const plan = runMemoryPlan(maxBytes, memory !== undefined);
    if (plan === null) return null;
    if (memory) {
      const have = memory.buffer.byteLength;
      if (have !== plan.pages * PAGE || !(memory.buffer instanceof SharedArrayBuffer)) {
        throw new Error(`slabtrace: a kernel memory of ${have} bytes, not shared or not the ${plan.pages * PAGE} runMemoryPlan gives`);
      }
    } else {
      try {
        memory = new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
      } catch {
        return null;
      }
    }
    return new RunKernel(memory, plan.scratch, plan.scratchEnd, config);
  }

  /** Byte offset of `bytes` (8-aligned) in the scratch, or -1 when it is full. */
  take(bytes: number): number {
    const at = this.top, next = at + ((bytes + 7) & ~7);
    if (next > this.end) return -1;
    this.top = next;
    return at;
  }

  /** Makes a batch's columns [0, count) the loaded ones: in place when all four are views of this
   *  memory's spare region (past the scratch: never the allocator's buffer, which the runs change),
   *  else copied into the scratch; false when a copy does not fit. */
  load(op: Uint8Array, tid: Uint32Array, id: Uint32Array, size: Float64Array, count: number): boolean {
    const b = this.buffer;
    if (this.spare(op) && this.spare(tid) && this.spare(id) && this.spare(size)) {
      this.op = op;
      this.tid = tid;
      this.id = id;
      this.size = size;
      return true;
    }
    if (this.sOp.length < count) {
      const n = Math.max(count, this.sOp.length * 2);
      const at = this.take(n * 17);
      if (at < 0) return false;
      this.sSize = new Float64Array(b, at, n);
      this.sTid = new Uint32Array(b, at + n * 8, n);
      this.sId = new Uint32Array(b, at + n * 12, n);
      this.sOp = new Uint8Array(b, at + n * 16, n);
    }
    this.sOp.set(op.subarray(0, count));
    this.sTid.set(tid.subarray(0, count));
    this.sId.set(id.subarray(0, count));
    this.sSize.set(size.subarray(0, count));
    this.op = this.sOp;
    this.tid = this.sTid;
    this.id = this.sId;
    this.size = this.sSize;
    return true;
  }

  private spare(v: ArrayBufferView): boolean {
    return v.buffer === this.buffer && v.byteOffset >= this.end;
  }

  /** A zeroed handle table of n entries in the scratch, or null when it is full. */
  handleTable(n: number): Int32Array | null {
    const at = this.take(n * 4);
    return at < 0 ? null : new Int32Array(this.buffer, at, n);
  }

  /** Whether the kernel can reach `handles` (a table it handed out). */
  holds(handles: Int32Array): boolean {
    return handles.buffer === this.buffer;
  }
}
