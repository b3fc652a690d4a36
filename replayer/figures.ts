// Turning the allocator's statistics into the replay's figures (summary, marks) and its OOM info into
// the event-level OOM report. The only place that knows both vocabularies.

import type { OomInfo } from '../allocator/index.js';
import type { ReplayFigures, ReplayOom } from './result.js';

/** The global statistics the replay reports, by the allocator's field names. */
export interface ReplayStatsSource {
  rss: number; peakRss: number; vmSize: number; peakVmSize: number; mappings: number;
  ssAllocated: number; ssFreed: number; ssLive: number; ssEmptyReserved: number;
  blocksAllocated: number; blocksFreed: number; bytesFreed: number;
  remoteFrees: number; remoteFreesPending: number; bytesReturned: number;
}

export function replayFigures(s: ReplayStatsSource): ReplayFigures {
  return {
    rss: s.rss,
    peakRss: s.peakRss,
    vmSize: s.vmSize,
    peakVmSize: s.peakVmSize,
    mappings: s.mappings,
    ssAllocated: s.ssAllocated,
    ssFreed: s.ssFreed,
    ssLive: s.ssLive,
    ssEmptyReserved: s.ssEmptyReserved,
    blocksAllocated: s.blocksAllocated,
    blocksFreed: s.blocksFreed,
    bytesFreed: s.bytesFreed,
    remoteFrees: s.remoteFrees,
    remoteFreesPending: s.remoteFreesPending,
    bytesReturned: s.bytesReturned,
    liveBlocks: s.blocksAllocated - s.blocksFreed,
  };
}

const OOM_REASONS: Record<string, string> = {
  max_map_count: 'mmap failed: the mapping limit (vm.max_map_count) is reached',
  address_space: 'mmap failed: the address-space limit (--mem-limit) is reached',
};

export function replayOomReport(info: OomInfo | null, event: number, tid: number, op: string, size: number): ReplayOom {
  const i = info ?? { reason: 'unknown', tid, size, ssAllocated: 0, ssFreed: 0, vmSize: 0, vmRss: 0, mappings: 0, maxMapCount: 0 };
  return {
    event, tid, op, size,
    reason: OOM_REASONS[i.reason] ?? i.reason,
    ssAllocated: i.ssAllocated,
    ssFreed: i.ssFreed,
    vmSize: i.vmSize,
    vmRss: i.vmRss,
    mappings: i.mappings,
    maxMapCount: i.maxMapCount,
  };
}
