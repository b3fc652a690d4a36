// bench/allocator.bench.ts — allocator figures: random-mixed driven directly (W=256 and W=8192, one
// thread, seeded xorshift), their ratio, and the metadata buffer size at the Larson OOM under
// hakmem-larson-bug (default maxMapCount 65,530). Prints one line per figure.
import { Allocator, resolveParams } from '../allocator/index.js';

/** random-mixed driven directly: one thread, W slots (W a power of two), each cycle picks a slot with
 *  xorshift, frees what is there and mallocs 16..1040 B. Throughput in malloc+free pairs per second of
 *  CPU time of this thread (process.cpuUsage, so other load on the machine does not count), as the
 *  median and the best of `batches` batches after a warm-up. */
function randomMixed(w: number, batches: number, perBatch: number): { median: number; best: number } {
  const a = Allocator.create(resolveParams('hakmem-7.7', {}));
  const slots = new Float64Array(w);
  const mask = w - 1;
  let x = 0x9e3779b9 | 0;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      const s = x & mask;
      const old = slots[s]!;
      if (old !== 0) a.free(0, old);
      slots[s] = a.malloc(0, 16 + ((((x >>> 8) & 0xffff) * 1025) >>> 16));
    }
  };
  run(3_000_000); // warm-up: JIT and the steady-state working set
  const rates: number[] = [];
  for (let b = 0; b < batches; b++) {
    const c0 = process.cpuUsage();
    run(perBatch);
    const c = process.cpuUsage(c0);
    rates.push(perBatch / ((c.user + c.system) / 1e6));
  }
  rates.sort((p, q) => p - q);
  return { median: rates[rates.length >> 1]!, best: rates[rates.length - 1]! };
}

/** Seeded Larson-like driver: `threads` live threads with slices of `chunks` blocks; each thread does
 *  `quota` replacements, then exits and hands its slice to a new thread id. Returns the allocator. */
export function larsonDrive(a: Allocator, opts: { threads: number; chunks: number; quota: number; min: number; max: number; seed: number; maxOps: number }): { ops: number; generations: number; oom: boolean } {
  const { threads, chunks, quota, min, max } = opts;
  let x = opts.seed | 0 || 1;
  const rnd = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x & 0x7fffffff; };
  const blocks = new Float64Array(threads * chunks);
  const tids = new Int32Array(threads);
  const done = new Int32Array(threads);
  let nextTid = 1;
  for (let i = 0; i < blocks.length; i++) blocks[i] = a.malloc(0, min + (rnd() % (max - min)));
  for (let t = 0; t < threads; t++) { tids[t] = nextTid++; a.threadStart(tids[t]!); }
  let ops = 0, gens = 0;
  while (ops < opts.maxOps) {
    const t = rnd() % threads;
    const q = 1 + (rnd() % 64);
    for (let j = 0; j < q && ops < opts.maxOps; j++) {
      const v = t * chunks + (rnd() % chunks);
      a.free(tids[t]!, blocks[v]!);
      const p = a.malloc(tids[t]!, min + (rnd() % (max - min)));
      if (p === 0) { blocks[v] = 0; return { ops, generations: gens, oom: true }; }
      blocks[v] = p;
      ops++;
      if (++done[t]! >= quota) {
        done[t] = 0;
        a.threadExit(tids[t]!);
        tids[t] = nextTid++;
        gens++;
        if (!a.threadStart(tids[t]!)) return { ops, generations: gens, oom: true }; // pthread_create fails
        break;
      }
    }
  }
  return { ops, generations: gens, oom: false };
}

export async function benchAllocator(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const r256 = randomMixed(256, 15, 2_000_000);
  const r8192 = randomMixed(8192, 15, 2_000_000);
  const w256 = r256.median, w8192 = r8192.median;
  out['allocator.randomMixed.W256.pairsPerSec'] = Math.round(w256);
  out['allocator.randomMixed.W256.bestPairsPerSec'] = Math.round(r256.best);
  out['allocator.randomMixed.W8192.pairsPerSec'] = Math.round(w8192);
  out['allocator.randomMixed.W8192.bestPairsPerSec'] = Math.round(r8192.best);
  out['allocator.randomMixed.slowdown8192vs256'] = +(w256 / w8192).toFixed(3);
  console.log(`allocator random-mixed W=256:  ${(w256 / 1e6).toFixed(1)} M malloc+free pairs/s (median of 15 batches, CPU time; best ${(r256.best / 1e6).toFixed(1)} M)`);
  console.log(`allocator random-mixed W=8192: ${(w8192 / 1e6).toFixed(1)} M malloc+free pairs/s (median of 15 batches, CPU time; best ${(r8192.best / 1e6).toFixed(1)} M)`);
  console.log(`allocator random-mixed W=8192 slowdown vs W=256: ${(w256 / w8192).toFixed(2)}x (limit 1.5x)`);
  const a = Allocator.create(resolveParams('hakmem-larson-bug', {}));
  const t0 = performance.now();
  const r = larsonDrive(a, { threads: 4, chunks: 1024, quota: 1024, min: 8, max: 128, seed: 12345, maxOps: 1e9 });
  const st = a.stats();
  out['allocator.larsonBug.oom'] = r.oom ? 1 : 0;
  out['allocator.larsonBug.ssAllocatedAtOom'] = st.ssAllocated;
  out['allocator.larsonBug.bufferBytesAtOom'] = a.buffer.byteLength;
  out['allocator.larsonBug.seconds'] = +((performance.now() - t0) / 1000).toFixed(2);
  console.log(`allocator larson-bug: OOM=${r.oom} after ${r.ops} ops, ${r.generations} thread generations, ${st.ssAllocated} SuperSlabs, VmSize ${(st.vmSize / 2 ** 30).toFixed(1)} GiB, RSS ${(st.rss / 2 ** 30).toFixed(2)} GiB`);
  console.log(`allocator larson-bug: SharedArrayBuffer at OOM ${(a.buffer.byteLength / 2 ** 20).toFixed(1)} MiB (${out['allocator.larsonBug.seconds']} s)`);
  return out;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) void benchAllocator();
