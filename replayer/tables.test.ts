// What a replay leaves to look at (issue 11): the timeline sampled by event index, the per-class and
// per-thread tables — through replayRun, on generated traces.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordWorkload } from '../recorder/index.js';
import { createTraceWriter } from '../traces/index.js';
import { replayRun, TIMELINE_COLUMNS } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-tables-'));
const battle = join(dir, 'battle.pb');
const larson = join(dir, 'larson.pb');

beforeAll(async () => {
  await recordWorkload('battle', [], battle, { scales: '100K,500K' });
  await recordWorkload('larson', ['10', '8', '128', '1024', '1', '12345', '4'], larson, { ops: 200_000 });
}, 120_000);

describe('timeline', () => {
  it('about 2,000 samples by event index, increasing, with a row at every mark equal to the mark figures', async () => {
    const r = await replayRun(battle, { preset: 'hakmem-7.7' });
    const t = r.timeline!;
    expect(t.columns.slice(0, TIMELINE_COLUMNS.length)).toEqual([...TIMELINE_COLUMNS]);
    expect(t.columns).toContain('class16');
    expect(t.rows.length).toBeGreaterThan(1000);
    expect(t.rows.length).toBeLessThan(4200);
    for (let i = 1; i < t.rows.length; i++) expect(t.rows[i]![0]!).toBeGreaterThanOrEqual(t.rows[i - 1]![0]!);
    expect(t.rows[t.rows.length - 1]![0]).toBe(r.events);
    const col = (name: string): number => t.columns.indexOf(name);
    const markRows = t.rows.filter((_, i) => t.atMark[i] === 1);
    expect(markRows).toHaveLength(r.marks.length);
    r.marks.forEach((m, i) => {
      const row = markRows[i]!;
      expect(row[0]).toBe(m.event + 1);
      expect([row[col('rss')], row[col('vmSize')], row[col('mappings')], row[col('ssLive')], row[col('liveBlocks')]])
        .toEqual([m.rss, m.vmSize, m.mappings, m.ssLive, m.liveBlocks]);
    });
  });

  it('--timeline-every N samples every N events, the same on a second run', async () => {
    const a = await replayRun(battle, { preset: 'hakmem-7.7', timelineEvery: 100_000 });
    const b = await replayRun(battle, { preset: 'hakmem-7.7', timelineEvery: 100_000 });
    const regular = a.timeline!.rows.filter((_, i) => a.timeline!.atMark[i] === 0).map((row) => row[0]!);
    expect(regular.slice(0, 3)).toEqual([0, 100_000, 200_000]);
    expect(b.timeline).toEqual(a.timeline);
  });
});

describe('tables', () => {
  it('per thread: every incarnation, its counters, and what became of it (larson never joins: leaked)', async () => {
    const r = await replayRun(larson, { preset: 'hakmem-larson-fix' });
    const rows = r.threads!;
    const states = new Map<string, number>();
    for (const t of rows) states.set(t.state, (states.get(t.state) ?? 0) + 1);
    expect(rows[0]).toMatchObject({ tid: 0, state: 'running' });
    expect(states.get('running')).toBe(1); // main; the generator exits the last 4 workers at the end
    expect(states.get('leaked')).toBe(rows.length - 1);
    const worker = rows[1]!;
    expect(worker.allocs).toBeGreaterThan(0);
    expect(worker.liveBlocks).toBe(worker.allocs - worker.frees);
    expect(rows.reduce((n, t) => n + t.remoteFreesSent, 0)).toBe(r.final.remoteFrees);
    expect(rows.reduce((n, t) => n + t.allocs, 0)).toBe(r.final.blocksAllocated);
  });

  it('joined and detached threads are labelled so; a v1 trace counts its threads as joined', async () => {
    const f2 = join(dir, 'life.pb');
    const w = createTraceWriter(f2, { workload: 'life', recorder: 'test' });
    for (const t of [1, 2, 3]) w.threadStart(t);
    w.threadDetach(2, 2);
    for (const t of [1, 2, 3]) { w.free(t, w.alloc(t, 32)); w.threadExit(t); }
    w.threadJoin(0, 1);
    await w.close();
    const r = await replayRun(f2, { preset: 'hakmem-7.7' });
    expect(r.threads!.map((t) => [t.tid, t.state])).toEqual([[0, 'running'], [1, 'joined'], [2, 'detached'], [3, 'leaked']]);
    const f1 = join(dir, 'life1.pb');
    const w1 = createTraceWriter(f1, { workload: 'life', recorder: 'test', formatVersion: 1 });
    w1.threadStart(1); w1.free(1, w1.alloc(1, 32)); w1.threadExit(1);
    await w1.close();
    expect((await replayRun(f1, { preset: 'hakmem-7.7' })).threads!.map((t) => t.state)).toEqual(['running', 'joined']);
  });

  it('per class: live blocks add up to the live small blocks; remote-pending blocks are counted', async () => {
    const r = await replayRun(larson, { preset: 'hakmem-larson-bug' });
    const c = r.classes!;
    expect(c.map((x) => x.size)).toEqual([16, 32, 64, 128, 256, 512, 1024, 2048]);
    expect(c.reduce((n, x) => n + x.liveBlocks, 0)).toBe(r.final.liveBlocks);
    expect(c.reduce((n, x) => n + x.remotePending, 0)).toBe(r.final.remoteFreesPending);
    expect(r.final.remoteFreesPending).toBeGreaterThan(0);
  });
});
