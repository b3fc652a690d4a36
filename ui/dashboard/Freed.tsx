// Freed-totals panel: blocks and bytes freed, SuperSlabs freed, bytes returned to the OS, remote
// frees and how many of them are still pending. Pure.

import { formatBytes, formatCount } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardStats } from './snapshot.js';
import type { DashboardTheme } from './theme.js';

interface FreedProps {
  stats: DashboardStats | null;
  width: number;
  theme: DashboardTheme;
}

export function freedLines(p: FreedProps): Line[] {
  const s = p.stats;
  if (!s) return [];
  return linePack([
    plain('freed', { bold: true }),
    item('blocks', formatCount(s.blocksFreed)), item('bytes', formatBytes(s.bytesFreed)),
    item('SuperSlabs', formatCount(s.ssFreed)), item('returned to OS', formatBytes(s.bytesReturned)),
    item('remote frees', `${formatCount(s.remoteFrees)} (pending ${formatCount(s.remoteFreesPending)})`),
  ], p.width, 2);
}

export function Freed(p: FreedProps) {
  return <Lines lines={freedLines(p)} width={p.width} theme={p.theme} />;
}
