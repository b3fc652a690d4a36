// The key help line at the bottom. While the replay runs: pause/resume, step, speed, quit; once it is
// held after an OOM only quitting is left. Pure.

import { Lines, type Line } from './lines.js';
import type { DashboardTheme } from './theme.js';

export interface KeyHelpProps {
  paused: boolean;
  held: boolean;
  width: number;
  theme: DashboardTheme;
}

function key(k: string, what: string): Line {
  return [{ text: k, bold: true, color: 'cyan' }, { text: ` ${what}`, dim: true }];
}

export function keyHelpLine(p: KeyHelpProps): Line {
  const keys = p.held
    ? [key('q', 'quit')]
    : [key('space', p.paused ? 'resume' : 'pause'), key('s', 'step'), key('+/-', 'speed'), key('q', 'quit')];
  const out: Line = [];
  keys.forEach((k, i) => out.push(...(i ? [{ text: '  ' }] : []), ...k));
  return out;
}

export function KeyHelp(p: KeyHelpProps) {
  return <Lines lines={[keyHelpLine(p)]} width={p.width} theme={p.theme} />;
}
