// `slabtrace replay FILE|-`: replays a trace through the allocator model in a worker. On a terminal
// it shows the live dashboard; with --no-ui, --json, CI=true or a non-TTY stdout it prints plain
// progress (stderr, TTY only) and the summary. Exit: 0 done, 3 OOM reproduced, 130 interrupted.
// With --native ALLOCATOR it replays through a real malloc in a child process instead (plain progress
// and the same summary or JSON); exit 3 when the allocator returned NULL, 4 when the replay process
// crashed (the allocator, most likely: the summary names the signal and the event).

import type { Command } from 'commander';
import {
  nativeReplayStart, replayParams, replayStart, type NativeReplayConfig,
  type NativeReplayResult, type ReplayConfig, type ReplayResult,
} from '../../replayer/index.js';
import { UsageError } from '../errors.js';
import { replayExitCode } from '../exitCodes.js';
import { nativeProgressStart, plainProgressStart } from '../plainProgress.js';
import { summaryText } from '../summary.js';
import { untilDone } from '../interrupt.js';
import {
  DEFAULT_PRESET, NATIVE_HELP, nativeCli, nativeConfigFromCli, nativeRefuseModelOptions, replayCheckFile, replayConfigFromCli, replayOptionsAdd,
  TOUCH_HELP, type ReplayCliOptions,
} from './replayOptions.js';
import { replayJsonWrite, replayOutputOptionsAdd, replayOutputsCheck, replayOutputsWrite, replaySummaryOptions, type ReplayOutputOptions } from './replayOutputs.js';

interface ReplayCommandOptions extends ReplayCliOptions, ReplayOutputOptions {
  preset: string;
  ui: boolean;
  inProcess?: boolean;
  native?: string;
  touch?: string;
}

export function replayRegister(program: Command): void {
  const cmd = program
    .command('replay')
    .description('replay a trace through the allocator model (live dashboard on a terminal)')
    .argument('<file>', 'trace file (- for stdin)')
    .option('-p, --preset <name>', 'allocator preset (see `slabtrace presets`)', DEFAULT_PRESET)
    .option('--no-ui', 'plain progress and summary instead of the dashboard')
    .option('--in-process', 'replay on the main thread (no worker, no live view)')
    .option('--native <allocator>', NATIVE_HELP)
    .option('--touch <what>', TOUCH_HELP);
  replayOutputOptionsAdd(replayOptionsAdd(cmd)).action(async (file: string, opts: ReplayCommandOptions, self: Command) => {
    replayOutputsCheck(opts, opts.native !== undefined);
    process.exitCode = opts.native !== undefined
      ? await replayNativeCommand(file, opts, self.getOptionValueSource('preset') === 'cli')
      : await replayCommand(file, opts);
  });
}

export function replayWantsDashboard(opts: { ui: boolean; json?: boolean }): boolean {
  return opts.ui && !opts.json && process.stdout.isTTY === true && !process.env.CI;
}

async function replayCommand(file: string, opts: ReplayCommandOptions): Promise<number> {
  if (opts.touch !== undefined) throw new UsageError('--touch applies to native replays (--native)');
  replayCheckFile(file);
  const cfg = replayConfigFromCli(opts.preset, opts);
  replayParams(cfg);
  if (replayWantsDashboard(opts) && !opts.inProcess) {
    const { dashboardReplay } = await import('../dashboard/index.js');
    return dashboardReplay(file, cfg);
  }
  const result = await replayPlain(file, cfg, !opts.inProcess);
  replayOutputsWrite([result], opts);
  if (opts.json) await replayJsonWrite(result, opts);
  else process.stdout.write(summaryText(result, replaySummaryOptions(opts)));
  return replayExitCode(result);
}

/** Replays with plain progress on stderr (when it is a terminal); Ctrl-C stops with a partial result. */
export async function replayPlain(file: string, cfg: ReplayConfig, worker = true): Promise<ReplayResult> {
  const handle = replayStart(file, cfg, { worker });
  return replayUntilDone(handle, plainProgressStart(handle, cfg.preset));
}

/** Awaits a replay's result, Ctrl-C / SIGTERM asking it to stop (partial result), then stops the progress. */
async function replayUntilDone<R>(handle: { result: Promise<R>; quit(): void }, progress: { stop(): void }): Promise<R> {
  try {
    return await untilDone(handle.result, () => handle.quit());
  } finally {
    progress.stop();
  }
}

async function replayNativeCommand(file: string, opts: ReplayCommandOptions, presetGiven: boolean): Promise<number> {
  nativeRefuseModelOptions(opts, presetGiven);
  replayCheckFile(file);
  const cfg = nativeConfigFromCli(opts.native!, opts);
  const result = await nativeCli(() => replayNativePlain(file, cfg));
  if (opts.json) await replayJsonWrite(result, opts);
  else process.stdout.write(summaryText(result));
  return replayExitCode(result);
}

/** A native replay with plain progress on stderr (a terminal only); Ctrl-C stops it with a partial result. */
async function replayNativePlain(file: string, cfg: NativeReplayConfig): Promise<NativeReplayResult> {
  const handle = nativeReplayStart(file, cfg);
  return replayUntilDone(handle, nativeProgressStart(handle, cfg.allocator));
}
