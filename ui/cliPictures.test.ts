// `replay` and `compare` leave files to look at (issue 11) — through the built binary: --timeline (CSV,
// Chrome JSON), --plot (SVG), --threads, --no-chart, and --json with the tables (the timeline only when
// asked for).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'dist', 'ui', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-cli-pictures-'));
const larson = join(dir, 'larson.pb');

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  expect(run(['record', 'larson', '10', '8', '128', '1024', '1', '12345', '4', '--ops', '200000', '-o', larson]).code).toBe(0);
});

describe('replay and compare outputs', () => {
  it('replay --timeline .csv and --plot .svg; the summary lists all threads with --threads all, no chart with --no-chart', () => {
    const csv = join(dir, 't.csv');
    const svg = join(dir, 't.svg');
    const r = run(['replay', larson, '--preset', 'hakmem-larson-bug', '--max-map-count', '600', '--no-ui', '--timeline', csv, '--plot', svg, '--threads', 'all', '--no-chart']);
    expect(r.code).toBe(3);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^event,rss_bytes,vmsize_bytes,mappings,/);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(r.out).not.toContain('RSS over the replay');
    expect(r.out).not.toContain('--threads all lists every one');
    expect(r.out.trimEnd().slice(r.out.trimEnd().lastIndexOf('\n\n') + 2)).toMatch(/^OUT OF MEMORY/);
  });

  it('--json has the class and thread tables, and the timeline only with --timeline', () => {
    const plain = JSON.parse(run(['replay', larson, '--json']).out) as Record<string, unknown>;
    expect(plain).toHaveProperty('classes');
    expect(plain).toHaveProperty('threads');
    expect(plain).not.toHaveProperty('timeline');
    const tl = join(dir, 't.json');
    const withTl = JSON.parse(run(['replay', larson, '--json', '--timeline', tl]).out) as { timeline: { rows: unknown[] } };
    expect(withTl.timeline.rows.length).toBeGreaterThan(100);
    const chrome = JSON.parse(readFileSync(tl, 'utf8')) as { traceEvents: { ph: string }[] };
    expect(chrome.traceEvents.some((e) => e.ph === 'C')).toBe(true);
  });

  it('compare --timeline .csv: one series per column, named in a config column', () => {
    const csv = join(dir, 'c.csv');
    const r = run(['compare', larson, '--preset', 'hakmem-larson-bug', '--preset', 'hakmem-larson-fix', '--timeline', csv]);
    expect(r.code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^config,event,/);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0]))).toEqual(new Set(['"hakmem-larson-bug"', '"hakmem-larson-fix"']));
  });

  it('bad names are refused before anything runs', () => {
    expect(run(['replay', larson, '--timeline', join(dir, 'x.txt')]).code).toBe(2);
    expect(run(['replay', larson, '--plot', join(dir, 'x.png')]).code).toBe(2);
    expect(run(['replay', larson, '--threads', 'many']).code).toBe(2);
  });
});
