// A lenient replay of a trace whose footer disagrees with its events reports it in the result (and the
// summary prints it), whether the trace is decoded in this thread or in the decode worker behind the
// ring (issue 14: the ring forwards the reader's digest status and footer mismatches).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTraceWriter } from '../traces/index.js';
import { replayRun } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-tracecheck-'));

async function jsonTrace(name: string): Promise<string> {
  const file = join(dir, name);
  const w = createTraceWriter(file, { workload: 'trace-check', recorder: 'test', params: {} }, { format: 'json', chunkEvents: 4 });
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) ids.push(w.alloc(0, 16 + 8 * i));
  for (const id of ids) w.free(0, id);
  await w.close();
  return file;
}

/** The same trace with its footer's digest and alloc count changed. */
function tamper(file: string): string {
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  const last = JSON.parse(lines.at(-1)!) as { footer: Record<string, unknown> };
  expect(last.footer).toBeDefined();
  last.footer.digest = '0123456789abcdef';
  last.footer.allocs = Number(last.footer.allocs) + 1;
  lines[lines.length - 1] = JSON.stringify(last);
  const out = `${file}.tampered.json`;
  writeFileSync(out, `${lines.join('\n')}\n`);
  return out;
}

describe('the trace check in a replay result', () => {
  it('a clean trace verifies, in-process and through the ring', async () => {
    const file = await jsonTrace('clean.json');
    for (const pipeline of [false, true]) {
      const r = await replayRun(file, { preset: 'hakmem-7.7', pipeline });
      expect(r.traceCheck).toEqual({ digestStatus: 'verified', footerMismatches: [] });
    }
  });

  it('a tampered footer: strict replay fails, lenient reports the mismatches the same way in both hosts', async () => {
    const bad = tamper(await jsonTrace('bad.json'));
    await expect(replayRun(bad, { preset: 'hakmem-7.7', pipeline: true })).rejects.toMatchObject({ code: 'BAD_FOOTER' });
    const got = [];
    for (const pipeline of [false, true]) {
      const r = await replayRun(bad, { preset: 'hakmem-7.7', pipeline, lenient: true });
      expect(r.traceCheck.digestStatus).toBe('mismatch');
      expect(r.traceCheck.footerMismatches.map((m) => m.field).sort()).toEqual(['allocs', 'digest']);
      expect(r.traceCheck.footerMismatches.find((m) => m.field === 'allocs')).toMatchObject({ footer: 11, read: 10 });
      got.push(r.traceCheck);
    }
    expect(got[1]).toEqual(got[0]);
  });
});
