// The terminal chart at the end of a plain summary (like ms_print for massif): RSS over events, and
// the mappings (VMAs) against the limit when the limit mattered (an OOM for max_map_count, or more than
// half of it used). Drawn with asciichart within `width` columns; each column is the largest value of
// its stretch of samples, so a peak is never lost. Pure: a result in, text out.

import asciichart from 'asciichart';
import type { ReplayResult, ReplayTimeline } from '../replayer/index.js';
import { formatBytes, formatCount } from './format.js';

const LABEL = 11; // asciichart's label column, with its axis

/** The largest value of column `col` in each of `n` equal stretches of events. */
function chartResample(t: ReplayTimeline, col: number, n: number): number[] {
  const rows = t.rows;
  const end = rows[rows.length - 1]![0]!;
  const out = new Array<number>(n).fill(Number.NaN);
  for (const row of rows) {
    const k = Math.min(n - 1, Math.floor((row[0]! / Math.max(1, end)) * n));
    const v = row[col]!;
    if (!(out[k]! >= v)) out[k] = v;
  }
  for (let k = 0; k < n; k++) if (Number.isNaN(out[k])) out[k] = k > 0 ? out[k - 1]! : rows[0]![col]!;
  return out;
}

function chartPlot(series: number[][], height: number, fmt: (v: number) => string): string {
  return asciichart.plot(series, { height, format: (v: number) => fmt(v).padStart(LABEL - 2) });
}

/** The axis under a chart: first and last event. */
function chartAxis(width: number, end: number): string {
  const right = `${formatCount(end)} events`;
  return `${' '.repeat(LABEL - 2)}0${right.padStart(width - LABEL + 1)}`;
}

/** The chart text, or '' when the result has too few samples. */
export function chartText(r: ReplayResult, width = 80): string {
  const t = r.timeline;
  if (!t || t.rows.length < 2) return '';
  const cols = Math.max(10, width - LABEL - 1);
  const end = t.rows[t.rows.length - 1]![0]!;
  const out = [`RSS over the replay (peak ${formatBytes(r.final.peakRss)})`];
  out.push(chartPlot([chartResample(t, t.columns.indexOf('rss'), cols)], 8, (v) => formatBytes(v)));
  out.push(chartAxis(width, end));
  const limit = Number(r.params?.maxMapCount ?? 0);
  const mattered = (r.oom !== null && r.oom.reasonCode === 'max_map_count') || (limit > 0 && r.final.peakMappings > limit / 2);
  if (mattered) {
    const maps = chartResample(t, t.columns.indexOf('mappings'), cols);
    out.push('', `mappings (VMAs) against the limit of ${formatCount(limit)}`);
    out.push(chartPlot([maps, maps.map(() => limit)], 5, (v) => formatCount(v)));
    out.push(chartAxis(width, end));
  }
  return out.join('\n');
}
