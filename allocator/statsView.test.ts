// The statistics view: validation, re-wrapping after growth, a buffer of wasm32's whole 4 GiB, and a
// worker thread reading the block through the SharedArrayBuffer while the owner runs.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Allocator, AllocUsageError, LAYOUT_MAGIC, LAYOUT_VERSION, openStatsView, resolveParams } from './index.js';
import { CLASS_STATS_F64, CS, S } from './layout.js';

describe('openStatsView', () => {
  it('validates magic and version', () => {
    expect(() => openStatsView(new SharedArrayBuffer(1 << 16))).toThrow(AllocUsageError);
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    new Int32Array(a.buffer)[1] = LAYOUT_VERSION + 1;
    expect(() => openStatsView(a.buffer)).toThrow(/version/);
  });

  it('reads a buffer of 2^32 bytes (whose length is 0 as a 32-bit integer)', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'), { kernel: false });
    a.threadStart(1);
    for (let i = 0; i < 100; i++) a.malloc(1, 32);
    const big = new WebAssembly.Memory({ initial: 65536, maximum: 65536, shared: true }).buffer as SharedArrayBuffer;
    expect(big.byteLength).toBe(2 ** 32);
    new Uint8Array(big).set(new Uint8Array(a.buffer));
    expect(openStatsView(big).read().liveBlocks).toBe(100);
  });

  // the replay kernel's full-size memory, and a growable SharedArrayBuffer grown in place
  for (const kernel of [true, false]) {
    it(`reads what the owner wrote, including after the buffer grew (kernel ${kernel})`, () => {
      const a = Allocator.create(resolveParams('hakmem-larson-fix'), { kernel });
      expect(a.kernel !== null).toBe(kernel);
      const view = openStatsView(a.buffer);
      const len0 = view.field('bufferBytes');
      const ptrs: number[] = [];
      for (let t = 1; t <= 40; t++) { a.threadStart(t); for (let i = 0; i < 3000; i++) ptrs.push(a.malloc(t, 16 + (i % 120))); }
      expect(view.field('bufferBytes')).toBeGreaterThan(len0);
      if (!kernel) expect(a.buffer.byteLength).toBe(view.field('bufferBytes'));
      const s = view.read();
      expect(s).toEqual(a.stats());
      expect(s.threads.length).toBe(41);
      expect(s.threads.find((t) => t.tid === 40)!.allocs).toBe(3000);
      expect(view.field('ssAllocated')).toBe(a.stats().ssAllocated);
      expect(s.liveBlocks).toBe(ptrs.length);
    });
  }

  it('a worker thread reads the statistics while the owner mutates them', async () => {
    const GS = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
    const buffer = new GS(1 << 20, { maxByteLength: 256 << 20 });
    const a = Allocator.create(resolveParams('hakmem-7.6'), { buffer });
    const stop = new SharedArrayBuffer(4);
    const f64Index = { ssAllocated: S.ssAllocated, peakRss: S.peakRss, rss: S.rss, class0Allocated: CLASS_STATS_F64 + CS.blocksAllocated, threadsStarted: S.threadsStarted };
    const worker = new Worker(new URL('./statsReader.worker.mjs', import.meta.url), {
      workerData: { buffer, stop, magic: LAYOUT_MAGIC, version: LAYOUT_VERSION, f64Index },
    });
    const messages: Array<Record<string, unknown>> = [];
    const done = new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.on('message', (m: Record<string, unknown>) => { messages.push(m); if (m.type === 'done') resolve(m); });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    const ptrs = new Float64Array(400_000);
    for (let round = 0; round < 3; round++) {
      for (let t = 1; t < 20; t++) a.threadStart(round * 100 + t);
      for (let i = 0; i < ptrs.length; i++) ptrs[i] = a.malloc(0, 16);
      for (let i = 0; i < ptrs.length; i++) a.free(0, ptrs[i]!);
    }
    Atomics.store(new Int32Array(stop), 0, 1);
    const res = (await done) as { reads: number; violations: number; final: Record<string, number>; byteLength: number };
    await worker.terminate();
    const s = a.stats();
    expect(res.violations).toBe(0);
    expect(res.reads).toBeGreaterThan(0);
    expect(res.byteLength).toBe(a.buffer.byteLength);
    expect(res.final).toEqual({ ssAllocated: s.ssAllocated, peakRss: s.peakRss, rss: s.rss, class0Allocated: s.classes[0]!.blocksAllocated, threadsStarted: s.threadsStarted });
  });
});
