// `slabtrace shrink FILE --preset P [--set k=v]... [--max-map-count N] [--mem-limit S] [--check[=N]]
// [--keep EXPR]... -o OUT`: a much smaller trace that still fails the same way under the same
// configuration (replayer's shrinkTrace). Progress on stderr; Ctrl-C or --max-seconds keeps the best so
// far (written, valid; exit 130 on Ctrl-C). At the end: sizes before and after, the outcome kept, and
// the command line that reproduces it.

import type { Command } from 'commander';
import { shrinkTrace, type ShrinkProgress, type ShrinkReport } from '../../replayer/index.js';
import { EXIT_INTERRUPTED } from '../exitCodes.js';
import { formatBytes, formatCount } from '../format.js';
import { optCollect, optInteger, optSize, withInterrupt } from './options.js';
import { outputCheck } from './output.js';
import { sourceCheck } from './source.js';

interface ShrinkCliOptions {
  output: string;
  preset: string;
  set: string[];
  maxMapCount?: number;
  memLimit?: number;
  check?: string | boolean;
  keep: string[];
  maxSeconds?: number;
  parallel?: number;
  quiet?: boolean;
}

function shrinkOverrides(o: ShrinkCliOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of o.set) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (o.maxMapCount !== undefined) out.maxMapCount = String(o.maxMapCount);
  if (o.memLimit !== undefined) out.memLimit = String(o.memLimit);
  return out;
}

function shrinkCommandLine(out: string, o: ShrinkCliOptions, overrides: Record<string, string>): string {
  const sets = Object.entries(overrides).map(([k, v]) => `--set ${k}=${v}`);
  const check = o.check !== undefined && o.check !== false ? [typeof o.check === 'string' ? `--check=${o.check}` : '--check'] : [];
  return ['slabtrace replay', out, '--preset', o.preset, ...sets, ...check, '--no-ui'].join(' ');
}

function shrinkProgressLine(p: ShrinkProgress): string {
  return `shrink: ${p.phase}: ${formatCount(p.tested)} replays, ${formatCount(p.accepted)} kept; now ${formatCount(p.events)} events (${formatBytes(p.bytes)})`;
}

function shrinkReportText(r: ShrinkReport, out: string, line: string): string {
  return [
    `shrink: ${formatCount(r.input.events)} events (${formatBytes(r.input.bytes)}) → ${formatCount(r.output.events)} events (${formatBytes(r.output.bytes)}) in ${out}`,
    `  still fails the same way: ${r.outcome}, at event ${formatCount(r.failingEvent)}`,
    `  ${formatCount(r.tested)} replays in ${r.seconds.toFixed(0)} s, ${formatCount(r.accepted)} smaller traces kept${r.stopped ? '; stopped early: the best so far' : ''}`,
    `  reproduce: ${line}`,
  ].join('\n');
}

export function shrinkRegister(program: Command): void {
  program
    .command('shrink')
    .description('find a much smaller trace that still fails the same way (OOM or invariant check) under the same configuration')
    .argument('<file>', 'a trace that fails under the configuration')
    .requiredOption('-o, --output <file>', 'the smaller trace')
    .option('--preset <name>', 'allocator preset', 'hakmem-larson-fix')
    .option('--set <name=value>', 'override an allocator parameter (repeatable)', optCollect, [])
    .option('--max-map-count <n>', 'mapping limit (vm.max_map_count)', optInteger)
    .option('--mem-limit <size>', 'address-space limit, e.g. 100G', optSize)
    .option('--check [n]', 'keep an invariant-check failure (checks at marks and the end, or every n events)')
    .option('--keep <expr>', "also keep this true of the result, e.g. 'oom.reasonCode=max_map_count' or 'final.ssAllocated>1000' (repeatable)", optCollect, [])
    .option('--max-seconds <s>', 'stop after this long with the best so far', optInteger)
    .option('--parallel <n>', 'replays at once (default: the cores)', optInteger)
    .option('-q, --quiet', 'no progress lines')
    .action(async (file: string, o: ShrinkCliOptions) => {
      sourceCheck(file);
      outputCheck(o.output, { inputs: [file] });
      const overrides = shrinkOverrides(o);
      const check = o.check === undefined || o.check === false ? undefined : o.check === true ? 0 : Number(o.check);
      let interrupted = false;
      const report = await withInterrupt((signal) => {
        signal.addEventListener('abort', () => { interrupted = true; });
        return shrinkTrace(file, o.output, {
          config: { preset: o.preset, overrides, check }, keep: o.keep, parallel: o.parallel, maxSeconds: o.maxSeconds, signal,
          onProgress: o.quiet ? undefined : (p) => process.stderr.write(`${shrinkProgressLine(p)}\n`),
        });
      });
      process.stdout.write(`${shrinkReportText(report, o.output, shrinkCommandLine(o.output, o, overrides))}\n`);
      if (interrupted) process.exitCode = EXIT_INTERRUPTED;
    });
}
