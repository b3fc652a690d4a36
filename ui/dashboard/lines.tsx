// Styled text lines: a line is a list of segments (text + optional style); items (small groups of
// segments such as "RSS 12 MiB") are packed into as many lines as the width needs, so a panel
// reflows instead of wrapping. <Lines> renders each line as one string with its SGR codes (none under
// NO_COLOR).
// Invariant: no rendered line is wider than the width it was packed or fitted for.

import { Box, Text } from 'ink';
import type { DashboardTheme } from './theme.js';

interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Seg[];

export function lineWidth(line: Line): number {
  let n = 0;
  for (const s of line) n += s.text.length;
  return n;
}

/** Cuts a line to at most `width` columns (the last kept segment ends in '…' when cut). */
function lineFit(line: Line, width: number): Line {
  if (lineWidth(line) <= width) return line;
  const out: Line = [];
  let left = width;
  for (const s of line) {
    if (left <= 0) break;
    if (s.text.length <= left) {
      out.push(s);
      left -= s.text.length;
    } else {
      out.push({ ...s, text: left === 1 ? '…' : `${s.text.slice(0, left - 1)}…` });
      left = 0;
    }
  }
  return out;
}

/** Packs items into lines of at most `width` columns, `gap` spaces apart; an item wider than the width is cut. */
export function linePack(items: Line[], width: number, gap = 3): Line[] {
  const lines: Line[] = [];
  let cur: Line = [];
  let used = 0;
  for (const item of items) {
    const w = lineWidth(item);
    if (used > 0 && used + gap + w > width) {
      lines.push(cur);
      cur = [];
      used = 0;
    }
    if (used > 0) {
      cur.push({ text: ' '.repeat(gap) });
      used += gap;
    }
    const fitted = lineFit(item, width - used);
    cur.push(...fitted);
    used += lineWidth(fitted);
  }
  if (cur.length) lines.push(cur);
  return lines;
}

/** A label (dim) followed by a value (bold): the usual figure item. */
export function item(label: string, value: string, color?: string): Line {
  return label ? [{ text: `${label} `, dim: true }, { text: value, bold: true, color }] : [{ text: value, bold: true, color }];
}

export function plain(text: string, style: Omit<Seg, 'text'> = {}): Line {
  return [{ text, ...style }];
}

const SGR_COLORS: Record<string, number> = {
  black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90, grey: 90,
};

/** One segment with its SGR codes (plain text without colour). */
function segAnsi(seg: Seg, color: boolean): string {
  if (!color) return seg.text;
  const codes: number[] = [];
  if (seg.bold) codes.push(1);
  if (seg.dim) codes.push(2);
  if (seg.inverse) codes.push(7);
  if (seg.color && SGR_COLORS[seg.color] !== undefined) codes.push(SGR_COLORS[seg.color]);
  return codes.length ? `\x1b[${codes.join(';')}m${seg.text}\x1b[0m` : seg.text;
}

/** A line as one string (one ink node per line keeps layout and rendering cheap). */
function lineAnsi(line: Line, color: boolean): string {
  let out = '';
  for (const s of line) out += segAnsi(s, color);
  return out;
}

/** The lines as one text node (fewer nodes for React and the layout to walk each frame); every line is
 *  already fitted to the width, so ink never has to wrap or cut it. */
export function Lines({ lines, width, theme }: { lines: Line[]; width: number; theme: DashboardTheme }) {
  let text = '';
  for (let i = 0; i < lines.length; i++) text += (i > 0 ? '\n' : '') + (lineAnsi(lineFit(lines[i], width), theme.color) || ' ');
  return (
    <Box width={width}>
      <Text wrap="truncate">{text}</Text>
    </Box>
  );
}
