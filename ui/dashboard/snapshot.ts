// One sample of everything the dashboard shows, read from the shared buffers (the replay's control
// block and the allocator's statistics view) on the UI thread. Plain data: the panels only see this.
// `snapshotRead` is the single place that knows the allocator's statistics vocabulary.

import type { DerivedStats, StatField } from '../../allocator/index.js';
import type { HistorySample } from './history.js';
import { controlProgress, controlState, F_EVENTS_TOTAL, F_MARKS, F_SPEED, ReplayState, type ReplayControl } from '../../replayer/index.js';

/** The allocator's figures the dashboard shows, under the allocator's names (its STAT_FIELDS and the
 *  figures its statistics reader derives: checked by type). */
const DASHBOARD_STAT_FIELDS = [
  'rss', 'peakRss', 'vmSize', 'peakVmSize', 'mappings', 'maxMapCount',
  // VMAs by what they hold (merged: a VMA holding more than one kind)
  'vmasSuperSlab', 'vmasStack', 'vmasLarge', 'vmasBaseline', 'vmasMerged', 'stacksLeaked',
  'ssAllocated', 'ssFreed', 'ssLive', 'ssEmptyReserved',
  'blocksFreed', 'bytesFreed', 'bytesReturned', 'remoteFrees', 'remoteFreesPending', 'liveBlocks',
  'threadsStarted', 'threadsExited',
] as const satisfies readonly (StatField | keyof DerivedStats)[];
type DashboardStatField = (typeof DASHBOARD_STAT_FIELDS)[number];

export type DashboardStats = Record<DashboardStatField, number>;

export interface DashboardClassRow {
  size: number; liveBlocks: number; slabs: number; magazineBlocks: number; superSlabs: number;
}

export interface DashboardThreadRow {
  tid: number; liveBlocks: number; allocs: number; frees: number; remoteFreesSent: number;
}

export interface DashboardSnapshot {
  /** Milliseconds since the dashboard started. */
  t: number;
  state: ReplayState;
  events: number;
  /** Expected total events; 0 when unknown. */
  total: number;
  /** The total is an estimate from the bytes read (no event count in the trace header). */
  totalEstimated: boolean;
  fraction: number;
  /** Requested speed, events/s; 0 = unthrottled. */
  speed: number;
  marks: number;
  /** null until the allocator exists. */
  stats: DashboardStats | null;
  classes: DashboardClassRow[];
  threads: DashboardThreadRow[];
}

/** The part of the allocator's statistics snapshot (allocator `openStatsView(buffer).read()`) used here. */
export interface DashboardStatsInput extends DashboardStats {
  classes: { size: number; liveBlocks: number; slabs: number; magazineBlocks: number; superSlabs: number }[];
  threads: { tid: number; allocs: number; frees: number; liveBlocks: number; remoteFreesSent: number }[];
}

/** The global figures the history samples between frames (read one by one, no tables). */
type SampleField = 'rss' | 'vmSize' | 'mappings' | 'ssAllocated' | 'ssFreed';

export interface DashboardStatsView {
  read(): DashboardStatsInput;
  /** One global figure (the allocator's StatsView.field). */
  field(name: SampleField): number;
}

export function snapshotEmpty(): DashboardSnapshot {
  return {
    t: 0, state: ReplayState.Starting, events: 0, total: 0, totalEstimated: false, fraction: 0, speed: 0, marks: 0,
    stats: null, classes: [], threads: [],
  };
}

/** Copies the figures out of the reader's snapshot (which holds many more). */
function snapshotStats(s: DashboardStatsInput): DashboardStats {
  const out = {} as DashboardStats;
  for (const k of DASHBOARD_STAT_FIELDS) out[k] = s[k];
  return out;
}

/** Reads one snapshot: the control block always, the allocator's statistics once the view exists. */
export function snapshotRead(view: DashboardStatsView | null, control: ReplayControl, t: number): DashboardSnapshot {
  const p = controlProgress(control);
  const declared = control.floats[F_EVENTS_TOTAL] > 0;
  const s = view ? view.read() : null;
  return {
    t,
    state: controlState(control),
    events: p.events,
    total: p.total,
    totalEstimated: !declared && p.total > 0,
    fraction: p.fraction,
    speed: control.floats[F_SPEED],
    marks: control.floats[F_MARKS],
    stats: s ? snapshotStats(s) : null,
    classes: s ? s.classes.map((c) => ({ size: c.size, liveBlocks: c.liveBlocks, slabs: c.slabs, magazineBlocks: c.magazineBlocks, superSlabs: c.superSlabs })) : [],
    threads: s ? s.threads.map((t) => ({ tid: t.tid, liveBlocks: t.liveBlocks, allocs: t.allocs, frees: t.frees, remoteFreesSent: t.remoteFreesSent })) : [],
  };
}

/** The history's figures alone, at the current event index: cheap enough to take between frames. */
export function snapshotSample(view: DashboardStatsView, control: ReplayControl): { events: number; sample: HistorySample } {
  const sample = {
    rss: view.field('rss'), vmSize: view.field('vmSize'), mappings: view.field('mappings'),
    ssLive: view.field('ssAllocated') - view.field('ssFreed'),
  };
  return { events: controlProgress(control).events, sample };
}
