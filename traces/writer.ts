// createTraceWriter: sync event methods that validate each call (throwing TraceError: writers are
// our generators, so this catches their bugs), assign ids by the shared LIFO rule, buffer events in
// typed-array columns and write a chunk (protobuf or JSON Lines, optionally gzipped) when full.
// Writes format version 2 unless the header asks for 1 (convertTrace of a version-1 trace, which then
// comes out byte-identical); a version-1 writer refuses thread_join / thread_detach (UNKNOWN_OP).
// Invariants: a call that throws changes nothing; close() writes exactly one footer; abort() none;
// With stacks (header stackDepth > 0, version 2): defineStack adds to the stack table, the alloc kinds
// and realloc take a stack id (0 = unknown), and the stacks defined since the last chunk are written
// (one Stacks record / one line each) right before the next chunk, or before the footer.
// every chunk frame fits a reader's TRACE_MAX_FRAME: a chunk holds at most WRITER_MAX_CHUNK events
// (18 bytes each at most) and is written early once its mark names pass WRITER_MARK_BUDGET.
import { TraceColumns } from './columns.js';
import { TraceDigest } from './digest.js';
import { traceError, type TraceError, type TraceErrorCode } from './errors.js';
import { TraceIds } from './ids.js';
import { TraceThreads, TRACE_SMALL_TIDS, traceThreadFaultText, type TraceThreadFault } from './threads.js';
import { jsonEncodeChunk, jsonFooterLine, jsonHeaderLine } from './jsonEncode.js';
import { TraceChunkEncoder } from './chunkEncode.js';
import {
  OP_ALLOC, OP_CALLOC, OP_COUNT, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH,
  OP_THREAD_EXIT, OP_THREAD_JOIN, OP_THREAD_START, TRACE_MAX_SIZE, opCountOfVersion,
} from './ops.js';
import { TRACE_FORMAT_VERSION, TRACE_MAGIC, schemaEncodeFooter, schemaEncodeHeader } from './schema.js';
import { TRACE_MAX_FRAME } from './limits.js';
import { TraceSink } from './sink.js';
import { TraceStackTable } from './stacks.js';
import type {
  TraceFooter, TraceFooterExtra, TraceFormat, TraceHeader, TraceHeaderInit, TraceWriter, TraceWriterOptions,
} from './types.js';
import { varintPut32 } from './varint.js';

export const DEFAULT_CHUNK_EVENTS = 65536;

/** Mark name bytes (UTF-16 units × 3, an upper bound of UTF-8) after which a chunk is written early. */
const WRITER_MARK_BUDGET = TRACE_MAX_FRAME / 4;
/** Most bytes one event takes in a chunk (op 1, thread run 6, size 6, id or alignment or target 5). */
const WRITER_EVENT_BYTES = 18;
/** Most events per chunk, whatever chunkEvents asks: with the mark budget, a frame fits TRACE_MAX_FRAME. */
const WRITER_MAX_CHUNK = Math.floor((TRACE_MAX_FRAME - WRITER_MARK_BUDGET - (1 << 20)) / WRITER_EVENT_BYTES);
/** The same with a stack column (5 bytes more per event at most). */
const WRITER_MAX_CHUNK_STACKS = Math.floor((TRACE_MAX_FRAME - WRITER_MARK_BUDGET - (1 << 20)) / (WRITER_EVENT_BYTES + 5));
/** Frame text bytes (UTF-16 units × 3) of pending stacks after which they are written early (one Stacks record fits a frame). */
const WRITER_STACK_BUDGET = TRACE_MAX_FRAME / 4;

/** '.json', '.jsonl' (optionally + '.gz') → JSON; anything else → protobuf. */
export function traceFormatFromPath(path: string): TraceFormat {
  return /\.jsonl?(\.gz)?$/i.test(path) ? 'json' : 'pb';
}

export function traceHeaderFromInit(h: TraceHeaderInit, chunkEvents: number): TraceHeader {
  return {
    magic: h.magic ?? TRACE_MAGIC,
    formatVersion: h.formatVersion ?? TRACE_FORMAT_VERSION,
    workload: h.workload,
    params: { ...(h.params ?? {}) },
    args: [...(h.args ?? [])],
    recorder: h.recorder,
    seed: h.seed ?? 0,
    threads: h.threads ?? 0,
    pageSize: h.pageSize ?? 4096,
    createdAtMs: h.createdAtMs ?? 0,
    expectedEvents: h.expectedEvents ?? 0,
    chunkEvents,
    stackDepth: h.stackDepth ?? 0,
  };
}

export function createTraceWriter(
  dest: string | NodeJS.WritableStream, header: TraceHeaderInit, opts: TraceWriterOptions = {},
): TraceWriter {
  const path = typeof dest === 'string' ? dest : '';
  const format = opts.format ?? (path && path !== '-' ? traceFormatFromPath(path) : 'pb');
  const gzip = opts.gzip ?? /\.gz$/i.test(path);
  const chunkEvents = opts.chunkEvents ?? (header.chunkEvents || DEFAULT_CHUNK_EVENTS);
  if (!Number.isInteger(chunkEvents) || chunkEvents < 1 || chunkEvents > 1 << 24) {
    throw new RangeError(`createTraceWriter: chunkEvents must be an integer in 1..2^24, got ${chunkEvents}`);
  }
  const name = opts.name ?? (typeof dest === 'string' ? (dest === '-' ? '<stdout>' : dest) : '<stream>');
  const h = traceHeaderFromInit(header, chunkEvents);
  if (!(Number.isInteger(h.stackDepth) && h.stackDepth >= 0 && h.stackDepth <= 0xffffffff)) {
    throw new RangeError(`createTraceWriter: stackDepth must be an integer >= 0, got ${h.stackDepth}`);
  }
  if (h.stackDepth > 0 && h.formatVersion < 2) throw new RangeError('createTraceWriter: call stacks need format version 2');
  return new TraceWriterImpl(new TraceSink(dest, gzip, name), h, format, chunkEvents);
}

class TraceWriterImpl implements TraceWriter {
  events = 0;
  private cols: TraceColumns;
  private ids = new TraceIds();
  private threads = new TraceThreads();
  private digest = new TraceDigest();
  private enc = new TraceChunkEncoder();
  private chunk = 0;
  private counts = new Float64Array(OP_COUNT);
  private liveObjects = 0;
  private liveBytes = 0;
  private peakObjects = 0;
  private peakBytes = 0;
  private bytesAllocated = 0;
  private done = false;
  private markBytes = 0;
  private stackBytes = 0;
  private readonly version: number;
  private readonly hasStacks: boolean;
  readonly stacks = new TraceStackTable();

  constructor(private sink: TraceSink, header: TraceHeader, private format: TraceFormat, chunkEvents: number) {
    this.hasStacks = header.stackDepth > 0;
    this.cols = new TraceColumns(Math.min(chunkEvents, this.hasStacks ? WRITER_MAX_CHUNK_STACKS : WRITER_MAX_CHUNK), this.hasStacks);
    this.version = header.formatVersion;
    if (format === 'pb') {
      const rec = schemaEncodeHeader(header);
      const frame = new Uint8Array(rec.length + 5);
      const p = varintPut32(frame, 0, rec.length);
      frame.set(rec, p);
      sink.write(frame.subarray(0, p + rec.length));
    } else {
      sink.write(jsonHeaderLine(header));
    }
  }

  get needsDrain(): boolean {
    return this.sink.needsDrain;
  }

  drain(): Promise<void> {
    return this.sink.drain();
  }

  alloc(tid: number, size: number, stack = 0): number {
    this.checkThread(tid);
    if (!(size >= 1 && size <= TRACE_MAX_SIZE && Math.floor(size) === size)) throw this.badSize(size);
    if (stack !== 0) this.checkStack(stack);
    return this.allocCommon(OP_ALLOC, tid, size, 0, stack);
  }

  calloc(tid: number, size: number, stack = 0): number {
    this.checkThread(tid);
    if (!(size >= 1 && size <= TRACE_MAX_SIZE && Math.floor(size) === size)) throw this.badSize(size);
    if (stack !== 0) this.checkStack(stack);
    return this.allocCommon(OP_CALLOC, tid, size, 0, stack);
  }

  defineStack(frames: readonly string[]): number {
    this.checkOpen();
    if (!this.hasStacks) throw this.fail('BAD_STACK', 'defineStack in a trace without stacks', 'a header with stackDepth > 0');
    if (!Array.isArray(frames)) throw new TypeError('defineStack: frames must be an array of strings');
    const r = this.stacks.add(frames);
    if (typeof r === 'string') throw this.fail('BAD_STACK', r);
    for (const f of frames) this.stackBytes += 3 * f.length + 10;
    if (this.stackBytes > WRITER_STACK_BUDGET) this.flushStacks();
    return r;
  }

  memalign(tid: number, align: number, size: number, stack = 0): number {
    this.checkThread(tid);
    if (!(align >= 1 && align <= 0x80000000 && Math.floor(align) === align && (align & (align - 1)) === 0)) {
      throw this.fail('BAD_ALIGN', `memalign alignment ${align} is not a power of two`, 'a power of two <= 2^31');
    }
    if (!(size >= 1 && size <= TRACE_MAX_SIZE && Math.floor(size) === size)) throw this.badSize(size);
    if (stack !== 0) this.checkStack(stack);
    return this.allocCommon(OP_MEMALIGN, tid, size, align, stack);
  }

  free(tid: number, id: number): void {
    this.checkThread(tid);
    this.checkLive(id, 'free');
    this.liveObjects--;
    this.liveBytes -= this.ids.sizeOf(id);
    this.ids.release(id);
    this.push(OP_FREE, tid, id, 0, 0);
  }

  realloc(tid: number, id: number, size: number, stack = 0): number {
    this.checkThread(tid);
    this.checkLive(id, 'realloc');
    if (!(size >= 1 && size <= TRACE_MAX_SIZE && Math.floor(size) === size)) throw this.badSize(size);
    if (stack !== 0) this.checkStack(stack);
    // release + take under LIFO gives the same id back.
    this.liveBytes += size - this.ids.sizeOf(id);
    this.ids.setSize(id, size);
    this.bytesAllocated += size;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    if (this.hasStacks) this.cols.stack[this.cols.n] = stack;
    this.push(OP_REALLOC, tid, id, size, 0);
    return id;
  }

  threadStart(tid: number): void {
    this.checkTid(tid);
    if (this.threads.isLive(tid)) throw this.fail('THREAD_ORDER', `thread_start of thread ${tid}, which is already live`, 'a thread that is not live');
    this.threads.start(tid);
    this.push(OP_THREAD_START, tid, 0, 0, 0);
  }

  threadExit(tid: number): void {
    this.checkThread(tid);
    this.threads.setLive(tid, false);
    this.push(OP_THREAD_EXIT, tid, 0, 0, 0);
  }

  threadJoin(tid: number, target: number): void {
    this.threadFate(OP_THREAD_JOIN, tid, target);
  }

  threadDetach(tid: number, target: number): void {
    this.threadFate(OP_THREAD_DETACH, tid, target);
  }

  mark(tid: number, name: string): void {
    this.checkThread(tid);
    if (typeof name !== 'string') throw new TypeError('mark name must be a string');
    const c = this.cols;
    c.marks.push(name);
    this.markBytes += 3 * name.length;
    this.push(OP_MARK, tid, 0, 0, c.marks.length - 1);
    if (this.markBytes > WRITER_MARK_BUDGET) this.flushChunk();
  }

  async close(extra: TraceFooterExtra = {}): Promise<TraceFooter> {
    this.checkOpen();
    this.flushChunk();
    this.flushStacks();
    const c = this.counts;
    const footer: TraceFooter = {
      events: this.events, allocs: c[OP_ALLOC]!, frees: c[OP_FREE]!, reallocs: c[OP_REALLOC]!,
      callocs: c[OP_CALLOC]!, memaligns: c[OP_MEMALIGN]!, threadStarts: c[OP_THREAD_START]!,
      threadExits: c[OP_THREAD_EXIT]!, marks: c[OP_MARK]!, peakLiveObjects: this.peakObjects,
      peakLiveBytes: this.peakBytes, bytesAllocated: this.bytesAllocated,
      threadsSeen: this.threads.seenCount, digest: this.digest.hex(),
      foreignFrees: extra.foreignFrees ?? 0, nullFrees: extra.nullFrees ?? 0,
      threadJoins: c[OP_THREAD_JOIN]!, threadDetaches: c[OP_THREAD_DETACH]!,
    };
    if (this.format === 'pb') {
      const rec = schemaEncodeFooter(footer);
      const frame = new Uint8Array(rec.length + 5);
      const p = varintPut32(frame, 0, rec.length);
      frame.set(rec, p);
      this.sink.write(frame.subarray(0, p + rec.length));
    } else {
      this.sink.write(jsonFooterLine(footer, this.version));
    }
    this.done = true;
    await this.sink.end();
    return footer;
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      this.flushChunk();
    } finally {
      await this.sink.end();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** thread_join / thread_detach of target by tid: checks (version, acting thread, target's fate), then writes. */
  private threadFate(op: number, tid: number, target: number): void {
    this.checkOpen();
    if (op >= opCountOfVersion(this.version)) {
      throw this.fail('UNKNOWN_OP', `${OP_NAMES[op]} is not in format version ${this.version}`, 'a format version 2 writer');
    }
    this.checkThread(tid);
    this.checkTid(target);
    const fault: TraceThreadFault | null = op === OP_THREAD_JOIN ? this.threads.join(target) : this.threads.detach(target);
    if (fault !== null) {
      const { detail, expected } = traceThreadFaultText(fault, tid, target);
      throw this.fail(fault, detail, expected);
    }
    this.push(op, tid, 0, 0, target);
  }

  private allocCommon(op: number, tid: number, size: number, aux: number, stack: number): number {
    const id = this.ids.take(size);
    if (this.hasStacks) this.cols.stack[this.cols.n] = stack;
    this.bytesAllocated += size;
    this.liveBytes += size;
    if (++this.liveObjects > this.peakObjects) this.peakObjects = this.liveObjects;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    this.push(op, tid, id, size, aux);
    return id;
  }

  private push(op: number, tid: number, id: number, size: number, aux: number): void {
    const c = this.cols;
    const n = c.n;
    c.op[n] = op;
    c.tid[n] = tid;
    c.id[n] = id;
    c.size[n] = size;
    c.aux[n] = aux;
    c.n = n + 1;
    this.counts[op]!++;
    this.events++;
    if (tid >= TRACE_SMALL_TIDS || this.threads.seen[tid] === 0) this.threads.markSeen(tid);
    if (n + 1 === c.capacity) this.flushChunk();
  }

  private flushChunk(): void {
    const c = this.cols;
    if (c.n === 0) return;
    const first = this.events - c.n;
    this.flushStacks();
    if (this.format === 'pb') this.sink.write(this.enc.encode(c, first, this.digest, this.hasStacks));
    else this.sink.write(jsonEncodeChunk(c, this.digest, this.hasStacks));
    this.chunk++;
    this.markBytes = 0;
    c.reset();
  }

  /** The stacks defined since the last write: one Stacks record (protobuf) or a line each (JSON). */
  private flushStacks(): void {
    if (!this.stacks.hasPending) return;
    this.stackBytes = 0;
    if (this.format === 'json') {
      this.sink.write(this.stacks.takePendingJson());
      return;
    }
    const rec = this.stacks.takePendingRecord();
    const frame = new Uint8Array(rec.length + 5);
    const p = varintPut32(frame, 0, rec.length);
    frame.set(rec, p);
    this.sink.write(frame.subarray(0, p + rec.length));
  }

  /** Cold: a stack id given to an alloc kind or realloc (not 0) must be defined. */
  private checkStack(stack: number): void {
    if (!this.hasStacks) throw this.fail('BAD_STACK', `stack id ${stack} in a trace without stacks`, 'stack id 0');
    if (!(Number.isInteger(stack) && stack >= 1 && stack <= this.stacks.count)) {
      throw this.fail('BAD_STACK', `stack id ${stack} is not defined`, `0 or a defined stack id (1..${this.stacks.count})`);
    }
  }

  private checkThread(tid: number): void {
    if (tid < TRACE_SMALL_TIDS && this.threads.live[tid] === 1 && !this.done) return;
    this.checkOpen();
    this.checkTid(tid);
    if (!this.threads.isLive(tid)) throw this.fail('THREAD_ORDER', `event on thread ${tid}, which is not live`, 'a live thread (thread_start first)');
  }

  private checkTid(tid: number): void {
    this.checkOpen();
    if (!(Number.isInteger(tid) && tid >= 0 && tid <= 0xffffffff)) {
      throw new TypeError(`thread id must be an integer in 0..2^32-1, got ${tid}`);
    }
  }

  private checkOpen(): void {
    if (this.done) throw this.fail('IO', 'the writer is closed');
    const e = this.sink.error;
    if (e) throw e;
  }

  private checkLive(id: number, what: string): void {
    if (Number.isInteger(id) && id >= 0 && this.ids.isLive(id)) return;
    if (Number.isInteger(id) && id >= 0 && id < this.ids.next) {
      throw this.fail('DOUBLE_FREE', `${what} of id ${id}, which was already released`, 'a live id');
    }
    throw this.fail('FREE_NOT_LIVE', `${what} of id ${id}, which is not live`, 'a live id');
  }

  private badSize(size: number): TraceError {
    return this.fail('BAD_SIZE', `size ${size}`, 'an integer in 1..2^40');
  }

  private fail(code: TraceErrorCode, detail: string, expected?: string): TraceError {
    return traceError(code, this.sink.name, this.sink.bytes, this.chunk, this.events, detail, expected);
  }
}
