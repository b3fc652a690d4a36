// openTrace: reads a trace (protobuf or JSON Lines, plain or gzip, path/'-'/stream) as a stream of
// reused EventBatch objects, validating in the same pass. Memory is bounded per chunk (limits.ts:
// frames, chunks and lines over their limits are errors; a big chunk is yielded in slices) and by
// the peak number of live objects, never by trace length. Format versions 1 and 2 are read (the
// header's formatVersion says which); in version 1, ops 8 and 9 (thread_join/detach) are UNKNOWN_OP.
// Every form gives the same events, event indices, counts, digest and error codes; a stream cut
// short (no footer; a gzip stream that ends early) is TRUNCATED, or ends quietly with allowTruncated
// after the last complete chunk (protobuf) or line (JSON). The footer is checked field by field
// (footerCheck.ts): BAD_FOOTER in strict mode, recorded in footerMismatches in lenient mode.
// A trace with stacks (header stackDepth > 0) also has Stacks records (protobuf) / stack lines (JSON),
// read into `stacks`, and a stack column checked and delivered by the stack pass (stackPass.ts).
import { traceApplyChecked, traceApplyFast, traceApplyWarm } from './apply.js';
import { TraceBatch } from './batch.js';
import { chunkMeta, traceChunkPrecheck, traceDecodeChunk, traceMaterialize } from './chunkDecode.js';
import { digestHex } from './digest.js';
import { TraceError, traceError } from './errors.js';
import { traceFooterMismatches } from './footerCheck.js';
import { TraceFrameReader } from './frames.js';
import { TraceInput } from './input.js';
import { TraceJsonLines } from './jsonRead.js';
import { TRACE_BATCH_MAX } from './limits.js';
import { opCountOfVersion } from './ops.js';
import { fusedKernelCreate, type FusedKernel } from './fusedKernel.js';
import { TraceReadState, traceCheckRuns, traceCheckUsed } from './readState.js';
import { TRACE_MAGIC, TRACE_READ_VERSIONS } from './schema.js';
import { schemaReadFooter, schemaReadHeader } from './schemaRead.js';
import { TraceByteStream } from './source.js';
import { TraceStackTable } from './stacks.js';
import { VarintCursor, varintRead } from './varint.js';
import {
  gStackBad, gStackPos, traceBadStack, traceStackColumnCheck, traceStackColumnUsed, traceStackCount, traceStackScan,
} from './stackPass.js';
import type {
  EventBatch, OpenTraceOptions, TraceDigestStatus, TraceFooter, TraceFooterField, TraceFooterMismatch, TraceFormat,
  TraceHeader, TraceReader,
} from './types.js';

const REC_HEADER = 0x0a, REC_CHUNK = 0x12, REC_FOOTER = 0x1a, REC_STACKS = 0x22;

export async function openTrace(source: string | NodeJS.ReadableStream, opts: OpenTraceOptions = {}): Promise<TraceReader> {
  const name = opts.name ?? (typeof source === 'string' ? (source === '-' ? '<stdin>' : source) : '<stream>');
  const bytes = new TraceByteStream(source, name);
  try {
    await bytes.start();
    const r = new TraceReaderImpl(bytes, opts);
    await r.open();
    return r;
  } catch (e) {
    bytes.close();
    throw e;
  }
}

class TraceReaderImpl implements TraceReader {
  header!: TraceHeader;
  format: TraceFormat = 'pb';
  footer: TraceFooter | null = null;
  truncated = false;
  digestStatus: TraceDigestStatus = 'unchecked';
  footerMismatches: readonly TraceFooterMismatch[] = [];
  private st: TraceReadState;
  private countsBefore = new Float64Array(256);
  /** The batch being written: sets[setAt % sets.length]. The reader moves to the next set after each
   *  batch it yields (never after an empty slice), so a consumer may hold the last batchSets - 1. */
  private batch: TraceBatch;
  private readonly sets: TraceBatch[];
  private setAt = 0;
  private inp: TraceInput;
  private readonly kernel: FusedKernel | null;
  /** Where a record's length varint ended (its body's start). */
  private readonly cur = new VarintCursor();
  private frames: TraceFrameReader | null = null;
  private json: TraceJsonLines | null = null;
  private started = false;
  private readonly lenient: boolean;
  private readonly validate: boolean;
  private readonly verifyDigest: boolean;
  readonly stacks = new TraceStackTable();
  private hasStacks = false;
  badStacks = 0;
  /** Stack column position of the next slice (traces with stacks). */
  private stackPos = 0;

  constructor(private bytes: TraceByteStream, private opts: OpenTraceOptions) {
    traceApplyWarm();
    this.lenient = opts.lenient ?? false;
    this.validate = opts.validate ?? true;
    this.verifyDigest = (opts.verifyDigest ?? true) && this.validate;
    // the fused kernel serves validating reads (protobuf); its arena holds the arrays it touches and
    // every batch's columns (sharedMemory)
    const kernel = this.validate ? fusedKernelCreate(opts.arena) : null;
    this.kernel = kernel;
    this.st = new TraceReadState(bytes.name, this.lenient, kernel);
    this.sets = Array.from({ length: Math.max(1, opts.batchSets ?? 1) }, () => new TraceBatch(kernel?.arena));
    this.batch = this.sets[0]!;
    this.inp = new TraceInput(kernel?.arena);
  }

  get gzip(): boolean { return this.bytes.gzip; }
  get skipped(): number { return this.st.skipped; }
  get events(): number { return this.st.read; }
  get applied(): number { return this.st.read - this.st.skipped; }
  get digest(): string | null { return this.verifyDigest ? digestHex(this.st.h1, this.st.h2) : null; }
  get bytesRead(): number { return this.bytes.rawBytes; }
  get sharedMemory(): WebAssembly.Memory | null { return this.kernel?.arena.memory ?? null; }
  inSharedMemory(view: ArrayBufferView): boolean { return this.kernel?.arena.holds(view) ?? false; }

  async open(): Promise<void> {
    const fr = new TraceFrameReader(this.bytes);
    // Peek the first decompressed bytes to tell JSON from protobuf.
    let fmt = this.opts.format ?? 'auto';
    if (fmt === 'auto') {
      // at least two bytes (a pipe may deliver one at a time)
      let first = await this.bytes.next();
      if (first) first = Buffer.from(first); // the source may reuse its buffer
      while (first && first.length < 2) {
        const more = await this.bytes.next();
        if (!more) break;
        first = Buffer.concat([first, more]);
      }
      const b0 = first && first.length > 0 ? first[0] : -1;
      const b1 = first && first.length > 1 ? first[1] : -1;
      fmt = b0 === 0x7b && b1 !== 0x0a ? 'json' : 'pb';
      this.format = fmt;
      if (fmt === 'pb') {
        this.frames = fr;
        if (first) fr.unshift(first);
      } else {
        this.json = new TraceJsonLines(this.bytes, this.st, this.inp, this.opts.batchEvents ?? 65536, this.stacks);
        if (first) this.json.unshift(first);
      }
    } else {
      this.format = fmt;
      if (fmt === 'pb') this.frames = fr;
      else this.json = new TraceJsonLines(this.bytes, this.st, this.inp, this.opts.batchEvents ?? 65536, this.stacks);
    }
    if (this.json) {
      this.header = await this.json.readHeader();
    } else {
      this.header = await this.readPbHeader(fr);
    }
    checkHeader(this.header, this.bytes.name);
    this.inp.opLimit = opCountOfVersion(this.header.formatVersion);
    this.hasStacks = this.header.stackDepth > 0;
    if (this.json) this.json.setStacks(this.hasStacks);
  }

  private async readPbHeader(fr: TraceFrameReader): Promise<TraceHeader> {
    const name = this.bytes.name;
    let ok: boolean;
    try {
      ok = await fr.next(1 << 20);
    } catch (e) {
      if (!(e instanceof TraceError) || e.code === 'IO') throw e;
      // a cut header of a real trace vs. something that is not a trace at all
      const head = Buffer.from(fr.buf.subarray(fr.pos, Math.min(fr.lim, fr.pos + 16))).toString('latin1');
      if (e.code === 'TRUNCATED' && head.includes(TRACE_MAGIC)) throw traceError('TRUNCATED', name, 0, -1, -1, 'stream ends inside the header', 'a complete header');
      throw traceError('BAD_MAGIC', name, 0, -1, -1, 'not a slabtrace trace (no header frame)', 'a TraceRecord{header} frame');
    }
    if (!ok) throw traceError('BAD_MAGIC', name, 0, -1, -1, 'empty stream', 'a slabtrace header');
    const buf = fr.buf;
    let p = fr.bodyStart;
    if (buf[p] !== REC_HEADER) throw traceError('BAD_MAGIC', name, 0, -1, -1, 'first record is not a header', 'a TraceRecord{header} frame');
    p++;
    const len = varintRead(buf, p, fr.bodyEnd, 5, this.cur);
    if (len < 0 || this.cur.end + len !== fr.bodyEnd) throw traceError('BAD_MAGIC', name, 0, -1, -1, 'malformed header record', 'a TraceRecord{header} frame');
    try {
      return schemaReadHeader(buf.subarray(this.cur.end, fr.bodyEnd));
    } catch (e) {
      throw traceError('BAD_MAGIC', name, 0, -1, -1, `malformed header: ${(e as Error).message}`, 'a slabtrace header');
    }
  }

  batches(): AsyncIterableIterator<EventBatch> {
    if (this.started) throw new Error('TraceReader.batches() can be called only once');
    this.started = true;
    return this.json ? this.jsonBatches() : this.pbBatches();
  }

  async close(): Promise<void> {
    this.bytes.close();
  }

  private async *pbBatches(): AsyncIterableIterator<EventBatch> {
    const fr = this.frames!, st = this.st, inp = this.inp, name = this.bytes.name;
    fr.precheck = traceChunkPrecheck;
    try {
      for (;;) {
        let ok: boolean;
        try {
          ok = await fr.next();
        } catch (e) {
          if (e instanceof TraceError && e.code === 'TRUNCATED') {
            // add where the stream was cut: the chunk and event that would have come next
            const t = traceError('TRUNCATED', name, e.offset, st.chunk, st.events, e.detail, e.expected);
            if (this.endTruncated(t)) return;
          }
          if (e instanceof TraceError && e.code === 'CORRUPT_CHUNK' && e.chunk < 0) throw this.corrupt(e.offset, e.detail);
          throw e;
        }
        if (!ok) {
          if (this.endTruncated(traceError('TRUNCATED', name, fr.offset, st.chunk, st.events, 'stream ends without a footer', 'a footer'))) return;
        }
        const buf = fr.buf;
        const kind = buf[fr.bodyStart];
        const len = varintRead(buf, fr.bodyStart + 1, fr.bodyEnd, 5, this.cur);
        if (len < 0 || this.cur.end + len !== fr.bodyEnd) throw this.corrupt(fr.frameOffset, 'record length disagrees with its frame');
        if (kind === REC_CHUNK) {
          st.frameOffset = fr.frameOffset;
          // validating: id and size columns decoded by the fused pass (traceApplyChecked)
          const err = traceDecodeChunk(buf, this.cur.end, fr.bodyEnd, inp, this.validate);
          if (err !== null) throw this.corrupt(fr.frameOffset, err);
          if (chunkMeta.firstEvent !== st.events) {
            const bad = traceMaterialize(inp); // a bad column varint is reported first, as always
            if (bad !== null) throw this.corrupt(fr.frameOffset, bad);
            throw this.corrupt(fr.frameOffset, `first_event is ${chunkMeta.firstEvent}`, `${st.events}`);
          }
          st.inp = inp;
          const runs = traceCheckRuns(inp);
          if (runs !== null) throw st.structural('CORRUPT_CHUNK', -1, traceMaterialize(inp) ?? runs);
          yield* this.slices(fr.frameOffset);
        } else if (kind === REC_FOOTER) {
          const at = fr.frameOffset;
          this.readFooter(buf.subarray(this.cur.end, fr.bodyEnd), at);
          let more: boolean;
          try {
            more = await fr.next();
          } catch (e) {
            // a gzip stream cut after the footer (its trailer missing)
            if (e instanceof TraceError && e.code === 'TRUNCATED' && this.endTruncated(e)) return;
            throw e;
          }
          if (more) throw this.corrupt(at, 'data after the footer', 'end of stream');
          return;
        } else if (kind === REC_STACKS) {
          if (!this.hasStacks) throw this.corrupt(fr.frameOffset, 'a stacks record in a trace without stacks', 'a chunk or the footer');
          const bad = this.stacks.addRecord(buf.subarray(this.cur.end, fr.bodyEnd));
          if (bad !== null) throw this.corrupt(fr.frameOffset, bad);
        } else {
          throw this.corrupt(fr.frameOffset, kind === REC_HEADER ? 'a second header' : `unknown record tag ${kind}`, 'a chunk or the footer');
        }
      }
    } finally {
      this.bytes.close();
    }
  }

  private async *jsonBatches(): AsyncIterableIterator<EventBatch> {
    const js = this.json!, st = this.st, inp = this.inp, name = this.bytes.name;
    try {
      for (;;) {
        const r = await js.nextBatch();
        if (r === 'events') {
          st.inp = inp;
          const runs = traceCheckRuns(inp);
          if (runs !== null) throw st.structural('CORRUPT_CHUNK', -1, runs);
          yield* this.slices(-1);
          if (js.failed) throw js.failed;
          continue;
        }
        if (r === 'footer') {
          this.checkFooter(js.footer!, js.footerOffset, (k) => k === 'events' || k === 'digest' || js.footerKeys.has(k));
          await js.expectEnd();
          // a gzip stream cut after the footer (its trailer missing)
          if (js.cut) this.endTruncated(traceError('TRUNCATED', name, js.offset, -1, -1, js.cut.detail, 'a complete gzip stream'));
          return;
        }
        // end without footer (or inside a gzip stream)
        const detail = js.cut ? `${js.cut.detail}, without a footer` : 'stream ends without a footer';
        if (this.endTruncated(traceError('TRUNCATED', name, js.offset, st.chunk, st.events, detail, 'a footer'))) return;
      }
    } finally {
      this.bytes.close();
    }
  }

  /**
   * The decoded chunk (JSON: batch of lines) as batches: slices of up to TRACE_BATCH_MAX events, each
   * ended early by a bad event (strict: thrown once the events before it are yielded; lenient: the
   * next slice starts after it). frameOffset: the chunk's frame (protobuf); -1: each line's (JSON).
   */
  private *slices(frameOffset: number): Generator<EventBatch> {
    const st = this.st, inp = this.inp;
    this.countsBefore.set(st.opCounts);
    const cols = traceStackColumnCheck(inp, this.hasStacks);
    if (cols !== null) throw st.structural('CORRUPT_CHUNK', -1, cols);
    this.stackPos = 0;
    let from = 0;
    do {
      const b = this.batch;
      from = this.applySlice(from, frameOffset >= 0 ? frameOffset : inp.lineOff![from]!);
      if (b.count > 0) {
        yield b;
        this.batch = this.sets[++this.setAt % this.sets.length]!;
      }
      if (st.pending) throw st.pending;
    } while (from < inp.n);
    st.countChunk(inp, this.countsBefore);
    st.events += inp.n;
    st.read = st.events;
    st.chunk++;
  }

  /**
   * Applies input events [from, …) of the decoded chunk (JSON: batch of lines) into the batch: up to
   * TRACE_BATCH_MAX of them, or up to a bad event. Returns where the next slice starts; after the
   * chunk's last event, its columns must have been consumed exactly.
   */
  private applySlice(from: number, offset: number): number {
    const st = this.st, inp = this.inp, b = this.batch;
    const n = inp.n;
    const limit = n - from > TRACE_BATCH_MAX ? from + TRACE_BATCH_MAX : n;
    let next: number;
    if (this.hasStacks) {
      // the stack ids first: the pass runs up to the first undefined one (checked reads)
      const defined = this.validate ? this.stacks.count : Infinity;
      b.ensure(limit - from);
      const k = traceStackScan(inp, b, this.stackPos, from, limit, defined, this.lenient);
      const atK = gStackPos;
      this.badStacks += gStackBad;
      next = this.validate ? traceApplyChecked(st, inp, b, this.verifyDigest, from, k) : traceApplyFast(st, inp, b, from, k);
      if (next === k && k < limit && st.pending === null) traceBadStack(st, inp, k, inp.stackIds[atK]!, defined);
      this.stackPos = next === k ? atK : this.stackPos + traceStackCount(inp, from, next);
      if (next === n && st.pending === null) {
        const bad = traceStackColumnUsed(inp, this.stackPos);
        if (bad !== null) throw st.structural('CORRUPT_CHUNK', -1, bad);
      }
    } else {
      next = this.validate ? traceApplyChecked(st, inp, b, this.verifyDigest, from, limit) : traceApplyFast(st, inp, b, from, limit);
    }
    b.first = st.events + from;
    b.chunk = st.chunk;
    b.byteOffset = offset;
    st.countOps(inp.ops, from, next);
    st.read = st.events + next;
    if (next === n) {
      const cols = traceCheckUsed(st, inp);
      if (cols !== null) throw st.structural('CORRUPT_CHUNK', -1, cols);
    }
    return next;
  }

  /** Returns true to end quietly (allowTruncated); else throws e. */
  private endTruncated(e: TraceError): true {
    this.truncated = true;
    if (this.opts.allowTruncated) return true;
    throw e;
  }

  private readFooter(bytes: Uint8Array, offset: number): void {
    let f: TraceFooter;
    try {
      f = schemaReadFooter(bytes);
    } catch (e) {
      throw this.corrupt(offset, `malformed footer: ${(e as Error).message}`);
    }
    this.checkFooter(f, offset, () => true); // proto3: an absent field is 0
  }

  /**
   * Every footer field the footer has (has) against what was read: strict mode throws the first
   * mismatch's BAD_FOOTER; lenient mode records them all (footerMismatches).
   */
  private checkFooter(f: TraceFooter, offset: number, has: (field: TraceFooterField) => boolean): void {
    const ms = traceFooterMismatches(f, this.st, has, this.validate, this.verifyDigest, this.bytes.name, offset);
    if (ms.length > 0 && !this.lenient) throw ms[0]!.error;
    this.footer = f;
    this.footerMismatches = ms;
    this.digestStatus = !this.verifyDigest ? 'unchecked' : ms.some((m) => m.field === 'digest') ? 'mismatch' : 'verified';
  }

  /**
   * Bytes held by the reader's buffers and state (typed arrays, strings, thread-id sets), for the
   * memory-bound checks of the tests (not in the public TraceReader interface). Buffers only grow,
   * so after a read this is its peak (the JSON parser's line buffer aside).
   */
  memoryFootprint(): number {
    const i = this.inp, ids = this.st.ids, th = this.st.threads;
    let n = 0;
    for (const b of this.sets) n += b.op.byteLength + b.tid.byteLength + b.id.byteLength + b.size.byteLength + b.aux.byteLength + b.stack.byteLength;
    n += i.opsOwn.byteLength + i.body.byteLength + i.runV.byteLength + i.runL.byteLength + i.ids.byteLength;
    n += i.sizesF64.byteLength + i.sizes32.byteLength + i.aligns.byteLength + i.targets.byteLength;
    n += i.stackIds.byteLength;
    n += (i.xids?.byteLength ?? 0) + (i.lineOff?.byteLength ?? 0) + (i.ops.buffer === i.opsOwn.buffer ? 0 : i.ops.byteLength);
    n += ids.stack.byteLength + ids.live.byteLength + 16 * ids.big.size;
    n += th.live.byteLength + th.seen.byteLength + th.fate.byteLength + 16 * (th.bigLive.size + th.bigSeen.size + th.bigFate.size);
    for (const m of i.marks) n += 2 * m.length + 16;
    for (const b of this.sets) for (const m of b.markNames) n += 2 * m.length + 16;
    return n + (this.frames?.buf.byteLength ?? 0);
  }

  private corrupt(offset: number, detail: string, expected?: string): TraceError {
    return traceError('CORRUPT_CHUNK', this.bytes.name, offset, this.st.chunk, -1, detail, expected);
  }
}

function checkHeader(h: TraceHeader, name: string): void {
  if (h.magic !== TRACE_MAGIC) throw traceError('BAD_MAGIC', name, 0, -1, -1, `magic is ${JSON.stringify(h.magic)}`, JSON.stringify(TRACE_MAGIC));
  if (!TRACE_READ_VERSIONS.includes(h.formatVersion)) {
    throw traceError('BAD_VERSION', name, 0, -1, -1, `format version ${h.formatVersion} is not supported`, `one of ${TRACE_READ_VERSIONS.join(', ')}`);
  }
  if (h.stackDepth > 0 && h.formatVersion < 2) {
    throw traceError('BAD_VERSION', name, 0, -1, -1, `call stacks (stackDepth ${h.stackDepth}) in a format version ${h.formatVersion} trace`, 'format version 2');
  }
}
