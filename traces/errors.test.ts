// Every TraceError code, each triggered by feeding a real bad file, with code, offset and event index.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTraceWriter, TraceError, TRACE_ERROR_CODES } from './index.js';
import { pbRecords, readEvents, TEST_HEADER, writeLarsonLike } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-err-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const covered = new Set<string>();

async function fail(src: string | Uint8Array, opts = {}): Promise<TraceError> {
  try {
    await readEvents(src, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    covered.add((e as TraceError).code);
    return e as TraceError;
  }
  throw new Error('expected a TraceError');
}

function chunk(firstEvent: number, ops: number[], c: Record<string, unknown> = {}) {
  return { chunk: { firstEvent, op: Uint8Array.from(ops), tidRunValue: [0], tidRunLength: [ops.length], ...c } };
}

function pbFile(name: string, chunks: Array<Record<string, unknown>>, header: Record<string, unknown> = TEST_HEADER) {
  const { bytes, offsets } = pbRecords([{ header }, ...chunks]);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, offsets, bytes };
}

function jsonFile(name: string, lines: string[]) {
  const path = join(dir, name);
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  const offsets: number[] = [];
  let off = 0;
  for (const l of lines) { offsets.push(off); off += Buffer.byteLength(l) + 1; }
  return { path, offsets };
}
const JH = '{"header":{"magic":"slabtrace","formatVersion":1,"workload":"w","recorder":"r"}}';

describe('protobuf errors', () => {
  it('FREE_NOT_LIVE with a one-line message', async () => {
    const { path, offsets } = pbFile('fnl.pb', [chunk(0, [0, 1], { size: [16], id: [17] })]);
    const e = await fail(path);
    expect(e).toMatchObject({ code: 'FREE_NOT_LIVE', offset: offsets[1], chunk: 0, event: 1, file: path });
    expect(e.message).toBe(`${path}: byte ${offsets[1]} (chunk 0, event 1): FREE_NOT_LIVE: free of id 17, which is not live (expected a live id)`);
  });

  it('DOUBLE_FREE in a later chunk', async () => {
    const { path, offsets } = pbFile('df.pb', [chunk(0, [0, 1], { size: [16], id: [0] }), chunk(2, [0, 1, 1], { size: [8], id: [0, 0] })]);
    expect(await fail(path)).toMatchObject({ code: 'DOUBLE_FREE', offset: offsets[2], chunk: 1, event: 4 });
  });

  it('UNKNOWN_OP', async () => {
    const { path, offsets } = pbFile('uo.pb', [chunk(0, [0, 9], { size: [16] })]);
    expect(await fail(path)).toMatchObject({ code: 'UNKNOWN_OP', offset: offsets[1], chunk: 0, event: 1 });
  });

  it('BAD_SIZE (0 and > 2^40), also for realloc', async () => {
    let f = pbFile('bs0.pb', [chunk(0, [0], { size: [0] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_SIZE', offset: f.offsets[1], event: 0 });
    f = pbFile('bs1.pb', [chunk(0, [0, 0], { size: [8, 2 ** 40 + 1] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_SIZE', event: 1 });
    f = pbFile('bs2.pb', [chunk(0, [3, 2], { size: [8, 0], id: [0] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_SIZE', event: 1 });
  });

  it('BAD_ALIGN', async () => {
    const f = pbFile('ba.pb', [chunk(0, [4, 4], { size: [8, 8], align: [16, 24] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_ALIGN', event: 1, offset: f.offsets[1] });
  });

  it('THREAD_ORDER: event on a dead thread, start of a live one, exit of a dead one', async () => {
    let f = pbFile('to1.pb', [chunk(0, [0, 0], { size: [8, 8], tidRunValue: [0, 2], tidRunLength: [1, 1] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'THREAD_ORDER', event: 1 });
    f = pbFile('to2.pb', [chunk(0, [5])]);
    expect(await fail(f.path)).toMatchObject({ code: 'THREAD_ORDER', event: 0 });
    f = pbFile('to3.pb', [chunk(0, [5, 6, 6], { tidRunValue: [3], tidRunLength: [3] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'THREAD_ORDER', event: 2 });
  });

  it('BAD_MAGIC: wrong magic, not a trace, empty', async () => {
    let f = pbFile('bm.pb', [], { ...TEST_HEADER, magic: 'slabtracf' });
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_MAGIC', offset: 0, event: -1 });
    const junk = join(dir, 'junk.pb');
    writeFileSync(junk, Buffer.from('\x05hello world, this is not a trace'));
    expect(await fail(junk)).toMatchObject({ code: 'BAD_MAGIC' });
    writeFileSync(junk, Buffer.alloc(0));
    expect(await fail(junk)).toMatchObject({ code: 'BAD_MAGIC' });
    f = pbFile('bm2.pb', [chunk(0, [0], { size: [8] })], { ...TEST_HEADER, magic: '' });
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_MAGIC' });
  });

  it('BAD_VERSION', async () => {
    const f = pbFile('bv.pb', [], { ...TEST_HEADER, formatVersion: 2 });
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_VERSION', offset: 0 });
  });

  it('TRUNCATED: cut inside a chunk, and cut after a chunk; allowTruncated ends quietly', async () => {
    const p = join(dir, 'tr.pb');
    const w = createTraceWriter(p, TEST_HEADER, { chunkEvents: 1000 });
    await writeLarsonLike(w, 3000, 1, false, 100);
    await w.close();
    const full = readFileSync(p);
    const { offsets } = frameOffsets(full);
    // offsets: header, chunks..., footer
    const cut = full.subarray(0, offsets[3]! + 10);
    let e = await fail(cut);
    expect(e).toMatchObject({ code: 'TRUNCATED', offset: offsets[3], chunk: 2, event: 2000 });
    expect(await fail(full.subarray(0, 20))).toMatchObject({ code: 'TRUNCATED', offset: 0 });
    const atChunk = full.subarray(0, offsets[3]!);
    e = await fail(atChunk);
    expect(e).toMatchObject({ code: 'TRUNCATED', offset: offsets[3], event: 2000, chunk: 2 });
    const { r, events } = await readEvents(cut, { allowTruncated: true });
    expect(events.length).toBe(2000);
    expect(r.truncated).toBe(true);
  });

  it('gzip: a cut stream is TRUNCATED (complete chunks still readable), a damaged one is an error', async () => {
    const p = join(dir, 'gz.pb.gz');
    const w = createTraceWriter(p, TEST_HEADER, { chunkEvents: 1000 });
    await writeLarsonLike(w, 20000, 3, false, 100);
    await w.close();
    const full = readFileSync(p);
    const cut = full.subarray(0, Math.floor(full.length * 0.6));
    expect(await fail(cut)).toMatchObject({ code: 'TRUNCATED' });
    const { r, events } = await readEvents(cut, { allowTruncated: true });
    expect(r.truncated).toBe(true);
    expect(r.gzip).toBe(true);
    expect(events.length % 1000).toBe(0); // whole chunks only
    expect(events.length).toBeGreaterThan(5000);
    const bad = Buffer.from(full);
    bad[Math.floor(bad.length / 2)]! ^= 0x55;
    const e = await fail(bad);
    expect(['CORRUPT_CHUNK', 'BAD_FOOTER', 'UNKNOWN_OP', 'FREE_NOT_LIVE', 'DOUBLE_FREE', 'BAD_SIZE', 'THREAD_ORDER']).toContain(e.code);
  });

  it('CORRUPT_CHUNK: column lengths, bad varint, field overrun, wrong first_event, trailing data', async () => {
    let f = pbFile('cc1.pb', [chunk(0, [1, 1], { id: [3] })]);
    let e = await fail(f.path);
    expect(e).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[1], chunk: 0 });
    expect(e.message).toMatch(/id column has 1 values/);
    f = pbFile('cc2.pb', [chunk(0, [0], { size: [8], tidRunLength: [2] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[1] });
    // hand-made chunk body: op=[1], runs, id field whose only varint never ends
    const body = [0x12, 1, 1, 0x1a, 1, 0, 0x22, 1, 1, 0x2a, 2, 0x80, 0x80];
    const rec = [0x12, body.length, ...body];
    const { bytes } = pbRecords([{ header: TEST_HEADER }]);
    const bad = Buffer.concat([bytes, Buffer.from([rec.length, ...rec])]);
    e = await fail(bad);
    expect(e).toMatchObject({ code: 'CORRUPT_CHUNK', offset: bytes.length });
    expect(e.message).toMatch(/bad varint in the id column/);
    const over = [0x12, 1, 1, 0x1a, 1, 0, 0x22, 1, 1, 0x2a, 9, 1];
    const rec2 = [0x12, over.length, ...over];
    e = await fail(Buffer.concat([bytes, Buffer.from([rec2.length, ...rec2])]));
    expect(e.message).toMatch(/overruns/);
    f = pbFile('cc3.pb', [chunk(5, [0], { size: [8] })]);
    expect(await fail(f.path)).toMatchObject({ code: 'CORRUPT_CHUNK', expected: '0' });
    // trailing data after the footer
    const p = join(dir, 'cc4.pb');
    const w = createTraceWriter(p, TEST_HEADER);
    w.alloc(0, 8);
    await w.close();
    writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.from([1, 0x12])]));
    expect(await fail(p)).toMatchObject({ code: 'CORRUPT_CHUNK' });
  });

  it('BAD_FOOTER: event count and digest', async () => {
    const f = pbFile('bf.pb', [chunk(0, [0], { size: [8] }), { footer: { events: 2 } }]);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_FOOTER', offset: f.offsets[2], expected: '1' });
    const p = join(dir, 'bf2.pb');
    const w = createTraceWriter(p, TEST_HEADER);
    await writeLarsonLike(w, 500, 2, true, 50);
    await w.close();
    const b = readFileSync(p);
    b[b.length - 1]! ^= 1; // the digest is the footer's last field
    const e = await fail(b);
    expect(e.code).toBe('BAD_FOOTER');
    expect(e.message).toMatch(/digest/);
    await expect(readEvents(b, { verifyDigest: false })).resolves.toBeTruthy();
  });

  it('IO: missing file', async () => {
    expect(await fail(join(dir, 'nope.pb'))).toMatchObject({ code: 'IO' });
  });
});

describe('JSON errors', () => {
  it('ALLOC_LIVE and BAD_ID (ids are explicit in JSON)', async () => {
    let f = jsonFile('al.jsonl', [JH, '{"op":"alloc","tid":0,"id":0,"size":8}', '{"op":"alloc","tid":0,"id":0,"size":8}']);
    expect(await fail(f.path)).toMatchObject({ code: 'ALLOC_LIVE', offset: f.offsets[2], event: 1 });
    f = jsonFile('bi.jsonl', [JH, '{"op":"alloc","tid":0,"id":3,"size":8}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_ID', offset: f.offsets[1], event: 0, expected: 'id 0 by the LIFO id rule' });
    f = jsonFile('bi2.jsonl', [JH, '{"op":"alloc","tid":0,"id":0,"size":8}', '{"op":"realloc","tid":0,"id":0,"newId":1,"size":8}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_ID', event: 1 });
  });

  it('FREE_NOT_LIVE / THREAD_ORDER / BAD_SIZE with line offsets', async () => {
    const f = jsonFile('ev.jsonl', [JH, '', '{"op":"alloc","tid":0,"id":0,"size":8}', '{"op":"free","tid":0,"id":1}']);
    expect(await fail(f.path)).toMatchObject({ code: 'FREE_NOT_LIVE', offset: f.offsets[3], event: 1 });
    const g = jsonFile('ev2.jsonl', [JH, '{"op":"thread_exit","tid":1}']);
    expect(await fail(g.path)).toMatchObject({ code: 'THREAD_ORDER', offset: g.offsets[1], event: 0 });
    const h = jsonFile('ev3.jsonl', [JH, '{"op":"alloc","tid":0,"id":0,"size":8.5}']);
    expect(await fail(h.path)).toMatchObject({ code: 'BAD_SIZE', offset: h.offsets[1] });
  });

  it('BAD_JSON: syntax, shape, second header, footer shape', async () => {
    let f = jsonFile('bj1.jsonl', [JH, '{"op":"alloc","tid":0,"id":0,"size":8}', '{"op":"free",', '{"op":"free","tid":0,"id":0}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_JSON', offset: f.offsets[2], event: 1 });
    f = jsonFile('bj2.jsonl', [JH, '{"op":"alloc","id":0,"size":8}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_JSON', offset: f.offsets[1], event: 0 });
    f = jsonFile('bj3.jsonl', [JH, JH]);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_JSON', offset: f.offsets[1] });
    f = jsonFile('bj4.jsonl', [JH, '{"footer":{"events":0,"digest":"xyz"}}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_JSON', offset: f.offsets[1] });
    f = jsonFile('bj5.jsonl', ['{"header":{"magic":"slabtrace","formatVersion":"1"}}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_JSON', offset: 0 });
  });

  it('UNKNOWN_OP, BAD_MAGIC, BAD_VERSION, TRUNCATED, BAD_FOOTER in JSON', async () => {
    let f = jsonFile('j1.jsonl', [JH, '{"op":"frob","tid":0}']);
    expect(await fail(f.path)).toMatchObject({ code: 'UNKNOWN_OP', offset: f.offsets[1], event: 0 });
    f = jsonFile('j2.jsonl', ['{"header":{"magic":"nope","formatVersion":1}}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_MAGIC' });
    f = jsonFile('j3.jsonl', ['{"header":{"magic":"slabtrace","formatVersion":9}}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_VERSION' });
    f = jsonFile('j4.jsonl', [JH, '{"op":"alloc","tid":0,"id":0,"size":8}']);
    expect(await fail(f.path)).toMatchObject({ code: 'TRUNCATED', event: 1 });
    const cut = join(dir, 'j5.jsonl');
    writeFileSync(cut, JH + '\n{"op":"alloc","tid":0,"id":0,"size":8}\n{"op":"fr');
    expect(await fail(cut)).toMatchObject({ code: 'TRUNCATED', event: 1 });
    const { events } = await readEvents(cut, { allowTruncated: true });
    expect(events.length).toBe(1);
    f = jsonFile('j6.jsonl', [JH, '{"op":"alloc","tid":0,"id":0,"size":8}', '{"footer":{"events":1,"digest":"0123456789abcdef"}}']);
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_FOOTER', offset: f.offsets[2] });
  });

  it('every error code was exercised', () => {
    expect([...TRACE_ERROR_CODES].filter((c) => !covered.has(c))).toEqual([]);
  });
});

function frameOffsets(b: Uint8Array): { offsets: number[] } {
  const offsets: number[] = [];
  let p = 0;
  while (p < b.length) {
    offsets.push(p);
    let len = 0, sh = 0, c: number;
    do { c = b[p++]!; len += (c & 127) * 2 ** sh; sh += 7; } while (c > 127);
    p += len;
  }
  return { offsets };
}
