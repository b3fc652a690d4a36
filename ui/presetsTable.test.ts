// The presets table: every preset, the parameters that differ as a table, the shared ones after.
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from '../allocator/index.js';
import { presetsTableText } from './presetsTable.js';

describe('presetsTableText', () => {
  it('names every preset, tabulates the differing parameters and lists the common ones', () => {
    const t = presetsTableText();
    for (const n of PRESET_NAMES) expect(t).toContain(n);
    expect(t).toMatch(/^emptyReserve\s+0\s+2\s+2\s+1\s+0/m);
    expect(t).toMatch(/^common: .*carve=eager/m);
  });
});
