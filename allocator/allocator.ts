// allocator/allocator.ts — the Allocator: creation (header and tables in the SharedArrayBuffer), the
// API, and the fast paths (magazine pop on malloc, magazine push on free). Everything else is a cold
// path in slab/superslab/magazine/thread/large. Invariant: no per-block, per-slab, per-SuperSlab or
// per-thread JS object; the JS fields are configuration and cached offsets (see core.ts).
// Two faces with the same effects: addresses (malloc/free/realloc, what a program sees) and 32-bit
// block handles (mallocHandle/freeHandle/runAllocFree, what the replay keeps per object id: a small
// block's magazine handle `slab << blockShift | index`, a large block's record as -2 - index, or
// HANDLE_NONE), so the replay's hot loop never computes or decodes an address.
import { AllocCore, CI } from './core.js';
import { digestBuffer } from './digest.js';
import { allocBadSize, allocInvalidFree } from './errors.js';
import { checkInvariants, type InvariantReport } from './invariants.js';
import { largeFind, largeFree, largeMalloc } from './large.js';
import * as L from './layout.js';
import { HOT } from './layout.js';
import { magFlushAll, magSpill } from './magazine.js';
import { osInit, osOomInfo, type OomInfo } from './os.js';
import { validateParams, type AllocParams } from './params.js';
import { HANDLE_NONE, RunBatch, runEvents, runHandleTable, runLoad } from './run.js';
import { slabAcquire, slabDrain, slabDropTls, slabRemotePush, slabReturn, slabTake } from './slab.js';
import { partialPush, slabRec } from './slabRecord.js';
import { statsRead, type AllocStats } from './statsView.js';
import { ssOnEmpty, ssTrim } from './superslab.js';
import { stackInit } from './stack.js';
import { threadDetach, threadExit, threadInit, threadJoin, threadStart } from './thread.js';

export interface AllocatorOptions {
  buffer?: SharedArrayBuffer;
  /** Replay's fast paths in WebAssembly (kernel.ts; default true, only without `buffer`): false runs
   *  every event through the JavaScript handle API instead (same effects). */
  kernel?: boolean;
  /** The kernel's memory, made by the caller with runMemoryPlan(params.maxBufferBytes, true)'s pages
   *  (shared, initial = maximum): its spare region can then hold batches the kernel reads in place. */
  memory?: WebAssembly.Memory;
}

/** What a timeline sample reads (sampleStats). */
export interface SampleStats {
  rss: number; vmSize: number; mappings: number; ssLive: number; ssAllocated: number; ssFreed: number; ssEmptyReserved: number;
  liveBlocks: number; bytesAllocated: number; bytesFreed: number; remoteFreesPending: number;
  classes: { size: number; liveBlocks: number }[];
}

/** A live thread's counters (its live blocks are allocs - frees: negative when it frees others' blocks). */
export interface ThreadFigures { allocs: number; frees: number; remoteFreesSent: number; remoteFreesReceived: number }

export class Allocator extends AllocCore {
  private constructor(p: AllocParams, buffer: SharedArrayBuffer | undefined, kernel: boolean, memory?: WebAssembly.Memory) {
    super(p, buffer, kernel, memory);
    this.init();
  }

  /** Creates an allocator whose whole state lives in `opts.buffer`, else in the first part of the kernel's
   *  memory (`opts.memory`, or a new one), else (no kernel) in a new growable SharedArrayBuffer. */
  static create(params: AllocParams, opts: AllocatorOptions = {}): Allocator {
    return new Allocator(validateParams({ ...params }), opts.buffer, opts.kernel ?? true, opts.memory);
  }

  private init(): void {
    const i32 = this.i32;
    i32.fill(0);
    i32[L.H_MAGIC] = L.LAYOUT_MAGIC;
    i32[L.H_VERSION] = L.LAYOUT_VERSION;
    i32[L.H_HEAP_TOP] = L.HEAP_START_WORDS;
    i32[L.H_NCLASSES] = this.nc;
    i32[L.H_SS_STRIDE] = this.ssStride;
    i32[L.H_SLAB_STRIDE] = L.SLAB_STRIDE;
    i32[L.H_THR_STRIDE] = this.thrStride;
    i32[L.H_SS_SIZE_LOG2] = Math.log2(this.ssSize);
    i32[L.H_PAGE_WORDS] = this.pageWords;
    i32[L.H_SLABS_PER_SS] = this.slabsPerSS;
    i32[L.H_BLOCK_SHIFT] = this.blockShift;
    for (let c = 0; c < L.MAX_CLASSES; c++) {
      i32[L.H_POOL + c] = -1;
      i32[L.H_CUR_SS + c] = -1;
      i32[L.H_RESERVE + c] = -1;
      i32[L.H_PARTIAL + c] = -1;
      if (c < this.nc) i32[L.H_CLASS_SIZE + c] = this.classSize[c]!;
    }
    for (const h of [L.H_SS_FREE, L.H_SLAB_FREE, L.H_THR_FREE, L.H_LARGE_FREE, L.H_PENDING]) i32[h] = -1;
    const thr = 8;
    this.i32[L.H_SS_OFF] = this.heapAlloc(64 * this.ssStride);
    this.i32[L.H_SS_CAP] = 64;
    this.i32[L.H_SLAB_OFF] = this.heapAlloc(256 * L.SLAB_STRIDE);
    this.i32[L.H_SLAB_CAP] = 256;
    this.i32[L.H_THR_OFF] = this.heapAlloc(thr * this.thrStride);
    this.i32[L.H_THRSTAT_OFF] = this.heapAlloc(thr * L.TS_STRIDE * 2);
    this.i32[L.H_THR_CAP] = thr;
    for (let c = 0; c < L.MAX_CLASSES; c++) this.i32[L.H_MAGPOOL + c] = -1;
    threadInit(this);
    this.i32[L.H_LARGE_OFF] = this.heapAlloc(16 * L.LARGE_STRIDE);
    this.i32[L.H_LARGE_CAP] = 16;
    const f = this.f64;
    for (let c = 0; c < this.nc; c++) f[L.CLASS_STATS_F64 + c * L.CLASS_STRIDE + L.CS.size] = this.classSize[c]!;
    f[L.S.maxMapCount] = this.p.maxMapCount;
    f[L.S.memLimit] = this.p.memLimit;
    f[L.S.nextTrimAt] = this.p.trimInterval;
    f[L.S.bufferBytes] = this.bytes;
    this.refresh();
    osInit(this);
    stackInit(this);
    threadStart(this, 0);
  }

  // ---------------------------------------------------------------- fast paths

  /** Allocates `size` bytes for thread `tid` (aligned to `align` if given). 0 = OOM, see oomInfo(). */
  malloc(tid: number, size: number, align = 0): number {
    // Fast path: same thread as the last call, small size, magazine not empty.
    if (tid === this.cTid && size <= this.maxSmall && align <= 16) {
      const i32 = this.i32;
      const c = this.classLut[(size + 15) >> 4]!;
      const mt = this.cT + c;
      const top = i32[mt]! - 1;
      if (top >= 0) {
        const h = i32[i32[mt + this.magPtrDelta]! + top]!;
        i32[mt] = top;
        const f64 = this.f64;
        f64[HOT.CLASS_STATS_F64 + c * HOT.CLASS_STRIDE + HOT.CS_ALLOC]!++;
        f64[this.cTS]!++;
        this.ops++;
        return f64[(this.slabOff + (h >>> this.blockShift) * HOT.SLAB_STRIDE) >> 1]! + (h & this.blockMask) * this.cInfo[c * CI.STRIDE + CI.SIZE]!;
      }
    }
    return this.mallocSlow(tid, size, align);
  }

  /** Frees `addr` (a non-zero address this allocator returned) on behalf of thread `tid`. */
  free(tid: number, addr: number): void {
    // Fast path: same thread as the last call, integer decode of the address (the class comes from the
    // SuperSlab entry, which serves one class), magazine push when the thread owns the slab and the
    // magazine has room. A decoded block that misses that goes to freeMiss; anything else to freeSlow.
    // Kept under V8's inlining limit (460 bytecode bytes) so that it inlines into the replay loop.
    if (tid === this.cTid && addr < HOT.LARGE_BASE) {
      const i32 = this.i32;
      const rel = addr - HOT.SS_BASE;
      const k = (rel * this.invSS) | 0;
      const e = this.ssOff + k * this.ssStride;
      if (rel >= 0 && k < this.ssHW && i32[e + HOT.SS_STATE] === HOT.SS_LIVE) {
        const off = (rel - k * this.ssSize) | 0;
        const c = i32[e + HOT.SS_CLASS]!;
        const ci = c * CI.STRIDE;
        const info = this.cInfo;
        const si = off >>> this.slabShift;
        const sid = i32[e + HOT.SS_SLABS + si]!;
        const sh = info[ci]!;
        const r = this.slabOff + sid * HOT.SLAB_STRIDE;
        const bo = (off & this.slabMask) - (si === 0 ? info[ci + CI.OFF0]! : 0);
        const idx = bo >> sh;
        if (sid >= 0 && sh >= 0 && bo >= 0 && idx << sh === bo && idx < i32[r + HOT.SL_CARVED]!) {
          if (i32[r + HOT.SL_OWNER] === this.cSerial && this.magPushCached(c, (sid << this.blockShift) | idx)) return;
          this.freeMiss(sid, idx, r, c);
          return;
        }
      }
    }
    this.freeSlow(tid, addr);
  }

  private readonly runBatch = new RunBatch();

  /** Makes op/tid/id/size [0, count) (an event batch's columns) the batch runAllocFree replays (run.ts). */
  runLoad(op: Uint8Array, tid: Uint32Array, id: Uint32Array, size: Float64Array, count: number): void {
    runLoad(this, this.runBatch, op, tid, id, size, count);
  }

  /**
   * Replays events [from, to) of the loaded batch (run.ts): RUN_MALLOC stores the new block's handle in
   * `handles[id]`, RUN_FREE frees `handles[id]`, with the effects of mallocHandle / freeHandle one by
   * one. Returns the index of the first event not handled: another op, or a RUN_MALLOC whose id is
   * beyond `handles` (the caller grows it, through handleTable, and calls again). A failed allocation
   * stores HANDLE_NONE, sets `runOom` and ends the run after that event. `handles` from handleTable
   * lets the fast paths run in WebAssembly.
   */
  runAllocFree(handles: Int32Array, from: number, to: number): number {
    return runEvents(this, this.runBatch, handles, from, to);
  }

  /** A handle table of n entries (a copy of old's first), where runAllocFree's fast paths reach it. */
  handleTable(n: number, old: Int32Array | null = null): Int32Array {
    return runHandleTable(this, n, old);
  }

  /** Set by runAllocFree when an allocation failed (the event before the index it returned); the caller clears it. */
  runOom = false;

  // ---------------------------------------------------------------- cold paths

  private slotOf(tid: number): number {
    let s = this.tidToSlot(tid);
    if (s < 0) s = threadStart(this, tid);
    this.cacheThread(tid, s);
    return s;
  }

  private mallocSlow(tid: number, size: number, align: number): number {
    return this.handleAddr(this.mallocHandle(tid, size, align));
  }

  /** malloc returning the block's handle (HANDLE_NONE = OOM, see oomInfo()); same effects as malloc. */
  mallocHandle(tid: number, size: number, align = 0): number {
    if (!(size >= 0 && size <= Number.MAX_SAFE_INTEGER) || !(align >= 0)) throw allocBadSize(tid, size, align);
    const slot = this.slotOf(tid);
    let c = -1;
    if (size <= this.maxSmall && align <= 16) c = this.classLut[(size + 15) >> 4]!;
    else if (size <= this.maxSmall) {
      for (let i = 0; i < this.nc; i++) {
        const cs = this.classSize[i]!;
        if (cs >= size && (cs & -cs) >= align) { c = i; break; }
      }
    }
    if (c < 0) {
      const addr = largeMalloc(this, tid, size);
      if (addr === 0) return HANDLE_NONE;
      this.f64[this.thrStatF + slot * L.TS_STRIDE + HOT.TS_ALLOCS]!++;
      return -2 - (addr - L.LARGE_BASE) / L.LARGE_SPAN;
    }
    const mt = this.thrOff + slot * this.thrStride + L.T_MAGTOP + c;
    if (this.i32[mt] === 0 && this.refill(slot, c, tid, size) === 0) return HANDLE_NONE;
    const top = this.i32[mt]! - 1;
    const h = this.i32[this.i32[mt + this.magPtrDelta]! + top]!;
    this.i32[mt] = top;
    const cs = L.CLASS_STATS_F64 + c * L.CLASS_STRIDE;
    this.f64[cs + HOT.CS_ALLOC]!++;
    this.f64[this.thrStatF + slot * L.TS_STRIDE + HOT.TS_ALLOCS]!++;
    this.ops++;
    return h;
  }

  /** free by handle (HANDLE_NONE: nothing); the same paths, in the same order, as free of its address. */
  freeHandle(tid: number, h: number): void {
    if (h < 0) {
      if (h !== HANDLE_NONE) this.freeSlow(tid, this.handleAddr(h));
      return;
    }
    const sid = h >>> this.blockShift;
    const idx = h & this.blockMask;
    const r = this.slabOff + sid * HOT.SLAB_STRIDE;
    const c = this.i32[r + HOT.SL_CLASS]!;
    // free()'s fast path takes power-of-two classes of the cached thread; the rest go through freeBlock
    if (tid !== this.cTid || this.cInfo[c * CI.STRIDE + CI.SHIFT]! < 0) {
      this.freeBlock(this.slotOf(tid), sid, idx);
      return;
    }
    if (this.i32[r + HOT.SL_OWNER] === this.cSerial && this.magPushCached(c, h)) return;
    this.freeMiss(sid, idx, r, c);
  }

  /** realloc by handle: the new block's handle (the same one when the block stays), HANDLE_NONE = OOM. */
  reallocHandle(tid: number, h: number, size: number): number {
    const a = this.realloc(tid, this.handleAddr(h), size);
    return a === 0 ? HANDLE_NONE : this.addrHandle(a);
  }

  /** The address of the block with handle `h` (0 for HANDLE_NONE). */
  handleAddr(h: number): number {
    if (h < 0) return h === HANDLE_NONE ? 0 : L.LARGE_BASE + (-2 - h) * L.LARGE_SPAN;
    const r = slabRec(this, h >>> this.blockShift);
    return this.f64[r >> 1]! + (h & this.blockMask) * this.classSize[this.i32[r + L.SL_CLASS]!]!;
  }

  /** The handle of the live block at `addr` (0: HANDLE_NONE); AllocUsageError when it is not one. */
  addrHandle(addr: number): number {
    if (addr === 0) return HANDLE_NONE;
    if (addr >= L.LARGE_BASE) {
      if (largeFind(this, addr) < 0) throw allocInvalidFree(this.cTid, addr);
      return -2 - (addr - L.LARGE_BASE) / L.LARGE_SPAN;
    }
    if (!this.decode(addr)) throw allocInvalidFree(this.cTid, addr);
    return (this.dSid << this.blockShift) | this.dIdx;
  }

  /** Fills the empty magazine (slot, c); 0 = OOM. */
  private refill(slot: number, c: number, tid: number, size: number): number {
    this.maybePeriodicTrim();
    const want = Math.min(this.p.refillBatch, this.magCap[c]!);
    const tw = (): number => this.thrOff + slot * this.thrStride + L.thrTls(this.nc) + c;
    for (;;) {
      const s = this.i32[tw()]!;
      if (s >= 0) {
        if (this.i32[slabRec(this, s) + L.SL_REMOTE]! > 0) slabDrain(this, s);
        const n = slabTake(this, s, slot, c, want);
        if (n > 0) return n;
        slabDropTls(this, slot, c, s);
      }
      if (slabAcquire(this, slot, c, tid, size) < 0) return 0;
    }
  }

  private dSid = -1; // decode() results (scratch, avoids allocating on the slow paths)
  private dIdx = -1;

  /** Decodes a small-block address into dSid/dIdx (slab record id, block index); false when it is not one. */
  private decode(addr: number): boolean {
    const rel = addr - L.SS_BASE;
    const k = Math.floor(rel * this.invSS);
    if (!(k >= 0 && k < this.ssHW)) return false;
    const e = this.ssOff + k * this.ssStride;
    if (this.i32[e + L.SS_STATE] !== L.SS_LIVE) return false;
    const sid = this.i32[e + L.SS_SLABS + ((rel - k * this.ssSize) >>> this.slabShift)]!;
    if (sid < 0) return false;
    const r = slabRec(this, sid);
    const idx = (addr - this.f64[r >> 1]!) / this.classSize[this.i32[r + L.SL_CLASS]!]!;
    if (!(Number.isInteger(idx) && idx >= 0 && idx < this.i32[r + L.SL_CARVED]!)) return false;
    this.dSid = sid;
    this.dIdx = idx;
    return true;
  }

  private freeSlow(tid: number, addr: number): void {
    if (addr === 0) return; // free(NULL)
    if (addr >= L.LARGE_BASE) {
      const slot = this.slotOf(tid);
      largeFree(this, tid, addr);
      this.f64[this.thrStatF + slot * L.TS_STRIDE + HOT.TS_FREES]!++;
      return;
    }
    if (!this.decode(addr)) throw allocInvalidFree(tid, addr);
    const sid = this.dSid;
    const idx = this.dIdx;
    this.freeBlock(this.slotOf(tid), sid, idx);
  }

  /** A decoded small-block free that missed the fast path: remote free, or magazine push after a spill. */
  private freeBlock(slot: number, sid: number, idx: number): void {
    const r = slabRec(this, sid);
    const c = this.i32[r + L.SL_CLASS]!;
    const cs = L.CLASS_STATS_F64 + c * L.CLASS_STRIDE;
    const ts = this.thrStatF + slot * L.TS_STRIDE;
    const serial = this.i32[this.thrOff + slot * this.thrStride + L.T_SERIAL]!;
    if (this.remoteQueue && this.i32[r + L.SL_OWNER] !== serial) {
      this.freeRemote(sid, idx, slot);
    } else {
      const mb = this.magChunk(slot, c);
      const mt = this.thrOff + slot * this.thrStride + L.T_MAGTOP + c;
      if (this.i32[mt]! >= this.magCap[c]!) magSpill(this, slot, c);
      const top = this.i32[mt]!;
      this.i32[mb + top] = (sid << this.blockShift) | idx;
      this.i32[mt] = top + 1;
    }
    this.f64[cs + HOT.CS_FREED]!++;
    this.f64[ts + HOT.TS_FREES]!++;
    this.ops++;
    this.maybePeriodicTrim();
  }

  /** A free by a thread that does not own the slab: the remote queue, or straight to the slab when its
   *  owner has exited and released its slabs. */
  private freeRemote(sid: number, idx: number, slot: number): void {
    const r = slabRec(this, sid);
    const c = this.i32[r + L.SL_CLASS]!;
    if (!this.slotAlive(this.i32[r + L.SL_OWNER_SLOT]!, this.i32[r + L.SL_OWNER]!) && this.p.threadExit === 'release') {
      slabDrain(this, sid);
      slabReturn(this, sid, idx);
      return;
    }
    slabRemotePush(this, sid, idx);
    this.f64[L.S.remoteFrees]!++;
    this.f64[L.CLASS_STATS_F64 + c * L.CLASS_STRIDE + L.CS.remoteFrees]!++;
    this.f64[this.thrStatF + slot * L.TS_STRIDE + L.TS.remoteFreesSent]!++;
    const os = this.i32[r + L.SL_OWNER_SLOT]!;
    if (this.slotAlive(os, this.i32[r + L.SL_OWNER]!)) this.f64[this.thrStatF + os * L.TS_STRIDE + HOT.TS_REMOTE_RECEIVED]!++;
  }

  /** Pushes block handle `h` onto the cached thread's magazine of class `c` and counts the free;
   *  false (nothing done) when the magazine is full. The one magazine push of an owned block outside
   *  run.ts's hot loop (which has it inline, over its locals). */
  private magPushCached(c: number, h: number): boolean {
    const i32 = this.i32;
    const mt = this.cT + c;
    const top = i32[mt]!;
    if (top >= i32[mt + this.magLimDelta]!) return false;
    i32[i32[mt + this.magPtrDelta]! + top] = h;
    i32[mt] = top + 1;
    this.f64[HOT.CLASS_STATS_F64 + c * HOT.CLASS_STRIDE + HOT.CS_FREED]!++;
    this.f64[this.cTS + 1]!++;
    this.ops++;
    return true;
  }

  /** A decoded free by the cached thread that missed the fast path: a slab of another thread (remote
   *  queue, or the freeing thread's magazine when remote frees go to magazines), or a full magazine. */
  private freeMiss(sid: number, idx: number, r: number, c: number): void {
    const i32 = this.i32;
    if (i32[r + HOT.SL_OWNER] === this.cSerial || !this.remoteQueue) {
      if (!this.magPushCached(c, (sid << this.blockShift) | idx)) this.freeBlock(this.cSlot, sid, idx);
      return;
    }
    this.freeOther(sid, idx, r, c);
  }

  /** The current thread frees block `idx` of slab `sid` (record word `r`, class `c`) owned by another
   *  thread, with remote queues on: freeBlock + freeRemote + slabReturn / slabRemotePush without the
   *  re-decoding (same effects, same order). */
  private freeOther(sid: number, idx: number, r: number, c: number): void {
    const i32 = this.i32;
    const owner = i32[r + L.SL_OWNER]!;
    const os = i32[r + HOT.SL_OWNER_SLOT]!;
    const st = i32[r + HOT.SL_STACK]!;
    if (this.releaseOnExit && !(os >= 0 && owner !== 0 && i32[this.thrOff + os * this.thrStride + HOT.T_SERIAL] === owner)) {
      // owner exited and released its slabs: straight back to the slab (slabDrain + slabReturn)
      if (i32[r + HOT.SL_REMOTE]! > 0) slabDrain(this, sid);
      const ft = i32[r + HOT.SL_FREE_TOP]!;
      this.u16[st + ft] = idx;
      i32[r + HOT.SL_FREE_TOP] = ft + 1;
      i32[r + HOT.SL_USED]!--;
      if (i32[r + HOT.SL_LIST] === 0 && i32[r + HOT.SL_TLS] === 0) partialPush(this, sid);
      const k = i32[r + HOT.SL_SS]!;
      if (--i32[this.ssOff + k * this.ssStride + HOT.SS_ACTIVE]! === 0) ssOnEmpty(this, k);
    } else {
      // slabRemotePush
      const rc = i32[r + HOT.SL_REMOTE]!;
      this.u16[st + i32[r + HOT.SL_CAP]! - 1 - rc] = idx;
      i32[r + HOT.SL_REMOTE] = rc + 1;
      i32[r + HOT.SL_USED]!--;
      const f = this.f64;
      f[HOT.S_REMOTE_PENDING]!++;
      if (i32[r + HOT.SL_LIST] === 0 && i32[r + HOT.SL_TLS] === 0) partialPush(this, sid);
      if (this.p.remoteDecrementsActive) {
        const k = i32[r + HOT.SL_SS]!;
        if (--i32[this.ssOff + k * this.ssStride + HOT.SS_ACTIVE]! === 0) ssOnEmpty(this, k);
      }
      f[HOT.S_REMOTE_FREES]!++;
      f[HOT.CLASS_STATS_F64 + c * HOT.CLASS_STRIDE + HOT.CS_REMOTE]!++;
      f[this.cTS - HOT.TS_ALLOCS + HOT.TS_REMOTE_SENT]!++;
      if (os >= 0 && owner !== 0 && i32[this.thrOff + os * this.thrStride + HOT.T_SERIAL] === owner) f[this.thrStatF + os * L.TS_STRIDE + HOT.TS_REMOTE_RECEIVED]!++;
    }
    const f64 = this.f64;
    f64[HOT.CLASS_STATS_F64 + c * HOT.CLASS_STRIDE + HOT.CS_FREED]!++;
    f64[this.cTS + 1]!++;
    this.ops++;
    if (this.periodic && this.ops >= f64[L.S.nextTrimAt]!) this.trim();
  }

  private maybePeriodicTrim(): void {
    if (this.periodic && this.ops >= this.f64[L.S.nextTrimAt]!) this.trim();
  }

  // ---------------------------------------------------------------- API

  /** Usable size of a live block (its class size, or the mapped size of a large block); -1 if unknown. */
  usableSize(addr: number): number {
    if (addr >= L.LARGE_BASE) {
      const r = largeFind(this, addr);
      return r < 0 ? -1 : this.f64[(r + L.LG_MAPPED) >> 1]!;
    }
    return this.decode(addr) ? this.classSize[this.i32[slabRec(this, this.dSid) + L.SL_CLASS]!]! : -1;
  }

  /** realloc: same address when the new size keeps the block's class (or page count); 0 = OOM (old block kept). */
  realloc(tid: number, addr: number, size: number): number {
    if (addr === 0) return this.malloc(tid, size);
    const us = this.usableSize(addr);
    if (us < 0) throw allocInvalidFree(tid, addr);
    let keep: boolean;
    if (addr >= L.LARGE_BASE) keep = size > this.maxSmall && Math.ceil(size / this.p.pageSize) * this.p.pageSize === us;
    else {
      const c = this.classLut[(Math.min(size, this.maxSmall) + 15) >> 4]!;
      keep = size <= this.maxSmall && this.classSize[c] === us;
    }
    this.f64[L.S.reallocs]!++;
    if (keep) return addr;
    const n = this.malloc(tid, size);
    if (n === 0) return 0;
    this.free(tid, addr);
    return n;
  }

  /** Thread `tid` starts (its stack is mapped); false when no stack could be mapped (pthread_create
   *  would fail: oomInfo() says why; the thread is still usable in the model). */
  threadStart(tid: number): boolean {
    const failures = this.f64[L.S.stackFailures]!;
    threadStart(this, tid);
    return this.f64[L.S.stackFailures] === failures;
  }

  /** Thread `tid` exits: its magazines per preset; its stack stays mapped until joined or detached. */
  threadExit(tid: number): void { threadExit(this, tid); }

  /** pthread_join of the exited thread `tid`: its stack is released. */
  threadJoin(tid: number): void { threadJoin(this, tid); }

  /** pthread_detach of `tid`: its stack is released at its exit (now, if it has exited). */
  threadDetach(tid: number): void { threadDetach(this, tid); }

  /** Returns every magazine to the slabs (when the preset flushes magazines), then trims if the preset trims on flush. */
  flush(): void {
    if (this.p.flushMagazines) {
      const hw = this.i32[L.H_THR_HW]!;
      for (let s = 0; s < hw; s++) if (this.i32[this.thrOff + s * this.thrStride + L.T_SERIAL] !== 0) magFlushAll(this, s);
    }
    if (this.p.trim === 'flush') this.trim();
  }

  /** Unmaps (beyond the reserve) every SuperSlab found empty since the last trim and still empty. */
  trim(): void { ssTrim(this, this.ops); }

  stats(): AllocStats { return statsRead(this.i32, this.f64); }

  /** The few figures a timeline sample needs, read straight from the statistics block (no thread or
   *  magazine walk, no per-class objects beyond `classes`): cheap enough to sample often. */
  sampleStats(): SampleStats {
    const f = this.f64;
    let alloc = f[L.S.largeAllocated]!, freed = f[L.S.largeFreed]!;
    let bytesA = f[L.S.largeBytesAllocated]!, bytesF = f[L.S.largeBytesFreed]!;
    const classes: { size: number; liveBlocks: number }[] = [];
    for (let c = 0; c < this.nc; c++) {
      const b = L.CLASS_STATS_F64 + c * L.CLASS_STRIDE;
      const a = f[b + HOT.CS_ALLOC]!, fr = f[b + HOT.CS_FREED]!, size = this.classSize[c]!;
      alloc += a; freed += fr; bytesA += a * size; bytesF += fr * size;
      classes.push({ size, liveBlocks: a - fr });
    }
    return {
      rss: f[L.S.rss]!, vmSize: f[L.S.vmSize]!, mappings: f[L.S.mappings]!, ssLive: f[L.S.ssAllocated]! - f[L.S.ssFreed]!,
      ssAllocated: f[L.S.ssAllocated]!, ssFreed: f[L.S.ssFreed]!, ssEmptyReserved: f[L.S.ssEmptyReserved]!,
      liveBlocks: alloc - freed, bytesAllocated: bytesA, bytesFreed: bytesF, remoteFreesPending: f[L.S.remoteFreesPending]!, classes,
    };
  }

  /** Counters of live thread `tid` (null when it is not live): kept by the replay when a thread exits. */
  threadFigures(tid: number): ThreadFigures | null {
    const slot = this.tidToSlot(tid);
    if (slot < 0) return null;
    const b = this.thrStatF + slot * L.TS_STRIDE;
    const f = this.f64;
    return { allocs: f[b + L.TS.allocs]!, frees: f[b + L.TS.frees]!, remoteFreesSent: f[b + L.TS.remoteFreesSent]!, remoteFreesReceived: f[b + HOT.TS_REMOTE_RECEIVED]! };
  }

  /** Blocks in remote queues per size class (a walk of the slabs: cold, for the final tables). */
  classRemotePending(): number[] {
    const out = new Array<number>(this.nc).fill(0);
    const hw = this.i32[L.H_SLAB_HW]!;
    for (let sid = 0; sid < hw; sid++) {
      const r = slabRec(this, sid);
      if (this.i32[r + L.SL_SS]! < 0) continue;
      out[this.i32[r + L.SL_CLASS]!]! += this.i32[r + L.SL_REMOTE]!;
    }
    return out;
  }

  oomInfo(): OomInfo | null { return osOomInfo(this); }

  /** Full consistency check; pass the live addresses to also check each is live exactly once. */
  checkInvariants(liveAddrs?: Iterable<number>): InvariantReport { return checkInvariants(this, liveAddrs); }

  /** Hash of the whole allocator state in the buffer (same history → same digest). */
  digest(): string { return digestBuffer(this.i32); }

  get params(): Readonly<AllocParams> { return this.p; }
}
