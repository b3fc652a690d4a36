// Memory panel: RSS, peak RSS and VmSize, a sparkline of RSS over the replay so far, and the mappings
// held against the mapping limit as a gauge. Pure.

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
  return lines;
}

export function Memory(p: MemoryProps) {
  return <Lines lines={memoryLines(p)} width={p.width} theme={p.theme} />;
}
