// The raw-log converter on synthetic logs (no compiler needed): merge by sequence across interleaved
// thread chunks, the realloc BEGIN/END race, foreign and null frees, truncation, exec, gaps; and the
// address table against a Map.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace, OP_NAMES } from '../traces/index.js';
import { NativeAddrTable } from './nativeAddrTable.js';
import { nativeConvertLog, RAW_MAGIC, RAW_OP } from './nativeLog.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-nativelog-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Rec = [seq: number, op: number, ptr: number, arg: number];

function chunk(tid: number, recs: Rec[], proc = 0): Buffer {
  const b = Buffer.alloc(16 + recs.length * 24);
  b.writeUInt32LE(RAW_MAGIC, 0);
  b.writeUInt32LE(recs.length, 4);
  b.writeUInt32LE(tid, 8);
  b.writeUInt32LE(proc, 12);
  recs.forEach(([seq, op, ptr, arg], i) => {
    const o = 16 + i * 24;
    b.writeBigUInt64LE((BigInt(seq) << 8n) | BigInt(op), o);
    b.writeBigUInt64LE(BigInt(ptr), o + 8);
    b.writeBigUInt64LE(BigInt(arg), o + 16);
  });
  return b;
}

async function convert(name: string, chunks: Buffer[]) {
  const raw = join(dir, `${name}.raw`);
  writeFileSync(raw, Buffer.concat(chunks));
  const out = join(dir, `${name}.trace.json`);
  const s = await nativeConvertLog(raw, out, { workload: name, recorder: 'test' });
  const r = await openTrace(out, { allowTruncated: true });
  const ev: string[] = [];
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) ev.push(`${OP_NAMES[b.op[i]]} t${b.tid[i]} #${b.id[i]} ${b.size[i]}`);
  }
  return { s, ev, truncated: r.truncated };
}

const A = 0x7f0000001000;
const B = 0x7f0000002000;

describe('nativeConvertLog', () => {
  it('merges interleaved thread chunks by sequence and keeps a realloc-released address apart', async () => {
    // t0: start, malloc A; t1: start; t0 realloc A→B begins (A released), t1 mallocs A (reused), t0 realloc ends at B.
    const t0: Rec[] = [[0, RAW_OP.THREAD_START, 0, 0], [1, RAW_OP.MALLOC, A, 100], [3, RAW_OP.REALLOC_BEGIN, A, 0],
      [5, RAW_OP.REALLOC_END, B, 200], [7, RAW_OP.FREE, B, 0], [9, RAW_OP.FREE, 0, 0], [10, RAW_OP.PROC_END, 0, 0]];
    const t1: Rec[] = [[2, RAW_OP.THREAD_START, 0, 0], [4, RAW_OP.MALLOC, A, 50], [6, RAW_OP.FREE, 0x1234, 0],
      [8, RAW_OP.THREAD_EXIT, 0, 0]];
    const { s, ev, truncated } = await convert('merge', [chunk(1, t1.slice(0, 2)), chunk(0, t0.slice(0, 3)),
      chunk(1, t1.slice(2)), chunk(0, t0.slice(3))]);
    expect(ev).toEqual(['alloc t0 #0 100', 'thread_start t1 #0 0', 'alloc t1 #1 50', 'realloc t0 #0 200',
      'free t0 #0 0', 'thread_exit t1 #0 0']);
    expect(s).toMatchObject({ complete: true, foreignFrees: 1, nullFrees: 1, lostSeqs: 0, threads: 2 });
    expect(truncated).toBe(false);
  });

  it('without an end record the trace is truncated but readable; gaps at the end are skipped', async () => {
    const { s, ev, truncated } = await convert('cut', [chunk(0, [[0, RAW_OP.THREAD_START, 0, 0], [1, RAW_OP.MALLOC, A, 8], [3, RAW_OP.MALLOC, B, 8]])]);
    expect(ev).toEqual(['alloc t0 #0 8', 'alloc t0 #1 8']);
    expect(s.truncated).toBe(true);
    expect(s.lostSeqs).toBe(1);
    expect(truncated).toBe(true);
  });

  it('marks, memalign, calloc, malloc(0), failed allocations and realloc(p, 0)', async () => {
    const name = Buffer.alloc(16);
    name.write('measure-peak');
    const recs: Rec[] = [[0, RAW_OP.THREAD_START, 0, 0], [1, RAW_OP.MEMALIGN, A, 64 + 2 ** 56 * 6], [2, RAW_OP.CALLOC, B, 30],
      [3, RAW_OP.MARK, Number(name.readBigUInt64LE(0)), Number(name.readBigUInt64LE(8))], [4, RAW_OP.MALLOC, 0, 99],
      [5, RAW_OP.REALLOC_BEGIN, B, 0], [6, RAW_OP.REALLOC_END, 0, 0], [7, RAW_OP.MALLOC, B, 0], [8, RAW_OP.PROC_END, 0, 0]];
    // the mark name does not fit a double exactly: write it through BigInt
    const c = chunk(0, recs);
    c.writeBigUInt64LE(name.readBigUInt64LE(0), 16 + 3 * 24 + 8);
    c.writeBigUInt64LE(name.readBigUInt64LE(8), 16 + 3 * 24 + 16);
    c.writeBigUInt64LE((64n) | (6n << 56n), 16 + 1 * 24 + 16);
    const { s, ev } = await convert('kinds', [c]);
    expect(ev).toEqual(['memalign t0 #0 64', 'calloc t0 #1 30', 'mark t0 #0 0', 'free t0 #1 0', 'alloc t0 #1 1']);
    expect(s).toMatchObject({ failedAllocs: 1, zeroSizeAllocs: 1 });
  });

  it('an exec replaces the image: missing records of the old image do not stall the merge', async () => {
    const recs: Rec[] = [[0, RAW_OP.THREAD_START, 0, 0], [1, RAW_OP.MALLOC, A, 8], /* 2, 3 lost */
      [4, RAW_OP.THREAD_START, 0, 0], [5, RAW_OP.PROC_START, 1234, 1], [6, RAW_OP.MALLOC, A, 16], [7, RAW_OP.PROC_END, 0, 0]];
    const { s, ev } = await convert('exec', [chunk(0, recs)]);
    expect(ev).toEqual(['alloc t0 #0 8', 'alloc t0 #1 16']);
    expect(s).toMatchObject({ execs: 1, lostSeqs: 2, complete: true, staleAddresses: 0 });
  });

  it('rejects a corrupt log with its byte offset', async () => {
    const bad = Buffer.concat([chunk(0, [[0, RAW_OP.THREAD_START, 0, 0]]), Buffer.from('garbage-garbage-garbage')]);
    await expect(convert('bad', [bad])).rejects.toThrow(/byte 40: CORRUPT_LOG/);
  });
});

describe('NativeAddrTable', () => {
  it('agrees with a Map under random inserts and deletes (with growth)', () => {
    const t = new NativeAddrTable(8);
    const m = new Map<number, number>();
    let x = 12345;
    const rnd = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x; };
    for (let i = 0; i < 200_000; i++) {
      const slot = rnd() % 5000;
      const lo = (slot * 16) >>> 0;
      const hi = 0x7f00 + (slot % 3);
      const key = hi * 2 ** 32 + lo;
      if (m.has(key)) {
        expect(t.take(lo, hi)).toBe(m.get(key));
        m.delete(key);
      } else {
        t.set(lo, hi, i);
        m.set(key, i);
      }
      if (i % 9973 === 0) for (const [k, v] of m) expect(t.get(k % 2 ** 32, Math.floor(k / 2 ** 32))).toBe(v);
    }
    expect(t.size).toBe(m.size);
    expect(t.get(1, 1)).toBe(-1);
  });
});
