// `slabtrace info FILE [--json]`: what a trace holds, from one streaming pass (traces' traceInfo, by the
// allocator's default size classes through the replayer): format version, events per kind, threads and
// their lifecycle (joins, detaches, leaks), call stacks (depth, stacks defined), sizes, marks.
// --top-sites [N]: for a trace recorded with call stacks, the allocation sites holding the most live
// bytes at the peak (of total live bytes) and at the end, with their allocation counts, from a second
// streaming pass (traces' traceTopSites: per-stack counters, a stack id per live object); from stdin,
// only that pass.

import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { traceTopSites, type TraceSite, type TraceSitesResult } from '../../traces/index.js';
import { UsageError } from '../errors.js';
import { traceInfo, type TraceInfo } from '../../replayer/index.js';
import { formatBytes, formatCount, formatPercent, formatTable } from '../format.js';
import { sourceReading, traceSource } from './source.js';
import { jsonTypedParams, jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';

export function infoRegister(program: Command): void {
  program
    .command('info')
    .description('summarise a trace: format version, events per kind, threads and their lifecycle, call stacks, peak live objects and bytes, sizes, marks')
    .argument('<file>', 'trace file (protobuf or JSON, optionally gzipped; - for stdin)')
    .option('--json', 'print one JSON object')
    .option('--lenient', 'skip bad events (and count them) instead of failing')
    .option('--allow-truncated', 'summarise a trace without footer up to its last complete chunk')
    .option('-q, --quiet', 'no progress line')
    .option('--top-sites [n]', 'allocation sites (call stacks, record exec --stacks) holding the most live bytes at the peak and at the end (default 10)')
    .action(async (file: string, opts: { json?: boolean; lenient?: boolean; allowTruncated?: boolean; topSites?: boolean | string; quiet?: boolean }) => {
      const top = infoTopCount(opts.topSites);
      const readOpts = { lenient: opts.lenient, allowTruncated: opts.allowTruncated, name: file === '-' ? '<stdin>' : file };
      if (top > 0 && file === '-') {
        // one pass only from stdin: the sites
        const sites = await traceTopSites(traceSource(file), { ...readOpts, top });
        if (opts.json) await jsonWrite({ topSites: sites }, stdoutWrite);
        else process.stdout.write(infoSitesText(sites));
        return;
      }
      const info = await sourceReading(file, 'info', opts.quiet, (source) =>
        traceInfo(source, { ...readOpts, fileBytes: file === '-' ? undefined : statSync(file).size }));
      const sites = top > 0 ? await traceTopSites(traceSource(file), { ...readOpts, top }) : null;
      if (opts.json) await jsonWrite({ ...info, params: jsonTypedParams(info.params), ...(sites ? { topSites: sites } : {}) }, stdoutWrite);
      else process.stdout.write(infoText(info) + (sites ? `\n${infoSitesText(sites)}` : ''));
    });
}

/** --top-sites / --top-sites N → N (0: not asked). */
export function infoTopCount(v: boolean | string | undefined): number {
  if (v === undefined || v === false) return 0;
  if (v === true) return 10;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--top-sites must be a positive integer (got '${v}')`);
  return n;
}

/** A site as its top frames (innermost first, up to 3), or what stack 0 means. */
export function infoSiteName(s: TraceSite): string {
  if (s.stack === 0) return '(no stack recorded)';
  const f = s.frames.slice(0, 3).join(' ← ');
  return s.frames.length > 3 ? `${f} ← …` : f;
}

/** The top sites at the peak and at the end (like heaptrack's peak contributions). */
export function infoSitesText(r: TraceSitesResult): string {
  if (!r.hasStacks) return 'top sites  the trace has no call stacks (record it with: slabtrace record exec --stacks -o FILE -- COMMAND)\n';
  const share = (n: number, of: number) => (of > 0 ? formatPercent(n / of) : '-');
  const cols = (what: string) => [{ title: what }, { title: 'share' }, { title: 'allocations' }, { title: 'site (innermost frame first)', align: 'left' as const }];
  const peakRows = r.atPeak.map((s) => [formatBytes(s.peakBytes), share(s.peakBytes, r.peakLiveBytes), formatCount(s.allocations), infoSiteName(s)]);
  const endRows = r.atEnd.map((s) => [formatBytes(s.endBytes), share(s.endBytes, r.endLiveBytes), formatCount(s.allocations), infoSiteName(s)]);
  const out = [
    `top sites  ${formatCount(r.stacks)} stacks; peak ${formatBytes(r.peakLiveBytes)} live at event ${formatCount(Math.max(0, r.peakEvent))}, ${formatBytes(r.endLiveBytes)} live at the end`,
    '', 'at the peak', formatTable(cols('live at peak'), peakRows),
  ];
  out.push('', 'at the end', endRows.length ? formatTable(cols('live at end'), endRows) : '(nothing live)');
  return `${out.join('\n')}\n`;
}

/** One line: thread starts, exits, joins, detaches, leaks, live at the end (v1: joined at exit). */
export function infoLifecycleText(l: TraceInfo['threadLifecycle']): string {
  const head = `${formatCount(l.started)} started, ${formatCount(l.exited)} exited`;
  const live = `${formatCount(l.liveAtEnd)} live at the end`;
  if (l.joinedAtExit) return `${head}, ${live} (format version 1: no join/detach events, threads are treated as joined at exit)`;
  return `${head}, ${formatCount(l.joined)} joined, ${formatCount(l.detached)} detached, `
    + `${formatCount(l.leaked)} leaked (exited, never joined or detached), ${live}`;
}

/** Whether the trace has call stacks: their depth and how many are defined, or none. */
export function infoStacksText(s: TraceInfo['callStacks']): string {
  if (s === null) return 'none (record exec --stacks records them)';
  return `${formatCount(s.defined)} defined, at most ${s.depth} frames each (--top-sites lists the sites)`;
}

export function infoText(info: TraceInfo): string {
  const params = Object.entries(info.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const lines = [
    `trace      ${info.file} (${info.format}${info.gzip ? ', gzip' : ''}, format version ${info.formatVersion}, ${info.complete ? 'complete' : 'TRUNCATED: no footer'})`,
    `workload   ${[info.workload, ...info.args].join(' ')}`,
    ...(params ? [`params     ${params}`] : []),
    `recorder   ${info.recorder}, seed ${info.seed}`,
    `events     ${formatCount(info.events)} (${info.bytesPerEvent.toFixed(2)} bytes/event, ${formatBytes(info.fileBytes)})`,
    `threads    ${formatCount(info.threads)} seen, ${formatCount(info.threadGenerations)} started, at most ${info.maxConcurrentThreads} at once`,
    `lifecycle  ${infoLifecycleText(info.threadLifecycle)}`,
    `stacks     ${infoStacksText(info.callStacks)}`,
    `peak live  ${formatCount(info.peakLiveObjects)} objects, ${formatBytes(info.peakLiveBytes)}`,
    `allocated  ${formatBytes(info.bytesAllocated)} in total`,
    `frees      ${formatCount(info.frees)}, ${formatPercent(info.crossThreadFreeShare)} by another thread than the allocating one`,
  ];
  if (info.skipped > 0) lines.push(`skipped    ${formatCount(info.skipped)} bad events (--lenient): ${formatCount(info.events - info.skipped)} applied`);
  if (info.digest) lines.push(`digest     ${info.digest} (${info.digestStatus === 'verified' ? 'verified' : info.digestStatus === 'mismatch' ? 'MISMATCH: the events read are not the ones recorded' : 'not checked'})`);
  for (const m of info.footerMismatches) lines.push(`footer     ${m.message}`);
  const opRows = Object.entries(info.ops).filter(([, n]) => n > 0).map(([op, n]) => [op, formatCount(n)]);
  const classes = Object.keys(info.sizeHistogram).filter((c) => c !== 'large');
  const sizeRows = Object.entries(info.sizeHistogram).filter(([, n]) => n > 0)
    .map(([c, n]) => [c === 'large' ? `> ${classes[classes.length - 1] ?? 0}` : `<= ${c}`, formatCount(n)]);
  const markRows = info.marks.slice(0, 50).map((m) => [m.name, formatCount(m.event)]);
  const out = [lines.join('\n'), '', formatTable([{ title: 'op', align: 'left' }, { title: 'events' }], opRows),
    '', formatTable([{ title: 'size class', align: 'left' }, { title: 'allocations' }], sizeRows)];
  if (markRows.length) out.push('', formatTable([{ title: 'mark', align: 'left' }, { title: 'event' }], markRows));
  if (info.markCount > 50) out.push(`… and ${formatCount(info.markCount - 50)} more marks (--json lists the first ${formatCount(info.marks.length)})`);
  return `${out.join('\n')}\n`;
}
