// Native replay through real allocators (replayer/native/): glibc always (where the replayer is built),
// mimalloc and jemalloc where their libraries are installed (skipped with a message otherwise). Battle's
// marks and figures, the result's shape (model-only keys absent), --stop-at, OOM (exit-3 material),
// a crashing allocator (signal and event), bad traces rejected before anything runs, library errors,
// and the threaded replay: thousands of short-lived threads with cross-thread frees, joins and
// detaches (format 2) or joins at exit (format 1), whose counts must come out exact.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWorkload, sfc32Create, sfc32Next } from '../recorder/index.js';
import { createTraceWriter, type TraceWriter } from '../traces/index.js';
import {
  nativeAllocatorsList, nativeReplayer, nativeReplayRun, nativeReplayStart, nativeResolve, NativeReplayError, nativeScan, nativeScanDispose,
  type NativeReplayResult,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-native-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const built = nativeReplayer();
if (!built.ok) console.warn(`native replay tests skipped: the replayer is not built here (${built.reason})`);
const installed = built.ok ? nativeAllocatorsList().filter((a) => a.available).map((a) => a.name) : [];
for (const name of ['mimalloc', 'jemalloc']) {
  if (built.ok && !installed.includes(name)) console.warn(`native ${name} tests skipped: ${name} is not installed here (apt-get install ${name === 'mimalloc' ? 'libmimalloc2.0' : 'libjemalloc2'})`);
}
const itNative = it.skipIf(!built.ok);
const itWith = (name: string): ReturnType<typeof it.skipIf> => it.skipIf(!installed.includes(name));

const battle = join(dir, 'battle.pb');
const MiB = 2 ** 20;

/** A seeded generator of numbers in [0, 1). */
function rng(seed: number): () => number {
  const s = sfc32Create(seed);
  return () => sfc32Next(s) / 2 ** 32;
}

interface StressCounts { starts: number; allocs: number; frees: number; remote: number; live: number }

/**
 * `threads` short-lived threads, at most `wave` at once, each allocating, freeing objects of any thread
 * (most of them another's), reallocating; then released as the trace says: joined by thread 0, detached
 * by thread 0 while live, or detaching itself (format 2); format 1 has no joins. Returns the exact
 * counts a correct replay must report.
 */
async function writeStress(path: string, seed: number, threads: number, wave: number, formatVersion = 2): Promise<StressCounts> {
  const w: TraceWriter = createTraceWriter(path, { workload: 'stress', recorder: 'native test', formatVersion });
  const rnd = rng(seed);
  const pool: number[] = [];
  const owner = new Map<number, number>(); // id -> incarnation that last allocated it
  const c: StressCounts = { starts: 0, allocs: 0, frees: 0, remote: 0, live: 0 };
  const alloc = (tid: number, inc: number): void => {
    const r = rnd();
    const size = 1 + Math.floor(rnd() * 300);
    const id = r < 0.1 ? w.calloc(tid, size) : r < 0.2 ? w.memalign(tid, 16 << Math.floor(rnd() * 4), size) : w.alloc(tid, size);
    pool.push(id);
    owner.set(id, inc);
    c.allocs++;
  };
  const release = (tid: number, inc: number, realloc: boolean): void => {
    const k = Math.floor(rnd() * pool.length);
    const id = pool[k];
    if (owner.get(id) !== inc) c.remote++;
    if (realloc) {
      w.realloc(tid, id, 1 + Math.floor(rnd() * 2000));
      owner.set(id, inc);
      c.allocs++;
    } else {
      w.free(tid, id);
      pool[k] = pool[pool.length - 1];
      pool.pop();
      owner.delete(id);
    }
    c.frees++;
  };
  for (let i = 0; i < 64; i++) alloc(0, 0);
  let next = 1, started = 0, incarnation = 0;
  const live: { tid: number; inc: number; left: number; fate: number }[] = [];
  while (started < threads || live.length > 0) {
    while (live.length < wave && started < threads) {
      const tid = next++;
      w.threadStart(tid);
      started++;
      c.starts++;
      const fate = formatVersion < 2 ? -1 : Math.floor(rnd() * 3);
      if (fate === 1) w.threadDetach(0, tid);
      live.push({ tid, inc: ++incarnation, left: 2 + Math.floor(rnd() * 12), fate });
    }
    const k = Math.floor(rnd() * live.length);
    const t = live[k];
    const steps = 1 + Math.floor(rnd() * 4);
    for (let s = 0; s < steps && t.left > 0; s++, t.left--) {
      const r = rnd();
      if (pool.length < 16 || r < 0.45) alloc(t.tid, t.inc);
      else release(t.tid, t.inc, r < 0.55);
    }
    if (rnd() < 0.3) {
      if (pool.length < 16 || rnd() < 0.5) alloc(0, 0);
      else release(0, 0, false);
    }
    if (t.left === 0) {
      if (t.fate === 2) w.threadDetach(t.tid, t.tid);
      w.threadExit(t.tid);
      if (t.fate === 0) w.threadJoin(0, t.tid);
      live.splice(k, 1);
    }
  }
  w.mark(0, 'end');
  c.live = pool.length;
  await w.close();
  return c;
}

function expectClean(r: NativeReplayResult): void {
  expect(r.crash).toBeNull();
  expect(r.oom).toBeNull();
  expect(r.complete).toBe(true);
}

beforeAll(async () => {
  await recordWorkload('battle', [], battle, { scales: '100K,1M' });
}, 120_000);

describe('native replay of battle', () => {
  itNative('through glibc: a mark per battle mark, RSS at the peak ≈ 32 B per block plus the array', async () => {
    const r = await nativeReplayRun(battle, { allocator: 'glibc' });
    expectClean(r);
    expect(r.native.allocator).toBe('glibc');
    expect(r.native.library).toMatch(/libc\.so/);
    expect(r.marks.map((m) => m.name)).toEqual(['measure-peak@100K', 'flush@100K', 'measure-after@100K', 'measure-peak@1M', 'flush@1M', 'measure-after@1M']);
    const peak = r.marks.find((m) => m.name === 'measure-peak@1M')!;
    expect(peak.liveBlocks).toBe(1_000_001);
    // 1M chunks of 32 B and the 8 MB pointer array, written page by page: 38.1 MiB
    expect(peak.rss / MiB).toBeGreaterThan(34);
    expect(peak.rss / MiB).toBeLessThan(44);
    expect(peak.process.rss).toBe(peak.rss + peak.bookkeeping.rss + r.native.baseline.rss);
    expect(r.final.blocksAllocated).toBe(1_100_002);
    expect(r.final.blocksFreed).toBe(1_100_002);
    expect(r.final.peakRss).toBeGreaterThanOrEqual(peak.rss);
    expect(r.events).toBe(r.totalEvents);
    expect(r.eventsPerSec).toBeGreaterThan(0);
  });

  itNative('its JSON has the model\'s keys where they apply and none of the model-only ones', async () => {
    const r = JSON.parse(JSON.stringify(await nativeReplayRun(battle, { allocator: 'glibc', stopAt: 200_000 }))) as Record<string, unknown>;
    for (const k of ['final', 'marks', 'eventsPerSec', 'events', 'totalEvents', 'wallSeconds', 'oom', 'complete', 'stoppedAt']) expect(r).toHaveProperty(k);
    for (const k of ['preset', 'params', 'digest', 'check']) expect(r).not.toHaveProperty(k);
    const final = r.final as Record<string, unknown>;
    for (const k of ['rss', 'peakRss', 'vmSize', 'peakVmSize', 'mappings', 'blocksFreed', 'remoteFrees']) expect(final).toHaveProperty(k);
    for (const k of ['ssAllocated', 'ssFreed', 'ssLive', 'bytesReturned', 'remoteFreesPending', 'vmas', 'threadRss']) expect(final).not.toHaveProperty(k);
    expect(r.stoppedAt).toBe(200_000);
    expect(r.events).toBe(200_000);
    expect(r.complete).toBe(false);
  });

  itNative('--touch ends leaves the pointer array untouched: less RSS than touching its pages', async () => {
    const [pages, ends] = await Promise.all([nativeReplayRun(battle, { allocator: 'glibc' }), nativeReplayRun(battle, { allocator: 'glibc', touch: 'ends' })]);
    const at = (r: NativeReplayResult): number => r.marks.find((m) => m.name === 'measure-peak@1M')!.rss;
    expect(at(pages) - at(ends)).toBeGreaterThan(6 * MiB); // the 7.6 MiB array
  });

  for (const name of ['mimalloc', 'jemalloc']) {
    itWith(name)(`through ${name}: the library is preloaded and the figures come out`, async () => {
      const r = await nativeReplayRun(battle, { allocator: name });
      expectClean(r);
      expect(r.native.library).toMatch(new RegExp(`lib${name}\\.so`));
      const peak = r.marks.find((m) => m.name === 'measure-peak@1M')!;
      expect(peak.rss / MiB).toBeGreaterThan(20); // 1M x 16 B + the array
      expect(peak.rss / MiB).toBeLessThan(45);
    });
  }
});

describe('native replay: feeding and stopping', () => {
  itNative('the scan validates, sizes the id table, records the marks and spools 9 bytes an event', async () => {
    const scan = await nativeScan(battle, {});
    try {
      expect(scan.events).toBe(2_200_010);
      expect(scan.idCapacity).toBe(1_000_001);
      expect([...scan.markNames.values()]).toEqual(['measure-peak@100K', 'flush@100K', 'measure-after@100K', 'measure-peak@1M', 'flush@1M', 'measure-after@1M']);
      expect(scan.spool).not.toBeNull();
      expect(existsSync(scan.spool!)).toBe(true);
      expect(scan.bytesPerEvent).toBeGreaterThan(8.9);
      expect(scan.bytesPerEvent).toBeLessThan(9.2);
      const [a, b] = [await nativeReplayRun(battle, { allocator: 'glibc', scan }), await nativeReplayRun(battle, { allocator: 'glibc', scan })];
      expect(a.marks.map((m) => m.liveBlocks)).toEqual(b.marks.map((m) => m.liveBlocks));
    } finally {
      nativeScanDispose(scan);
    }
    expect(existsSync(scan.spool!)).toBe(false);
  });

  itNative('quit stops after the current batch with a partial result and figures', async () => {
    const h = nativeReplayStart(battle, { allocator: 'glibc' });
    h.quit();
    const r = await h.result;
    expect(r.crash).toBeNull();
    expect(r.partial).toBe(true);
    expect(r.complete).toBe(false);
    expect(r.events).toBeLessThan(r.totalEvents);
    expect(r.final.process.rss).toBeGreaterThan(0);
  });
});

describe('native replay: failures', () => {
  itNative('an allocation the allocator refuses is an OOM with its event, thread, op and size', async () => {
    const f = join(dir, 'huge.pb');
    const w = createTraceWriter(f, { workload: 'huge', recorder: 'native test' });
    w.alloc(0, 64);
    w.mark(0, 'before');
    w.alloc(0, 2 ** 40);
    w.alloc(0, 64);
    await w.close();
    const r = await nativeReplayRun(f, { allocator: 'glibc' });
    expect(r.oom).toMatchObject({ event: 2, tid: 0, op: 'alloc', size: 2 ** 40 });
    expect(r.oom!.reason).toMatch(/returned NULL/);
    expect(r.complete).toBe(false);
    expect(r.events).toBe(3);
    const goOn = await nativeReplayRun(f, { allocator: 'glibc', continueAfterOom: true });
    expect(goOn.events).toBe(4);
    expect(goOn.complete).toBe(true);
    expect(goOn.final.blocksAllocated).toBe(2);
  });

  itNative('a trace whose frees are inconsistent is refused before anything runs', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, [
      JSON.stringify({ header: { magic: 'slabtrace', formatVersion: 2, workload: 'bad', recorder: 't', params: {}, args: [], seed: 0, threads: 0, pageSize: 4096, createdAtMs: 0, expectedEvents: 0, chunkEvents: 0 } }),
      JSON.stringify({ op: 'alloc', tid: 0, id: 0, size: 16 }),
      JSON.stringify({ op: 'free', tid: 0, id: 0 }),
      JSON.stringify({ op: 'free', tid: 0, id: 0 }),
    ].join('\n') + '\n');
    await expect(nativeReplayRun(f, { allocator: 'glibc' })).rejects.toMatchObject({ name: 'TraceError', code: 'DOUBLE_FREE' });
  });

  itNative('an allocator that crashes: the signal and the event it was performing', async () => {
    const src = join(dir, 'crashy.c');
    const lib = join(dir, 'libcrashy.so');
    writeFileSync(src, `#include <stddef.h>
extern void *__libc_malloc(size_t);
void *malloc(size_t n) { if (n == 12345) { *(volatile int *)0 = 1; } return __libc_malloc(n); }
`);
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-O1', '-o', lib, src], { encoding: 'utf8' });
    if (cc.status !== 0) return void console.warn(`crash test skipped: cannot build a library (${cc.stderr})`);
    const f = join(dir, 'crash.pb');
    const w = createTraceWriter(f, { workload: 'crash', recorder: 'native test' });
    for (let i = 0; i < 10; i++) w.alloc(0, 100);
    w.alloc(0, 12345);
    w.alloc(0, 100);
    await w.close();
    const r = await nativeReplayRun(f, { allocator: lib });
    expect(r.crash).toMatchObject({ signal: 'SIGSEGV', event: 10, tid: 0, op: 'alloc' });
    expect(r.complete).toBe(false);
    expect(r.native.library).toBe(lib);
  });

  itNative('allocator names: unknown, missing file, a library without malloc', () => {
    expect(() => nativeResolve('nosuchalloc')).toThrow(/unknown allocator 'nosuchalloc'/);
    expect(() => nativeResolve(join(dir, 'missing.so'))).toThrow(NativeReplayError);
    const libm = spawnSync('sh', ['-c', 'ls /lib/*/libm.so.6 /lib64/libm.so.6 2>/dev/null | head -1'], { encoding: 'utf8' }).stdout.trim();
    if (libm) expect(() => nativeResolve(libm)).toThrow(/does not replace malloc/);
    expect(nativeResolve('glibc').family).toBe('glibc');
  });
});

describe('native replay on real threads', () => {
  itNative('3,000 short-lived threads, cross-thread frees, joins and detaches: exact counts, no deadlock', async () => {
    const f = join(dir, 'stress.pb');
    const c = await writeStress(f, 7, 3000, 12);
    const r = await nativeReplayRun(f, { allocator: 'glibc' });
    expectClean(r);
    expect(r.final.threadsStarted).toBe(c.starts);
    expect(r.final.threadsLive).toBe(0);
    expect(r.final.blocksAllocated).toBe(c.allocs);
    expect(r.final.blocksFreed).toBe(c.frees);
    expect(r.final.liveBlocks).toBe(c.live);
    expect(r.final.remoteFrees).toBe(c.remote);
    expect(c.remote).toBeGreaterThan(c.frees / 2);
    expect(r.marks.map((m) => m.name)).toEqual(['end']);
    expect(r.marks[0].liveBlocks).toBe(c.live);
  });

  itNative('the same under other seeds and a format-1 trace (threads joined at exit)', async () => {
    for (const [seed, version] of [[11, 2], [12, 1], [13, 2]] as const) {
      const f = join(dir, `stress-${seed}.pb`);
      const c = await writeStress(f, seed, 1000, 40, version);
      const r = await nativeReplayRun(f, { allocator: 'glibc' });
      expectClean(r);
      expect(r.final.blocksFreed).toBe(c.frees);
      expect(r.final.remoteFrees).toBe(c.remote);
      expect(r.final.threadsStarted).toBe(c.starts);
    }
  });

  for (const name of ['mimalloc', 'jemalloc']) {
    itWith(name)(`threads through ${name}`, async () => {
      const f = join(dir, `stress-${name}.pb`);
      const c = await writeStress(f, 21, 1500, 16);
      const r = await nativeReplayRun(f, { allocator: name });
      expectClean(r);
      expect(r.final.blocksFreed).toBe(c.frees);
      expect(r.final.remoteFrees).toBe(c.remote);
    });
  }
});
