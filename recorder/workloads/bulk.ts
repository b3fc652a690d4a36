// The allocate-all / free-all round shared by `scaling` and `battle`: one pointer array of n × 8 B
// (an allocation itself), n blocks of one size in order, marks after the allocations, frees of
// every block in allocation order and then of the array, marks after the frees. All on thread 0.

import type { TraceWriter } from '../../traces/index.js';
import type { Workload, WorkloadCheckpoint, WorkloadOptions, WorkloadPlan } from '../workload.js';
import { RECORD_MAX_LIVE, WorkloadArgError, formatCount, parseCountList } from '../workloadArgs.js';

const POINTER_SIZE = 8;
const YIELD_EVERY = 65536;

export interface BulkRound {
  n: number;
  blockSize: number;
  marksAfterAlloc: string[];
  marksAfterFree: string[];
}

/** Events one round writes: array + n allocs, n frees + array, and its marks. */
export function bulkRoundEvents(r: BulkRound): number {
  return 2 * r.n + 2 + r.marksAfterAlloc.length + r.marksAfterFree.length;
}

/** Runs the rounds in order; `ids` scratch is sized by the largest round, never per event. */
export async function bulkRun(w: TraceWriter, rounds: BulkRound[], checkpoint: WorkloadCheckpoint): Promise<void> {
  const ids = new Int32Array(Math.max(0, ...rounds.map((r) => r.n)));
  for (const r of rounds) {
    const array = w.alloc(0, r.n * POINTER_SIZE);
    for (let i = 0; i < r.n; i++) {
      ids[i] = w.alloc(0, r.blockSize);
      if ((i & (YIELD_EVERY - 1)) === 0) await checkpoint();
    }
    for (const m of r.marksAfterAlloc) w.mark(0, m);
    for (let i = 0; i < r.n; i++) {
      w.free(0, ids[i]);
      if ((i & (YIELD_EVERY - 1)) === 0) await checkpoint();
    }
    w.free(0, array);
    for (const m of r.marksAfterFree) w.mark(0, m);
  }
}

export interface BulkWorkloadSpec {
  name: string;
  summary: string;
  defaultScales: string;
  blockSize: number;
  /** Mark names after the allocations / after the frees of the round of size n (label "100K"). */
  marksAfterAlloc(label: string): string[];
  marksAfterFree(label: string): string[];
}

/** A workload made of bulk rounds, one per scale (`--scales`), with no positional arguments. */
export function bulkWorkloadDefine(spec: BulkWorkloadSpec): Workload {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: '',
    plan(args: string[], opts: WorkloadOptions): WorkloadPlan {
      if (args.length > 0) throw new WorkloadArgError(spec.name, `takes no positional arguments (got '${args.join(' ')}'); use --scales`);
      const scales = parseCountList(spec.name, '--scales', opts.scales ?? spec.defaultScales, RECORD_MAX_LIVE);
      const rounds: BulkRound[] = scales.map((n) => ({
        n,
        blockSize: spec.blockSize,
        marksAfterAlloc: spec.marksAfterAlloc(formatCount(n)),
        marksAfterFree: spec.marksAfterFree(formatCount(n)),
      }));
      return {
        workload: spec.name,
        params: { scales: scales.join(','), blockSize: String(spec.blockSize) },
        args,
        seed: 0,
        threads: 1,
        expectedEvents: rounds.reduce((sum, r) => sum + bulkRoundEvents(r), 0),
        run: (w, checkpoint) => bulkRun(w, rounds, checkpoint),
      };
    },
  };
}
