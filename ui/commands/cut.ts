// `slabtrace cut FILE -o OUT [--from N] [--to N] [--threads LIST] [--ops LIST] [--size-min B] [--size-max B]`:
// a valid trace of a window of FILE's events, filtered (traces' cutTrace: objects live at --from are
// re-created on their threads, frees follow their allocations, ids renumbered). The output is written
// beside OUT and renamed on success.

import type { Command } from 'commander';
import { CUT_OPS, cutTrace, traceFormatFromPath } from '../../traces/index.js';
import { UsageError } from '../errors.js';
import { formatCount } from '../format.js';
import { optInteger, optSize } from './options.js';
import { outputAtomic } from './output.js';
import { jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';
import { traceDest, traceSource } from './source.js';

interface CutCliOptions {
  output: string;
  from?: number;
  to?: number;
  threads?: string;
  ops?: string;
  sizeMin?: number;
  sizeMax?: number;
  quiet?: boolean;
  json?: boolean;
  dropStacks?: boolean;
}

function cutList(text: string, what: string): string[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`${what} must be a comma-separated list, no empty entries (got '${text}')`);
  return parts;
}

function cutThreads(text: string): number[] {
  return cutList(text, '--threads').map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(n) || n > 2 ** 32 - 1) throw new UsageError(`--threads: '${p}' is not a thread id (0..4294967295)`);
    return n;
  });
}

function cutOps(text: string): string[] {
  const ops = cutList(text, '--ops');
  for (const op of ops) if (!CUT_OPS.includes(op)) throw new UsageError(`--ops: unknown op '${op}'; valid: ${CUT_OPS.join(', ')} (thread events are always kept)`);
  return ops;
}

export function cutRegister(program: Command): void {
  program
    .command('cut')
    .description('write a valid trace of a window of events and/or a filter (objects live at --from are re-created first)')
    .argument('<file>', 'input trace (- for stdin)')
    .requiredOption('-o, --output <file>', 'trace to write (.json → JSON, .gz → gzip, - → stdout)')
    .option('--from <event>', 'first event kept (default 0)', optInteger)
    .option('--to <event>', 'first event not kept (default: the end)', optInteger)
    .option('--threads <list>', 'keep the objects allocated by these threads (their frees by any thread too)')
    .option('--ops <list>', `keep only these ops: ${CUT_OPS.join(', ')} (thread events are always kept)`)
    .option('--size-min <bytes>', 'keep objects of at least this size', optSize)
    .option('--size-max <bytes>', 'keep objects of at most this size', optSize)
    .option('--drop-stacks', 'leave out the call stacks (record exec --stacks) of the input')
    .option('-q, --quiet', 'print nothing on success')
    .option('--json', 'print what was written as one JSON object')
    .action(async (file: string, opts: CutCliOptions) => {
      if (opts.from !== undefined && opts.to !== undefined && opts.to < opts.from) throw new UsageError(`--to ${opts.to} is before --from ${opts.from}`);
      const threads = opts.threads !== undefined ? cutThreads(opts.threads) : undefined;
      const ops = opts.ops !== undefined ? cutOps(opts.ops) : undefined;
      const source = traceSource(file);
      const r = await outputAtomic(opts.output, (dest) => cutTrace(source, traceDest(dest), {
        from: opts.from, to: opts.to, threads, ops, sizeMin: opts.sizeMin, sizeMax: opts.sizeMax, sourceName: file === '-' ? '<stdin>' : file,
        dropStacks: opts.dropStacks,
      }), { inputs: [file], binary: traceFormatFromPath(opts.output) !== 'json' });
      if (opts.json) await jsonWrite({ input: file, output: opts.output, ...r }, stdoutWrite);
      else if (!opts.quiet) {
        process.stderr.write(`cut ${file}: ${formatCount(Number(r.footer.events))} events (${formatCount(r.recreated)} objects live at --from re-created) → ${opts.output}\n`);
      }
    });
}
