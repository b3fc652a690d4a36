// The `larson` workload: Paul Larson's server benchmark as in mimalloc-bench's larson.cpp, with the
// clock replaced by an operation budget and the OS scheduler by a seeded one.
//   args: seconds min max chunks_per_thread rounds seed threads
// Semantics (each step draws from the main lran2 stream exactly as larson.cpp does):
//   warm-up on thread 0: threads × chunks blocks of min + r % (max - min) bytes; a random permutation
//   (for c = n..1: swap(r % c, c - 1)); 4 × n replacements (victim = r % n: free it, allocate anew).
//   Then thread slot i (0-based) owns blocks [i × chunks, (i+1) × chunks) and seeds its own lran2 with
//   the next main draw. A thread generation performs rounds × chunks replacements (victim = r % chunks,
//   free, allocate a new random size), then starts its successor (a new thread id that inherits slice
//   and RNG state) and exits. The budget counts replacements in the threaded phase (an "op" is one
//   allocation, as larson's throughput counts them): seconds × rate, or --ops.
// Scheduling: a seeded sfc32 stream (independent of the lran2 streams) picks which slot runs next and
// for how many ops (uniform 1..2 × quantum); a generation change ends the quantum.

import type { TraceWriter } from '../../traces/index.js';
import { lran2Create, lran2Next, sfc32Below, sfc32Create, type Lran2 } from '../rng.js';
import type { Workload, WorkloadCheckpoint, WorkloadOptions, WorkloadPlan } from '../workload.js';
import { WorkloadArgError, parseInteger } from '../workloadArgs.js';

/** Throughput in the HAKMEM Larson OOM report, in ops/s: the default seconds → ops conversion. */
export const LARSON_DEFAULT_RATE = 4.19e6;
export const LARSON_DEFAULT_QUANTUM = 512;
const LARSON_MAX_BLOCKS = 1_000_000; // larson.cpp's MAX_BLOCKS
const LARSON_MAX_THREADS = 100; // larson.cpp's MAX_THREADS
const SCHED_SEED_SALT = 0x5eed1a75;

export interface LarsonParams {
  seconds: number;
  min: number;
  max: number;
  chunks: number;
  rounds: number;
  seed: number;
  threads: number;
  rate: number;
  ops: number;
  quantum: number;
}

export function larsonParse(args: string[], opts: WorkloadOptions): LarsonParams {
  if (args.length !== 7) {
    throw new WorkloadArgError('larson', `takes 7 arguments: seconds min max chunks_per_thread rounds seed threads (got ${args.length})`);
  }
  const seconds = parseInteger('larson', 'seconds', args[0], 0, 1e6);
  const min = parseInteger('larson', 'min', args[1], 1, 2 ** 31 - 1);
  const max = parseInteger('larson', 'max', args[2], min, 2 ** 31 - 1);
  const chunks = parseInteger('larson', 'chunks_per_thread', args[3], 1, LARSON_MAX_BLOCKS);
  const rounds = parseInteger('larson', 'rounds', args[4], 1, 1e9);
  const seed = parseInteger('larson', 'seed', args[5], 0, 2 ** 31 - 1);
  const threads = parseInteger('larson', 'threads', args[6], 1, LARSON_MAX_THREADS);
  if (threads * chunks > LARSON_MAX_BLOCKS) {
    throw new WorkloadArgError('larson', `threads × chunks_per_thread must be <= ${LARSON_MAX_BLOCKS} (larson's MAX_BLOCKS), got ${threads * chunks}`);
  }
  const rate = opts.rate ?? LARSON_DEFAULT_RATE;
  if (!(rate > 0)) throw new WorkloadArgError('larson', `--rate must be > 0 (got ${rate})`);
  const ops = opts.ops ?? Math.round(seconds * rate);
  if (!Number.isSafeInteger(ops) || ops < 0) throw new WorkloadArgError('larson', `--ops must be a non-negative integer (got ${ops})`);
  const quantum = opts.quantum ?? LARSON_DEFAULT_QUANTUM;
  if (!Number.isSafeInteger(quantum) || quantum < 1) throw new WorkloadArgError('larson', `--quantum must be a positive integer (got ${quantum})`);
  return { seconds, min, max, chunks, rounds, seed, threads, rate, ops, quantum };
}

export const larsonWorkload: Workload = {
  name: 'larson',
  summary: "Larson server benchmark (mimalloc-bench's larson): thread churn and cross-thread frees",
  usage: '<seconds> <min> <max> <chunks_per_thread> <rounds> <seed> <threads>',
  plan(args: string[], opts: WorkloadOptions): WorkloadPlan {
    const p = larsonParse(args, opts);
    return {
      workload: 'larson',
      params: {
        seconds: String(p.seconds), min: String(p.min), max: String(p.max), chunksPerThread: String(p.chunks),
        rounds: String(p.rounds), seed: String(p.seed), threads: String(p.threads), rate: String(p.rate),
        ops: String(p.ops), quantum: String(p.quantum),
      },
      args,
      seed: p.seed,
      threads: p.threads,
      expectedEvents: larsonExpectedEvents(p),
      run: (w, checkpoint) => larsonRun(w, p, checkpoint),
    };
  },
};

/**
 * The exact number of events larsonRun writes. Which thread runs and for how long depends only on the
 * scheduler stream, not on the lran2 draws, so replaying the scheduler alone (one step per quantum)
 * counts the thread generations.
 */
export function larsonExpectedEvents(p: LarsonParams): number {
  const n = p.threads * p.chunks;
  const warmup = n + 8 * n + 1;
  const sched = sfc32Create((p.seed ^ SCHED_SEED_SALT) >>> 0);
  const perGeneration = p.rounds * p.chunks;
  const genDone = new Float64Array(p.threads);
  let done = 0;
  let replaced = 0;
  while (done < p.ops) {
    const slot = sfc32Below(sched, p.threads);
    const quantum = Math.min(1 + sfc32Below(sched, 2 * p.quantum), p.ops - done);
    const run = Math.min(quantum, perGeneration - genDone[slot]);
    done += run;
    genDone[slot] += run;
    if (genDone[slot] === perGeneration) {
      genDone[slot] = 0;
      replaced++;
    }
  }
  return warmup + p.threads + 2 * p.ops + 2 * replaced + p.threads + 1;
}

/** One draw of larson's block size: min + r % (max - min), or min when they are equal. */
function larsonSize(rng: Lran2, min: number, range: number): number {
  return range === 0 ? min : min + (lran2Next(rng) % range);
}

/** Warm-up on thread 0; returns the ids of the n blocks in slot order. */
export async function larsonWarmup(
  w: TraceWriter, p: LarsonParams, rng: Lran2, checkpoint: WorkloadCheckpoint,
): Promise<Int32Array> {
  const n = p.threads * p.chunks;
  const range = p.max - p.min;
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = w.alloc(0, larsonSize(rng, p.min, range));
  for (let c = n; c > 0; c--) {
    const victim = lran2Next(rng) % c;
    const tmp = ids[victim];
    ids[victim] = ids[c - 1];
    ids[c - 1] = tmp;
  }
  for (let i = 0; i < 4 * n; i++) {
    const victim = lran2Next(rng) % n;
    w.free(0, ids[victim]);
    ids[victim] = w.alloc(0, larsonSize(rng, p.min, range));
    if ((i & 0xffff) === 0) await checkpoint();
  }
  return ids;
}

async function larsonRun(w: TraceWriter, p: LarsonParams, checkpoint: WorkloadCheckpoint): Promise<void> {
  const main = lran2Create(p.seed);
  const ids = await larsonWarmup(w, p, main, checkpoint);
  w.mark(0, 'warmup-done');
  const rngs: Lran2[] = [];
  const tids = new Int32Array(p.threads);
  const genDone = new Float64Array(p.threads);
  for (let i = 0; i < p.threads; i++) {
    rngs.push(lran2Create(lran2Next(main)));
    tids[i] = i + 1;
    w.threadStart(i + 1);
  }
  await larsonThreads(w, p, ids, rngs, tids, genDone, checkpoint);
  for (let i = 0; i < p.threads; i++) w.threadExit(tids[i]);
  w.mark(0, 'end');
}

/** The threaded phase: quanta of replacements until the op budget is spent. */
async function larsonThreads(
  w: TraceWriter, p: LarsonParams, ids: Int32Array, rngs: Lran2[], tids: Int32Array, genDone: Float64Array,
  checkpoint: WorkloadCheckpoint,
): Promise<void> {
  const sched = sfc32Create((p.seed ^ SCHED_SEED_SALT) >>> 0);
  const perGeneration = p.rounds * p.chunks;
  const range = p.max - p.min;
  let nextTid = p.threads + 1;
  let done = 0;
  while (done < p.ops) {
    const slot = sfc32Below(sched, p.threads);
    const quantum = Math.min(1 + sfc32Below(sched, 2 * p.quantum), p.ops - done);
    const rng = rngs[slot];
    const base = slot * p.chunks;
    const tid = tids[slot];
    let left = perGeneration - genDone[slot];
    const run = Math.min(quantum, left);
    for (let k = 0; k < run; k++) {
      const at = base + (lran2Next(rng) % p.chunks);
      w.free(tid, ids[at]);
      ids[at] = w.alloc(tid, larsonSize(rng, p.min, range));
    }
    done += run;
    left -= run;
    genDone[slot] = perGeneration - left;
    if (left === 0) {
      tids[slot] = nextTid++;
      genDone[slot] = 0;
      w.threadStart(tids[slot]);
      w.threadExit(tid);
    }
    await checkpoint();
  }
}
