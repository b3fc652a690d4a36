// One progress line on stderr for any long command (replay, native replay, compare, convert, import,
// record): rewritten in place at most four times a second, and only when stderr is a terminal — pipes,
// files and CI logs get nothing, only the command's own summary, unless SLABTRACE_PROGRESS=1 asks for
// plain lines there (one a second, each ended by a newline: for logs, and for tests that wait for the
// work to be under way). `--quiet` (where a command has it) turns it off in every case.
// Invariants: on a terminal the line is cleared before `stop()` returns when anything was written (so a
// summary that follows starts on a clean line); nothing at all is written when the work ends within the
// first interval; `stop()` may be called more than once.

import { statSync } from 'node:fs';
import { formatBytes, formatDuration } from './format.js';

const INTERVAL_MS = 250;
/** Plain lines (not a terminal, SLABTRACE_PROGRESS=1): one a second. */
const LINES_INTERVAL_MS = 1000;
/** The environment switch for plain progress lines when stderr is not a terminal. */
const PROGRESS_ENV = 'SLABTRACE_PROGRESS';

export interface ProgressLine {
  stop(): void;
}

interface ProgressLineOptions {
  /** Where the line goes (default process.stderr); nothing is written unless it is a terminal. */
  stderr?: NodeJS.WriteStream;
  /** No line at all (--quiet). */
  quiet?: boolean;
  /** Plain lines when stderr is not a terminal (default: SLABTRACE_PROGRESS=1 in the environment). */
  lines?: boolean;
}

type ProgressMode = 'off' | 'terminal' | 'lines';

function progressMode(stderr: NodeJS.WriteStream, opts: ProgressLineOptions): ProgressMode {
  if (opts.quiet) return 'off';
  if (stderr.isTTY) return 'terminal';
  return (opts.lines ?? process.env[PROGRESS_ENV] === '1') ? 'lines' : 'off';
}

/** The time since the start and since the previous line, for rates. */
export interface ProgressTick {
  elapsedMs: number;
  sinceLastMs: number;
}

/** Calls `render` every 250 ms (plain lines: every second) and shows what it returns (null: skip this
 *  tick) as the progress line. */
export function progressLineStart(render: (tick: ProgressTick) => string | null, opts: ProgressLineOptions = {}): ProgressLine {
  const stderr = opts.stderr ?? process.stderr;
  const mode = progressMode(stderr, opts);
  if (mode === 'off') return { stop() {} };
  const t0 = performance.now();
  let last = t0;
  let shown = false;
  const timer = setInterval(() => {
    const now = performance.now();
    const text = render({ elapsedMs: now - t0, sinceLastMs: Math.max(1, now - last) });
    last = now;
    if (text === null) return;
    stderr.write(mode === 'terminal' ? `\r\x1b[K${text}` : `${text}\n`);
    shown = mode === 'terminal';
  }, mode === 'terminal' ? INTERVAL_MS : LINES_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** Bytes done so far and, when known, the total (0: unknown). */
interface ByteProgress {
  done: number;
  total: number;
}

/**
 * The progress of work measured in bytes (a file read by convert or import, a trace written by record):
 * `label: 12.3 MiB of 40.0 MiB read (31%)  8.20 MiB/s  1.50 s` (the rate is the average since the start:
 * file sizes grow by whole chunks). `sample` returns null while there is nothing to measure yet.
 */
export function byteProgressStart(label: string, verb: 'read' | 'written', sample: () => ByteProgress | null, opts: ProgressLineOptions = {}): ProgressLine {
  return progressLineStart((tick) => {
    const p = sample();
    if (p === null) return null;
    return byteProgressText(label, verb, p, (p.done * 1000) / Math.max(1, tick.elapsedMs), tick.elapsedMs / 1000);
  }, opts);
}

/** The text of one byte-progress line. */
export function byteProgressText(label: string, verb: 'read' | 'written', p: ByteProgress, bytesPerSec: number, seconds: number): string {
  const of = p.total > 0 ? ` of ${formatBytes(p.total)}` : '';
  const pct = p.total > 0 ? ` (${Math.min(100, (p.done * 100) / p.total).toFixed(0)}%)` : '';
  return `${label}: ${formatBytes(p.done)}${of} ${verb}${pct}  ${formatBytes(Math.max(0, bytesPerSec))}/s  ${formatDuration(seconds)}`;
}

/** The bytes a stream has read so far (a file stream, or stdin from a file or a pipe) and the size of
 *  `file` when it is a regular file (0 for stdin: the total is unknown). */
export function byteProgressOfStream(stream: NodeJS.ReadableStream, file: string): () => ByteProgress | null {
  const total = file === '-' ? 0 : fileSize(file);
  return () => {
    const done = (stream as { bytesRead?: unknown }).bytesRead;
    return typeof done === 'number' ? { done, total } : null;
  };
}

/** The bytes written so far to `dest`: the size of the file being written, or what went to stdout ('-'). */
export function byteProgressOfOutput(dest: string): () => ByteProgress | null {
  return () => {
    if (dest !== '-') return { done: fileSize(dest), total: 0 };
    const done = (process.stdout as { bytesWritten?: unknown }).bytesWritten;
    return typeof done === 'number' ? { done, total: 0 } : null;
  };
}

function fileSize(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}
