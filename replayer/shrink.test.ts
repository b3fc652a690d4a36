// shrink: a Larson trace that runs out of VMAs under the bug preset shrinks to a much smaller valid
// trace that fails the same way (same reason, same failing call, no SuperSlab freed); a trace that does
// not fail, or a --keep that does not hold, is the user's error; a time budget keeps the best so far.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordWorkload } from '../recorder/index.js';
import { openTrace } from '../traces/index.js';
import { replayRun, shrinkTrace, ShrinkError } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-shrink-test-'));
const larson = join(dir, 'larson.pb');
const config = { preset: 'hakmem-larson-bug', overrides: { maxMapCount: '200' } };

beforeAll(async () => {
  await recordWorkload('larson', ['10', '8', '128', '1024', '1', '12345', '4'], larson, { ops: 100_000 });
}, 60_000);

async function countEvents(path: string): Promise<number> {
  const r = await openTrace(path); // validates ids, threads and the digest
  let n = 0;
  for await (const b of r.batches()) n += b.count;
  return n;
}

describe('shrink', () => {
  it('finds a trace at least 10x smaller that fails the same way', async () => {
    const original = await replayRun(larson, config);
    expect(original.oom).not.toBeNull();
    const out = join(dir, 'small.pb');
    const phases = new Set<string>();
    const report = await shrinkTrace(larson, out, { config, parallel: 2, maxChunks: 4, onProgress: (p) => phases.add(p.phase.split(' (')[0]!) });
    expect([...phases]).toEqual(expect.arrayContaining(['threads', 'event windows', 'objects', 'done']));
    const n = await countEvents(out);
    expect(n).toBe(report.output.events);
    expect(report.input.events).toBeGreaterThan(10 * n);
    expect(statSync(out).size).toBeLessThan(statSync(larson).size / 10);
    const again = await replayRun(out, config);
    expect(again.oom).toMatchObject({ reasonCode: original.oom!.reasonCode, what: original.oom!.what, ssFreed: 0 });
    expect(again.oom!.event).toBe(report.failingEvent);
    expect(report.outcome).toMatch(/OOM \(max_map_count/);
  }, 300_000);

  it('a time budget of 0 still writes a trace that fails the same way (the cut after the failure)', async () => {
    const out = join(dir, 'quick.pb');
    const report = await shrinkTrace(larson, out, { config, maxSeconds: 0 });
    expect(report.stopped).toBe(true);
    const again = await replayRun(out, config);
    expect(again.oom?.reasonCode).toBe('max_map_count');
    expect(again.events).toBe(report.output.events);
  }, 120_000);

  it('refuses a trace that does not fail, and a --keep that does not hold', async () => {
    await expect(shrinkTrace(larson, join(dir, 'x.pb'), { config: { preset: 'hakmem-larson-fix' } })).rejects.toThrow(ShrinkError);
    await expect(shrinkTrace(larson, join(dir, 'y.pb'), { config, keep: ['final.ssFreed>5'] })).rejects.toThrow(/does not hold/);
    await expect(shrinkTrace(larson, join(dir, 'z.pb'), { config, keep: ['nonsense'] })).rejects.toThrow(/PATH OP VALUE/);
  }, 120_000);
});
