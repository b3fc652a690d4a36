// The timeline recorder: thinning by regular samples only, the first marks kept, the end always last.
import { describe, expect, it } from 'vitest';
import { TIMELINE_TARGET, TimelineRecorder } from './timeline.js';

const stats = (v: number) => ({
  rss: v, vmSize: v, mappings: 1, ssLive: 1, ssAllocated: 1, ssFreed: 0, ssEmptyReserved: 0,
  liveBlocks: v, bytesAllocated: v, bytesFreed: 0, remoteFreesPending: 0, classes: [{ size: 16, liveBlocks: v }],
});

/** Replays `events` events with a mark every `markEvery` (0: none), sampling as the replay does. */
function record(events: number, markEvery: number): ReturnType<TimelineRecorder['result']> {
  const t = TimelineRecorder.create(undefined, 0);
  for (let e = 0; e < events; e++) {
    if (e >= t.next) t.sample(e, stats(e), false);
    if (markEvery > 0 && e % markEvery === markEvery - 1) t.sample(e + 1, stats(e + 1), true);
  }
  t.sampleEnd(events, stats(events));
  return t.result();
}

describe('TimelineRecorder', () => {
  it('a trace of many marks keeps its regular samples and ends at its last event', () => {
    // 200,000 marks: the first 10,000 have rows; they must not thin the interval samples away
    const r = record(200_002, 1);
    expect(r.rows[r.rows.length - 1]![0]).toBe(200_002);
    const regular = r.rows.filter((_, i) => r.atMark[i] === 0).map((row) => row[0]!);
    expect(regular.length).toBeGreaterThan(2);
    expect(regular[regular.length - 2]).toBeGreaterThan(150_000); // interval samples across the whole replay
    expect(r.atMark.filter((m) => m === 1).length).toBe(10_000);
  });

  it('thins to about TIMELINE_TARGET regular samples, events increasing, the end last', () => {
    const r = record(100_000_000, 0); // no event count known: 16,384 apart, thinned past 2 × TIMELINE_TARGET
    const events = r.rows.map((row) => row[0]!);
    expect(events[events.length - 1]).toBe(100_000_000);
    for (let i = 1; i < events.length; i++) expect(events[i]).toBeGreaterThan(events[i - 1]!);
    expect(r.rows.length).toBeGreaterThanOrEqual(TIMELINE_TARGET);
    expect(r.rows.length).toBeLessThanOrEqual(2 * TIMELINE_TARGET + 1);
  });
});
