// One passed mark, as printed once into the history above the live area: its name, event index, and
// the RSS and SuperSlabs at that point; and the line printed instead of the marks past MARKS_SHOWN. Pure.

import type { ReplayMark } from '../../replayer/index.js';
import { formatBytes, formatCount } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import { MARKS_SHOWN } from './markHistory.js';
import type { DashboardTheme } from './theme.js';

interface MarkLineProps {
  mark: ReplayMark;
  width: number;
  theme: DashboardTheme;
}

export function markLines(p: MarkLineProps): Line[] {
  const m = p.mark;
  return linePack([
    [{ text: '◆ ', color: 'yellow' }, { text: m.name, bold: true }],
    item('event', formatCount(m.event)), item('RSS', formatBytes(m.rss)), item('VmSize', formatBytes(m.vmSize)),
    item('SS live', formatCount(m.ssLive)),
    ...(p.width >= 100 ? [item('alloc', formatCount(m.ssAllocated)), item('freed', formatCount(m.ssFreed))] : []),
  ], p.width, 2);
}

export function MarkLine(p: MarkLineProps) {
  return <Lines lines={markLines(p)} width={p.width} theme={p.theme} />;
}

/** Printed once, after the first MARKS_SHOWN marks. */
export function marksMoreLines(width: number): Line[] {
  return linePack([
    [{ text: '◆ ', color: 'yellow' }, { text: 'more marks follow', bold: true }],
    plain(`(printed here: the first ${formatCount(MARKS_SHOWN)}; the summary lists the first and last, --timeline samples them all)`, { dim: true }),
  ], width, 2);
}

export function MarksMoreLine(p: { width: number; theme: DashboardTheme }) {
  return <Lines lines={marksMoreLines(p.width)} width={p.width} theme={p.theme} />;
}
