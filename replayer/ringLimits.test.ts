// The decode → replay ring at its limits (issue 14 #1, #4): an error record too big for the ring, a
// mark name bigger than a slot's mark area, thousands of marks in one chunk and a header over the meta
// area all cross the ring (spilled to the side port) and give the same result as an in-process replay;
// nothing hangs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTraceWriter } from '../traces/index.js';
import { replayRun } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-ring-'));

async function write(name: string, fill: (w: ReturnType<typeof createTraceWriter>) => void, params: Record<string, string> = {}): Promise<string> {
  const file = join(dir, name);
  const w = createTraceWriter(file, { workload: 'ring-limits', recorder: 'test', params }, { chunkEvents: 65536 });
  fill(w);
  await w.close();
  return file;
}

describe('the ring carries any valid trace', () => {
  it('a 70 KB mark, 6,000 marks in one chunk and a 600 KB header replay through the decode worker as in-process', async () => {
    const big = 'm'.repeat(70_000);
    const file = await write('marks.pb', (w) => {
      const id = w.alloc(0, 64);
      w.mark(0, big);
      for (let i = 0; i < 6000; i++) w.mark(0, `mark-${i}`);
      w.free(0, id);
    }, { note: 'x'.repeat(600_000) });
    const piped = await replayRun(file, { preset: 'hakmem-7.7', pipeline: true });
    const direct = await replayRun(file, { preset: 'hakmem-7.7' });
    expect(piped.marks.length).toBe(6001);
    expect(piped.marks[0]!.name).toBe(big);
    expect(piped.marks.map((m) => m.name)).toEqual(direct.marks.map((m) => m.name));
    expect(piped.digest).toBe(direct.digest);
    expect(piped.workloadParams.note!.length).toBe(600_000);
  });

  it('an error whose message quotes 300 KB of input ends the replay with its code, cut short, instead of hanging', async () => {
    const file = join(dir, 'bad-op.json');
    const header = { header: { magic: 'slabtrace', formatVersion: 2, workload: 'x', params: {}, args: [], recorder: 't', seed: 0, threads: 0, pageSize: 4096, createdAtMs: 0, expectedEvents: 0, chunkEvents: 0 } };
    writeFileSync(file, `${JSON.stringify(header)}\n${JSON.stringify({ op: 'z'.repeat(300_000), tid: 0 })}\n`);
    const err = await replayRun(file, { preset: 'hakmem-7.7', pipeline: true }).then(() => null, (e: unknown) => e as Error & { code?: string });
    expect(err).not.toBeNull();
    expect(err!.code).toBe('UNKNOWN_OP');
    expect(err!.message.length).toBeLessThan(10_000);
  });
});
