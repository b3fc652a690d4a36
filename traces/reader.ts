// openTrace: reads a trace (protobuf or JSON Lines, plain or gzip, path/'-'/stream) as a stream of
// reused EventBatch objects, validating in the same pass. Memory is bounded by the biggest chunk and
// the peak number of live objects, never by trace length. Format versions 1 and 2 are read (the
// header's formatVersion says which); in version 1, ops 8 and 9 (thread_join/detach) are UNKNOWN_OP.
import { traceApplyChecked, traceApplyFast, traceCheckRuns, traceCheckUsed, TraceReadState } from './apply.js';
import { TraceBatch } from './batch.js';
import { chunkMeta, traceDecodeChunk, traceMaterialize } from './chunkDecode.js';
import { digestHex } from './digest.js';
import { TraceError, traceError } from './errors.js';
import { TraceFrameReader } from './frames.js';
import { TraceInput } from './input.js';
import { TraceJsonLines } from './jsonRead.js';
import { opCountOfVersion } from './ops.js';
import { TRACE_MAGIC, TRACE_READ_VERSIONS, schemaDecodeFooter, schemaDecodeHeader } from './schema.js';
import { TraceByteStream } from './source.js';
import type { EventBatch, OpenTraceOptions, TraceFooter, TraceFormat, TraceHeader, TraceReader } from './types.js';

const REC_HEADER = 0x0a, REC_CHUNK = 0x12, REC_FOOTER = 0x1a;

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
  private st: TraceReadState;
  private batch = new TraceBatch();
  private inp = new TraceInput();
  private frames: TraceFrameReader | null = null;
  private json: TraceJsonLines | null = null;
  private started = false;
  private readonly lenient: boolean;
  private readonly validate: boolean;
  private readonly verifyDigest: boolean;

  constructor(private bytes: TraceByteStream, private opts: OpenTraceOptions) {
    this.lenient = opts.lenient ?? false;
    this.validate = opts.validate ?? true;
    this.verifyDigest = (opts.verifyDigest ?? true) && this.validate;
    this.st = new TraceReadState(bytes.name, this.lenient);
  }

  get gzip(): boolean { return this.bytes.gzip; }
  get skipped(): number { return this.st.skipped; }
  get bytesRead(): number { return this.bytes.rawBytes; }

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
        this.json = new TraceJsonLines(this.bytes, this.st, this.inp, this.opts.batchEvents ?? 65536);
        if (first) this.json.unshift(first);
      }
    } else {
      this.format = fmt;
      if (fmt === 'pb') this.frames = fr;
      else this.json = new TraceJsonLines(this.bytes, this.st, this.inp, this.opts.batchEvents ?? 65536);
    }
    if (this.json) {
      this.header = await this.json.readHeader();
    } else {
      this.header = await this.readPbHeader(fr);
    }
    checkHeader(this.header, this.bytes.name);
    this.inp.opLimit = opCountOfVersion(this.header.formatVersion);
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
    const len = readSmallVarint(buf, p, fr.bodyEnd);
    if (len < 0 || gEnd + len !== fr.bodyEnd) throw traceError('BAD_MAGIC', name, 0, -1, -1, 'malformed header record', 'a TraceRecord{header} frame');
    try {
      return schemaDecodeHeader(buf.subarray(gEnd, fr.bodyEnd));
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
    const fr = this.frames!, st = this.st, inp = this.inp, b = this.batch, name = this.bytes.name;
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
          throw e;
        }
        if (!ok) {
          if (this.endTruncated(traceError('TRUNCATED', name, fr.offset, st.chunk, st.events, 'stream ends without a footer', 'a footer'))) return;
        }
        const buf = fr.buf;
        const kind = buf[fr.bodyStart];
        const len = readSmallVarint(buf, fr.bodyStart + 1, fr.bodyEnd);
        if (len < 0 || gEnd + len !== fr.bodyEnd) throw this.corrupt(fr.frameOffset, 'record length disagrees with its frame');
        if (kind === REC_CHUNK) {
          st.frameOffset = fr.frameOffset;
          // validating: id and size columns decoded by the fused pass (traceApplyChecked)
          const err = traceDecodeChunk(buf, gEnd, fr.bodyEnd, inp, this.validate);
          if (err !== null) throw this.corrupt(fr.frameOffset, err);
          if (chunkMeta.firstEvent !== st.events) {
            const bad = traceMaterialize(inp); // a bad column varint is reported first, as always
            if (bad !== null) throw this.corrupt(fr.frameOffset, bad);
            throw this.corrupt(fr.frameOffset, `first_event is ${chunkMeta.firstEvent}`, `${st.events}`);
          }
          this.runPass(fr.frameOffset);
          if (b.count > 0) yield b;
          if (st.pending) throw st.pending;
        } else if (kind === REC_FOOTER) {
          this.readFooter(buf.subarray(gEnd, fr.bodyEnd), fr.frameOffset);
          if (await fr.next()) throw this.corrupt(fr.frameOffset, 'data after the footer', 'end of stream');
          return;
        } else {
          throw this.corrupt(fr.frameOffset, kind === REC_HEADER ? 'a second header' : `unknown record tag ${kind}`, 'a chunk or the footer');
        }
      }
    } finally {
      this.bytes.close();
    }
  }

  private async *jsonBatches(): AsyncIterableIterator<EventBatch> {
    const js = this.json!, st = this.st, b = this.batch;
    try {
      for (;;) {
        const r = await js.nextBatch();
        if (r === 'events') {
          this.runPass(this.inp.lineOff![0]!);
          if (b.count > 0) yield b;
          if (st.pending) throw st.pending;
          continue;
        }
        if (r === 'footer') {
          this.checkFooter(js.footer!, js.footerOffset, js.footerHasJoins, js.footerHasDetaches);
          await js.expectEnd();
          return;
        }
        // end without footer
        if (this.endTruncated(traceError('TRUNCATED', this.bytes.name, js.offset, st.chunk, st.events, 'stream ends without a footer', 'a footer'))) return;
      }
    } finally {
      this.bytes.close();
    }
  }

  /** Structural checks, then the validating (or fast) pass into the batch. */
  private runPass(offset: number): void {
    const st = this.st, inp = this.inp, b = this.batch;
    st.inp = inp;
    const runs = traceCheckRuns(inp);
    if (runs !== null) throw st.structural('CORRUPT_CHUNK', -1, traceMaterialize(inp) ?? runs);
    b.first = st.events;
    b.chunk = st.chunk;
    b.byteOffset = offset;
    const used = this.validate ? traceApplyChecked(st, inp, b, this.verifyDigest) : traceApplyFast(st, inp, b);
    if (used === inp.n) {
      const cols = traceCheckUsed(st, inp);
      if (cols !== null) throw st.structural('CORRUPT_CHUNK', -1, cols);
    }
    st.events += used;
    st.chunk++;
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
      f = schemaDecodeFooter(bytes);
    } catch (e) {
      throw this.corrupt(offset, `malformed footer: ${(e as Error).message}`);
    }
    this.checkFooter(f, offset, true, true); // proto3: an absent count is 0
  }

  /** Event count, join/detach counts (when the footer has them) and digest against what was read. */
  private checkFooter(f: TraceFooter, offset: number, hasJoins: boolean, hasDetaches: boolean): void {
    const st = this.st, name = this.bytes.name;
    if (f.events !== st.events) {
      throw traceError('BAD_FOOTER', name, offset, -1, -1, `footer says ${f.events} events, the stream has ${st.events}`, `${st.events}`);
    }
    if (hasJoins && f.threadJoins !== st.joins) {
      throw traceError('BAD_FOOTER', name, offset, -1, -1, `footer threadJoins says ${f.threadJoins} thread_join events, the stream has ${st.joins}`, `${st.joins}`);
    }
    if (hasDetaches && f.threadDetaches !== st.detaches) {
      throw traceError('BAD_FOOTER', name, offset, -1, -1, `footer threadDetaches says ${f.threadDetaches} thread_detach events, the stream has ${st.detaches}`, `${st.detaches}`);
    }
    if (this.verifyDigest && st.skipped === 0) {
      const d = digestHex(st.h1, st.h2);
      if (f.digest !== d) throw traceError('BAD_FOOTER', name, offset, -1, -1, `footer digest ${f.digest} does not match the events`, d);
    }
    this.footer = f;
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
}

let gEnd = 0;
/** Varint at p (<= 5 bytes) → value, end in gEnd; -1 on error. */
function readSmallVarint(buf: Uint8Array, p: number, end: number): number {
  let v = 0, mul = 1;
  for (let k = 0; k < 5 && p < end; k++) {
    const b = buf[p++]!;
    v += (b & 127) * mul;
    mul *= 128;
    if (b < 128) { gEnd = p; return v; }
  }
  return -1;
}
