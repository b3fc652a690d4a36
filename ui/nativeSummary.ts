// The summary of a replay through a real allocator, as plain text: the same rows as a model replay's
// where they apply (state, events, wall time, events/s, RSS, VmSize, mappings, blocks, remote frees,
// OOM), then what only a native replay has: which library, how RSS is derived (process minus the
// replayer's bookkeeping minus the baseline), threads, the crash report. summary.ts calls these for
// native results, so `replay --native` and `compare` print them like model results.
// Pure: a NativeReplayResult in, text out.

import type { NativeMark, NativeReplayResult } from '../replayer/index.js';
import { formatBytes, formatCount, formatDuration, formatRate, formatTable } from './format.js';
import { traceCheckRows } from './traceCheckRows.js';

/** The column title of a native result: the allocator's name, marked native. */
export function nativeLabel(r: NativeReplayResult): string {
  return `${r.native.allocator} (native)`;
}

function nativeState(r: NativeReplayResult): string {
  if (r.crash) return `CRASHED: ${r.crash.signal}${r.crash.event !== null ? ` at event ${formatCount(r.crash.event)}` : ''}`;
  if (r.oom) return `OOM at event ${formatCount(r.oom.event)}`;
  if (r.partial) return `PARTIAL: stopped by the user after ${formatCount(r.events)} events`;
  if (r.stoppedAt !== null) return `stopped at event ${formatCount(r.stoppedAt)} (--stop-at)`;
  return r.truncated ? 'done (trace truncated: no footer)' : 'done';
}

/** Label → value rows; the labels shared with the model's rows are spelt the same (compare aligns them). */
export function nativeFigureRows(r: NativeReplayResult): [string, string][] {
  const f = r.final;
  const b = r.native.baseline;
  return [
    ['state', nativeState(r)],
    ['events', `${formatCount(r.events)}${r.totalEvents ? ` of ${formatCount(r.totalEvents)}` : ''}`],
    ['wall time', formatDuration(r.wallSeconds)],
    ['events/s', `${formatRate(r.eventsPerSec)}${r.native.statsSeconds > 0 ? ` (reading /proc at marks, ${formatDuration(r.native.statsSeconds)}, not counted)` : ''}`],
    ['RSS peak / final', `${formatBytes(f.peakRss)} / ${formatBytes(f.rss)}`],
    ['VmSize peak / final', `${formatBytes(f.peakVmSize)} / ${formatBytes(f.vmSize)}`],
    ['mappings (VMAs)', `${formatCount(f.mappings)} (process ${formatCount(f.process.mappings)})`],
    ['blocks freed', formatCount(f.blocksFreed)],
    ['remote frees (pending)', formatCount(f.remoteFrees)],
    ['OOM', r.oom ? `yes, event ${formatCount(r.oom.event)}${r.oomCount > 1 ? ` (+${r.oomCount - 1} more failed)` : ''}` : 'no'],
    ['allocator', `${r.native.library} ${r.native.version}`],
    ['process RSS / bookkeeping / baseline', `${formatBytes(f.process.rss)} / ${formatBytes(f.bookkeeping.rss)} / ${formatBytes(b.rss)}`],
    ['threads started (live)', `${formatCount(f.threadsStarted)} (${formatCount(f.threadsLive)})`],
    ['replay process CPU', `${formatDuration(r.native.cpuSeconds)}${r.native.cpuSeconds > 0 ? ` (${formatRate(r.events / r.native.cpuSeconds)} events per CPU-second)` : ''}`],
  ];
}

function nativeOomText(r: NativeReplayResult): string {
  const o = r.oom;
  if (!o) return '';
  return [
    `OUT OF MEMORY at event ${formatCount(o.event)}: ${o.op} of ${formatBytes(o.size)} by thread ${o.tid}`,
    `  ${o.reason}`,
    `  VmSize ${formatBytes(r.final.process.vmSize)}, VmRSS ${formatBytes(r.final.process.rss)}, mappings ${formatCount(r.final.process.mappings)} (the process, at the end)`,
  ].join('\n');
}

function nativeCrashText(r: NativeReplayResult): string {
  const c = r.crash;
  if (!c) return '';
  const where = c.event !== null ? `while performing event ${formatCount(c.event)} (${c.op} by thread ${c.tid})` : `after ${formatCount(c.eventsSent)} events were sent (the process did not say which)`;
  const lines = [`CRASHED: the replay process died of ${c.signal} ${where}`, `  allocator: ${r.native.library}; figures below are those of the last mark`];
  const tail = c.stderr.trim().split('\n').slice(-5).filter(Boolean);
  if (tail.length) lines.push(...tail.map((l) => `  stderr: ${l}`));
  return lines.join('\n');
}

/** Within 80 columns for battle's mark names; `proc RSS` is the process's, before the subtractions. */
const MARK_COLUMNS = [
  { title: 'mark', align: 'left' as const }, { title: 'event' }, { title: 'RSS' }, { title: 'VmSize' },
  { title: 'VMAs' }, { title: 'blocks' }, { title: 'proc RSS' },
];

function markRow(m: NativeMark): string[] {
  return [m.name, formatCount(m.event), formatBytes(m.rss), formatBytes(m.vmSize), formatCount(m.mappings), formatCount(m.liveBlocks), formatBytes(m.process.rss)];
}

function nativeMarksTable(marks: NativeMark[]): string {
  return marks.length ? formatTable(MARK_COLUMNS, marks.map(markRow)) : '';
}

export function nativeSummaryText(r: NativeReplayResult): string {
  const head = `replay of ${r.file} (${r.workload}) through ${r.native.allocator} (native)`;
  const rows = nativeFigureRows(r);
  rows.splice(2, 0, ...traceCheckRows(r));
  const width = Math.max(...rows.map(([k]) => k.length));
  const parts = [head, rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n'), `  ${r.native.rssNote}.`];
  if (r.crash) parts.push(nativeCrashText(r));
  if (r.oom) parts.push(nativeOomText(r));
  if (r.marks.length) parts.push(nativeMarksTable(r.marks));
  return `${parts.join('\n\n')}\n`;
}
