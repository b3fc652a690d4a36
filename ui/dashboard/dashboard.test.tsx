// The composed dashboard laid out for 80×24, 60×20, 120×40 and smaller terminals, and the live App
// against a fake replay handle: polling, keys (pause, step, speed, quit), marks as history, resizing,
// the OOM hold (a key or the wait), the timeline's history at the end, and giving way to the summary.
import { render as inkRender, renderToString } from 'ink';
import { Writable } from 'node:stream';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import {
  controlCreate, CTL_STATE, F_EVENTS_DONE, F_EVENTS_TOTAL, F_SPEED, ReplayState, type ReplayMark, type ReplayResult,
} from '../../replayer/index.js';
import { summaryText } from '../summary.js';
import { App, STEP_EVENTS, type AppHandle } from './App.js';
import { MARKS_SHOWN } from './markHistory.js';
import { Dashboard, type DashboardModel } from './Dashboard.js';
import { FIX_INFO, FIX_INFO_DEMO, FIX_MARK, FIX_MODEL, FIX_OOM, FIX_OOM_STACK, FIX_SNAPSHOT, FIX_STATS, fixResult } from './fixtures.js';
import type { DashboardStatsInput } from './snapshot.js';
import { THEME_PLAIN, themeFromEnv } from './theme.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function checkWidth(frame: string, width: number): string[] {
  const lines = frame.split('\n');
  for (const l of lines) expect(l.length, `wider than ${width}: '${l}'`).toBeLessThanOrEqual(width);
  return lines;
}

/** Many classes and threads, so the tables always have more rows than fit. */
const CLASSES = Array.from({ length: 16 }, (_, i) => ({ size: 16 * (i + 1), liveBlocks: 100 + i, slabs: 2, magazineBlocks: 8, superSlabs: 1 }));
const THREADS = Array.from({ length: 40 }, (_, i) => ({ tid: i, liveBlocks: i, allocs: 10 * i, frees: 9 * i, remoteFreesSent: i }));

/** The demo's situation: a long trace path, the bug preset; running, or held after the OOM. */
function demoModel(oom: boolean): DashboardModel {
  return {
    ...FIX_MODEL, info: FIX_INFO_DEMO, oom: oom ? FIX_OOM_STACK : null, oomCount: oom ? 1 : 0, held: oom, holdSeconds: oom ? 5 : 0,
    snap: { ...FIX_SNAPSHOT, state: oom ? ReplayState.Oom : ReplayState.Running, classes: CLASSES, threads: THREADS },
  };
}

function screen(model: DashboardModel, w: number, h: number): string[] {
  const f = renderToString(<Dashboard model={model} width={w} rows={h} theme={THEME_PLAIN} />, { columns: w });
  return checkWidth(f, w);
}

describe('Dashboard layout (pure)', () => {
  it.each([[80, 24], [60, 20], [120, 40]])('%i×%i: header, progress and (after an OOM) the banner, within the terminal', (w, h) => {
    for (const oom of [false, true]) {
      const lines = screen(demoModel(oom), w, h);
      const f = lines.join('\n');
      expect(lines.length, f).toBeLessThanOrEqual(h - 1);
      expect(lines[0]).toMatch(/^slabtrace .*larson-10-8-128/);
      expect(f).toContain('preset hakmem-larson-bug (maxMapCount=1500)');
      expect(f).toMatch(oom ? / OOM( |$)/m : / RUNNING( |$)/m);
      expect(f).toContain('unthrottled');
      expect(f).toMatch(/^█+░+ +35\.0%/m);
      expect(f).toMatch(/^events 2,113,536 \/ 6,042,732/m);
      if (oom) {
        expect(f).toContain('OUT OF MEMORY at event 22,414,389');
        expect(f).toContain('the VMA limit (vm.max_map_count) is reached');
        expect(lines[lines.length - 1]).toBe('figures are final  any key summary in 5 s');
      } else {
        expect(f).not.toContain('OUT OF MEMORY');
        expect(lines[lines.length - 1]).toBe('space pause  s step  +/- speed  q quit');
      }
      // statistics before tables: a table only shows when the memory history and SuperSlabs do
      if (f.includes('live blocks')) {
        expect(f).toMatch(/^RSS +[▁▂▃▄▅▆▇█]+/m);
        expect(f).toMatch(/^maps +[▁▂▃▄▅▆▇█]+/m);
        expect(f).toContain('SuperSlabs  alloc 11,000');
      }
    }
  });

  it('80×24: the memory history (RSS, VmSize, mappings) and SuperSlabs fit beside the banner', () => {
    const f = screen(demoModel(true), 80, 24).join('\n');
    expect(f).toMatch(/^RSS +[▁▂▃▄▅▆▇█]{20,} +5\.50 MiB {2}peak 7\.25 MiB$/m);
    expect(f).toMatch(/^VmSize [▁▂▃▄▅▆▇█]{20,} +488 MiB/m);
    expect(f).toMatch(/^maps +[▁▂▃▄▅▆▇█]{20,} 1,234 \/ 2,000 61\.7%$/m);
    expect(f).toContain('SuperSlabs  alloc 11,000');
    // the full banner says what the VMAs hold: the memory panel does not repeat it
    expect(f.split('SS 43,672')).toHaveLength(2);
    expect(f).not.toContain('SS 1,100');
  });

  it('80×24 running: what the VMAs hold, and a table in the rows left', () => {
    const f = screen(demoModel(false), 80, 24).join('\n');
    expect(f).toContain('VMAs:  SS 1,100  stacks 110 (53 leaked)');
    expect(f).toMatch(/\+\d+ more classes/);
  });

  it('120×40: statistics and tables side by side', () => {
    const lines = screen(demoModel(false), 120, 40);
    expect(lines.some((l) => /^RSS /.test(l) && l.includes('SuperSlabs  alloc'))).toBe(true);
    expect(lines.some((l) => l.includes('live blocks') && l.includes('remote sent'))).toBe(true);
    expect(lines.join('\n')).toMatch(/\+\d+ more threads/);
  });

  it('a small terminal (40×10) keeps the header, the progress bar and the banner', () => {
    const lines = screen(demoModel(true), 40, 10);
    const f = lines.join('\n');
    expect(lines.length).toBeLessThanOrEqual(9);
    expect(f).toMatch(/^slabtrace /);
    expect(f).toContain('preset hakmem-larson-bug');
    expect(f).toMatch(/ OOM( |$)/m);
    expect(f).toMatch(/█+░+/);
    expect(f).toContain('OUT OF MEMORY at event 22,414,389');
  });

  it('before the allocator exists (the first polls)', () => {
    const model = { ...FIX_MODEL, snap: { ...FIX_SNAPSHOT, state: ReplayState.Starting, events: 0, fraction: 0, stats: null, classes: [], threads: [] } };
    const lines = screen(model, 80, 24);
    expect(lines.length).toBeLessThanOrEqual(23);
    expect(lines.join('\n')).toContain('STARTING');
    expect(lines.join('\n')).toContain('waiting for the allocator');
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

function renderApp(h: FakeHandle, holdOnOom = true, holdMs?: number) {
  const finished: ReplayResult[] = [];
  const errors: unknown[] = [];
  const app = render(
    <App start={() => h} info={FIX_INFO} openView={() => ({ read: statsInput, field: (k) => statsInput()[k] })} holdOnOom={holdOnOom} holdMs={holdMs} theme={THEME_PLAIN}
      onFinish={(r) => finished.push(r)} onError={(e) => errors.push(e)} />,
  );
  return { app, finished, errors };
}

/** The test terminal takes this size and says so (as a terminal does when resized). */
function resize(app: ReturnType<typeof render>, columns: number, rows: number): void {
  Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
  app.stdout.emit('resize');
}

/** The live area of the last frame (ink-testing-library renders in debug mode: marks first). */
function liveLines(app: ReturnType<typeof render>): string[] {
  const lines = (app.lastFrame() ?? '').split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith('slabtrace ')));
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An App on a running replay 250,000 events in, once a poll has drawn the counter. */
async function renderRunning() {
  const h = fakeHandle();
  const r = renderApp(h);
  Atomics.store(h.control.ints, CTL_STATE, ReplayState.Running);
  h.control.floats[F_EVENTS_DONE] = 250_000;
  await until(() => (r.app.lastFrame() ?? '').includes('events 250,000 / 1,000,000'), 'the polled counter');
  return { h, ...r };
}

/** An App whose replay ended in an OOM, once the held screen shows the banner. */
async function renderHeld(holdMs?: number, over: Partial<ReplayResult> = {}) {
  const h = fakeHandle();
  const r = renderApp(h, true, holdMs);
  Atomics.store(h.control.ints, CTL_STATE, ReplayState.Oom);
  h.finish(fixResult({ oom: FIX_OOM, oomCount: 1, ...over }));
  await until(() => (r.app.lastFrame() ?? '').includes('OUT OF MEMORY'), 'the banner');
  return { h, ...r };
}

describe('App (live, fake replay)', () => {
  it('starts the replay once, after its first frame is drawn, and reports a failed start', async () => {
    const h = fakeHandle();
    let frames = 0;
    const framesAtStart: number[] = [];
    const errors: unknown[] = [];
    const view = () => ({ read: statsInput, field: (k: 'rss') => statsInput()[k] });
    const stdout = Object.assign(new Writable({ write(_c, _e, cb) { cb(); } }), { columns: 80, rows: 24, isTTY: true });
    // frames counted by ink's onRender (CI=true makes ink write only the last frame, so not by writes)
    const ink = inkRender(
      <App start={() => { framesAtStart.push(frames); return h; }} info={FIX_INFO} openView={view}
        holdOnOom theme={THEME_PLAIN} keys={false} onFinish={() => {}} onError={(e) => errors.push(e)} />,
      { stdout: stdout as unknown as NodeJS.WriteStream, patchConsole: false, onRender: () => { frames++; } },
    );
    await until(() => framesAtStart.length > 0, 'the start');
    await sleep(50);
    expect(errors).toEqual([]);
    expect(framesAtStart.length).toBe(1);
    expect(framesAtStart[0]).toBeGreaterThanOrEqual(1);
    ink.unmount();

    const bad = render(
      <App start={() => { throw new Error('no such preset'); }} info={FIX_INFO} openView={view}
        holdOnOom theme={THEME_PLAIN} onFinish={() => {}} onError={(e) => errors.push(e)} />,
    );
    await until(() => errors.length > 0, 'the error');
    expect((errors[0] as Error).message).toBe('no such preset');
    bad.unmount();
  });

  it('polls the shared figures, and maps keys to commands', async () => {
    const { h, app } = await renderRunning();
    expect(app.lastFrame()).toMatch(/^RSS .* 5\.50 MiB  peak 7\.25 MiB/m);
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
    // the live area drawn again twice (the counter moves): the history is still there once
    Atomics.store(h.control.ints, CTL_STATE, ReplayState.Running);
    for (const events of [300_000, 400_000]) {
      h.control.floats[F_EVENTS_DONE] = events;
      await until(() => (app.lastFrame() ?? '').includes(`events ${events.toLocaleString('en-US')} / 1,000,000`), `the counter at ${events}`);
    }
    const all = app.lastFrame() ?? ''; // static history + live area
    expect(all.split('◆ warmup-done').length - 1).toBe(1);
    app.unmount();
  });

  it('prints the first MARKS_SHOWN marks, then one line saying more follow', async () => {
    const h = fakeHandle();
    const { app } = renderApp(h);
    for (let i = 0; i < MARKS_SHOWN + 50; i++) h.emitMark({ ...FIX_MARK, name: `m-${i}`, event: 1000 + i });
    await until(() => (app.lastFrame() ?? '').includes('more marks follow'), 'the marks');
    const all = app.lastFrame() ?? '';
    expect(all).toContain(`◆ m-${MARKS_SHOWN - 1} `);
    expect(all).not.toContain(`◆ m-${MARKS_SHOWN} `);
    expect(all.split('◆ ').length - 1).toBe(MARKS_SHOWN + 1);
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

  it('holds the OOM banner until a key, which no longer controls the replay', async () => {
    const { h, app, finished } = await renderHeld();
    expect(app.lastFrame()).toContain('figures are final  any key summary in 5 s');
    await until(() => (app.lastFrame() ?? '').includes('summary in 4 s'), 'the countdown to move'); // a second on: still held
    expect(finished).toHaveLength(0);
    app.stdin.write(' ');
    await until(() => finished.length === 1, 'finish after a key');
    expect(h.calls).toEqual([]);
    expect(app.lastFrame()).not.toContain('OUT OF MEMORY');
  });

  it('ends the hold by itself after the wait, counting down', async () => {
    const { app, finished } = await renderHeld(1500);
    await until(() => (app.lastFrame() ?? '').includes('summary in 2 s'), 'the countdown');
    await until(() => (app.lastFrame() ?? '').includes('summary in 1 s'), 'the countdown going down');
    await until(() => finished.length === 1, 'the end of the wait');
    expect(app.lastFrame()).not.toContain('OUT OF MEMORY');
  });

  it('lays the screen out again when the terminal is resized', async () => {
    const { app } = await renderRunning();
    for (const [w, rows] of [[80, 24], [60, 20], [120, 40], [60, 12]]) {
      resize(app, w, rows);
      await until(() => {
        const lines = liveLines(app);
        return lines.length <= rows - 1 && lines.every((l) => l.length <= w) && lines.some((l) => l.length > w - 10);
      }, `the layout for ${w}×${rows}`);
      const f = liveLines(app).join('\n');
      expect(f).toContain('preset hakmem-larson-fix');
      expect(f).toMatch(/[█░]+ +25\.0%|░+ {2}25\.0%/);
    }
    app.unmount();
  });

  it('draws the history from the replay timeline once the replay is over', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i * 1000, i * 2 ** 20, i * 2 ** 22, i * 10, i]);
    const { app, finished } = await renderHeld(undefined, { timeline: { columns: ['event', 'rss', 'vmSize', 'mappings', 'ssLive'], rows, atMark: [], every: 1000 } });
    const rss = liveLines(app).find((l) => l.startsWith('RSS '))!;
    expect(rss).toMatch(/^RSS +▁[▁▂▃▄▅▆▇█]+█ /);
    app.stdin.write('q');
    await until(() => finished.length === 1, 'finish');
  });

  it('does not hold an OOM when told not to', async () => {
    const h = fakeHandle();
    const { finished } = renderApp(h, false);
    h.finish(fixResult({ oom: FIX_OOM, oomCount: 1 }));
    await until(() => finished.length === 1, 'finish');
  });
});
