// The live dashboard (ink) for `replay` on a terminal: starts the replay in a worker, renders the
// dashboard (throttled) until the replay ends — after an OOM, holding the last screen for a key or
// 5 s — then gives way to the plain summary. Ctrl-C, SIGINT, SIGTERM and q stop the replay with a partial result.
// React and ink are loaded only here, lazily, in production mode unless NODE_ENV says otherwise (the
// development build costs the UI thread about twice the CPU per frame); on Linux the UI thread and the
// process's helper threads run at a lower priority than the replay workers while it shows (renice.ts).

import { untilDone } from '../interrupt.js';
import { replayStart, type ReplayConfig, type ReplayHandle, type ReplayResult } from '../../replayer/index.js';
import { openTrace } from '../../traces/index.js';
import { replayExitCode } from '../exitCodes.js';
import { summaryText } from '../summary.js';
import type { HeaderInfo } from './Header.js';
import { reniceHelpers, reniceMain } from './renice.js';
import { themeFromEnv, type DashboardTheme } from './theme.js';

interface DashboardOptions {
  /** After an OOM, hold the last screen until a key or 5 s (default true; never when stdout is not a terminal). */
  holdOnOom?: boolean;
}

/** Loads the ink part (mount.tsx), React in production mode unless NODE_ENV is set. */
export async function dashboardLoad(): Promise<typeof import('./mount.js')> {
  process.env.NODE_ENV ??= 'production';
  return import('./mount.js');
}

/** The header's facts: the trace header's workload and parameters (not for stdin), and the preset. */
async function dashboardInfo(file: string, cfg: ReplayConfig): Promise<HeaderInfo> {
  const info: HeaderInfo = { file: file === '-' ? '<stdin>' : file, workload: '', workloadParams: {}, preset: cfg.preset, overrides: cfg.overrides ?? {} };
  if (file === '-') return info;
  try {
    const reader = await openTrace(file, { lenient: true, allowTruncated: true });
    info.workload = reader.header.workload;
    info.workloadParams = reader.header.params;
    info.workloadArgs = reader.header.args;
    await reader.close();
  } catch {
    // the replay itself reports a bad trace
  }
  return info;
}

interface DashboardStartOptions extends DashboardOptions {
  theme?: DashboardTheme;
  /** The terminal (default process.stdout / process.stdin). */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/** Mounts the dashboard, which then starts the replay of `file` (after its first frame); `result` settles
 *  when the dashboard closed. */
export async function dashboardStart(file: string, cfg: ReplayConfig, opts: DashboardStartOptions = {}): Promise<{ handle: ReplayHandle; result: Promise<ReplayResult> }> {
  const { dashboardMount } = await dashboardLoad();
  const info = await dashboardInfo(file, cfg); // also brings up libuv's pool before the priority drops
  let restore = (): void => {};
  const start = (): ReplayHandle => {
    reniceHelpers();
    const handle = replayStart(file, cfg);
    restore = reniceMain();
    return handle;
  };
  const mounted = dashboardMount(start, info, {
    holdOnOom: opts.holdOnOom ?? true, theme: opts.theme ?? themeFromEnv(), stdout: opts.stdout, stdin: opts.stdin,
    keys: file === '-' ? false : undefined, // stdin carries the trace
  });
  const result = mounted.result.finally(() => restore());
  try {
    return { handle: await mounted.started, result };
  } catch (err) {
    result.catch(() => {}); // the same failure, reported once
    throw err;
  }
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
