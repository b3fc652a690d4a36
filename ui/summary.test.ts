// The plain summary: figures, the OOM report and the mark table, within 80 columns for the battle
// table's mark names; side by side, every preset's marks (the union, not the first result's).

import { describe, expect, it } from 'vitest';
import { fixResult, FIX_MARK, FIX_OOM } from './dashboard/fixtures.js';
import { summaryCompare, summaryText } from './summary.js';

const battleMarks = ['measure-peak@100K', 'flush@100K', 'measure-after@100K', 'measure-peak@5M', 'flush@5M', 'measure-after@5M']
  .map((name, i) => ({ ...FIX_MARK, name, event: 1_000_000 * (i + 1), rss: 150 * 2 ** 20, vmSize: 160 * 2 ** 20, ssLive: 75, ssAllocated: 1234, ssFreed: 1159, liveBlocks: 5_000_000 }));

describe('summaryText', () => {
  it('prints the figures and a mark table that fits 80 columns', () => {
    const text = summaryText(fixResult({ marks: battleMarks, oom: null }));
    expect(text).toMatch(/state\s+done/);
    expect(text).toContain('measure-after@100K');
    const lines = text.split('\n');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('mark ')));
    expect(table.length).toBeGreaterThan(battleMarks.length);
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('prints the OOM report with the event, op, size, thread, reason and figures', () => {
    const text = summaryText(fixResult({ oom: FIX_OOM, oomCount: 1 }));
    expect(text).toContain(`OUT OF MEMORY at event ${FIX_OOM.event.toLocaleString('en-US')}`);
    expect(text).toContain(FIX_OOM.reason);
    expect(text).toMatch(/mappings [\d,]+ \/ [\d,]+/);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('says when the result is partial', () => {
    expect(summaryText(fixResult({ partial: true, oom: null }))).toMatch(/PARTIAL: stopped by the user/);
  });
});

describe('summaryCompare', () => {
  it('fits the terminal: columns that do not fit go in a further table with the labels; unlimited, one table', () => {
    const a = fixResult({ preset: 'hakmem-larson-bug', marks: battleMarks.slice(0, 2), oom: FIX_OOM, oomCount: 1 });
    const b = fixResult({ preset: 'hakmem-larson-fix', marks: battleMarks.slice(0, 2), oom: null });
    const c = fixResult({ preset: 'hakmem-7.7', marks: battleMarks.slice(0, 2), oom: null });
    const wide = summaryCompare([a, b, c]);
    expect(wide.split('\n').some((l) => l.includes('hakmem-larson-bug') && l.includes('hakmem-7.7'))).toBe(true);
    expect(Math.max(...wide.split('\n').map((l) => l.length))).toBeGreaterThan(80);
    for (const width of [80, 60]) {
      const text = summaryCompare([a, b, c], width);
      const lines = text.split('\n');
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
      for (const t of ['hakmem-larson-bug', 'hakmem-larson-fix', 'hakmem-7.7']) expect(text).toContain(t);
      // every column's table repeats the labels
      expect(lines.filter((l) => l.startsWith('RSS peak / final')).length).toBeGreaterThanOrEqual(2);
      expect(lines.filter((l) => l.startsWith('mark ')).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('lists the marks of the preset that got furthest', () => {
    const short = fixResult({ preset: 'hakmem-larson-bug', marks: battleMarks.slice(0, 1), oom: FIX_OOM });
    const long = fixResult({ preset: 'hakmem-larson-fix', marks: battleMarks, oom: null });
    const text = summaryCompare([short, long]);
    expect(text).toMatch(/hakmem-larson-bug\s+hakmem-larson-fix/);
    expect(text).toContain('measure-after@5M');
    expect(text.split('\n').find((l) => l.startsWith('measure-after@5M'))).toContain('—');
  });
});

describe('many marks (issue 14 #8)', () => {
  it('250,000 marks: the summary shows the first and last 100 and says how many more, without overflowing the stack', () => {
    const marks = Array.from({ length: 250_000 }, (_, i) => ({ ...battleMarks[0]!, name: `m${i}`, event: i }));
    const text = summaryText(fixResult({ marks, oom: null }));
    expect(text).toContain('… 249,800 more marks (--json has them all)');
    expect(text).toContain('m0 ');
    expect(text).toContain('m249999');
    expect(text).not.toContain('m100 ');
    expect(text.split('\n').length).toBeLessThan(260);
    const cmp = summaryCompare([fixResult({ marks, oom: null }), fixResult({ preset: 'hakmem-7.7', marks, oom: null })]);
    expect(cmp).toContain('… 249,800 more marks');
  });
});
