// Memory panel: RSS, VmSize and the mappings (VMAs) held against the mapping limit. With history
// (the default), one line each: a sparkline over the events replayed so far (mappings scaled to the
// limit, so the line is also a gauge), then the figure (and the peak); the sparklines share their
// width, so their columns are the same stretches of events. Full adds what the VMAs hold; figures
// alone is RSS, peak and VmSize on one line and a mappings gauge. Pure.

import { formatBytes, formatCount, formatPercent } from '../format.js';
import { historyColumns, type HistoryView } from './history.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardStats } from './snapshot.js';
import { textBar, textSparkline } from './text.js';
import type { DashboardTheme } from './theme.js';

export type MemoryDetail = 'full' | 'history' | 'figures';

interface MemoryProps {
  stats: DashboardStats | null;
  history: HistoryView;
  width: number;
  /** Default history. */
  detail?: MemoryDetail;
  theme: DashboardTheme;
}

/** Colour of a gauge by how full it is. */
function gaugeColor(fraction: number): string {
  return fraction >= 0.9 ? 'red' : fraction >= 0.7 ? 'yellow' : 'green';
}

const LABEL = 7; // 'VmSize '
const FIGURE = 8; // the widest formatBytes: '1023 MiB'
/** Right of the sparklines: ' <figure>  peak <figure>', or ' <figure>' when the width is short. */
const SUFFIX_LONG = 1 + FIGURE + 7 + FIGURE;
const SUFFIX_SHORT = 1 + FIGURE;
const SPARK_MIN = 12;

/** One history line: label, sparkline (padded to `sw` columns), figures. */
function sparkLine(label: string, h: HistoryView, key: 'rss' | 'vmSize' | 'mappings', sw: number, top: number | undefined, color: string, figures: string): Line {
  const spark = textSparkline(historyColumns(h.events, h[key], sw), sw, top);
  return [{ text: label.padEnd(LABEL), dim: true }, { text: spark.padEnd(sw), color }, { text: figures, bold: true }];
}

function memoryHistory(s: DashboardStats, h: HistoryView, width: number): Line[] {
  const frac = s.maxMapCount > 0 ? s.mappings / s.maxMapCount : 0;
  const mapsLong = ` ${formatCount(s.mappings)} / ${formatCount(s.maxMapCount)} ${formatPercent(frac)}`;
  const suffix = Math.max(SUFFIX_LONG, mapsLong.length);
  const long = width - LABEL - suffix >= SPARK_MIN;
  const sw = Math.max(1, width - LABEL - (long ? suffix : SUFFIX_SHORT));
  const pair = (now: number, peak: number): string =>
    ` ${formatBytes(now).padStart(FIGURE)}${long ? `  peak ${formatBytes(peak).padStart(FIGURE)}` : ''}`;
  const maps = long ? mapsLong : ` ${formatPercent(frac)}`;
  return [
    sparkLine('RSS', h, 'rss', sw, undefined, 'cyan', pair(s.rss, s.peakRss)),
    sparkLine('VmSize', h, 'vmSize', sw, undefined, 'blue', pair(s.vmSize, s.peakVmSize)),
    sparkLine('maps', h, 'mappings', sw, s.maxMapCount > 0 ? s.maxMapCount : undefined, gaugeColor(frac), maps),
  ];
}

function memoryFigures(s: DashboardStats, width: number): Line[] {
  const lines = linePack([
    item('RSS', formatBytes(s.rss)), item('peak', formatBytes(s.peakRss)), item('VmSize', formatBytes(s.vmSize)),
  ], width);
  const frac = s.maxMapCount > 0 ? s.mappings / s.maxMapCount : 0;
  const figures = ` ${formatCount(s.mappings)} / ${formatCount(s.maxMapCount)} (${formatPercent(frac)})`;
  const gaugeWidth = Math.max(4, Math.min(30, width - 'maps '.length - figures.length));
  lines.push([{ text: 'maps ', dim: true }, { text: textBar(frac, gaugeWidth), color: gaugeColor(frac) }, { text: figures, bold: true }]);
  return lines;
}

export function memoryLines(p: MemoryProps): Line[] {
  const s = p.stats;
  if (!s) return [plain('memory: waiting for the allocator…', { dim: true })];
  if (p.detail === 'figures') return memoryFigures(s, p.width);
  const lines = memoryHistory(s, p.history, p.width);
  if (p.detail === 'full') lines.push(...linePack([plain('VMAs:', { dim: true }), ...vmaItems(s)], p.width, 2));
  return lines;
}

/** The VMAs by what they hold: SuperSlabs, thread stacks (and how many of those are leaked), large
 *  blocks, the baseline, merged ones. Shared with the OOM banner. */
export function vmaItems(v: { vmasSuperSlab: number; vmasStack: number; vmasLarge: number; vmasBaseline: number; vmasMerged: number; stacksLeaked?: number }): Line[] {
  const items = [item('SS', formatCount(v.vmasSuperSlab))];
  const leaked = v.stacksLeaked ? ` (${formatCount(v.stacksLeaked)} leaked)` : '';
  items.push(item('stacks', formatCount(v.vmasStack) + leaked));
  if (v.vmasLarge > 0) items.push(item('large', formatCount(v.vmasLarge)));
  items.push(item('base', formatCount(v.vmasBaseline)));
  if (v.vmasMerged > 0) items.push(item('merged', formatCount(v.vmasMerged)));
  return items;
}

export function Memory(p: MemoryProps) {
  return <Lines lines={memoryLines(p)} width={p.width} theme={p.theme} />;
}
