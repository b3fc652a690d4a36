// `slabtrace convert IN OUT`: copies a trace between forms (protobuf ↔ JSON, gzip or not), streaming,
// with traces' convertTrace: ids, counts and the digest come out identical. The output is written beside
// OUT and renamed on success (a failed or interrupted convert leaves nothing, exit 130 when interrupted;
// OUT = IN is refused). --allow-truncated salvages a cut trace (every form) into a complete one.
// Progress (bytes read) on a terminal's stderr unless --quiet.

import type { Command } from 'commander';
import { convertTrace, traceFormatFromPath } from '../../traces/index.js';
import { outputAtomic } from './output.js';
import { jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';
import { UsageError } from '../errors.js';
import type { ReadStream } from 'node:fs';
import { formatCount } from '../format.js';
import { withInterrupt } from './options.js';
import { sourceReading, traceDest } from './source.js';

interface ConvertCliOptions { format?: string; gzip?: boolean; json?: boolean; allowTruncated?: boolean; lenient?: boolean; quiet?: boolean; dropStacks?: boolean }

/** Raised when Ctrl-C / SIGTERM stopped a conversion (the partial output is removed). */
class ConvertInterrupted extends Error {
  readonly code = 'INTERRUPTED';
  readonly kind = 'interrupt';
  constructor() { super('conversion interrupted: no output written'); this.name = 'ConvertInterrupted'; }
}

export function convertRegister(program: Command): void {
  program
    .command('convert')
    .description('convert a trace between protobuf and JSON forms (and gzip); salvage a cut trace with --allow-truncated')
    .argument('<in>', 'input trace (- for stdin)')
    .argument('<out>', 'output trace (.json → JSON, .gz → gzip, - for stdout)')
    .option('--format <pb|json>', 'output form (default: from the output name)')
    .option('--gzip', 'gzip the output')
    .option('--allow-truncated', 'salvage a cut trace: its events up to the last complete one, with a new footer')
    .option('--lenient', 'skip bad events (and count them) instead of failing')
    .option('--drop-stacks', 'leave out the call stacks (record exec --stacks) of the input')
    .option('-q, --quiet', 'no progress line, and nothing printed on success')
    .option('--json', 'print what was converted as one JSON object')
    .action(async (input: string, output: string, opts: ConvertCliOptions) => {
      if (opts.format !== undefined && opts.format !== 'pb' && opts.format !== 'json') {
        throw new UsageError(`--format must be pb or json (got '${opts.format}')`);
      }
      const format = opts.format as 'pb' | 'json' | undefined;
      const result = await withInterrupt((signal) => sourceReading(input, 'convert', opts.quiet, async (source) => {
        // the command's own input stream: an interrupt stops the conversion where it is
        signal.addEventListener('abort', () => { if (source !== process.stdin) (source as ReadStream).destroy(new ConvertInterrupted()); });
        try {
          return await outputAtomic(output, (dest) => convertTrace(source, traceDest(dest), {
            format, gzip: opts.gzip, dropStacks: opts.dropStacks, read: { allowTruncated: opts.allowTruncated, lenient: opts.lenient, name: input === '-' ? '<stdin>' : input },
          }), { inputs: [input], binary: (format ?? traceFormatFromPath(output)) !== 'json' });
        } catch (err) {
          if (signal.aborted) throw new ConvertInterrupted();
          throw err;
        }
      }));
      if (opts.json) await jsonWrite({ input, output, ...result }, stdoutWrite);
      else if (!opts.quiet && (result.truncated || result.skipped > 0)) {
        process.stderr.write(`converted ${formatCount(result.events)} events${result.truncated ? ' (the input was cut: salvaged up to its last complete event, new footer)' : ''}` +
          `${result.skipped > 0 ? `, ${formatCount(result.skipped)} bad events skipped` : ''} → ${output}\n`);
      }
    });
}
