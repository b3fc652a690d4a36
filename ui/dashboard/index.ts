// The live dashboard (ink) for `replay` on a terminal: starts the replay in a worker, renders the
// dashboard (throttled) until the replay ends — after an OOM, holding the last screen for a key or
// 5 s — then gives way to the plain summary. Ctrl-C, SIGINT, SIGTERM and q stop the replay with a partial result.
// React and ink are loaded only here, lazily, in production mode unless NODE_ENV says otherwise (the
// development build costs the UI thread about twice the CPU per frame); on Linux the UI thread and the
// process's helper threads that exist before the replay starts (V8's GC/JIT threads, which the UI keeps
// busy, and libuv's pool) run at a lower priority than the replay workers (dashboardYieldHelpers,
// dashboardYieldMain).

import { untilDone } from '../interrupt.js';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { replayStart, type ReplayConfig, type ReplayHandle, type ReplayResult } from '../../replayer/index.js';
import { openTrace } from '../../traces/index.js';
import { replayExitCode } from '../commands/replay.js';
import { summaryText } from '../summary.js';
import type { HeaderInfo } from './Header.js';
import { themeFromEnv, type DashboardTheme } from './theme.js';

export interface DashboardOptions {
  /** After an OOM, hold the last screen until a key or 5 s (default true; never when stdout is not a terminal). */
  holdOnOom?: boolean;
}

/** Loads the ink part (mount.tsx), React in production mode unless NODE_ENV is set. */
export async function dashboardLoad(): Promise<typeof import('./mount.js')> {
  process.env.NODE_ENV ??= 'production';
  return import('./mount.js');
}

/** The header's facts: the trace header's workload and parameters (not for stdin), and the preset. */
export async function dashboardInfo(file: string, cfg: ReplayConfig): Promise<HeaderInfo> {
  const info: HeaderInfo = { file: file === '-' ? '<stdin>' : file, workload: '', workloadParams: {}, preset: cfg.preset, overrides: cfg.overrides ?? {} };
  if (file === '-') return info;
  try {
    const reader = await openTrace(file, { lenient: true, allowTruncated: true });
    info.workload = reader.header.workload;
    info.workloadParams = reader.header.params;
    await reader.close();
  } catch {
    // the replay itself reports a bad trace
  }
  return info;
}

/** How much the helper threads' nice value is raised while the dashboard runs (Linux). */
const HELPER_NICE = 10;

/**
 * Linux only: lowers the UI (main) thread's priority while the replay runs, after its workers exist;
 * returns the function that puts it back when the dashboard closes (so that a later replay's workers,
 * which inherit the main thread's niceness, start at normal priority). Raising it back needs
 * CAP_SYS_NICE; without it the thread simply stays lower.
 */
export function dashboardYieldMain(): () => void {
  if (process.platform !== 'linux') return () => {};
  let before: number;
  try {
    before = os.getPriority(process.pid);
  } catch {
    return () => {};
  }
  dashboardRenice(process.pid);
  return () => {
    try {
      os.setPriority(process.pid, before);
    } catch {
      // not allowed to raise the priority again: the UI thread stays lower
    }
  };
}

function dashboardRenice(tid: number): void {
  try {
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + HELPER_NICE));
  } catch {
    // not allowed, or the thread is gone: leave it
  }
}

/**
 * Linux only: lowers the priority of this process's helper threads that exist now — V8's platform
 * threads (concurrent GC and compilation, which the UI keeps busy) and libuv's pool — but not the main
 * thread: niceness is per thread on Linux and inherited by threads created later, and the replay's
 * workers, created by the main thread, must start at normal priority. Call before replayStart.
 */
export function dashboardYieldHelpers(): void {
  if (process.platform !== 'linux') return;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const t of tids) if (Number(t) !== process.pid) dashboardRenice(Number(t));
}

export interface DashboardStartOptions extends DashboardOptions {
  theme?: DashboardTheme;
  /** The terminal (default process.stdout / process.stdin). */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/** Starts the replay of `file` and mounts the dashboard on it; `result` settles when the dashboard closed. */
export async function dashboardStart(file: string, cfg: ReplayConfig, opts: DashboardStartOptions = {}): Promise<{ handle: ReplayHandle; result: Promise<ReplayResult> }> {
  const { dashboardMount } = await dashboardLoad();
  const info = await dashboardInfo(file, cfg); // also brings up libuv's pool before the priority drops
  dashboardYieldHelpers();
  const handle = replayStart(file, cfg);
  const restore = dashboardYieldMain();
  const mounted = dashboardMount(handle, info, {
    holdOnOom: opts.holdOnOom ?? true, theme: opts.theme ?? themeFromEnv(), stdout: opts.stdout, stdin: opts.stdin,
    keys: file === '-' ? false : undefined, // stdin carries the trace
  });
  const result = mounted.finally(restore);
  return { handle, result };
}

/** Replays `file` on the dashboard; resolves with the result once the dashboard closes. */
export async function dashboardRun(file: string, cfg: ReplayConfig, opts: DashboardOptions = {}): Promise<ReplayResult> {
  const { handle, result } = await dashboardStart(file, cfg, opts);
  return untilDone(result, () => handle.quit());
}

/** `replay` on a terminal: the dashboard, then the summary; resolves with the exit code. */
export async function dashboardReplay(file: string, cfg: ReplayConfig): Promise<number> {
  const result = await dashboardRun(file, cfg);
  process.stdout.write(summaryText(result));
  return replayExitCode(result);
}
