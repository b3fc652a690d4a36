// Memory panel: RSS, peak RSS and VmSize, a sparkline of RSS over the replay so far, the mappings (VMAs)
// held against the mapping limit as a gauge, and what those VMAs hold. Pure.

import { formatBytes, formatCount, formatPercent } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardStats } from './snapshot.js';
import { textBar, textSparkline } from './text.js';
import type { DashboardTheme } from './theme.js';

export interface MemoryProps {
  stats: DashboardStats | null;
  rssHistory: number[];
  width: number;
  theme: DashboardTheme;
}

/** Colour of a gauge by how full it is. */
export function gaugeColor(fraction: number): string {
  return fraction >= 0.9 ? 'red' : fraction >= 0.7 ? 'yellow' : 'green';
}

export function memoryLines(p: MemoryProps): Line[] {
  const s = p.stats;
  if (!s) return [plain('memory: waiting for the allocator…', { dim: true })];
  const lines = linePack([
    item('RSS', formatBytes(s.rss)), item('peak', formatBytes(s.peakRss)), item('VmSize', formatBytes(s.vmSize)),
  ], p.width);
  const label = 'RSS ';
  lines.push([{ text: label, dim: true }, { text: textSparkline(p.rssHistory, p.width - label.length), color: 'cyan' }]);
  const frac = s.maxMapCount > 0 ? s.mappings / s.maxMapCount : 0;
  const figures = ` ${formatCount(s.mappings)} / ${formatCount(s.maxMapCount)} (${formatPercent(frac)})`;
  const gaugeWidth = Math.max(4, Math.min(30, p.width - 'maps '.length - figures.length));
  lines.push([{ text: 'maps ', dim: true }, { text: textBar(frac, gaugeWidth), color: gaugeColor(frac) }, { text: figures, bold: true }]);
  lines.push(...linePack(vmaItems(s), p.width, 5));
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
