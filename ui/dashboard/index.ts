// The live dashboard (ink). Placeholder until the dashboard lands: replays with plain progress.

import type { ReplayConfig, ReplayResult } from '../../replayer/index.js';
import { replayExitCode, replayPlain } from '../commands/replay.js';
import { summaryText } from '../summary.js';

export interface DashboardOptions {
  /** After an OOM, keep the dashboard until the user quits (default true). */
  holdOnOom?: boolean;
}

/** Replays `file` on the dashboard; resolves with the result once the dashboard closes. */
export async function dashboardRun(file: string, cfg: ReplayConfig, _opts: DashboardOptions = {}): Promise<ReplayResult> {
  return replayPlain(file, cfg);
}

/** `replay` on a terminal: the dashboard, then the summary; resolves with the exit code. */
export async function dashboardReplay(file: string, cfg: ReplayConfig): Promise<number> {
  const result = await dashboardRun(file, cfg);
  process.stdout.write(summaryText(result));
  return replayExitCode(result);
}
