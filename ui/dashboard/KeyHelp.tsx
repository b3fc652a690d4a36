// The key help line at the bottom. While the replay runs: pause/resume, step, speed, quit; once it is
// held after an OOM only quitting is left; without a terminal on stdin only Ctrl-C. Pure.

import { Lines, type Line } from './lines.js';
import type { DashboardTheme } from './theme.js';

export interface KeyHelpProps {
  paused: boolean;
  held: boolean;
  /** false: stdin is not a terminal, so no keys are read. */
  keys?: boolean;
  width: number;
  theme: DashboardTheme;
}

function key(k: string, what: string): Line {
  return [{ text: k, bold: true, color: 'cyan' }, { text: ` ${what}`, dim: true }];
}

export function keyHelpLine(p: KeyHelpProps): Line {
  if (p.keys === false) return [{ text: 'keys unavailable (stdin is not a terminal)  ', dim: true }, ...key('Ctrl-C', 'quit')];
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
