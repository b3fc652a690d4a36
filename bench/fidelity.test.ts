// The fidelity suite as a test: every published figure the suite replays stays within its target
// (deterministic: seeded recordings, no timing). A change to the model that moves a figure out of its
// target fails here; bench/fidelity.ts says which mechanism produces each figure.
import { describe, expect, it } from 'vitest';
import { fidelityRun, fidelityTable, type FidelityRow } from './fidelity.js';

describe('fidelity: the model against the published figures', () => {
  let rows: FidelityRow[] = [];

  it('replays the experiments (Larson OOM, battle, scaling) and every figure meets its target', async () => {
    rows = await fidelityRun();
    const off = rows.filter((r) => !r.ok).map((r) => `${r.group}: ${r.figure} (published ${r.published}, model ${r.model})`);
    expect(off).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(18);
  }, 180_000);

  it('covers the figures the issue names, with a mechanism for each', () => {
    const names = rows.map((r) => `${r.group}: ${r.figure}`);
    for (const want of [
      'Larson OOM, larson-bug: SuperSlabs allocated at the failing mmap', 'Larson OOM, larson-bug: VmSize at OOM',
      'Larson OOM, larson-bug: VmRSS at OOM', 'Larson OOM, larson-bug: SuperSlabs freed', 'Larson OOM, larson-bug: why mmap failed',
      'battle, 7.7: RSS at measure-peak 5M', 'scaling, 7.5: SuperSlabs for 1.6 M allocations',
      'battle, reserve steps: 8.2 frees one more SuperSlab after free-all than 8.1', 'battle, phantom SuperSlabs: 7.7: SuperSlabs beyond the reserve after free-all + flush',
    ]) expect(names).toContain(want);
    expect(rows.every((r) => r.mechanism.length > 10)).toBe(true);
    const table = fidelityTable(rows);
    expect(table.split('\n')).toHaveLength(rows.length + 2);
  });
});
