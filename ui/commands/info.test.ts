// The text form of `info`: the format version on the trace line and the thread lifecycle line
// (joins, detaches, leaks; for a version-1 trace, that threads are treated as joined at exit).

import { describe, expect, it } from 'vitest';
import type { TraceInfo } from '../../replayer/index.js';
import { infoLifecycleText, infoText } from './info.js';

const base: TraceInfo = {
  file: 't.pb', format: 'pb', formatVersion: 2, gzip: false, workload: 'w', args: [], params: {}, recorder: 'r', seed: 0,
  events: 10, ops: { thread_start: 3 }, threads: 4, threadGenerations: 3, maxConcurrentThreads: 4,
  threadLifecycle: { started: 3, exited: 2, joined: 1, detached: 1, leaked: 1, liveAtEnd: 2, joinedAtExit: false },
  peakLiveObjects: 0, peakLiveBytes: 0, bytesAllocated: 0, frees: 0, crossThreadFrees: 0, crossThreadFreeShare: 0,
  sizeHistogram: {}, marks: [], markCount: 0, fileBytes: 100, bytesPerEvent: 10, complete: true, digest: null, digestStatus: "unchecked", footerMismatches: [], skipped: 0,
};

describe('info text', () => {
  it('shows the format version and the lifecycle counts', () => {
    const text = infoText(base);
    expect(text).toMatch(/format version 2/);
    expect(text).toMatch(/lifecycle {2}3 started, 2 exited, 1 joined, 1 detached, 1 leaked \(exited, never joined or detached\), 2 live at the end/);
  });

  it('says that a version-1 trace treats threads as joined at exit', () => {
    const l = infoLifecycleText({ ...base.threadLifecycle, joined: 0, detached: 0, leaked: 0, joinedAtExit: true });
    expect(l).toBe('3 started, 2 exited, 2 live at the end (format version 1: no join/detach events, threads are treated as joined at exit)');
    expect(infoText({ ...base, formatVersion: 1 })).toMatch(/format version 1/);
  });
});
