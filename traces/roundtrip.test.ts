// Round trips (protobuf <-> JSON, plain and gzip), determinism, event fidelity, streams, abort.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { convertTrace, createTraceWriter, openTrace, TraceError, type TraceWriter } from './index.js';
import { bytesSource, readEvents, writeLarsonLike } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const H = { workload: 'larson', recorder: 'test', seed: 7, params: { threads: '4', min: '8' }, args: ['8', '128'] };

async function makeTrace(path: string, events: number, seed: number, mixed: boolean, chunkEvents = 5000) {
  const w = createTraceWriter(path, H, { chunkEvents });
  await writeLarsonLike(w, events, seed, mixed, 512);
  return w.close();
}

describe('round trips', () => {
  for (const gz of ['', '.gz']) {
    it(`pb -> JSON -> pb gives identical bytes and digest${gz ? ' (gzip)' : ''}`, async () => {
      const a = join(dir, `a${gz}.pb${gz}`), j = join(dir, `a${gz}.jsonl${gz}`), b = join(dir, `b${gz}.pb${gz}`);
      const fa = await makeTrace(a, 30000, 1, true);
      const fj = (await convertTrace(a, j)).footer;
      const fb = (await convertTrace(j, b)).footer;
      expect(fa.threadJoins).toBeGreaterThan(0); // format version 2 events included
      expect(fa.threadDetaches).toBeGreaterThan(0);
      expect(fj).toEqual(fa);
      expect(fb).toEqual(fa);
      const raw = (p: string) => (gz ? gunzipSync(readFileSync(p)) : readFileSync(p));
      expect(Buffer.compare(raw(a), raw(b))).toBe(0);
      expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
      const ra = await readEvents(a), rj = await readEvents(j);
      expect(rj.events).toEqual(ra.events);
      expect(ra.r.footer).toEqual(fa);
      expect(rj.r.footer).toEqual(fa);
      expect(ra.r.header).toEqual(rj.r.header);
      expect(ra.r.header.params).toEqual(H.params);
      expect(ra.r.gzip).toBe(!!gz);
      expect(rj.r.format).toBe('json');
    });
  }

  it('is deterministic: the same events give byte-identical files in every form', async () => {
    for (const ext of ['pb', 'pb.gz', 'jsonl', 'json.gz']) {
      const p1 = join(dir, `d1.${ext}`), p2 = join(dir, `d2.${ext}`);
      await makeTrace(p1, 8000, 3, true, 1000);
      await makeTrace(p2, 8000, 3, true, 1000);
      expect(Buffer.compare(readFileSync(p1), readFileSync(p2))).toBe(0);
    }
  });

  it('reads back exactly the events written, with ids by the LIFO rule', async () => {
    const p = join(dir, 'fid.pb');
    const w = createTraceWriter(p, H, { chunkEvents: 3 });
    const a = w.alloc(0, 16);
    const b = w.calloc(0, 32);
    w.threadStart(2);
    const c = w.memalign(2, 64, 100);
    w.free(2, b);
    const d = w.alloc(0, 2 ** 40); // takes b's id back (LIFO)
    const e = w.realloc(0, a, 48);
    w.mark(2, 'after-alloc ✓');
    w.free(0, c);
    w.threadExit(2);
    const f = await w.close({ foreignFrees: 2, nullFrees: 1 });
    expect([a, b, c, d, e]).toEqual([0, 1, 2, 1, 0]);
    const { r, events } = await readEvents(p);
    expect(events).toEqual([
      { op: 'alloc', tid: 0, id: 0, size: 16 },
      { op: 'calloc', tid: 0, id: 1, size: 32 },
      { op: 'thread_start', tid: 2 },
      { op: 'memalign', tid: 2, id: 2, align: 64, size: 100 },
      { op: 'free', tid: 2, id: 1 },
      { op: 'alloc', tid: 0, id: 1, size: 2 ** 40 },
      { op: 'realloc', tid: 0, id: 0, newId: 0, size: 48 },
      { op: 'mark', tid: 2, name: 'after-alloc ✓' },
      { op: 'free', tid: 0, id: 2 },
      { op: 'thread_exit', tid: 2 },
    ]);
    expect(f).toMatchObject({
      events: 10, allocs: 2, callocs: 1, memaligns: 1, frees: 2, reallocs: 1, marks: 1,
      threadStarts: 1, threadExits: 1, peakLiveObjects: 3, threadsSeen: 2, foreignFrees: 2, nullFrees: 1,
      bytesAllocated: 16 + 32 + 100 + 2 ** 40 + 48,
    });
    expect(r.footer).toEqual(f);
    // JSON form of the same
    const j = join(dir, 'fid.jsonl');
    await convertTrace(p, j);
    const lines = readFileSync(j, 'utf8').trim().split('\n');
    expect(lines[1]).toBe('{"op":"alloc","tid":0,"id":0,"size":16}');
    expect(lines[7]).toBe('{"op":"realloc","tid":0,"id":0,"newId":0,"size":48}');
    expect(JSON.parse(lines[0]!).header.magic).toBe('slabtrace');
    expect(JSON.parse(lines.at(-1)!).footer.digest).toBe(f.digest);
  });

  it('batches are one reused object with global indices', async () => {
    const p = join(dir, 'batches.pb');
    await makeTrace(p, 12000, 5, false, 5000);
    const r = await openTrace(p);
    let first = -1, count = 0, chunk = 0, prev: object | null = null;
    for await (const b of r.batches()) {
      if (prev) expect(b).toBe(prev);
      prev = b;
      expect(b.first).toBe(count);
      expect(b.chunk).toBe(chunk++);
      if (first < 0) first = b.byteOffset;
      count += b.count;
    }
    expect(first).toBeGreaterThan(0);
    expect(count).toBe(r.footer!.events);
    expect(r.bytesRead).toBe(readFileSync(p).length);
  });

  it('JSON batches honour batchEvents', async () => {
    const p = join(dir, 'be.jsonl');
    await makeTrace(p, 2500, 5, true, 1000);
    const r = await openTrace(p, { batchEvents: 700 });
    const sizes: number[] = [];
    for await (const b of r.batches()) sizes.push(b.count);
    expect(Math.max(...sizes)).toBe(700);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(r.footer!.events);
  });

  it('writes to and reads from streams, gzip detected by magic bytes', async () => {
    for (const gzip of [false, true]) {
      const pass = new PassThrough();
      const chunks: Buffer[] = [];
      pass.on('data', (c: Buffer) => chunks.push(c));
      const w = createTraceWriter(pass, H, { gzip, format: 'pb', chunkEvents: 777 });
      await writeLarsonLike(w, 5000, 9, true, 100);
      const f = await w.close();
      const bytes = Buffer.concat(chunks);
      expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
      for (const piece of [1, 7, 4096]) {
        const { r, events } = await readEvents(bytes.subarray(0), {});
        expect(events.length).toBe(f.events);
        const r2 = await openTrace(bytesSource(bytes, piece));
        let n = 0;
        for await (const b of r2.batches()) n += b.count;
        expect(n).toBe(f.events);
        expect(r2.footer).toEqual(r.footer);
      }
    }
  });

  it('abort() keeps what was recorded readable (no footer)', async () => {
    const p = join(dir, 'abort.pb');
    const w = createTraceWriter(p, H, { chunkEvents: 1000 });
    await writeLarsonLike(w, 2500, 11, false, 100);
    const n = w.events;
    await w.abort();
    const { r, events } = await readEvents(p, { allowTruncated: true });
    expect(events.length).toBe(n);
    expect(r.truncated).toBe(true);
    expect(r.footer).toBeNull();
    await expect(readEvents(p)).rejects.toMatchObject({ code: 'TRUNCATED', event: n, chunk: 3 });
    expect(() => w.alloc(0, 8)).toThrow(TraceError);
  });

  it('format from the extension; explicit format overrides', async () => {
    const p = join(dir, 'x.trace');
    const w = createTraceWriter(p, H, { format: 'json' });
    w.alloc(0, 8);
    await w.close();
    expect(readFileSync(p, 'utf8').startsWith('{"header":')).toBe(true);
    const { r } = await readEvents(p);
    expect(r.format).toBe('json');
    await expect(readEvents(p, { format: 'pb' })).rejects.toMatchObject({ code: 'BAD_MAGIC' });
  });

  it('lenient mode skips and counts bad events; strict yields the prefix, then throws', async () => {
    const p = join(dir, 'len.jsonl');
    const lines = [
      '{"header":{"magic":"slabtrace","formatVersion":1,"workload":"w","recorder":"r"}}',
      '{"op":"alloc","tid":0,"id":0,"size":16}',
      '{"op":"free","tid":0,"id":5}',
      '{"op":"free","tid":0,"id":0}',
      '{"op":"free","tid":0,"id":0}',
      '{"op":"alloc","tid":3,"id":0,"size":16}',
      '{"op":"alloc","tid":0,"id":0,"size":0}',
      '{"op":"alloc","tid":0,"id":0,"size":16}',
      '{"footer":{"events":7,"digest":"0000000000000000"}}',
    ];
    writeFileSync(p, lines.join('\n') + '\n');
    const { r, events } = await readEvents(p, { lenient: true });
    expect(r.skipped).toBe(4);
    expect(events).toEqual([
      { op: 'alloc', tid: 0, id: 0, size: 16 }, { op: 'free', tid: 0, id: 0 }, { op: 'alloc', tid: 0, id: 0, size: 16 },
    ]);
    const seen: number[] = [];
    const r2 = await openTrace(p);
    await expect((async () => { for await (const b of r2.batches()) seen.push(b.count); })()).rejects.toMatchObject({ code: 'FREE_NOT_LIVE', event: 1 });
    expect(seen).toEqual([1]);
  });
});

describe('writer validation', () => {
  it('throws TraceError for bad calls and stays usable', async () => {
    const w: TraceWriter = createTraceWriter(join(dir, 'wv.pb'), H);
    const id = w.alloc(0, 8);
    const codeOf = (f: () => unknown) => { try { f(); } catch (e) { return (e as TraceError).code; } return 'none'; };
    expect(codeOf(() => w.free(0, 5))).toBe('FREE_NOT_LIVE');
    expect(codeOf(() => w.alloc(0, 0))).toBe('BAD_SIZE');
    expect(codeOf(() => w.alloc(0, 2 ** 40 + 1))).toBe('BAD_SIZE');
    expect(codeOf(() => w.alloc(0, 1.5))).toBe('BAD_SIZE');
    expect(codeOf(() => w.memalign(0, 24, 8))).toBe('BAD_ALIGN');
    expect(codeOf(() => w.alloc(1, 8))).toBe('THREAD_ORDER');
    expect(codeOf(() => w.threadStart(0))).toBe('THREAD_ORDER');
    expect(codeOf(() => w.threadExit(4))).toBe('THREAD_ORDER');
    w.free(0, id);
    expect(codeOf(() => w.free(0, id))).toBe('DOUBLE_FREE');
    expect(codeOf(() => w.realloc(0, id, 8))).toBe('DOUBLE_FREE');
    expect(w.events).toBe(2);
    const f = await w.close();
    expect(f.events).toBe(2);
    const { events } = await readEvents(join(dir, 'wv.pb'));
    expect(events.length).toBe(2);
  });

  it('reports write errors as IO', async () => {
    const w = createTraceWriter(join(dir, 'no-such-dir', 'x.pb'), H);
    await expect(w.close()).rejects.toMatchObject({ code: 'IO' });
  });
});
