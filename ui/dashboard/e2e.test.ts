// End to end: the compiled CLI (dist/ui/bin.js, `npm run build`) replaying a recorded larson trace.
// In a real terminal (tmux 120×40): the dashboard appears, `-` throttles, space pauses (the event
// counter stops), q quits with the partial summary and exit 130; NO_COLOR gives no colour codes. In an
// 80×24 terminal, an OOM run (hakmem-larson-bug, max_map_count 1500): the held last screen starts with
// the header and shows the preset, the progress bar and the OOM banner, then gives way by itself.
// Piped and with CI=true: plain summary, no escape sequences. Polls with deadlines, no fixed sleeps
// for anything that waits on the replay.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/ui/bin.js');
const HAVE_TMUX = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!HAVE_TMUX) console.warn('dashboard e2e: tmux is not installed — skipping the real-terminal test');

let dir = '';
let trace = '';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'slabtrace-dash-'));
  trace = join(dir, 'larson.pb');
  execFileSync(process.execPath, [BIN, 'record', 'larson', '10', '8', '128', '1024', '1', '12345', '4', '--ops', '3000000', '-o', trace], { stdio: 'ignore' });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function capture(session: string, escapes = false): string {
  return tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
}

/** The pane's scrollback and screen (what was printed, also what scrolled away). */
function captureAll(session: string): string {
  return tmux('capture-pane', '-p', '-S', '-', '-t', session);
}

async function waitFor(session: string, what: string, cond: (screen: string) => boolean, ms = 45_000): Promise<string> {
  const deadline = Date.now() + ms;
  let screen = '';
  while (Date.now() < deadline) {
    screen = capture(session);
    if (cond(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
}

const SLOWEST = /speed 1(\.0)? K ev\/s/; // from 300 K: 100 K, 30 K, 10 K, 3 K, 1 K (the floor)

/**
 * Presses '-' one at a time until the slowest speed shows. Keys typed before ink has put the terminal
 * in raw mode can be lost, so each press waits to be seen (or is repeated) rather than trusting one burst.
 */
async function slowDown(session: string): Promise<string> {
  const deadline = Date.now() + 45_000;
  let screen = capture(session);
  while (!SLOWEST.test(screen) && !screen.includes('EXIT=') && Date.now() < deadline) {
    tmux('send-keys', '-t', session, '-');
    const before = /speed [\d.]+ [KM]? ?ev\/s/.exec(screen)?.[0];
    const until = Date.now() + 1500;
    do {
      await sleep(100);
      screen = capture(session);
    } while (/speed [\d.]+ [KM]? ?ev\/s/.exec(screen)?.[0] === before && !screen.includes('EXIT=') && Date.now() < until);
  }
  return screen;
}

/** The events counter once it shows the same value in two paused captures 1.2 s (over a frame: POLL_MS) apart. */
async function settledCount(session: string): Promise<number> {
  let last = -2;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const screen = await waitFor(session, 'PAUSED', (s) => s.includes('PAUSED'));
    const n = eventsShown(screen);
    if (n === last) return n;
    last = n;
    await sleep(1200);
  }
  throw new Error(`the paused counter did not settle (last ${last})`);
}

function eventsShown(screen: string): number {
  const m = /events ([\d,]+)/.exec(screen);
  return m ? Number(m[1].replace(/,/g, '')) : -1;
}

function startSession(name: string, env = '', columns = 120, rows = 40, args = '--preset hakmem-larson-fix --speed 300K'): string {
  const session = `${name}-${process.pid}`;
  // `env -u CI`: CI runs set CI=true, which (rightly) turns the dashboard off; this test wants a terminal user.
  const cmd = `cd ${ROOT} && env -u CI ${env} node ${BIN} replay ${trace} ${args}; echo EXIT=$?; sleep 120`;
  tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), cmd);
  return session;
}

function killSession(session: string): void {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
}

const DASHBOARD_UP = (s: string): boolean => s.includes('space pause') || s.includes('space resume');

describe.skipIf(!HAVE_TMUX)('dashboard in a real terminal (tmux)', () => {
  it('appears, pauses on space (the counter stops), and q exits 130 with the partial summary', async () => {
    const session = startSession('slabtrace-dash');
    try {
      await waitFor(session, 'the dashboard', DASHBOARD_UP);
      // It starts at 300 K events/s (--speed: 20 s for the trace), so it is still running even when a busy
      // machine (the UI runs at a lower priority) delays the keys; slow it right down for the rest.
      const slowed = await slowDown(session);
      expect(slowed, 'the replay ended before it could be throttled').not.toContain('EXIT=');
      expect(slowed).toMatch(SLOWEST);
      const e0 = eventsShown(slowed);
      await waitFor(session, 'the counter to move', (s) => eventsShown(s) > e0);

      tmux('send-keys', '-t', session, 'Space');
      const paused = await waitFor(session, 'PAUSED', (s) => s.includes('PAUSED'));
      expect(paused).toContain('space resume');
      // A capture can fall in the middle of a redraw (the header already PAUSED, the progress line below
      // still the previous frame's): take the count once two captures a poll period apart agree.
      const p0 = await settledCount(session);
      for (let i = 0; i < 5; i++) {
        await sleep(250);
        expect(eventsShown(capture(session))).toBe(p0);
      }

      tmux('send-keys', '-t', session, 'q');
      const end = await waitFor(session, 'the exit', (s) => s.includes('EXIT='));
      expect(end).toContain('EXIT=130');
      const all = captureAll(session);
      expect(all).toContain('PARTIAL: stopped by the user');
      // quit while paused: not one event after the paused screen's count
      expect(/stopped by the user after ([\d,]+) events/.exec(all)?.[1]).toBe(p0.toLocaleString('en-US'));
      expect(all).toContain('replay of');
      expect(all.slice(all.indexOf('replay of'))).not.toContain('space pause');
    } finally {
      killSession(session);
    }
  });

  it('honours NO_COLOR (no colour codes on screen) and fits 80 columns', async () => {
    const session = startSession('slabtrace-dash-nc', 'NO_COLOR=1', 80);
    try {
      await waitFor(session, 'the dashboard', DASHBOARD_UP);
      const slowed = await slowDown(session);
      expect(slowed, 'the replay ended before it could be throttled').not.toContain('EXIT=');
      expect(slowed).toMatch(SLOWEST);
      tmux('send-keys', '-t', session, 'Space');
      const plainScreen = await waitFor(session, 'PAUSED', (s) => s.includes('PAUSED'));
      const screen = capture(session, true);
      expect(screen).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;\d+)m/);
      const lines = plainScreen.split('\n');
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
      expect(lines.some((l) => l.trimEnd() === 'space resume  s step  +/- speed  q quit')).toBe(true);
      expect(lines.some((l) => /^events [\d,]+/.test(l))).toBe(true);
      expect(lines.some((l) => /^RSS +[▁▂▃▄▅▆▇█]+ +[\d.]+ \w+ +peak/.test(l))).toBe(true);
      tmux('send-keys', '-t', session, 'q');
      await waitFor(session, 'the exit', (s) => s.includes('EXIT='));
    } finally {
      killSession(session);
    }
  });
});

describe.skipIf(!HAVE_TMUX)('a bad trace on a terminal (tmux)', () => {
  it('leaves the coded error on screen, not the dashboard it started', async () => {
    const bad = join(dir, 'cut.pb');
    writeFileSync(bad, readFileSync(trace).subarray(0, 4000)); // a header, then a frame cut short
    const session = `slabtrace-dash-bad-${process.pid}`;
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `cd ${ROOT} && env -u CI node ${BIN} replay ${bad}; echo EXIT=$?; sleep 120`);
    try {
      const end = await waitFor(session, 'the exit', (sc) => sc.includes('EXIT='));
      expect(end).toContain('EXIT=2');
      const all = captureAll(session);
      expect(all.replace(/\n/g, '')).toMatch(/cut\.pb: byte \d+ .*TRUNCATED/); // (lines wrap at 80)
      expect(all).not.toContain('space pause');
      expect(all).not.toContain('STARTING');
    } finally {
      killSession(session);
    }
  });
});

describe.skipIf(!HAVE_TMUX)('an OOM in an 80×24 terminal (tmux)', () => {
  it('holds a last screen with the header, the preset, the progress bar and the banner, then the summary', async () => {
    const session = startSession('slabtrace-dash-oom', 'NO_COLOR=1', 80, 24, '--preset hakmem-larson-bug --max-map-count 1500');
    try {
      const held = await waitFor(session, 'the held OOM screen', (s) => s.includes('OUT OF MEMORY at event') && s.includes('any key summary in'));
      const lines = held.split('\n');
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
      expect(lines[0]).toMatch(/^slabtrace .*larson\.pb/);
      expect(held).toContain('preset hakmem-larson-bug (maxMapCount=1500)');
      expect(held).toMatch(/ OOM( |$)/m);
      expect(held).toMatch(/^events [\d,]+ \/ [\d,]+/m);
      expect(held).toMatch(/^█*░+ +\d+\.\d%$/m);
      expect(held).toContain('the VMA limit (vm.max_map_count) is reached');
      expect(held).toMatch(/^maps +[▁▂▃▄▅▆▇█]+ 1,4\d\d \/ 1,500/m);
      // no key: the screen gives way to the summary by itself (after 5 s), exit 3
      const end = await waitFor(session, 'the exit', (s) => s.includes('EXIT='), 30_000);
      expect(end).toContain('EXIT=3');
      expect(end).toContain('OUT OF MEMORY at event');
      const all = captureAll(session);
      expect(all).toContain('under hakmem-larson-bug');
      expect(all.slice(all.indexOf('replay of'))).not.toContain('any key summary');
    } finally {
      killSession(session);
    }
  });
});

function runPiped(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, 'replay', trace, '--preset', 'hakmem-larson-fix'], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('replay without a terminal', () => {
  it.each([
    ['piped', {}],
    ['piped with CI=true', { CI: 'true' }],
  ])('%s: plain summary, no escape sequences', async (_name, env) => {
    const r = await runPiped(env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('replay of');
    expect(r.stdout).toMatch(/state\s+done/);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stderr).not.toContain('\x1b');
    expect(r.stdout).not.toContain('space pause');
  });
});
