// Each panel at a normal (100, the test terminal) and a narrow (56) width: the figures appear and no
// line is wider than the panel.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ReplayState } from '../../replayer/index.js';
import { ClassTable } from './ClassTable.js';
import { FIX_HISTORY, FIX_INFO, FIX_INFO_DEMO, FIX_MARK, FIX_OOM, FIX_OOM_STACK, FIX_SNAPSHOT, FIX_STATS } from './fixtures.js';
import { historyCreate } from './history.js';
import { Freed } from './Freed.js';
import { Header } from './Header.js';
import { KeyHelp } from './KeyHelp.js';
import { MarkLine } from './MarkLine.js';
import { Memory } from './Memory.js';
import { OomBanner } from './OomBanner.js';
import { Progress } from './Progress.js';
import { SuperSlabs } from './SuperSlabs.js';
import { THEME_PLAIN } from './theme.js';
import { ThreadTable } from './ThreadTable.js';

const theme = THEME_PLAIN;
const WIDTHS = [100, 56];

function frame(node: React.ReactElement, width: number): string {
  const out = render(node).lastFrame() ?? '';
  for (const line of out.split('\n')) expect(line.length, `line wider than ${width}: '${line}'`).toBeLessThanOrEqual(width);
  return out;
}

describe.each(WIDTHS)('panels at %i columns', (w) => {
  it('header: trace, workload, parameters, preset with overrides, state', () => {
    const f = frame(<Header info={FIX_INFO} state={ReplayState.Running} speed={0} width={w} theme={theme} />, w);
    expect(f).toContain('larson-10-8-128.pb');
    expect(f).toContain('larson');
    expect(f).toContain('preset hakmem-larson-fix');
    expect(f).toContain('maxMapCount=2000');
    expect(f).toContain('RUNNING');
    expect(f).toContain('unthrottled');
    // the workload as the command line that made the trace; its parameters only when it has no arguments
    if (w >= 100) expect(f).toContain('larson 10 8 128 1024 1 12345 4');
    const noArgs = frame(<Header info={{ ...FIX_INFO, workloadArgs: [] }} state={ReplayState.Running} speed={0} width={w} theme={theme} />, w);
    if (w >= 100) expect(noArgs).toContain('chunksPerThread=1024');
  });

  it('header, compact: file name, preset, state and speed in fewer lines; a long path keeps its file name', () => {
    const full = frame(<Header info={FIX_INFO_DEMO} state={ReplayState.Oom} speed={0} width={w} theme={theme} />, w);
    const compact = frame(<Header info={FIX_INFO_DEMO} state={ReplayState.Oom} speed={0} width={w} detail="compact" theme={theme} />, w);
    expect(compact.split('\n').length).toBeLessThanOrEqual(full.split('\n').length);
    for (const f of [full, compact]) {
      expect(f).toMatch(/larson-10-8-128-1024.*\.pb|larson-10.*….*\.pb/);
      expect(f).toContain('preset hakmem-larson-bug');
      expect(f).toMatch(/ OOM( |$)/m);
      expect(f).toContain('unthrottled');
    }
  });

  it('header: paused state and a set speed', () => {
    const f = frame(<Header info={FIX_INFO} state={ReplayState.Paused} speed={30_000} width={w} theme={theme} />, w);
    expect(f).toContain('PAUSED');
    expect(f).toContain('30.0 K ev/s');
  });

  it('progress: events of total, bar, rate, elapsed, ETA', () => {
    const s = FIX_SNAPSHOT;
    const f = frame(<Progress events={s.events} total={s.total} totalEstimated={false} fraction={s.fraction} rate={3_300_000}
      elapsedSeconds={2.5} width={w} theme={theme} />, w);
    expect(f).toContain('events 2,113,536 / 6,042,732');
    expect(f).toContain('35.0%');
    expect(f).toContain('rate 3.3 M ev/s');
    expect(f).toContain('elapsed 2.50 s');
    expect(f).toContain('ETA 1.19 s');
    expect(f).toMatch(/█+░+  35\.0%$/m);
    const bar = f.split('\n').find((l) => l.includes('█'))!;
    expect(bar.length).toBe(w);
  });

  it('progress, compact: one line with the bar, the percentage, the events and the ETA', () => {
    const s = FIX_SNAPSHOT;
    const f = frame(<Progress events={s.events} total={s.total} totalEstimated={false} fraction={s.fraction} rate={3_300_000}
      elapsedSeconds={2.5} width={w} detail="compact" theme={theme} />, w);
    expect(f.split('\n')).toHaveLength(1);
    expect(f).toMatch(/^█+░+ {2}35\.0% {2}2,113,536 \/ 6,042,732 {2}ETA 1\.19 s$/);
    expect(f.length).toBe(w);
  });

  it('progress: an estimated total is marked, an unknown one left out', () => {
    const est = frame(<Progress events={10} total={100} totalEstimated fraction={0.1} rate={0} elapsedSeconds={0} width={w} theme={theme} />, w);
    expect(est).toContain('10 / ~100');
    expect(est).toContain('ETA --');
    const none = frame(<Progress events={10} total={0} totalEstimated={false} fraction={0} rate={0} elapsedSeconds={0} width={w} theme={theme} />, w);
    expect(none).toContain('events 10 ');
  });

  it('memory: RSS, VmSize and mappings histories of one width, with the figures', () => {
    const f = frame(<Memory stats={FIX_STATS} history={FIX_HISTORY} width={w} theme={theme} />, w);
    const lines = f.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^RSS {4}[▁▂▃▄▅▆▇█]{20,} +5\.50 MiB {2}peak 7\.25 MiB$/);
    expect(lines[1]).toMatch(/^VmSize [▁▂▃▄▅▆▇█]{20,} +488 MiB {2}peak {2}500 MiB$/);
    expect(lines[2]).toMatch(/^maps {3}[▁▂▃▄▅▆▇█]{20,} 1,234 \/ 2,000 61\.7%$/);
    const sparks = lines.map((l) => /[▁▂▃▄▅▆▇█]+/.exec(l)![0].length);
    expect(new Set(sparks).size).toBe(1);
    // mappings are scaled to the limit: 1,200 of 2,000 at most is never a full block
    expect(lines[2]).not.toContain('█');
  });

  it('memory, full: what the VMAs hold; figures: one line and a gauge', () => {
    const full = frame(<Memory stats={FIX_STATS} history={FIX_HISTORY} width={w} detail="full" theme={theme} />, w);
    expect(full).toContain('SS 1,100');
    expect(full).toContain('stacks 110 (53 leaked)');
    const figures = frame(<Memory stats={FIX_STATS} history={FIX_HISTORY} width={w} detail="figures" theme={theme} />, w);
    expect(figures).toContain('RSS 5.50 MiB');
    expect(figures).toContain('peak 7.25 MiB');
    expect(figures).toContain('VmSize 488 MiB');
    expect(figures).toMatch(/maps █+░+ 1,234 \/ 2,000 \(61\.7%\)/);
  });

  it('memory before the first sample: figures, no sparkline yet', () => {
    const f = frame(<Memory stats={FIX_STATS} history={historyCreate()} width={w} theme={theme} />, w);
    expect(f).toContain('5.50 MiB');
    expect(f).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  it('memory and SuperSlabs before the allocator exists', () => {
    expect(frame(<Memory stats={null} history={historyCreate()} width={w} theme={theme} />, w)).toContain('waiting for the allocator');
    expect(frame(<SuperSlabs stats={null} history={historyCreate()} width={w} theme={theme} />, w)).toContain('waiting for the allocator');
  });

  it('SuperSlabs: allocated, freed, live, empty-reserved, sparkline', () => {
    const f = frame(<SuperSlabs stats={FIX_STATS} history={FIX_HISTORY} width={w} theme={theme} />, w);
    expect(f).toContain('alloc 11,000');
    expect(f).toContain('freed 10,882');
    expect(f).toContain('live 118');
    expect(f).toContain('empty-reserved 3');
    expect(f).toMatch(/live [▁▂▃▄▅▆▇█]{20,}/);
  });

  it('freed totals: blocks, bytes, SuperSlabs, returned, remote (pending)', () => {
    const f = frame(<Freed stats={FIX_STATS} width={w} theme={theme} />, w);
    expect(f).toContain('blocks 3,016,384');
    expect(f).toContain('bytes 258 MiB');
    expect(f).toContain('SuperSlabs 10,882');
    expect(f).toContain('returned to OS 212 MiB');
    expect(f).toContain('remote frees 40,960 (pending 96)');
  });

  it('class table: classes in use only, columns fitted', () => {
    const f = frame(<ClassTable classes={FIX_SNAPSHOT.classes} width={w} maxRows={8} theme={theme} />, w);
    expect(f).toContain('live blocks');
    expect(f).toContain('1,030');
    expect(f).not.toContain('2048 B');
    expect(f.split('\n')).toHaveLength(5);
  });

  it('class table: rows beyond the limit are summarised', () => {
    const f = frame(<ClassTable classes={FIX_SNAPSHOT.classes} width={w} maxRows={2} theme={theme} />, w);
    expect(f).toContain('+3 more classes');
  });

  it('thread table: top threads by live blocks, generations', () => {
    const f = frame(<ThreadTable threads={FIX_SNAPSHOT.threads} stats={FIX_STATS} width={w} maxRows={4} theme={theme} />, w);
    expect(f).toContain('started 44');
    expect(f).toContain('exited 40');
    const rows = f.split('\n').filter((l) => /^\s*\d+\s/.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(['44', '43', '42']);
    expect(f).toContain('+5 more threads');
    expect(f).toContain('remote sent');
  });

  it('mark line: name, event, RSS, SuperSlabs', () => {
    const f = frame(<MarkLine mark={FIX_MARK} width={w} theme={theme} />, w);
    expect(f).toContain('◆ warmup-done');
    expect(f).toContain('event 36,864');
    expect(f).toContain('RSS 384 KiB');
    expect(f).toContain('SS live 4');
  });

  it('OOM banner: event, thread, op, size, reason and the report figures', () => {
    const f = frame(<OomBanner oom={FIX_OOM} count={1} width={w} theme={theme} />, w);
    expect(f).toContain('OUT OF MEMORY at event 1,234,567');
    expect(f).toContain('alloc of 64 B by thread 17');
    expect(f).toContain('vm.max_map_count');
    expect(f).toContain('mappings 2,001 / 2,000');
    expect(f).toContain('SS 1,988');
    expect(f).toContain('base 13');
    expect(f).toContain('VmSize 3.90 GiB');
    expect(f).toContain('VmRSS 1.20 GiB');
  });

  it('OOM banner, compact and one line: a failed thread start (no size), the reason', () => {
    const compact = frame(<OomBanner oom={FIX_OOM_STACK} count={1} width={w} detail="compact" theme={theme} />, w);
    expect(compact).toContain('OUT OF MEMORY at event 22,414,389');
    expect(compact).toContain('thread_start by thread 10917');
    expect(compact).toContain('pthread_create failed:');
    expect(compact).toContain('the VMA limit (vm.max_map_count) is reached');
    expect(compact).not.toContain('VmSize');
    const line = frame(<OomBanner oom={FIX_OOM_STACK} count={1} width={w} detail="line" theme={theme} />, w);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^ OUT OF MEMORY at event 22,414,389 {3}the VMA limit/);
  });

  it('key help: running, paused, held after OOM (with the seconds left)', () => {
    expect(frame(<KeyHelp paused={false} held={false} width={w} theme={theme} />, w)).toBe('space pause  s step  +/- speed  q quit');
    expect(frame(<KeyHelp paused held={false} width={w} theme={theme} />, w)).toContain('space resume');
    expect(frame(<KeyHelp paused={false} held holdSeconds={4} width={w} theme={theme} />, w)).toBe('figures are final  any key summary in 4 s');
    expect(frame(<KeyHelp paused={false} held keys={false} holdSeconds={2} width={w} theme={theme} />, w)).toBe('figures are final  summary in 2 s');
    expect(frame(<KeyHelp paused={false} held={false} keys={false} width={w} theme={theme} />, w)).toContain('Ctrl-C quit');
  });
});
