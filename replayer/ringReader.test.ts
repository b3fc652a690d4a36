// The decode-worker pipeline: what comes through the batch ring is exactly what the trace reader
// yields (events, marks, footer), with a ring small enough to wrap around (protobuf batches published
// in place, JSON ones copied and split); a batch published in place is not overwritten while held; the aux
// column (alignments, join/detach targets) and the header's format version come through; decode
// errors arrive after the good batches with their code and position; a bad file fails at open; a
// reader attached to a decode worker started elsewhere (as the host does) ends with an error naming the
// worker's death when it dies without an end record.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordWorkload } from '../recorder/index.js';
import { createTraceWriter, openTrace, OP_MARK, OP_THREAD_DETACH, OP_THREAD_JOIN, type EventBatch } from '../traces/index.js';
import { DecoderWatch, decoderOnGone, ringDecoderStart, ringReaderAttach, ringReaderOpen, type ReplaySource } from './ringReader.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-ring-'));
const trace = join(dir, 'battle.pb');
const tiny = { slots: 2, capacity: 1000, markBytes: 4096, metaBytes: 1 << 16 };

interface Flat { ops: number[]; tids: number[]; ids: number[]; sizes: number[]; aux: number[]; marks: { i: number; name: string }[] }

/** The events; aux as is except for marks (a mark's aux indexes its batch's names). */
async function flatten(src: { batches(): AsyncIterableIterator<EventBatch> }): Promise<Flat> {
  const f: Flat = { ops: [], tids: [], ids: [], sizes: [], aux: [], marks: [] };
  for await (const b of src.batches()) {
    for (let i = 0; i < b.count; i++) {
      f.ops.push(b.op[i]); f.tids.push(b.tid[i]); f.ids.push(b.id[i]); f.sizes.push(b.size[i]);
      f.aux.push(b.op[i] === OP_MARK ? -1 : b.aux[i]);
      if (b.op[i] === OP_MARK) f.marks.push({ i: b.first + i, name: b.markNames[b.aux[i]] });
    }
  }
  return f;
}

beforeAll(async () => {
  await recordWorkload('battle', [], trace, { scales: '3K,1K', writer: { chunkEvents: 1500 } });
});

describe('batch ring', () => {
  it('delivers exactly the reader\'s events, marks and footer through a small ring', async () => {
    const direct = await openTrace(trace);
    const want = await flatten(direct);
    const ring: ReplaySource = await ringReaderOpen(trace, {}, tiny);
    const got = await flatten(ring);
    await ring.close();
    expect(got).toEqual(want);
    expect(got.marks.map((m) => m.name)).toEqual(['measure-peak@3K', 'flush@3K', 'measure-after@3K', 'measure-peak@1K', 'flush@1K', 'measure-after@1K']);
    expect(ring.footer).toEqual(direct.footer);
    expect(ring.header).toEqual(direct.header);
  });

  it('a decode worker started elsewhere: the reader attaches to its ring, and its death mid-trace is an error', async () => {
    const whole = await flatten(await openTrace(trace));
    const { link, worker } = ringDecoderStart(trace, {}, tiny);
    // the host's side: it watches the worker and forwards why it is gone
    const watch = new DecoderWatch();
    decoderOnGone(worker, (why) => { watch.gone ??= why; });
    const ring = await ringReaderAttach(link, watch, async () => undefined);
    const it = ring.batches();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect([...first.value.id.subarray(0, first.value.count)]).toEqual(whole.ids.slice(0, first.value.count));
    expect(whole.ids.length).toBeGreaterThan(first.value.count * (tiny.slots + 2)); // the decoder cannot have ended
    await worker.terminate();
    const drain = async (): Promise<void> => { for (let n = await it.next(); !n.done; n = await it.next()); };
    await expect(drain()).rejects.toThrow(/decode worker exited \(code 1\) without an end record/);
    await ring.close();
  });

  it('a batch published in place stays as yielded while the consumer holds it (the decoder runs ahead)', async () => {
    const direct = await flatten(await openTrace(trace));
    const ring = await ringReaderOpen(trace, {}, tiny);
    const ids: number[] = [];
    let slow = 0;
    for await (const b of ring.batches()) {
      const at = [...b.id.subarray(0, b.count)];
      // give the decoder time to fill every other slot, then read the held batch again
      if (slow++ < 6) await new Promise((resolve) => setTimeout(resolve, 30));
      expect([...b.id.subarray(0, b.count)]).toEqual(at);
      ids.push(...at);
    }
    await ring.close();
    expect(ids).toEqual(direct.ids);
  });

  it('carries thread_join / thread_detach with their targets, alignments and the format version', async () => {
    const p = join(dir, 'life.pb');
    const w = createTraceWriter(p, { workload: 'life', recorder: 'test' }, { chunkEvents: 700 });
    const big = 1 << 20;
    for (let gen = 0; gen < 400; gen++) {
      const t = 1 + (gen % 3), u = gen % 2 ? big : 7;
      w.threadStart(t);
      w.threadStart(u);
      const a = w.memalign(t, 1 << (gen % 12), 8 + gen);
      if (gen % 3 === 0) w.threadDetach(u, u);
      w.threadExit(u);
      if (gen % 3 === 1) w.threadJoin(t, u);
      else if (gen % 3 === 2) w.threadDetach(0, u);
      w.free(0, a);
      w.threadExit(t);
      w.threadJoin(0, t);
      if (gen % 50 === 0) w.mark(0, `gen-${gen}`);
    }
    const footer = await w.close();
    const direct = await openTrace(p);
    const want = await flatten(direct);
    const ring = await ringReaderOpen(p, {}, tiny);
    const got = await flatten(ring);
    await ring.close();
    expect(got).toEqual(want);
    expect(ring.header.formatVersion).toBe(2);
    expect(ring.header).toEqual(direct.header);
    expect(ring.footer).toEqual(footer);
    const targets = got.ops.map((op, i) => (op === OP_THREAD_JOIN || op === OP_THREAD_DETACH ? got.aux[i] : -1)).filter((x) => x >= 0);
    expect(targets.length).toBe(footer.threadJoins + footer.threadDetaches);
    expect(targets).toContain(big);
    expect(new Set(targets)).toEqual(new Set([1, 2, 3, 7, big]));
  });

  it('carries a version-1 header as version 1', async () => {
    const p = join(dir, 'v1.pb');
    const w = createTraceWriter(p, { workload: 'old', recorder: 'test', formatVersion: 1 });
    w.alloc(0, 16);
    await w.close();
    const ring = await ringReaderOpen(p, {}, tiny);
    const got = await flatten(ring);
    await ring.close();
    expect(got.ops).toEqual([0]);
    expect(ring.header.formatVersion).toBe(1);
  });

  it('rethrows a decode error after the good events, with its code and event index', async () => {
    const bad = join(dir, 'bad.json');
    const header = { magic: 'slabtrace', formatVersion: 1, workload: 'hand', recorder: 'test', params: {}, args: [], seed: 0, threads: 1, pageSize: 4096, createdAtMs: 0, expectedEvents: 0, chunkEvents: 0 };
    const events = Array.from({ length: 2500 }, (_, i) => ({ op: 'alloc', tid: 0, id: i, size: 16 }));
    const lines = [{ header }, ...events, { op: 'free', tid: 0, id: 99999 }].map((x) => JSON.stringify(x));
    writeFileSync(bad, `${lines.join('\n')}\n`);
    const ring = await ringReaderOpen(bad, { batchEvents: 1000 }, tiny);
    let seen = 0;
    const err = await (async () => {
      try {
        for await (const b of ring.batches()) seen += b.count;
      } catch (e) {
        return e as { name: string; code: string; event: number };
      }
      return null;
    })();
    await ring.close();
    expect(err).toMatchObject({ name: 'TraceError', code: 'FREE_NOT_LIVE', event: 2500 });
    expect(seen).toBeGreaterThanOrEqual(2000);
  });

  it('fails at open on a file that is not a trace, as openTrace does', async () => {
    const junk = join(dir, 'junk.pb');
    writeFileSync(junk, Buffer.from('definitely not a trace'));
    await expect(ringReaderOpen(junk, {}, tiny)).rejects.toMatchObject({ name: 'TraceError' });
    await expect(ringReaderOpen(join(dir, 'none.pb'), {}, tiny)).rejects.toThrow();
  });
});
