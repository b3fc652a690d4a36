// The live dashboard (ink) for `replay` on a terminal: starts the replay in a worker, renders the
// dashboard (throttled) until the replay ends — or, after an OOM, until the user quits — then gives
// way to the plain summary. Ctrl-C, SIGINT, SIGTERM and q stop the replay with a partial result.

import { render } from 'ink';
import { openStatsView } from '../../allocator/index.js';
import { replayStart, type ReplayConfig, type ReplayResult } from '../../replayer/index.js';
import { openTrace } from '../../traces/index.js';
import { replayExitCode } from '../commands/replay.js';
import { summaryText } from '../summary.js';
import { App } from './App.js';
import type { HeaderInfo } from './Header.js';
import { themeFromEnv } from './theme.js';

export interface DashboardOptions {
  /** After an OOM, keep the dashboard until the user quits (default true). */
  holdOnOom?: boolean;
}

/** Frames per second at most (ink throttles renders to this). */
export const DASHBOARD_MAX_FPS = 8;

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

/** Replays `file` on the dashboard; resolves with the result once the dashboard closes. */
export async function dashboardRun(file: string, cfg: ReplayConfig, opts: DashboardOptions = {}): Promise<ReplayResult> {
  const handle = replayStart(file, cfg);
  const onSignal = (): void => handle.quit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const info = await dashboardInfo(file, cfg);
    return await new Promise<ReplayResult>((resolve, reject) => {
      let failed: unknown = null;
      const ink = render(
        <App handle={handle} info={info} openView={openStatsView} holdOnOom={opts.holdOnOom ?? true} theme={themeFromEnv()}
          onFinish={resolve}
          onError={(err) => { failed = err; handle.quit(); ink.unmount(); }} />,
        { exitOnCtrlC: false, patchConsole: false, maxFps: DASHBOARD_MAX_FPS },
      );
      ink.waitUntilExit().then(() => { if (failed) reject(failed); }, reject);
      handle.result.catch(reject);
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `replay` on a terminal: the dashboard, then the summary; resolves with the exit code. */
export async function dashboardReplay(file: string, cfg: ReplayConfig): Promise<number> {
  const result = await dashboardRun(file, cfg);
  process.stdout.write(summaryText(result));
  return replayExitCode(result);
}
