// The text form of `info`: the format version on the trace line and the thread lifecycle line
// (joins, detaches, leaks; for a version-1 trace, that threads are treated as joined at exit); the
// call stacks line (depth and stacks defined, or none); the size classes as the trace info lists them;
// --top-sites tables (a trace with stacks, and the hint for one without).

import { describe, expect, it } from 'vitest';
import type { TraceInfo } from '../../replayer/index.js';
import type { TraceSitesResult } from '../../traces/index.js';
import { infoLifecycleText, infoSitesText, infoStacksText, infoText, infoTopCount } from './info.js';

const base: TraceInfo = {
  file: 't.pb', format: 'pb', formatVersion: 2, gzip: false, workload: 'w', args: [], params: {}, recorder: 'r', seed: 0,
  events: 10, ops: { thread_start: 3 }, threads: 4, threadGenerations: 3, maxConcurrentThreads: 4,
  threadLifecycle: { started: 3, exited: 2, joined: 1, detached: 1, leaked: 1, liveAtEnd: 2, joinedAtExit: false },
  peakLiveObjects: 0, peakLiveBytes: 0, bytesAllocated: 0, frees: 0, crossThreadFrees: 0, crossThreadFreeShare: 0,
  sizeHistogram: {}, marks: [], markCount: 0, fileBytes: 100, bytesPerEvent: 10, callStacks: null, complete: true, digest: null, digestStatus: "unchecked", footerMismatches: [], skipped: 0,
};

describe('info text', () => {
  it('shows the format version and the lifecycle counts', () => {
    const text = infoText(base);
    expect(text).toMatch(/format version 2/);
    expect(text).toMatch(/lifecycle {2}3 started, 2 exited, 1 joined, 1 detached, 1 leaked \(exited, never joined or detached\), 2 live at the end/);
  });

  it('says whether the trace has call stacks: their depth and how many are defined', () => {
    expect(infoText(base)).toMatch(/\nstacks {5}none \(record exec --stacks records them\)\n/);
    expect(infoStacksText({ depth: 16, defined: 1234 })).toBe('1,234 defined, at most 16 frames each (--top-sites lists the sites)');
    expect(infoText({ ...base, callStacks: { depth: 16, defined: 3 } })).toMatch(/\nstacks {5}3 defined, at most 16 frames each/);
  });

  it('labels the size classes by the ones the summary was made with', () => {
    const text = infoText({ ...base, sizeHistogram: { 8: 1, 100: 0, large: 2 } });
    expect(text).toMatch(/<= 8 +1\n/);
    expect(text).toMatch(/> 100 +2\n/);
  });

  it('says that a version-1 trace treats threads as joined at exit', () => {
    const l = infoLifecycleText({ ...base.threadLifecycle, joined: 0, detached: 0, leaked: 0, joinedAtExit: true });
    expect(l).toBe('3 started, 2 exited, 2 live at the end (format version 1: no join/detach events, threads are treated as joined at exit)');
    expect(infoText({ ...base, formatVersion: 1 })).toMatch(/format version 1/);
  });
});

describe('info --top-sites', () => {
  const sites: TraceSitesResult = {
    hasStacks: true, stacks: 3, peakLiveBytes: 300_000, peakEvent: 140, endLiveBytes: 100_000,
    atPeak: [
      { stack: 2, frames: ['burst_one (s.c:6)', 'burst (s.c:9)', 'main (s.c:14)', '__libc_start_call_main (libc-start.c:58)'], peakBytes: 200_000, endBytes: 0, allocations: 40, bytesAllocated: 200_000 },
      { stack: 1, frames: ['keep_small (s.c:5)', 'main (s.c:13)'], peakBytes: 100_000, endBytes: 100_000, allocations: 100, bytesAllocated: 100_000 },
    ],
    atEnd: [{ stack: 1, frames: ['keep_small (s.c:5)', 'main (s.c:13)'], peakBytes: 100_000, endBytes: 100_000, allocations: 100, bytesAllocated: 100_000 }],
  };

  it('lists the sites at the peak and at the end by their innermost frames, with shares and counts', () => {
    const t = infoSitesText(sites);
    expect(t).toMatch(/top sites {2}3 stacks; peak 293 KiB live at event 140, 97.7 KiB live at the end/);
    expect(t).toMatch(/195 KiB +66.7% +40 +burst_one \(s\.c:6\) ← burst \(s\.c:9\) ← main \(s\.c:14\) ← …/);
    expect(t.split('\nat the end\n')[1]).toMatch(/97.7 KiB +100.0% +100 +keep_small \(s\.c:5\) ← main \(s\.c:13\)\n/);
  });

  it('says how to get stacks for a trace without them; parses N', () => {
    expect(infoSitesText({ ...sites, hasStacks: false })).toMatch(/no call stacks \(record it with: slabtrace record exec --stacks/);
    expect([infoTopCount(undefined), infoTopCount(true), infoTopCount('3')]).toEqual([0, 10, 3]);
    expect(() => infoTopCount('x')).toThrow(/--top-sites must be a positive integer/);
  });
});
