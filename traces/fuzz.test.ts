// Seeded fuzz: thousands of mutated (byte flips, insertions, deletions) and truncated copies of valid
// traces (protobuf, gzip, JSON), every op of format version 2 included (thread_join/thread_detach).
// Each read must end in success or a TraceError, never another exception or a hang (every read is
// bounded by a timer).
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { createTraceWriter, openTrace, TraceError } from './index.js';
import { bytesSource, mulberry32, writeLarsonLike } from './testkit.js';

async function makeBytes(format: 'pb' | 'json', gzip: boolean, seed: number): Promise<Uint8Array> {
  const pass = new PassThrough();
  const parts: Buffer[] = [];
  pass.on('data', (c: Buffer) => parts.push(c));
  const w = createTraceWriter(pass, { workload: 'fuzz', recorder: 'test', params: { a: '1' } }, { format, gzip, chunkEvents: 97 });
  // every lifecycle case once up front (short traces may restart no thread), then the mixed pattern
  w.threadStart(5);
  w.threadStart(6);
  w.threadDetach(5, 5);
  w.threadExit(6);
  w.threadJoin(0, 6);
  w.threadExit(5);
  w.threadStart(6);
  w.threadExit(6);
  w.threadDetach(0, 6);
  await writeLarsonLike(w, format === 'json' ? 250 : 600, seed, true, 40);
  const f = await w.close();
  expect(f.threadJoins).toBeGreaterThan(0);
  expect(f.threadDetaches).toBeGreaterThan(0);
  return Buffer.concat(parts);
}

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const b = Array.from(src);
  const kind = (rnd() * 4) | 0;
  const at = () => (rnd() * b.length) | 0;
  const n = 1 + ((rnd() * 4) | 0);
  if (kind === 0) for (let k = 0; k < n; k++) b[at()] ^= 1 << ((rnd() * 8) | 0);
  else if (kind === 1) for (let k = 0; k < n; k++) b.splice(at(), 0, (rnd() * 256) | 0);
  else if (kind === 2) b.splice(at(), 1 + ((rnd() * 8) | 0));
  else b.length = at();
  return Uint8Array.from(b);
}

async function readBounded(bytes: Uint8Array, rnd: () => number): Promise<string> {
  const opts = { lenient: rnd() < 0.3, allowTruncated: rnd() < 0.3 };
  const work = (async () => {
    const r = await openTrace(bytesSource(bytes, 1 + ((rnd() * 700) | 0)), opts);
    let n = 0;
    for await (const b of r.batches()) {
      n += b.count;
      if (n > 1e6) throw new Error('runaway event count');
    }
    return 'ok';
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<string>((_, rej) => { timer = setTimeout(() => rej(new Error('hang')), 5000); });
  try {
    return await Promise.race([work, hang]);
  } catch (e) {
    if (e instanceof TraceError) return e.code;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

it('mutated and truncated traces end in success or a TraceError', async () => {
  const rnd = mulberry32(20240601);
  const outcomes: Record<string, number> = {};
  const plans: Array<[Uint8Array, number]> = [
    [await makeBytes('pb', false, 1), 2000],
    [await makeBytes('pb', true, 2), 500],
    [await makeBytes('json', false, 3), 500],
  ];
  for (const [valid, count] of plans) {
    expect(await readBounded(valid, () => 0.9)).toBe('ok');
    for (let k = 0; k < count; k++) {
      const bad = mutate(valid, rnd);
      let res: string;
      try {
        res = await readBounded(bad, rnd);
      } catch (e) {
        throw new Error(`fuzz case ${k} (seeded) threw a non-TraceError: ${(e as Error).stack}`);
      }
      outcomes[res] = (outcomes[res] ?? 0) + 1;
    }
  }
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  expect(total).toBe(3000);
  expect(Object.keys(outcomes).length).toBeGreaterThan(5);
  console.log('fuzz outcomes', outcomes);
}, 120_000);
