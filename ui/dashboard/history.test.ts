// The dashboard's history: indexed by events (a pause adds nothing), bounded, resampled onto sparkline
// columns by event index, rebuilt from the replay's timeline; and the time-based event rate.
import { describe, expect, it } from 'vitest';
import { historyColumns, historyCreate, historyFromTimeline, historyPush, historyRate, HISTORY_MAX, type HistorySample } from './history.js';

const at = (v: number): HistorySample => ({ rss: v, vmSize: 2 * v, mappings: v % 7, ssLive: v });

describe('history', () => {
  it('keeps the whole replay in bounded space by merging neighbours (later event, larger values)', () => {
    const h = historyCreate();
    for (let i = 1; i <= 5000; i++) historyPush(h, i, i * 10, at(i));
    expect(h.events.length).toBeLessThanOrEqual(HISTORY_MAX);
    expect(h.events.length).toBeGreaterThan(HISTORY_MAX / 4);
    for (const k of ['rss', 'vmSize', 'mappings', 'ssLive'] as const) expect(h[k]).toHaveLength(h.events.length);
    expect(h.events[h.events.length - 1]).toBe(50_000);
    expect(h.rss[h.rss.length - 1]).toBe(5000);
    expect(Math.max(...h.mappings)).toBe(6);
    for (let i = 1; i < h.events.length; i++) expect(h.events[i]).toBeGreaterThan(h.events[i - 1]);
  });

  it('is indexed by events: polls during a pause add no sample', () => {
    const h = historyCreate();
    historyPush(h, 0, 1000, at(1));
    for (let t = 500; t <= 10_000; t += 500) historyPush(h, t, 2000, at(2));
    historyPush(h, 10_500, 3000, at(3));
    expect(h.events).toEqual([1000, 2000, 3000]);
    expect(h.rss).toEqual([1, 2, 3]);
  });

  it('takes no sample before the allocator exists, but counts the rate', () => {
    const h = historyCreate();
    historyPush(h, 0, 0, null);
    historyPush(h, 500, 1000, null);
    expect(h.events).toEqual([]);
    expect(historyRate(h)).toBe(2000);
  });

  it('measures the event rate over its window', () => {
    const h = historyCreate();
    expect(historyRate(h)).toBe(0);
    historyPush(h, 0, 0, null);
    historyPush(h, 500, 1000, null);
    historyPush(h, 1000, 2000, null);
    expect(historyRate(h)).toBe(2000);
    historyPush(h, 10_000, 2000, null);
    expect(historyRate(h)).toBe(0);
  });

  it('resamples onto columns by event index: a sample per column, interpolated between', () => {
    expect(historyColumns([], [], 10)).toEqual([]);
    expect(historyColumns([0], [5], 10)).toEqual([5]);
    // samples at 100 and 400 of 0..400 over 4 columns (right edges 100, 200, 300, 400)
    expect(historyColumns([100, 400], [10, 40], 4)).toEqual([10, 20, 30, 40]);
    // the largest sample inside a column wins
    expect(historyColumns([10, 20, 30, 40], [1, 9, 2, 3], 2)).toEqual([9, 3]);
    // before the first sample: its value
    expect(historyColumns([300, 400], [7, 8], 4)).toEqual([7, 7, 7, 8]);
    // uneven polling does not bend the x axis: a linear series stays linear
    const cols = historyColumns([1000, 1100, 1200, 8000], [1000, 1100, 1200, 8000], 8);
    expect(cols).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
  });

  it('is rebuilt from the replay timeline, keeping the rate', () => {
    const rate = [{ t: 0, events: 0 }, { t: 1000, events: 5000 }];
    const timeline = {
      columns: ['event', 'rss', 'vmSize', 'mappings', 'ssLive', 'ssAllocated'],
      rows: [[0, 1, 2, 3, 4, 5], [100, 11, 12, 13, 14, 15], [100, 21, 22, 23, 24, 25], [200, 31, 32, 33, 34, 35]],
    };
    const h = historyFromTimeline(timeline, rate)!;
    expect(h.events).toEqual([0, 100, 200]);
    expect(h.rss).toEqual([1, 21, 31]);
    expect(h.vmSize).toEqual([2, 22, 32]);
    expect(h.mappings).toEqual([3, 23, 33]);
    expect(h.ssLive).toEqual([4, 24, 34]);
    expect(historyRate(h)).toBe(5000);
    expect(historyFromTimeline(undefined, rate)).toBeNull();
    expect(historyFromTimeline({ columns: ['event', 'rss'], rows: [[1, 2]] }, rate)).toBeNull();
    expect(historyFromTimeline({ columns: timeline.columns, rows: [] }, rate)).toBeNull();
  });
});
