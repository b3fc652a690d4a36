// The composed dashboard at 80 and 120 columns, and the live App against a fake replay handle: polling,
// keys (pause, step, speed, quit), marks as history, OOM hold, and giving way at the end.
import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import {
  controlCreate, CTL_STATE, F_EVENTS_DONE, F_EVENTS_TOTAL, F_SPEED, ReplayState, type ReplayMark, type ReplayResult,
} from '../../replayer/index.js';
import { summaryText } from '../summary.js';
import { App, STEP_EVENTS, type AppHandle } from './App.js';
import { Dashboard } from './Dashboard.js';
import { FIX_INFO, FIX_MARK, FIX_MODEL, FIX_OOM, FIX_SNAPSHOT, FIX_STATS, fixResult } from './fixtures.js';
import type { DashboardStatsInput } from './snapshot.js';
import { THEME_PLAIN, themeFromEnv } from './theme.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function checkWidth(frame: string, width: number): string[] {
  const lines = frame.split('\n');
  for (const l of lines) expect(l.length, `wider than ${width}: '${l}'`).toBeLessThanOrEqual(width);
  return lines;
}

describe('Dashboard (pure)', () => {
  it('fits 120 columns with panels side by side', () => {
    const f = renderToString(<Dashboard model={FIX_MODEL} width={120} rows={40} theme={THEME_PLAIN} />, { columns: 120 });
    const lines = checkWidth(f, 120);
    expect(lines.length).toBeLessThan(40);
    expect(lines.some((l) => l.includes('RSS 5.50 MiB') && l.includes('SuperSlabs'))).toBe(true);
    expect(lines.some((l) => l.includes('live blocks') && l.includes('remote sent'))).toBe(true);
    expect(lines[lines.length - 1]).toBe('space pause  s step  +/- speed  q quit');
  });

  it('fits 80 columns with panels stacked, shorter than the terminal', () => {
    const f = render(<Dashboard model={FIX_MODEL} width={80} rows={40} theme={THEME_PLAIN} />).lastFrame()!;
    const lines = checkWidth(f, 80);
    expect(lines.length).toBeLessThan(40);
    expect(f).toContain('events 2,113,536 / 6,042,732');
    expect(f).toContain('empty-reserved 3');
    expect(f).toContain('returned to OS 212 MiB');
  });

  it('shows the OOM banner and the held state, still within 80 × 40', () => {
    const model = { ...FIX_MODEL, oom: FIX_OOM, oomCount: 1, held: true, snap: { ...FIX_SNAPSHOT, state: ReplayState.Oom } };
    const f = render(<Dashboard model={model} width={80} rows={40} theme={THEME_PLAIN} />).lastFrame()!;
    const lines = checkWidth(f, 80);
    expect(lines.length).toBeLessThan(40);
    expect(f).toContain('OUT OF MEMORY at event 1,234,567');
    expect(f).toContain(' OOM ');
    expect(lines[lines.length - 1]).toBe('q quit');
  });

  it.each([[80, 40], [80, 24], [120, 40], [120, 24]])('stays shorter than the terminal with many classes and threads (%i×%i, OOM)', (w, h) => {
    const classes = Array.from({ length: 16 }, (_, i) => ({ size: 16 * (i + 1), liveBlocks: 100 + i, slabs: 2, magazineBlocks: 8, superSlabs: 1 }));
    const threads = Array.from({ length: 40 }, (_, i) => ({ tid: i, liveBlocks: i, allocs: 10 * i, frees: 9 * i, remoteFreesSent: i }));
    for (const oom of [null, FIX_OOM]) {
      const model = { ...FIX_MODEL, oom, oomCount: oom ? 1 : 0, held: !!oom, snap: { ...FIX_SNAPSHOT, classes, threads } };
      const f = renderToString(<Dashboard model={model} width={w} rows={h} theme={THEME_PLAIN} />, { columns: w });
      const lines = checkWidth(f, w);
      if (h >= 40) expect(lines.length).toBeLessThan(h);
      expect(f).toMatch(/\+\d+ more classes/);
      expect(f).toMatch(/\+\d+ more threads/);
    }
  });

  it('shows the paused state', () => {
    const model = { ...FIX_MODEL, snap: { ...FIX_SNAPSHOT, state: ReplayState.Paused } };
    const f = render(<Dashboard model={model} width={80} rows={40} theme={THEME_PLAIN} />).lastFrame()!;
    expect(f).toContain('PAUSED');
    expect(f).toContain('space resume');
  });
});

describe('theme', () => {
  it('honours NO_COLOR', () => {
    expect(themeFromEnv({ NO_COLOR: '1' }).color).toBe(false);
    expect(themeFromEnv({ NO_COLOR: '' }).color).toBe(true);
    expect(themeFromEnv({}).color).toBe(true);
  });
});

function statsInput(): DashboardStatsInput {
  return { ...FIX_STATS, classes: FIX_SNAPSHOT.classes, threads: FIX_SNAPSHOT.threads };
}

interface FakeHandle extends AppHandle {
  calls: string[];
  emitMark(m: ReplayMark): void;
  finish(r: ReplayResult): void;
}

function fakeHandle(): FakeHandle {
  const control = controlCreate();
  control.floats[F_EVENTS_TOTAL] = 1_000_000;
  const listeners: ((m: ReplayMark) => void)[] = [];
  let finish!: (r: ReplayResult) => void;
  const calls: string[] = [];
  const marks: ReplayMark[] = [];
  return {
    control,
    buffer: Promise.resolve(new SharedArrayBuffer(8)),
    result: new Promise<ReplayResult>((res) => { finish = res; }),
    marks,
    calls,
    onMark: (l) => { listeners.push(l); },
    emitMark: (m) => { marks.push(m); for (const l of listeners) l(m); },
    finish: (r) => finish(r),
    pause: (p) => {
      calls.push(`pause ${p}`);
      Atomics.store(control.ints, CTL_STATE, p ? ReplayState.Paused : ReplayState.Running);
    },
    step: (n) => { calls.push(`step ${n}`); },
    setSpeed: (s) => { calls.push(`speed ${s}`); control.floats[F_SPEED] = s; },
    quit: () => { calls.push('quit'); },
  };
}

function renderApp(h: FakeHandle, holdOnOom = true) {
  const finished: ReplayResult[] = [];
  const errors: unknown[] = [];
  const app = render(
    <App handle={h} info={FIX_INFO} openView={() => ({ read: statsInput })} holdOnOom={holdOnOom} theme={THEME_PLAIN}
      onFinish={(r) => finished.push(r)} onError={(e) => errors.push(e)} />,
  );
  return { app, finished, errors };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('App (live, fake replay)', () => {
  it('polls the shared figures, and maps keys to commands', async () => {
    const h = fakeHandle();
    const { app } = renderApp(h);
    Atomics.store(h.control.ints, CTL_STATE, ReplayState.Running);
    h.control.floats[F_EVENTS_DONE] = 250_000;
    await until(() => (app.lastFrame() ?? '').includes('events 250,000 / 1,000,000'), 'the polled counter');
    expect(app.lastFrame()).toContain('RSS 5.50 MiB');
    app.stdin.write(' ');
    await until(() => (app.lastFrame() ?? '').includes('PAUSED'), 'paused');
    expect(app.lastFrame()).toContain('space resume');
    app.stdin.write(' ');
    app.stdin.write('s');
    app.stdin.write('+');
    app.stdin.write('-');
    await until(() => h.calls.length >= 5, 'commands');
    expect(h.calls.slice(0, 4)).toEqual(['pause true', 'pause false', `step ${STEP_EVENTS}`, 'speed 0']);
    expect(h.calls[4]).toMatch(/^speed \d+$/);
    expect(Number(h.calls[4].split(' ')[1])).toBeGreaterThan(0);
    app.unmount();
  });

  it('handles keys that arrive together in one chunk', async () => {
    const h = fakeHandle();
    const { app } = renderApp(h);
    app.stdin.write('---');
    await until(() => h.calls.length === 3, 'three speed commands');
    expect(h.calls).toEqual(['speed 10000000', 'speed 3000000', 'speed 1000000']);
    app.unmount();
  });

  it('prints passed marks once as history above the live area', async () => {
    const h = fakeHandle();
    const { app } = renderApp(h);
    h.emitMark(FIX_MARK);
    h.emitMark({ ...FIX_MARK, name: 'phase-2', event: 99_000 });
    await until(() => (app.lastFrame() ?? '').includes('phase-2'), 'marks');
    await sleep(250);
    const all = app.lastFrame() ?? ''; // static history + live area
    expect(all.split('◆ warmup-done').length - 1).toBe(1);
    app.unmount();
  });

  it('q quits the replay, and the partial result gives way to the summary', async () => {
    const h = fakeHandle();
    const { app, finished } = renderApp(h);
    app.stdin.write('q');
    await until(() => h.calls.includes('quit'), 'quit');
    const partial = fixResult({ partial: true });
    h.finish(partial);
    await until(() => finished.length === 1, 'finish');
    expect(finished[0]).toBe(partial);
    expect(app.lastFrame()).not.toContain('space pause');
    expect(summaryText(finished[0])).toContain('PARTIAL: stopped by the user after 2,000,000 events');
  });

  it('Ctrl-C quits like q', async () => {
    const h = fakeHandle();
    const { app } = renderApp(h);
    app.stdin.write('\x03');
    await until(() => h.calls.includes('quit'), 'quit');
    app.unmount();
  });

  it('holds the OOM banner until q', async () => {
    const h = fakeHandle();
    const { app, finished } = renderApp(h);
    Atomics.store(h.control.ints, CTL_STATE, ReplayState.Oom);
    h.finish(fixResult({ oom: FIX_OOM, oomCount: 1 }));
    await until(() => (app.lastFrame() ?? '').includes('OUT OF MEMORY'), 'the banner');
    await sleep(100);
    expect(finished).toHaveLength(0);
    expect(app.lastFrame()).toContain('q quit');
    app.stdin.write(' ');
    await sleep(50);
    expect(h.calls).toEqual([]);
    app.stdin.write('q');
    await until(() => finished.length === 1, 'finish after q');
    expect(app.lastFrame()).not.toContain('OUT OF MEMORY');
  });

  it('does not hold an OOM when told not to', async () => {
    const h = fakeHandle();
    const { finished } = renderApp(h, false);
    h.finish(fixResult({ oom: FIX_OOM, oomCount: 1 }));
    await until(() => finished.length === 1, 'finish');
  });
});
