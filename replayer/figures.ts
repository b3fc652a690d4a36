// Turning the allocator's statistics into the replay's figures (summary, marks) and its OOM info into
// the event-level OOM report. The only place that knows both vocabularies: figures keep the allocator's
// names (its STAT_FIELDS and derived figures, checked by type) except the VMAs per kind (grouped as
// `vmas`) and the baseline's mapped bytes (`baselineVmSize`).

import type { AllocStats, DerivedStats, OomInfo, StatField } from '../allocator/index.js';
import type { ReplayFigures, ReplayOom } from './result.js';

/** The allocator's figures (STAT_FIELDS and the reader's derived ones) that the replay reports under the
 *  allocator's own names; the rest of ReplayFigures is regrouped or renamed in replayFigures. */
const REPLAY_SAME_NAME = [
  'rss', 'peakRss', 'vmSize', 'peakVmSize', 'mappings', 'ssAllocated', 'ssFreed', 'ssLive', 'ssEmptyReserved',
  'blocksAllocated', 'blocksFreed', 'bytesFreed', 'remoteFrees', 'remoteFreesPending', 'bytesReturned', 'liveBlocks',
  'peakMappings', 'baselineRss', 'threadRss', 'metaRss', 'stacksMapped', 'stacksLeaked', 'stacksCached', 'stackFailures',
] as const satisfies readonly (StatField | keyof DerivedStats)[];
type ReplaySameName = (typeof REPLAY_SAME_NAME)[number];

/** What replayFigures reads: the same-name figures, the VMAs per kind and the baseline's mapped bytes. */
type ReplayStatsSource = Pick<AllocStats, ReplaySameName
  | 'vmasSuperSlab' | 'vmasStack' | 'vmasLarge' | 'vmasBaseline' | 'vmasMerged' | 'vmBytesBaseline'>;

/** The replay's figures from the allocator's statistics (a mark's, or the final ones). The object literal
 *  is checked against ReplayFigures: a figure added there and not produced here does not compile. */
export function replayFigures(s: ReplayStatsSource): ReplayFigures {
  const same = {} as Pick<ReplayFigures, ReplaySameName>;
  for (const k of REPLAY_SAME_NAME) same[k] = s[k];
  return {
    ...same,
    vmas: { superSlab: s.vmasSuperSlab, stack: s.vmasStack, large: s.vmasLarge, baseline: s.vmasBaseline, merged: s.vmasMerged },
    baselineVmSize: s.vmBytesBaseline,
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
