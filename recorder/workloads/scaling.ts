// The `scaling` workload (HAKMEM's scaling test): for each size n in 100K, 500K, 1M it allocates
// its pointer array (n × 8 B, itself an allocation), n blocks of 16 B, then frees every block in
// allocation order and the array. Marks `after-alloc@<n>` and `after-free@<n>` follow each phase.

import type { Workload, WorkloadOptions, WorkloadPlan } from '../workload.js';
import { WorkloadArgError, formatCount, parseCountList } from '../workloadArgs.js';
import { bulkRoundEvents, bulkRun, type BulkRound } from './bulk.js';

const DEFAULT_SIZES = '100K,500K,1M';
const BLOCK_SIZE = 16;

export const scalingWorkload: Workload = {
  name: 'scaling',
  summary: 'n × 16 B for n in 100K, 500K, 1M in sequence: allocate all, free all (HAKMEM scaling test)',
  usage: '',
  plan(args: string[], opts: WorkloadOptions): WorkloadPlan {
    if (args.length > 0) throw new WorkloadArgError('scaling', `takes no positional arguments (got '${args.join(' ')}'); use --scales`);
    const sizes = parseCountList('scaling', '--scales', opts.scales ?? DEFAULT_SIZES);
    const rounds: BulkRound[] = sizes.map((n) => ({
      n,
      blockSize: BLOCK_SIZE,
      marksAfterAlloc: [`after-alloc@${formatCount(n)}`],
      marksAfterFree: [`after-free@${formatCount(n)}`],
    }));
    return {
      workload: 'scaling',
      params: { scales: sizes.join(','), blockSize: String(BLOCK_SIZE) },
      args,
      seed: 0,
      threads: 1,
      expectedEvents: rounds.reduce((sum, r) => sum + bulkRoundEvents(r), 0),
      run: (w, checkpoint) => bulkRun(w, rounds, checkpoint),
    };
  },
};
