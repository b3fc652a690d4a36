// traceInfo (`slabtrace info`): one streaming pass over a trace that summarises it — events per kind,
// threads and thread generations, peak live objects and bytes, bytes allocated, the fraction of frees
// done by another thread than the allocating one, a size histogram by size classes the caller passes
// (the allocator's defaults, in practice), the marks, bytes per event, call stacks (depth, stacks
// defined), the format version and the thread lifecycle (started, exited, joined, detached,
// leaked, live at the end). Memory is bounded by peak live ids and thread ids (growable typed arrays).
// Lifecycle (format version 2): per thread id, a fate (none / joinable / released); an incarnation
// that exited and was never joined or detached is leaked — counted when its id starts again and, at
// the end, for every exited joinable id. A version-1 trace has no join/detach events: its threads
// are treated as joined at exit (the replayer does the same), so it reports no leaks.

import { growF64, growU32, growU8 } from './growable.js';
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START,
} from './ops.js';
import { openTrace } from './reader.js';
import type { OpenTraceOptions, TraceReader } from './types.js';

export interface TraceInfoOptions extends OpenTraceOptions {
  /** The on-disk size, when known (else the bytes read). */
  fileBytes?: number;
  /** Histogram buckets, ascending: a size counts in the first class at least as large, else in `large`. */
  sizeClasses: readonly number[];
}

/** Thread lifecycle counts of a trace (thread 0 is live from the start and is not counted as started). */
interface TraceThreadLifecycle {
  /** thread_start events (thread generations). */
  started: number;
  /** thread_exit events. */
  exited: number;
  /** thread_join events. */
  joined: number;
  /** thread_detach events. */
  detached: number;
  /** Incarnations that exited and were never joined or detached (also those restarted while unreleased); 0 for version 1. */
  leaked: number;
  /** Threads live at the end of the trace (thread 0 included). */
  liveAtEnd: number;
  /** Version-1 trace: no join/detach events, every thread is treated as joined at its exit. */
  joinedAtExit: boolean;
}

export interface TraceInfo {
  file: string;
  format: string;
  /** Trace format version (1 or 2). */
  formatVersion: number;
  gzip: boolean;
  workload: string;
  /** The workload's positional arguments (with `workload`, the command line that made the trace). */
  args: string[];
  params: Record<string, string>;
  recorder: string;
  seed: number;
  events: number;
  ops: Record<string, number>;
  threads: number;
  threadGenerations: number;
  maxConcurrentThreads: number;
  threadLifecycle: TraceThreadLifecycle;
  peakLiveObjects: number;
  peakLiveBytes: number;
  bytesAllocated: number;
  frees: number;
  /** Frees (and reallocs) by another thread than the allocating one, and their share of all frees. */
  crossThreadFrees: number;
  crossThreadFreeShare: number;
  /** Allocations per size class (keyed by the class size), then `large` (above the last class). */
  sizeHistogram: Record<string, number>;
  /** The first INFO_MAX_MARKS marks (markCount says how many there are). */
  marks: { name: string; event: number }[];
  markCount: number;
  fileBytes: number;
  bytesPerEvent: number;
  /** Call stacks (header stackDepth > 0): the most frames per stack and the stacks defined; null without. */
  callStacks: { depth: number; defined: number } | null;
  complete: boolean;
  digest: string | null;
  /** The footer's digest against the events applied: verified, mismatch (lenient), unchecked. */
  digestStatus: 'verified' | 'mismatch' | 'unchecked';
  /** Lenient reads: footer fields that disagree with the stream. */
  footerMismatches: { field: string; footer: number | string; read: number | string; message: string }[];
  skipped: number;
}

/** Marks listed by info (the rest are counted): a trace may hold millions. */
const INFO_MAX_MARKS = 10_000;

class InfoAccumulator {
  ops = new Float64Array(OP_NAMES.length);
  owner = new Uint32Array(0);
  liveSize = new Float64Array(0);
  seenTid = new Uint8Array(0);
  liveTid = new Uint8Array(0);
  /** Per thread id: 0 never started, 1 joinable (live or exited unreleased), 2 joined or detached. */
  fateTid = new Uint8Array(0);
  leaked = 0;
  threads = 1;
  liveThreads = 1;
  maxConcurrent = 1;
  liveObjects = 0;
  liveBytes = 0;
  peakObjects = 0;
  peakBytes = 0;
  bytesAllocated = 0;
  crossFrees = 0;
  hist: Float64Array;
  marks: { name: string; event: number }[] = [];
  markCount = 0;

  constructor(readonly sizeClasses: readonly number[]) {
    this.hist = new Float64Array(sizeClasses.length + 1);
    this.seenTid = growU8(this.seenTid, 1);
    this.liveTid = growU8(this.liveTid, 1);
    this.fateTid = growU8(this.fateTid, 1);
    this.seenTid[0] = 1;
    this.liveTid[0] = 1;
    this.fateTid[0] = 1;
  }

  sizeBucket(size: number): number {
    const classes = this.sizeClasses;
    for (let c = 0; c < classes.length; c++) if (size <= classes[c]!) return c;
    return classes.length;
  }

  take(id: number, tid: number, size: number): void {
    this.owner = growU32(this.owner, id + 1);
    this.liveSize = growF64(this.liveSize, id + 1);
    this.owner[id] = tid;
    this.liveSize[id] = size;
    this.liveObjects++;
    this.liveBytes += size;
    this.bytesAllocated += size;
    this.hist[this.sizeBucket(size)]++;
    if (this.liveObjects > this.peakObjects) this.peakObjects = this.liveObjects;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
  }

  release(id: number, tid: number): void {
    if (this.owner[id] !== tid) this.crossFrees++;
    this.liveObjects--;
    this.liveBytes -= this.liveSize[id];
  }

  thread(tid: number, start: boolean): void {
    this.seenTid = growU8(this.seenTid, tid + 1);
    this.liveTid = growU8(this.liveTid, tid + 1);
    this.fateTid = growU8(this.fateTid, tid + 1);
    if (start) {
      if (!this.seenTid[tid]) this.threads++;
      if (this.fateTid[tid] === 1) this.leaked++; // the previous incarnation exited unreleased
      this.seenTid[tid] = 1;
      this.liveTid[tid] = 1;
      this.fateTid[tid] = 1;
      this.liveThreads++;
      if (this.liveThreads > this.maxConcurrent) this.maxConcurrent = this.liveThreads;
    } else {
      this.liveTid[tid] = 0;
      this.liveThreads--;
    }
  }

  /** thread_join / thread_detach of target (the reader checked it): released. */
  releaseThread(target: number): void {
    this.fateTid = growU8(this.fateTid, target + 1);
    this.fateTid[target] = 2;
  }

  /** Leaked incarnations: those counted at restarts plus the exited, unreleased ones at the end. */
  leakedAtEnd(): number {
    let n = this.leaked;
    const fate = this.fateTid, live = this.liveTid;
    for (let t = 0; t < fate.length; t++) if (fate[t] === 1 && live[t] !== 1) n++;
    return n;
  }
}

async function infoConsume(reader: TraceReader, acc: InfoAccumulator): Promise<number> {
  for await (const b of reader.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i];
      acc.ops[op]++;
      if (op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN) acc.take(b.id[i], b.tid[i], b.size[i]);
      else if (op === OP_FREE) acc.release(b.id[i], b.tid[i]);
      else if (op === OP_REALLOC) {
        acc.release(b.id[i], b.tid[i]);
        acc.take(b.id[i], b.tid[i], b.size[i]);
      } else if (op === OP_MARK) {
        if (acc.markCount++ < INFO_MAX_MARKS) acc.marks.push({ name: b.markNames[b.aux[i]], event: b.first + i });
      }
      else if (op === OP_THREAD_START || op === OP_THREAD_EXIT) acc.thread(b.tid[i], op === OP_THREAD_START);
      else if (op === OP_THREAD_JOIN || op === OP_THREAD_DETACH) acc.releaseThread(b.aux[i]);
    }
  }
  return reader.events; // events read, skipped ones included (the same in every form)
}

/** Streams `source` once and summarises it, its sizes counted by opts.sizeClasses. */
export async function traceInfo(source: string | NodeJS.ReadableStream, opts: TraceInfoOptions): Promise<TraceInfo> {
  const { fileBytes: onDisk, sizeClasses, ...readOpts } = opts;
  const reader = await openTrace(source, readOpts);
  const acc = new InfoAccumulator(sizeClasses);
  let events: number;
  try {
    events = await infoConsume(reader, acc);
  } finally {
    await reader.close();
  }
  const ops: Record<string, number> = {};
  OP_NAMES.forEach((name, op) => { ops[name] = acc.ops[op]; });
  const frees = acc.ops[OP_FREE] + acc.ops[OP_REALLOC];
  const sizeHistogram: Record<string, number> = {};
  sizeClasses.forEach((c, i) => { sizeHistogram[String(c)] = acc.hist[i]!; });
  sizeHistogram.large = acc.hist[sizeClasses.length]!;
  const fileBytes = onDisk ?? reader.bytesRead;
  const h = reader.header;
  const joinedAtExit = h.formatVersion < 2;
  const threadLifecycle: TraceThreadLifecycle = {
    started: acc.ops[OP_THREAD_START],
    exited: acc.ops[OP_THREAD_EXIT],
    joined: acc.ops[OP_THREAD_JOIN],
    detached: acc.ops[OP_THREAD_DETACH],
    leaked: joinedAtExit ? 0 : acc.leakedAtEnd(),
    liveAtEnd: acc.liveThreads,
    joinedAtExit,
  };
  return {
    file: typeof source === 'string' ? source : readOpts.name ?? '<stream>',
    format: reader.format,
    formatVersion: h.formatVersion,
    gzip: reader.gzip,
    workload: h.workload,
    args: h.args,
    params: h.params,
    recorder: h.recorder,
    seed: h.seed,
    events,
    ops,
    threads: acc.threads,
    threadGenerations: acc.ops[OP_THREAD_START],
    maxConcurrentThreads: acc.maxConcurrent,
    threadLifecycle,
    peakLiveObjects: acc.peakObjects,
    peakLiveBytes: acc.peakBytes,
    bytesAllocated: acc.bytesAllocated,
    frees,
    crossThreadFrees: acc.crossFrees,
    crossThreadFreeShare: frees > 0 ? acc.crossFrees / frees : 0,
    sizeHistogram,
    marks: acc.marks,
    markCount: acc.markCount,
    fileBytes,
    bytesPerEvent: events > 0 ? fileBytes / events : 0,
    callStacks: h.stackDepth > 0 ? { depth: h.stackDepth, defined: reader.stacks.count } : null,
    complete: reader.footer !== null,
    digest: reader.footer?.digest ?? null,
    digestStatus: reader.digestStatus,
    footerMismatches: reader.footerMismatches.map((m) => ({ field: m.field, footer: m.footer, read: m.read, message: m.error.message })),
    skipped: reader.skipped,
  };
}
