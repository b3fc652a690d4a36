// Native replay: a trace replayed through a real malloc (glibc, mimalloc, jemalloc, any library) in a
// child process, slabtrace-replay (replayer/native/), on real threads. This side validates the trace
// and feeds it (nativeFeed.ts: a spool file written while validating, or a pipe from stdin), follows
// the child's report lines (progress, marks, OOM, end, crash) and turns them into a result shaped like a
// model replay's (nativeFigures.ts).
// Invariants: no inconsistent event ever reaches the allocator (a file is validated in full before the
// child starts; from stdin each event before it is sent), and a TraceError kills the child and is
// rethrown (exit 2). A child that dies of a signal is a result (`crash`), not an exception; an `error`
// line from the child, or a child that ends without reporting, is our bug (a plain Error).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { openTrace, type TraceReader } from '../traces/index.js';
import { controlCreate, F_BYTES_TOTAL, F_EVENTS_DONE, F_EVENTS_TOTAL, F_MARKS, type ReplayControl } from './control.js';
import { nativeEnv, nativeResolve, type NativeAllocator } from './nativeAllocators.js';
import { nativeReplayerRequire } from './nativeBuild.js';
import { nativeOpenOptions, NativePipeFeed, nativeScan, nativeScanDispose, type NativeFeedOptions, type NativeScan } from './nativeFeed.js';
import {
  nativeBaseline, nativeCrashOf, nativeFiguresOf, nativeOomOf, nativePeaksNew, NATIVE_RSS_NOTE, type NativeFields, type NativePeaks,
} from './nativeFigures.js';
import { CFG_CONTINUE_AFTER_OOM, CFG_TOUCH_ENDS, nativeArgs, nativeParseLine } from './nativeProtocol.js';
import { replayTraceCheck, type NativeFigures, type NativeMark, type NativeProcessFigures, type NativeReplayResult, type ReplayTraceCheck } from './result.js';

export interface NativeReplayConfig extends NativeFeedOptions {
  /** glibc, mimalloc, jemalloc, tcmalloc, or a path to a malloc library. */
  allocator: string;
  /** Keep going after the allocator returned NULL (the object stays unallocated). */
  continueAfterOom?: boolean;
  /** What each allocation writes: 'pages' (default: first and last byte and a byte on every page
   *  between, as a program filling its buffers) or 'ends' (first and last byte only, as Larson). */
  touch?: 'pages' | 'ends';
  /** Where the child's stderr (the allocator's own messages) goes besides the crash report. */
  stderr?: NodeJS.WritableStream;
  /** The trace's scan (and spool), when already made: compare scans once for every allocator. */
  scan?: NativeScan;
}

export interface NativeHandle {
  /** Progress (F_EVENTS_DONE: events the replay process has done) and totals, as for a model replay. */
  control: ReplayControl;
  marks: NativeMark[];
  onMark(listener: (mark: NativeMark) => void): void;
  /** Stop after the current batch; the result is then partial. */
  quit(): void;
  result: Promise<NativeReplayResult>;
}

const STDERR_TAIL = 4096;

/** The child process and what its report lines said. */
class NativeChild {
  hello: NativeFields | null = null;
  base: NativeProcessFigures | null = null;
  end: NativeFields | null = null;
  oom: NativeFields | null = null;
  crash: NativeFields | null = null;
  error: NativeFields | null = null;
  progress = 0;
  stderrTail = '';
  private quitAsked = false;
  readonly proc: ChildProcess;
  readonly closed: Promise<{ code: number | null; signal: string | null }>;
  private partialLine = '';

  constructor(
    alloc: NativeAllocator, args: string[], stdin: number | 'pipe', private readonly onMark: (f: NativeFields, base: NativeProcessFigures) => void,
    private readonly onProgress: (events: number) => void, stderr?: NodeJS.WritableStream,
  ) {
    this.proc = spawn(nativeReplayerRequire(), args, { stdio: [stdin, 'ignore', 'pipe', 'pipe'], env: nativeEnv(alloc.preload) });
    const reports = this.proc.stdio[3] as Readable;
    reports.setEncoding('utf8');
    reports.on('data', (s: string) => this.data(s));
    this.proc.stderr!.on('data', (d: Buffer) => {
      stderr?.write(d);
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.proc.stdin?.on('error', () => undefined);
    this.closed = new Promise((resolve, reject) => {
      this.proc.on('error', reject);
      this.proc.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  private data(s: string): void {
    const lines = (this.partialLine + s).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const { kind, fields } = nativeParseLine(line);
    if (kind === 'progress') this.onProgress(this.progress = Number(fields.events));
    else if (kind === 'mark') this.onMark(fields, this.base ?? nativeBaseline({}));
    else if (kind === 'hello') {
      this.hello = fields;
      if (this.quitAsked) this.quit();
    }
    else if (kind === 'base') this.base = nativeBaseline(fields);
    else if (kind === 'end') this.end = fields;
    else if (kind === 'oom') this.oom = fields;
    else if (kind === 'crash') this.crash ??= fields;
    else if (kind === 'error') this.error = fields;
  }

  /** Asks for a stop after the current batch (SIGUSR1, once the child said hello: its handler is in
   *  place by then; the child then reports as usual). */
  quit(): void {
    this.quitAsked = true;
    if (this.hello && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGUSR1');
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

/** Shared between the handle and the run: a stop asked for (Ctrl-C), and the child once it exists. */
interface NativeQuit { asked: boolean; child: NativeChild | null }

interface NativeRun {
  cfg: NativeReplayConfig;
  file: string;
  alloc: NativeAllocator;
  child: NativeChild;
  /** The scan, or (stdin) the reader and the pipe feed. */
  scan: NativeScan | null;
  reader: TraceReader | null;
  feed: NativePipeFeed | null;
  marks: NativeMark[];
  peaks: NativePeaks;
  quit: NativeQuit;
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

/** What the trace says of itself: from the scan, else from the reader that fed the pipe. */
function traceFacts(run: NativeRun): {
  workload: string; params: Record<string, string>; total: number; skipped: number; truncated: boolean; stopped: boolean; bytes: number; traceCheck: ReplayTraceCheck;
} {
  const { scan, reader, feed } = run;
  if (scan) {
    return { workload: scan.header.workload, params: scan.header.params, total: scan.events, skipped: scan.skipped, truncated: scan.truncated, stopped: scan.stopped, bytes: scan.bytesPerEvent, traceCheck: scan.traceCheck };
  }
  const h = reader!.header;
  return {
    workload: h.workload, params: h.params, total: reader!.footer ? Number(reader!.footer.events) : Number(h.expectedEvents) || 0,
    skipped: reader!.skipped, truncated: reader!.truncated, stopped: feed!.stopped, bytes: feed!.sent > 0 ? feed!.bytes / feed!.sent : 0,
    traceCheck: replayTraceCheck(reader!),
  };
}

/** Events a second of replay: the wall time less the reading of /proc at marks (the observer's cost,
 *  which grows with the process's size and the number of marks, not with the replay). */
function nativeRate(events: number, wallSeconds: number, statsSeconds: number): number {
  const replaying = wallSeconds - statsSeconds;
  return replaying > 0 ? events / replaying : 0;
}

function nativeResult(run: NativeRun, exit: { signal: string | null }): NativeReplayResult {
  const { child, cfg } = run;
  const facts = traceFacts(run);
  const end = child.end ?? {};
  const crash = child.end ? null : nativeCrashOf(exit.signal, child.crash, Math.max(child.progress, run.feed?.sent ?? 0), child.stderrTail);
  const oom = child.oom ? nativeOomOf(child.oom) : null;
  const events = crash ? crash.event ?? child.progress : Number(end.events ?? 0);
  const last = run.marks.at(-1);
  const final = child.end ? nativeFiguresOf(child.end, child.base ?? nativeBaseline({}), run.peaks) : last ? figuresOnly(last) : zeroFigures();
  const partial = run.quit.asked && !crash && !oom && events < facts.total;
  const stopped = facts.stopped && !crash && !oom && !partial;
  const wallSeconds = Number(end.t ?? 0) / 1e9;
  const hello = child.hello ?? {};
  return {
    file: run.file, workload: facts.workload, workloadParams: facts.params,
    native: {
      allocator: run.alloc.name, library: hello.malloc ?? run.alloc.library, version: hello.version ?? run.alloc.version,
      rssNote: NATIVE_RSS_NOTE, touch: cfg.touch ?? 'pages', baseline: child.base ?? nativeBaseline({}),
      pipeBytesPerEvent: facts.bytes, cpuSeconds: Number(end.cpuns ?? 0) / 1e9, inputWaitSeconds: Number(end.inwait ?? 0) / 1e9, statsSeconds: Number(end.statsns ?? 0) / 1e9,
      validateSeconds: run.scan?.seconds ?? 0,
    },
    events, totalEvents: facts.total, wallSeconds, eventsPerSec: nativeRate(events, wallSeconds, Number(end.statsns ?? 0) / 1e9),
    complete: !crash && !partial && !stopped && (oom === null || !!cfg.continueAfterOom),
    partial, stoppedAt: stopped ? events : null, skipped: facts.skipped, truncated: facts.truncated,
    traceCheck: facts.traceCheck, final, marks: run.marks, oom, oomCount: Number(end.oomcount ?? (oom ? 1 : 0)), crash,
  };
}

async function nativeFinish(run: NativeRun): Promise<NativeReplayResult> {
  const exit = await run.child.closed;
  const { child } = run;
  if (child.error) throw new Error(`native replayer failed (${child.error.code}): ${(child.error.text ?? '').replace(/_/g, ' ')}`);
  if (!child.base && !child.crash && exit.signal === null) {
    throw new Error(`native replayer ended before replaying (exit ${exit.code}): ${child.stderrTail.trim() || 'no output'}`);
  }
  return nativeResult(run, exit);
}

/** The trace through the child: fed from the scan's spool (a file), else through a pipe (stdin). */
async function nativeRunAll(path: string, cfg: NativeReplayConfig, control: ReplayControl, marks: NativeMark[], emit: (m: NativeMark) => void, quit: NativeQuit): Promise<NativeReplayResult> {
  const alloc = nativeResolve(cfg.allocator);
  const own = cfg.scan === undefined && path !== '-';
  const scan = cfg.scan ?? (own ? await nativeScan(path, cfg) : null);
  try {
    return await nativeRunFed(path, cfg, scan, alloc, control, marks, emit, quit);
  } finally {
    if (own && scan) nativeScanDispose(scan);
  }
}

async function nativeRunFed(
  path: string, cfg: NativeReplayConfig, scan: NativeScan | null, alloc: NativeAllocator, control: ReplayControl, marks: NativeMark[],
  emit: (m: NativeMark) => void, quit: NativeQuit,
): Promise<NativeReplayResult> {
  const reader = scan?.spool ? null : await openTrace(path, nativeOpenOptions(cfg));
  const header = scan?.header ?? reader!.header;
  const flags = (cfg.continueAfterOom ? CFG_CONTINUE_AFTER_OOM : 0) | (cfg.touch === 'ends' ? CFG_TOUCH_ENDS : 0);
  const args = nativeArgs(header.formatVersion, flags, scan?.idCapacity ?? 0);
  const input = scan?.spool ? openSync(scan.spool, 'r') : 'pipe';
  const peaks = nativePeaksNew();
  let feed: NativePipeFeed | null = null;
  const names = (): Map<number, string> => scan?.markNames ?? feed?.markNames ?? new Map<number, string>();
  control.floats[F_EVENTS_TOTAL] = scan?.events ?? (Number(header.expectedEvents) || 0);
  const child = new NativeChild(alloc, args, input, (f, base) => {
    const event = Number(f.idx);
    const mark: NativeMark = { name: names().get(event) ?? 'mark', event, ...nativeFiguresOf(f, base, peaks) };
    marks.push(mark);
    control.floats[F_MARKS] = marks.length;
    emit(mark);
  }, (events) => { if (!feed) control.floats[F_EVENTS_DONE] = events; }, cfg.stderr);
  if (typeof input === 'number') closeSync(input);
  quit.child = child;
  if (quit.asked) child.quit();
  try {
    if (reader) {
      feed = new NativePipeFeed(child.proc.stdin as Writable, child.closed, control, cfg.stopAt ?? Infinity, () => quit.asked);
      await feed.run(reader);
    }
  } catch (err) {
    child.kill();
    await child.closed.catch(() => undefined);
    throw err;
  } finally {
    await reader?.close();
  }
  const run: NativeRun = { cfg, file: path === '-' ? '<stdin>' : path, alloc, child, scan, reader, feed, marks, peaks, quit };
  const result = await nativeFinish(run);
  control.floats[F_EVENTS_DONE] = result.events;
  return result;
}

/** Starts replaying `path` ('-' = stdin) through `cfg.allocator` in a child process. */
export function nativeReplayStart(path: string, cfg: NativeReplayConfig): NativeHandle {
  const control = controlCreate();
  if (path !== '-') control.floats[F_BYTES_TOTAL] = fileSize(path);
  const marks: NativeMark[] = [];
  const listeners: ((m: NativeMark) => void)[] = [];
  const quit: NativeQuit = { asked: false, child: null };
  const result = nativeRunAll(path, cfg, control, marks, (m) => { for (const l of listeners) l(m); }, quit);
  return {
    control, marks, result,
    onMark: (l) => { listeners.push(l); },
    quit: () => { quit.asked = true; quit.child?.quit(); },
  };
}

export function nativeReplayRun(path: string, cfg: NativeReplayConfig): Promise<NativeReplayResult> {
  return nativeReplayStart(path, cfg).result;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
