// The allocator's figures from the replayer's samples: process minus bookkeeping minus baseline; peaks
// from the samples and from VmHWM/VmPeak less the same; OOM and crash reports in words.
import { describe, expect, it } from 'vitest';
import { nativeBaseline, nativeCrashOf, nativeFiguresOf, nativeOomOf, nativePeaksNew } from './nativeFigures.js';

const line = (o: Record<string, number>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));

describe('native figures', () => {
  it('subtract the bookkeeping and the baseline; keep the parts', () => {
    const base = nativeBaseline(line({ rss: 1500, vm: 9000, maps: 30, bkrss: 500, bkvm: 4000, bkmaps: 2 }));
    expect(base).toEqual({ rss: 1000, vmSize: 5000, mappings: 28 });
    const peaks = nativePeaksNew();
    const f = nativeFiguresOf(line({ rss: 11000, vm: 29000, maps: 40, bkrss: 2000, bkvm: 4000, bkmaps: 2, hwm: 15000, vmpeak: 30000, allocs: 10, frees: 4, remote: 3, threads: 2, live: 1 }), base, peaks);
    expect(f).toMatchObject({ rss: 8000, vmSize: 20000, mappings: 10, peakRss: 12000, peakVmSize: 21000, peakMappings: 10, blocksAllocated: 10, blocksFreed: 4, liveBlocks: 6, remoteFrees: 3, threadsStarted: 2, threadsLive: 1 });
    expect(f.process).toEqual({ rss: 11000, vmSize: 29000, mappings: 40, peakRss: 15000, peakVmSize: 30000 });
    expect(f.bookkeeping).toEqual({ rss: 2000, vmSize: 4000, mappings: 2 });
    const later = nativeFiguresOf(line({ rss: 5000, vm: 9000, maps: 31, bkrss: 2000, bkvm: 4000, bkmaps: 2, hwm: 15000, vmpeak: 30000 }), base, peaks);
    expect(later.rss).toBe(2000);
    expect(later.peakRss).toBe(12000);
    expect(later.peakMappings).toBe(10);
  });

  it('OOM and crash in words', () => {
    expect(nativeOomOf(line({ idx: 5, tid: 2, op: 4, size: 64, errno: 12 }))).toEqual({ event: 5, tid: 2, op: 'memalign', size: 64, errno: 12, reason: 'memalign returned NULL (ENOMEM)' });
    expect(nativeOomOf(line({ idx: 9, tid: 3, op: 5, size: 0, errno: 11 })).reason).toBe('pthread_create failed (EAGAIN)');
    expect(nativeCrashOf('SIGSEGV', line({ sig: 11, idx: 7, tid: 1, op: 1 }), 100, 'boom')).toEqual({ signal: 'SIGSEGV', event: 7, tid: 1, op: 'free', eventsSent: 100, stderr: 'boom' });
    expect(nativeCrashOf('SIGKILL', null, 100, '')).toMatchObject({ signal: 'SIGKILL', event: null, op: null });
  });
});
