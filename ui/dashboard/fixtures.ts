// Fixed sample data for the dashboard's tests (and nothing else): a mid-replay snapshot, a mark, an
// OOM report and a result, shaped like what the replay and the allocator produce.

import { ReplayState, type ReplayMark, type ReplayOom, type ReplayResult } from '../../replayer/index.js';
import type { DashboardModel } from './Dashboard.js';
import type { HeaderInfo } from './Header.js';
import { historyCreate, historyPush, type DashboardHistory } from './history.js';
import type { DashboardSnapshot, DashboardStats } from './snapshot.js';

export const FIX_INFO: HeaderInfo = {
  file: '/tmp/larson-10-8-128.pb',
  workload: 'larson',
  workloadArgs: ['10', '8', '128', '1024', '1', '12345', '4'],
  workloadParams: { seconds: '10', min: '8', max: '128', chunksPerThread: '1024', rounds: '1', seed: '12345', threads: '4' },
  preset: 'hakmem-larson-fix',
  overrides: { maxMapCount: '2000' },
};

export const FIX_STATS: DashboardStats = {
  rss: 5.5 * 2 ** 20, peakRss: 7.25 * 2 ** 20, vmSize: 488 * 2 ** 20, peakVmSize: 500 * 2 ** 20,
  mappings: 1234, maxMapCount: 2000,
  vmasSuperSlab: 1100, vmasStack: 110, vmasLarge: 1, vmasBaseline: 23, vmasMerged: 0, stacksLeaked: 53,
  ssAllocated: 11000, ssFreed: 10882, ssLive: 118, ssEmptyReserved: 3,
  blocksFreed: 3016384, bytesFreed: 258 * 2 ** 20, bytesReturned: 212 * 2 ** 20,
  remoteFrees: 40960, remoteFreesPending: 96, liveBlocks: 4096, threadsStarted: 44, threadsExited: 40,
};

export const FIX_SNAPSHOT: DashboardSnapshot = {
  t: 2500, state: ReplayState.Running, events: 2_113_536, total: 6_042_732, totalEstimated: false,
  fraction: 2_113_536 / 6_042_732, speed: 0, marks: 1, stats: FIX_STATS,
  classes: [16, 32, 64, 128, 256, 512, 1024, 2048].map((size, i) => ({
    size, liveBlocks: i < 4 ? 1000 + i * 10 : 0, slabs: i < 4 ? 4 + i : 0, magazineBlocks: i < 4 ? 64 : 0, superSlabs: i < 4 ? 30 - i : 0,
  })),
  threads: [1, 2, 3, 4, 5, 6, 7, 8].map((tid) => ({
    tid: tid + 36, liveBlocks: 100 * tid, allocs: 50_000 + tid, frees: 49_000 + tid, remoteFreesSent: 7 * tid,
  })),
};

/** 40 polls, 50,000 events apart: RSS a wave, VmSize, mappings and live SuperSlabs rising. */
export function fixHistory(samples = 40): DashboardHistory {
  const h = historyCreate();
  for (let i = 1; i <= samples; i++) {
    historyPush(h, i * 500, i * 50_000, {
      rss: (1 + Math.sin(i / 5)) * 2 ** 20, vmSize: i * 12 * 2 ** 20, mappings: 30 * i, ssLive: 100 + i,
    });
  }
  return h;
}

export const FIX_HISTORY = fixHistory();

export const FIX_MODEL: DashboardModel = {
  info: FIX_INFO, snap: FIX_SNAPSHOT, history: FIX_HISTORY, rate: 3_300_000,
  elapsedSeconds: 2.5, oom: null, oomCount: 0, held: false,
};

export const FIX_MARK: ReplayMark = {
  name: 'warmup-done', event: 36_864, rss: 384 * 1024, peakRss: 384 * 1024, vmSize: 8 * 2 ** 20, peakVmSize: 8 * 2 ** 20,
  mappings: 4, ssAllocated: 4, ssFreed: 0, ssLive: 4, ssEmptyReserved: 0, blocksAllocated: 4096, blocksFreed: 0,
  bytesFreed: 0, remoteFrees: 0, remoteFreesPending: 0, bytesReturned: 0, liveBlocks: 4096,
  peakMappings: 4, vmas: { superSlab: 4, stack: 0, large: 0, baseline: 0, merged: 0 }, baselineRss: 0, baselineVmSize: 0,
  threadRss: 0, metaRss: 0, stacksMapped: 0, stacksLeaked: 0, stacksCached: 0, stackFailures: 0,
};

export const FIX_OOM: ReplayOom = {
  event: 1_234_567, tid: 17, op: 'alloc', size: 64, what: 'superSlab', reasonCode: 'max_map_count',
  reason: 'mmap of a SuperSlab failed: the VMA limit (vm.max_map_count) is reached',
  ssAllocated: 2000, ssFreed: 12, vmSize: 3.9 * 2 ** 30, vmRss: 1.2 * 2 ** 30, mappings: 2001, maxMapCount: 2000,
  vmas: { superSlab: 1988, stack: 0, large: 0, baseline: 13, merged: 0 },
};

/** The demo's OOM: larson under hakmem-larson-bug runs out of VMAs creating a thread. */
export const FIX_OOM_STACK: ReplayOom = {
  event: 22_414_389, tid: 10_917, op: 'thread_start', size: 0, what: 'stack', reasonCode: 'max_map_count',
  reason: 'pthread_create failed: its stack could not be mapped: the VMA limit (vm.max_map_count) is reached',
  ssAllocated: 43_672, ssFreed: 0, vmSize: 171 * 2 ** 30, vmRss: 3.65 * 2 ** 30, mappings: 65_529, maxMapCount: 65_530,
  vmas: { superSlab: 43_672, stack: 21_834, large: 0, baseline: 23, merged: 0 },
};

/** The demo's header: a long trace path in the temp folder, the bug preset. */
export const FIX_INFO_DEMO: HeaderInfo = {
  ...FIX_INFO, file: '/tmp/slabtrace-demo/larson-10-8-128-1024-1-12345-4-ops24000000-v0.2.0.pb', preset: 'hakmem-larson-bug',
  overrides: { maxMapCount: '1500' },
};

export function fixResult(over: Partial<ReplayResult> = {}): ReplayResult {
  const { name: _n, event: _e, ...final } = FIX_MARK;
  return {
    file: FIX_INFO.file, workload: 'larson', workloadParams: FIX_INFO.workloadParams, preset: FIX_INFO.preset,
    overrides: FIX_INFO.overrides, params: {}, events: 2_000_000, totalEvents: 6_042_732, wallSeconds: 2.5,
    eventsPerSec: 800_000, complete: false, partial: false, stoppedAt: null, skipped: 0, truncated: false,
    traceCheck: { digestStatus: 'verified', footerMismatches: [] },
    final, marks: [FIX_MARK], marksTotal: 1, marksTail: [], marksSpill: null, oom: null, oomCount: 0, check: null, digest: '5e95db8e5eb11841', ...over,
  };
}
