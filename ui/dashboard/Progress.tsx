// Progress panel: events done of the total (estimated from bytes read when the trace does not say),
// a bar, the event rate, elapsed time and ETA. Full: the figures, then the bar and the percentage;
// compact: one line, a bar beside the percentage, the events and the ETA (what does not fit is left
// out, the bar keeps at least COMPACT_BAR_MIN columns). Pure.

import { formatCount, formatDuration, formatPercent, formatRate } from '../format.js';
import { item, linePack, Lines, type Line } from './lines.js';
import { textBar } from './text.js';
import type { DashboardTheme } from './theme.js';

interface ProgressProps {
  events: number;
  total: number;
  totalEstimated: boolean;
  fraction: number;
  /** Measured events/s (recent window). */
  rate: number;
  elapsedSeconds: number;
  width: number;
  /** Default full. */
  detail?: 'full' | 'compact';
  theme: DashboardTheme;
}

function progressEta(p: Pick<ProgressProps, 'events' | 'total' | 'rate'>): number {
  if (p.total <= 0 || p.rate <= 0) return NaN;
  return Math.max(0, (p.total - p.events) / p.rate);
}

const COMPACT_BAR_MIN = 10;

/** The compact form: bar, percentage, events (of the total), ETA, within the width. */
function progressCompact(p: ProgressProps, total: string): Line {
  const eta = progressEta(p);
  const tries = [
    `  ${formatPercent(p.fraction)}  ${formatCount(p.events)}${total}${Number.isFinite(eta) ? `  ETA ${formatDuration(eta)}` : ''}`,
    `  ${formatPercent(p.fraction)}  ${formatCount(p.events)}${total}`,
    `  ${formatPercent(p.fraction)}  ${formatCount(p.events)}`,
    ` ${formatPercent(p.fraction)}`,
  ];
  const text = tries.find((t) => p.width - t.length >= COMPACT_BAR_MIN) ?? tries[tries.length - 1];
  return [{ text: textBar(p.fraction, Math.max(0, p.width - text.length)), color: 'green' }, { text, bold: true }];
}

export function progressLines(p: ProgressProps): Line[] {
  const total = p.total > 0 ? ` / ${p.totalEstimated ? '~' : ''}${formatCount(p.total)}` : '';
  if (p.detail === 'compact') return [progressCompact(p, total)];
  const items: Line[] = [
    item('events', `${formatCount(p.events)}${total}`),
    item('rate', `${formatRate(p.rate)} ev/s`),
    item('elapsed', formatDuration(p.elapsedSeconds)),
    item('ETA', formatDuration(progressEta(p))),
  ];
  const pct = ` ${formatPercent(p.fraction).padStart(6)}`;
  return [...linePack(items, p.width), [{ text: textBar(p.fraction, p.width - pct.length), color: 'green' }, { text: pct, bold: true }]];
}

export function Progress(p: ProgressProps) {
  return <Lines lines={progressLines(p)} width={p.width} theme={p.theme} />;
}
