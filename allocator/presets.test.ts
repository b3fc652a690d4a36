// Presets (DESIGN table) and parameter resolution / validation.
import { describe, expect, it } from 'vitest';
import { AllocConfigError, DEFAULT_PARAMS, PRESET_NAMES, PRESETS, presetsJson, resolveParams } from './index.js';

describe('presets', () => {
  it('are exactly the documented stages', () => {
    expect([...PRESET_NAMES]).toEqual(['hakmem-7.5', 'hakmem-7.6', 'hakmem-7.7', 'hakmem-8.1', 'hakmem-8.2', 'hakmem-larson-bug', 'hakmem-larson-fix']);
    const p = (n: (typeof PRESET_NAMES)[number]) => PRESETS[n].params;
    expect(p('hakmem-7.5')).toMatchObject({ emptyDetect: false, trim: 'never', refill: 'fresh', flushMagazines: false });
    expect(p('hakmem-7.6')).toMatchObject({ emptyDetect: true, emptyReserve: 2, refill: 'partial', flushMagazines: false });
    expect(p('hakmem-7.7')).toMatchObject({ emptyReserve: 2, flushMagazines: true });
    expect(p('hakmem-8.1').emptyReserve).toBe(1);
    expect(p('hakmem-8.2').emptyReserve).toBe(0);
    expect(p('hakmem-larson-bug')).toMatchObject({ ssOwnership: 'tls', remoteDecrementsActive: false, trim: 'never', threadExit: 'orphan' });
    expect(p('hakmem-larson-fix')).toMatchObject({ ssOwnership: 'tls', remoteDecrementsActive: true, trim: 'periodic' });
    for (const n of PRESET_NAMES) {
      expect(PRESETS[n].params).toMatchObject({ sizeClasses: [16, 32, 64, 128, 256, 512, 1024, 2048], slabSize: 65536, superSlabSize: 2 * 2 ** 20, magCapacities: [2048, 1024, 768, 512, 256, 256, 128, 64], pageSize: 4096, maxMapCount: 65530 });
      expect(PRESETS[n].models.length).toBeGreaterThan(10);
    }
  });

  it('describe themselves as JSON', () => {
    expect(JSON.parse(JSON.stringify(presetsJson()))[0].name).toBe('hakmem-7.5');
  });
});

describe('resolveParams', () => {
  it('applies typed overrides', () => {
    const p = resolveParams('hakmem-7.7', { emptyReserve: '1', superSlabSize: '1MiB', trim: 'periodic', trimInterval: '1000', flushMagazines: 'false', magCapacities: '8,8,8,8,8,8,8,8' });
    expect(p).toMatchObject({ emptyReserve: 1, superSlabSize: 2 ** 20, trim: 'periodic', trimInterval: 1000, flushMagazines: false, magCapacities: [8, 8, 8, 8, 8, 8, 8, 8] });
    expect(resolveParams('hakmem-7.7', { superSlabSize: '524288' }).superSlabSize).toBe(524288);
    expect(DEFAULT_PARAMS.emptyReserve).toBe(2); // presets are not mutated
  });

  it('rejects an unknown preset, listing the valid ones', () => {
    const e = (() => { try { resolveParams('hakmem-9', {}); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(AllocConfigError);
    expect((e as Error).message).toContain('hakmem-larson-fix');
  });

  it('rejects an unknown parameter, listing the valid names', () => {
    expect(() => resolveParams('hakmem-7.7', { emptyReserves: '1' })).toThrow(/unknown allocator parameter 'emptyReserves'.*emptyReserve/);
  });

  it('rejects bad values, listing the valid values', () => {
    expect(() => resolveParams('hakmem-7.7', { trim: 'sometimes' })).toThrow(/on-empty, flush, periodic, never/);
    expect(() => resolveParams('hakmem-7.7', { flushMagazines: 'maybe' })).toThrow(/true, false/);
    expect(() => resolveParams('hakmem-7.7', { emptyReserve: '-1' })).toThrow(AllocConfigError);
    expect(() => resolveParams('hakmem-7.7', { emptyReserve: 'two' })).toThrow(AllocConfigError);
    expect(() => resolveParams('hakmem-7.7', { superSlabSize: '3MiB' })).toThrow(/power of two/);
    expect(() => resolveParams('hakmem-7.7', { sizeClasses: '16,8' })).toThrow(AllocConfigError);
    expect(() => resolveParams('hakmem-7.7', { magCapacities: '1,2' })).toThrow(/capacities/);
  });
});

describe('names and numbers in --set (issue 15)', () => {
  it('suggests the closest preset or parameter name', () => {
    expect(() => resolveParams('hakmem-larson-bgu')).toThrow(/did you mean 'hakmem-larson-bug'/);
    expect(() => resolveParams('hakmem-7.7', { maxMapCnt: '5' })).toThrow(/did you mean 'maxMapCount'/);
    expect(() => resolveParams('hakmem-7.7', { zzzzzzzz: '5' })).not.toThrow(/did you mean/);
  });

  it('counts take decimal K/M/G, byte sizes binary ones, as on the command line', () => {
    expect(resolveParams('hakmem-7.7', { maxMapCount: '64K' }).maxMapCount).toBe(64_000);
    expect(resolveParams('hakmem-7.7', { memLimit: '64K' }).memLimit).toBe(65_536);
    expect(() => resolveParams('hakmem-7.7', { maxMapCount: '64KiB' })).toThrow(/64K \(K = 1,000\)/);
  });
});
