// Turning the native replayer's report lines into the replay result: each `mark` / `end` line is a
// sample of the process (smaps_rollup Rss, statm VmSize, maps lines, VmHWM, VmPeak) and of the
// replayer's own bookkeeping in it; the allocator's figures are the process's minus the bookkeeping
// minus the baseline (the process before the first event, bookkeeping excluded). Peaks are the
// highest of the samples so far and of VmHWM / VmPeak less the bookkeeping and the baseline.
// Pure functions of the lines; the only place that knows the replayer's report keys.
import { OP_NAMES } from '../traces/index.js';
import type { NativeCrash, NativeFigures, NativeOom, NativeProcessFigures } from './result.js';

export type NativeFields = Record<string, string>;

export const NATIVE_RSS_NOTE = 'RSS, VmSize and mappings are the allocator\'s: the process\'s figures minus the replayer\'s own bookkeeping (mmap\'d id table, queues, buffers) minus the baseline before the first event';

const num = (f: NativeFields, k: string): number => Number(f[k] ?? 0);

/** The process before the first event, bookkeeping excluded (from the `base` line). */
export function nativeBaseline(f: NativeFields): NativeProcessFigures {
  return { rss: num(f, 'rss') - num(f, 'bkrss'), vmSize: num(f, 'vm') - num(f, 'bkvm'), mappings: num(f, 'maps') - num(f, 'bkmaps') };
}

/** The running peaks a sequence of samples carries. */
export interface NativePeaks { rss: number; vmSize: number; mappings: number }

export function nativePeaksNew(): NativePeaks {
  return { rss: 0, vmSize: 0, mappings: 0 };
}

/** Figures of one `mark` or `end` line; updates `peaks`. */
export function nativeFiguresOf(f: NativeFields, base: NativeProcessFigures, peaks: NativePeaks): NativeFigures {
  const bk = { rss: num(f, 'bkrss'), vmSize: num(f, 'bkvm'), mappings: num(f, 'bkmaps') };
  const proc = { rss: num(f, 'rss'), vmSize: num(f, 'vm'), mappings: num(f, 'maps'), peakRss: num(f, 'hwm'), peakVmSize: num(f, 'vmpeak') };
  const rss = proc.rss - bk.rss - base.rss;
  const vmSize = proc.vmSize - bk.vmSize - base.vmSize;
  const mappings = proc.mappings - bk.mappings - base.mappings;
  peaks.rss = Math.max(peaks.rss, rss, proc.peakRss - bk.rss - base.rss);
  peaks.vmSize = Math.max(peaks.vmSize, vmSize, proc.peakVmSize - bk.vmSize - base.vmSize);
  peaks.mappings = Math.max(peaks.mappings, mappings);
  const allocs = num(f, 'allocs'), frees = num(f, 'frees');
  return {
    rss, peakRss: peaks.rss, vmSize, peakVmSize: peaks.vmSize, mappings, peakMappings: peaks.mappings,
    blocksAllocated: allocs, blocksFreed: frees, liveBlocks: allocs - frees, remoteFrees: num(f, 'remote'),
    process: proc, bookkeeping: bk, threadsStarted: num(f, 'threads'), threadsLive: num(f, 'live'),
  };
}

const ERRNO_TEXT: Record<number, string> = { 12: 'ENOMEM', 11: 'EAGAIN', 22: 'EINVAL' };

export function nativeOomOf(f: NativeFields): NativeOom {
  const opCode = num(f, 'op');
  const op = OP_NAMES[opCode] ?? `op ${opCode}`;
  const errno = num(f, 'errno');
  const err = ERRNO_TEXT[errno] ?? `errno ${errno}`;
  const reason = op === 'thread_start' ? `pthread_create failed (${err})` : `${op} returned NULL (${err})`;
  return { event: num(f, 'idx'), tid: num(f, 'tid'), op, size: num(f, 'size'), reason, errno };
}

const SIGNALS: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV' };

/** The crash report: the signal (from the exit status, or the `crash` line) and the event, when said. */
export function nativeCrashOf(signal: string | null, f: NativeFields | null, eventsSent: number, stderr: string): NativeCrash {
  const hasEvent = f !== null && f.idx !== undefined;
  const opCode = f && f.op !== undefined ? num(f, 'op') : null;
  return {
    signal: signal ?? (f ? SIGNALS[num(f, 'sig')] ?? `signal ${num(f, 'sig')}` : 'unknown'),
    event: hasEvent ? num(f!, 'idx') : null,
    tid: hasEvent ? num(f!, 'tid') : null,
    op: opCode === null ? null : OP_NAMES[opCode] ?? `op ${opCode}`,
    eventsSent,
    stderr,
  };
}
