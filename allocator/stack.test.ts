// Thread stacks, the process baseline and the residency mechanisms (stack.ts, os.ts, slab.ts,
// slabRecord.ts): what a thread costs in VMAs and resident bytes, when its stack goes away (join,
// detach, never), glibc's stack cache, and how a fresh slab is carved.
import { describe, expect, it } from 'vitest';
import { Allocator, resolveParams } from './index.js';

const KiB = 1024;
const MiB = 2 ** 20;

describe('process baseline', () => {
  it('a fresh allocator holds the baseline VMAs and RSS, plus the main thread TLS', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    const s = a.stats();
    const p = a.params;
    expect(s.mappings).toBe(p.baselineVmas);
    expect(s.vmasBaseline).toBe(p.baselineVmas);
    expect(s.vmSize).toBe(p.baselineVmSize);
    expect(s.baselineRss).toBe(p.baselineRss);
    expect(s.rss).toBe(p.baselineRss + Math.ceil(p.tlsBytes / 4096) * 4096);
    expect(s.stacksMapped).toBe(0); // the main thread's stack is part of the baseline
    expect(a.checkInvariants([]).errors).toEqual([]);
  });

  it('every part of the baseline is a parameter', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7', { baselineVmas: '5', baselineVmSize: '1MiB', baselineRss: '256KiB', tlsBytes: '0' }));
    expect(a.stats()).toMatchObject({ mappings: 5, vmSize: MiB, rss: 256 * KiB });
  });
});

describe('thread stacks', () => {
  const make = (over: Record<string, string> = {}) => Allocator.create(resolveParams('hakmem-7.7', over));

  it('a thread maps 8 MiB + a 4 KiB guard as two VMAs; its top pages and TLS become resident', () => {
    const a = make();
    const s0 = a.stats();
    expect(a.threadStart(1)).toBe(true);
    const s1 = a.stats();
    expect(s1.mappings - s0.mappings).toBe(2);
    expect(s1.vmSize - s0.vmSize).toBe(8 * MiB + 4 * KiB);
    expect(s1.vmasStack).toBe(2);
    expect(s1.threadRss - s0.threadRss).toBe(a.params.stackResident + a.params.tlsBytes);
    expect(s1.rss - s0.rss).toBe(s1.threadRss - s0.threadRss);
  });

  it('an exited thread that is never joined keeps its stack (a zombie); join releases it into the cache', () => {
    const a = make();
    a.threadStart(1);
    a.threadExit(1);
    expect(a.stats()).toMatchObject({ stacksMapped: 1, stacksLeaked: 1, stacksCached: 0, vmasStack: 2 });
    a.threadJoin(1);
    expect(a.stats()).toMatchObject({ stacksMapped: 1, stacksLeaked: 0, stacksCached: 1, vmasStack: 2, threadsJoined: 1 });
    const before = a.stats();
    a.threadStart(2); // reuses the cached stack: no new mapping
    expect(a.stats().mappings).toBe(before.mappings);
    expect(a.stats().stacksCached).toBe(0);
    expect(a.checkInvariants([]).errors).toEqual([]);
  });

  it("glibc's 40 MiB cache keeps 4 released stacks; the least recently released beyond it is unmapped", () => {
    const a = make();
    for (let t = 1; t <= 6; t++) a.threadStart(t);
    for (let t = 1; t <= 6; t++) { a.threadExit(t); a.threadJoin(t); }
    const s = a.stats();
    expect(s.stacksCached).toBe(4);
    expect(s.stacksMapped).toBe(4);
    expect(s.vmasStack).toBe(8);
    expect(a.checkInvariants([]).errors).toEqual([]);
  });

  it('a detached thread releases its stack at exit; detaching a zombie releases it at once', () => {
    const a = make({ stackCache: '0' });
    const base = a.stats().mappings;
    a.threadStart(1);
    a.threadDetach(1);
    a.threadExit(1);
    expect(a.stats().mappings).toBe(base);
    a.threadStart(2);
    a.threadExit(2);
    expect(a.stats().stacksLeaked).toBe(1);
    a.threadDetach(2);
    expect(a.stats()).toMatchObject({ stacksLeaked: 0, stacksMapped: 0, mappings: base, threadsDetached: 2 });
  });

  it('a zombie whose thread id starts again can never be joined: its stack leaks for good', () => {
    const a = make();
    a.threadStart(7);
    a.threadExit(7);
    a.threadStart(7);
    a.threadExit(7);
    a.threadJoin(7); // joins the newest incarnation only
    expect(a.stats()).toMatchObject({ stacksLeaked: 1, stacksMapped: 2, stacksCached: 1 });
    expect(a.checkInvariants([]).errors).toEqual([]);
  });

  it('at the VMA limit pthread_create fails: threadStart is false and the OOM names the stack', () => {
    const a = make({ maxMapCount: '30', stackCache: '0' });
    let t = 1;
    while (a.threadStart(t)) { a.threadExit(t); t++; }
    const oom = a.oomInfo()!;
    expect(oom).toMatchObject({ reason: 'max_map_count', what: 'stack', tid: t });
    expect(a.stats().stackFailures).toBe(1);
    expect(a.stats().mappings).toBeLessThanOrEqual(31);
    expect(a.checkInvariants([]).errors).toEqual([]);
  });
});

describe('carving a fresh slab', () => {
  const firstBlockCost = (carve: string): number => {
    const a = Allocator.create(resolveParams('hakmem-7.7', { carve, slabMetaBytes: '0' }));
    const before = a.stats().rss;
    a.malloc(0, 16);
    return a.stats().rss - before;
  };

  it('eager: the free list runs through the whole 64 KiB slab, so all of its pages are resident at once', () => {
    expect(firstBlockCost('eager')).toBe(64 * KiB);
  });

  it('lazy: only the pages of the blocks handed out (here the header page) are resident', () => {
    expect(firstBlockCost('lazy')).toBe(4 * KiB);
  });

  it('out-of-line slab metadata is resident while the slab exists', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    a.malloc(0, 16);
    expect(a.stats().metaRss).toBe(a.params.slabMetaBytes);
  });
});
