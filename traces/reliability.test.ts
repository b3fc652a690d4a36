// Regression tests for the trace-format items of issue 14, with fixtures made here: bounded memory
// per chunk (#6), reading cut streams of every form and salvaging them (#13), lenient counts, exact
// event indices and the digest check after skips (#14), every footer field checked (#17), and a JSON
// size over 2^40 (#18).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { markNameHash, TraceDigest } from './digest.js';
import { fuzzEncode, type FuzzTrace } from './fuzzEncode.js';
import { fuzzExpect, type FuzzEvent } from './fuzzModel.js';
import { fuzzRead } from './fuzzRead.js';
import {
  convertTrace, createTraceWriter, openTrace, TRACE_BATCH_MAX, TRACE_FOOTER_CHECKED, TRACE_MAX_CHUNK_EVENTS,
  TraceError, type TraceReader,
} from './index.js';
import { bytesSource, pbRecords, readEvents, TEST_HEADER_V2, writeLarsonLike } from './testkit.js';
import { varintBytes } from './varint.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-rel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Header frame + one chunk frame whose op field holds n bytes from fill (tid runs: one run on thread 1). */
function hugeChunk(n: number, fill: (ops: Buffer) => void, extra: number[] = []): { bytes: Buffer; chunkAt: number } {
  const head = Buffer.from(pbRecords([{ header: TEST_HEADER_V2 }]).bytes);
  const ops = Buffer.alloc(n);
  fill(ops);
  const body = Buffer.concat([Buffer.from([0x12, ...varintBytes(n)]), ops, Buffer.from([0x1a, 1, 1, 0x22, ...varintBytes(varintBytes(n).length), ...varintBytes(n), ...extra])]);
  const rec = Buffer.concat([Buffer.from([0x12, ...varintBytes(body.length)]), body]);
  return { bytes: Buffer.concat([head, Buffer.from(varintBytes(rec.length)), rec]), chunkAt: head.length };
}

async function drain(r: TraceReader): Promise<number> {
  let n = 0;
  for await (const b of r.batches()) n += b.count;
  return n;
}

const footprint = (r: TraceReader): number => (r as unknown as { memoryFootprint(): number }).memoryFootprint();

describe('#6 memory is bounded per chunk', () => {
  it('a gzip bomb (one chunk of more thread start/exit events than the limit) is refused from its first bytes', async () => {
    const { bytes, chunkAt } = hugeChunk(TRACE_MAX_CHUNK_EVENTS + 2, (ops) => { for (let i = 0; i < ops.length; i += 2) { ops[i] = 5; ops[i + 1] = 6; } });
    const gz = gzipSync(bytes, { level: 9 });
    expect(gz.length).toBeLessThan(64 << 10);
    const path = join(dir, 'bomb.pb.gz');
    writeFileSync(path, gz);
    const r = await openTrace(path);
    const e = await drain(r).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceError);
    expect(e).toMatchObject({ code: 'CORRUPT_CHUNK', offset: chunkAt, chunk: 0 });
    expect((e as Error).message).toMatch(/16777218 events, more than the limit of 16777216 per chunk \(TRACE_MAX_CHUNK_EVENTS\)/);
    expect(footprint(r)).toBeLessThan(4 << 20); // refused before the 16 MB frame was buffered
  });

  it('a column with more values than the limit is refused before it is decoded', async () => {
    // op field of 2 events, then an id field of 2^24 + 1 one-byte varints
    const n = TRACE_MAX_CHUNK_EVENTS + 1;
    const ids = [0x2a, ...varintBytes(n)];
    const head = Buffer.from(pbRecords([{ header: TEST_HEADER_V2 }]).bytes);
    const body = Buffer.concat([Buffer.from([0x12, 2, 0, 0, 0x1a, 1, 1, 0x22, 1, 2, ...ids]), Buffer.alloc(n, 1)]);
    const rec = Buffer.concat([Buffer.from([0x12, ...varintBytes(body.length)]), body]);
    const all = Buffer.concat([head, Buffer.from(varintBytes(rec.length)), rec]);
    const e = await readEvents(gzipSync(all)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CORRUPT_CHUNK', offset: head.length });
    expect((e as Error).message).toMatch(/more than the limit of 16777216 per chunk/);
  });

  it('a frame length far beyond the data allocates only what arrived', async () => {
    const head = Buffer.from(pbRecords([{ header: TEST_HEADER_V2 }]).bytes);
    const bytes = Buffer.concat([head, Buffer.from(varintBytes(200 << 20)), Buffer.from([0x12, 0x80, 0x80, 0x80, 0x40, 1, 2, 3])]);
    const r = await openTrace(bytesSource(bytes));
    await expect(drain(r)).rejects.toMatchObject({ code: 'TRUNCATED', offset: head.length });
    expect(footprint(r)).toBeLessThan(2 << 20);
  });

  it('a chunk bigger than TRACE_BATCH_MAX is yielded in slices of consecutive events, validated or not', async () => {
    const n = 2 * TRACE_BATCH_MAX + 5;
    const big = join(dir, 'bigchunk.pb'), small = join(dir, 'smallchunk.pb');
    for (const [p, chunkEvents] of [[big, n + 10], [small, 4096]] as const) {
      const w = createTraceWriter(p, { workload: 'slices', recorder: 'test' }, { chunkEvents });
      await writeLarsonLike(w, n, 9, true, 64);
      await w.close();
    }
    const hashes: string[] = [];
    for (const [p, validate] of [[big, true], [big, false], [small, true]] as const) {
      const r = await openTrace(p, { validate });
      const h = new TraceDigest();
      let next = 0, batches = 0;
      for await (const b of r.batches()) {
        expect(b.first).toBe(next);
        expect(b.count).toBeLessThanOrEqual(TRACE_BATCH_MAX);
        for (let i = 0; i < b.count; i++) {
          const aux = b.op[i] === 7 ? markNameHash(b.markNames[b.aux[i]!]!) : b.aux[i]!; // (mark aux: an index into the batch's names)
          h.step(b.op[i]!, b.tid[i]!, b.id[i]!, b.size[i]!, aux);
        }
        next += b.count;
        batches++;
      }
      if (p === big) expect(batches).toBe(3);
      expect(r.events).toBe(next);
      expect(r.digestStatus).toBe(validate ? 'verified' : 'unchecked');
      expect(footprint(r)).toBeLessThan(readFileSync(p).length * 3 + (24 << 20));
      hashes.push(h.hex());
    }
    expect(new Set(hashes).size).toBe(1); // the same events from the sliced chunk, validated or not
  });
});

describe('#13 a cut trace reads up to its last complete event in every form; convert salvages it', () => {
  const forms = ['t.pb', 't.pb.gz', 't.jsonl', 't.json.gz'];
  it.each(forms)('%s cut at 60 percent: allowTruncated reads a prefix, strict is TRUNCATED', async (name) => {
    const p = join(dir, name);
    const w = createTraceWriter(p, { workload: 'cut', recorder: 'test' }, { chunkEvents: 500 });
    await writeLarsonLike(w, 6000, 5, true, 100);
    await w.close();
    const full = await readEvents(p);
    const cut = readFileSync(p).subarray(0, Math.floor(readFileSync(p).length * 0.6));
    const { r, events } = await readEvents(cut, { allowTruncated: true });
    expect(r.truncated).toBe(true);
    expect(r.footer).toBeNull();
    expect(events.length).toBeGreaterThan(1000);
    expect(events).toEqual(full.events.slice(0, events.length));
    expect(r.events).toBe(events.length);
    if (name.includes('.pb')) expect(events.length % 500).toBe(0); // whole chunks
    await expect(readEvents(cut)).rejects.toMatchObject({ code: 'TRUNCATED', event: events.length });
    // salvage: a complete trace of the events up to the cut
    const out = join(dir, `salvaged-${name}`);
    const res = await convertTrace(bytesSource(cut), out, { read: { allowTruncated: true } });
    expect(res).toMatchObject({ truncated: true, sourceFooter: null, events: events.length, skipped: 0, digestStatus: 'unchecked' });
    expect(res.footer.events).toBe(events.length);
    const back = await readEvents(out);
    expect(back.events).toEqual(events);
    expect(back.r).toMatchObject({ truncated: false, digestStatus: 'verified' });
  });

  it('a gzip stream cut after the footer (trailer missing) is TRUNCATED, or read whole with allowTruncated', async () => {
    for (const name of ['g.pb.gz', 'g.json.gz']) {
      const p = join(dir, name);
      const w = createTraceWriter(p, { workload: 'cut', recorder: 'test' }, { chunkEvents: 500 });
      await writeLarsonLike(w, 2000, 6, true, 100);
      await w.close();
      const bytes = readFileSync(p);
      const cut = bytes.subarray(0, bytes.length - 4);
      await expect(readEvents(cut)).rejects.toMatchObject({ code: 'TRUNCATED' });
      const { r, events } = await readEvents(cut, { allowTruncated: true });
      expect(r).toMatchObject({ truncated: true, digestStatus: 'verified' });
      expect(r.footer?.events).toBe(events.length);
      expect(events.length).toBeGreaterThanOrEqual(2000);
    }
  });
});

/** Hand-made events in both forms (pb chunks of `chunk` events), read the same way. */
async function bothForms(t: FuzzTrace, opts: { lenient?: boolean; allowTruncated?: boolean }) {
  const f = fuzzEncode(t);
  return { f, pb: await fuzzRead(f.pb, opts), json: await fuzzRead(f.json, opts) };
}

describe('#14 lenient reads: events, skipped and indices do not depend on the form or chunking', () => {
  const three: FuzzEvent[] = [{ op: 0, tid: 0, id: 0, size: 16 }, { op: 1, tid: 0, id: 7 }, { op: 0, tid: 0, id: 1, size: 32 }];

  it('three events with one skipped: events 3, applied 2, from a chunk-size-1 .pb and from the .json', async () => {
    for (const chunk of [1, 2, 3]) {
      const { pb, json } = await bothForms({ version: 2, events: three, chunk, footer: null }, { lenient: true, allowTruncated: true });
      for (const o of [pb, json]) {
        expect(o).toMatchObject({ events: 3, skipped: 1, count: 2, error: null, truncated: true });
        expect(o.applied.map(([i]) => i)).toEqual([0, 2]); // the global index after a skip is exact
      }
    }
    const p = join(dir, 'three.pb');
    writeFileSync(p, fuzzEncode({ version: 2, events: three, chunk: 1, footer: null }).pb);
    const r = await openTrace(p, { lenient: true, allowTruncated: true });
    await drain(r);
    expect([r.events, r.applied, r.skipped]).toEqual([3, 2, 1]);
  });

  it('a batch never spans a skipped event: first + i is the global index', async () => {
    const evs: FuzzEvent[] = [];
    for (let i = 0; i < 40; i++) evs.push(i % 7 === 3 ? { op: 1, tid: 0, id: 999 } : { op: 7, tid: 0, name: `m${i}` });
    const want = evs.map((e, i) => [i, e] as const).filter(([, e]) => e.op === 7).map(([i]) => i);
    for (const chunk of [1, 5, 40]) {
      const { pb, json } = await bothForms({ version: 2, events: evs, chunk, footer: null }, { lenient: true, allowTruncated: true });
      expect(pb.applied.map(([i]) => i)).toEqual(want);
      expect(json.applied).toEqual(pb.applied);
      expect([pb.events, pb.skipped, json.events, json.skipped]).toEqual([40, 6, 40, 6]);
    }
  });

  it('a skipped event does not turn off the digest check: calloc(4000) for an alloc plus a skippable free', async () => {
    // the recorded trace, and a copy with an alloc made calloc(4000) and a bad free inserted
    const orig: FuzzEvent[] = [];
    for (let i = 0; i < 6; i++) orig.push({ op: 0, tid: 0, id: i, size: 16 });
    for (let i = 0; i < 6; i++) orig.push({ op: 1, tid: 0, id: i });
    const footer = fuzzExpect(orig, 2, false).footer;
    const bad = orig.map((e) => ({ ...e }));
    bad[2] = { op: 3, tid: 0, id: 2, size: 4000 };
    bad.splice(8, 0, { op: 1, tid: 0, id: 77 });
    for (const chunk of [1, 4, 100]) {
      const { f, pb, json } = await bothForms({ version: 2, events: bad, chunk, footer }, { lenient: true });
      for (const o of [pb, json]) {
        expect(o).toMatchObject({ error: null, skipped: 1, events: 13, digestStatus: 'mismatch' });
        expect(o.mismatches).toEqual(['events', 'allocs', 'frees', 'callocs', 'peakLiveBytes', 'bytesAllocated', 'digest']);
      }
      const strict = await fuzzRead(f.pb, {});
      expect(strict.error).toMatchObject({ code: 'FREE_NOT_LIVE', event: 8 });
    }
    // without the inserted free: strict reads report the first wrong footer field
    const swapped = orig.map((e, i) => (i === 2 ? { op: 3, tid: 0, id: 2, size: 4000 } : e));
    const { pb, json } = await bothForms({ version: 2, events: swapped, chunk: 5, footer }, {});
    for (const o of [pb, json]) {
      expect(o.error).toMatchObject({ code: 'BAD_FOOTER', event: -1 });
      expect(o.error!.message).toMatch(/footer allocs says 6, the stream has 5/);
    }
    // the lenient reader's mismatches carry the BAD_FOOTER errors to report
    const path = join(dir, 'swapped.pb');
    writeFileSync(path, fuzzEncode({ version: 2, events: swapped, chunk: 5, footer }).pb);
    const r = await openTrace(path, { lenient: true });
    await drain(r);
    expect(r.footerMismatches.map((m) => [m.field, m.footer, m.read])).toEqual([
      ['allocs', 6, 5], ['callocs', 0, 1], ['peakLiveBytes', 96, 4080], ['bytesAllocated', 96, 4080], ['digest', footer.digest, r.digest],
    ]);
    expect(r.footerMismatches[0]!.error).toMatchObject({ code: 'BAD_FOOTER', offset: fuzzEncode({ version: 2, events: swapped, chunk: 5, footer }).pbFooter });
    expect(r.digest).not.toBe(footer.digest);
  });
});

describe('#17 every footer field is checked (BAD_FOOTER naming it), in both forms', () => {
  const evs: FuzzEvent[] = [
    { op: 5, tid: 3 }, { op: 0, tid: 3, id: 0, size: 100 }, { op: 3, tid: 0, id: 1, size: 2 ** 33 }, { op: 4, tid: 3, id: 2, align: 64, size: 8 },
    { op: 2, tid: 0, id: 1, size: 24 }, { op: 7, tid: 3, name: 'after-alloc' }, { op: 1, tid: 3, id: 0 }, { op: 9, tid: 3, target: 3 },
    { op: 6, tid: 3 }, { op: 5, tid: 4 }, { op: 6, tid: 4 }, { op: 8, tid: 0, target: 4 },
  ];
  const good = fuzzExpect(evs, 2, false).footer;

  it('the right footer verifies', async () => {
    const { pb, json } = await bothForms({ version: 2, events: evs, chunk: 5, footer: good }, {});
    for (const o of [pb, json]) expect(o).toMatchObject({ error: null, digestStatus: 'verified', mismatches: [] });
    expect(good).toMatchObject({ threadsSeen: 3, peakLiveObjects: 3, threadJoins: 1, threadDetaches: 1 });
  });

  it.each(TRACE_FOOTER_CHECKED.map((f) => [f]))('%s', async (field) => {
    const wrong = { ...good };
    if (field === 'digest') wrong.digest = '0123456789abcdef';
    else wrong[field] += 1;
    const { f, pb, json } = await bothForms({ version: 2, events: evs, chunk: 5, footer: wrong }, {});
    expect(pb.error).toMatchObject({ code: 'BAD_FOOTER', offset: f.pbFooter });
    expect(json.error).toMatchObject({ code: 'BAD_FOOTER', offset: f.jsonFooter });
    expect(pb.error!.message).toContain(field === 'events' ? 'footer says 13 events' : `footer ${field}`);
    const len = await bothForms({ version: 2, events: evs, chunk: 5, footer: wrong }, { lenient: true });
    expect([len.pb.mismatches, len.json.mismatches]).toEqual([[field], [field]]);
  });

  it('a JSON footer without a key does not check it; validate: false checks the counts only', async () => {
    const text = Buffer.from(fuzzEncode({ version: 2, events: evs, chunk: 5, footer: null }).json.toString() +
      JSON.stringify({ footer: { events: 12, digest: good.digest, allocs: 1 } }) + '\n');
    expect((await fuzzRead(text, {})).error).toBeNull();
    const wrongPeak = fuzzEncode({ version: 2, events: evs, chunk: 5, footer: { ...good, peakLiveBytes: 1 } }).pb;
    expect((await fuzzRead(wrongPeak, { validate: false })).error).toBeNull();
    const wrongCount = fuzzEncode({ version: 2, events: evs, chunk: 5, footer: { ...good, marks: 2 } }).pb;
    expect((await fuzzRead(wrongCount, { validate: false })).error).toMatchObject({ code: 'BAD_FOOTER' });
  });
});

describe('#18 a JSON size over 2^40', () => {
  it('is BAD_SIZE with the line offset (strict), skipped (lenient)', async () => {
    for (const size of [2 ** 40 + 1, 2 ** 53, 1e300]) {
      const evs: FuzzEvent[] = [{ op: 0, tid: 0, id: 0, size: 8 }, { op: 0, tid: 0, id: 1, size }];
      const f = fuzzEncode({ version: 2, events: evs, chunk: 10, footer: null });
      const o = await fuzzRead(f.json, {});
      expect(o.error).toMatchObject({ code: 'BAD_SIZE', event: 1, offset: f.lineOffsets[1] });
      expect((await fuzzRead(f.json, { lenient: true, allowTruncated: true })).skipped).toBe(1);
    }
  });
});
