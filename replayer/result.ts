// What a replay produces: the summary figures, one checkpoint per mark, the OOM report (if any), and
// the final state digest. Plain data (structured-clonable across threads, JSON for --json).

import type { OomInfo } from '../allocator/index.js';

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

export interface ReplayResult {
  file: string;
  workload: string;
  workloadParams: Record<string, string>;
  preset: string;
  overrides: Record<string, string>;
  params: Record<string, unknown>;
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
  final: ReplayFigures;
  marks: ReplayMark[];
  oom: ReplayOom | null;
  /** Allocations that failed (more than one only with continueAfterOom). */
  oomCount: number;
  check: ReplayCheck | null;
  digest: string;
}
