// Converting libslabtrace's raw log (recorder/native/preload.c; format in nativeRaw.ts) into traces.
// Pass 1 (nativeProcs.ts) finds the processes and their images; pass 2 (NativeLogConverter) merges
// the records by sequence number and writes each process's events to its output (nativeOutputs.ts:
// one merged trace, or one per process).
// Invariants:
//  - Records are emitted in global sequence order (seq numbers are dense); early records wait in a
//    window indexed by seq; a gap still open at the end of the log is skipped and counted (lostSeqs).
//  - Addresses live only here: per OS process a table from address to the id the writer assigned; the
//    writer applies the dense recycled id rule. Frees of addresses never allocated while recording
//    are counted (foreignFrees), as are free(NULL) (nullFrees); neither is an event.
//  - realloc is BEGIN (address released) … END (new address): the old id stays live in between so a
//    concurrent allocation reusing the old address gets its own id; END writes one realloc event.
//  - Thread records (start, exit, join, detach; arg of join/detach = the target's thread id) go
//    through the output's NativeThreads, which writes only what the trace reader accepts.
//  - A record flagged AFTER_EXIT (a created thread's event after its exit) is written as done by a
//    live thread of its process (NativeThreads.standIn); with none, the thread is started and exited
//    around it. realloc pairs stay keyed by the recording thread.
//  - An exec'd image continues its process: its main thread is the process's main thread, and at its
//    PROC_START the old image's live objects are freed and its other threads exit, released (the
//    kernel took them). With `execOnlyFinal`, only each process's final image is written.
//  - A process ends with its final image's PROC_END: its trace is closed (per-process), or in a
//    merged trace a child's objects are freed and its threads released (so heaps of processes that
//    no longer exist do not add up). Records of a process after its end are dropped and counted.
//  - Stacks (`--stacks`): a STACK record names the stack (per image, raw id) of its thread's next
//    allocation record; the symbolised frames (nativeStacks.ts) are defined in the output's writer on
//    first use, deduplicated by their text per output, so raw ids of different images never mix.
import { createReadStream } from 'node:fs';
import type { TraceFooter, TraceHeaderInit, TraceWriterOptions } from '../traces/index.js';
import { NativeAddrTable } from './nativeAddrTable.js';
import { NativeCaptureError } from './nativeError.js';
import { nativeProcScan, type NativeImage, type NativeImageEnd, type NativeProcess, type NativeProcTable } from './nativeProcs.js';
import { NativeOutput, NativeOutputs, type NativeOutputFile, type NativeOutputSpec } from './nativeOutputs.js';
import { RAW_AFTER_EXIT, RAW_END_KINDS, RAW_OP, RAW_REC_WORDS, RawChunker, rawName } from './nativeRaw.js';
import type { NativeThreadCounts } from './nativeThreads.js';
import type { NativeStackTables } from './nativeStacks.js';

export { RAW_AFTER_EXIT, RAW_MAGIC, RAW_OP } from './nativeRaw.js';

const TWO32 = 4294967296;
const SIZE_HI_MASK = 0xffffff;

export interface NativeConvertSummary extends NativeThreadCounts {
  events: number;
  rawRecords: number;
  rawBytes: number;
  /** The root process's final image wrote its end record (exit or return from main, _exit, quick_exit, a fatal signal). */
  complete: boolean;
  /** How the root process ended, from its end record (null when truncated). */
  end: NativeImageEnd | null;
  truncated: boolean;
  foreignFrees: number;
  nullFrees: number;
  failedAllocs: number;
  /** Allocations returning an address that was still live (a free the recorder did not see). */
  staleAddresses: number;
  /** Allocations of 0 bytes (recorded as 1 byte: the trace format's minimum). */
  zeroSizeAllocs: number;
  /** Events the preload library did not record (after its final flush started), and records of a
   * process after its end. */
  droppedEvents: number;
  /** Sequence numbers never seen (events lost when a process died mid-record, or voided at an end). */
  lostSeqs: number;
  /** Records that came after their number was given up as lost (out of order by more than the
   * converter's window, 2^24 records: threads descheduled for long on an oversubscribed machine). */
  lateRecords: number;
  /** Events a thread made after its exit, written as another live thread's of its process. */
  afterExitEvents: number;
  /** Threads started at an event of theirs because their start record was lost. */
  threadsStartedAfterLoss: number;
  /** OS processes recorded (the program and, with --follow-forks, its children). */
  processes: number;
  /** Images replaced by exec (the program ran through a wrapper such as a shell script). */
  execs: number;
  /** Events of images left out by execOnlyFinal. */
  skippedImageEvents: number;
  /** Frees written for objects still live when their image was replaced or their (child) process ended. */
  releasedObjects: number;
  /** Where a broken log's usable part ended (bytes), or -1. */
  logCutAt: number;
  /** --stacks: raw stacks whose table was missing (their allocations got stack 0). */
  unknownStacks: number;
  /** The traces written: one (merged) or one per process. */
  files: NativeOutputFile[];
  /** The process structure (pass 1). */
  table: NativeProcTable | null;
  footer: TraceFooter | null;
}

export interface NativeConvertOptions {
  /** Children were followed: a gap before an exec'd image may still be filled by another process. */
  followForks?: boolean;
  /** Write only each process's final image (the program a wrapper chain exec'd last). */
  execOnlyFinal?: boolean;
  /** The capture's log broke (a failed write): a corrupt chunk ends it instead of failing. */
  brokenLog?: boolean;
  /** The process structure, when already scanned. */
  table?: NativeProcTable;
  /** --stacks: the symbolised stack tables of the images (the outputs' headers have stackDepth > 0). */
  stacks?: NativeStackTables;
}

/** One OS process being converted. */
interface ProcState {
  p: NativeProcess;
  out: NativeOutput;
  addr: NativeAddrTable;
  /** Its main thread's id in its trace. */
  main: number;
  ended: boolean;
  foreignFrees: number;
  nullFrees: number;
  /** --stacks: recorder thread id → (image proc id) * 2^32 + raw stack id of its next allocation. */
  pendingStack: Map<number, number>;
}

/** One image (proc id) being converted. */
interface ImageState {
  img: NativeImage;
  ps: ProcState;
  /** Left out (execOnlyFinal, not its process's final image). */
  skip: boolean;
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
  private pending = 0;
  /** Sequence numbers below this one will never arrive (an image was replaced by exec). */
  private execBarrier = -1;
  private chunker: RawChunker;
  /** --stacks: per output, raw (image, stack) → trace stack id, and frames text → trace stack id. */
  private stackIds = new Map<NativeOutput, { byRaw: Map<number, number>; byText: Map<string, number> }>();
  private images = new Map<number, ImageState>();
  private procs = new Map<number, ProcState>();
  private reallocs = new Map<number, { id: number; lo: number; hi: number; ps: ProcState }>();
  private lastProc = -1;
  private lastIs: ImageState | null = null;
  readonly s: NativeConvertSummary = {
    events: 0, rawRecords: 0, rawBytes: 0, complete: false, end: null, truncated: true,
    foreignFrees: 0, nullFrees: 0, failedAllocs: 0, zeroSizeAllocs: 0, staleAddresses: 0, droppedEvents: 0, lostSeqs: 0, lateRecords: 0, afterExitEvents: 0, threadsStartedAfterLoss: 0,
    threads: 0, threadJoins: 0, threadDetaches: 0, threadRestarts: 0, skippedThreadOps: 0, processes: 0, execs: 0,
    skippedImageEvents: 0, releasedObjects: 0, logCutAt: -1, unknownStacks: 0, files: [], table: null, footer: null,
  };

  constructor(
    private outputs: NativeOutputs, private table: NativeProcTable, name: string,
    private opts: NativeConvertOptions = {}, private maxWindow = 1 << 24,
  ) {
    this.chunker = new RawChunker(name, opts.brokenLog ?? false);
    this.s.table = table;
  }

  /** Parses whole chunks of `buf` (keeping a partial chunk for the next call) and emits what it can. */
  feed(buf: Buffer): void {
    this.chunker.feed(buf, this.addChunk);
    this.s.rawBytes = this.chunker.offset;
    this.drainReady();
  }

  /** `at`: index in u32 words of the first record. */
  private readonly addChunk = (u32: Uint32Array, at: number, n: number, tid: number, proc: number): void => {
    this.s.rawRecords += n;
    for (let i = 0; i < n; i++) {
      const p = at + i * RAW_REC_WORDS;
      const lo = u32[p];
      const seq = (lo >>> 8) + u32[p + 1] * 16777216;
      if (seq < this.next) { this.s.lateRecords++; continue; } // its number was already skipped as lost
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
      if ((lo & 255) === RAW_OP.PROC_START && proc !== 0 && !this.opts.followForks && seq > this.execBarrier) {
        this.execBarrier = seq; // only the program's images are recorded: this one is an exec'd image
      }
    }
  };

  private growWindow(seq: number): void {
    if (this.window >= this.maxWindow) {
      // A gap this wide will not close in time: skip the missing records (counted lost; one that
      // still comes later is dropped) and go on with the records present.
      while (seq - this.next >= this.window) {
        if (this.pending === 0) { this.s.lostSeqs += seq - this.next; this.next = seq; return; }
        this.skipHole();
        this.drainReady();
      }
      return;
    }
    const size = this.window * 2;
    const grow = <T extends Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
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

  /** The state of image `proc` (created at its first record, made by recorder thread `tid`). */
  private imageOf(proc: number, tid: number): ImageState {
    if (proc === this.lastProc && this.lastIs) return this.lastIs;
    let is = this.images.get(proc);
    if (!is) is = this.imageNew(proc, tid);
    this.lastProc = proc;
    this.lastIs = is;
    return is;
  }

  private imageNew(proc: number, tid: number): ImageState {
    const img = this.table.image(proc);
    const p = this.table.processOf(img);
    const skip = this.opts.execOnlyFinal === true && !this.table.isFinal(img);
    const mainTid = img.mainTid >= 0 ? img.mainTid : tid;
    let ps = this.procs.get(p.index);
    if (!ps && !skip) ps = this.procNew(p, mainTid);
    else if (ps && !skip) ps.out.alias(mainTid, ps.main); // an exec'd image: its main thread goes on
    const is: ImageState = { img, ps: ps as ProcState, skip };
    this.images.set(proc, is);
    return is;
  }

  private procNew(p: NativeProcess, mainTid: number): ProcState {
    const out = this.outputs.of(p);
    if (this.outputs.perProcess) out.alias(mainTid, 0);
    const ps: ProcState = {
      p, out, addr: new NativeAddrTable(), main: out.tid(mainTid), ended: false, foreignFrees: 0, nullFrees: 0, pendingStack: new Map(),
    };
    this.procs.set(p.index, ps);
    this.s.processes++;
    return ps;
  }

  /** Records were lost (a thread's start among them, maybe): an event of a thread that is not live
   * starts it first, so that the trace stays valid. */
  private liveAfterLoss(ps: ProcState, t: number): void {
    if (ps.out.threads.isLive(t)) return;
    ps.out.threads.start(ps.p.index, t);
    this.s.threadsStartedAfterLoss++;
  }

  /** A record made by `tid` after its exit: done by a stand-in, or by tid restarted around it. */
  private applyAfterExit(ps: ProcState, op: number, rt: number, pLo: number, pHi: number, lo: number, hi: number): void {
    this.s.afterExitEvents++;
    const t = ps.out.tid(rt);
    const threads = ps.out.threads;
    const by = threads.standIn(ps.p.index, t);
    if (by >= 0) { this.applyEvent(ps, op, rt, by, pLo, pHi, lo, hi); return; }
    threads.start(ps.p.index, t);
    this.applyEvent(ps, op, rt, t, pLo, pHi, lo, hi);
    threads.exit(t);
  }

  /** One record in sequence order; `rt`: the recorder thread id. */
  private apply(op: number, rt: number, proc: number, pLo: number, pHi: number, lo: number, hi: number): void {
    const is = this.imageOf(proc, rt);
    if ((op & ~RAW_AFTER_EXIT) === RAW_OP.STACK) {
      if (!is.skip && !is.ps.ended) is.ps.pendingStack.set(rt, proc * TWO32 + (lo >>> 0));
      return;
    }
    if (is.skip) { this.s.skippedImageEvents++; return; }
    const ps = is.ps;
    if (ps.ended) { this.s.droppedEvents++; return; }
    if ((op & RAW_AFTER_EXIT) !== 0) { this.applyAfterExit(ps, op & ~RAW_AFTER_EXIT, rt, pLo, pHi, lo, hi); return; }
    if (op <= RAW_OP.REALLOC_END) {
      const t = ps.out.tid(rt);
      if (this.s.lostSeqs > 0) this.liveAfterLoss(ps, t);
      this.applyEvent(ps, op, rt, t, pLo, pHi, lo, hi);
      return;
    }
    this.applyControl(is, op, ps.out.tid(rt), pLo, pHi, lo, hi);
  }

  /** An allocation-family record; `rt` keys a realloc in progress, `by` is the thread the trace names. */
  private applyEvent(ps: ProcState, op: number, rt: number, by: number, pLo: number, pHi: number, lo: number, hi: number): void {
    const w = ps.out.w;
    const ptr = pLo + pHi * TWO32; // only compared with 0 and used for counts
    switch (op) {
      case RAW_OP.MALLOC:
      case RAW_OP.CALLOC:
      case RAW_OP.MEMALIGN: {
        const stack = this.stackOf(ps, rt);
        if (ptr === 0) { this.s.failedAllocs++; return; }
        const size = this.traceSize(lo + (hi & SIZE_HI_MASK) * TWO32);
        this.forgetStale(ps, by, pLo, pHi);
        const id = op === RAW_OP.MALLOC ? w.alloc(by, size, stack)
          : op === RAW_OP.CALLOC ? w.calloc(by, size, stack) : w.memalign(by, 2 ** (hi >>> 24), size, stack);
        ps.addr.set(pLo, pHi, id);
        return;
      }
      case RAW_OP.FREE: {
        if (ptr === 0) { this.s.nullFrees++; ps.nullFrees++; return; }
        const id = ps.addr.take(pLo, pHi);
        if (id < 0) { this.s.foreignFrees++; ps.foreignFrees++; return; }
        w.free(by, id);
        return;
      }
      case RAW_OP.REALLOC_BEGIN: {
        const id = ps.addr.take(pLo, pHi);
        if (id < 0) { this.s.foreignFrees++; ps.foreignFrees++; }
        this.reallocs.set(rt, { id, lo: pLo, hi: pHi, ps });
        return;
      }
      case RAW_OP.REALLOC_END: {
        const stack = this.stackOf(ps, rt);
        const r = this.reallocs.get(rt);
        this.reallocs.delete(rt);
        const size = lo + (hi & SIZE_HI_MASK) * TWO32;
        const old = r && r.ps === ps ? r.id : -1;
        if (ptr === 0) {
          if (size === 0) { if (old >= 0) w.free(by, old); } // realloc(p, 0) freed p
          else if (old >= 0 && r) { this.s.failedAllocs++; ps.addr.set(r.lo, r.hi, old); } // failed: p stays
          return;
        }
        this.forgetStale(ps, by, pLo, pHi);
        const sz = this.traceSize(size);
        ps.addr.set(pLo, pHi, old >= 0 ? w.realloc(by, old, sz, stack) : w.alloc(by, sz, stack));
        return;
      }
      default:
        throw new NativeCaptureError('CORRUPT_LOG', `unknown record op ${op}`, '', this.chunker.offset);
    }
  }

  /** --stacks: the trace stack id of `rt`'s allocation record now applied (its STACK record's), else 0. */
  private stackOf(ps: ProcState, rt: number): number {
    const tables = this.opts.stacks;
    if (!tables) return 0;
    const key = ps.pendingStack.get(rt);
    if (key === undefined) return 0;
    ps.pendingStack.delete(rt);
    const out = ps.out;
    let cache = this.stackIds.get(out);
    if (!cache) { cache = { byRaw: new Map(), byText: new Map() }; this.stackIds.set(out, cache); }
    const known = cache.byRaw.get(key);
    if (known !== undefined) return known;
    const frames = tables.images.get(Math.floor(key / TWO32))?.[key % TWO32];
    let id = 0;
    if (frames && frames.length > 0) {
      const text = frames.join('\n');
      id = cache.byText.get(text) ?? out.w.defineStack(frames);
      cache.byText.set(text, id);
    } else {
      this.s.unknownStacks++;
    }
    cache.byRaw.set(key, id);
    return id;
  }

  /** Thread, process and mark records; `t`: the trace's thread id of the record's thread. */
  private applyControl(is: ImageState, op: number, t: number, pLo: number, pHi: number, lo: number, hi: number): void {
    const ps = is.ps;
    const threads = ps.out.threads;
    const proc = ps.p.index;
    switch (op) {
      case RAW_OP.THREAD_START: threads.start(proc, t); return;
      case RAW_OP.THREAD_EXIT: threads.exit(t); return;
      case RAW_OP.THREAD_JOIN: threads.join(t, ps.out.tid(lo)); return;
      case RAW_OP.THREAD_DETACH: threads.detach(proc, t, ps.out.tid(lo)); return;
      case RAW_OP.MARK: ps.out.w.mark(t, rawName(pLo, pHi, lo, hi)); return;
      case RAW_OP.PROC_NAME: case RAW_OP.EXEC: return; // known from pass 1
      case RAW_OP.PROC_START:
        if (is.img.position > 0 && !this.opts.execOnlyFinal) this.execReplace(ps);
        return;
      case RAW_OP.PROC_END: {
        const quietNulls = Math.floor((pLo + pHi * TWO32) / 256);
        this.s.nullFrees += quietNulls;
        ps.nullFrees += quietNulls;
        this.s.droppedEvents += hi;
        if (this.table.isFinal(is.img)) this.endProcess(ps, { kind: RAW_END_KINDS[pLo & 255] ?? 'exit', code: lo | 0 });
        return;
      }
      default:
        throw new NativeCaptureError('CORRUPT_LOG', `unknown record op ${op}`, '', this.chunker.offset);
    }
  }

  /** An exec'd image starts: the old image's objects are freed and its other threads released. */
  private execReplace(ps: ProcState): void {
    this.s.execs++;
    this.releaseObjects(ps);
    ps.out.threads.execProc(ps.p.index, ps.main);
  }

  /** Frees every object still live in the process (its memory went with its image or process). */
  private releaseObjects(ps: ProcState): void {
    const by = ps.out.threads.standIn(ps.p.index, ps.main);
    if (by < 0) return;
    for (const id of ps.addr.ids()) { ps.out.w.free(by, id); this.s.releasedObjects++; }
    ps.addr.clear();
  }

  private endProcess(ps: ProcState, end: NativeImageEnd): void {
    ps.ended = true;
    const threads = ps.out.threads;
    if (ps.p.root) { this.s.complete = true; this.s.end = end; }
    if (this.outputs.perProcess) {
      threads.endProc(ps.p.index);
      this.outputs.end(ps.p, { foreignFrees: ps.foreignFrees, nullFrees: ps.nullFrees });
    } else if (ps.p.root) {
      threads.endProc(ps.p.index);
    } else {
      this.releaseObjects(ps);
      threads.releaseProc(ps.p.index, ps.main);
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
    ps.out.w.free(tid, old);
  }

  get needsDrain(): boolean { return this.outputs.needsDrain; }

  drain(): Promise<void> { return this.outputs.drain(); }

  /** Emits what is left (skipping gaps), then ends every trace (footer, or truncated). */
  async finish(): Promise<NativeConvertSummary> {
    // A partial chunk still carried was cut by a kill mid-write: its records are lost (not emitted).
    while (this.pending > 0) {
      this.skipHole();
      this.drainReady();
      if (this.outputs.needsDrain) await this.outputs.drain();
    }
    this.s.logCutAt = this.chunker.cutAt;
    this.s.truncated = !this.s.complete;
    this.sumThreads();
    this.s.files = await this.outputs.finish(this.table.processes.filter((p) => this.procs.has(p.index)), this.s.complete,
      { foreignFrees: this.s.foreignFrees, nullFrees: this.s.nullFrees });
    this.s.events = this.s.files.reduce((n, f) => n + f.events, 0);
    const root = this.table.root ? this.procs.get(this.table.root.index) : undefined;
    this.s.footer = root?.out.footer ?? null;
    return this.s;
  }

  private sumThreads(): void {
    const seen = new Set<NativeOutput>();
    for (const ps of this.procs.values()) {
      if (seen.has(ps.out)) continue;
      seen.add(ps.out);
      const c = ps.out.threads.counts;
      this.s.threads += c.threads;
      this.s.threadJoins += c.threadJoins;
      this.s.threadDetaches += c.threadDetaches;
      this.s.threadRestarts += c.threadRestarts;
      this.s.skippedThreadOps += c.skippedThreadOps;
    }
  }
}

/**
 * Converts a raw log file into traces: `dest` one file or stream (merged), or `{dir}` for one trace
 * per process. The format comes from the path unless `writer.format`.
 */
export async function nativeConvertLog(
  rawPath: string, dest: string | NodeJS.WritableStream | { dir: string }, header: TraceHeaderInit,
  writer: TraceWriterOptions = {}, opts: NativeConvertOptions = {},
): Promise<NativeConvertSummary> {
  const table = opts.table ?? await nativeProcScan(rawPath, opts.brokenLog);
  const spec: NativeOutputSpec = typeof dest === 'object' && 'dir' in dest ? { kind: 'perProcess', dir: dest.dir } : { kind: 'single', dest };
  const outputs = new NativeOutputs(spec, header, writer);
  const conv = new NativeLogConverter(outputs, table, rawPath, opts);
  try {
    for await (const chunk of createReadStream(rawPath, { highWaterMark: 1 << 20 })) {
      conv.feed(chunk as Buffer);
      if (conv.needsDrain) await conv.drain();
    }
  } catch (err) {
    await outputs.abort();
    throw err;
  }
  return conv.finish();
}
