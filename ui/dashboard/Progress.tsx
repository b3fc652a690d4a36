// Progress panel: events done of the total (estimated from bytes read when the trace does not say),
// a bar, the event rate, elapsed time and ETA. Pure.

import { formatCount, formatDuration, formatPercent, formatRate } from '../format.js';
import { item, linePack, Lines, type Line } from './lines.js';
import { textBar } from './text.js';
import type { DashboardTheme } from './theme.js';

export interface ProgressProps {
  events: number;
  total: number;
  totalEstimated: boolean;
  fraction: number;
  /** Measured events/s (recent window). */
  rate: number;
  elapsedSeconds: number;
  width: number;
  theme: DashboardTheme;
}

export function progressEta(p: Pick<ProgressProps, 'events' | 'total' | 'rate'>): number {
  if (p.total <= 0 || p.rate <= 0) return NaN;
  return Math.max(0, (p.total - p.events) / p.rate);
}

export function progressLines(p: ProgressProps): Line[] {
  const total = p.total > 0 ? ` / ${p.totalEstimated ? '~' : ''}${formatCount(p.total)}` : '';
  const items: Line[] = [
    item('events', `${formatCount(p.events)}${total}`),
    item('', formatPercent(p.fraction)),
    item('rate', `${formatRate(p.rate)} ev/s`),
    item('elapsed', formatDuration(p.elapsedSeconds)),
    item('ETA', formatDuration(progressEta(p))),
  ];
  return [...linePack(items, p.width), [{ text: textBar(p.fraction, p.width), color: 'green' }]];
}

export function Progress(p: ProgressProps) {
  return <Lines lines={progressLines(p)} width={p.width} theme={p.theme} />;
}
