// What `replay` and `compare` leave besides the summary: the --timeline file (.csv or Chrome trace
// .json), the --plot SVG, and the --json output (written incrementally; the timeline only when a
// --timeline file was asked for, the rest of the result always). Checked before the replay starts, so
// a bad file name costs nothing.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { markSpillLines, replayIsNative, type AnyReplayResult, type ReplayResult } from '../../replayer/index.js';
import { UsageError } from '../errors.js';
import { JsonArrayStream, jsonTypedParams, jsonWrite } from '../jsonOut.js';
import { plotSvg } from '../plot.js';
import type { SummaryOptions } from '../summary.js';
import { timelineWrite } from '../timelineFile.js';
import { optInteger } from './options.js';
import { stdoutWrite } from './stdout.js';

export interface ReplayOutputOptions {
  timeline?: string;
  timelineEvery?: number;
  plot?: string;
  chart: boolean;
  threads?: string;
}

export function replayOutputOptionsAdd(cmd: Command): Command {
  return cmd
    .option('--timeline <file>', 'write the statistics sampled by event (about 2,000 samples, every mark): .csv, or .json in Chrome trace event format (Perfetto, chrome://tracing)')
    .option('--timeline-every <n>', 'sample the timeline every n events', optInteger)
    .option('--plot <file.svg>', 'write an SVG chart: RSS with the mappings against the limit, VmSize, marks and the OOM')
    .option('--no-chart', 'no terminal chart at the end of the summary')
    .option('--threads <n|all>', 'threads listed in the summary: the n with the most live blocks (default 10), or all');
}

/** Refuses bad output names and values before anything runs. */
export function replayOutputsCheck(o: ReplayOutputOptions, native: boolean): void {
  if (o.timeline !== undefined && !/\.(csv|json)$/i.test(o.timeline)) throw new UsageError(`--timeline ${o.timeline}: the file name must end in .csv or .json (Chrome trace events)`);
  if (o.plot !== undefined && !/\.svg$/i.test(o.plot)) throw new UsageError(`--plot ${o.plot}: the file name must end in .svg`);
  if (o.timelineEvery !== undefined && o.timelineEvery < 1) throw new UsageError('--timeline-every must be at least 1');
  if (native && (o.timeline !== undefined || o.plot !== undefined)) throw new UsageError('--timeline and --plot need the allocator model (a native replay has no timeline)');
  replaySummaryOptions(o);
}

export function replaySummaryOptions(o: ReplayOutputOptions): SummaryOptions {
  let threads: number | 'all' | undefined;
  if (o.threads !== undefined) {
    if (o.threads === 'all') threads = 'all';
    else if (/^\d+$/.test(o.threads)) threads = Number(o.threads);
    else throw new UsageError(`--threads takes a count or all (got '${o.threads}')`);
  }
  return { chart: o.chart, threads };
}

/** Writes the --timeline and --plot files of model results (native ones have none). */
export function replayOutputsWrite(results: AnyReplayResult[], o: ReplayOutputOptions): void {
  const model = results.filter((r): r is ReplayResult => !replayIsNative(r));
  if (model.length === 0) return;
  if (o.timeline !== undefined) timelineWrite(o.timeline, model);
  if (o.plot !== undefined) writeFileSync(o.plot, plotSvg(model));
}

/** One result as --json shows it: typed parameters, every mark (spilled ones streamed back), and no
 *  timeline unless a --timeline file was asked for. */
export function replayJsonValue(r: AnyReplayResult, o: Pick<ReplayOutputOptions, 'timeline'>): unknown {
  return {
    ...r, workloadParams: jsonTypedParams(r.workloadParams), ...(o.timeline === undefined && !replayIsNative(r) ? { timeline: undefined } : {}),
    ...(replayIsNative(r) ? {} : {
      marks: r.marksSpill ? new JsonArrayStream(r.marks, markSpillLines(r.marksSpill)) : r.marks, marksTail: undefined, marksSpill: undefined,
    }),
  };
}

/** The --json output of replay (one result) and compare (an array of them). */
export async function replayJsonWrite(value: AnyReplayResult | AnyReplayResult[], o: ReplayOutputOptions): Promise<void> {
  await jsonWrite(Array.isArray(value) ? value.map((r) => replayJsonValue(r, o)) : replayJsonValue(value, o), stdoutWrite);
}
