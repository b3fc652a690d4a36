// The allocate-all / free-all round shared by `scaling` and `battle`: one pointer array of n × 8 B
// (an allocation itself), n blocks of one size in order, marks after the allocations, frees of
// every block in allocation order and then of the array, marks after the frees. All on thread 0.

import type { TraceWriter } from '../../traces/index.js';
import type { WorkloadCheckpoint } from '../workload.js';

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
