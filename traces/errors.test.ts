// Every TraceError code, each triggered by feeding a real bad file, with code, offset and event index.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTraceWriter, TraceError, TRACE_ERROR_CODES } from './index.js';
import { pbRecords, readEvents, TEST_HEADER, TEST_HEADER_V2, writeLarsonLike } from './testkit.js';

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
    for (const v of [0, 3]) {
      const f = pbFile(`bv${v}.pb`, [], { ...TEST_HEADER, formatVersion: v });
      const e = await fail(f.path);
      expect(e).toMatchObject({ code: 'BAD_VERSION', offset: 0, expected: 'one of 1, 2' });
      expect(e.message).toMatch(/1, 2/);
    }
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
    await writeLarsonLike(w, 500, 2, true, 50, false);
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

// Thread lifecycle (format version 2): every join/detach code fed as a protobuf and as a JSON file.
type Ev = [op: number, tid: number, target?: number];
const OPN = ['alloc', 'free', 'realloc', 'calloc', 'memalign', 'thread_start', 'thread_exit', 'mark', 'thread_join', 'thread_detach'];

/** Events as one protobuf chunk (or two: the last event alone in chunk 1) and as JSON lines (v2 headers). */
function lifeFiles(name: string, evs: Ev[], split: boolean) {
  const toChunk = (first: number, part: Ev[]) => {
    const runV: number[] = [], runL: number[] = [];
    for (const [, t] of part) {
      if (runV.length && runV.at(-1) === t) runL[runL.length - 1]!++;
      else { runV.push(t); runL.push(1); }
    }
    const threadTarget = part.filter(([op]) => op >= 8).map(([, , x]) => x!);
    return { chunk: { firstEvent: first, op: Uint8Array.from(part.map(([op]) => op)), tidRunValue: runV, tidRunLength: runL, threadTarget } };
  };
  const chunks = split ? [toChunk(0, evs.slice(0, -1)), toChunk(evs.length - 1, evs.slice(-1))] : [toChunk(0, evs)];
  const pb = pbFile(`${name}.pb`, chunks, TEST_HEADER_V2);
  const lines = [JH2, ...evs.map(([op, tid, target]) => JSON.stringify(op >= 8 ? { op: OPN[op], tid, target } : { op: OPN[op], tid }))];
  const js = jsonFile(`${name}.jsonl`, lines);
  return { pb, js };
}
const JH2 = '{"header":{"magic":"slabtrace","formatVersion":2,"workload":"w","recorder":"r"}}';

async function lifeCase(name: string, evs: Ev[], code: string, split = false) {
  const { pb, js } = lifeFiles(name, evs, split);
  const bad = evs.length - 1;
  const e1 = await fail(pb.path);
  expect(e1).toMatchObject({ code, event: bad, chunk: split ? 1 : 0, offset: pb.offsets[split ? 2 : 1] });
  const e2 = await fail(js.path);
  expect(e2).toMatchObject({ code, event: bad, chunk: 0, offset: js.offsets[bad + 1] });
  expect(e2.detail).toBe(e1.detail);
  // lenient: the bad event is skipped and counted, the rest reads
  for (const path of [pb.path, js.path]) {
    const { r, events } = await readEvents(path, { lenient: true, allowTruncated: true });
    expect(r.skipped).toBe(1);
    expect(events.length).toBe(evs.length - 1);
  }
  return e1;
}

describe('thread lifecycle errors (format version 2, both forms)', () => {
  it('JOIN_UNKNOWN: a thread that never started', async () => {
    const e = await lifeCase('ju', [[5, 2], [8, 0, 5]], 'JOIN_UNKNOWN');
    expect(e.message).toMatch(/thread_join of thread 5 by thread 0: thread 5 was never started \(expected a thread that was started\)/);
    await lifeCase('ju2', [[5, 3], [6, 3], [8, 0, 4]], 'JOIN_UNKNOWN', true);
  });

  it('JOIN_LIVE: a live thread, and a thread joining itself', async () => {
    await lifeCase('jl', [[5, 3], [8, 0, 3]], 'JOIN_LIVE');
    const e = await lifeCase('jl2', [[5, 3], [8, 3, 3]], 'JOIN_LIVE', true);
    expect(e.detail).toMatch(/by itself/);
    await lifeCase('jl3', [[8, 0, 0]], 'JOIN_LIVE');
  });

  it('JOIN_TWICE: joined twice, joined after a detach', async () => {
    await lifeCase('jt', [[5, 3], [6, 3], [8, 0, 3], [8, 0, 3]], 'JOIN_TWICE');
    await lifeCase('jt2', [[5, 3], [9, 3, 3], [6, 3], [8, 0, 3]], 'JOIN_TWICE', true);
    // a restarted (leaked) incarnation: the join names the newest one, once
    await lifeCase('jt3', [[5, 3], [6, 3], [5, 3], [6, 3], [8, 0, 3], [8, 0, 3]], 'JOIN_TWICE');
  });

  it('DETACH_UNKNOWN and DETACH_TWICE', async () => {
    await lifeCase('du', [[9, 0, 7]], 'DETACH_UNKNOWN');
    await lifeCase('dt', [[5, 3], [9, 0, 3], [9, 3, 3]], 'DETACH_TWICE');
    await lifeCase('dt2', [[5, 3], [6, 3], [8, 0, 3], [9, 0, 3]], 'DETACH_TWICE', true);
  });

  it('THREAD_ORDER: the joining / detaching thread must be live; big thread ids', async () => {
    await lifeCase('to', [[5, 3], [6, 3], [8, 3, 3]], 'THREAD_ORDER');
    await lifeCase('to2', [[9, 6, 0]], 'THREAD_ORDER', true);
    const big = 1 << 20;
    await lifeCase('big', [[5, big], [9, big, big], [6, big], [8, 0, big]], 'JOIN_TWICE');
    await lifeCase('big2', [[5, big], [6, big], [8, big + 1, big]], 'THREAD_ORDER');
  });

  it('a skipped join changes nothing: the thread can still be joined', async () => {
    const { pb, js } = lifeFiles('skip', [[5, 3], [8, 0, 3], [6, 3], [8, 0, 3]], false);
    for (const path of [pb.path, js.path]) {
      const { r, events } = await readEvents(path, { lenient: true, allowTruncated: true });
      expect(r.skipped).toBe(1);
      expect(events).toEqual([{ op: 'thread_start', tid: 3 }, { op: 'thread_exit', tid: 3 }, { op: 'thread_join', tid: 0, target: 3 }]);
    }
  });

  it('a bad thread_target column is CORRUPT_CHUNK; a missing or bad "target" is BAD_JSON', async () => {
    const f = pbFile('tc.pb', [chunk(0, [5, 6, 8], { tidRunValue: [3, 0], tidRunLength: [2, 1] })], TEST_HEADER_V2);
    let e = await fail(f.path);
    expect(e).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[1] });
    expect(e.message).toMatch(/thread_target column has 0 values/);
    const g = pbFile('tc2.pb', [chunk(0, [0], { size: [8], threadTarget: [1] })], TEST_HEADER_V2);
    expect((await fail(g.path)).message).toMatch(/thread_target column has 1 values/);
    for (const line of ['{"op":"thread_join","tid":0}', '{"op":"thread_detach","tid":0,"target":-1}', '{"op":"thread_join","tid":0,"target":"3"}']) {
      const j = jsonFile('tj.jsonl', [JH2, '{"op":"thread_start","tid":3}', line]);
      e = await fail(j.path);
      expect(e).toMatchObject({ code: 'BAD_JSON', offset: j.offsets[2], event: 1 });
      expect(e.message).toMatch(/"target"/);
    }
  });

  it('UNKNOWN_OP: ops 8 and 9 in a version-1 stream (both forms, validating or not)', async () => {
    for (const op of [8, 9]) {
      const f = pbFile(`v1op${op}.pb`, [chunk(0, [0, op], { size: [8], threadTarget: [0] })]);
      for (const validate of [true, false]) {
        const e = await fail(f.path, { validate });
        expect(e).toMatchObject({ code: 'UNKNOWN_OP', offset: f.offsets[1], chunk: 0, event: 1 });
        expect(e.message).toMatch(/format version 1/);
      }
      const j = jsonFile(`v1op${op}.jsonl`, [JH, '{"op":"alloc","tid":0,"id":0,"size":8}', JSON.stringify({ op: OPN[op], tid: 0, target: 0 })]);
      const e = await fail(j.path);
      expect(e).toMatchObject({ code: 'UNKNOWN_OP', offset: j.offsets[2], event: 1 });
      expect(e.message).toMatch(/format version 1/);
    }
    // op 10 is unknown in version 2 as well
    const g = pbFile('v2op10.pb', [chunk(0, [10])], TEST_HEADER_V2);
    expect(await fail(g.path)).toMatchObject({ code: 'UNKNOWN_OP', event: 0 });
  });

  it('BAD_FOOTER names threadJoins / threadDetaches when they disagree', async () => {
    const evs = [chunk(0, [5, 6, 8, 9], { tidRunValue: [3, 0], tidRunLength: [2, 2], threadTarget: [3, 0] })];
    const rest = { threadStarts: 1, threadExits: 1, threadsSeen: 2 };
    let f = pbFile('bfj.pb', [...evs, { footer: { events: 4, threadJoins: 2, threadDetaches: 1, ...rest } }], TEST_HEADER_V2);
    let e = await fail(f.path, { verifyDigest: false });
    expect(e).toMatchObject({ code: 'BAD_FOOTER', offset: f.offsets[2], expected: '1' });
    expect(e.message).toMatch(/threadJoins/);
    f = pbFile('bfd.pb', [...evs, { footer: { events: 4, threadJoins: 1, ...rest } }], TEST_HEADER_V2);
    e = await fail(f.path, { verifyDigest: false });
    expect(e.message).toMatch(/threadDetaches/);
    f = pbFile('bfok.pb', [...evs, { footer: { events: 4, threadJoins: 1, threadDetaches: 1, ...rest } }], TEST_HEADER_V2);
    const { r } = await readEvents(f.path, { verifyDigest: false });
    expect(r.footer).toMatchObject({ threadJoins: 1, threadDetaches: 1 });
    const lines = [JH2, '{"op":"thread_start","tid":3}', '{"op":"thread_exit","tid":3}', '{"op":"thread_join","tid":0,"target":3}'];
    const j = jsonFile('bfj.jsonl', [...lines, '{"footer":{"events":3,"threadJoins":0,"threadDetaches":0,"digest":"0000000000000000"}}']);
    e = await fail(j.path, { verifyDigest: false });
    expect(e).toMatchObject({ code: 'BAD_FOOTER', offset: j.offsets[4], expected: '1' });
    expect(e.message).toMatch(/threadJoins/);
    // a JSON footer without the keys: not checked
    const k = jsonFile('bfk.jsonl', [...lines, '{"footer":{"events":3,"digest":"0000000000000000"}}']);
    const rk = await readEvents(k.path, { verifyDigest: false });
    expect(rk.r.footer).toMatchObject({ threadJoins: 0, threadDetaches: 0 });
  });

  it('the writer refuses the same events with the same codes, and changes nothing', async () => {
    const p = join(dir, 'wlife.pb');
    const w = createTraceWriter(p, TEST_HEADER_V2);
    const codeOf = (f: () => unknown) => { try { f(); } catch (e) { return (e as TraceError).code; } return 'none'; };
    w.threadStart(3);
    expect(codeOf(() => w.threadJoin(0, 5))).toBe('JOIN_UNKNOWN');
    expect(codeOf(() => w.threadJoin(0, 3))).toBe('JOIN_LIVE');
    expect(codeOf(() => w.threadJoin(3, 3))).toBe('JOIN_LIVE');
    expect(codeOf(() => w.threadDetach(0, 5))).toBe('DETACH_UNKNOWN');
    expect(codeOf(() => w.threadJoin(7, 3))).toBe('THREAD_ORDER');
    expect(() => w.threadJoin(0, -1)).toThrow(TypeError);
    expect(() => w.threadDetach(0, 1.5)).toThrow(TypeError);
    w.threadExit(3);
    w.threadJoin(0, 3);
    expect(codeOf(() => w.threadJoin(0, 3))).toBe('JOIN_TWICE');
    expect(codeOf(() => w.threadDetach(0, 3))).toBe('DETACH_TWICE');
    w.threadStart(3); // a new incarnation
    w.threadDetach(3, 3);
    expect(codeOf(() => w.threadDetach(0, 3))).toBe('DETACH_TWICE');
    w.threadExit(3);
    expect(codeOf(() => w.threadJoin(0, 3))).toBe('JOIN_TWICE');
    const f = await w.close();
    expect(f).toMatchObject({ events: 6, threadJoins: 1, threadDetaches: 1, threadStarts: 2, threadExits: 2 });
    const { events } = await readEvents(p);
    expect(events.length).toBe(6);
    // a version-1 writer has no thread_join / thread_detach
    const v1 = createTraceWriter(join(dir, 'wv1.pb'), TEST_HEADER);
    v1.threadStart(1);
    v1.threadExit(1);
    expect(codeOf(() => v1.threadJoin(0, 1))).toBe('UNKNOWN_OP');
    expect(codeOf(() => v1.threadDetach(0, 1))).toBe('UNKNOWN_OP');
    expect((await v1.close()).events).toBe(2);
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

  it('BAD_STACK: an undefined stack id (protobuf), with the chunk frame offset and event; structural stack faults are CORRUPT_CHUNK', async () => {
    const H = { ...TEST_HEADER_V2, stackDepth: 4 };
    const stacks = { stacks: { firstStack: 1, frame: ['f (a.c:1)'], stackLength: [1], stackFrame: [0] } };
    let f = pbFile('bs.pb', [stacks, chunk(0, [0, 0, 0], { size: [16, 16, 8], stack: [1, 0, 2] })], H);
    const e = await fail(f.path);
    expect(e).toMatchObject({ code: 'BAD_STACK', offset: f.offsets[2], chunk: 0, event: 2 });
    expect(e.message).toMatch(/stack id 2 is not defined \(1 stacks so far\)/);
    f = pbFile('bs2.pb', [stacks, chunk(0, [0, 0], { size: [16, 16], stack: [1] })], H);
    expect(await fail(f.path)).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[2] });
    f = pbFile('bs3.pb', [{ stacks: { ...stacks.stacks, firstStack: 2 } }], H);
    expect(await fail(f.path)).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[1] });
    f = pbFile('bs4.pb', [stacks], TEST_HEADER_V2);
    expect(await fail(f.path)).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[1] });
    f = pbFile('bs5.pb', [chunk(0, [0], { size: [16], stack: [0] })], TEST_HEADER_V2);
    expect(await fail(f.path)).toMatchObject({ code: 'CORRUPT_CHUNK', offset: f.offsets[1] });
    f = pbFile('bs6.pb', [], { ...TEST_HEADER, stackDepth: 4 });
    expect(await fail(f.path)).toMatchObject({ code: 'BAD_VERSION' });
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
