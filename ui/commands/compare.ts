// `slabtrace compare FILE --preset A --preset B ... [--native glibc --native mimalloc ...]`: the same
// trace under several presets (replayed in parallel workers) and real allocators (replayed natively,
// one at a time, after the presets), printed side by side as one table (final figures, then each mark)
// or one JSON array, presets first. Exit 3 when any column ran out of memory (so a script can assert that
// a bug reproduces under one preset), 130 when interrupted, else 0; an allocator that crashed is a result.
// Progress: each column's events on one line on a terminal's stderr (plainProgress.ts).

import type { Command } from 'commander';
import { replayCompareAll, type AnyReplayResult } from '../../replayer/index.js';
import { UsageError } from '../errors.js';
import { compareExitCode } from '../exitCodes.js';
import { summaryCompare } from '../summary.js';
import { untilDone } from '../interrupt.js';
import { compareProgressStart, type CompareColumnProgress } from '../plainProgress.js';
import { optCollect } from './options.js';
import { stdoutWidth } from './stdout.js';
import {
  NATIVE_HELP, nativeCli, nativeConfigFromCli, replayCheckFile, replayConfigFromCli, replayOptionsAdd, TOUCH_HELP, type ReplayCliOptions,
} from './replayOptions.js';
import { replayJsonWrite, replayOutputOptionsAdd, replayOutputsCheck, replayOutputsWrite, type ReplayOutputOptions } from './replayOutputs.js';
import { statSync } from 'node:fs';

interface CompareCommandOptions extends ReplayCliOptions, ReplayOutputOptions {
  preset: string[];
  native: string[];
  touch?: string;
}

export function compareRegister(program: Command): void {
  const cmd = program
    .command('compare')
    .description('replay one trace under several presets and real allocators side by side')
    .argument('<file>', 'trace file (not stdin: it is read once per preset)')
    .option('-p, --preset <name>', 'a preset to compare (repeat: --preset A --preset B)', optCollect, [])
    .option('--native <allocator>', `a real allocator to compare (repeatable); ${NATIVE_HELP}`, optCollect, [])
    .option('--touch <what>', TOUCH_HELP)
    .option('--no-ui', 'accepted for symmetry with replay (compare never shows the dashboard; progress goes to stderr)');
  replayOutputOptionsAdd(replayOptionsAdd(cmd)).action(async (file: string, opts: CompareCommandOptions) => {
    process.exitCode = await compareCommand(file, opts);
  });
}

async function compareCommand(file: string, opts: CompareCommandOptions): Promise<number> {
  if (file === '-') throw new UsageError('compare reads the trace once per preset: give a file, not stdin');
  if (opts.preset.length + opts.native.length < 2) throw new UsageError('compare needs at least two columns (--preset A --preset B, or --native glibc --native mimalloc, or both)');
  if (opts.touch !== undefined && opts.native.length === 0) throw new UsageError('--touch applies to native replays (--native)');
  replayCheckFile(file);
  if (!statSync(file).isFile()) throw new UsageError(`${file}: compare reads the trace once per column: give a regular file, not a pipe or a FIFO`);
  if ((opts.timeline !== undefined || opts.plot !== undefined) && opts.preset.length === 0) throw new UsageError('--timeline and --plot need at least one --preset (native replays have no timeline)');
  replayOutputsCheck(opts, false);
  const cfg = replayConfigFromCli(opts.preset[0] ?? '', opts);
  const { touch, stderr } = nativeConfigFromCli('', opts);
  const quitters: (() => void)[] = [];
  const columns: CompareColumnProgress[] = [];
  const progress = compareProgressStart(columns);
  const results: AnyReplayResult[] = await untilDone(nativeCli(() => replayCompareAll(file, {
    ...cfg, presets: opts.preset, natives: opts.native, native: { touch, stderr },
    onStart: (p, h) => { quitters.push(() => h.quit()); columns.push({ name: p, control: h.control }); },
    onNativeStart: (a, h) => { quitters.push(() => h.quit()); columns.push({ name: `${a} (native)`, control: h.control }); },
  })), () => { for (const q of quitters) q(); }).finally(() => progress.stop());
  replayOutputsWrite(results, opts);
  if (opts.json) await replayJsonWrite(results, opts);
  else process.stdout.write(summaryCompare(results, stdoutWidth()));
  return compareExitCode(results);
}
