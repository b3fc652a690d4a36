// Header panel: the trace, its workload and parameters, the preset with its overridden parameters,
// the replay state and the requested speed. Pure: props in, text out.

import { ReplayState, REPLAY_STATE_NAMES } from '../../replayer/index.js';
import { formatRate } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import type { DashboardTheme } from './theme.js';

export interface HeaderInfo {
  file: string;
  workload: string;
  workloadParams: Record<string, string>;
  preset: string;
  overrides: Record<string, string>;
}

export interface HeaderProps {
  info: HeaderInfo;
  state: ReplayState;
  /** Requested speed in events/s; 0 = unthrottled. */
  speed: number;
  /** The replay finished but the dashboard is held (OOM) until the user quits. */
  held?: boolean;
  width: number;
  theme: DashboardTheme;
}

const STATE_COLORS: Record<number, string> = {
  [ReplayState.Starting]: 'gray', [ReplayState.Running]: 'green', [ReplayState.Paused]: 'yellow',
  [ReplayState.Done]: 'cyan', [ReplayState.Oom]: 'red', [ReplayState.Stopped]: 'magenta', [ReplayState.Failed]: 'red',
};

function pairs(o: Record<string, string>): string {
  return Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ');
}

export function headerLines(p: HeaderProps): Line[] {
  const { info } = p;
  const name = REPLAY_STATE_NAMES[p.state] ?? 'unknown';
  const state = name === 'OOM' ? 'OOM' : name.toUpperCase();
  const params = pairs(info.workloadParams);
  const over = pairs(info.overrides);
  const lines: Line[] = [
    [{ text: 'slabtrace ', bold: true, color: 'cyan' }, { text: info.file, bold: true },
      { text: `  ${info.workload}${params ? ` ${params}` : ''}`, dim: true }],
  ];
  lines.push(...linePack([
    [...item('preset', info.preset), ...(over ? [{ text: ` (${over})`, color: 'yellow' }] : [])],
    [{ text: ` ${state} `, bold: true, inverse: true, color: STATE_COLORS[p.state] }],
    item('speed', p.speed > 0 ? `${formatRate(p.speed)} ev/s` : 'unthrottled'),
  ], p.width));
  if (p.held) lines.push(plain('replay stopped; the figures below are final', { dim: true }));
  return lines;
}

export function Header(p: HeaderProps) {
  return <Lines lines={headerLines(p)} width={p.width} theme={p.theme} />;
}
