// `slabtrace replay FILE|-`: replays a trace through the allocator model in a worker. On a terminal
// it shows the live dashboard; with --no-ui, --json, CI=true or a non-TTY stdout it prints plain
// progress (stderr, TTY only) and the summary. Exit: 0 done, 3 OOM reproduced, 130 interrupted.

import type { Command } from 'commander';
import { replayParams, replayStart, type ReplayConfig, type ReplayResult } from '../../replayer/index.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_OOM } from '../errors.js';
import { plainProgressStart } from '../plainProgress.js';
import { summaryText } from '../summary.js';
import { DEFAULT_PRESET, replayCheckFile, replayConfigFromCli, replayOptionsAdd, type ReplayCliOptions } from './replayOptions.js';

interface ReplayCommandOptions extends ReplayCliOptions {
  preset: string;
  ui: boolean;
  inProcess?: boolean;
}

export function replayRegister(program: Command): void {
  const cmd = program
    .command('replay')
    .description('replay a trace through the allocator model (live dashboard on a terminal)')
    .argument('<file>', 'trace file (- for stdin)')
    .option('-p, --preset <name>', 'allocator preset (see `slabtrace presets`)', DEFAULT_PRESET)
    .option('--no-ui', 'plain progress and summary instead of the dashboard')
    .option('--in-process', 'replay on the main thread (no worker, no live view)');
  replayOptionsAdd(cmd).action(async (file: string, opts: ReplayCommandOptions) => {
    process.exitCode = await replayCommand(file, opts);
  });
}

/** The exit code a finished replay deserves. */
export function replayExitCode(r: ReplayResult): number {
  if (r.oom) return EXIT_OOM;
  if (r.partial) return EXIT_INTERRUPTED;
  return EXIT_OK;
}

export function replayWantsDashboard(opts: { ui: boolean; json?: boolean }): boolean {
  return opts.ui && !opts.json && process.stdout.isTTY === true && !process.env.CI;
}

async function replayCommand(file: string, opts: ReplayCommandOptions): Promise<number> {
  replayCheckFile(file);
  const cfg = replayConfigFromCli(opts.preset, opts);
  replayParams(cfg);
  if (replayWantsDashboard(opts) && !opts.inProcess) {
    const { dashboardReplay } = await import('../dashboard/index.js');
    return dashboardReplay(file, cfg);
  }
  const result = await replayPlain(file, cfg, !opts.inProcess);
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : summaryText(result));
  return replayExitCode(result);
}

/** Replays with plain progress on stderr (when it is a terminal); Ctrl-C stops with a partial result. */
export async function replayPlain(file: string, cfg: ReplayConfig, worker = true): Promise<ReplayResult> {
  const handle = replayStart(file, cfg, { worker });
  const progress = plainProgressStart(handle, cfg.preset);
  const onSignal = (): void => handle.quit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await handle.result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
  }
}
