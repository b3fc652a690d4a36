// Converting libslabtrace's raw log (recorder/native/preload.c) into a trace.
// Raw log: chunks of {u32 magic 'STRC', u32 count, u32 tid, u32 proc} + count × {u64 seq<<8|op,
// u64 ptr, u64 arg}, chunks of different threads interleaved, each thread's records in seq order.
// Invariants:
//  - Records are emitted in global sequence order (seq numbers are dense); early records wait in a
//    window indexed by seq; a gap still open at the end of the log is skipped and counted (lostSeqs).
//  - Addresses live only here: a Map (per process) from address to the id the writer assigned; the
//    writer applies the dense recycled id rule. Frees of addresses never allocated while recording
//    are counted (foreignFrees), as are free(NULL) (nullFrees); neither is an event.
//  - realloc is BEGIN (address released) … END (new address): the old id stays live in between so a
//    concurrent allocation reusing the old address gets its own id; END writes one realloc event.
//  - Thread records (start, exit, join, detach; arg of join/detach = the target's thread id) go
//    through NativeThreads, which writes only the thread_join / thread_detach events the trace
//    reader accepts (format version 2); see nativeThreads.ts.
//  - A record flagged AFTER_EXIT (op | 0x80: a created thread's event after its exit) is written as
//    done by a live thread of its process (NativeThreads.standIn); realloc pairs stay keyed by the
//    recording thread. With no live thread there, the thread is started and exited around it.
import { createReadStream } from 'node:fs';
import { createTraceWriter, type TraceFooter, type TraceHeaderInit, type TraceWriter, type TraceWriterOptions } from '../traces/index.js';
import { NativeAddrTable } from './nativeAddrTable.js';
import { NativeCaptureError } from './nativeError.js';
import { NativeThreads, type NativeThreadCounts } from './nativeThreads.js';

export const RAW_MAGIC = 0x43525453;
export const RAW_OP = {
  MALLOC: 1, FREE: 2, CALLOC: 3, MEMALIGN: 4, REALLOC_BEGIN: 5, REALLOC_END: 6,
  THREAD_START: 7, THREAD_EXIT: 8, PROC_START: 9, PROC_END: 10, MARK: 11, THREAD_JOIN: 12, THREAD_DETACH: 13,
} as const;
/** Flag on a record's op: made by its thread after its THREAD_EXIT. */
export const RAW_AFTER_EXIT = 0x80;
const END_KINDS = ['exit', '_exit', 'signal', 'quick_exit'] as const;
const HDR = 16;
const REC = 24;
const TWO32 = 4294967296;
const SIZE_HI_MASK = 0xffffff;

export interface NativeConvertSummary extends NativeThreadCounts {
  events: number;
  rawRecords: number;
  rawBytes: number;
  /** The root process wrote its end record (exit or return from main, _exit, quick_exit, a fatal signal). */
  complete: boolean;
  /** How the root process ended, from its end record (null when truncated). */
  end: { kind: (typeof END_KINDS)[number]; code: number } | null;
  truncated: boolean;
  foreignFrees: number;
  nullFrees: number;
  failedAllocs: number;
  /** Allocations returning an address that was still live (a free the recorder did not see). */
  staleAddresses: number;
  /** Allocations of 0 bytes (recorded as 1 byte: the trace format's minimum). */
  zeroSizeAllocs: number;
  /** Events the preload library could not record (after its final flush started). */
  droppedEvents: number;
  /** Sequence numbers never seen (events lost when a process died mid-record). */
  lostSeqs: number;
  /** Events a thread made after its exit, written as another live thread's of its process. */
  afterExitEvents: number;
  processes: number;
  /** Images replaced by exec (the program ran through a wrapper such as a shell script). */
  execs: number;
  footer: TraceFooter | null;
}

interface ProcState {
  addr: NativeAddrTable;
}

/** Merges and converts raw records; feed() chunks of the log in order, then finish(). */
export class NativeLogConverter {
  private window = 1 << 20;
  private mask = this.window - 1;
  private have = new Uint8Array(this.window);
  private op = new Uint8Array(this.window);
  private tid = new Uint32Array(this.window);
  private proc = new Uint32Array(this.window);
  private ptrLo = new Uint32Array(this.window);
  private ptrHi = new Uint32Array(this.window);
  private argLo = new Uint32Array(this.window);
  private argHi = new Uint32Array(this.window);
  private next = 0; // next seq to emit
  private maxSeq = -1;
  private pending = 0;
  /** Sequence numbers below this one will never arrive (an image was replaced by exec). */
  private execBarrier = -1;
  private carry: Buffer | null = null;
  private offset = 0;
  private procs = new Map<number, ProcState>();
  private reallocs = new Map<number, { id: number; lo: number; hi: number; proc: ProcState }>();
  private lastProc = -1;
  private lastPs: ProcState | null = null;
  private threads: NativeThreads;
  readonly s: NativeConvertSummary = {
    events: 0, rawRecords: 0, rawBytes: 0, complete: false, end: null, truncated: true,
    foreignFrees: 0, nullFrees: 0, failedAllocs: 0, zeroSizeAllocs: 0, staleAddresses: 0, droppedEvents: 0, lostSeqs: 0, afterExitEvents: 0,
    threads: 0, threadJoins: 0, threadDetaches: 0, threadRestarts: 0, skippedThreadOps: 0, processes: 0, execs: 0, footer: null,
  };

  constructor(private w: TraceWriter, private name: string, private followForks = false, private maxWindow = 1 << 24) {
    this.threads = new NativeThreads(w);
  }

  /** Parses whole chunks of `buf` (keeping a partial chunk for the next call) and emits what it can. */
  feed(buf: Buffer): void {
    let b = buf;
    if (this.carry) { b = Buffer.concat([this.carry, buf]); this.carry = null; }
    if ((b.byteOffset & 3) !== 0) b = Buffer.from(b); // a fresh copy is 4-byte aligned
    const u32 = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
    let o = 0;
    while (b.length - o >= HDR) {
      const magic = u32[o >>> 2];
      if (magic !== RAW_MAGIC) {
        throw new NativeCaptureError('CORRUPT_LOG', `bad chunk magic 0x${magic.toString(16)} (expected 0x${RAW_MAGIC.toString(16)})`, this.name, this.offset + o);
      }
      const n = u32[(o >>> 2) + 1];
      const end = o + HDR + n * REC;
      if (end > b.length) break;
      this.addChunk(u32, (o + HDR) >>> 2, n, u32[(o >>> 2) + 2], u32[(o >>> 2) + 3]);
      o = end;
    }
    this.offset += o;
    this.s.rawBytes += o;
    if (o < b.length) this.carry = Buffer.from(b.subarray(o));
    this.drainReady();
  }

  /** `at`: index in u32 words of the first record. */
  private addChunk(u32: Uint32Array, at: number, n: number, tid: number, proc: number): void {
    this.s.rawRecords += n;
    for (let i = 0; i < n; i++) {
      const p = at + i * 6;
      const lo = u32[p];
      const seq = (lo >>> 8) + u32[p + 1] * 16777216;
      if (seq < this.next) continue; // already skipped as lost
      while (seq - this.next >= this.window) this.growWindow(seq);
      const k = seq & this.mask;
      this.have[k] = 1;
      this.op[k] = lo & 255;
      this.tid[k] = tid;
      this.proc[k] = proc;
      this.ptrLo[k] = u32[p + 2];
      this.ptrHi[k] = u32[p + 3];
      this.argLo[k] = u32[p + 4];
      this.argHi[k] = u32[p + 5];
      this.pending++;
      if (seq > this.maxSeq) this.maxSeq = seq;
      if ((lo & 255) === RAW_OP.PROC_START && u32[p + 4] === 1 && !this.followForks && seq > this.execBarrier) {
        this.execBarrier = seq;
      }
    }
  }

  private growWindow(seq: number): void {
    if (this.window >= this.maxWindow) {
      // A gap this wide will not close: skip the missing records and go on.
      this.skipHole();
      if (seq - this.next < this.window) return;
      throw new NativeCaptureError('LOST_EVENTS', `sequence gap at ${this.next} wider than ${this.window} records`, this.name, this.offset);
    }
    const size = this.window * 2;
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const out = make(size);
      for (let s = this.next; s < this.next + this.window; s++) out[s & (size - 1)] = a[s & this.mask];
      return out;
    };
    this.have = grow(this.have, (n) => new Uint8Array(n));
    this.op = grow(this.op, (n) => new Uint8Array(n));
    this.tid = grow(this.tid, (n) => new Uint32Array(n));
    this.proc = grow(this.proc, (n) => new Uint32Array(n));
    this.ptrLo = grow(this.ptrLo, (n) => new Uint32Array(n));
    this.ptrHi = grow(this.ptrHi, (n) => new Uint32Array(n));
    this.argLo = grow(this.argLo, (n) => new Uint32Array(n));
    this.argHi = grow(this.argHi, (n) => new Uint32Array(n));
    this.window = size;
    this.mask = size - 1;
  }

  /** Skips the missing sequence numbers before the next record present. */
  private skipHole(): void {
    while (this.pending > 0 && this.have[this.next & this.mask] === 0) { this.next++; this.s.lostSeqs++; }
  }

  private drainReady(): void {
    const have = this.have;
    const mask = this.mask;
    for (;;) {
      const k = this.next & mask;
      if (have[k] === 0) {
        // records of a replaced image that were never written out: lost
        if (this.next < this.execBarrier && this.pending > 0) { this.next++; this.s.lostSeqs++; continue; }
        break;
      }
      have[k] = 0;
      this.pending--;
      this.next++;
      this.apply(this.op[k], this.tid[k], this.proc[k], this.ptrLo[k], this.ptrHi[k], this.argLo[k], this.argHi[k]);
    }
  }

  private procState(proc: number): ProcState {
    if (proc === this.lastProc && this.lastPs) return this.lastPs;
    let ps = this.procs.get(proc);
    this.lastProc = proc;
    if (!ps) {
      ps = { addr: new NativeAddrTable() };
      this.procs.set(proc, ps);
      this.s.processes++;
    }
    return ps;
  }

  /** A record made by `tid` after its exit: done by a stand-in, or by tid restarted around it. */
  private applyAfterExit(op: number, tid: number, proc: number, pLo: number, pHi: number, lo: number, hi: number): void {
    this.s.afterExitEvents++;
    const by = this.threads.standIn(proc, tid);
    if (by >= 0) { this.apply(op, tid, proc, pLo, pHi, lo, hi, by); return; }
    this.threads.start(proc, tid);
    this.apply(op, tid, proc, pLo, pHi, lo, hi);
    this.threads.exit(tid);
  }

  /** `tid`: the recording thread (keys its realloc in progress); `by`: the thread the trace names. */
  private apply(op: number, tid: number, proc: number, pLo: number, pHi: number, lo: number, hi: number, by = tid): void {
    if ((op & RAW_AFTER_EXIT) !== 0) { this.applyAfterExit(op & ~RAW_AFTER_EXIT, tid, proc, pLo, pHi, lo, hi); return; }
    const w = this.w;
    const ptr = pLo + pHi * TWO32; // only compared with 0 and used for counts
    const ps = this.procState(proc);
    this.lastPs = ps;
    switch (op) {
      case RAW_OP.MALLOC:
      case RAW_OP.CALLOC:
      case RAW_OP.MEMALIGN: {
        if (ptr === 0) { this.s.failedAllocs++; return; }
        const size = this.traceSize(lo + (hi & SIZE_HI_MASK) * TWO32);
        this.forgetStale(ps, by, pLo, pHi);
        const id = op === RAW_OP.MALLOC ? w.alloc(by, size)
          : op === RAW_OP.CALLOC ? w.calloc(by, size) : w.memalign(by, 2 ** (hi >>> 24), size);
        ps.addr.set(pLo, pHi, id);
        return;
      }
      case RAW_OP.FREE: {
        if (ptr === 0) { this.s.nullFrees++; return; }
        const id = ps.addr.take(pLo, pHi);
        if (id < 0) { this.s.foreignFrees++; return; }
        w.free(by, id);
        return;
      }
      case RAW_OP.REALLOC_BEGIN: {
        const id = ps.addr.take(pLo, pHi);
        if (id < 0) this.s.foreignFrees++;
        this.reallocs.set(tid, { id, lo: pLo, hi: pHi, proc: ps });
        return;
      }
      case RAW_OP.REALLOC_END: {
        const r = this.reallocs.get(tid);
        this.reallocs.delete(tid);
        const size = lo + (hi & SIZE_HI_MASK) * TWO32;
        const old = r ? r.id : -1;
        if (ptr === 0) {
          if (size === 0) { if (old >= 0) w.free(by, old); } // realloc(p, 0) freed p
          else if (old >= 0 && r) { this.s.failedAllocs++; r.proc.addr.set(r.lo, r.hi, old); } // failed: p stays
          return;
        }
        this.forgetStale(ps, by, pLo, pHi);
        const sz = this.traceSize(size);
        ps.addr.set(pLo, pHi, old >= 0 ? w.realloc(by, old, sz) : w.alloc(by, sz));
        return;
      }
      case RAW_OP.THREAD_START:
        this.threads.start(proc, tid);
        return;
      case RAW_OP.THREAD_EXIT:
        this.threads.exit(tid);
        return;
      case RAW_OP.THREAD_JOIN:
        this.threads.join(by, lo);
        return;
      case RAW_OP.THREAD_DETACH:
        this.threads.detach(proc, by, lo);
        return;
      case RAW_OP.PROC_START:
        if (lo === 1) {
          // exec: the old image's memory and threads are gone; its live objects stay live in the trace
          ps.addr.clear();
          this.threads.execProc(proc, tid);
          this.s.execs++;
        }
        return;
      case RAW_OP.PROC_END: {
        this.s.nullFrees += Math.floor(ptr / 256);
        this.s.droppedEvents += hi;
        this.threads.endProc(proc);
        if (proc === 0) {
          this.s.complete = true;
          this.s.end = { kind: END_KINDS[ptr & 255] ?? 'exit', code: lo | 0 };
        }
        return;
      }
      case RAW_OP.MARK:
        w.mark(by, markName(pLo, pHi, lo, hi));
        return;
      default:
        throw new NativeCaptureError('CORRUPT_LOG', `unknown record op ${op}`, this.name, this.offset);
    }
  }

  /** Trace sizes are >= 1: malloc(0) returns a real (minimum-size) block, recorded as 1 byte. */
  private traceSize(size: number): number {
    if (size > 0) return size;
    this.s.zeroSizeAllocs++;
    return 1;
  }

  /** An allocation at a still-live address means its free went unseen: release the old id first. */
  private forgetStale(ps: ProcState, tid: number, lo: number, hi: number): void {
    const old = ps.addr.take(lo, hi);
    if (old < 0) return;
    this.s.staleAddresses++;
    this.w.free(tid, old);
  }

  get needsDrain(): boolean { return this.w.needsDrain; }

  /** Emits what is left (skipping gaps), then closes the trace (footer) or, if truncated, aborts it. */
  async finish(): Promise<NativeConvertSummary> {
    // A partial chunk left in `carry` was cut by a kill mid-write: its records are lost (not emitted).
    while (this.pending > 0) {
      this.skipHole();
      this.drainReady();
      if (this.w.needsDrain) await this.w.drain();
    }
    this.s.events = this.w.events;
    Object.assign(this.s, this.threads.counts);
    this.s.truncated = !this.s.complete;
    if (this.s.complete) {
      this.s.footer = await this.w.close({ foreignFrees: this.s.foreignFrees, nullFrees: this.s.nullFrees });
    } else {
      await this.w.abort();
    }
    return this.s;
  }
}

function markName(pLo: number, pHi: number, lo: number, hi: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(pLo, 0);
  b.writeUInt32LE(pHi, 4);
  b.writeUInt32LE(lo, 8);
  b.writeUInt32LE(hi, 12);
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? 16 : z).toString('latin1');
}

/** Converts a raw log file into a trace at `dest` (format from the path unless `writer.format`). */
export async function nativeConvertLog(
  rawPath: string, dest: string | NodeJS.WritableStream, header: TraceHeaderInit, writer: TraceWriterOptions = {},
  followForks = false,
): Promise<NativeConvertSummary> {
  const w = createTraceWriter(dest, header, writer);
  const conv = new NativeLogConverter(w, rawPath, followForks);
  try {
    for await (const chunk of createReadStream(rawPath, { highWaterMark: 1 << 20 })) {
      conv.feed(chunk as Buffer);
      if (conv.needsDrain) await w.drain();
    }
  } catch (err) {
    await w.abort();
    throw err;
  }
  return conv.finish();
}
