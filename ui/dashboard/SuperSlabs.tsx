// SuperSlabs panel: allocated, freed, live and empty-reserved SuperSlabs, with a sparkline of the
// live count over the replay so far. Pure.

import { formatCount } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardStats } from './snapshot.js';
import { textSparkline } from './text.js';
import type { DashboardTheme } from './theme.js';

export interface SuperSlabsProps {
  stats: DashboardStats | null;
  ssLiveHistory: number[];
  width: number;
  theme: DashboardTheme;
}

export function superSlabsLines(p: SuperSlabsProps): Line[] {
  const s = p.stats;
  if (!s) return [plain('SuperSlabs: waiting for the allocator…', { dim: true })];
  const lines = linePack([
    plain('SuperSlabs', { bold: true }),
    item('alloc', formatCount(s.ssAllocated)), item('freed', formatCount(s.ssFreed)),
    item('live', formatCount(s.ssLive), 'cyan'), item('empty-reserved', formatCount(s.ssEmptyReserved)),
  ], p.width, 2);
  const label = 'live ';
  lines.push([{ text: label, dim: true }, { text: textSparkline(p.ssLiveHistory, p.width - label.length), color: 'magenta' }]);
  return lines;
}

export function SuperSlabs(p: SuperSlabsProps) {
  return <Lines lines={superSlabsLines(p)} width={p.width} theme={p.theme} />;
}
