// Batch column sets and the shared memory: with batchSets = k a reader writes successive batches into
// k sets of columns in turn, so the last k - 1 batches yielded keep their values while the next is
// read (what the decode worker relies on to publish batches without copying them); a validating
// reader's batches are views of its shared memory (for protobuf, the fused kernel wrote them there),
// an unchecked reader's are not; and the events are the same whatever the number of sets. A reader
// given a region of another memory (OpenTraceOptions.arena) keeps its arena there: the same events,
// batches inside the region, no byte outside it written; a region too small is not used.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertTrace, createTraceWriter, openTrace, type EventBatch } from './index.js';
import { writeLarsonLike } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-sets-'));
const pb = join(dir, 'l.pb');
const json = join(dir, 'l.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const w = createTraceWriter(pb, { workload: 'l', recorder: 'test' }, { chunkEvents: 1000 });
  await writeLarsonLike(w, 12_000, 9, true, 500);
  await w.close();
  await convertTrace(pb, json);
});

interface Snap { first: number; op: number[]; tid: number[]; id: number[]; size: number[]; aux: number[] }
const snap = (b: EventBatch): Snap => ({
  first: b.first, op: [...b.op.subarray(0, b.count)], tid: [...b.tid.subarray(0, b.count)], id: [...b.id.subarray(0, b.count)],
  size: [...b.size.subarray(0, b.count)], aux: [...b.aux.subarray(0, b.count)],
});

describe('batchSets', () => {
  it('keeps the last batchSets - 1 batches intact while the next one is read', async () => {
    const sets = 3;
    const r = await openTrace(pb, { batchSets: sets });
    const held: { b: EventBatch; s: Snap }[] = [];
    let batches = 0;
    for await (const b of r.batches()) {
      batches++;
      // every batch still held reads as it did when yielded
      for (const h of held) expect(snap(h.b)).toEqual(h.s);
      held.push({ b, s: snap(b) });
      if (held.length > sets - 1) held.shift();
    }
    expect(batches).toBeGreaterThan(sets * 2);
    expect(r.digestStatus).toBe('verified');
  });

  it('a lenient read whose slices end at skipped events (some of them empty) still rotates only yielded batches', async () => {
    // JSON, 8 events per batch, runs of bad frees: a slice ends after each skipped event, and a slice
    // that starts at one yields nothing
    const lines = [JSON.stringify({ header: { magic: 'slabtrace', formatVersion: 2, workload: 'bad', recorder: 'test', params: {}, args: [], seed: 0, threads: 1, pageSize: 4096, createdAtMs: 0, expectedEvents: 0, chunkEvents: 0 } })];
    let id = 0;
    for (let round = 0; round < 40; round++) {
      for (let k = 0; k < 5; k++) lines.push(JSON.stringify({ op: 'alloc', tid: 0, id: id++, size: 16 + round }));
      for (let k = 0; k < 1 + (round % 3); k++) lines.push(JSON.stringify({ op: 'free', tid: 0, id: 1_000_000 + k }));
    }
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${lines.join('\n')}\n`);
    const sets = 3;
    const r = await openTrace(bad, { batchSets: sets, lenient: true, batchEvents: 8, allowTruncated: true });
    const held: { b: EventBatch; s: Snap }[] = [];
    let events = 0;
    for await (const b of r.batches()) {
      for (const h of held) expect(snap(h.b)).toEqual(h.s);
      held.push({ b, s: snap(b) });
      if (held.length > sets - 1) held.shift();
      events += b.count;
    }
    expect(events).toBe(200);
    expect(r.skipped).toBe(79); // 40 rounds of 1 + round % 3 bad frees
  });

  it('with one set (the default) the next batch reuses the columns', async () => {
    const r = await openTrace(pb);
    let prev: EventBatch | null = null;
    let reused = 0;
    for await (const b of r.batches()) {
      if (prev !== null && prev.op === b.op) reused++;
      prev = b;
    }
    expect(reused).toBeGreaterThan(0);
  });

  it('yields the same events with any number of sets', async () => {
    const read = async (batchSets: number): Promise<Snap[]> => {
      const out: Snap[] = [];
      for await (const b of (await openTrace(pb, { batchSets })).batches()) out.push(snap(b));
      return out;
    };
    const one = await read(1);
    expect(await read(2)).toEqual(one);
    expect(await read(5)).toEqual(one);
  });
});

describe('sharedMemory', () => {
  it('a validating protobuf reader decodes into it', async () => {
    const r = await openTrace(pb, { batchSets: 2 });
    expect(r.sharedMemory).not.toBeNull();
    let inside = 0, n = 0;
    for await (const b of r.batches()) {
      n++;
      if ([b.op, b.tid, b.id, b.size, b.aux].every((c) => r.inSharedMemory(c))) inside++;
      // the memory sees what the batch shows
      const at = new Uint32Array(r.sharedMemory!.buffer, b.id.byteOffset, b.count);
      expect([...at]).toEqual([...b.id.subarray(0, b.count)]);
    }
    expect(inside).toBe(n);
  });

  it('a validating JSON reader writes its batches there too; an unchecked reader has none', async () => {
    const j = await openTrace(json);
    expect(j.sharedMemory).not.toBeNull();
    for await (const b of j.batches()) expect(j.inSharedMemory(b.size)).toBe(true);
    const u = await openTrace(pb, { validate: false });
    expect(u.sharedMemory).toBeNull();
    for await (const b of u.batches()) expect(u.inSharedMemory(b.op)).toBe(false);
  });
  it('an arena in a region of a given memory: the same events, batches in the region, nothing written outside', async () => {
    const want: Snap[] = [];
    for await (const b of (await openTrace(pb)).batches()) want.push(snap(b));
    const memory = new WebAssembly.Memory({ initial: 1024, maximum: 1024, shared: true }); // 64 MiB
    const bytes = new Uint8Array(memory.buffer);
    bytes.fill(0xa5);
    const base = 8 << 20, size = 32 << 20;
    const r = await openTrace(pb, { batchSets: 2, arena: { memory, base, bytes: size } });
    expect(r.sharedMemory).toBe(memory);
    const got: Snap[] = [];
    for await (const b of r.batches()) {
      expect(r.inSharedMemory(b.op) && r.inSharedMemory(b.id) && r.inSharedMemory(b.size)).toBe(true);
      expect(b.op.byteOffset).toBeGreaterThanOrEqual(base);
      expect(b.size.byteOffset + b.size.byteLength).toBeLessThanOrEqual(base + size);
      got.push(snap(b));
    }
    expect(got).toEqual(want);
    expect(bytes.subarray(0, base).every((v) => v === 0xa5)).toBe(true);
    expect(bytes.subarray(base + size).every((v) => v === 0xa5)).toBe(true);
    // a region too small for an arena: the reader makes its own memory
    const small = await openTrace(pb, { arena: { memory, base, bytes: 1 << 20 } });
    expect(small.sharedMemory).not.toBe(memory);
    const rest: Snap[] = [];
    for await (const b of small.batches()) rest.push(snap(b));
    expect(rest).toEqual(want);
  });
});
