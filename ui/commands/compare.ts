// `slabtrace compare FILE --preset A --preset B ...`: the same trace under several presets, replayed
// in parallel workers, printed side by side (final figures, then each mark). Exit 0 unless a replay
// failed; an OOM under one preset is a result here, not a failure.

import type { Command } from 'commander';
import { replayCompare, type ReplayResult } from '../../replayer/index.js';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors.js';
import { summaryCompare } from '../summary.js';
import { optCollect } from './options.js';
import { replayCheckFile, replayConfigFromCli, replayOptionsAdd, type ReplayCliOptions } from './replayOptions.js';

interface CompareCommandOptions extends ReplayCliOptions {
  preset: string[];
}

export function compareRegister(program: Command): void {
  const cmd = program
    .command('compare')
    .description('replay one trace under several presets side by side')
    .argument('<file>', 'trace file (not stdin: it is read once per preset)')
    .option('-p, --preset <name>', 'a preset to compare (repeat: --preset A --preset B)', optCollect, []);
  replayOptionsAdd(cmd).action(async (file: string, opts: CompareCommandOptions) => {
    process.exitCode = await compareCommand(file, opts);
  });
}

async function compareCommand(file: string, opts: CompareCommandOptions): Promise<number> {
  if (file === '-') throw new UsageError('compare reads the trace once per preset: give a file, not stdin');
  if (opts.preset.length < 2) throw new UsageError('compare needs at least two presets (--preset A --preset B)');
  replayCheckFile(file);
  const cfg = replayConfigFromCli(opts.preset[0], opts);
  const quitters: (() => void)[] = [];
  const onSignal = (): void => { for (const q of quitters) q(); };
  process.on('SIGINT', onSignal);
  let results: ReplayResult[];
  try {
    results = await replayCompare(file, { ...cfg, presets: opts.preset, onStart: (_p, h) => quitters.push(() => h.quit()) });
  } finally {
    process.off('SIGINT', onSignal);
  }
  process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : summaryCompare(results));
  return results.some((r) => r.partial) ? EXIT_INTERRUPTED : EXIT_OK;
}
