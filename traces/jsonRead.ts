// JSON Lines form, reading side: stream-json's JSONL parser turns the stream into line values (its
// stages run synchronously per input buffer); this module tracks each line's byte offset (a newline
// scan beside the parser), checks shapes (BAD_JSON)
// and fills a TraceInput (ops, thread runs, id/size/align/target columns, explicit ids, line offsets)
// so that the same validating pass as for protobuf applies. An op name the stream's format version
// does not have (thread_join / thread_detach in version 1) is UNKNOWN_OP, like an unknown name.
// A line longer than TRACE_MAX_JSON_LINE is BAD_JSON before it is buffered whole. A stream cut short
// (a gzip stream that ends early: TRUNCATED from the byte stream) ends like a plain file that ends
// there (`cut` says so): an unterminated last line that does not parse is the cut, not BAD_JSON.
// A trace with stacks has stack lines ({"stack":{"id":N,"frames":[...]}}): one ends the batch before
// it (the events before it are applied against the stacks defined before them), then goes into the
// stack table; alloc kinds and realloc may have "stack":N (absent = 0), put in the stack column.
// stream-json is loaded on first use (~20 ms): a protobuf trace's reader, and so every decode and
// replay worker that reads one, never needs it.
import { createRequire } from 'node:module';
import { TraceError, traceError } from './errors.js';
import { TraceInput } from './input.js';
import { TRACE_MAX_JSON_LINE } from './limits.js';
import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_JOIN,
  opFromName,
} from './ops.js';
import { TraceReadState } from './readState.js';
import { TraceByteStream } from './source.js';
import type { TraceStackTable } from './stacks.js';
import type { TraceFooter, TraceHeader } from './types.js';

const NONE = Symbol.for('object-stream.none');
const BAD_LINE = { badLine: true };

interface Item { value: unknown; off: number; partial: boolean }
type Stage = (v: unknown) => unknown;

type JsonlParser = (options: { errorIndicator: () => unknown }) => unknown;
let jsonlParser: JsonlParser | null = null;

/** The function list of a stream-json JSONL parser (stream-chain's gen() keeps it as fList). */
function jsonlStages(): Stage[] {
  jsonlParser ??= createRequire(import.meta.url)('stream-json/jsonl/parser.js') as JsonlParser;
  const p = jsonlParser({ errorIndicator: () => BAD_LINE }) as unknown as { fList?: Stage[] };
  const f = p.fList;
  if (!Array.isArray(f) || f.length !== 3 || !f.every((x) => typeof x === 'function')) {
    throw new Error('slabtrace: unexpected stream-json JSONL parser shape (expected 3 stages)');
  }
  return f;
}

export class TraceJsonLines {
  footer: TraceFooter | null = null;
  footerOffset = 0;
  /** The keys of the footer line (a missing key is not checked, e.g. threadJoins in version 1). */
  footerKeys: ReadonlySet<string> = new Set();
  /** Set when the byte stream ended early (a cut gzip stream): the TRUNCATED error it gave. */
  cut: TraceError | null = null;
  /**
   * A bad line (BAD_JSON, UNKNOWN_OP) after the events of the last batch: the reader applies those
   * first (a bad event among them is reported first), then throws it.
   */
  failed: TraceError | null = null;
  /** The stages of one stream-json JSONL parser: fixUtf8Stream, lines, parseLine. */
  private stages: Stage[];
  private vals: unknown[] = [];
  private vk = 0;
  private pending: Buffer[] = [];
  private ended = false;
  private offQ: number[] = [];
  // newline scan state
  private base = 0;
  private lineStart = 0;
  private curLen = 0;
  private curFirst = 0;
  private stashedFooter: Item | null = null;
  private stashedStack: Item | null = null;
  /** From the header (setStacks): stack lines and "stack" keys are allowed, the stack column is kept. */
  hasStacks = false;
  private readonly cap: number;
  /** Events the input arrays have room for (grown by doubling up to cap, so a small trace stays small). */
  private room = 0;

  constructor(private bytes: TraceByteStream, private st: TraceReadState, private inp: TraceInput, batchEvents: number, private stacks: TraceStackTable) {
    this.stages = jsonlStages();
    this.cap = Math.max(1, Math.min(batchEvents | 0, 1 << 22));
    this.grow(Math.min(this.cap, 1024));
  }

  /** Cold: input arrays with room for `room` events, keeping the batch so far. */
  private grow(room: number): void {
    const inp = this.inp, n = inp.n;
    const u8 = (a: Uint8Array, k: number): Uint8Array => { const b = new Uint8Array(room); b.set(a.subarray(0, k)); return b; };
    const u32 = (a: Uint32Array, k: number): Uint32Array => { const b = new Uint32Array(room); b.set(a.subarray(0, k)); return b; };
    const f64 = (a: Float64Array, k: number): Float64Array => { const b = new Float64Array(room); b.set(a.subarray(0, k)); return b; };
    inp.ops = u8(inp.ops, n);
    inp.runV = u32(inp.runV, inp.nRunV);
    inp.runL = u32(inp.runL, inp.nRunL);
    inp.ids = u32(inp.ids, inp.nIds);
    inp.sizes = f64(inp.sizes, inp.nSizes);
    inp.aligns = u32(inp.aligns, inp.nAligns);
    inp.targets = u32(inp.targets, inp.nTargets);
    if (this.hasStacks) inp.stackIds = u32(inp.stackIds, inp.nStackIds);
    inp.xids = u32(inp.xids ?? new Uint32Array(0), n);
    inp.lineOff = f64(inp.lineOff ?? new Float64Array(0), n);
    this.room = room;
  }

  /** The header says the trace has stacks: the stack column gets room for a batch. */
  setStacks(on: boolean): void {
    this.hasStacks = on;
    if (on && this.inp.stackIds.length < this.room) {
      const b = new Uint32Array(this.room);
      b.set(this.inp.stackIds.subarray(0, this.inp.nStackIds));
      this.inp.stackIds = b;
    }
  }

  /** Stream offset of the next unread byte. */
  get offset(): number {
    return this.base;
  }

  unshift(c: Buffer): void {
    this.pending.push(c);
  }

  async readHeader(): Promise<TraceHeader> {
    const it = await this.nextItem();
    const name = this.bytes.name;
    if (it === null) throw traceError('BAD_MAGIC', name, 0, -1, -1, 'empty stream', 'a {"header":...} line');
    if (it.value === BAD_LINE && it.partial) throw traceError('TRUNCATED', name, 0, -1, -1, 'stream ends inside the header', 'a complete header');
    if (it.value === BAD_LINE) throw traceError('BAD_JSON', name, it.off, -1, -1, 'first line is not valid JSON', 'a {"header":...} line');
    const h = (it.value as { header?: unknown } | null)?.header;
    if (!isObj(h)) throw traceError('BAD_MAGIC', name, it.off, -1, -1, 'first line is not a header', 'a {"header":...} line');
    const bad = (f: string): TraceError => traceError('BAD_JSON', name, it.off, -1, -1, `header field ${f} has the wrong type`);
    const str = (f: string): string => { const v = h[f] ?? ''; if (typeof v !== 'string') throw bad(f); return v; };
    const nat = (f: string): number => { const v = h[f] ?? 0; if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(f); return v; };
    const params = h.params ?? {};
    if (!isObj(params) || Object.values(params).some((v) => typeof v !== 'string')) throw bad('params');
    const args = h.args ?? [];
    if (!Array.isArray(args) || args.some((v) => typeof v !== 'string')) throw bad('args');
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(params).sort()) sorted[k] = params[k] as string;
    return {
      magic: str('magic'), formatVersion: nat('formatVersion'), workload: str('workload'), params: sorted,
      args: args as string[], recorder: str('recorder'), seed: nat('seed'), threads: nat('threads'),
      pageSize: nat('pageSize'), createdAtMs: nat('createdAtMs'), expectedEvents: nat('expectedEvents'),
      chunkEvents: nat('chunkEvents'), stackDepth: nat('stackDepth'),
    };
  }

  /**
   * Fills inp with up to batchEvents events. 'end' = stream ended (no footer). A bad line ends the
   * batch before it (failed is set; thrown here when the batch is empty).
   */
  async nextBatch(): Promise<'events' | 'footer' | 'end'> {
    const inp = this.inp;
    inp.reset();
    if (this.failed) throw this.failed;
    if (this.stashedFooter) {
      this.takeFooter(this.stashedFooter);
      return 'footer';
    }
    let n = 0;
    for (;;) {
      let it: Item | null;
      if (this.stashedStack) {
        it = this.stashedStack;
        this.stashedStack = null;
      } else {
        it = await this.nextItem();
      }
      if (it === null) return n > 0 ? 'events' : 'end';
      const v = it.value as Record<string, unknown>;
      let bad: TraceError | null;
      if (v === BAD_LINE) {
        // an unterminated last line that does not parse: the stream was cut
        if (it.partial) return n > 0 ? 'events' : 'end';
        bad = this.badJson(it.off, n, 'line is not valid JSON');
      } else if (!isObj(v)) {
        bad = this.badJson(it.off, n, 'line is not a JSON object');
      } else if (v.op === undefined && v.stack !== undefined) {
        if (n > 0) { this.stashedStack = it; return 'events'; }
        bad = this.addStack(v.stack, it.off);
      } else if (v.op === undefined && v.footer !== undefined) {
        if (n > 0) { this.stashedFooter = it; return 'events'; }
        this.takeFooter(it);
        return 'footer';
      } else {
        bad = this.addEvent(v, it.off, n);
      }
      if (bad !== null) {
        this.failed = bad;
        if (n === 0) throw bad;
        return 'events';
      }
      n = inp.n;
      if (n === this.cap) return 'events';
      if (n === this.room) this.grow(Math.min(this.cap, this.room * 2));
    }
  }

  /** A stack line: into the stack table, or the error that refuses it. */
  private addStack(v: unknown, off: number): TraceError | null {
    if (!this.hasStacks) return this.badJson(off, 0, 'a stack line in a trace without stacks');
    const bad = this.stacks.addJson(v);
    return bad === null ? null : this.badJson(off, 0, bad);
  }

  private takeFooter(it: Item): void {
    const f = (it.value as { footer: unknown }).footer;
    const name = this.bytes.name;
    if (!isObj(f)) throw traceError('BAD_JSON', name, it.off, -1, -1, 'footer is not an object');
    const nat = (k: string): number => {
      const v = f[k] ?? 0;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw traceError('BAD_JSON', name, it.off, -1, -1, `footer field ${k} has the wrong type`);
      return v;
    };
    const digest = f.digest;
    if (typeof digest !== 'string' || !/^[0-9a-f]{16}$/.test(digest)) {
      throw traceError('BAD_JSON', name, it.off, -1, -1, 'footer digest is not 16 hex digits');
    }
    this.footer = {
      events: nat('events'), allocs: nat('allocs'), frees: nat('frees'), reallocs: nat('reallocs'),
      callocs: nat('callocs'), memaligns: nat('memaligns'), threadStarts: nat('threadStarts'),
      threadExits: nat('threadExits'), marks: nat('marks'), peakLiveObjects: nat('peakLiveObjects'),
      peakLiveBytes: nat('peakLiveBytes'), bytesAllocated: nat('bytesAllocated'),
      threadsSeen: nat('threadsSeen'), digest, foreignFrees: nat('foreignFrees'), nullFrees: nat('nullFrees'),
      threadJoins: nat('threadJoins'), threadDetaches: nat('threadDetaches'),
    };
    this.footerKeys = new Set(Object.keys(f));
    this.footerOffset = it.off;
  }

  /** After the footer: anything but the end of the stream is an error. */
  async expectEnd(): Promise<void> {
    const it = await this.nextItem();
    if (it !== null) throw traceError('BAD_JSON', this.bytes.name, it.off, -1, -1, 'data after the footer', 'end of stream');
  }

  /** Adds the event line v as event n of the batch; or returns the error that refuses it (nothing added). */
  private addEvent(v: Record<string, unknown>, off: number, n: number): TraceError | null {
    const inp = this.inp;
    const op = opFromName(v.op);
    if (op < 0 || op >= inp.opLimit) {
      if (typeof v.op === 'string') {
        const why = op < 0 ? '' : ' in a format version 1 trace (format version 2 has it)';
        return traceError('UNKNOWN_OP', this.bytes.name, off, this.st.chunk, this.st.events + n, `unknown op ${JSON.stringify(v.op)}${why}`);
      }
      return this.badJson(off, n, v.header !== undefined ? 'a second header' : 'event has no "op" string');
    }
    const bad = eventShapeError(op, v);
    if (bad !== null) return this.badJson(off, n, bad);
    if (v.stack !== undefined) {
      if (!this.hasStacks) return this.badJson(off, n, '"stack" in a trace without stacks');
      if (!isU32(v.stack) || !(op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN || op === OP_REALLOC)) {
        return this.badJson(off, n, '"stack" must be an integer in 0..2^32-1, on alloc, calloc, memalign or realloc');
      }
    }
    const tid = v.tid as number;
    let x = 0;
    if (op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN || op === OP_FREE) x = v.id as number;
    if (op === OP_FREE || op === OP_REALLOC) inp.ids[inp.nIds++] = v.id as number;
    if (op === OP_REALLOC) x = v.newId as number;
    if (op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN || op === OP_REALLOC) {
      const s = v.size as number;
      inp.sizes[inp.nSizes++] = Number.isInteger(s) && s >= 0 ? s : NaN;
      if (this.hasStacks) inp.stackIds[inp.nStackIds++] = (v.stack as number | undefined) ?? 0;
    }
    if (op === OP_MEMALIGN) {
      const a = v.align as number;
      inp.aligns[inp.nAligns++] = isU32(a) ? a : 0;
    }
    if (op === OP_MARK) inp.marks.push(v.name as string);
    else if (op === OP_THREAD_JOIN || op === OP_THREAD_DETACH) inp.targets[inp.nTargets++] = v.target as number;
    inp.ops[n] = op;
    inp.xids![n] = x;
    inp.lineOff![n] = off;
    if (inp.nRunV > 0 && inp.runV[inp.nRunV - 1] === tid) inp.runL[inp.nRunL - 1]!++;
    else {
      inp.runV[inp.nRunV++] = tid as number;
      inp.runL[inp.nRunL++] = 1;
    }
    inp.n = n + 1;
    return null;
  }

  private badJson(off: number, n: number, detail: string): TraceError {
    return traceError('BAD_JSON', this.bytes.name, off, this.st.chunk, this.st.events + n, detail);
  }

  private async nextItem(): Promise<Item | null> {
    for (;;) {
      if (this.vk < this.vals.length) {
        const value = this.vals[this.vk]!;
        const off = this.offQ[this.vk] ?? this.lineStart;
        this.vk++;
        return { value, off, partial: this.ended };
      }
      if (this.ended) return null;
      const c = this.pending.length ? this.pending.shift()! : await this.nextBytes();
      // everything of the previous input was consumed: start fresh queues
      this.offQ = this.offQ.slice(this.vk);
      this.vals.length = 0;
      this.vk = 0;
      if (c === null) {
        this.ended = true;
        if (this.curLen > 0) this.offQ.push(this.lineStart);
        this.runStages(NONE);
        continue;
      }
      this.scan(c);
      this.runStages(c);
    }
  }

  /** The next input buffer; null at the end, also when the stream was cut (then `cut` is set). */
  private async nextBytes(): Promise<Buffer | null> {
    try {
      return await this.bytes.next();
    } catch (e) {
      if (!(e instanceof TraceError) || e.code !== 'TRUNCATED') throw e;
      this.cut = e;
      return null;
    }
  }

  /**
   * Runs the parser's own stages (fixUtf8Stream, lines, parseLine) synchronously over one input:
   * stream-json's async-generator driver costs more per line than parsing it.
   */
  private runStages(input: Buffer | symbol): void {
    const [fix, lines, parse] = this.stages;
    const text = fix!(input);
    if (input === NONE) {
      if (typeof text === 'string' && text) this.feed(lines!(text), parse!);
      this.feed(lines!(NONE), parse!);
    } else {
      this.feed(lines!(text), parse!);
    }
  }

  private feed(g: unknown, parse: Stage): void {
    if (!g || typeof (g as Iterator<unknown>).next !== 'function') return;
    for (const line of g as Iterable<unknown>) {
      const r = parse(line) as { value: unknown } | symbol;
      if (r !== NONE) this.vals.push((r as { value: unknown }).value);
    }
  }

  /** Records the start offset of every non-empty line completed in c (what the parser will emit). */
  private scan(c: Buffer): void {
    let seg = 0;
    for (;;) {
      const k = c.indexOf(10, seg);
      if (k < 0) break;
      const len = this.curLen + (k - seg);
      if (len > TRACE_MAX_JSON_LINE) throw this.lineTooLong();
      const first = this.curLen > 0 ? this.curFirst : c[seg]!;
      if (len > 0 && !(len === 1 && first === 0x0d)) this.offQ.push(this.lineStart);
      this.lineStart = this.base + k + 1;
      this.curLen = 0;
      seg = k + 1;
    }
    if (seg < c.length) {
      if (this.curLen === 0) this.curFirst = c[seg]!;
      this.curLen += c.length - seg;
      if (this.curLen > TRACE_MAX_JSON_LINE) throw this.lineTooLong();
    }
    this.base += c.length;
  }

  /** Cold: BAD_JSON for a line over TRACE_MAX_JSON_LINE (the line may still be unterminated). */
  private lineTooLong(): TraceError {
    return traceError('BAD_JSON', this.bytes.name, this.lineStart, this.st.chunk, -1,
      `line longer than the limit of ${TRACE_MAX_JSON_LINE} bytes (TRACE_MAX_JSON_LINE)`, 'a line break');
  }
}

/** What is missing or of the wrong type in an event line of a known op, or null. */
function eventShapeError(op: number, v: Record<string, unknown>): string | null {
  if (!isU32(v.tid)) return `"tid" must be an integer in 0..2^32-1`;
  const alloc = op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN;
  if ((alloc || op === OP_REALLOC || op === OP_FREE) && !isU32(v.id)) return `${v.op} needs an integer "id"`;
  if (op === OP_REALLOC && !isU32(v.newId)) return 'realloc needs an integer "newId"';
  if ((alloc || op === OP_REALLOC) && typeof v.size !== 'number') return `${v.op} needs a numeric "size"`;
  if (op === OP_MEMALIGN && typeof v.align !== 'number') return 'memalign needs a numeric "align"';
  if (op === OP_MARK && typeof v.name !== 'string') return 'mark needs a string "name"';
  if ((op === OP_THREAD_JOIN || op === OP_THREAD_DETACH) && !isU32(v.target)) return `${v.op} needs an integer "target" in 0..2^32-1`;
  return null;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isU32(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}
