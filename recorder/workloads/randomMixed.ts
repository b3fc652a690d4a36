// The `random-mixed` workload (HAKMEM's working-set benchmark): one thread, a working set of W slots;
// each cycle picks a random slot, frees what is there (if anything) and allocates 16..1040 B into it.
// At the end every remaining block is freed and an `end` mark written. Seeded (--seed, default 1).

import type { TraceWriter } from '../../traces/index.js';
import { sfc32Below, sfc32Create } from '../rng.js';
import type { Workload, WorkloadCheckpoint, WorkloadOptions, WorkloadPlan } from '../workload.js';
import { RECORD_MAX_LIVE, WorkloadArgError, parseCount } from '../workloadArgs.js';

const MIN_SIZE = 16;
const MAX_SIZE = 1040;
const YIELD_EVERY = 65536;

export const randomMixedWorkload: Workload = {
  name: 'random-mixed',
  summary: 'one thread replaces random slots of a working set with 16..1040 B blocks',
  usage: '<cycles> <working_set>',
  plan(args: string[], opts: WorkloadOptions): WorkloadPlan {
    if (args.length !== 2) throw new WorkloadArgError('random-mixed', `takes 2 arguments: cycles working_set (got ${args.length})`);
    const cycles = parseCount('random-mixed', 'cycles', args[0]);
    const slots = parseCount('random-mixed', 'working_set', args[1], RECORD_MAX_LIVE);
    const seed = opts.seed ?? 1;
    return {
      workload: 'random-mixed',
      params: { cycles: String(cycles), workingSet: String(slots), minSize: String(MIN_SIZE), maxSize: String(MAX_SIZE) },
      args,
      seed,
      threads: 1,
      expectedEvents: 2 * cycles + 2, // every block is freed, by a later cycle or at the end; 2 marks
      run: (w, checkpoint) => randomMixedRun(w, cycles, slots, seed, checkpoint),
    };
  },
};

async function randomMixedRun(
  w: TraceWriter, cycles: number, slots: number, seed: number, checkpoint: WorkloadCheckpoint,
): Promise<void> {
  const rng = sfc32Create(seed);
  const ids = new Int32Array(slots).fill(-1);
  for (let c = 0; c < cycles; c++) {
    const s = sfc32Below(rng, slots);
    if (ids[s] >= 0) w.free(0, ids[s]);
    ids[s] = w.alloc(0, MIN_SIZE + sfc32Below(rng, MAX_SIZE - MIN_SIZE + 1));
    if ((c & (YIELD_EVERY - 1)) === 0) await checkpoint();
  }
  w.mark(0, 'steady-state');
  for (let s = 0; s < slots; s++) if (ids[s] >= 0) w.free(0, ids[s]);
  w.mark(0, 'end');
}
