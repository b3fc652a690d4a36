// Styled text lines: a line is a list of segments (text + optional style); items (small groups of
// segments such as "RSS 12 MiB") are packed into as many lines as the width needs, so a panel
// reflows instead of wrapping. <Lines> renders them, dropping styles under NO_COLOR.
// Invariant: no rendered line is wider than the width it was packed or fitted for.

import { Box, Text } from 'ink';
import type { DashboardTheme } from './theme.js';

export interface Seg {
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
export function lineFit(line: Line, width: number): Line {
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

function SegText({ seg, theme }: { seg: Seg; theme: DashboardTheme }) {
  if (!theme.color) return <Text>{seg.text}</Text>;
  return <Text color={seg.color} bold={seg.bold} dimColor={seg.dim} inverse={seg.inverse}>{seg.text}</Text>;
}

export function Lines({ lines, width, theme }: { lines: Line[]; width: number; theme: DashboardTheme }) {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {lineFit(l, width).map((s, j) => <SegText key={j} seg={s} theme={theme} />)}
        </Text>
      ))}
    </Box>
  );
}
