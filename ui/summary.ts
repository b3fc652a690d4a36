// The replay summary as plain text: the figures, the per-class and per-thread tables, one row per mark
// (this is how the battle table comes out), a terminal chart, and the OOM report last (the lines a user
// sees). Also the side-by-side rendering of several results (compare, npm start).
// Pure: a ReplayResult in, text out; the dashboard prints the same text when it finishes.

import {
  replayIsNative, type AnyReplayResult, type ReplayClassRow, type ReplayMark, type ReplayResult, type ReplayThreadRow,
} from '../replayer/index.js';
import { chartText } from './chart.js';
import { formatBytes, formatCount, formatDuration, formatRate, formatTable } from './format.js';
import { nativeFigureRows, nativeLabel, nativeSummaryText } from './nativeSummary.js';
import { traceCheckRows } from './traceCheckRows.js';

function resultState(r: ReplayResult): string {
  if (r.oom) return `OOM at event ${formatCount(r.oom.event)}`;
  if (r.partial) return `PARTIAL: stopped by the user after ${formatCount(r.events)} events`;
  if (r.stoppedAt !== null) return `stopped at event ${formatCount(r.stoppedAt)} (--stop-at)`;
  return r.truncated ? 'done (trace truncated: no footer)' : 'done';
}

function overridesText(r: ReplayResult): string {
  const o = Object.entries(r.overrides).map(([k, v]) => `${k}=${v}`);
  return o.length ? ` (${o.join(', ')})` : '';
}

export function summaryOom(r: ReplayResult): string {
  const o = r.oom;
  if (!o) return '';
  return [
    o.what === 'stack'
      ? `OUT OF MEMORY at event ${formatCount(o.event)}: ${o.op} by thread ${o.tid}`
      : `OUT OF MEMORY at event ${formatCount(o.event)}: ${o.op} of ${formatBytes(o.size)} by thread ${o.tid}`,
    ...summaryWrap(o.reason, 76).map((l) => `  ${l}`),
    `  SuperSlabs allocated ${formatCount(o.ssAllocated)}, freed ${formatCount(o.ssFreed)}; mappings ${formatCount(o.mappings)} / ${formatCount(o.maxMapCount)}`,
    `  VMAs: ${vmaText(o.vmas)}`,
    `  VmSize ${formatBytes(o.vmSize)}, VmRSS ${formatBytes(o.vmRss)}`,
  ].join('\n');
}

/** `text` in lines of at most `width` columns, broken at spaces. */
function summaryWrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** VMAs by what they hold, e.g. "SuperSlabs 43,672, stacks 21,834, baseline 23". */
function vmaText(v: ReplayMark['vmas']): string {
  const parts = [`SuperSlabs ${formatCount(v.superSlab)}`, `stacks ${formatCount(v.stack)}`];
  if (v.large > 0) parts.push(`large ${formatCount(v.large)}`);
  parts.push(`baseline ${formatCount(v.baseline)}`);
  if (v.merged > 0) parts.push(`merged ${formatCount(v.merged)}`);
  return parts.join(', ');
}

const MARK_COLUMNS = [
  { title: 'mark', align: 'left' as const }, { title: 'event' }, { title: 'RSS' }, { title: 'VmSize' },
  { title: 'SS live' }, { title: 'SS freed' }, { title: 'live blocks' },
];

function markRow(m: ReplayMark): string[] {
  return [m.name, formatCount(m.event), formatBytes(m.rss), formatBytes(m.vmSize), formatCount(m.ssLive),
    formatCount(m.ssFreed), formatCount(m.liveBlocks)];
}

/** Marks printed in a summary table; beyond it, the first and last halves and a "… N more" line. */
export const SUMMARY_MAX_MARKS = 200;

/** A table of at most SUMMARY_MAX_MARKS of `items` (the first and last halves, "… N more" between). */
function cappedTable<T>(columns: Parameters<typeof formatTable>[0], items: T[], row: (x: T) => string[], tail: T[] = [], total = items.length): string {
  if (total <= SUMMARY_MAX_MARKS) return formatTable(columns, items.map(row));
  const half = SUMMARY_MAX_MARKS >> 1;
  const last = total > items.length ? tail.slice(-half) : items.slice(-half);
  const lines = formatTable(columns, [...items.slice(0, half), ...last].map(row)).split('\n');
  const more = `… ${formatCount(total - half - last.length)} more marks (--json has them all)`;
  return [...lines.slice(0, 2 + half), more, ...lines.slice(2 + half)].join('\n');
}

/** The marks table, capped: the first and the last marks around a "… N more" line. */
export function summaryMarks(marks: ReplayMark[], tail: ReplayMark[] = [], total = marks.length): string {
  return marks.length ? cappedTable(MARK_COLUMNS, marks, markRow, tail, Math.max(total, marks.length)) : '';
}

/** Label → value rows of the final figures (shared by the single and the side-by-side summary). */
function figureRows(r: ReplayResult): [string, string][] {
  const f = r.final;
  return [
    ['state', resultState(r)],
    ['events', `${formatCount(r.events)}${r.totalEvents ? ` of ${formatCount(r.totalEvents)}` : ''}`],
    ['wall time', formatDuration(r.wallSeconds)],
    ['events/s', formatRate(r.eventsPerSec)],
    ['RSS peak / final', `${formatBytes(f.peakRss)} / ${formatBytes(f.rss)}`],
    ['VmSize peak / final', `${formatBytes(f.peakVmSize)} / ${formatBytes(f.vmSize)}`],
    ['mappings (VMAs)', formatCount(f.mappings)],
    ['VMAs: SuperSlabs / stacks / other', `${formatCount(f.vmas.superSlab)} / ${formatCount(f.vmas.stack)} / ${formatCount(f.vmas.large + f.vmas.baseline + f.vmas.merged)}`],
    ['thread stacks (leaked)', `${formatCount(f.stacksMapped)} (${formatCount(f.stacksLeaked)})${f.stackFailures ? `, ${formatCount(f.stackFailures)} failed` : ''}`],
    ['RSS of baseline / threads', `${formatBytes(f.baselineRss)} / ${formatBytes(f.threadRss)}`],
    ['SuperSlabs alloc / freed / live', `${formatCount(f.ssAllocated)} / ${formatCount(f.ssFreed)} / ${formatCount(f.ssLive)}`],
    ['blocks freed', formatCount(f.blocksFreed)],
    ['bytes freed', formatBytes(f.bytesFreed)],
    ['bytes returned to the OS', formatBytes(f.bytesReturned)],
    ['remote frees (pending)', `${formatCount(f.remoteFrees)} (${formatCount(f.remoteFreesPending)})`],
    ['OOM', r.oom ? `yes, event ${formatCount(r.oom.event)}${r.oomCount > 1 ? ` (+${r.oomCount - 1} more failed)` : ''}` : 'no'],
    ['digest', r.digest],
  ];
}

/** What the plain summary shows beyond the figures. */
export interface SummaryOptions {
  /** The terminal chart of RSS (and mappings) over events (default true). */
  chart?: boolean;
  /** Threads listed: the top N by live blocks, or all (default 10). */
  threads?: number | 'all';
  /** Width of the chart (default 80). */
  width?: number;
}

export function summaryText(r: AnyReplayResult, opts: SummaryOptions = {}): string {
  if (replayIsNative(r)) return nativeSummaryText(r);
  const head = `replay of ${r.file} (${r.workload}) under ${r.preset}${overridesText(r)}`;
  const rows = figureRows(r);
  rows.splice(2, 0, ...traceCheckRows(r));
  if (r.check) rows.push(['invariant checks', `${formatCount(r.check.runs)} passed${driftText(r.check.drift)}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const parts = [head, rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')];
  if (r.classes?.length) parts.push(summaryClasses(r.classes));
  if (r.threads?.length) parts.push(summaryThreads(r.threads, opts.threads ?? SUMMARY_THREADS));
  if (r.marks.length) parts.push(summaryMarks(r.marks, r.marksTail, r.marksTotal));
  const chart = opts.chart === false ? '' : chartText(r, opts.width ?? 80);
  if (chart) parts.push(chart);
  if (r.oom) parts.push(summaryOom(r)); // last: the lines a user sees
  return `${parts.join('\n\n')}\n`;
}

/** Threads listed by default. */
export const SUMMARY_THREADS = 10;

const CLASS_COLUMNS = [
  { title: 'class' }, { title: 'live blocks' }, { title: 'slabs' }, { title: 'SuperSlabs' }, { title: 'in magazines' }, { title: 'remote pending' },
];

/** The per-class table (classes that were used). */
export function summaryClasses(classes: ReplayClassRow[]): string {
  const used = classes.filter((c) => c.blocksAllocated > 0 || c.slabs > 0);
  if (used.length === 0) return '';
  return formatTable(CLASS_COLUMNS, used.map((c) => [
    formatBytes(c.size), formatCount(c.liveBlocks), formatCount(c.slabs), formatCount(c.superSlabs), formatCount(c.magazineBlocks), formatCount(c.remotePending),
  ])) + '\n  in magazines: free blocks held by threads; remote pending: freed by another thread, not yet drained by the owner';
}

const THREAD_COLUMNS = [
  { title: 'thread' }, { title: 'state', align: 'left' as const }, { title: 'allocs' }, { title: 'frees' }, { title: 'allocs-frees' },
  { title: 'remote sent' }, { title: 'remote recvd' },
];

/** The per-thread table: the `top` threads with the most live blocks (or all), in that order. */
export function summaryThreads(threads: ReplayThreadRow[], top: number | 'all'): string {
  const sorted = [...threads].sort((a, b) => b.liveBlocks - a.liveBlocks || a.tid - b.tid);
  const shown = top === 'all' ? sorted : sorted.slice(0, top);
  const counts = new Map<string, number>();
  for (const t of threads) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const states = [...counts].map(([k, v]) => `${formatCount(v)} ${k}`).join(', ');
  const title = top === 'all' || threads.length <= top
    ? `threads: ${states}`
    : `threads: ${states}; the ${shown.length} with the most live blocks (--threads all lists every one)`;
  return [title, formatTable(THREAD_COLUMNS, shown.map((t) => [
    String(t.tid), t.state, formatCount(t.allocs), formatCount(t.frees), formatCount(t.liveBlocks),
    formatCount(t.remoteFreesSent), formatCount(t.remoteFreesReceived),
  ])), '  allocs-frees: blocks this thread allocated minus blocks it freed (negative when it freed blocks other threads allocated)'].join('\n');
}

function driftText(drift: Record<string, number>): string {
  const d = Object.entries(drift).filter(([, v]) => v !== 0);
  return d.length ? `; drift by design: ${d.map(([k, v]) => `${k}=${formatCount(v)}`).join(', ')}` : '';
}

/** Shorter labels in compare's tables, so that two columns fit 80 terminal columns. */
const COMPARE_LABELS: Record<string, string> = {
  'VMAs: SuperSlabs / stacks / other': 'VMAs: SS / stacks / other',
  'SuperSlabs alloc / freed / live': 'SS alloc / freed / live',
};

/** Splits columns of the given widths into runs that fit `width` beside a first column of `firstWidth`
 *  (2 spaces between columns); a column wider than the room still gets a run of its own. */
function compareGroups(firstWidth: number, widths: number[], width: number): number[][] {
  const groups: number[][] = [];
  let cur: number[] = [];
  let used = firstWidth;
  widths.forEach((w, i) => {
    if (cur.length > 0 && used + 2 + w > width) {
      groups.push(cur);
      cur = [];
      used = firstWidth;
    }
    cur.push(i);
    used += 2 + w;
  });
  if (cur.length) groups.push(cur);
  return groups;
}

/**
 * Several results side by side: final figures, then each mark's RSS and live SuperSlabs. When the
 * columns do not fit `width` (the terminal's), they are printed in runs that do, each with its labels.
 */
export function summaryCompare(results: AnyReplayResult[], width = Infinity): string {
  const rowsOf = (r: AnyReplayResult): [string, string][] =>
    (replayIsNative(r) ? nativeFigureRows(r) : figureRows(r)).map(([k, v]) => [COMPARE_LABELS[k] ?? k, v]);
  const labels = [...new Set(results.flatMap((r) => rowsOf(r).map(([k]) => k)))].filter((k) => k !== 'digest');
  const title = (r: AnyReplayResult): string => (replayIsNative(r) ? nativeLabel(r) : r.preset);
  const values = results.map((r) => new Map(rowsOf(r)));
  const labelWidth = Math.max(...labels.map((k) => k.length));
  const widths = results.map((r, j) => Math.max(title(r).length, ...labels.map((k) => (values[j]!.get(k) ?? '').length)));
  const parts = [`${results[0].file} (${results[0].workload})`];
  for (const g of compareGroups(labelWidth, widths, width)) {
    const cols = [{ title: '', align: 'left' as const }, ...g.map((j) => ({ title: title(results[j]!) }))];
    parts.push(formatTable(cols, labels.map((k) => [k, ...g.map((j) => values[j]!.get(k) ?? '')])));
  }
  const longest = results.reduce((a, r) => (r.marks.length > a.marks.length ? r : a), results[0]);
  const names = longest.marks.map((m) => m.name);
  if (names.length) {
    const nameWidth = Math.max(4, ...names.slice(0, SUMMARY_MAX_MARKS).map((n) => n.length));
    const markWidths = results.map((r) => `${title(r)} RSS`.length + 2 + 'SS live'.length);
    for (const g of compareGroups(nameWidth, markWidths, width)) {
      const markCols = [{ title: 'mark', align: 'left' as const }, ...g.flatMap((j) => [{ title: `${title(results[j]!)} RSS` }, { title: 'SS live' }])];
      parts.push(cappedTable(markCols, names.map((name, i) => ({ name, i })), ({ name, i }) => [name, ...g.flatMap((j) => {
        const m = results[j]!.marks[i];
        return m ? [formatBytes(m.rss), 'ssLive' in m ? formatCount(m.ssLive) : '—'] : ['—', '—'];
      })]));
    }
  }
  return `${parts.join('\n\n')}\n`;
}
