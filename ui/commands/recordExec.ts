// `slabtrace record exec -o FILE [--follow-forks] -- COMMAND [ARGS...]`: runs a real program with the
// preload library and converts what it recorded into a trace. The program's output and exit code are
// passed through (a death by signal N exits 128 + N, as a shell reports it).

import { constants } from 'node:os';
import type { Command } from 'commander';
import { recordExec } from '../../recorder/index.js';
import { UsageError } from '../errors.js';
import { formatCount } from '../format.js';
import { cliVersion } from '../version.js';
import { traceDest } from './source.js';

export interface RecordExecCliOptions {
  output: string;
  followForks?: boolean;
  gzip?: boolean;
  format?: string;
  quiet?: boolean;
}

export async function recordExecAction(command: string[], opts: RecordExecCliOptions, _cmd: Command): Promise<void> {
  if (command.length === 0) throw new UsageError('record exec needs a command: slabtrace record exec -o FILE -- COMMAND [ARGS...]');
  const r = await recordExec(command, traceDest(opts.output), {
    followForks: opts.followForks,
    writer: { gzip: opts.gzip, format: opts.format as 'pb' | 'json' | undefined },
    version: cliVersion(),
  });
  if (!opts.quiet) {
    const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
    process.stderr.write(`recorded ${command[0]} (${how}): ${formatCount(Number(r.events))} events → ${opts.output}\n`);
  }
  process.exitCode = r.signal ? 128 + (constants.signals[r.signal] ?? 0) : r.exitCode ?? 0;
}
