// Mounting the live dashboard with ink on a stream (the terminal, or a fake one in the bench), then
// starting the replay from the App's first effect — after ink, React and the first frame are up, so
// their start-up does not run against the replay. `started` settles with the replay's handle,
// `result` with the replay's result once the dashboard has closed. Loaded lazily by index.ts (after
// NODE_ENV is settled) so React is only loaded when the dashboard runs.

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

export interface DashboardMounted<H extends AppHandle> {
  /** The replay's handle, once the App has started it (rejects when the dashboard failed first). */
  started: Promise<H>;
  result: Promise<ReplayResult>;
}

export function dashboardMount<H extends AppHandle>(start: () => H, info: HeaderInfo, opts: DashboardMountOptions): DashboardMounted<H> {
  const keys = opts.keys ?? (opts.stdin ?? process.stdin).isTTY === true;
  // the last screen is held only where someone can see it
  const hold = opts.holdOnOom && (opts.stdout ?? process.stdout).isTTY === true;
  let handle: H | null = null;
  let onStarted: (h: H) => void = () => {};
  const started = new Promise<H>((resolve) => { onStarted = resolve; });
  const result = new Promise<ReplayResult>((resolve, reject) => {
    let failed: unknown = null;
    /** A failed replay or dashboard: the live area is cleared, so the error is what is left on screen. */
    const close = (): void => {
      ink.clear();
      ink.unmount();
    };
    const fail = (err: unknown): void => {
      failed = err;
      handle?.quit();
      close();
    };
    const startOnce = (): H => {
      const h = start();
      handle = h;
      h.result.catch((err: unknown) => { close(); reject(err); });
      onStarted(h);
      return h;
    };
    const ink = render(
      <App start={startOnce} info={info} openView={openStatsView} holdOnOom={hold} theme={opts.theme} keys={keys}
        onFinish={resolve} onError={fail} />,
      {
        ...(opts.stdout ? { stdout: opts.stdout } : {}), ...(opts.stdin ? { stdin: opts.stdin } : {}),
        exitOnCtrlC: false, patchConsole: false, maxFps: DASHBOARD_MAX_FPS,
      },
    );
    ink.waitUntilExit().then(() => { if (failed) reject(failed); }, reject);
  });
  return { started: Promise.race([started, result.then(() => Promise.reject(new Error('dashboard closed before the replay started')))]), result };
}
