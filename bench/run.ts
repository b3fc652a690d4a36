// `npm run bench`: runs every benchmark in turn and prints its figures. Each bench module exports one
// async function that prints its own lines and returns its figures; this runner adds the header and a
// machine-readable JSON line per bench (for bench/RESULTS.md). Select with `npm run bench -- NAME...`.

import os from 'node:os';

type BenchFn = () => Promise<Record<string, number | string | null>>;

/** Bench name → the function its module (bench/<name>.bench.ts) exports. */
const BENCHES: { name: string; fn: string }[] = [
  { name: 'traces', fn: 'benchTraces' },
  { name: 'fuzz', fn: 'benchFuzz' },
  { name: 'recorder', fn: 'benchRecorder' },
  { name: 'allocator', fn: 'benchAllocator' },
  { name: 'replayer', fn: 'benchReplayer' },
  { name: 'dashboard', fn: 'benchDashboard' },
  { name: 'native', fn: 'benchNative' },
  { name: 'nativeReplay', fn: 'benchNativeReplay' },
  { name: 'fidelity', fn: 'benchFidelity' },
];

async function benchLoad(name: string, fn: string): Promise<BenchFn> {
  const mod = (await import(`./${name}.bench.js`)) as Record<string, BenchFn>;
  if (typeof mod[fn] !== 'function') throw new Error(`bench/${name}.bench.ts does not export ${fn}`);
  return mod[fn];
}

async function benchMain(): Promise<void> {
  const wanted = process.argv.slice(2);
  console.log(`slabtrace bench — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
  for (const b of BENCHES) {
    if (wanted.length && !wanted.includes(b.name)) continue;
    let run: BenchFn;
    try {
      run = await benchLoad(b.name, b.fn);
    } catch (err) {
      console.log(`\n## ${b.name}: not available (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    console.log(`\n## ${b.name}`);
    const figures = await run();
    console.log(`json ${JSON.stringify({ bench: b.name, ...figures })}`);
  }
}

await benchMain();
