// Per-thread table: the top live thread slots by live blocks (allocations minus frees by that thread),
// with remote frees sent, and a line of thread generations seen (started, exited, live). Pure.

import { formatCount } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardStats, DashboardThreadRow } from './snapshot.js';
import { textTable } from './text.js';
import type { DashboardTheme } from './theme.js';

interface ThreadTableProps {
  threads: DashboardThreadRow[];
  stats: DashboardStats | null;
  width: number;
  maxRows: number;
  theme: DashboardTheme;
}

const COLUMNS = [
  { title: 'thread', min: 6 }, { title: 'live blocks', min: 11 }, { title: 'remote sent', min: 11 },
  { title: 'allocs', min: 9 }, { title: 'frees', min: 9 },
];

/** The `n` threads with the most live blocks (ties by thread id). */
function threadTop(threads: DashboardThreadRow[], n: number): DashboardThreadRow[] {
  return [...threads].sort((a, b) => b.liveBlocks - a.liveBlocks || a.tid - b.tid).slice(0, Math.max(0, n));
}

export function threadTableLines(p: ThreadTableProps): Line[] {
  const lines: Line[] = [];
  if (p.stats) {
    const s = p.stats;
    lines.push(...linePack([
      plain('threads', { bold: true }), item('live', formatCount(p.threads.length)),
      item('started', formatCount(s.threadsStarted)), item('exited', formatCount(s.threadsExited)),
    ], p.width, 2));
  }
  const top = threadTop(p.threads, p.threads.length > p.maxRows ? p.maxRows - 1 : p.maxRows);
  const rows = top.map((t) => [String(t.tid), formatCount(t.liveBlocks), formatCount(t.remoteFreesSent), formatCount(t.allocs), formatCount(t.frees)]);
  const [head, ...body] = textTable(COLUMNS, rows, p.width);
  lines.push(plain(head, { dim: true }), ...body.map((l) => plain(l)));
  if (top.length < p.threads.length) lines.push(plain(`+${p.threads.length - top.length} more threads`, { dim: true }));
  return lines;
}

export function ThreadTable(p: ThreadTableProps) {
  return <Lines lines={threadTableLines(p)} width={p.width} theme={p.theme} />;
}
