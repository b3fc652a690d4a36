// What a replay leaves to look at, rendered (issue 11): timeline files (CSV, Chrome trace events), the
// SVG plot (rendered headless by resvg, checked for axes and one path per series), the terminal chart.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordWorkload } from '../recorder/index.js';
import { replayRun, type ReplayResult } from '../replayer/index.js';
import { chartText } from './chart.js';
import { plotSvg } from './plot.js';
import { summaryText } from './summary.js';
import { timelineChrome, timelineCsv, timelineWrite } from './timelineFile.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-pictures-'));
let bug: ReplayResult;
let fix: ReplayResult;
let battle: ReplayResult;

beforeAll(async () => {
  const larson = join(dir, 'larson.pb');
  await recordWorkload('larson', ['10', '8', '128', '1024', '1', '12345', '4'], larson, { ops: 300_000 });
  bug = await replayRun(larson, { preset: 'hakmem-larson-bug', overrides: { maxMapCount: '1000' } });
  fix = await replayRun(larson, { preset: 'hakmem-larson-fix' });
  const b = join(dir, 'battle.pb');
  await recordWorkload('battle', [], b, { scales: '100K,200K' });
  battle = await replayRun(b, { preset: 'hakmem-7.7' });
}, 120_000);

describe('timeline files', () => {
  it('CSV: a header row, one row per sample, events increasing, values at marks equal to the marks', () => {
    const csv = timelineCsv([battle]).trim().split('\n');
    const head = csv[0]!.split(',');
    expect(head.slice(0, 4)).toEqual(['event', 'rss_bytes', 'vmsize_bytes', 'mappings']);
    expect(head).toContain('class_16_live_blocks');
    expect(csv).toHaveLength(battle.timeline!.rows.length + 1);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    for (let i = 1; i < rows.length; i++) expect(rows[i]![0]!).toBeGreaterThanOrEqual(rows[i - 1]![0]!);
    const atMark = rows.filter((r) => r[r.length - 1] === 1);
    expect(atMark.map((r) => r[1])).toEqual(battle.marks.map((m) => m.rss));
  });

  it('compare: a config column naming each series', () => {
    const csv = timelineCsv([bug, fix]).trim().split('\n');
    expect(csv[0]!.startsWith('config,event,')).toBe(true);
    expect(csv.filter((l) => l.startsWith('"hakmem-larson-bug+maxMapCount=1000"'))).toHaveLength(bug.timeline!.rows.length);
    expect(csv.filter((l) => l.startsWith('"hakmem-larson-fix"'))).toHaveLength(fix.timeline!.rows.length);
  });

  it('Chrome trace JSON: counter events per process, marks and the OOM as instant events', () => {
    const file = join(dir, 'tl.json');
    timelineWrite(file, [bug, fix]);
    const j = JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof timelineChrome>;
    const counters = j.traceEvents.filter((e) => e.ph === 'C');
    expect(new Set(counters.map((e) => e.pid))).toEqual(new Set([1, 2]));
    expect(counters.some((e) => e.name === 'mappings (VMAs)' && typeof e.args?.mappings === 'number')).toBe(true);
    expect(j.traceEvents.filter((e) => e.ph === 'M').map((e) => e.args?.name)).toEqual(['hakmem-larson-bug+maxMapCount=1000', 'hakmem-larson-fix']);
    const oom = j.traceEvents.find((e) => e.ph === 'i' && e.name.startsWith('OOM'));
    expect(oom).toMatchObject({ pid: 1, ts: bug.oom!.event });
    expect(j.traceEvents.some((e) => e.ph === 'i' && e.name === 'warmup-done')).toBe(true);
  });

  it('refuses a name that is neither .csv nor .json', () => {
    expect(() => timelineWrite(join(dir, 'tl.txt'), [battle])).toThrow(/\.csv or \.json/);
  });
});

describe('SVG plot', () => {
  it('is well-formed, renders headless, has both axes and one path per series and panel, marks and the OOM', () => {
    const svg = plotSvg([bug, fix]);
    const png = new Resvg(svg).render(); // throws on malformed SVG
    expect(png.width).toBe(960);
    const px = png.pixels; // a copy per access: read once
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 200) ink++;
    expect(ink).toBeGreaterThan(5000);
    for (const kind of ['rss', 'mappings', 'vmsize']) expect(svg.match(new RegExp(`class="series ${kind}"`, 'g'))).toHaveLength(2);
    expect(svg).toContain('class="axis axis-left"');
    expect(svg).toContain('class="axis axis-right"');
    expect(svg).toContain('class="axis axis-x"');
    expect(svg).toContain('class="oom"');
    expect(svg).toContain('class="mark"');
    expect(svg).toContain('max_map_count 1K');
  });
});

describe('terminal chart and summary', () => {
  it('RSS over events within 80 columns; the mappings chart when the limit mattered', () => {
    const c = chartText(bug, 80);
    expect(c).toMatch(/^RSS over the replay/);
    expect(c).toContain('mappings (VMAs) against the limit of 1,000');
    for (const line of c.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(chartText(fix, 80)).not.toContain('mappings (VMAs)');
  });

  it('the summary ends with the OOM report and lists classes, threads and the chart; --no-chart omits it', () => {
    const s = summaryText(bug);
    const lastParagraph = s.trimEnd().slice(s.trimEnd().lastIndexOf('\n\n') + 2);
    expect(lastParagraph).toMatch(/^OUT OF MEMORY at event/);
    for (const line of lastParagraph.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(s).toContain('class  live blocks');
    expect(s).toMatch(/threads: .* leaked; the 10 with the most live blocks/);
    expect(s).toContain('RSS over the replay');
    expect(summaryText(bug, { chart: false })).not.toContain('RSS over the replay');
    expect(summaryText(bug, { threads: 'all' }).split('\n').filter((l) => / leaked /.test(l)).length).toBe(bug.threads!.filter((t) => t.state === 'leaked').length);
  });
});
