// The generators, tested through recordWorkload and read back with the trace reader: each workload's
// semantics (counts per phase, marks, thread churn, larson's lran2 sizes), determinism (byte-identical
// files), and argument errors.

import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTrace, OP_NAMES } from '../traces/index.js';
import { recordWorkload, WorkloadArgError, lran2Create, lran2Next } from './index.js';
import type { WorkloadOptions } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-rec-'));
let seq = 0;

interface Ev { op: string; tid: number; id: number; size: number; align: number; name?: string }

async function record(workload: string, args: string[], opts: WorkloadOptions = {}, ext = '.pb'): Promise<string> {
  const file = join(dir, `${workload}-${seq++}${ext}`);
  await recordWorkload(workload, args, file, opts);
  return file;
}

async function events(file: string): Promise<Ev[]> {
  const reader = await openTrace(file);
  const out: Ev[] = [];
  for await (const b of reader.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = OP_NAMES[b.op[i]];
      out.push({ op, tid: b.tid[i], id: b.id[i], size: b.size[i], align: b.aux[i], name: op === 'mark' ? b.markNames[b.aux[i]] : undefined });
    }
  }
  expect(reader.footer).not.toBeNull();
  // every generator announces its exact event count in the header (progress before the footer)
  expect(reader.footer!.events).toBe(reader.header.expectedEvents);
  return out;
}

const count = (evs: Ev[], op: string): number => evs.filter((e) => e.op === op).length;

describe('scaling', () => {
  it('allocates array + n blocks, frees them, with marks after each phase', async () => {
    const evs = await events(await record('scaling', [], { scales: '1000,3000' }));
    const marks = evs.map((e, i) => ({ e, i })).filter((x) => x.e.op === 'mark');
    expect(marks.map((m) => m.e.name)).toEqual(['after-alloc@1K', 'after-free@1K', 'after-alloc@3K', 'after-free@3K']);
    expect(marks.map((m) => m.i)).toEqual([1001, 2003, 2004 + 3001, 2004 + 3001 + 3002]);
    expect(evs[0]).toMatchObject({ op: 'alloc', size: 8000 });
    expect(evs.slice(1, 1001).every((e) => e.op === 'alloc' && e.size === 16)).toBe(true);
    expect(count(evs, 'alloc')).toBe(4002);
    expect(count(evs, 'free')).toBe(4002);
    expect(evs.every((e) => e.tid === 0)).toBe(true);
  });
});

describe('battle', () => {
  it('writes measure-peak, flush, measure-after per scale', async () => {
    const evs = await events(await record('battle', [], { scales: '2K,1K' }));
    expect(evs.filter((e) => e.op === 'mark').map((e) => e.name)).toEqual([
      'measure-peak@2K', 'flush@2K', 'measure-after@2K', 'measure-peak@1K', 'flush@1K', 'measure-after@1K',
    ]);
    const peak = evs.findIndex((e) => e.name === 'measure-peak@2K');
    expect(count(evs.slice(0, peak), 'alloc')).toBe(2001);
    expect(count(evs.slice(0, peak), 'free')).toBe(0);
  });
});

describe('larson', () => {
  const args = ['10', '8', '128', '64', '2', '12345', '3'];

  it('warms up with exactly the lran2 sizes larson.cpp allocates', async () => {
    const evs = await events(await record('larson', args, { ops: 1000 }));
    const n = 3 * 64;
    const r = lran2Create(12345);
    const expected = Array.from({ length: n }, () => 8 + (lran2Next(r) % 120));
    expect(evs.slice(0, n).map((e) => e.size)).toEqual(expected);
    expect(evs.slice(0, n).every((e) => e.op === 'alloc' && e.tid === 0)).toBe(true);
    // then 4 × n replacements on thread 0, then the warm-up mark
    const warm = evs.slice(n, n + 8 * n);
    expect(warm.filter((e) => e.op === 'free').length).toBe(4 * n);
    expect(evs[n + 8 * n]).toMatchObject({ op: 'mark', name: 'warmup-done' });
  });

  it('spends the op budget in thread generations of rounds × chunks replacements', async () => {
    const ops = 5000;
    const evs = await events(await record('larson', args, { ops, quantum: 50 }));
    const threaded = evs.slice(evs.findIndex((e) => e.name === 'warmup-done') + 1);
    expect(count(threaded, 'alloc')).toBe(ops);
    expect(count(threaded, 'free')).toBe(ops);
    const perTid = new Map<number, number>();
    for (const e of threaded) if (e.op === 'alloc') perTid.set(e.tid, (perTid.get(e.tid) ?? 0) + 1);
    const starts = threaded.filter((e) => e.op === 'thread_start').map((e) => e.tid);
    const exits = threaded.filter((e) => e.op === 'thread_exit').map((e) => e.tid);
    expect(new Set(starts).size).toBe(starts.length);
    expect([...exits].sort((a, b) => a - b)).toEqual([...starts].sort((a, b) => a - b));
    const replaced = starts.length - 3;
    expect(128 * replaced).toBeLessThanOrEqual(ops);
    expect(ops - 128 * replaced).toBeLessThan(3 * 128);
    // every thread that was replaced did exactly rounds × chunks = 128 operations
    const last = new Set(exits.slice(-3)); // still running when the budget ran out
    for (const tid of starts) if (!last.has(tid)) expect(perTid.get(tid)).toBe(128);
  });

  it('frees mostly blocks allocated by another thread (rounds = 1)', async () => {
    const evs = await events(await record('larson', ['10', '8', '128', '256', '1', '12345', '4'], { ops: 20000 }));
    const owner = new Map<number, number>();
    let cross = 0, frees = 0;
    for (const e of evs) {
      if (e.op === 'alloc') owner.set(e.id, e.tid);
      else if (e.op === 'free') { frees++; if (owner.get(e.id) !== e.tid) cross++; }
    }
    expect(cross / frees).toBeGreaterThan(0.5);
  });

  it('turns seconds into a budget with --rate', async () => {
    const evs = await events(await record('larson', ['2', '8', '128', '16', '1', '7', '2'], { rate: 300 }));
    const threaded = evs.slice(evs.findIndex((e) => e.name === 'warmup-done') + 1);
    expect(count(threaded, 'alloc')).toBe(600);
  });

  it('rejects bad arguments with a WorkloadArgError', async () => {
    await expect(recordWorkload('larson', ['1', '2'], join(dir, 'x.pb'))).rejects.toBeInstanceOf(WorkloadArgError);
    await expect(recordWorkload('larson', ['1', '200', '100', '4', '1', '1', '1'], join(dir, 'x.pb'))).rejects.toThrow(/max must be an integer/);
    await expect(recordWorkload('nope', [], join(dir, 'x.pb'))).rejects.toThrow(/unknown workload/);
  });
});

describe('random-mixed', () => {
  it('keeps at most W live blocks of 16..1040 B and frees all at the end', async () => {
    const evs = await events(await record('random-mixed', ['5000', '64'], { seed: 3 }));
    let live = 0, peak = 0;
    for (const e of evs) {
      if (e.op === 'alloc') {
        live++;
        expect(e.size >= 16 && e.size <= 1040).toBe(true);
      } else if (e.op === 'free') live--;
      peak = Math.max(peak, live);
    }
    expect(peak).toBe(64);
    expect(live).toBe(0);
    expect(count(evs, 'alloc')).toBe(5000);
  });
});

describe('determinism', () => {
  it('same arguments and seed give byte-identical files (protobuf, gzip and JSON)', async () => {
    for (const ext of ['.pb', '.pb.gz', '.json']) {
      const a = await record('larson', ['1', '8', '128', '32', '1', '4141', '2'], { ops: 3000 }, ext);
      const b = await record('larson', ['1', '8', '128', '32', '1', '4141', '2'], { ops: 3000 }, ext);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    }
  });

  it('a different seed gives a different trace', async () => {
    const a = await record('random-mixed', ['2000', '32'], { seed: 1 });
    const b = await record('random-mixed', ['2000', '32'], { seed: 2 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(false);
  });
});
