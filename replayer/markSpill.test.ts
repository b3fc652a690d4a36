// Marks beyond MARKS_KEPT go to a spill file, not memory (issue 14 #8): the result holds the first
// MARKS_KEPT, the last MARKS_TAIL and the file, whose lines are the rest in order; the same whether the
// replay runs in this thread or behind the decode worker; the file goes away when the process exits.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTraceWriter } from '../traces/index.js';
import { markSpillLines, MARKS_KEPT, replayRun, type ReplayMark } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-markspill-'));
const EXTRA = 700;

async function manyMarks(): Promise<string> {
  const file = join(dir, 'marks.pb');
  const w = createTraceWriter(file, { workload: 'marks', recorder: 'test', params: {} }, { chunkEvents: 4096 });
  const ids: number[] = [];
  for (let i = 0; i < MARKS_KEPT + EXTRA; i++) {
    if (i % 3 === 0) ids.push(w.alloc(0, 16 + (i % 100)));
    w.mark(0, `m${i}`);
  }
  for (const id of ids) w.free(0, id);
  await w.close();
  return file;
}

async function spilled(path: string): Promise<ReplayMark[]> {
  const out: ReplayMark[] = [];
  for await (const line of markSpillLines(path)) out.push(JSON.parse(line) as ReplayMark);
  return out;
}

describe('mark spill', () => {
  it('keeps MARKS_KEPT in memory and the rest, in order, in the file; both hosts agree', async () => {
    const file = await manyMarks();
    const all: ReplayMark[][] = [];
    for (const pipeline of [false, true]) {
      const r = await replayRun(file, { preset: 'hakmem-7.7', pipeline });
      expect(r.marks).toHaveLength(MARKS_KEPT);
      expect(r.marksTotal).toBe(MARKS_KEPT + EXTRA);
      expect(r.marksSpill).not.toBeNull();
      const rest = await spilled(r.marksSpill!);
      expect(rest).toHaveLength(EXTRA);
      const marks = [...r.marks, ...rest];
      expect(marks.map((m) => m.name)).toEqual(Array.from({ length: MARKS_KEPT + EXTRA }, (_, i) => `m${i}`));
      for (let i = 1; i < marks.length; i++) expect(marks[i]!.event).toBeGreaterThan(marks[i - 1]!.event);
      expect(r.marksTail).toEqual(rest.slice(-r.marksTail.length));
      expect(r.marksTail.length).toBeGreaterThan(0);
      // the timeline keeps a row for the first marks only
      expect(r.timeline!.atMark.filter((x) => x === 1).length).toBeLessThanOrEqual(MARKS_KEPT);
      all.push(marks);
    }
    expect(all[1]).toEqual(all[0]);
  });

  it('a small trace spills nothing', async () => {
    const file = join(dir, 'few.pb');
    const w = createTraceWriter(file, { workload: 'marks', recorder: 'test', params: {} });
    w.mark(0, 'a');
    w.mark(0, 'b');
    await w.close();
    const r = await replayRun(file, { preset: 'hakmem-7.7' });
    expect(r).toMatchObject({ marksTotal: 2, marksSpill: null, marksTail: [] });
  });

  it('the CLI writes every mark to --json, caps the summary, and leaves no spill file behind', async () => {
    const file = await manyMarks();
    const tmp = mkdtempSync(join(tmpdir(), 'slabtrace-markspill-tmp-'));
    const bin = join(import.meta.dirname, '..', 'dist', 'ui', 'bin.js');
    const env = { ...process.env, CI: 'true', TMPDIR: tmp };
    const json = spawnSync(process.execPath, [bin, 'replay', file, '--json'], { encoding: 'utf8', env, maxBuffer: 1 << 30 });
    expect(json.status).toBe(0);
    const v = JSON.parse(json.stdout) as { marks: ReplayMark[]; marksTotal: number; marksSpill?: string };
    expect(v.marks).toHaveLength(MARKS_KEPT + EXTRA);
    expect(v.marks.at(-1)!.name).toBe(`m${MARKS_KEPT + EXTRA - 1}`);
    expect(v.marksTotal).toBe(MARKS_KEPT + EXTRA);
    expect(v.marksSpill).toBeUndefined();
    const text = spawnSync(process.execPath, [bin, 'replay', file, '--no-ui', '--no-chart'], { encoding: 'utf8', env });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/… [\d,]+ more marks/);
    expect(text.stdout).toContain(`m${MARKS_KEPT + EXTRA - 1}`);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(tmp)).toBe(true);
  });
});
