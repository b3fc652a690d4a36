// The key help line at the bottom. While the replay runs: pause/resume, step, speed, quit; while the
// final screen is held after an OOM: any key goes on to the summary, which comes by itself after the
// seconds left; without a terminal on stdin only Ctrl-C (or the wait). Pure.

import { Lines, type Line } from './lines.js';
import type { DashboardTheme } from './theme.js';

interface KeyHelpProps {
  paused: boolean;
  held: boolean;
  /** false: stdin is not a terminal, so no keys are read. */
  keys?: boolean;
  /** Held: whole seconds left before the summary comes by itself (0: not counting). */
  holdSeconds?: number;
  width: number;
  theme: DashboardTheme;
}

function key(k: string, what: string): Line {
  return [{ text: k, bold: true, color: 'cyan' }, { text: ` ${what}`, dim: true }];
}

export function keyHelpLine(p: KeyHelpProps): Line {
  if (p.held) {
    const left = p.holdSeconds ? ` in ${p.holdSeconds} s` : '';
    const lead: Line = [{ text: 'figures are final  ', dim: true }];
    return p.keys === false ? [...lead, { text: `summary${left}`, dim: true }] : [...lead, ...key('any key', `summary${left}`)];
  }
  if (p.keys === false) return [{ text: 'keys unavailable (stdin is not a terminal)  ', dim: true }, ...key('Ctrl-C', 'quit')];
  const keys = [key('space', p.paused ? 'resume' : 'pause'), key('s', 'step'), key('+/-', 'speed'), key('q', 'quit')];
  const out: Line = [];
  keys.forEach((k, i) => out.push(...(i ? [{ text: '  ' }] : []), ...k));
  return out;
}

export function KeyHelp(p: KeyHelpProps) {
  return <Lines lines={[keyHelpLine(p)]} width={p.width} theme={p.theme} />;
}
