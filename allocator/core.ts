// allocator/core.ts — the allocator's handle on its SharedArrayBuffer: typed-array views over the
// whole buffer, a JS-side cache of header offsets (derived, never authoritative), heap chunk
// allocation, buffer growth and table growth. Invariant: after any call that may grow the buffer or
// move a table, the cached views and offsets equal what the header says (refresh() re-reads them).
// The buffer is either a growable SharedArrayBuffer (grown in place) or, with the replay kernel
// (kernel.ts), the first maxBufferBytes of the kernel's full-size memory; `bytes` is how much of it is
// in use in both cases (the views cover that much, the bufferBytes statistic reports it).
import { AllocUsageError } from './errors.js';
import { RKF, RunKernel } from './kernel.js';
import * as L from './layout.js';
import type { AllocParams } from './params.js';
import { tmGet } from './tidmap.js';
import type { VmaKernel } from './vmaKernel.js';

interface GrowableSab { readonly byteLength: number; readonly maxByteLength: number; readonly growable: boolean; grow(n: number): void }
const GSAB = SharedArrayBuffer as unknown as new (n: number, o?: { maxByteLength: number }) => SharedArrayBuffer;

/** cInfo layout (JS-side derived configuration, not buffer state); OFF0 is the byte offset of block 0
 *  in slab 0 of a SuperSlab (after its header), as slabNew sets SL_OFF0. */
export const enum CI { STRIDE = 8, SHIFT = 0, MAGCAP = 1, SIZE = 3, OFF0 = 4 }

export function coreNewBuffer(initialBytes: number, maxBytes: number): SharedArrayBuffer {
  return new GSAB(initialBytes, { maxByteLength: maxBytes });
}

export class AllocCore {
  buffer: SharedArrayBuffer;
  /** Bytes of the buffer in use (growth raises it, up to maxBytes). */
  bytes = 0;
  private maxBytes = 0;
  /** The replay's fast paths in WebAssembly over this buffer, or null (the JavaScript paths). */
  readonly kernel: RunKernel | null = null;
  /** The address space's system calls in WebAssembly over the kernel's memory (set by vma.ts's vmaInit), or null. */
  vk: VmaKernel | null = null;
  i32!: Int32Array;
  f64!: Float64Array;
  u16!: Uint16Array;
  readonly p: AllocParams;
  // derived configuration
  readonly nc: number;
  readonly classSize: Int32Array;
  readonly classLut: Uint8Array;
  readonly maxSmall: number;
  readonly magCap: Int32Array;
  /** word distance from a thread's magazine top of class c to its limit / chunk pointer of class c */
  readonly magLimDelta: number;
  readonly magPtrDelta: number;
  readonly ssSize: number;
  readonly invSS: number;
  readonly slabSize: number;
  readonly slabShift: number;
  readonly slabMask: number;
  /** log2 of each class size, or -1 when it is not a power of two (those frees take the slow path) */
  readonly classShift: Int32Array;
  /** per-class hot-path config, CI.STRIDE words per class: shift, magazine capacity, magazine offset,
   *  size, slab-0 block offset */
  readonly cInfo: Int32Array;
  /** threadExit === 'release' (frees into an exited owner's slab go straight to the slab) */
  readonly releaseOnExit: boolean;
  readonly slabsPerSS: number;
  readonly pageShift: number;
  readonly pagesPerSS: number;
  readonly pageWords: number;
  readonly ssStride: number;
  readonly thrStride: number;
  readonly blockShift: number;
  readonly blockMask: number;
  readonly remoteQueue: boolean;
  readonly tlsMode: boolean;
  readonly partialMode: boolean;
  /** trim === 'periodic' (checked on the slow paths against the operation count) */
  readonly periodic: boolean;
  // cached header offsets (refresh() after growth)
  ssOff = 0;
  ssHW = 0;
  slabOff = 0;
  thrOff = 0;
  thrStatF = 0; // Float64 index
  largeOff = 0;
  vmaOff = 0;
  stkOff = 0;
  /** tlsBytes rounded up to whole pages (what becomes resident per thread) */
  readonly tlsResident: number;
  // cache of the last thread seen by the fast paths (derived from the thread table; -1 = none).
  // Reset by refresh() and by thread start/exit, so it never outlives the offsets it was computed from.
  cTid = -1;
  cSerial = 0;
  cSlot = 0;
  cT = 0; // word index of the thread record's magazine tops
  cTS = 0; // Float64 index of the thread's 'allocs' statistic ('frees' is cTS + 1)
  /** malloc + free operations so far (small and large): the sum the statistics hold (opsNow), kept
   *  here so that the periodic-trim check on the slow paths reads one field. Every site that counts
   *  an allocation or a free in the statistics adds to it (checked by checkInvariants). */
  ops = 0;
  // (the magazine of class c: top at cT + c, limit at cT + magLimDelta + c, chunk at cT + magPtrDelta + c)

  constructor(p: AllocParams, buffer: SharedArrayBuffer | undefined, kernel = true, memory?: WebAssembly.Memory) {
    this.p = p;
    this.nc = p.sizeClasses.length;
    this.classSize = Int32Array.from(p.sizeClasses);
    this.maxSmall = p.sizeClasses[this.nc - 1]!;
    this.classLut = new Uint8Array((this.maxSmall >> 4) + 2);
    for (let i = 0, c = 0; i < this.classLut.length; i++) {
      while (c < this.nc - 1 && this.classSize[c]! < i * 16) c++;
      this.classLut[i] = c;
    }
    this.magCap = Int32Array.from(p.magCapacities);
    this.magLimDelta = L.thrMagLim(this.nc) - L.T_MAGTOP;
    this.magPtrDelta = L.thrMagPtr(this.nc) - L.T_MAGTOP;
    this.ssSize = p.superSlabSize;
    this.invSS = 1 / p.superSlabSize;
    this.slabSize = p.slabSize;
    this.slabShift = Math.log2(p.slabSize);
    this.slabMask = p.slabSize - 1;
    this.classShift = Int32Array.from(p.sizeClasses, (s) => ((s & (s - 1)) === 0 ? Math.log2(s) : -1));
    this.cInfo = new Int32Array(this.nc * CI.STRIDE);
    for (let c = 0; c < this.nc; c++) {
      this.cInfo[c * CI.STRIDE + CI.SHIFT] = this.classShift[c]!;
      this.cInfo[c * CI.STRIDE + CI.MAGCAP] = this.magCap[c]!;
      this.cInfo[c * CI.STRIDE + CI.SIZE] = this.classSize[c]!;
      const al = this.classSize[c]! & -this.classSize[c]!;
      this.cInfo[c * CI.STRIDE + CI.OFF0] = Math.ceil(p.ssHeaderBytes / al) * al;
    }
    this.releaseOnExit = p.threadExit === 'release';
    this.slabsPerSS = p.superSlabSize / p.slabSize;
    this.pageShift = Math.log2(p.pageSize);
    this.pagesPerSS = p.superSlabSize / p.pageSize;
    this.pageWords = Math.ceil(this.pagesPerSS / 32);
    this.ssStride = L.ssStride(this.slabsPerSS, this.pageWords);
    this.thrStride = L.thrStride(this.nc);
    this.blockShift = Math.ceil(Math.log2(p.slabSize / p.sizeClasses[0]!));
    this.blockMask = (1 << this.blockShift) - 1;
    this.remoteQueue = p.remoteFree === 'queue';
    this.tlsMode = p.ssOwnership === 'tls';
    this.partialMode = p.refill === 'partial';
    this.periodic = p.trim === 'periodic';
    this.tlsResident = Math.ceil(p.tlsBytes / p.pageSize) * p.pageSize;
    const want = 1 << 20;
    if (buffer) {
      const g = buffer as unknown as GrowableSab;
      if (buffer.byteLength < want && !(g.growable && g.maxByteLength >= want)) {
        throw new AllocUsageError('the given SharedArrayBuffer must be growable or at least 1 MiB', 'bad_buffer');
      }
      if (g.growable && buffer.byteLength < want) g.grow(want);
      this.buffer = buffer;
      this.bytes = buffer.byteLength;
      this.maxBytes = g.growable ? g.maxByteLength : this.bytes;
    } else {
      this.kernel = kernel ? RunKernel.create(p.maxBufferBytes, {
        lut: this.classLut, info: this.cInfo, ciStride: CI.STRIDE, ciMagCap: CI.MAGCAP, ciSize: CI.SIZE, magLimDelta: this.magLimDelta, magPtrDelta: this.magPtrDelta,
        blockShift: this.blockShift, blockMask: this.blockMask, ssStride: this.ssStride, thrStride: this.thrStride,
        flags: (this.remoteQueue && this.releaseOnExit ? RKF.RELEASE : 0) | (this.periodic ? RKF.PERIODIC : 0)
          | (this.partialMode ? RKF.PARTIAL : 0) | (this.tlsMode ? RKF.TLS : 0),
        maxSmall: this.maxSmall,
        tlsDelta: L.thrTls(this.nc) - L.T_MAGTOP, refillBatch: p.refillBatch, slabsPerSS: this.slabsPerSS,
        pageShift: this.pageShift, ssSize: this.ssSize,
      }, memory) : null;
      this.buffer = this.kernel ? this.kernel.buffer : coreNewBuffer(want, p.maxBufferBytes);
      this.bytes = want;
      this.maxBytes = p.maxBufferBytes;
    }
    this.rewrap();
  }

  rewrap(): void {
    const n = this.bytes;
    this.i32 = new Int32Array(this.buffer, 0, Math.floor(n / 4));
    this.f64 = new Float64Array(this.buffer, 0, Math.floor(n / 8));
    this.u16 = new Uint16Array(this.buffer, 0, Math.floor(n / 2));
    if (this.f64.length > L.S.bufferBytes) this.f64[L.S.bufferBytes] = n;
  }

  /** Re-reads the cached table offsets from the header. */
  refresh(): void {
    const h = this.i32;
    this.ssOff = h[L.H_SS_OFF]!;
    this.ssHW = h[L.H_SS_HW]!;
    this.slabOff = h[L.H_SLAB_OFF]!;
    this.thrOff = h[L.H_THR_OFF]!;
    this.thrStatF = h[L.H_THRSTAT_OFF]! >> 1;
    this.largeOff = h[L.H_LARGE_OFF]!;
    this.vmaOff = h[L.H_VMA_OFF]!;
    this.stkOff = h[L.H_STK_OFF]!;
    this.cTid = -1;
  }

  /** Points the fast-path cache at live thread `tid` in `slot`. */
  cacheThread(tid: number, slot: number): void {
    const t = this.thrOff + slot * this.thrStride;
    this.cTid = tid;
    this.cSlot = slot;
    this.cSerial = this.i32[t + L.T_SERIAL]!;
    this.cT = t + L.T_MAGTOP;
    this.cTS = this.thrStatF + slot * L.TS_STRIDE + L.TS.allocs;
  }

  ensureBytes(bytes: number): void {
    const cur = this.bytes;
    if (bytes <= cur) return;
    const max = this.maxBytes;
    let next = Math.max(bytes, cur + (cur >> 2), cur + (1 << 20));
    next = Math.min(Math.ceil(next / 65536) * 65536, max);
    if (next < bytes) {
      throw new AllocUsageError(`allocator metadata needs ${bytes} bytes; the SharedArrayBuffer is limited to ${max} (raise maxBufferBytes)`, 'capacity');
    }
    if (this.kernel === null) (this.buffer as unknown as GrowableSab).grow(next);
    this.bytes = next;
    this.rewrap();
  }

  /** Bump-allocates `words` Int32 words (2-word aligned) at the heap top; returns the word index. */
  heapAlloc(words: number): number {
    const top = (this.i32[L.H_HEAP_TOP]! + 1) & ~1;
    const end = top + ((words + 1) & ~1);
    this.ensureBytes(end * 4);
    this.i32[L.H_HEAP_TOP] = end;
    return top;
  }

  /** Moves a table of `usedWords` to a new chunk of `newWords`; fills the rest with `fill`. */
  tableMove(offWord: number, usedWords: number, newWords: number, fill: number): number {
    const n = this.heapAlloc(newWords);
    const i32 = this.i32;
    i32.copyWithin(n, offWord, offWord + usedWords);
    i32.fill(fill, n + usedWords, n + newWords);
    return n;
  }

  tidToSlot(tid: number): number {
    return tmGet(this, L.TIDMAP_SLOT, tid);
  }

  /** Word index of the magazine chunk of (slot, c), allocating it (from the class's pool) if needed. */
  magChunk(slot: number, c: number): number {
    const t = this.thrOff + slot * this.thrStride + L.T_MAGTOP + c;
    const p = this.i32[t + this.magPtrDelta]!;
    if (p >= 0) return p;
    let chunk = this.i32[L.H_MAGPOOL + c]!;
    if (chunk >= 0) this.i32[L.H_MAGPOOL + c] = this.i32[chunk]!;
    else chunk = this.heapAlloc(this.magCap[c]!);
    this.i32[t + this.magPtrDelta] = chunk;
    this.i32[t + this.magLimDelta] = this.magCap[c]!;
    return chunk;
  }

  /** Returns the (empty) magazine chunks of `slot` to their pools. */
  magRelease(slot: number): void {
    for (let c = 0; c < this.nc; c++) {
      const t = this.thrOff + slot * this.thrStride + L.T_MAGTOP + c;
      const p = this.i32[t + this.magPtrDelta]!;
      if (p < 0) continue;
      this.i32[p] = this.i32[L.H_MAGPOOL + c]!;
      this.i32[L.H_MAGPOOL + c] = p;
      this.i32[t + this.magPtrDelta] = -1;
      this.i32[t + this.magLimDelta] = 0;
    }
  }

  slotAlive(slot: number, serial: number): boolean {
    return slot >= 0 && serial !== 0 && this.i32[this.thrOff + slot * this.thrStride + L.T_SERIAL] === serial;
  }

  ssAddr(k: number): number {
    return L.SS_BASE + k * this.ssSize;
  }
}
