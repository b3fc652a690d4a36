// `slabtrace convert IN OUT`: copies a trace between forms (protobuf ↔ JSON, gzip or not), streaming,
// with traces' convertTrace: ids, counts and the digest come out identical. The output is written beside
// OUT and renamed on success (a failed convert leaves nothing; OUT = IN is refused).

import type { Command } from 'commander';
import { convertTrace, traceFormatFromPath } from '../../traces/index.js';
import { outputAtomic } from './output.js';
import { jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';
import { UsageError } from '../errors.js';
import { traceDest, traceSource } from './source.js';

export function convertRegister(program: Command): void {
  program
    .command('convert')
    .description('convert a trace between protobuf and JSON forms (and gzip)')
    .argument('<in>', 'input trace (- for stdin)')
    .argument('<out>', 'output trace (.json → JSON, .gz → gzip, - for stdout)')
    .option('--format <pb|json>', 'output form (default: from the output name)')
    .option('--gzip', 'gzip the output')
    .option('--json', 'print what was converted as one JSON object')
    .action(async (input: string, output: string, opts: { format?: string; gzip?: boolean; json?: boolean }) => {
      if (opts.format !== undefined && opts.format !== 'pb' && opts.format !== 'json') {
        throw new UsageError(`--format must be pb or json (got '${opts.format}')`);
      }
      const format = opts.format as 'pb' | 'json' | undefined;
      const result = await outputAtomic(output, (dest) => convertTrace(traceSource(input), traceDest(dest), { format, gzip: opts.gzip }), {
        inputs: [input], binary: (format ?? traceFormatFromPath(output)) !== 'json',
      });
      if (opts.json) await jsonWrite({ input, output, ...result }, stdoutWrite);
    });
}
