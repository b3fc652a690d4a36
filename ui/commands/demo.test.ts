// The demo's closing sentence: figures with thousands separators (like the side-by-side table), the
// verdict, and the wrapping used on a terminal.
import { describe, expect, it } from 'vitest';
import type { ReplayFigures, ReplayOom } from '../../replayer/index.js';
import { demoConclusion, demoReproduced, demoWrap } from './demo.js';

const OOM = {
  event: 22_414_389, ssAllocated: 43_672,
  reason: 'pthread_create failed: its stack could not be mapped: the VMA limit (vm.max_map_count) is reached',
} as ReplayOom;
const bug = { preset: 'hakmem-larson-bug', oom: OOM, final: { ssFreed: 0 } as ReplayFigures };
const fix = { preset: 'hakmem-larson-fix', oom: null, final: { ssLive: 234, ssFreed: 93_526, ssAllocated: 93_760 } as ReplayFigures };

describe('demo conclusion', () => {
  it('says what reproduced, with thousands separators', () => {
    expect(demoReproduced(bug, fix)).toBe(true);
    const text = demoConclusion(bug, fix);
    expect(text).toBe('Reproduced: under hakmem-larson-bug, at event 22,414,389, pthread_create failed: its stack could not be mapped: '
      + 'the VMA limit (vm.max_map_count) is reached, with 43,672 SuperSlabs allocated and 0 freed; under hakmem-larson-fix the same '
      + 'trace ran to the end with 234 live SuperSlabs (93,526 freed of 93,760).');
    expect(text).not.toMatch(/\d{4}/);
  });

  it('says when it did not reproduce', () => {
    expect(demoReproduced({ ...bug, oom: null }, fix)).toBe(false);
    expect(demoConclusion(bug, { ...fix, oom: OOM })).toMatch(/^NOT reproduced.*ran out of memory too/);
    expect(demoConclusion({ ...bug, oom: null }, fix)).toMatch(/never reached the 65,530-VMA limit.*--ops/);
  });

  it('wraps at spaces within the width', () => {
    const lines = demoWrap(demoConclusion(bug, fix), 80).split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.join(' ')).toBe(demoConclusion(bug, fix));
    expect(demoWrap('a verylongword b', 4)).toBe('a\nverylongword\nb');
  });
});
