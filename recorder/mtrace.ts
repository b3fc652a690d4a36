// `import mtrace`: converts glibc's mtrace log (MALLOC_TRACE=file with libc_malloc_debug.so and a
// program calling mtrace()) into a one-thread trace, streaming line by line.
// Grammar (glibc malloc/mtrace-impl.c): an optional caller prefix `@ <file>:(<sym>+<off>)[<addr>] `
// (also accepted alone on its line), then one of `= Start`, `= End`, `+ <ptr> <size>` (malloc,
// calloc, memalign…), `- <ptr>` (free), `< <ptr>` immediately followed by `> <ptr> <size>` (realloc),
// `! <ptr> <size>` (failed realloc). ptr is 0x… or (nil); size is 0x… or 0.
// Invariants: addresses live only in the importer's Map (the writer assigns dense recycled ids);
// frees of addresses never allocated inside the log and free(NULL) are counted, not errors; any other
// unexpected line is an MtraceError with file, line and what was expected, unless `lenient`, where it
// is skipped and counted.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createTraceWriter, TRACE_MAX_SIZE, type TraceFooter, type TraceWriter, type TraceWriterOptions } from '../traces/index.js';

export type MtraceErrorCode = 'MTRACE_SYNTAX' | 'MTRACE_UNKNOWN_LINE' | 'MTRACE_REALLOC_ORDER' | 'MTRACE_ALLOC_LIVE';

export class MtraceError extends Error {
  readonly kind = 'user';
  readonly code: MtraceErrorCode;
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** Byte offset of the line's start. */
  readonly offset: number;
  readonly expected: string;
  readonly detail: string;

  constructor(code: MtraceErrorCode, file: string, line: number, offset: number, detail: string, expected: string) {
    super(`${file}:${line}: ${code}: ${detail} (expected ${expected})`);
    this.name = 'MtraceError';
    this.code = code;
    this.file = file;
    this.line = line;
    this.offset = offset;
    this.expected = expected;
    this.detail = detail;
  }
}

export interface MtraceImportOptions {
  lenient?: boolean;
  writer?: TraceWriterOptions;
  /** Name for error messages and the header (default: the input path, or '<stream>'). */
  name?: string;
  version?: string;
}

export interface MtraceImportSummary {
  lines: number;
  events: number;
  allocs: number;
  frees: number;
  reallocs: number;
  failedAllocs: number;
  failedReallocs: number;
  foreignFrees: number;
  nullFrees: number;
  zeroSizeAllocs: number;
  /** Lines skipped in lenient mode (malformed or unknown). */
  skippedLines: number;
  /** `= Start` / `= End` lines seen. */
  starts: number;
  ends: number;
  liveAtEnd: number;
  footer: TraceFooter;
}

const HEX = /^0x[0-9a-fA-F]+$/;
const CALLER = /^@ (?:.*?)\[(?:0x[0-9a-fA-F]+|\(nil\))\](?: (.*))?$/;
const EXPECT_LINE = "'= Start', '= End', '+ ptr size', '- ptr', '< ptr', '> ptr size' or '! ptr size', optionally after '@ caller '";

/** Imports an mtrace log from a path or stream into `output`; resolves with a summary. */
export async function importMtrace(
  input: string | NodeJS.ReadableStream, output: string | NodeJS.WritableStream, opts: MtraceImportOptions = {},
): Promise<MtraceImportSummary> {
  const name = opts.name ?? (typeof input === 'string' ? input : '<stream>');
  const w = createTraceWriter(output, {
    workload: 'mtrace',
    recorder: `slabtrace-mtrace ${opts.version ?? ''}`.trim(),
    params: { source: name },
    threads: 1,
    pageSize: 4096,
  }, opts.writer);
  const imp = new MtraceImporter(w, name, opts.lenient ?? false);
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      imp.line(line);
      if (w.needsDrain) await w.drain();
    }
    imp.end();
  } catch (err) {
    rl.close();
    await w.abort();
    throw err;
  }
  const footer = await w.close({ foreignFrees: imp.s.foreignFrees, nullFrees: imp.s.nullFrees });
  return { ...imp.s, events: w.events, liveAtEnd: imp.live(), footer };
}

type Counts = Omit<MtraceImportSummary, 'footer' | 'events' | 'liveAtEnd'>;

/** Line-at-a-time state machine; one thread (tid 0). */
export class MtraceImporter {
  readonly s: Counts = {
    lines: 0, allocs: 0, frees: 0, reallocs: 0, failedAllocs: 0, failedReallocs: 0, foreignFrees: 0,
    nullFrees: 0, zeroSizeAllocs: 0, skippedLines: 0, starts: 0, ends: 0,
  };
  private addr = new Map<string, number>();
  /** The `<` half of a realloc waiting for its `>`: old id (-1 = foreign) and line. */
  private pendingOld: { id: number; ptr: string; line: number; offset: number } | null = null;
  private offset = 0;

  constructor(private w: TraceWriter, private name: string, private lenient: boolean) {}

  live(): number { return this.addr.size; }

  line(raw: string): void {
    const lineNo = ++this.s.lines;
    const at = this.offset;
    this.offset += Buffer.byteLength(raw) + 1;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    if (text.startsWith('@ ')) {
      const m = CALLER.exec(text);
      if (!m) return this.bad('MTRACE_SYNTAX', lineNo, at, `bad caller prefix: ${clip(text)}`, "'@ [file:(sym+off)][0xaddr] ' before the operation");
      if (m[1] === undefined || m[1] === '') return; // a caller line on its own
      text = m[1];
    }
    const parts = text.split(' ');
    const op = parts[0];
    if (this.pendingOld && op !== '>') {
      const p = this.pendingOld;
      this.pendingOld = null;
      this.bad('MTRACE_REALLOC_ORDER', lineNo, at, `'< ${p.ptr}' on line ${p.line} is not followed by its '>' line`, "'> ptr size'");
      if (p.id >= 0) this.addr.set(p.ptr, p.id); // lenient: the realloc half is dropped, the block stays
    }
    switch (op) {
      case '=':
        if (text === '= Start') { this.s.starts++; return; }
        if (text === '= End') { this.s.ends++; return; }
        return this.bad('MTRACE_SYNTAX', lineNo, at, `unknown marker: ${clip(text)}`, "'= Start' or '= End'");
      case '+': return this.opAlloc(parts, lineNo, at);
      case '-': return this.opFree(parts, lineNo, at);
      case '<': return this.opReallocOld(parts, lineNo, at);
      case '>': return this.opReallocNew(parts, lineNo, at);
      case '!': return this.opReallocFailed(parts, lineNo, at);
      default:
        return this.bad('MTRACE_UNKNOWN_LINE', lineNo, at, `unknown line: ${clip(text)}`, EXPECT_LINE);
    }
  }

  end(): void {
    if (this.pendingOld) {
      const p = this.pendingOld;
      this.pendingOld = null;
      this.bad('MTRACE_REALLOC_ORDER', p.line, p.offset, `'< ${p.ptr}' at the end of the log has no '>' line`, "'> ptr size'");
      if (p.id >= 0) this.addr.set(p.ptr, p.id);
    }
  }

  private opAlloc(parts: string[], lineNo: number, at: number): void {
    if (parts.length !== 3) return this.badArgs(parts, lineNo, at, "'+ ptr size'");
    const ptr = this.ptr(parts[1], lineNo, at);
    const size = this.size(parts[2], lineNo, at);
    if (ptr === undefined || size === undefined) return;
    if (ptr === null) { this.s.failedAllocs++; return; }
    if (!this.takeLive(ptr, lineNo, at)) return;
    this.addr.set(ptr, this.w.alloc(0, this.traceSize(size)));
    this.s.allocs++;
  }

  private opFree(parts: string[], lineNo: number, at: number): void {
    if (parts.length !== 2) return this.badArgs(parts, lineNo, at, "'- ptr'");
    const ptr = this.ptr(parts[1], lineNo, at);
    if (ptr === undefined) return;
    if (ptr === null) { this.s.nullFrees++; return; }
    const id = this.addr.get(ptr);
    if (id === undefined) { this.s.foreignFrees++; return; }
    this.addr.delete(ptr);
    this.w.free(0, id);
    this.s.frees++;
  }

  private opReallocOld(parts: string[], lineNo: number, at: number): void {
    if (parts.length !== 2) return this.badArgs(parts, lineNo, at, "'< ptr'");
    const ptr = this.ptr(parts[1], lineNo, at);
    if (ptr === undefined) return;
    if (ptr === null) return this.bad('MTRACE_SYNTAX', lineNo, at, "'< (nil)'", "'< ptr' with a non-null pointer");
    const id = this.addr.get(ptr);
    if (id === undefined) this.s.foreignFrees++;
    else this.addr.delete(ptr);
    this.pendingOld = { id: id ?? -1, ptr, line: lineNo, offset: at };
  }

  private opReallocNew(parts: string[], lineNo: number, at: number): void {
    const p = this.pendingOld;
    this.pendingOld = null;
    if (!p) return this.bad('MTRACE_REALLOC_ORDER', lineNo, at, "'>' without a preceding '<' line", "'< ptr' first");
    if (parts.length !== 3) { if (p.id >= 0) this.addr.set(p.ptr, p.id); return this.badArgs(parts, lineNo, at, "'> ptr size'"); }
    const ptr = this.ptr(parts[1], lineNo, at);
    const size = this.size(parts[2], lineNo, at);
    if (ptr === undefined || size === undefined || ptr === null) {
      if (ptr === null) this.bad('MTRACE_SYNTAX', lineNo, at, "'> (nil)'", "'> ptr size' with a non-null pointer");
      if (p.id >= 0) this.addr.set(p.ptr, p.id);
      return;
    }
    if (!this.takeLive(ptr, lineNo, at)) { if (p.id >= 0) this.addr.set(p.ptr, p.id); return; }
    const sz = this.traceSize(size);
    this.addr.set(ptr, p.id >= 0 ? this.w.realloc(0, p.id, sz) : this.w.alloc(0, sz));
    this.s.reallocs++;
  }

  private opReallocFailed(parts: string[], lineNo: number, at: number): void {
    if (parts.length !== 3) return this.badArgs(parts, lineNo, at, "'! ptr size'");
    const ptr = this.ptr(parts[1], lineNo, at);
    const size = this.size(parts[2], lineNo, at);
    if (ptr === undefined || size === undefined) return;
    this.s.failedReallocs++; // the old block stays as it was
  }

  /** A live address being allocated again means the log missed its free: an error unless lenient. */
  private takeLive(ptr: string, lineNo: number, at: number): boolean {
    const old = this.addr.get(ptr);
    if (old === undefined) return true;
    this.bad('MTRACE_ALLOC_LIVE', lineNo, at, `${ptr} is allocated again while still live`, 'a free of it first');
    this.addr.delete(ptr);
    this.w.free(0, old);
    return true;
  }

  private traceSize(size: number): number {
    if (size > 0) return size;
    this.s.zeroSizeAllocs++;
    return 1;
  }

  /** Normalised pointer text, null for (nil), undefined after reporting a bad one. */
  private ptr(t: string, lineNo: number, at: number): string | null | undefined {
    if (t === '(nil)') return null;
    if (HEX.test(t)) return t.toLowerCase().replace(/^0x0*(?=.)/, '0x');
    this.bad('MTRACE_SYNTAX', lineNo, at, `bad pointer '${clip(t)}'`, 'a pointer 0x… or (nil)');
    return undefined;
  }

  private size(t: string, lineNo: number, at: number): number | undefined {
    if (t === '0') return 0;
    const v = HEX.test(t) && t.length <= 14 ? parseInt(t.slice(2), 16) : NaN;
    if (v <= MTRACE_MAX_SIZE) return v;
    this.bad('MTRACE_SYNTAX', lineNo, at, Number.isNaN(v) ? `bad size '${clip(t)}'` : `size ${clip(t)} is beyond the trace format's limit`, `a size 0x… or 0, at most 2^40`);
    return undefined;
  }

  private badArgs(parts: string[], lineNo: number, at: number, expected: string): void {
    this.bad('MTRACE_SYNTAX', lineNo, at, `wrong number of fields in '${clip(parts.join(' '))}'`, expected);
  }

  private bad(code: MtraceErrorCode, lineNo: number, at: number, detail: string, expected: string): void {
    if (!this.lenient) throw new MtraceError(code, this.name, lineNo, at, detail, expected);
    this.s.skippedLines++;
  }
}

/** The trace format's largest object size: a bigger one is the log's error (with its line). */
const MTRACE_MAX_SIZE = TRACE_MAX_SIZE;

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
