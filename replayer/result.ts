// What a replay produces: the summary figures, one checkpoint per mark, the OOM report (if any), and
// the final state digest. Plain data (structured-clonable across threads, JSON for --json).

import type { OomInfo } from '../allocator/index.js';
import type { TraceDigestStatus, TraceReader } from '../traces/index.js';
import type { ReplayThreadRow } from './threadTable.js';
import type { ReplayTimeline } from './timeline.js';

export type { ReplayThreadRow, ThreadState } from './threadTable.js';
export type { ReplayTimeline } from './timeline.js';

/** One size class at the end of the replay. */
export interface ReplayClassRow {
  size: number;
  liveBlocks: number;
  slabs: number;
  superSlabs: number;
  /** blocks held in thread magazines (free to the allocator, not to other threads) */
  magazineBlocks: number;
  /** blocks freed by other threads and waiting in remote queues */
  remotePending: number;
  blocksAllocated: number;
  blocksFreed: number;
}

export interface ReplayFigures {
  rss: number;
  peakRss: number;
  vmSize: number;
  peakVmSize: number;
  mappings: number;
  ssAllocated: number;
  ssFreed: number;
  ssLive: number;
  ssEmptyReserved: number;
  blocksAllocated: number;
  blocksFreed: number;
  bytesFreed: number;
  remoteFrees: number;
  remoteFreesPending: number;
  bytesReturned: number;
  liveBlocks: number;
  /** Highest VMA count seen. */
  peakMappings: number;
  /** VMAs by what they hold (merged: one VMA holding more than one kind). */
  vmas: { superSlab: number; stack: number; large: number; baseline: number; merged: number };
  /** The process before its first malloc (resident and mapped bytes), part of rss / vmSize. */
  baselineRss: number;
  baselineVmSize: number;
  /** Resident bytes of thread stacks and TLS, and of out-of-line slab metadata (part of rss). */
  threadRss: number;
  metaRss: number;
  /** Thread stacks mapped (running, zombie, cached), leaked (exited, never joined), in glibc's cache,
   *  and thread creations that failed for want of a stack mapping. */
  stacksMapped: number;
  stacksLeaked: number;
  stacksCached: number;
  stackFailures: number;
}

export interface ReplayMark extends ReplayFigures {
  name: string;
  /** Index of the mark event in the trace. */
  event: number;
}

/** The allocator's OOM figures, placed at the event that failed. */
export interface ReplayOom extends Omit<OomInfo, 'reason'> {
  /** Index of the event whose allocation failed. */
  event: number;
  op: string;
  /** Why mmap failed, in words. */
  reason: string;
  /** The allocator's reason code: max_map_count or address_space. */
  reasonCode: string;
}

export interface ReplayCheck {
  /** How many times the invariant checker ran. */
  runs: number;
  /** Drift figures the preset produces on purpose (e.g. remote frees never counted). */
  drift: Record<string, number>;
}

/** The trace's own footer checked against what the replay read (lenient reads report, strict ones throw). */
export interface ReplayTraceCheck {
  digestStatus: TraceDigestStatus;
  footerMismatches: { field: string; footer: number | string; read: number | string; message: string }[];
}

/** The trace check of a reader that has been read to its end. */
export function replayTraceCheck(reader: Pick<TraceReader, 'digestStatus' | 'footerMismatches'>): ReplayTraceCheck {
  return {
    digestStatus: reader.digestStatus,
    footerMismatches: reader.footerMismatches.map((m) => ({ field: m.field, footer: m.footer, read: m.read, message: m.error.message })),
  };
}

/** What every replay result says, model or native: the trace, how far the replay got, how it ended. */
export interface ReplayResultBase {
  file: string;
  workload: string;
  workloadParams: Record<string, string>;
  /** Events replayed. */
  events: number;
  /** Events in the trace (footer), 0 when unknown. */
  totalEvents: number;
  wallSeconds: number;
  eventsPerSec: number;
  /** The whole trace was replayed. */
  complete: boolean;
  /** Stopped early by the user (Ctrl-C, q): the figures are those at the stop. */
  partial: boolean;
  /** --stop-at reached. */
  stoppedAt: number | null;
  /** Bad events skipped (--lenient). */
  skipped: number;
  /** The trace had no footer (read with allowTruncated). */
  truncated: boolean;
  /** The trace's footer against what was read: its digest, and (--lenient) the fields that disagree. */
  traceCheck: ReplayTraceCheck;
  /** Allocations that failed (more than one only with continueAfterOom). */
  oomCount: number;
}

export interface ReplayResult extends ReplayResultBase {
  preset: string;
  overrides: Record<string, string>;
  params: Record<string, unknown>;
  final: ReplayFigures;
  /** The first MARKS_KEPT (10,000) marks; the rest are in `marksSpill`. */
  marks: ReplayMark[];
  /** Every mark passed (marks.length unless spilled). */
  marksTotal: number;
  /** When spilled: the last marks (up to 64, also in the file), for the summary. */
  marksTail: ReplayMark[];
  /** A file of the marks after the first MARKS_KEPT, one JSON object a line (removed at exit); null when all fit. */
  marksSpill: string | null;
  oom: ReplayOom | null;
  check: ReplayCheck | null;
  digest: string;
  /** Samples of the statistics by event index (about 2,000; every mark has one). */
  timeline?: ReplayTimeline;
  /** Per size class at the end. */
  classes?: ReplayClassRow[];
  /** Per thread incarnation, in trace order. */
  threads?: ReplayThreadRow[];
}

// ---- Native replay (replayer/nativeReplay.ts): the same shape where it applies ------------------------
// A replay through a real malloc reports what a process can see of itself. Figures the model has and a
// real allocator does not expose (SuperSlabs, magazines, bytes returned, VMAs by kind, the digest…)
// are absent from these types, not zero. `rss`, `vmSize` and `mappings` are the allocator's share:
// the process's figure minus the replayer's own bookkeeping (its mmap'd id table, queues and buffers)
// minus the process's baseline before the first event; `process` and `bookkeeping` give the parts.

/** The figures both kinds of replay report, with the same meaning. */
export interface ReplayFiguresCommon {
  rss: number;
  peakRss: number;
  vmSize: number;
  peakVmSize: number;
  mappings: number;
  peakMappings: number;
  blocksAllocated: number;
  blocksFreed: number;
  liveBlocks: number;
  remoteFrees: number;
}

/** What the kernel reports for one process, at one moment. */
export interface NativeProcessFigures {
  /** smaps_rollup Rss, statm VmSize, /proc/self/maps lines. */
  rss: number;
  vmSize: number;
  mappings: number;
}

export interface NativeFigures extends ReplayFiguresCommon {
  /** The whole process (peakRss: VmHWM, peakVmSize: VmPeak). */
  process: NativeProcessFigures & { peakRss: number; peakVmSize: number };
  /** The replayer's own mappings (resident bytes by mincore). */
  bookkeeping: NativeProcessFigures;
  /** Trace threads started so far, and live now. */
  threadsStarted: number;
  threadsLive: number;
}

export interface NativeMark extends NativeFigures {
  name: string;
  event: number;
}

/** The first allocation the allocator refused (NULL), or a thread that could not be created. */
export interface NativeOom {
  event: number;
  tid: number;
  op: string;
  size: number;
  /** In words, with errno. */
  reason: string;
  errno: number;
}

/** The replay process died of a signal (the allocator, or the replayer: see the event). */
export interface NativeCrash {
  signal: string;
  /** The event the crashing thread was performing, when it said (null: unknown, e.g. SIGKILL). */
  event: number | null;
  tid: number | null;
  op: string | null;
  /** Events handed to the replayer before it died. */
  eventsSent: number;
  /** The last lines the process wrote on stderr. */
  stderr: string;
}

export interface NativeInfo {
  /** The name asked for: glibc, mimalloc, jemalloc, tcmalloc, or a library path. */
  allocator: string;
  /** The shared object that defined malloc in the replay process, and its version. */
  library: string;
  version: string;
  /** How the figures are derived, in one sentence (printed with the summary). */
  rssNote: string;
  /** What each allocation wrote: first and last byte and every page between, or the ends only. */
  touch: 'pages' | 'ends';
  /** The process before the first event, without the replayer's bookkeeping (subtracted from the figures). */
  baseline: NativeProcessFigures;
  /** Events go to the replayer as column batches (from a spool file written while validating, or a
   *  pipe from stdin): bytes per event of them. */
  pipeBytesPerEvent: number;
  /** CPU seconds the replay process used, all its threads (user + system: the allocator's page faults
   *  included), from its start: on a busy machine events / cpuSeconds says more than events/s. */
  cpuSeconds: number;
  /** Seconds the replayer waited for input, spent reading /proc at marks (part of wallSeconds, not of
   *  eventsPerSec: the observer's cost), and spent validating the trace first (before wallSeconds). */
  inputWaitSeconds: number;
  statsSeconds: number;
  validateSeconds: number;
}

export interface NativeReplayResult extends ReplayResultBase {
  native: NativeInfo;
  /** From the first event to the last (the replayer's clock). */
  wallSeconds: number;
  /** events / (wallSeconds - native.statsSeconds). */
  eventsPerSec: number;
  final: NativeFigures;
  marks: NativeMark[];
  oom: NativeOom | null;
  crash: NativeCrash | null;
}

/** A model or a native result (compare's columns). */
export type AnyReplayResult = ReplayResult | NativeReplayResult;

export function replayIsNative(r: AnyReplayResult): r is NativeReplayResult {
  return 'native' in r;
}
