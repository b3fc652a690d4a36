// The `battle` workload (HAKMEM vs mimalloc vs glibc memory battle): for each scale N it allocates
// the pointer array (N × 8 B) and N blocks of 16 B, marks `measure-peak@<N>`, frees every block and
// the array, marks `flush@<N>` (the replayer flushes the allocator's magazines at a `flush` mark) and
// then `measure-after@<N>`. Scales default to 100K, 500K, 1M, 2M, 5M.

import type { Workload, WorkloadOptions, WorkloadPlan } from '../workload.js';
import { WorkloadArgError, formatCount, parseCountList } from '../workloadArgs.js';
import { bulkRoundEvents, bulkRun, type BulkRound } from './bulk.js';

const DEFAULT_SCALES = '100K,500K,1M,2M,5M';
const BLOCK_SIZE = 16;

export const battleWorkload: Workload = {
  name: 'battle',
  summary: 'memory battle: N × 16 B for N in 100K..5M, with measure-peak / flush / measure-after marks',
  usage: '',
  plan(args: string[], opts: WorkloadOptions): WorkloadPlan {
    if (args.length > 0) throw new WorkloadArgError('battle', `takes no positional arguments (got '${args.join(' ')}'); use --scales`);
    const scales = parseCountList('battle', '--scales', opts.scales ?? DEFAULT_SCALES);
    const rounds: BulkRound[] = scales.map((n) => ({
      n,
      blockSize: BLOCK_SIZE,
      marksAfterAlloc: [`measure-peak@${formatCount(n)}`],
      marksAfterFree: [`flush@${formatCount(n)}`, `measure-after@${formatCount(n)}`],
    }));
    return {
      workload: 'battle',
      params: { scales: scales.join(','), blockSize: String(BLOCK_SIZE) },
      args,
      seed: 0,
      threads: 1,
      expectedEvents: rounds.reduce((sum, r) => sum + bulkRoundEvents(r), 0),
      run: (w, checkpoint) => bulkRun(w, rounds, checkpoint),
    };
  },
};
