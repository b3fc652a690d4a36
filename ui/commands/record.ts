// `slabtrace record <workload> [args...] -o FILE`: runs a seeded generator into a trace file
// (`.json`/`.jsonl` → JSON form, `.gz` → gzip, `-` → stdout, refused for binary output on a terminal).
// Ctrl-C leaves a readable, truncated trace (the events so far, no footer) and exits 130; any other
// failure leaves no file (output.ts). Progress (bytes written) on a terminal's stderr unless --quiet.
// `record exec` is a subcommand (recordExec.ts): with positional options (set on the program, cli.ts),
// everything after `exec` is exec's to parse (and after `--`, the program's).

import type { Command } from 'commander';
import { RecordInterrupted, recordWorkload, WORKLOADS } from '../../recorder/index.js';
import { traceFormatFromPath } from '../../traces/index.js';
import { outputAtomic } from './output.js';
import { jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';
import { cliVersion } from '../version.js';
import { formatBytes, formatCount } from '../format.js';
import { byteProgressOfOutput, byteProgressStart } from '../progressLine.js';
import { optInteger, optNumber, withInterrupt } from './options.js';
import { recordExecRegister } from './recordExec.js';
import { recordWriterOptions } from './recordWriter.js';

interface RecordCliOptions {
  output: string;
  seed?: number;
  scales?: string;
  rate?: number;
  ops?: number;
  quantum?: number;
  gzip?: boolean;
  format?: string;
  chunkEvents?: number;
  quiet?: boolean;
  json?: boolean;
}

export function recordRegister(program: Command): void {
  const list = WORKLOADS.map((w) => `  ${w.name} ${w.usage}\n      ${w.summary}`).join('\n');
  const cmd = program
    .command('record')
    .usage('<workload> [args...] -o FILE [options]\n       slabtrace record exec -o FILE|DIR/ [options] -- COMMAND [ARGS...]')
    .description('record a generated workload (or a real program: record exec -- CMD) into a trace')
    .argument('<workload>', `one of: ${WORKLOADS.map((w) => w.name).join(', ')} (or the exec command)`)
    .argument('[args...]', "the workload's positional arguments")
    // required, but checked in the action: commander checks a command's required options for its
    // subcommands too, and exec has its own -o
    .option('-o, --output <file>', 'trace file to write (.json → JSON form, .gz → gzip, - → stdout; required)')
    .option('--seed <n>', 'seed (random-mixed, default 1; larson takes its seed positionally)', optInteger)
    .option('--scales <list>', 'scaling/battle: comma-separated sizes (default scaling 100K,500K,1M; battle 100K,500K,1M,2M,5M)')
    .option('--rate <ops/s>', 'larson: operations per second that turn seconds into a budget (default 4.19M)', optNumber)
    .option('--ops <n>', 'larson: operation budget (overrides seconds × rate)', optInteger)
    .option('--quantum <n>', 'larson: mean scheduler quantum in operations (default 512)', optInteger)
    .option('--gzip', 'gzip the output (implied by a .gz name)')
    .option('--format <pb|json>', 'output form (default: from the file name)')
    .option('--chunk-events <n>', 'events per chunk (default 65536)', optInteger)
    .option('-q, --quiet', 'no progress line, and nothing printed on success')
    .option('--json', 'print what was recorded as one JSON object (footer, output, time)')
    .addHelpText('after', `\nWorkloads:\n${list}\n  exec [options] -- COMMAND [ARGS...]\n      a real program, captured with the preload library: see slabtrace record exec --help`)
    .action(async (workload: string, args: string[], opts: Partial<RecordCliOptions>, command: Command) => {
      if (opts.output === undefined) {
        command.error("error: required option '-o, --output <file>' not specified", { code: 'commander.missingMandatoryOptionValue' });
      }
      await recordGenerated(workload, args, opts as RecordCliOptions);
    });
  recordExecRegister(cmd);
}

async function recordGenerated(workload: string, args: string[], opts: RecordCliOptions): Promise<void> {
  const writer = recordWriterOptions(opts);
  const started = performance.now();
  const binary = (writer?.format ?? traceFormatFromPath(opts.output)) !== 'json';
  const footer = await withInterrupt((signal) => outputAtomic(opts.output, async (dest) => {
    const progress = byteProgressStart(`record ${workload}`, 'written', byteProgressOfOutput(dest), { quiet: opts.quiet });
    try {
      return await recordWorkload(workload, args, dest, {
        seed: opts.seed, scales: opts.scales, rate: opts.rate, ops: opts.ops, quantum: opts.quantum,
        writer, version: cliVersion(), signal,
      });
    } finally {
      progress.stop();
    }
  }, { binary, keepOn: (err) => err instanceof RecordInterrupted }));
  const seconds = (performance.now() - started) / 1000;
  if (opts.json) {
    await jsonWrite({ workload, args, output: opts.output, seconds, footer }, stdoutWrite);
    return;
  }
  if (opts.quiet) return;
  const events = Number(footer.events);
  process.stderr.write(
    `recorded ${workload}: ${formatCount(events)} events, peak ${formatCount(Number(footer.peakLiveObjects))} live objects ` +
    `(${formatBytes(Number(footer.peakLiveBytes))}) in ${seconds.toFixed(2)} s → ${opts.output}\n`,
  );
}
