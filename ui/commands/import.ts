// `slabtrace import mtrace FILE -o OUT [--lenient]`: glibc mtrace output (MALLOC_TRACE) → trace, one
// thread. Malformed or unknown lines are errors with their line number unless --lenient. A failed
// import leaves no output file. Progress (bytes of the log read) on a terminal's stderr unless --quiet.

import type { Command } from 'commander';
import { importMtrace } from '../../recorder/index.js';
import { formatCount } from '../format.js';
import { cliVersion } from '../version.js';
import { outputAtomic } from './output.js';
import { jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';
import { sourceReading, traceDest } from './source.js';
import { traceFormatFromPath } from '../../traces/index.js';

export function importRegister(program: Command): void {
  const imp = program.command('import').description("convert another tool's allocation log into a trace");
  imp
    .command('mtrace')
    .description('import glibc mtrace output (lines = Start, @ caller, + ptr size, - ptr, < ptr / > ptr size, = End)')
    .argument('<file>', 'mtrace log (- for stdin)')
    .requiredOption('-o, --output <file>', 'trace file to write (- for stdout)')
    .option('--lenient', 'skip malformed or unknown lines (and count them) instead of failing')
    .option('-q, --quiet', 'no progress line, and nothing printed on success')
    .option('--json', 'print the import summary as one JSON object')
    .action(async (file: string, opts: { output: string; lenient?: boolean; quiet?: boolean; json?: boolean }) => {
      const s = await outputAtomic(opts.output, (dest) => sourceReading(file, 'import', opts.quiet, (source) => importMtrace(source, traceDest(dest), {
        lenient: opts.lenient, version: cliVersion(), name: file === '-' ? '<stdin>' : file,
      })), { inputs: [file], binary: traceFormatFromPath(opts.output) !== 'json' });
      if (opts.json) await jsonWrite({ input: file, output: opts.output, ...s }, stdoutWrite);
      else if (!opts.quiet) {
        const skipped = s.skippedLines ? `, ${formatCount(s.skippedLines)} lines skipped` : '';
        process.stderr.write(`imported ${formatCount(s.lines)} lines: ${formatCount(s.events)} events (${formatCount(s.foreignFrees)} frees of unknown pointers${skipped}) → ${opts.output}\n`);
      }
    });
}

