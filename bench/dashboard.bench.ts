// Dashboard benchmark (issue #5): replay throughput with the live dashboard rendering must stay
// >= 0.95 of headless throughput on the same trace. The dashboard (the real one: dashboardStart, which
// polls the shared buffers, renders with ink throttled to DASHBOARD_MAX_FPS, React in production mode
// and a lowered UI-thread priority as in the CLI) draws into a fake 120×40 terminal that discards its
// output while the worker replays; headless is replayStart alone. Each run is a fresh process (this
// file run with --child, like one CLI invocation), runs alternate, and the medians are compared.
// Throughput is the replay's own events/s (timed in the worker, so process start-up is left out).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as recorder from '../recorder/index.js';
import { replayStart, type ReplayConfig } from '../replayer/index.js';
import { dashboardLoad, dashboardStart } from '../ui/dashboard/index.js';
import { THEME_COLOR } from '../ui/dashboard/theme.js';

const LARSON = ['10', '8', '1000', '5000', '100', '4141', '2'];
const OPS = 30_000_000;
const ROUNDS = 9;
const CFG: ReplayConfig = { preset: 'hakmem-larson-fix' };

interface ChildFigures {
  events: number;
  eventsPerSec: number;
  wallSeconds: number;
  writes?: number;
  /** CPU seconds the UI (main) thread used per second of replay, from the replay's start; -1 when unknown (not Linux). */
  uiCpu?: number;
  /** Seconds from dashboardStart to the replay's start (header read, ink mounted, first frame drawn). */
  startSeconds?: number;
}

/** CPU seconds used so far by this process's main thread (Linux /proc), -1 elsewhere. */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (USER_HZ = 100)
  } catch {
    return -1;
  }
}

/** A terminal that discards what it is sent, counting writes. */
function fakeTty(columns: number, rows: number): { stream: NodeJS.WriteStream; writes: () => number } {
  let writes = 0;
  const w = new Writable({
    write(_chunk: Buffer | string, _enc, cb) {
      writes++;
      cb();
    },
  });
  Object.assign(w, { columns, rows, isTTY: true });
  return { stream: w as unknown as NodeJS.WriteStream, writes: () => writes };
}

function fakeStdin(): NodeJS.ReadStream {
  const s = new PassThrough();
  Object.assign(s, { isTTY: true, setRawMode: () => s, ref: () => s, unref: () => s });
  return s as unknown as NodeJS.ReadStream;
}

async function childHeadless(file: string): Promise<ChildFigures> {
  const r = await replayStart(file, CFG).result;
  return { events: r.events, eventsPerSec: r.eventsPerSec, wallSeconds: r.wallSeconds };
}

async function childDashboard(file: string): Promise<ChildFigures> {
  const tty = fakeTty(120, 40);
  await dashboardLoad();
  const t0 = performance.now();
  const { result } = await dashboardStart(file, CFG, { holdOnOom: false, theme: THEME_COLOR, stdout: tty.stream, stdin: fakeStdin() });
  const startSeconds = (performance.now() - t0) / 1000;
  const cpu0 = mainThreadCpuSeconds(); // the replay has started: what the UI costs while it runs
  const r = await result;
  const uiCpu = cpu0 < 0 ? -1 : (mainThreadCpuSeconds() - cpu0) / r.wallSeconds;
  return { events: r.events, eventsPerSec: r.eventsPerSec, wallSeconds: r.wallSeconds, writes: tty.writes(), uiCpu, startSeconds };
}

function runChild(mode: 'headless' | 'dashboard', file: string): ChildFigures {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, file], {
    encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`bench child (${mode}) printed no figures: ${out}`);
  return JSON.parse(line) as ChildFigures;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchDashboard(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'slabtrace-bench-dash-'));
  try {
    const file = join(dir, 'larson-4141.pb');
    await recorder.recordWorkload('larson', LARSON, file, { ops: OPS });
    runChild('headless', file); // warm-up (page cache)
    const headless: ChildFigures[] = [];
    const dashboard: ChildFigures[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      headless.push(runChild('headless', file));
      dashboard.push(runChild('dashboard', file));
    }
    const h = median(headless.map((x) => x.eventsPerSec));
    const d = median(dashboard.map((x) => x.eventsPerSec));
    const { DASHBOARD_MAX_FPS } = await dashboardLoad();
    const f = {
      events: dashboard[0].events,
      headlessEventsPerSec: h,
      dashboardEventsPerSec: d,
      ratio: d / h,
      uiThreadCpuPerSec: median(dashboard.map((x) => x.uiCpu ?? -1)),
      terminalWritesPerSec: median(dashboard.map((x) => (x.writes ?? 0) / x.wallSeconds)),
      startSeconds: median(dashboard.map((x) => x.startSeconds ?? 0)),
    };
    const m = (x: number): string => (x / 1e6).toFixed(2);
    console.log(`larson ${LARSON.slice(1).join(' ')} (--ops ${OPS}): ${f.events} events; ${ROUNDS} alternating runs, one process each; medians`);
    console.log(`headless runs:   ${headless.map((x) => m(x.eventsPerSec)).join(' ')} M events/s`);
    console.log(`dashboard runs:  ${dashboard.map((x) => m(x.eventsPerSec)).join(' ')} M events/s`);
    console.log(`headless replay:          ${m(h)} M events/s`);
    console.log(`with dashboard (120×40):  ${m(d)} M events/s`);
    console.log(`ratio:                    ${f.ratio.toFixed(3)} (target >= 0.95)`);
    console.log(`UI thread CPU:            ${f.uiThreadCpuPerSec < 0 ? 'n/a' : `${(f.uiThreadCpuPerSec * 1000).toFixed(0)} ms per second of replay (from the replay's start to the summary)`}`);
    console.log(`dashboard start-up:       ${(f.startSeconds * 1000).toFixed(0)} ms before the replay starts (header read, ink mounted, first frame)`);
    console.log(`terminal writes/s:        ${f.terminalWritesPerSec.toFixed(1)} (ink maxFps ${DASHBOARD_MAX_FPS})`);
    return f;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node dashboard.bench.js --child headless|dashboard FILE`: one measured run, figures as JSON. */
async function benchChildMain(): Promise<void> {
  const [, , flag, mode, file] = process.argv;
  if (flag !== '--child' || !file) return;
  const f = mode === 'dashboard' ? await childDashboard(file) : await childHeadless(file);
  process.stdout.write(`\n${JSON.stringify(f)}\n`);
  process.exit(0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void benchChildMain();
