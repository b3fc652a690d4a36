// The wire to the native replayer: batch messages carry the batch's columns as they are, leave out a
// constant tid and an all-zero aux column, narrow sizes to u32 when they fit; headers and CONFIG say so.
import { describe, expect, it } from 'vitest';
import type { EventBatch } from '../traces/index.js';
import { nativeArgs, nativeParseLine, WIRE_HDR_BYTES, WIRE_MAGIC, wireBatch, wireBatchBytes, wireEnd } from './nativeProtocol.js';

function batch(n: number, f: (i: number) => { op: number; tid: number; id: number; size: number; aux: number }): EventBatch {
  const b: EventBatch = {
    count: n, first: 1000, chunk: 0, byteOffset: 0, markNames: [],
    op: new Uint8Array(n + 3), tid: new Uint32Array(n + 3), id: new Uint32Array(n + 3), size: new Float64Array(n + 3), aux: new Uint32Array(n + 3),
  };
  for (let i = 0; i < n; i++) {
    const e = f(i);
    b.op[i] = e.op; b.tid[i] = e.tid; b.id[i] = e.id; b.size[i] = e.size; b.aux[i] = e.aux;
  }
  return b;
}

describe('wire batches', () => {
  it('one thread, no aux, small sizes: 9 bytes an event (u32 size, id, op)', () => {
    const b = batch(5, (i) => ({ op: i % 2, tid: 7, id: i, size: 16, aux: 0 }));
    const m = wireBatch(b, 1, 5);
    expect(m.readUInt32LE(0)).toBe(WIRE_MAGIC);
    expect(m.readUInt32LE(4)).toBe(2);
    expect(m.readUInt32LE(8)).toBe(4);
    expect(m.readUInt32LE(16)).toBe(1001);
    expect(m.readUInt32LE(24)).toBe(1 | 2 | 4);
    expect(m.readUInt32LE(28)).toBe(7);
    expect(m.readUInt32LE(12)).toBe(wireBatchBytes(4, 7));
    expect(m.length).toBe(WIRE_HDR_BYTES + 16 + 16 + 8);
    const p = WIRE_HDR_BYTES;
    expect([...new Uint32Array(m.buffer, m.byteOffset + p, 4)]).toEqual([16, 16, 16, 16]);
    expect([...new Uint32Array(m.buffer, m.byteOffset + p + 16, 4)]).toEqual([1, 2, 3, 4]);
    expect([...m.subarray(p + 32, p + 36)]).toEqual([1, 0, 1, 0]);
  });

  it('several threads, aux values, a size beyond 4 GiB: every column, f64 sizes', () => {
    const b = batch(3, (i) => ({ op: 4, tid: i, id: i, size: i === 2 ? 2 ** 33 : 64, aux: 64 }));
    const m = wireBatch(b, 0, 3);
    expect(m.readUInt32LE(24)).toBe(0);
    expect(m.length).toBe(WIRE_HDR_BYTES + wireBatchBytes(3, 0));
    const p = WIRE_HDR_BYTES;
    expect([...new Float64Array(m.buffer, m.byteOffset + p, 3)]).toEqual([64, 64, 2 ** 33]);
    expect([...new Uint32Array(m.buffer, m.byteOffset + p + 24, 3)]).toEqual([0, 1, 2]);
    expect([...new Uint32Array(m.buffer, m.byteOffset + p + 24 + 32, 3)]).toEqual([64, 64, 64]);
  });

  it('the run\'s settings are arguments; END is a bare header', () => {
    expect(nativeArgs(1, 3, 2 ** 33 + 5)).toEqual(['--format', '1', '--flags', '3', '--ids', String(2 ** 33 + 5)]);
    expect(wireEnd().length).toBe(WIRE_HDR_BYTES);
    expect(wireEnd().readUInt32LE(4)).toBe(3);
  });

  it('report lines parse into a kind and fields', () => {
    expect(nativeParseLine('oom idx=12 tid=3 op=0 size=64 errno=12\n')).toEqual({ kind: 'oom', fields: { idx: '12', tid: '3', op: '0', size: '64', errno: '12' } });
  });
});
