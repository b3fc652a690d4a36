// `slabtrace info FILE [--json]`: what a trace holds, from one streaming pass (see replayer/traceInfo):
// format version, events per kind, threads and their lifecycle (joins, detaches, leaks), sizes, marks.

import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { traceInfo, type TraceInfo } from '../../replayer/index.js';
import { formatBytes, formatCount, formatPercent, formatTable } from '../format.js';
import { traceSource } from './source.js';
import { jsonTypedParams, jsonWrite } from '../jsonOut.js';
import { stdoutWrite } from './stdout.js';

export function infoRegister(program: Command): void {
  program
    .command('info')
    .description('summarise a trace: format version, events per kind, threads and their lifecycle, peak live objects and bytes, sizes, marks')
    .argument('<file>', 'trace file (protobuf or JSON, optionally gzipped; - for stdin)')
    .option('--json', 'print one JSON object')
    .option('--lenient', 'skip bad events (and count them) instead of failing')
    .option('--allow-truncated', 'summarise a trace without footer up to its last complete chunk')
    .action(async (file: string, opts: { json?: boolean; lenient?: boolean; allowTruncated?: boolean }) => {
      const source = traceSource(file);
      const fileBytes = file === '-' ? undefined : statSync(file).size;
      const info = await traceInfo(source, {
        lenient: opts.lenient, allowTruncated: opts.allowTruncated, fileBytes, name: file === '-' ? '<stdin>' : file,
      });
      if (opts.json) await jsonWrite({ ...info, params: jsonTypedParams(info.params) }, stdoutWrite);
      else process.stdout.write(infoText(info));
    });
}

/** One line: thread starts, exits, joins, detaches, leaks, live at the end (v1: joined at exit). */
export function infoLifecycleText(l: TraceInfo['threadLifecycle']): string {
  const head = `${formatCount(l.started)} started, ${formatCount(l.exited)} exited`;
  const live = `${formatCount(l.liveAtEnd)} live at the end`;
  if (l.joinedAtExit) return `${head}, ${live} (format version 1: no join/detach events, threads are treated as joined at exit)`;
  return `${head}, ${formatCount(l.joined)} joined, ${formatCount(l.detached)} detached, `
    + `${formatCount(l.leaked)} leaked (exited, never joined or detached), ${live}`;
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
    `peak live  ${formatCount(info.peakLiveObjects)} objects, ${formatBytes(info.peakLiveBytes)}`,
    `allocated  ${formatBytes(info.bytesAllocated)} in total`,
    `frees      ${formatCount(info.frees)}, ${formatPercent(info.crossThreadFreeShare)} by another thread than the allocating one`,
  ];
  if (info.skipped > 0) lines.push(`skipped    ${formatCount(info.skipped)} bad events (--lenient): ${formatCount(info.events - info.skipped)} applied`);
  if (info.digest) lines.push(`digest     ${info.digest} (${info.digestStatus === 'verified' ? 'verified' : info.digestStatus === 'mismatch' ? 'MISMATCH: the events read are not the ones recorded' : 'not checked'})`);
  for (const m of info.footerMismatches) lines.push(`footer     ${m.message}`);
  const opRows = Object.entries(info.ops).filter(([, n]) => n > 0).map(([op, n]) => [op, formatCount(n)]);
  const sizeRows = Object.entries(info.sizeHistogram).filter(([, n]) => n > 0)
    .map(([c, n]) => [c === 'large' ? '> 2048' : `<= ${c}`, formatCount(n)]);
  const markRows = info.marks.slice(0, 50).map((m) => [m.name, formatCount(m.event)]);
  const out = [lines.join('\n'), '', formatTable([{ title: 'op', align: 'left' }, { title: 'events' }], opRows),
    '', formatTable([{ title: 'size class', align: 'left' }, { title: 'allocations' }], sizeRows)];
  if (markRows.length) out.push('', formatTable([{ title: 'mark', align: 'left' }, { title: 'event' }], markRows));
  if (info.markCount > 50) out.push(`… and ${formatCount(info.markCount - 50)} more marks (--json lists the first ${formatCount(info.marks.length)})`);
  return `${out.join('\n')}\n`;
}
