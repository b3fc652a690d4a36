// Behaviours of the documented HAKMEM stages (DESIGN.md presets table), driven directly like the
// original C test programs: scaling, battle, Larson.
import { describe, expect, it } from 'vitest';
import { Allocator, resolveParams } from './index.js';
import { runBattle, runLarson, runScaling } from './workloads.testutil.js';

const MiB = 2 ** 20;

describe('scaling (100K, 500K, 1M × 16 B)', () => {
  it('hakmem-7.5: 13 SuperSlabs for 1.6M allocations, 26 MiB, none freed, RSS never falls between tests', () => {
    const a = Allocator.create(resolveParams('hakmem-7.5'));
    const r = runScaling(a);
    const s = a.stats();
    expect(s.ssAllocated).toBe(13);
    expect(s.ssFreed).toBe(0);
    expect(s.ssLive).toBe(13); // 26 MiB of SuperSlabs: some VMAs merged with a pointer array below them
    expect(s.vmBytesSuperSlab + s.vmBytesMerged).toBeGreaterThanOrEqual(13 * 2 * MiB);
    const rss = r.afterFree.map((f) => f.rss);
    expect(rss[1]!).toBeGreaterThan(rss[0]!);
    expect(rss[2]!).toBeGreaterThan(rss[1]!);
    for (let i = 0; i < 3; i++) expect(r.afterAlloc[i]!.rss).toBeGreaterThanOrEqual(i === 0 ? 0 : r.afterFree[i - 1]!.rss);
    expect(a.checkInvariants([]).errors).toEqual([]);
  });

  it('hakmem-7.6: SuperSlabs are freed and RSS after the 1M test is lower than under 7.5', () => {
    const a75 = Allocator.create(resolveParams('hakmem-7.5'));
    const r75 = runScaling(a75);
    const a = Allocator.create(resolveParams('hakmem-7.6'));
    const r = runScaling(a);
    expect(a.stats().ssFreed).toBeGreaterThan(0);
    expect(r.afterFree[2]!.rss).toBeLessThan(r75.afterFree[2]!.rss);
    expect(r.afterFree[2]!.rss).toBeLessThan(r.afterAlloc[2]!.rss);
    expect(a.checkInvariants([]).errors).toEqual([]);
  });
});

describe('battle (array + N × 16 B, free all, flush)', () => {
  const scales = [100_000, 500_000, 1_000_000];
  const after = (preset: string) => {
    const a = Allocator.create(resolveParams(preset));
    const r = runBattle(a, scales);
    expect(a.checkInvariants([]).errors).toEqual([]);
    return r.after;
  };

  it('hakmem-7.6: blocks left in magazines keep a phantom SuperSlab mapped after flush', () => {
    for (const f of after('hakmem-7.6').slice(1)) {
      expect(f.ssLive - f.ssEmptyReserved).toBeGreaterThanOrEqual(1); // phantom
      expect(f.ssEmptyReserved).toBe(2);
    }
  });

  it('hakmem-7.7: flush leaves only the reserve (2)', () => {
    for (const f of after('hakmem-7.7').slice(1)) {
      expect(f.ssLive).toBe(f.ssEmptyReserved);
      expect(f.ssLive).toBe(2);
    }
  });

  it('hakmem-8.1 and 8.2 each leave one fewer 2 MiB SuperSlab per class used', () => {
    const a77 = after('hakmem-7.7');
    const a81 = after('hakmem-8.1');
    const a82 = after('hakmem-8.2');
    for (let i = 1; i < scales.length; i++) {
      expect(a81[i]!.ssLive).toBe(a77[i]!.ssLive - 1);
      expect(a82[i]!.ssLive).toBe(a81[i]!.ssLive - 1);
      expect(a77[i]!.vmSize - a81[i]!.vmSize).toBe(2 * MiB);
      expect(a81[i]!.vmSize - a82[i]!.vmSize).toBe(2 * MiB);
    }
    expect(a82[2]!.ssLive).toBe(0);
  });
});

describe('Larson (threads exit and are replaced; most frees hit blocks of exited threads)', () => {
  const opts = { threads: 4, chunks: 1024, quota: 1024, min: 8, max: 128, seed: 12345 };

  it('hakmem-larson-bug: nothing freed, SuperSlabs grow every generation, mapping limit → OOM', () => {
    const a = Allocator.create(resolveParams('hakmem-larson-bug', { maxMapCount: '1500' }));
    const r = runLarson(a, { ...opts, maxOps: 5_000_000 });
    const s = a.stats();
    expect(r.oom).toBe(true);
    expect(s.ssFreed).toBe(0);
    const g = r.ssAllocatedPerGeneration;
    for (let i = 1; i < g.length; i++) expect(g[i]!).toBeGreaterThan(g[i - 1]!);
    const oom = a.oomInfo()!;
    expect(oom).toMatchObject({ reason: 'max_map_count', ssFreed: 0, maxMapCount: 1500 });
    expect(oom.mappings).toBeGreaterThanOrEqual(1499);
    // the VMAs: one per SuperSlab, two per never-joined thread's stack, the baseline
    expect(oom.vmas.superSlab + oom.vmas.stack + oom.vmas.baseline + oom.vmas.merged).toBe(oom.mappings);
    expect(oom.vmas.stack).toBe(2 * s.stacksMapped);
    expect(s.stacksLeaked).toBeGreaterThan(0.9 * s.stacksMapped);
    expect(oom.ssAllocated).toBe(s.ssAllocated);
    expect(oom.vmSize).toBe(s.vmSize);
    expect(oom.tid).toBeGreaterThan(0);
    const inv = a.checkInvariants();
    expect(inv.errors).toEqual([]);
    expect(inv.drift.activeCountDrift).toBeGreaterThan(0); // remote frees never decremented the count
  });

  it('hakmem-larson-fix: live SuperSlabs stay bounded and freed = allocated - live', () => {
    const a = Allocator.create(resolveParams('hakmem-larson-fix'));
    const r = runLarson(a, { ...opts, maxOps: 2_000_000 });
    expect(r.oom).toBe(false);
    expect(r.ops).toBe(2_000_000);
    const s = a.stats();
    expect(s.ssFreed).toBe(s.ssAllocated - s.ssLive);
    expect(s.ssFreed).toBeGreaterThan(0.9 * s.ssAllocated);
    const live = r.ssLivePerGeneration;
    const half = live.length >> 1;
    expect(Math.max(...live.slice(half))).toBeLessThanOrEqual(1.25 * Math.max(...live.slice(0, half)));
    expect(Math.max(...live)).toBeLessThan(300);
    const inv = a.checkInvariants();
    expect(inv.errors).toEqual([]);
    expect(inv.drift.activeCountDrift).toBe(0);
  });
});

describe('simulated OS limits', () => {
  it('an address-space limit fails the mapping with a structured OOM; malloc returns 0 and goes on', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7', { memLimit: '8MiB' }));
    const p = a.malloc(3, 16);
    expect(p).not.toBe(0);
    expect(a.malloc(3, 7 * MiB)).toBe(0);
    const oom = a.oomInfo()!;
    const base = a.stats().vmBytesBaseline + a.stats().vmBytesStack;
    expect(oom).toMatchObject({ reason: 'address_space', what: 'large', tid: 3, size: 7 * MiB, ssAllocated: 1, ssFreed: 0, vmSize: base + 2 * MiB, maxMapCount: 65530 });
    expect(a.malloc(3, 1 * MiB)).not.toBe(0);
    expect(a.checkInvariants().errors).toEqual([]);
  });

  it('large path: page-rounded mapping per allocation, resident, released on free', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    const before = a.stats();
    const p = a.malloc(0, 10_000);
    const s = a.stats();
    expect(s.vmSize - before.vmSize).toBe(12288);
    expect(s.rss - before.rss).toBe(12288);
    expect(s.mappings - before.mappings).toBe(1);
    a.free(0, p);
    const t = a.stats();
    expect(t.vmSize).toBe(before.vmSize);
    expect(t.bytesReturned - before.bytesReturned).toBe(12288);
    expect(t.largeBytesFreed).toBe(10_000);
  });

  it('mapping twice the SuperSlab size shows in peak VmSize; the unaligned head/tail are unmapped', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    const base = a.stats().vmSize;
    a.malloc(0, 16);
    expect(a.stats().vmSize - base).toBe(2 * MiB);
    expect(a.stats().peakVmSize - base).toBe(4 * MiB);
    const b = Allocator.create(resolveParams('hakmem-7.7', { ssMapTwice: 'false' }));
    b.malloc(0, 16);
    expect(b.stats().peakVmSize - base).toBe(2 * MiB);
    expect(() => resolveParams('hakmem-7.7', { ssMapTwice: 'false', superSlabSize: '1MiB' })).toThrow(/thpAlign/);
  });
});
