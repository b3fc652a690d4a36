import { describe, expect, it } from 'vitest';
import { speedNext, SPEED_LEVELS } from './speed.js';
import { textBar, textFit, textPath, textSparkline, textTable } from './text.js';

describe('text helpers', () => {
  it('fits text to an exact width', () => {
    expect(textFit('abc', 5)).toBe('abc  ');
    expect(textFit('abc', 5, 'right')).toBe('  abc');
    expect(textFit('abcdef', 4)).toBe('abc…');
    expect(textFit('abc', 0)).toBe('');
  });

  it('draws sparklines no wider than asked, scaled to the maximum', () => {
    expect(textSparkline([0, 1, 2, 4], 10)).toBe('▁▃▅█');
    expect(textSparkline([], 10)).toBe('');
    expect(textSparkline([0, 0], 5)).toBe('▁▁');
    const long = Array.from({ length: 1000 }, (_, i) => i);
    const s = textSparkline(long, 37);
    expect(s).toHaveLength(37);
    expect(s.endsWith('█')).toBe(true);
  });

  it('scales sparklines to a given top (a gauge over time)', () => {
    expect(textSparkline([0, 50, 100], 3, 100)).toBe('▁▅█');
    expect(textSparkline([0, 10, 20], 3, 100)).toBe('▁▂▂');
    expect(textSparkline([200], 1, 100)).toBe('█');
  });

  it('fits a path: whole, else its file name, else the file name cut in the middle', () => {
    expect(textPath('/tmp/a.pb', 20)).toBe('/tmp/a.pb');
    expect(textPath('/tmp/slabtrace-demo/larson.pb', 20)).toBe('larson.pb');
    expect(textPath('/tmp/larson-10-8-128-1024.pb', 12)).toBe('larson…24.pb');
    expect(textPath('/tmp/larson-10-8-128-1024.pb', 12)).toHaveLength(12);
  });

  it('draws bars of the exact width, clamped', () => {
    expect(textBar(0.5, 10)).toBe('█████░░░░░');
    expect(textBar(2, 4)).toBe('████');
    expect(textBar(NaN, 3)).toBe('░░░');
  });

  it('drops table columns that do not fit', () => {
    const cols = [{ title: 'a' }, { title: 'bbbb' }, { title: 'cccccc' }];
    const wide = textTable(cols, [['1', '2', '3']], 40);
    expect(wide[0]).toBe('a  bbbb  cccccc');
    const narrow = textTable(cols, [['1', '2', '3']], 10);
    expect(narrow[0]).toBe('a  bbbb');
    expect(narrow[1]).toBe('1     2');
  });
});

describe('speed steps', () => {
  it('slows down from unthrottled to just below the measured rate, then level by level', () => {
    expect(speedNext(0, -1, 2_500_000)).toBe(1_000_000);
    expect(speedNext(1_000_000, -1, 0)).toBe(300_000);
    expect(speedNext(SPEED_LEVELS[0], -1, 0)).toBe(SPEED_LEVELS[0]);
  });

  it('speeds up level by level and past the top to unthrottled', () => {
    expect(speedNext(300_000, 1, 0)).toBe(1_000_000);
    expect(speedNext(SPEED_LEVELS[SPEED_LEVELS.length - 1], 1, 0)).toBe(0);
    expect(speedNext(0, 1, 5)).toBe(0);
  });
});
