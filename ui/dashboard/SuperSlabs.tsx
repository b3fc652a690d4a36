// SuperSlabs panel: allocated, freed, live and empty-reserved SuperSlabs, with (detail history, the
// default) a sparkline of the live count over the events replayed so far. Pure.

import { formatCount } from '../format.js';
import { historyColumns, type HistoryView } from './history.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardStats } from './snapshot.js';
import { textSparkline } from './text.js';
import type { DashboardTheme } from './theme.js';

interface SuperSlabsProps {
  stats: DashboardStats | null;
  history: HistoryView;
  width: number;
  /** Default history. */
  detail?: 'history' | 'figures';
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
  if (p.detail === 'figures') return lines;
  const label = 'live ';
  const sw = p.width - label.length;
  lines.push([{ text: label, dim: true }, { text: textSparkline(historyColumns(p.history.events, p.history.ssLive, sw), sw), color: 'magenta' }]);
  return lines;
}

export function SuperSlabs(p: SuperSlabsProps) {
  return <Lines lines={superSlabsLines(p)} width={p.width} theme={p.theme} />;
}
