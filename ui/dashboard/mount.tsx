// Mounting the live dashboard with ink on a stream (the terminal, or a fake one in the bench) for a
// replay that is already started; resolves with the result once the dashboard has closed. Loaded
// lazily by index.ts (after NODE_ENV is settled) so React is only loaded when the dashboard runs.

import { render } from 'ink';
import { openStatsView } from '../../allocator/index.js';
import type { ReplayResult } from '../../replayer/index.js';
import { App, type AppHandle } from './App.js';
import type { HeaderInfo } from './Header.js';
import type { DashboardTheme } from './theme.js';

/** Frames per second at most (ink throttles renders to this). */
export const DASHBOARD_MAX_FPS = 6;

interface DashboardMountOptions {
  /** After an OOM, hold the last screen for a key or OOM_HOLD_MS (only when stdout is a terminal). */
  holdOnOom: boolean;
  theme: DashboardTheme;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Read keys from stdin (default: when stdin is a terminal). */
  keys?: boolean;
}

export function dashboardMount(handle: AppHandle, info: HeaderInfo, opts: DashboardMountOptions): Promise<ReplayResult> {
  const keys = opts.keys ?? (opts.stdin ?? process.stdin).isTTY === true;
  // the last screen is held only where someone can see it
  const hold = opts.holdOnOom && (opts.stdout ?? process.stdout).isTTY === true;
  return new Promise<ReplayResult>((resolve, reject) => {
    let failed: unknown = null;
    const ink = render(
      <App handle={handle} info={info} openView={openStatsView} holdOnOom={hold} theme={opts.theme} keys={keys}
        onFinish={resolve}
        onError={(err) => { failed = err; handle.quit(); ink.unmount(); }} />,
      {
        ...(opts.stdout ? { stdout: opts.stdout } : {}), ...(opts.stdin ? { stdin: opts.stdin } : {}),
        exitOnCtrlC: false, patchConsole: false, maxFps: DASHBOARD_MAX_FPS,
      },
    );
    ink.waitUntilExit().then(() => { if (failed) reject(failed); }, reject);
    handle.result.catch((err: unknown) => { ink.unmount(); reject(err); });
  });
}
