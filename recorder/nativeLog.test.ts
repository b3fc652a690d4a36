// The raw-log converter on synthetic logs (no compiler needed): merge by sequence across interleaved
// thread chunks, the realloc BEGIN/END race, foreign and null frees, truncation, exec, gaps, the thread
// lifecycle (join, detach, restarts, what cannot be expressed), processes (an exec'd image continues
// its process; merged and per-process traces; only the final image), a broken log; and the address
// table against a Map.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace, OP_NAMES, OP_THREAD_DETACH, OP_THREAD_JOIN } from '../traces/index.js';
import { NativeAddrTable } from './nativeAddrTable.js';
import { nativeConvertLog, RAW_AFTER_EXIT, RAW_MAGIC, RAW_OP, type NativeConvertOptions } from './nativeLog.js';

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

/** PROC_START of an image of process (pid, start), child of ppid. */
const procStart = (seq: number, pid: number, start = 500, ppid = 1): Rec => [seq, RAW_OP.PROC_START, pid + ppid * 2 ** 32, start];

/** A trace's events as short strings. */
async function events(path: string): Promise<{ ev: string[]; truncated: boolean }> {
  const r = await openTrace(path, { allowTruncated: true });
  const ev: string[] = [];
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i];
      ev.push(op === OP_THREAD_JOIN || op === OP_THREAD_DETACH ? `${OP_NAMES[op]} t${b.tid[i]}>t${b.aux[i]}`
        : `${OP_NAMES[op]} t${b.tid[i]} #${b.id[i]} ${b.size[i]}`);
    }
  }
  return { ev, truncated: r.truncated };
}

async function convert(name: string, chunks: Buffer[], opts: NativeConvertOptions = {}) {
  const raw = join(dir, `${name}.raw`);
  writeFileSync(raw, Buffer.concat(chunks));
  const out = join(dir, `${name}.trace.json`);
  const s = await nativeConvertLog(raw, out, { workload: name, recorder: 'test' }, {}, opts);
  return { s, ...await events(out) };
}

/** One trace per process: the summary and each file's events, by file base name. */
async function convertPerProcess(name: string, chunks: Buffer[], opts: NativeConvertOptions = {}) {
  const raw = join(dir, `${name}.raw`);
  writeFileSync(raw, Buffer.concat(chunks));
  const out = join(dir, name);
  const s = await nativeConvertLog(raw, { dir: out }, { workload: name, recorder: 'test' }, { format: 'json' }, opts);
  const files: Record<string, { ev: string[]; truncated: boolean }> = {};
  for (const f of s.files) files[f.file.slice(out.length + 1)] = await events(f.file);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { processes: { file: string }[] };
  return { s, files, index };
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

  it('an exec replaces the image: its objects are freed, missing records of the old image do not stall the merge', async () => {
    const old: Rec[] = [[0, RAW_OP.THREAD_START, 0, 0], procStart(1, 77), [2, RAW_OP.MALLOC, A, 8] /* 3, 4 lost */];
    const next: Rec[] = [[5, RAW_OP.THREAD_START, 0, 0], procStart(6, 77), [7, RAW_OP.MALLOC, A, 16], [8, RAW_OP.PROC_END, 0, 0]];
    const { s, ev } = await convert('exec', [chunk(0, old), chunk(0, next, 1)]);
    expect(ev).toEqual(['alloc t0 #0 8', 'free t0 #0 0', 'alloc t0 #0 16']);
    expect(s).toMatchObject({ execs: 1, lostSeqs: 2, complete: true, staleAddresses: 0, processes: 1, releasedObjects: 1 });
  });

  it('thread lifecycle: joins after exits, detaches (also before the target ran), zombies stay unreleased', async () => {
    const S = RAW_OP.THREAD_START, X = RAW_OP.THREAD_EXIT, J = RAW_OP.THREAD_JOIN, D = RAW_OP.THREAD_DETACH;
    // t1 joined by t0; t2 detached by t0 before t2's own start record; t3 detaches itself; t4 a zombie.
    const t0: Rec[] = [[0, S, 0, 0], [3, J, 0, 1], [4, D, 0, 2], [11, RAW_OP.PROC_END, 0, 0]];
    const t1: Rec[] = [[1, S, 0, 0], [2, X, 0, 0]];
    const t2: Rec[] = [[5, S, 0, 0], [6, RAW_OP.MALLOC, A, 8], [7, X, 0, 0]];
    const t3: Rec[] = [[8, S, 0, 0], [9, D, 0, 3]];
    const t4: Rec[] = [[10, S, 0, 0]];
    const { s, ev } = await convert('life', [chunk(0, t0), chunk(1, t1), chunk(2, t2), chunk(3, t3), chunk(4, t4)]);
    expect(ev).toEqual(['thread_start t1 #0 0', 'thread_exit t1 #0 0', 'thread_join t0>t1',
      'thread_start t2 #0 0', 'thread_detach t0>t2', 'alloc t2 #0 8', 'thread_exit t2 #0 0',
      'thread_start t3 #0 0', 'thread_detach t3>t3', 'thread_start t4 #0 0',
      'thread_exit t3 #0 0', 'thread_exit t4 #0 0']);
    expect(s).toMatchObject({ threads: 5, threadJoins: 1, threadDetaches: 2, threadRestarts: 0, skippedThreadOps: 0, complete: true });
  });

  it('thread restarts (an allocation in a late key destructor) keep joins and detaches valid', async () => {
    const S = RAW_OP.THREAD_START, X = RAW_OP.THREAD_EXIT, J = RAW_OP.THREAD_JOIN, D = RAW_OP.THREAD_DETACH;
    // t1: detached, exits, restarts, exits again: the new incarnation is detached too.
    // t2: exits, restarts and never exits again; t0's join proves it ended, so its exit comes first.
    const t0: Rec[] = [[0, S, 0, 0], [2, D, 0, 1], [10, J, 0, 2], [11, RAW_OP.PROC_END, 0, 0]];
    const t1: Rec[] = [[1, S, 0, 0], [3, X, 0, 0], [4, S, 0, 0], [5, RAW_OP.FREE, 0, 0], [6, X, 0, 0]];
    const t2: Rec[] = [[7, S, 0, 0], [8, X, 0, 0], [9, S, 0, 0]];
    const { s, ev } = await convert('restart', [chunk(0, t0), chunk(1, t1), chunk(2, t2)]);
    expect(ev).toEqual(['thread_start t1 #0 0', 'thread_detach t0>t1', 'thread_exit t1 #0 0',
      'thread_start t1 #0 0', 'thread_detach t1>t1', 'thread_exit t1 #0 0',
      'thread_start t2 #0 0', 'thread_exit t2 #0 0', 'thread_start t2 #0 0', 'thread_exit t2 #0 0', 'thread_join t0>t2']);
    expect(s).toMatchObject({ threadJoins: 1, threadDetaches: 2, threadRestarts: 2, skippedThreadOps: 0 });
  });

  it('events after a thread\'s exit (flagged) are written as a live thread\'s of the same process', async () => {
    const S = RAW_OP.THREAD_START, X = RAW_OP.THREAD_EXIT, AX = RAW_AFTER_EXIT;
    // root: t1 frees t0's block after its exit; child process 1: t3 (its only thread) does the same
    const t0: Rec[] = [[0, S, 0, 0], [1, RAW_OP.MALLOC, A, 8], [9, RAW_OP.PROC_END, 0, 0]];
    const t1: Rec[] = [[2, S, 0, 0], [3, X, 0, 0], [4, AX | RAW_OP.FREE, A, 0]];
    const t3: Rec[] = [[5, S, 0, 0], [6, RAW_OP.MALLOC, B, 16], [7, X, 0, 0], [8, AX | RAW_OP.FREE, B, 0]];
    const { s, ev } = await convert('afterexit', [chunk(0, t0), chunk(1, t1), chunk(3, t3, 1)]);
    expect(ev).toEqual(['alloc t0 #0 8', 'thread_start t1 #0 0', 'thread_exit t1 #0 0', 'free t0 #0 0',
      'thread_start t3 #0 0', 'alloc t3 #0 16', 'thread_exit t3 #0 0',
      'thread_start t3 #0 0', 'free t3 #0 0', 'thread_exit t3 #0 0']);
    expect(s).toMatchObject({ afterExitEvents: 2, threadRestarts: 1, foreignFrees: 0 });
  });

  it('thread records the trace cannot express are skipped and counted, not written', async () => {
    const S = RAW_OP.THREAD_START, X = RAW_OP.THREAD_EXIT, J = RAW_OP.THREAD_JOIN, D = RAW_OP.THREAD_DETACH;
    // join of a never-seen thread, of the main thread, a second detach, a join of a detached thread
    const t0: Rec[] = [[0, S, 0, 0], [1, J, 0, 7], [2, J, 0, 0], [4, D, 0, 1], [5, D, 0, 1], [7, J, 0, 1], [8, RAW_OP.PROC_END, 0, 0]];
    const t1: Rec[] = [[3, S, 0, 0], [6, X, 0, 0]];
    const { s, ev } = await convert('skips', [chunk(0, t0), chunk(1, t1)]);
    expect(ev).toEqual(['thread_start t1 #0 0', 'thread_detach t0>t1', 'thread_exit t1 #0 0']);
    expect(s).toMatchObject({ threadJoins: 0, threadDetaches: 1, skippedThreadOps: 4 });
  });

  it('an exec releases the old image\'s threads (live ones exit first)', async () => {
    const S = RAW_OP.THREAD_START, X = RAW_OP.THREAD_EXIT;
    // t1 a zombie, t2 still running when t0 execs (the new image is image 1, its main thread t0 again)
    const { s, ev } = await convert('execthreads', [chunk(0, [[0, S, 0, 0], procStart(1, 9)]), chunk(1, [[2, S, 0, 0], [3, X, 0, 0]]),
      chunk(2, [[4, S, 0, 0], [5, RAW_OP.MALLOC, A, 8]]), chunk(0, [[6, S, 0, 0], procStart(7, 9), [8, RAW_OP.PROC_END, 0, 0]], 1)]);
    expect(ev).toEqual(['thread_start t1 #0 0', 'thread_exit t1 #0 0', 'thread_start t2 #0 0', 'alloc t2 #0 8',
      'free t0 #0 0', 'thread_detach t0>t1', 'thread_exit t2 #0 0', 'thread_detach t0>t2']);
    expect(s).toMatchObject({ execs: 1, threadDetaches: 2 });
  });

  // root (pid 100): image 0, thread 0. Child (pid 200, same start in both images): forked as image 1
  // on thread 5, which execs: image 2, whose main thread has the new recorder id 6.
  const S = RAW_OP.THREAD_START;
  const family = (): Buffer[] => [
    chunk(0, [[0, S, 0, 0], procStart(1, 100)]),
    chunk(5, [[2, S, 0, 0], procStart(3, 200, 9, 100), [4, RAW_OP.MALLOC, B, 32]], 1),
    chunk(6, [[5, S, 0, 0], procStart(6, 200, 9, 100), [7, RAW_OP.MALLOC, A, 64], [8, RAW_OP.PROC_END, 0, 0]], 2),
    chunk(0, [[9, RAW_OP.MALLOC, A, 8], [10, RAW_OP.PROC_END, 0, 0]]),
  ];

  it('merged: a forked child that execs is one process with one thread, released with its memory at its end', async () => {
    const { s, ev } = await convert('family', family(), { followForks: true });
    expect(ev).toEqual(['thread_start t5 #0 0', 'alloc t5 #0 32', 'free t5 #0 0', 'alloc t5 #0 64',
      'free t5 #0 0', 'thread_detach t5>t5', 'thread_exit t5 #0 0', 'alloc t0 #0 8']);
    expect(s).toMatchObject({ processes: 2, execs: 1, threads: 2, releasedObjects: 2, complete: true, lostSeqs: 0 });
  });

  it('per process: one trace each, renumbered from thread 0; the index lists them', async () => {
    const { s, files, index } = await convertPerProcess('family-pp', family(), { followForks: true });
    expect(Object.keys(files)).toEqual(['100-family-pp.json', '200-process.json']);
    expect(files['100-family-pp.json']).toEqual({ ev: ['alloc t0 #0 8'], truncated: false });
    expect(files['200-process.json']).toEqual({ ev: ['alloc t0 #0 32', 'free t0 #0 0', 'alloc t0 #0 64'], truncated: false });
    expect(s.files.map((f) => [f.pid, f.ppid, f.complete, f.events])).toEqual([[100, 1, true, 1], [200, 100, true, 3]]);
    expect(index.processes.map((p) => p.file)).toEqual(['100-family-pp.json', '200-process.json']);
  });

  it('execOnlyFinal: only the image that ran last is written', async () => {
    const { s, files } = await convertPerProcess('family-final', family(), { followForks: true, execOnlyFinal: true });
    expect(files['200-process.json']).toEqual({ ev: ['alloc t0 #0 64'], truncated: false });
    expect(s).toMatchObject({ skippedImageEvents: 3, execs: 0 });
  });

  it('a process that never wrote its end: its per-process trace is truncated, the others are not', async () => {
    const f = family();
    f[2] = chunk(6, [[5, S, 0, 0], procStart(6, 200, 9, 100), [7, RAW_OP.MALLOC, A, 64], [8, RAW_OP.MALLOC, B, 1]], 2);
    const { s, files } = await convertPerProcess('family-cut', f, { followForks: true });
    expect(files['200-process.json'].truncated).toBe(true);
    expect(files['100-family-cut.json'].truncated).toBe(false);
    expect(s.complete).toBe(true);
  });

  it('a broken log (a failed write): a corrupt chunk ends the usable log instead of failing', async () => {
    const good = chunk(0, [[0, S, 0, 0], [1, RAW_OP.MALLOC, A, 8]]);
    const { s, ev } = await convert('broken', [good, Buffer.from('partial-chunk-cut-by-ENOSPC----'), chunk(0, [[2, RAW_OP.PROC_END, 0, 0]])], { brokenLog: true });
    expect(ev).toEqual(['alloc t0 #0 8']);
    expect(s).toMatchObject({ logCutAt: good.length, complete: false });
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
