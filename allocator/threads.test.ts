// Thread ids and thread counts at the edges (issue 14 #5): any 32-bit thread id, sparse ids, and many
// live threads, with metadata that follows the threads that exist; large blocks beyond 4 GiB (#15).
import { describe, expect, it } from 'vitest';
import { Allocator, resolveParams } from './index.js';

const GiB = 2 ** 30;

describe('thread ids and counts', () => {
  it('any 32-bit thread id works, and a sparse one costs no more than a small one', () => {
    const small = Allocator.create(resolveParams('hakmem-7.7'));
    const big = Allocator.create(resolveParams('hakmem-7.7'));
    for (const [a, tid] of [[small, 5], [big, 2 ** 32 - 1]] as const) {
      expect(a.threadStart(tid)).toBe(true);
      const p = a.malloc(tid, 64);
      a.free(tid, p);
      a.threadExit(tid);
      a.threadJoin(tid);
      expect(a.checkInvariants([]).errors).toEqual([]);
    }
    expect(big.buffer.byteLength).toBe(small.buffer.byteLength);
    expect(big.stats().threadsExited).toBe(1);
  });

  it('ids 2^31 and 2^31 + 1 and -1 as unsigned stay distinct threads', () => {
    const a = Allocator.create(resolveParams('hakmem-larson-fix'));
    const tids = [2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 7];
    const ps = tids.map((t) => { a.threadStart(t); return a.malloc(t, 32); });
    expect(a.stats().threadsLive).toBe(5);
    expect(a.stats().threads.map((t) => t.tid).sort()).toEqual([0, ...tids].sort());
    ps.forEach((p, i) => a.free(tids[(i + 1) % tids.length]!, p)); // remote frees between them
    expect(a.checkInvariants([]).errors).toEqual([]);
  });

  it('20,000 live threads that allocate cost metadata in proportion (a magazine chunk per class used)', () => {
    const a = Allocator.create(resolveParams('hakmem-larson-fix', { stackCache: '0' }));
    for (let t = 1; t <= 20_000; t++) { a.threadStart(t * 7919); a.malloc(t * 7919, 64); }
    expect(a.stats().threadsLive).toBe(20_001);
    // a 64 B magazine is 768 slots: ~3 KiB per thread, plus its record and map entries
    expect(a.stats().bufferBytes).toBeLessThan(400 * 2 ** 20);
    expect(a.checkInvariants().errors).toEqual([]);
  });
});

describe('large blocks', () => {
  it('a 5 GiB block is mapped (no 4 GiB limit) and freed; a memory limit below it fails as address_space', () => {
    const a = Allocator.create(resolveParams('hakmem-7.7'));
    const p = a.malloc(0, 5 * GiB);
    expect(p).not.toBe(0);
    expect(a.stats().largeBytes).toBe(5 * GiB);
    a.free(0, p);
    expect(a.stats().largeLive).toBe(0);
    const b = Allocator.create(resolveParams('hakmem-7.7', { memLimit: '4GiB' }));
    expect(b.malloc(0, 5 * GiB)).toBe(0);
    expect(b.oomInfo()).toMatchObject({ reason: 'address_space', what: 'large', size: 5 * GiB });
  });
});
