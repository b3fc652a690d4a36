// The priority layout: smallest sizes first, upgrades taken in order while they fit, skipped ones not
// stopping smaller later ones, bands as tall as their tallest column, gaps only between visible bands.
import { describe, expect, it } from 'vitest';
import { layoutFit, layoutHeight, layoutShown, type LayoutBand, type LayoutSection, type LayoutUpgrade } from './layout.js';

/** A section whose variants are these heights (richest first). */
const sec = (...heights: number[]): LayoutSection => ({ variants: heights.length, height: (v) => heights[v] });

const SECTIONS = { a: sec(3, 1), b: sec(4, 2, 0), c: sec(5, 0), d: sec(2, 0) };
const BANDS: LayoutBand[] = [
  { id: 'a', columns: [['a']] },
  { id: 'bc', columns: [['b'], ['c']] },
  { id: 'd', columns: [['d']] },
];

describe('layout', () => {
  it('starts from the smallest variants, gaps off', () => {
    const c = layoutFit(SECTIONS, BANDS, [], 100);
    expect(c.variant).toEqual({ a: 1, b: 2, c: 1, d: 1 });
    expect(layoutHeight(SECTIONS, BANDS, c)).toBe(1);
    expect(layoutShown(SECTIONS, BANDS, c).map((s) => s.band.id)).toEqual(['a']);
  });

  it('takes upgrades in order while they fit; a skipped one does not stop a smaller later one', () => {
    const ups: LayoutUpgrade[] = [{ set: { c: 0 } }, { set: { a: 0 } }, { set: { d: 0 } }];
    // c (5) does not fit in 4 with a (1); a to 3 fits (3); d (+2) does not
    expect(layoutFit(SECTIONS, BANDS, ups, 4).variant).toEqual({ a: 0, b: 2, c: 1, d: 1 });
    // in 6: c first (1 + 5), then neither a (+2) nor d (+2)
    expect(layoutFit(SECTIONS, BANDS, ups, 6).variant).toEqual({ a: 1, b: 2, c: 0, d: 1 });
  });

  it('makes a band as tall as its tallest column', () => {
    const c = layoutFit(SECTIONS, BANDS, [{ set: { b: 0, c: 0 } }], 100);
    expect(layoutHeight(SECTIONS, BANDS, c)).toBe(1 + 5);
    const d = layoutFit(SECTIONS, BANDS, [{ set: { b: 0 } }], 100);
    expect(layoutHeight(SECTIONS, BANDS, d)).toBe(1 + 4);
  });

  it('counts a gap only before a visible band that is not the first', () => {
    const ups = [{ gaps: ['a', 'bc', 'd'] }, { set: { d: 0 } }];
    const c = layoutFit(SECTIONS, BANDS, ups, 100);
    expect(layoutShown(SECTIONS, BANDS, c).map((s) => [s.band.id, s.gap])).toEqual([['a', false], ['d', true]]);
    expect(layoutHeight(SECTIONS, BANDS, c)).toBe(1 + 1 + 2);
    // a gap that would not fit is left off, and what follows is still tried
    const tight = layoutFit(SECTIONS, BANDS, [{ set: { d: 0 } }, { gaps: ['d'] }, { set: { a: 0 } }], 3);
    expect(tight.gap.d).toBeFalsy();
    expect(tight.variant.d).toBe(0);
    expect(layoutHeight(SECTIONS, BANDS, tight)).toBe(3);
  });

  it('never downgrades, honours conditions, and stays within the budget', () => {
    const c = layoutFit(SECTIONS, BANDS, [{ set: { b: 0 } }, { set: { b: 1 } }, { set: { d: 0 }, when: (x) => x.variant.b === 1 }], 100);
    expect(c.variant.b).toBe(0);
    expect(c.variant.d).toBe(1);
    for (let budget = 1; budget < 20; budget++) {
      const ups: LayoutUpgrade[] = [{ set: { a: 0 } }, { gaps: ['bc', 'd'] }, { set: { b: 1 } }, { set: { c: 0 } }, { set: { b: 0 } }, { set: { d: 0 } }];
      expect(layoutHeight(SECTIONS, BANDS, layoutFit(SECTIONS, BANDS, ups, budget))).toBeLessThanOrEqual(budget);
    }
  });
});
