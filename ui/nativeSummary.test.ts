// The summary of a native replay: the model's rows where they apply, the library, how RSS is derived,
// the mark table within 80 columns, the OOM and crash reports; side by side with model results in one
// compare table (model-only rows blank in native columns, SS live '—').
import { describe, expect, it } from 'vitest';
import type { NativeMark, NativeReplayResult } from '../replayer/index.js';
import { fixResult } from './dashboard/fixtures.js';
import { summaryCompare, summaryText } from './summary.js';

const MiB = 2 ** 20;
const fig = { rss: 38 * MiB, peakRss: 39 * MiB, vmSize: 40 * MiB, peakVmSize: 41 * MiB, mappings: 2, peakMappings: 3, blocksAllocated: 1_000_001, blocksFreed: 0, liveBlocks: 1_000_001, remoteFrees: 0, process: { rss: 48 * MiB, vmSize: 60 * MiB, mappings: 28, peakRss: 50 * MiB, peakVmSize: 61 * MiB }, bookkeeping: { rss: 9 * MiB, vmSize: 9 * MiB, mappings: 2 }, threadsStarted: 0, threadsLive: 0 };
const marks: NativeMark[] = ['measure-peak@100K', 'flush@100K', 'measure-after@5M'].map((name, i) => ({ ...fig, name, event: 12_200_021 + i }));

function nativeResult(over: Partial<NativeReplayResult> = {}): NativeReplayResult {
  return {
    file: '/tmp/battle.pb', workload: 'battle', workloadParams: {},
    native: { allocator: 'mimalloc', library: '/lib/x86_64-linux-gnu/libmimalloc.so.2', version: '2.0.9', rssNote: 'RSS is the allocator\'s', touch: 'pages', baseline: { rss: 1.2 * MiB, vmSize: 3 * MiB, mappings: 24 }, pipeBytesPerEvent: 9, cpuSeconds: 0.5, inputWaitSeconds: 0.1, statsSeconds: 0.01, validateSeconds: 0.3 },
    events: 17_200_025, totalEvents: 17_200_025, wallSeconds: 0.5, eventsPerSec: 34_400_050, complete: true, partial: false, stoppedAt: null, skipped: 0, truncated: false,
    traceCheck: { digestStatus: 'verified', footerMismatches: [] },
    final: fig, marks, oom: null, oomCount: 0, crash: null, ...over,
  };
}

describe('native summary', () => {
  it('prints the shared rows, the library, the RSS note and a mark table within 80 columns', () => {
    const text = summaryText(nativeResult());
    expect(text).toContain('through mimalloc (native)');
    expect(text).toMatch(/state\s+done/);
    expect(text).toMatch(/events\/s\s+34\.4 M/);
    expect(text).toMatch(/allocator\s+\/lib\/x86_64-linux-gnu\/libmimalloc\.so\.2 2\.0\.9/);
    expect(text).toContain('RSS is the allocator\'s');
    expect(text).not.toMatch(/SuperSlabs|digest/);
    const lines = text.split('\n');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('mark ')));
    expect(table.length).toBeGreaterThan(marks.length);
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('reports an OOM and a crash with the event, thread and op', () => {
    const oom = summaryText(nativeResult({ oom: { event: 5, tid: 2, op: 'alloc', size: 2 ** 40, reason: 'alloc returned NULL (ENOMEM)', errno: 12 }, oomCount: 1, complete: false }));
    expect(oom).toMatch(/OUT OF MEMORY at event 5: alloc of 1\.00 TiB by thread 2/);
    expect(oom).toContain('alloc returned NULL (ENOMEM)');
    const crash = summaryText(nativeResult({ crash: { signal: 'SIGSEGV', event: 10, tid: 0, op: 'alloc', eventsSent: 12, stderr: 'Segmentation fault' }, complete: false }));
    expect(crash).toMatch(/state\s+CRASHED: SIGSEGV at event 10/);
    expect(crash).toContain('died of SIGSEGV while performing event 10 (alloc by thread 0)');
  });

  it('sits beside model results in one compare table', () => {
    const text = summaryCompare([fixResult({ preset: 'hakmem-7.7', oom: null }), nativeResult()]);
    const header = text.split('\n').find((l) => l.includes('hakmem-7.7'))!;
    expect(header).toContain('mimalloc (native)');
    expect(text).toMatch(/SS alloc \/ freed \/ live/);
    expect(text).toMatch(/allocator\s+\/lib/);
    expect(text).toMatch(/mimalloc \(native\) RSS\s+SS live/);
    expect(text).toMatch(/measure-peak@100K.*—/);
  });
});
