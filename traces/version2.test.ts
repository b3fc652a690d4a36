// Format version 2 (thread_join / thread_detach) and version 1 compatibility: exact read-back and
// byte-identical round trips of the new events in both forms, version-1 output unchanged (golden
// bytes and digest of version 1's writer), the digest formula of the README, unchecked reads.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertTrace, createTraceWriter, openTrace, OP_COUNT, OP_NAMES, OP_THREAD_DETACH, OP_THREAD_JOIN,
  TRACE_FORMAT_VERSION, type TraceFormat,
} from './index.js';
import { markNameHash } from './digest.js';
import { readEvents, TEST_HEADER, writeLarsonLike } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-v2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const H = { workload: 'life', recorder: 'test', seed: 3 };
const BIG = 70000; // above TRACE_SMALL_TIDS

/** The README's digest, step by step (reference, not the fused code). */
function readmeDigest(events: Array<{ op: number; tid: number; id: number; size: number; aux: number }>): string {
  const rotl = (v: number, r: number) => ((v << r) | (v >>> (32 - r))) >>> 0;
  let h1 = 0x736c6162, h2 = 0x74726163;
  for (const e of events) {
    const x = (e.tid ^ ((e.op & 7) << 29) ^ ((e.op >> 3) << 28)) >>> 0;
    const y = (e.aux ^ Math.floor(e.size / 2 ** 32)) >>> 0;
    h1 = rotl(Math.imul(h1 ^ e.id ^ rotl(x, 16), 0xcc9e2d51), 13);
    h2 = rotl(Math.imul(h2 ^ (e.size % 2 ** 32) ^ rotl(y, 16), 0x85ebca6b), 15);
  }
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

async function rawEvents(path: string) {
  const r = await openTrace(path);
  const out: Array<{ op: number; tid: number; id: number; size: number; aux: number }> = [];
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i]!;
      out.push({ op, tid: b.tid[i]!, id: b.id[i]!, size: b.size[i]!, aux: op === 7 ? markNameHash(b.markNames[b.aux[i]!]!) : b.aux[i]! });
    }
  }
  return { r, out };
}

async function writeBytes(format: TraceFormat, header: Record<string, unknown>, body: (w: ReturnType<typeof createTraceWriter>) => Promise<void> | void) {
  const pass = new PassThrough();
  const parts: Buffer[] = [];
  pass.on('data', (c: Buffer) => parts.push(c));
  const w = createTraceWriter(pass, { workload: 'golden', recorder: 'test', ...header }, { format, chunkEvents: 500 });
  await body(w);
  const f = await w.close();
  return { f, bytes: Buffer.concat(parts) };
}

describe('format version 2', () => {
  it('ops, names and the written version', () => {
    expect([OP_THREAD_JOIN, OP_THREAD_DETACH, OP_COUNT, TRACE_FORMAT_VERSION]).toEqual([8, 9, 10, 2]);
    expect(OP_NAMES.slice(8)).toEqual(['thread_join', 'thread_detach']);
  });

  it('reads back join/detach events exactly; pb -> JSON -> pb and JSON -> pb -> JSON are byte-identical', async () => {
    const p = join(dir, 'life.pb');
    const w = createTraceWriter(p, H, { chunkEvents: 3 });
    w.threadStart(1);
    w.threadStart(BIG);
    const a = w.alloc(1, 24);
    w.threadDetach(BIG, BIG); // self-detach of a live thread: released at its exit
    w.threadExit(1);
    w.free(0, a); // a remote free, after the owner exited
    w.threadJoin(0, 1);
    w.threadExit(BIG);
    w.threadStart(1); // a new incarnation, never released: leaked
    w.threadExit(1);
    w.threadStart(1); // and again: the join names the newest incarnation
    w.threadExit(1);
    w.threadDetach(0, 1); // detaching an exited thread releases it
    w.mark(0, 'end');
    const f = await w.close();
    expect(f).toMatchObject({ events: 14, threadJoins: 1, threadDetaches: 2, threadStarts: 4, threadExits: 4 });
    const want = [
      { op: 'thread_start', tid: 1 }, { op: 'thread_start', tid: BIG }, { op: 'alloc', tid: 1, id: 0, size: 24 },
      { op: 'thread_detach', tid: BIG, target: BIG }, { op: 'thread_exit', tid: 1 }, { op: 'free', tid: 0, id: 0 },
      { op: 'thread_join', tid: 0, target: 1 }, { op: 'thread_exit', tid: BIG }, { op: 'thread_start', tid: 1 },
      { op: 'thread_exit', tid: 1 }, { op: 'thread_start', tid: 1 }, { op: 'thread_exit', tid: 1 },
      { op: 'thread_detach', tid: 0, target: 1 }, { op: 'mark', tid: 0, name: 'end' },
    ];
    const rp = await readEvents(p);
    expect(rp.events).toEqual(want);
    expect(rp.r.header.formatVersion).toBe(2);
    expect(rp.r.footer).toEqual(f);
    const j = join(dir, 'life.jsonl'), p2 = join(dir, 'life2.pb'), j2 = join(dir, 'life2.jsonl');
    expect((await convertTrace(p, j)).footer).toEqual(f);
    expect((await convertTrace(j, p2)).footer).toEqual(f);
    expect((await convertTrace(p2, j2)).footer).toEqual(f);
    expect(Buffer.compare(readFileSync(p), readFileSync(p2))).toBe(0);
    expect(Buffer.compare(readFileSync(j), readFileSync(j2))).toBe(0);
    const lines = readFileSync(j, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!).header.formatVersion).toBe(2);
    expect(lines[4]).toBe(`{"op":"thread_detach","tid":${BIG},"target":${BIG}}`);
    expect(lines[7]).toBe('{"op":"thread_join","tid":0,"target":1}');
    expect(lines[13]).toBe('{"op":"thread_detach","tid":0,"target":1}');
    const footer = JSON.parse(lines.at(-1)!).footer;
    expect(footer).toMatchObject({ threadJoins: 1, threadDetaches: 2, digest: f.digest });
    const rj = await readEvents(j);
    expect(rj.events).toEqual(want);
    expect(rj.r.footer).toEqual(f);
    // the digest is the README's formula, join/detach targets as aux
    const { out } = await rawEvents(p);
    expect(readmeDigest(out)).toBe(f.digest);
  });

  it('a Larson-like trace with every lifecycle case round-trips (gzip too) with the README digest', async () => {
    for (const gz of ['', '.gz']) {
      const a = join(dir, `l.pb${gz}`), j = join(dir, `l.jsonl${gz}`), b = join(dir, `l2.pb${gz}`);
      const w = createTraceWriter(a, H, { chunkEvents: 700 });
      await writeLarsonLike(w, 20000, 8, true, 300);
      const f = await w.close();
      expect(f.threadJoins).toBeGreaterThan(3);
      expect(f.threadDetaches).toBeGreaterThan(6);
      await convertTrace(a, j);
      await convertTrace(j, b);
      expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
      const { out } = await rawEvents(a);
      expect(readmeDigest(out)).toBe(f.digest);
    }
  });

  it('an unchecked read (validate: false) carries the targets and checks the footer counts', async () => {
    const p = join(dir, 'nv.pb');
    const w = createTraceWriter(p, H, { chunkEvents: 500 });
    await writeLarsonLike(w, 5000, 2, true, 100);
    const f = await w.close();
    const checked = await readEvents(p);
    const unchecked = await readEvents(p, { validate: false });
    expect(unchecked.events).toEqual(checked.events);
    expect(unchecked.events.filter((e) => e.op === 'thread_join').length).toBe(f.threadJoins);
    expect(unchecked.r.footer).toEqual(f);
  });
});

describe('format version 1 compatibility', () => {
  // bytes and digest written by version 1's writer (commit 9611b02) for the same calls
  const GOLDEN = {
    pb: { digest: 'f1623e2cc08cd18f', sha: 'a38035775dcbda2836e39caafa62480f8eeb52748526e30b854e7842f7feaf20', len: 6573 },
    json: { digest: 'f1623e2cc08cd18f', sha: 'ae564e5dba8c80cc30f48c570de3eaa78548104dde8dee5d6e8f8519fcbd728a', len: 109888 },
  };

  it('a version-1 writer writes exactly what version 1 wrote; the digest does not depend on the version', async () => {
    for (const format of ['pb', 'json'] as const) {
      const v1 = await writeBytes(format, { formatVersion: 1 }, (w) => writeLarsonLike(w, 3000, 42, true, 64, false));
      expect({ digest: v1.f.digest, sha: createHash('sha256').update(v1.bytes).digest('hex'), len: v1.bytes.length }).toEqual(GOLDEN[format]);
      const v2 = await writeBytes(format, {}, (w) => writeLarsonLike(w, 3000, 42, true, 64, false));
      expect(v2.f.digest).toBe(GOLDEN[format].digest);
      expect(v2.f).toEqual(v1.f);
    }
  });

  it('reads a version-1 trace (formatVersion 1) and converts it byte-identically, staying version 1', async () => {
    const a = join(dir, 'v1.pb'), j = join(dir, 'v1.jsonl'), b = join(dir, 'v1b.pb');
    const w = createTraceWriter(a, TEST_HEADER, { chunkEvents: 400 });
    await writeLarsonLike(w, 4000, 5, true, 80, false);
    const f = await w.close();
    expect(f).toMatchObject({ threadJoins: 0, threadDetaches: 0 });
    const fj = (await convertTrace(a, j)).footer;
    const fb = (await convertTrace(j, b)).footer;
    expect(fj).toEqual(f);
    expect(fb).toEqual(f);
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
    const lines = readFileSync(j, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!).header.formatVersion).toBe(1);
    const footer = JSON.parse(lines.at(-1)!).footer;
    expect('threadJoins' in footer || 'threadDetaches' in footer).toBe(false);
    for (const p of [a, j]) {
      const { r } = await readEvents(p);
      expect(r.header.formatVersion).toBe(1);
      expect(r.footer).toEqual(f);
    }
  });
});
