// `slabtrace demo` (what `npm start` runs): the Larson OOM reproduced. Records the Larson workload of
// the OOM report (`larson 10 8 128 1024 1 12345 4`, budget --ops, default below), replays it under
// hakmem-larson-bug until the VMA limit stops it (larson never joins its threads, so every generation
// leaks a stack beside its SuperSlabs), then under hakmem-larson-fix to the end,
// and prints the two summaries side by side and a conclusion (wrapped to the terminal). On a terminal
// both replays run on the dashboard, which holds the OOM on screen (a key or 5 s) before the fix run.
// Exit 0 when the bug reproduces (OOM under the bug preset, none under the fix), 5 when it does not (with why),
// 130 when interrupted. --json prints the report as one JSON object instead (no dashboard): the trace, both
// runs' results as `replay --json` has them, whether it reproduced, the conclusion and the exit code.

import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { recordWorkload } from '../../recorder/index.js';
import type { ReplayConfig, ReplayResult } from '../../replayer/index.js';
import { EXIT_INTERRUPTED, EXIT_NOT_REPRODUCED, EXIT_OK } from '../exitCodes.js';
import { formatCount } from '../format.js';
import { summaryCompare } from '../summary.js';
import { cliVersion } from '../version.js';
import { optInteger } from './options.js';
import { replayPlain, replayWantsDashboard } from './replay.js';
import { replayJsonValue } from './replayOutputs.js';
import { jsonWrite } from '../jsonOut.js';
import { stdoutWidth, stdoutWrite } from './stdout.js';

/** The OOM report's Larson run. */
const DEMO_LARSON_ARGS = ['10', '8', '128', '1024', '1', '12345', '4'];
/** Operations recorded by default: enough for the bug preset to hit the 65,530 VMA limit (it does
 * after about 11 M operations) and for the fix preset to show a long, bounded run. */
const DEMO_DEFAULT_OPS = 24_000_000;
/** The mapping limit the demo replays against (vm.max_map_count's default). */
const DEMO_MAP_LIMIT = 65_530;

interface DemoOptions {
  ops: number;
  trace?: string;
  ui: boolean;
  json?: boolean;
}

export function demoRegister(program: Command): void {
  program
    .command('demo')
    .description('reproduce the Larson OOM: record larson, replay under hakmem-larson-bug, then hakmem-larson-fix')
    .option('--ops <n>', 'Larson operation budget to record', optInteger, DEMO_DEFAULT_OPS)
    .option('--trace <file>', 'where to keep the recorded trace (default: a cache file in the temp folder)')
    .option('--no-ui', 'plain output instead of the dashboard')
    .option('--json', "print the report as one JSON object (both runs' results, reproduced, conclusion, exitCode)")
    .action(async (opts: DemoOptions) => {
      process.exitCode = await demoCommand(opts);
    });
}

async function demoTrace(opts: DemoOptions): Promise<string> {
  const file = opts.trace ?? join(tmpdir(), 'slabtrace-demo', `larson-${DEMO_LARSON_ARGS.join('-')}-ops${opts.ops}-v${cliVersion()}.pb`);
  if (existsSync(file)) {
    process.stderr.write(`using the recorded trace ${file}\n`);
    return file;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  process.stderr.write(`recording larson ${DEMO_LARSON_ARGS.join(' ')} (--ops ${opts.ops}) → ${file}\n`);
  const tmp = `${file}.partial`;
  await recordWorkload('larson', DEMO_LARSON_ARGS, tmp, { ops: opts.ops, version: cliVersion() });
  renameSync(tmp, file);
  return file;
}

async function demoReplay(file: string, cfg: ReplayConfig, dashboard: boolean): Promise<ReplayResult> {
  if (dashboard) {
    const { dashboardRun } = await import('../dashboard/index.js');
    return dashboardRun(file, cfg, { holdOnOom: true });
  }
  process.stderr.write(`replaying under ${cfg.preset} …\n`);
  return replayPlain(file, cfg);
}

/** On a terminal the conclusion is wrapped to its width, at most this (for reading); piped, it is one line. */
const DEMO_TEXT_WIDTH = 100;

/** `text` wrapped at spaces into lines of at most `width` columns (a longer word stays whole). */
export function demoWrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

type DemoFigures = Pick<ReplayResult, 'preset' | 'oom' | 'final'>;

/** Whether the demo showed the bug: an OOM with no SuperSlab freed under the bug preset, none under the fix. */
export function demoReproduced(bug: DemoFigures, fix: DemoFigures): boolean {
  return bug.oom !== null && bug.final.ssFreed === 0 && fix.oom === null;
}

/** The closing sentence, figures with thousands separators as in the table. */
export function demoConclusion(bug: DemoFigures, fix: DemoFigures): string {
  if (!demoReproduced(bug, fix) || !bug.oom) {
    const why = !bug.oom
      ? ` The trace never reached the ${formatCount(DEMO_MAP_LIMIT)}-VMA limit under ${bug.preset}: record more operations (--ops, default ${formatCount(DEMO_DEFAULT_OPS)}; the limit is reached after about 11 M).`
      : fix.oom ? ` ${fix.preset} ran out of memory too (${fix.oom.reason}).` : '';
    return `NOT reproduced: expected an OOM with 0 SuperSlabs freed under ${bug.preset} and none under ${fix.preset}.${why}`;
  }
  const o = bug.oom, f = fix.final;
  return `Reproduced: under ${bug.preset}, at event ${formatCount(o.event)}, ${o.reason}, with ${formatCount(o.ssAllocated)} SuperSlabs ` +
    `allocated and 0 freed; under ${fix.preset} the same trace ran to the end with ${formatCount(f.ssLive)} live SuperSlabs ` +
    `(${formatCount(f.ssFreed)} freed of ${formatCount(f.ssAllocated)}).`;
}

/** Between the two dashboards: what the bug run ended with, and what comes next (stays above the next screen). */
function demoInterlude(bug: ReplayResult, next: string): string {
  const ended = bug.oom ? `out of memory at event ${formatCount(bug.oom.event)}` : `ended after ${formatCount(bug.events)} events`;
  return `${bug.preset}: ${ended}; next, ${next}.`;
}

/** Text for the terminal: wrapped to its width (at most DEMO_TEXT_WIDTH); one line when stdout is not one. */
function demoText(text: string): string {
  const columns = stdoutWidth();
  return `${Number.isFinite(columns) ? demoWrap(text, Math.min(DEMO_TEXT_WIDTH, columns)) : text}\n`;
}

/** The demo's exit code: interrupted when a run was stopped, else whether the bug reproduced. */
function demoExitCode(bug: ReplayResult, fix: ReplayResult | null): number {
  if (bug.partial || !fix || fix.partial) return EXIT_INTERRUPTED;
  return demoReproduced(bug, fix) ? EXIT_OK : EXIT_NOT_REPRODUCED;
}

async function demoCommand(opts: DemoOptions): Promise<number> {
  const file = await demoTrace(opts);
  const dashboard = replayWantsDashboard({ ui: opts.ui, json: opts.json });
  const bug = await demoReplay(file, { preset: 'hakmem-larson-bug' }, dashboard);
  if (dashboard && !bug.partial) process.stdout.write(demoText(demoInterlude(bug, 'hakmem-larson-fix')));
  const fix = bug.partial ? null : await demoReplay(file, { preset: 'hakmem-larson-fix' }, dashboard);
  const code = demoExitCode(bug, fix);
  if (opts.json) await jsonWrite(demoJson(file, opts.ops, bug, fix, code), stdoutWrite);
  else if (fix && code !== EXIT_INTERRUPTED) {
    process.stdout.write(`\n${summaryCompare([bug, fix], stdoutWidth())}`);
    process.stdout.write(`\n${demoText(demoConclusion(bug, fix))}`);
  }
  return code;
}

/** The --json report: what ran, both results (the fix run is null when the bug run was interrupted). */
function demoJson(file: string, ops: number, bug: ReplayResult, fix: ReplayResult | null, exitCode: number): Record<string, unknown> {
  const done = exitCode !== EXIT_INTERRUPTED && fix !== null;
  return {
    trace: file,
    workload: `larson ${DEMO_LARSON_ARGS.join(' ')}`,
    ops,
    maxMapCount: DEMO_MAP_LIMIT,
    reproduced: done && demoReproduced(bug, fix),
    interrupted: !done,
    conclusion: done ? demoConclusion(bug, fix) : 'interrupted',
    exitCode,
    bug: replayJsonValue(bug, {}),
    fix: fix === null ? null : replayJsonValue(fix, {}),
  };
}
