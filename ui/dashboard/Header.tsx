// Header panel: the trace, its workload and parameters, the preset with its overridden parameters,
// the replay state and the requested speed. Full: the trace's path and workload on a line of their
// own, then preset, state and speed; compact (two lines on any width): the trace's file name with the
// state and the speed, then the preset. File, preset, state and speed are in both. Pure.

import { ReplayState, REPLAY_STATE_NAMES } from '../../replayer/index.js';
import { formatRate } from '../format.js';
import { item, linePack, lineWidth, Lines, type Line } from './lines.js';
import { textPath } from './text.js';
import type { DashboardTheme } from './theme.js';

type HeaderDetail = 'full' | 'compact';

export interface HeaderInfo {
  file: string;
  workload: string;
  /** The workload's arguments (with `workload`, the command line that made the trace); may be empty. */
  workloadArgs?: string[];
  workloadParams: Record<string, string>;
  preset: string;
  overrides: Record<string, string>;
}

interface HeaderProps {
  info: HeaderInfo;
  state: ReplayState;
  /** Requested speed in events/s; 0 = unthrottled. */
  speed: number;
  width: number;
  /** Default full. */
  detail?: HeaderDetail;
  theme: DashboardTheme;
}

const STATE_COLORS: Record<number, string> = {
  [ReplayState.Starting]: 'gray', [ReplayState.Running]: 'green', [ReplayState.Paused]: 'yellow',
  [ReplayState.Done]: 'cyan', [ReplayState.Oom]: 'red', [ReplayState.Stopped]: 'magenta', [ReplayState.Failed]: 'red',
};

function pairs(o: Record<string, string>): string {
  return Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ');
}

const TITLE = 'slabtrace ';

export function headerLines(p: HeaderProps): Line[] {
  const { info } = p;
  const name = REPLAY_STATE_NAMES[p.state] ?? 'unknown';
  const state = name === 'OOM' ? 'OOM' : name.toUpperCase();
  const over = pairs(info.overrides);
  const facts: Line[] = [
    [...item('preset', info.preset), ...(over ? [{ text: ` (${over})`, color: 'yellow' }] : [])],
    [{ text: ` ${state} `, bold: true, inverse: true, color: STATE_COLORS[p.state] }],
    item('speed', p.speed > 0 ? `${formatRate(p.speed)} ev/s` : 'unthrottled'),
  ];
  if (p.detail === 'compact') {
    // the file, the state and the speed on one line (the file gets what they leave), then the preset
    const [, badge, speed] = facts;
    const room = p.width - TITLE.length - lineWidth(badge) - lineWidth(speed) - 4;
    const first: Line = [{ text: TITLE, bold: true, color: 'cyan' }, { text: textPath(info.file, Math.max(12, room)), bold: true },
      { text: '  ' }, ...badge, { text: '  ' }, ...speed];
    return [first, facts[0]];
  }
  const params = info.workloadArgs?.length ? info.workloadArgs.join(' ') : pairs(info.workloadParams);
  const workload = info.workload ? `  ${info.workload}${params ? ` ${params}` : ''}` : '';
  const room = p.width - TITLE.length - Math.min(workload.length, info.workload.length + 2);
  return [
    [{ text: TITLE, bold: true, color: 'cyan' }, { text: textPath(info.file, Math.max(12, room)), bold: true }, { text: workload, dim: true }],
    ...linePack(facts, p.width),
  ];
}

export function Header(p: HeaderProps) {
  return <Lines lines={headerLines(p)} width={p.width} theme={p.theme} />;
}
