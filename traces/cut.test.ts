// cutTrace: a whole cut reproduces the events and digest; a window is a valid trace whose objects live
// at its start are re-created on their threads (threads started first, dead owners started and exited
// again); filters keep an object's frees with its allocation; every form.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTraceWriter, cutTrace, openTrace, OP_NAMES, type EventBatch } from './index.js';
import { writeLarsonLike } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-cut-'));

async function events(path: string): Promise<string[]> {
  const r = await openTrace(path);
  const out: string[] = [];
  for await (const b of r.batches()) for (let i = 0; i < b.count; i++) out.push(line(b, i));
  return out;
}

function line(b: EventBatch, i: number): string {
  return `${OP_NAMES[b.op[i]!]} t${b.tid[i]} #${b.id[i]} ${b.size[i]} ${b.aux[i]}`;
}

describe('cut', () => {
  it('from 0 without filters gives the same events and digest; the header says what it was cut from', async () => {
    const src = join(dir, 'src.pb');
    const sw = createTraceWriter(src, { workload: 'larson-like', recorder: 'test' });
    await writeLarsonLike(sw, 30_000, 3, true);
    const footer = await sw.close();
    const out = join(dir, 'all.json');
    const r = await cutTrace(src, out, { sourceName: 'src.pb' });
    expect(r.footer.digest).toBe(footer.digest);
    expect(r.footer.events).toBe(footer.events);
    expect(await events(out)).toEqual(await events(src));
    const h = (await openTrace(out)).header;
    expect(h.params).toMatchObject({ cutFrom: '0', cutSource: 'src.pb', cutSourceDigest: footer.digest });
  });

  it('a window is a valid trace: live objects re-created on their threads, frees of them inside stay cross-thread', async () => {
    const src = join(dir, 'w.pb');
    const w = createTraceWriter(src, { workload: 'w', recorder: 'test' });
    w.threadStart(1);
    const a = w.alloc(1, 100); // allocated by thread 1, which exits before the window
    const b = w.alloc(0, 200);
    const gone = w.alloc(0, 300);
    w.threadExit(1);
    w.free(0, gone);
    w.threadStart(2); // event 6: the window starts here
    w.free(2, a);
    w.free(2, b);
    w.threadExit(2);
    await w.close();
    const out = join(dir, 'w-cut.pb');
    const r = await cutTrace(src, out, { from: 6 });
    expect(r.recreated).toBe(2);
    expect(await events(out)).toEqual([
      'alloc t0 #0 200 0', // live owners first
      'thread_start t1 #0 0 0', 'alloc t1 #1 100 0', 'thread_exit t1 #0 0 0', // its owner had exited: started, exited again
      'thread_start t2 #0 0 0', 'free t2 #1 0 0', 'free t2 #0 0 0', 'thread_exit t2 #0 0 0',
    ]);
  });

  it('filters: an object is kept when its allocation passes; its frees follow it, others are dropped', async () => {
    const src = join(dir, 'f.json');
    const w = createTraceWriter(src, { workload: 'f', recorder: 'test' });
    w.threadStart(1);
    const x = w.alloc(1, 16);
    const y = w.alloc(0, 4096);
    const z = w.alloc(1, 5000);
    w.mark(0, 'half');
    w.free(0, x); // thread 0 frees thread 1's block: kept with it
    w.free(1, y);
    w.free(1, z);
    w.threadExit(1);
    await w.close();
    const out = join(dir, 'f-cut.json.gz');
    await cutTrace(src, out, { threads: [1], sizeMax: 1024, ops: ['alloc', 'free'] });
    expect(await events(out)).toEqual(['thread_start t1 #0 0 0', 'alloc t1 #0 16 0', 'free t0 #0 0 0', 'thread_exit t1 #0 0 0']);
  });

  it('random windows of a multi-threaded trace always read back valid, in every form', async () => {
    const src = join(dir, 'r.pb');
    const sw = createTraceWriter(src, { workload: 'larson-like', recorder: 'test' });
    await writeLarsonLike(sw, 20_000, 11, true);
    await sw.close();
    let seed = 7;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const exts = ['pb', 'pb.gz', 'json', 'json.gz'];
    for (let k = 0; k < 40; k++) {
      const from = rnd(18_000);
      const to = from + rnd(2000);
      const threads = k % 3 === 0 ? [0, 1 + rnd(4)] : undefined; // some cuts keep only two threads' objects
      const out = join(dir, `r-${k}.${exts[k % 4]}`);
      const res = await cutTrace(src, out, { from, to, threads });
      const n = (await events(out)).length; // reading validates ids, threads and the digest
      expect(n).toBe(Number(res.footer.events));
      if (!threads) expect(n).toBeGreaterThanOrEqual(to - from);
    }
  });
});
