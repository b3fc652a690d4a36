// allocator/workloads.testutil.ts — small seeded drivers used by the tests: scaling, battle and a
// Larson-like pattern, driving the allocator directly as the original C test programs did.
import type { Allocator } from './allocator.js';

export interface PhaseFigures { rss: number; vmSize: number; ssAllocated: number; ssFreed: number; ssLive: number; ssEmptyReserved: number }

export function figures(a: Allocator): PhaseFigures {
  const s = a.stats();
  return { rss: s.rss, vmSize: s.vmSize, ssAllocated: s.ssAllocated, ssFreed: s.ssFreed, ssLive: s.ssLive, ssEmptyReserved: s.ssEmptyReserved };
}

/** scaling: for each n, malloc the n×8 B pointer array, n × 16 B, free them all, free the array. */
export function runScaling(a: Allocator, scales = [100_000, 500_000, 1_000_000]): { afterAlloc: PhaseFigures[]; afterFree: PhaseFigures[] } {
  const afterAlloc: PhaseFigures[] = [];
  const afterFree: PhaseFigures[] = [];
  for (const n of scales) {
    const arr = a.malloc(0, n * 8);
    const ptrs = new Float64Array(n);
    for (let i = 0; i < n; i++) ptrs[i] = a.malloc(0, 16);
    afterAlloc.push(figures(a));
    for (let i = 0; i < n; i++) a.free(0, ptrs[i]!);
    a.free(0, arr);
    afterFree.push(figures(a));
  }
  return { afterAlloc, afterFree };
}

/** battle: per scale, array + n × 16 B, free all, flush(). Returns figures at peak and after the flush. */
export function runBattle(a: Allocator, scales: number[]): { peak: PhaseFigures[]; after: PhaseFigures[] } {
  const peak: PhaseFigures[] = [];
  const after: PhaseFigures[] = [];
  for (const n of scales) {
    const arr = a.malloc(0, n * 8);
    const ptrs = new Float64Array(n);
    for (let i = 0; i < n; i++) ptrs[i] = a.malloc(0, 16);
    peak.push(figures(a));
    for (let i = 0; i < n; i++) a.free(0, ptrs[i]!);
    a.free(0, arr);
    a.flush();
    after.push(figures(a));
  }
  return { peak, after };
}

export interface LarsonOptions { threads: number; chunks: number; quota: number; min: number; max: number; seed: number; maxOps: number }
export interface LarsonResult { ops: number; generations: number; oom: boolean; ssAllocatedPerGeneration: number[]; ssLivePerGeneration: number[] }

/** Larson-like: `threads` threads own slices of `chunks` blocks; each replaces random victims (free +
 *  malloc of min..max B) and after `quota` replacements exits, handing its slice to a new thread id
 *  (never joined, as larson.cpp: each exited thread keeps its stack). So most frees are of blocks
 *  allocated by threads that have exited. Stops at maxOps or OOM (a failed malloc or thread start). */
export function runLarson(a: Allocator, o: LarsonOptions): LarsonResult {
  let x = o.seed | 0 || 1;
  const rnd = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x & 0x7fffffff; };
  const blocks = new Float64Array(o.threads * o.chunks);
  const tids = new Int32Array(o.threads);
  const done = new Int32Array(o.threads);
  const perGen: number[] = [];
  const livePerGen: number[] = [];
  let nextTid = 1, ops = 0, gens = 0;
  for (let i = 0; i < blocks.length; i++) blocks[i] = a.malloc(0, o.min + (rnd() % (o.max - o.min)));
  for (let t = 0; t < o.threads; t++) { tids[t] = nextTid++; a.threadStart(tids[t]!); }
  while (ops < o.maxOps) {
    const t = rnd() % o.threads;
    const q = 1 + (rnd() % 64);
    for (let j = 0; j < q && ops < o.maxOps; j++) {
      const v = t * o.chunks + (rnd() % o.chunks);
      if (blocks[v] !== 0) a.free(tids[t]!, blocks[v]!);
      const p = a.malloc(tids[t]!, o.min + (rnd() % (o.max - o.min)));
      blocks[v] = p;
      ops++;
      if (p === 0) return { ops, generations: gens, oom: true, ssAllocatedPerGeneration: perGen, ssLivePerGeneration: livePerGen };
      if (++done[t]! >= o.quota) {
        done[t] = 0;
        a.threadExit(tids[t]!);
        tids[t] = nextTid++;
        gens++;
        if (!a.threadStart(tids[t]!)) return { ops, generations: gens, oom: true, ssAllocatedPerGeneration: perGen, ssLivePerGeneration: livePerGen };
        if (gens % o.threads === 0) { const st = a.stats(); perGen.push(st.ssAllocated); livePerGen.push(st.ssLive); }
        break;
      }
    }
  }
  return { ops, generations: gens, oom: false, ssAllocatedPerGeneration: perGen, ssLivePerGeneration: livePerGen };
}
