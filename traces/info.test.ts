// `info`'s summary of the thread lifecycle: format version, starts, exits, joins, detaches, leaked
// incarnations (including those restarted while unreleased), threads live at the end; a version-1
// trace reports its threads as joined at exit.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTraceWriter, type TraceInfo, type TraceInfoOptions } from './index.js';
import { traceInfo as traceInfoBy } from './info.js';

/** The allocator's default size classes (what its callers pass). */
const SIZE_CLASSES = [16, 32, 64, 128, 256, 512, 1024, 2048];
const traceInfo = (p: string, opts: Partial<TraceInfoOptions> = {}): Promise<TraceInfo> => traceInfoBy(p, { sizeClasses: SIZE_CLASSES, ...opts });

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('traceInfo thread lifecycle', () => {
  it('counts joins, detaches, leaks and live threads of a version-2 trace', async () => {
    const p = join(dir, 'v2.pb');
    const w = createTraceWriter(p, { workload: 'life', recorder: 'test' });
    for (const t of [1, 2, 3, 4, 5]) w.threadStart(t);
    w.threadDetach(2, 2); // released at its exit
    for (const t of [1, 2, 3, 4]) w.threadExit(t);
    w.threadJoin(0, 1);
    w.threadDetach(0, 3); // released now
    w.threadStart(4); // the exited, unreleased 4 is leaked
    w.threadExit(4); // and so is this one, never joined by the end
    w.threadStart(6);
    await w.close();
    const info = await traceInfo(p);
    expect(info.formatVersion).toBe(2);
    expect(info.threadLifecycle).toEqual({ started: 7, exited: 5, joined: 1, detached: 2, leaked: 2, liveAtEnd: 3, joinedAtExit: false });
    expect(info.ops.thread_join).toBe(1);
    expect(info.ops.thread_detach).toBe(2);
    expect(info.threads).toBe(7);
  });

  it('treats the threads of a version-1 trace as joined at exit', async () => {
    const p = join(dir, 'v1.jsonl');
    const w = createTraceWriter(p, { workload: 'old', recorder: 'test', formatVersion: 1 });
    w.threadStart(1);
    w.threadExit(1);
    w.threadStart(1);
    await w.close();
    const info = await traceInfo(p);
    expect(info.formatVersion).toBe(1);
    expect(info.threadLifecycle).toEqual({ started: 2, exited: 1, joined: 0, detached: 0, leaked: 0, liveAtEnd: 2, joinedAtExit: true });
  });
});

describe('info with very many marks (issue 14 #8)', () => {
  it('lists the first 10,000 marks and counts them all', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slabtrace-info-')), 'marks.pb');
    const w = createTraceWriter(file, { workload: 'marks', recorder: 'test' });
    for (let i = 0; i < 30_000; i++) w.mark(0, `m${i}`);
    await w.close();
    const info = await traceInfo(file);
    expect(info.markCount).toBe(30_000);
    expect(info.marks).toHaveLength(10_000);
    expect(info.marks[9_999]).toEqual({ name: 'm9999', event: 9_999 });
  });
});

describe('info sizes and call stacks', () => {
  it('counts sizes by the classes the caller passes', async () => {
    const p = join(dir, 'sizes.pb');
    const w = createTraceWriter(p, { workload: 'sizes', recorder: 'test' });
    for (const s of [1, 8, 9, 100, 101, 5000]) w.alloc(0, s);
    await w.close();
    const info = await traceInfo(p, { sizeClasses: [8, 100] });
    expect(info.sizeHistogram).toEqual({ 8: 2, 100: 2, large: 2 });
    expect(info.callStacks).toBeNull();
  });

  it('says how deep the call stacks are and how many are defined', async () => {
    const p = join(dir, 'stacks.pb');
    const w = createTraceWriter(p, { workload: 'stacks', recorder: 'test', stackDepth: 8 });
    const a = w.defineStack(['f (a.c:1)', 'main (a.c:9)']);
    const b = w.defineStack(['g (a.c:2)', 'main (a.c:9)']);
    w.alloc(0, 16, a);
    w.alloc(0, 32, b);
    await w.close();
    const info = await traceInfo(p);
    expect(info.callStacks).toEqual({ depth: 8, defined: 2 });
  });
});
