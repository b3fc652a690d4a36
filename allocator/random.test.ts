// Seeded randomized runs on every preset (small slabs/SuperSlabs/magazines so that every mechanism
// fires): checkInvariants with the live set after every step; digest determinism.
import { describe, expect, it } from 'vitest';
import { Allocator, PRESET_NAMES, resolveParams } from './index.js';
import { runLarson } from './workloads.testutil.js';

const SMALL = {
  slabSize: '8192', superSlabSize: '32768', magCapacities: '16,12,8,8,6,4,4,2', refillBatch: '8', trimInterval: '64',
  stackSize: '65536', stackCache: '200000',
};

function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
}

/** Runs `steps` random operations; calls `check` after each. Returns the allocator. */
function randomRun(preset: string, seed: number, steps: number, check: (a: Allocator, live: number[], step: number) => void, extra: Record<string, string> = {}): Allocator {
  const a = Allocator.create(resolveParams(preset, { ...SMALL, ...extra }));
  const rnd = xorshift(seed);
  const live: number[] = [];
  const tids = [0, 1, 2];
  const zombies: number[] = [];
  let nextTid = 3;
  for (const t of tids) a.threadStart(t);
  for (let step = 0; step < steps; step++) {
    const growing = step % 600 < 330; // alternate growth and drain phases so SuperSlabs empty out
    let op = rnd() % 100;
    if (!growing && op < 45) op = op < 30 ? 50 : op; // drain: most mallocs become frees
    const tid = tids[rnd() % tids.length]!;
    if (op < 45 || live.length === 0) {
      const size = rnd() % 10 === 0 ? 2049 + (rnd() % 20000) : rnd() % 2049;
      const p = a.malloc(tid, size);
      if (p !== 0) live.push(p);
    } else if (op < 82) {
      const i = rnd() % live.length;
      a.free(tid, live[i]!);
      live[i] = live[live.length - 1]!;
      live.pop();
    } else if (op < 88) {
      const i = rnd() % live.length;
      const p = a.realloc(tid, live[i]!, rnd() % 3000);
      if (p !== 0) live[i] = p;
    } else if (op < 91) {
      const align = 16 << (rnd() % 8);
      const p = a.malloc(tid, 1 + (rnd() % 1024), align);
      if (p !== 0) { expect(p % Math.min(align, 2 ** 20)).toBe(0); live.push(p); }
    } else if (op < 95) {
      if (tids.length > 1) {
        // exit, then joined now, later, or never (a leaked stack); some new threads are detached
        const j = 1 + (rnd() % (tids.length - 1));
        const old = tids[j]!;
        a.threadExit(old);
        const fate = rnd() % 3;
        if (fate === 0) a.threadJoin(old);
        else if (fate === 1) zombies.push(old);
        tids[j] = nextTid++;
        a.threadStart(tids[j]!);
        if (rnd() % 4 === 0) a.threadDetach(tids[j]!);
        if (zombies.length > 0 && rnd() % 2 === 0) {
          const z = zombies.shift()!;
          if (rnd() % 2 === 0) a.threadJoin(z); else a.threadDetach(z);
        }
      }
    } else if (op < 98) {
      a.flush();
    } else {
      a.trim();
    }
    check(a, live, step);
  }
  return a;
}

describe('randomized runs keep every invariant after every step', () => {
  for (const preset of PRESET_NAMES) {
    it(preset, () => {
      let checks = 0;
      const a = randomRun(preset, 0xC0FFEE, 2500, (al, live, step) => {
        const r = al.checkInvariants(live);
        if (!r.ok) throw new Error(`${preset} step ${step}: ${r.errors.slice(0, 5).join('; ')}`);
        if (al.params.remoteDecrementsActive) expect(r.drift.activeCountDrift).toBe(0);
        checks++;
      });
      expect(checks).toBe(2500);
      const s = a.stats();
      expect(s.blocksAllocated).toBeGreaterThan(1000);
      expect(s.ssAllocated).toBeGreaterThan(3);
      if (preset !== 'hakmem-7.5' && preset !== 'hakmem-larson-bug') expect(s.ssFreed).toBeGreaterThan(0);
      expect(s.remoteFrees).toBeGreaterThan(0);
    });
  }
});

describe('randomized runs with other parameter combinations', () => {
  const combos: Array<[string, Record<string, string>]> = [
    ['hakmem-7.7', { trim: 'flush', magOverflow: 'flush-all', madviseReserve: 'true' }],
    ['hakmem-7.7', { remoteFree: 'magazine', trim: 'periodic', sizeClasses: '16,48,96,256,1024', magCapacities: '8,8,4,4,2' }],
    ['hakmem-larson-bug', { refill: 'fresh', remoteDecrementsActive: 'true', trim: 'on-empty' }],
    ['hakmem-7.6', { threadExit: 'orphan', ssMapTwice: 'false', superSlabSize: '2MiB', ssHeaderBytes: '0' }],
    ['hakmem-larson-fix', { emptyReserve: '0', remoteFree: 'magazine' }],
    ['hakmem-larson-bug', { maxMapCount: '60', carve: 'lazy', stackCache: '0', stackGuard: '0' }],
    ['hakmem-7.7', { maxMapCount: '45', thpAlign: 'false', reserveReuse: 'true', slabMetaBytes: '0', tlsBytes: '0' }],
  ];
  for (const [preset, extra] of combos) {
    it(`${preset} ${JSON.stringify(extra)}`, () => {
      randomRun(preset, 0xBEEF, 1500, (al, live, step) => {
        const r = al.checkInvariants(live);
        if (!r.ok) throw new Error(`step ${step}: ${r.errors.slice(0, 5).join('; ')}`);
      }, extra);
    });
  }
});

describe('digest', () => {
  it('same history gives the same digest; a different history a different one', () => {
    const run = (seed: number) => randomRun('hakmem-larson-fix', seed, 3000, () => undefined);
    const d1 = run(7).digest();
    const d2 = run(7).digest();
    const d3 = run(8).digest();
    expect(d1).toMatch(/^[0-9a-f]{16}$/);
    expect(d2).toBe(d1);
    expect(d3).not.toBe(d1);
  });

  it('does not depend on the size of a caller-provided buffer', () => {
    const GS = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
    const a = Allocator.create(resolveParams('hakmem-7.7'), { buffer: new GS(4 << 20, { maxByteLength: 64 << 20 }) });
    const b = Allocator.create(resolveParams('hakmem-7.7'));
    for (const x of [a, b]) for (let i = 0; i < 5000; i++) x.malloc(0, 16 + (i % 700));
    expect(a.digest()).toBe(b.digest());
  });
});

describe('checkInvariants detects damage', () => {
  it('reports a double free (a block in two places) and a live block the caller does not hold', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    const p = a.malloc(0, 32);
    const q = a.malloc(0, 32);
    expect(a.checkInvariants([p, q]).ok).toBe(true);
    expect(a.checkInvariants([p]).errors.join()).toMatch(/caller holds 1 live small blocks, slabs account for 2/);
    a.free(0, p);
    a.free(0, p);
    const r = a.checkInvariants([q]);
    expect(r.ok).toBe(false);
    expect(r.errors.join()).toMatch(/two places/);
  });

  it('reports the deliberate miscount of hakmem-larson-bug as drift, not as an error', () => {
    const a = Allocator.create(resolveParams('hakmem-larson-bug'));
    a.threadStart(1);
    const ps = Array.from({ length: 100 }, () => a.malloc(1, 64));
    for (const p of ps) a.free(2, p);
    const r = a.checkInvariants([]);
    expect(r.errors).toEqual([]);
    expect(r.drift.activeCountDrift).toBe(100);
    expect(a.stats().remoteFrees).toBe(100);
    expect(a.stats().remoteFreesPending).toBe(100);
  });
});

describe('the inlined fast paths equal the slab functions they copy (issue 15)', () => {
  for (const preset of ['hakmem-larson-bug', 'hakmem-larson-fix', 'hakmem-7.7']) {
    it(`${preset}: every free through the slow path gives the same state and digest as through free / freeMiss / freeOther`, () => {
      const fast = Allocator.create(resolveParams(preset, { maxMapCount: '400' }));
      const slow = Allocator.create(resolveParams(preset, { maxMapCount: '400' }));
      const free = slow.free.bind(slow);
      slow.free = (tid: number, addr: number): void => { slow.cTid = -1; free(tid, addr); }; // no cached thread: freeSlow → freeBlock → freeRemote
      const opts = { threads: 4, chunks: 512, quota: 700, min: 8, max: 300, seed: 99, maxOps: 200_000 };
      const a = runLarson(fast, opts);
      const b = runLarson(slow, opts);
      expect(b).toEqual(a);
      expect(slow.stats().remoteFrees).toBeGreaterThan(1000);
      expect(slow.digest()).toBe(fast.digest());
    });
  }
});
