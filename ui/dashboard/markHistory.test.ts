import { describe, expect, it } from 'vitest';
import { FIX_MARK } from './fixtures.js';
import { markHistoryAdd, markHistoryCreate, markHistoryTake, MARKS_SHOWN } from './markHistory.js';

const mark = (i: number) => ({ ...FIX_MARK, name: `m${i}`, event: i });

describe('markHistory', () => {
  it('hands over the passed marks once, in order, in batches', () => {
    const h = markHistoryCreate();
    expect(markHistoryTake(h)).toEqual([]);
    markHistoryAdd(h, mark(0));
    markHistoryAdd(h, mark(1));
    expect(markHistoryTake(h).map((x) => (x.kind === 'mark' ? x.mark.name : 'more'))).toEqual(['m0', 'm1']);
    expect(markHistoryTake(h)).toEqual([]);
    markHistoryAdd(h, mark(2));
    expect(markHistoryTake(h).map((x) => (x.kind === 'mark' ? x.mark.name : 'more'))).toEqual(['m2']);
  });

  it('keeps the first MARKS_SHOWN, then one "more" item, whatever the number of marks', () => {
    const h = markHistoryCreate();
    const all = [];
    for (let i = 0; i < 250_000; i++) {
      markHistoryAdd(h, mark(i));
      if (i % 997 === 0) all.push(...markHistoryTake(h));
    }
    all.push(...markHistoryTake(h));
    expect(all.length).toBe(MARKS_SHOWN + 1);
    expect(all.slice(0, MARKS_SHOWN).map((x) => (x.kind === 'mark' ? x.mark.event : -1))).toEqual([...Array(MARKS_SHOWN).keys()]);
    expect(all[MARKS_SHOWN]).toEqual({ kind: 'more' });
    expect(h.pending.length).toBe(0);
  });

  it('no "more" item at exactly MARKS_SHOWN marks', () => {
    const h = markHistoryCreate();
    for (let i = 0; i < MARKS_SHOWN; i++) markHistoryAdd(h, mark(i));
    const got = markHistoryTake(h);
    expect(got.length).toBe(MARKS_SHOWN);
    expect(got.every((x) => x.kind === 'mark')).toBe(true);
  });
});
