// Native replay: a trace replayed through a real malloc (glibc, mimalloc, jemalloc, any library) in a
// child process, slabtrace-replay (replayer/native/), on real threads. This side reads the trace with
// traces/ (decoding and validation as for the model), hands the batches' columns over the child's stdin
// (nativeProtocol.ts), and turns the child's report lines into a result shaped like a model replay's
// (nativeFigures.ts).
// Invariants: a trace file is validated in full before the child starts (nativeScan: also sizes the
// child's id table), so no inconsistent event ever reaches the allocator (from stdin: each event is
// validated before it is sent); a TraceError kills the child and is rethrown (exit 2). A child that
// dies of a signal is a result (`crash`), not an exception; an `error` line from the child is our bug.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { openTrace, OP_MARK, type EventBatch, type OpenTraceOptions, type TraceReader } from '../traces/index.js';
import { controlCreate, F_BYTES_READ, F_BYTES_TOTAL, F_EVENTS_DONE, F_EVENTS_TOTAL, F_MARKS, type ReplayControl } from './control.js';
import { nativeEnv, nativeResolve, type NativeAllocator } from './nativeAllocators.js';
import { nativeReplayerRequire } from './nativeBuild.js';
import {
  nativeBaseline, nativeCrashOf, nativeFiguresOf, nativeOomOf, nativePeaksNew, NATIVE_RSS_NOTE, type NativeFields,
} from './nativeFigures.js';
import { CFG_CONTINUE_AFTER_OOM, CFG_TOUCH_ENDS, nativeParseLine, WIRE_HDR_BYTES, WIRE_MAX_EVENTS, wireBatch, wireBatchBytes, wireConfig, wireEnd } from './nativeProtocol.js';
import type { NativeFigures, NativeMark, NativeReplayResult } from './result.js';

export interface NativeReplayConfig {
  /** glibc, mimalloc, jemalloc, tcmalloc, or a path to a malloc library. */
  allocator: string;
  lenient?: boolean;
  allowTruncated?: boolean;
  /** Replay only the events before this index. */
  stopAt?: number;
  /** Keep going after the allocator returned NULL (the object stays unallocated). */
  continueAfterOom?: boolean;
  /** What each allocation writes: 'pages' (default: first and last byte and a byte on every page
   *  between, as a program filling its buffers) or 'ends' (first and last byte only, as Larson). */
  touch?: 'pages' | 'ends';
  /** Where the child's stderr (the allocator's own messages) goes besides the crash report. */
  stderr?: NodeJS.WritableStream;
  /** The trace's scan, when already made (compare scans once for every allocator). */
  scan?: NativeScan;
}

/** What the validating first pass learns: events, the id table's size, and how long it took. */
export interface NativeScan {
  events: number;
  idCapacity: number;
  seconds: number;
}

export interface NativeHandle {
  /** Progress (F_EVENTS_DONE: events handed to the child) and totals, as for a model replay. */
  control: ReplayControl;
  marks: NativeMark[];
  onMark(listener: (mark: NativeMark) => void): void;
  /** Stop sending events; the result is then partial. */
  quit(): void;
  result: Promise<NativeReplayResult>;
}

/** Pipe bytes buffered on our side before the sender waits for the child. */
const PIPE_HIGH_WATER = 4 << 20;
const STDERR_TAIL = 4096;

function openOptions(cfg: Pick<NativeReplayConfig, 'lenient' | 'allowTruncated'>): OpenTraceOptions {
  return { lenient: cfg.lenient, allowTruncated: cfg.allowTruncated };
}

/** Reads the whole trace (up to stopAt), validated: throws its TraceError before anything runs. */
export async function nativeScan(path: string, cfg: Omit<NativeReplayConfig, 'allocator'>): Promise<NativeScan> {
  const t0 = performance.now();
  const reader = await openTrace(path, openOptions(cfg));
  const stopAt = cfg.stopAt ?? Infinity;
  let events = 0, maxId = -1;
  try {
    for await (const b of reader.batches()) {
      const n = Math.max(0, Math.min(b.count, stopAt - b.first));
      const id = b.id;
      for (let i = 0; i < n; i++) if (id[i] > maxId) maxId = id[i];
      events = b.first + n;
      if (n < b.count) break;
    }
  } finally {
    await reader.close();
  }
  return { events, idCapacity: maxId + 1, seconds: (performance.now() - t0) / 1000 };
}

/** The child's report lines as they arrive, and how it ended. */
class NativeChild {
  hello: NativeFields | null = null;
  base: NativeFields | null = null;
  end: NativeFields | null = null;
  oom: NativeFields | null = null;
  crash: NativeFields | null = null;
  error: NativeFields | null = null;
  stderrTail = '';
  killedByUs = false;
  readonly closed: Promise<{ code: number | null; signal: string | null }>;
  private partialLine = '';

  constructor(readonly proc: ChildProcess, private readonly onMarkLine: (f: NativeFields) => void, stderr?: NodeJS.WritableStream) {
    const reports = proc.stdio[3] as Readable;
    reports.setEncoding('utf8');
    reports.on('data', (s: string) => this.data(s));
    proc.stderr!.on('data', (d: Buffer) => {
      stderr?.write(d);
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    (proc.stdin as Writable).on('error', () => undefined);
    this.closed = new Promise((resolve, reject) => {
      proc.on('error', reject);
      proc.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  private data(s: string): void {
    const lines = (this.partialLine + s).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const { kind, fields } = nativeParseLine(line);
    if (kind === 'mark') this.onMarkLine(fields);
    else if (kind === 'hello') this.hello = fields;
    else if (kind === 'base') this.base = fields;
    else if (kind === 'end') this.end = fields;
    else if (kind === 'oom') this.oom = fields;
    else if (kind === 'crash') this.crash ??= fields;
    else if (kind === 'error') this.error = fields;
  }

  kill(): void {
    this.killedByUs = true;
    this.proc.kill('SIGKILL');
  }
}

function spawnReplayer(alloc: NativeAllocator): ChildProcess {
  return spawn(nativeReplayerRequire(), [], { stdio: ['pipe', 'ignore', 'pipe', 'pipe'], env: nativeEnv(alloc.preload) });
}

/** Sends the trace's events; returns how many were sent and why it stopped. */
class NativeSender {
  sent = 0;
  bytes = 0;
  stopped = false;
  partial = false;
  readonly markNames = new Map<number, string>();

  constructor(private readonly child: NativeChild, private readonly control: ReplayControl, private readonly stopAt: number, private readonly quitRequested: () => boolean) {}

  private async write(buf: Buffer): Promise<void> {
    const stdin = this.child.proc.stdin as Writable;
    this.bytes += buf.length;
    if (!stdin.write(buf) && stdin.writableLength > PIPE_HIGH_WATER) {
      await Promise.race([once(stdin, 'drain'), this.child.closed]);
    }
  }

  private noteMarks(b: EventBatch, n: number): void {
    if (b.markNames.length === 0) return;
    for (let i = 0; i < n; i++) if (b.op[i] === OP_MARK) this.markNames.set(b.first + i, b.markNames[b.aux[i]]);
  }

  async run(reader: TraceReader): Promise<void> {
    let childGone = false;
    void this.child.closed.then(() => { childGone = true; }, () => { childGone = true; });
    for await (const b of reader.batches()) {
      const n = Math.max(0, Math.min(b.count, this.stopAt - b.first));
      this.noteMarks(b, n);
      for (let i = 0; i < n; i += WIRE_MAX_EVENTS) await this.write(wireBatch(b, i, Math.min(n, i + WIRE_MAX_EVENTS)));
      this.sent = b.first + n;
      this.control.floats[F_EVENTS_DONE] = this.sent;
      this.control.floats[F_BYTES_READ] = reader.bytesRead;
      if (n < b.count) { this.stopped = true; break; }
      if (this.quitRequested()) { this.partial = true; break; }
      if (childGone) break;
    }
    if (!childGone) {
      await this.write(wireEnd());
      (this.child.proc.stdin as Writable).end();
    }
  }
}

interface NativeRun {
  alloc: NativeAllocator;
  scan: NativeScan | null;
  reader: TraceReader;
  child: NativeChild;
  sender: NativeSender;
  marks: NativeMark[];
  cfg: NativeReplayConfig;
  file: string;
}

function zeroFigures(): NativeFigures {
  const z = { rss: 0, vmSize: 0, mappings: 0 };
  return {
    ...z, peakRss: 0, peakVmSize: 0, peakMappings: 0, blocksAllocated: 0, blocksFreed: 0, liveBlocks: 0, remoteFrees: 0,
    process: { ...z, peakRss: 0, peakVmSize: 0 }, bookkeeping: z, threadsStarted: 0, threadsLive: 0,
  };
}

function figuresOnly(m: NativeMark): NativeFigures {
  const f: Partial<NativeMark> = { ...m };
  delete f.name;
  delete f.event;
  return f as NativeFigures;
}

function nativeResult(run: NativeRun, exit: { code: number | null; signal: string | null }, final: NativeFigures): NativeReplayResult {
  const { child, sender, reader, cfg } = run;
  const crashed = child.end === null;
  const crash = crashed ? nativeCrashOf(exit.signal, child.crash, sender.sent, child.stderrTail) : null;
  const oom = child.oom ? nativeOomOf(child.oom) : null;
  const end = child.end ?? {};
  const events = crashed ? sender.sent : Number(end.events ?? 0);
  const wallSeconds = Number(end.t ?? 0) / 1e9;
  const h = reader.header;
  const hello = child.hello ?? {};
  const stopped = sender.stopped && !oom;
  return {
    file: run.file,
    workload: h.workload,
    workloadParams: h.params,
    native: {
      allocator: run.alloc.name,
      library: hello.malloc ?? run.alloc.library,
      version: hello.version ?? run.alloc.version,
      rssNote: NATIVE_RSS_NOTE,
      touch: cfg.touch ?? 'pages',
      baseline: nativeBaseline(child.base ?? {}),
      pipeBytesPerEvent: sender.sent > 0 ? sender.bytes / sender.sent : 0,
      inputWaitSeconds: Number(end.inwait ?? 0) / 1e9,
      statsSeconds: Number(end.statsns ?? 0) / 1e9,
      validateSeconds: run.scan?.seconds ?? 0,
    },
    events,
    totalEvents: run.scan?.events ?? (reader.footer ? Number(reader.footer.events) : Number(h.expectedEvents) || 0),
    wallSeconds,
    eventsPerSec: wallSeconds > 0 ? events / wallSeconds : 0,
    complete: !crashed && !sender.partial && !stopped && (oom === null || !!cfg.continueAfterOom),
    partial: sender.partial,
    stoppedAt: stopped ? sender.sent : null,
    skipped: reader.skipped,
    truncated: reader.truncated,
    final,
    marks: run.marks,
    oom,
    oomCount: Number(end.oomcount ?? (oom ? 1 : 0)),
    crash,
  };
}

async function nativeFinish(run: NativeRun): Promise<NativeReplayResult> {
  const exit = await run.child.closed;
  const { child } = run;
  if (child.error) {
    throw new Error(`native replayer failed (${child.error.code}): ${(child.error.text ?? '').replace(/_/g, ' ')}`);
  }
  if (!child.base && !child.crash) {
    throw new Error(`native replayer ended before replaying (exit ${exit.code ?? exit.signal}): ${child.stderrTail.trim() || 'no output'}`);
  }
  const base = nativeBaseline(child.base ?? {});
  const peaks = nativePeaksNew();
  for (const m of run.marks) Object.assign(peaks, { rss: Math.max(peaks.rss, m.peakRss), vmSize: Math.max(peaks.vmSize, m.peakVmSize), mappings: Math.max(peaks.mappings, m.peakMappings) });
  const last = run.marks.at(-1);
  const final = child.end ? nativeFiguresOf(child.end, base, peaks) : last ? figuresOnly(last) : zeroFigures();
  return nativeResult(run, exit, final);
}

async function nativeRunAll(path: string, cfg: NativeReplayConfig, control: ReplayControl, marks: NativeMark[], emit: (m: NativeMark) => void, quitRequested: () => boolean): Promise<NativeReplayResult> {
  const alloc = nativeResolve(cfg.allocator);
  const scan = cfg.scan ?? (path === '-' ? null : await nativeScan(path, cfg));
  control.floats[F_EVENTS_TOTAL] = scan?.events ?? 0;
  const reader = await openTrace(path, openOptions(cfg));
  let base: ReturnType<typeof nativeBaseline> | null = null;
  const peaks = nativePeaksNew();
  const sender = { current: null as NativeSender | null };
  const child = new NativeChild(spawnReplayer(alloc), (f) => {
    base ??= nativeBaseline(child.base ?? {});
    const event = Number(f.idx);
    const mark: NativeMark = { name: sender.current?.markNames.get(event) ?? 'mark', event, ...nativeFiguresOf(f, base, peaks) };
    marks.push(mark);
    control.floats[F_MARKS] = marks.length;
    emit(mark);
  }, cfg.stderr);
  const s = new NativeSender(child, control, cfg.stopAt ?? Infinity, quitRequested);
  sender.current = s;
  const run: NativeRun = { alloc, scan, reader, child, sender: s, marks, cfg, file: path === '-' ? '<stdin>' : path };
  try {
    const flags = (cfg.continueAfterOom ? CFG_CONTINUE_AFTER_OOM : 0) | (cfg.touch === 'ends' ? CFG_TOUCH_ENDS : 0);
    (child.proc.stdin as Writable).write(wireConfig(reader.header.formatVersion, flags, scan?.idCapacity ?? 0));
    await s.run(reader);
  } catch (err) {
    child.kill();
    await child.closed.catch(() => undefined);
    throw err;
  } finally {
    await reader.close();
  }
  return nativeFinish(run);
}

/** Starts replaying `path` ('-' = stdin) through `cfg.allocator` in a child process. */
export function nativeReplayStart(path: string, cfg: NativeReplayConfig): NativeHandle {
  const control = controlCreate();
  if (path !== '-') control.floats[F_BYTES_TOTAL] = fileSize(path);
  const marks: NativeMark[] = [];
  const listeners: ((m: NativeMark) => void)[] = [];
  let quit = false;
  const result = nativeRunAll(path, cfg, control, marks, (m) => { for (const l of listeners) l(m); }, () => quit);
  return { control, marks, onMark: (l) => { listeners.push(l); }, quit: () => { quit = true; }, result };
}

export function nativeReplayRun(path: string, cfg: NativeReplayConfig): Promise<NativeReplayResult> {
  return nativeReplayStart(path, cfg).result;
}

/** Bytes a batch of n events takes on the pipe (for the bench's transport figures). */
export function nativePipeBytes(n: number): number {
  return WIRE_HDR_BYTES + wireBatchBytes(n);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
