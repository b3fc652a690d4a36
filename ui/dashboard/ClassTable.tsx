// Per-size-class table: live blocks, slabs, magazine blocks and SuperSlabs of each class in use,
// fitted to the width (columns that do not fit are dropped from the right, rows beyond maxRows
// summarised). Pure.

import { formatBytes, formatCount } from '../format.js';
import { Lines, plain, type Line } from './lines.js';
import type { DashboardClassRow } from './snapshot.js';
import { textTable } from './text.js';
import type { DashboardTheme } from './theme.js';

interface ClassTableProps {
  classes: DashboardClassRow[];
  width: number;
  maxRows: number;
  theme: DashboardTheme;
}

const COLUMNS = [
  { title: 'class', min: 7 }, { title: 'live blocks', min: 11 }, { title: 'slabs', min: 6 },
  { title: 'magazine', min: 8 }, { title: 'SuperSlabs', min: 10 },
];

export function classTableLines(p: ClassTableProps): Line[] {
  const used = p.classes.filter((c) => c.liveBlocks !== 0 || c.slabs > 0 || c.magazineBlocks > 0 || c.superSlabs > 0);
  const shown = used.length > p.maxRows ? [...used].sort((a, b) => b.liveBlocks - a.liveBlocks).slice(0, p.maxRows - 1).sort((a, b) => a.size - b.size) : used;
  const rows = shown.map((c) => [formatBytes(c.size), formatCount(c.liveBlocks), formatCount(c.slabs), formatCount(c.magazineBlocks), formatCount(c.superSlabs)]);
  const [head, ...body] = textTable(COLUMNS, rows, p.width);
  const lines: Line[] = [plain(head, { dim: true }), ...body.map((l) => plain(l))];
  if (used.length === 0) lines.push(plain('(no size class in use yet)', { dim: true }));
  if (shown.length < used.length) lines.push(plain(`+${used.length - shown.length} more classes`, { dim: true }));
  return lines;
}

export function ClassTable(p: ClassTableProps) {
  return <Lines lines={classTableLines(p)} width={p.width} theme={p.theme} />;
}
