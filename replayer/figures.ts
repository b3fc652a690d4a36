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
  peakMappings: number; vmasSuperSlab: number; vmasStack: number; vmasLarge: number; vmasBaseline: number; vmasMerged: number;
  baselineRss: number; vmBytesBaseline: number; threadRss: number; metaRss: number;
  stacksMapped: number; stacksLeaked: number; stacksCached: number; stackFailures: number;
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
    peakMappings: s.peakMappings,
    vmas: { superSlab: s.vmasSuperSlab, stack: s.vmasStack, large: s.vmasLarge, baseline: s.vmasBaseline, merged: s.vmasMerged },
    baselineRss: s.baselineRss,
    baselineVmSize: s.vmBytesBaseline,
    threadRss: s.threadRss,
    metaRss: s.metaRss,
    stacksMapped: s.stacksMapped,
    stacksLeaked: s.stacksLeaked,
    stacksCached: s.stacksCached,
    stackFailures: s.stackFailures,
  };
}

const OOM_REASONS: Record<string, string> = {
  max_map_count: 'the VMA limit (vm.max_map_count) is reached',
  address_space: 'no room in the address space (--mem-limit or no free range)',
};
const OOM_WHAT: Record<string, string> = {
  superSlab: 'mmap of a SuperSlab failed',
  large: 'mmap of a large block failed',
  stack: 'pthread_create failed: its stack could not be mapped',
};

const NO_VMAS = { superSlab: 0, stack: 0, large: 0, baseline: 0, merged: 0 };

export function replayOomReport(info: OomInfo | null, event: number, tid: number, op: string, size: number): ReplayOom {
  const i = info ?? {
    reason: 'unknown', what: 'superSlab', tid, size, ssAllocated: 0, ssFreed: 0, vmSize: 0, vmRss: 0, mappings: 0, maxMapCount: 0, vmas: NO_VMAS,
  };
  return {
    event, tid, op, size,
    what: i.what,
    reason: `${OOM_WHAT[i.what] ?? 'mmap failed'}: ${OOM_REASONS[i.reason] ?? i.reason}`,
    reasonCode: i.reason,
    vmas: { ...i.vmas },
    ssAllocated: i.ssAllocated,
    ssFreed: i.ssFreed,
    vmSize: i.vmSize,
    vmRss: i.vmRss,
    mappings: i.mappings,
    maxMapCount: i.maxMapCount,
  };
}
