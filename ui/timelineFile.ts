// Timeline files (`--timeline FILE`): the replay's samples (replayer's ReplayTimeline) as CSV with a
// header row, or as Chrome trace event JSON (counter events, "ph":"C"; marks and the OOM as instant
// events) that opens in Perfetto's UI and chrome://tracing. The format follows the file name: .csv or
// .json. Several results (compare) give one series per column: a `config` column in CSV, one process
// per config in JSON. Timestamps are event indexes (the trace has no clock), shown as microseconds.
// Pure functions of the results, and one writer.

import { writeFileSync } from 'node:fs';
import type { ReplayResult, ReplayTimeline } from '../replayer/index.js';
import { UsageError } from './errors.js';

/** What a column of the timeline is called in a file (the allocator's names, with units). */
const CSV_NAMES: Record<string, string> = {
  event: 'event', rss: 'rss_bytes', vmSize: 'vmsize_bytes', mappings: 'mappings', ssLive: 'superslabs_live',
  ssAllocated: 'superslabs_allocated', ssFreed: 'superslabs_freed', ssEmptyReserved: 'superslabs_empty_reserved',
  liveBlocks: 'live_blocks', liveBytes: 'live_bytes', remoteFreesPending: 'remote_frees_pending',
};

function csvName(column: string): string {
  const m = /^class(\d+)$/.exec(column);
  return m ? `class_${m[1]}_live_blocks` : CSV_NAMES[column] ?? column;
}

/** A label for a result's series: its preset (with overrides) or allocator. */
export function timelineLabel(r: ReplayResult): string {
  const o = Object.entries(r.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
  return o.length ? `${r.preset}+${o.join('+')}` : r.preset;
}

function timelineOf(r: ReplayResult): ReplayTimeline {
  if (!r.timeline) throw new UsageError(`the ${timelineLabel(r)} replay has no timeline`);
  return r.timeline;
}

/** CSV: a header row, then one row per sample (with a `config` column first when there are several). */
export function timelineCsv(results: ReplayResult[]): string {
  const many = results.length > 1;
  const columns = timelineOf(results[0]!).columns;
  const lines = [[...(many ? ['config'] : []), ...columns.map(csvName), 'at_mark'].join(',')];
  for (const r of results) {
    const t = timelineOf(r);
    const label = JSON.stringify(timelineLabel(r));
    t.rows.forEach((row, i) => {
      const cells = columns.map((c) => { const j = t.columns.indexOf(c); return j >= 0 ? String(row[j] ?? '') : ''; });
      lines.push([...(many ? [label] : []), ...cells, String(t.atMark[i] ?? 0)].join(','));
    });
  }
  return `${lines.join('\n')}\n`;
}

/** Counter tracks: a name and the timeline columns it plots. */
const TRACKS: Array<{ name: string; columns: string[] }> = [
  { name: 'memory (bytes)', columns: ['rss', 'vmSize', 'liveBytes'] },
  { name: 'mappings (VMAs)', columns: ['mappings'] },
  { name: 'SuperSlabs', columns: ['ssLive', 'ssAllocated', 'ssFreed', 'ssEmptyReserved'] },
  { name: 'live blocks', columns: ['liveBlocks', 'remoteFreesPending'] },
];

interface ChromeEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid?: number;
  s?: string;
  args?: Record<string, unknown>;
}

/** Chrome trace event format: {"traceEvents": [...]} with one process per result. */
export function timelineChrome(results: ReplayResult[]): { traceEvents: ChromeEvent[]; displayTimeUnit: string; otherData: Record<string, string> } {
  const events: ChromeEvent[] = [];
  results.forEach((r, k) => {
    const pid = k + 1;
    const t = timelineOf(r);
    events.push({ name: 'process_name', ph: 'M', ts: 0, pid, args: { name: timelineLabel(r) } });
    const classes = t.columns.filter((c) => c.startsWith('class'));
    const tracks = [...TRACKS, { name: 'live blocks by class', columns: classes }];
    for (const row of t.rows) {
      for (const track of tracks) {
        const args: Record<string, number> = {};
        for (const c of track.columns) { const j = t.columns.indexOf(c); if (j >= 0) args[c] = row[j]!; }
        events.push({ name: track.name, ph: 'C', ts: row[0]!, pid, args });
      }
    }
    for (const m of r.marks) events.push({ name: m.name, ph: 'i', s: 'p', ts: m.event, pid, tid: 0, args: { rss: m.rss, vmSize: m.vmSize, ssLive: m.ssLive } });
    if (r.oom) events.push({ name: `OOM: ${r.oom.reason}`, ph: 'i', s: 'p', ts: r.oom.event, pid, tid: 0, args: { ...r.oom } });
  });
  return { traceEvents: events, displayTimeUnit: 'ns', otherData: { timestamps: 'event index' } };
}

/** Writes the timeline of `results` to `path` (.csv or .json). */
export function timelineWrite(path: string, results: ReplayResult[]): void {
  if (/\.csv$/i.test(path)) writeFileSync(path, timelineCsv(results));
  else if (/\.json$/i.test(path)) writeFileSync(path, JSON.stringify(timelineChrome(results)));
  else throw new UsageError(`--timeline ${path}: the file name must end in .csv or .json (Chrome trace events)`);
}
