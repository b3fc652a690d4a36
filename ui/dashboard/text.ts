// Text building blocks of the dashboard: sparklines, bars, gauges and fixed-width cells. Pure
// functions; every result is exactly as wide as asked (never wider), so panels never wrap.

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Fits `s` into exactly `width` columns: truncated with '…' or padded (left or right aligned). */
export function textFit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (s.length > width) return width === 1 ? '…' : `${s.slice(0, width - 1)}…`;
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

/**
 * A sparkline of `values` in at most `width` columns: resampled to the width by bucket maximum, scaled
 * from 0 to `top` (default: the largest value; values above it are drawn full). Empty input gives an
 * empty string.
 */
export function textSparkline(values: ArrayLike<number>, width: number, top?: number): string {
  const n = values.length;
  if (n === 0 || width <= 0) return '';
  const cols = Math.min(n, width);
  const buckets = new Array<number>(cols);
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * n) / cols);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / cols));
    let m = -Infinity;
    for (let i = from; i < to; i++) if (values[i] > m) m = values[i];
    buckets[c] = m;
  }
  let max = top ?? 0;
  if (top === undefined) for (const v of buckets) if (v > max) max = v;
  if (!(max > 0)) return SPARK[0].repeat(cols);
  return buckets.map((v) => SPARK[Math.min(SPARK.length - 1, Math.max(0, Math.round((v / max) * (SPARK.length - 1))))]).join('');
}

/**
 * A file name in at most `width` columns: the path when it fits, else its last component, cut in the
 * middle when even that is too long (so the extension stays visible).
 */
export function textPath(path: string, width: number): string {
  if (path.length <= width) return path;
  const base = path.slice(path.lastIndexOf('/') + 1) || path;
  if (base.length <= width) return base;
  if (width <= 1) return width === 1 ? '…' : '';
  const tail = Math.floor((width - 1) / 2);
  return `${base.slice(0, width - 1 - tail)}…${base.slice(base.length - tail)}`;
}

/** A bar of `width` columns filled to `fraction` (clamped to 0..1). */
export function textBar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

interface TextColumn {
  title: string;
  /** Minimum width; the column grows to its widest cell. */
  min?: number;
  align?: 'left' | 'right';
}

/**
 * A table fitted to `width`: columns keep their natural widths while they fit; columns that do not
 * fit are dropped from the right (the first column always stays). Returns the header line and rows.
 */
export function textTable(columns: TextColumn[], rows: string[][], width: number): string[] {
  const natural = columns.map((c, i) => Math.max(c.min ?? 0, c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  let used = 0;
  let keep = 0;
  for (let i = 0; i < columns.length; i++) {
    const w = natural[i] + (i > 0 ? 2 : 0);
    if (i > 0 && used + w > width) break;
    used += w;
    keep = i + 1;
  }
  const line = (cells: string[]): string =>
    textFit(cells.slice(0, keep).map((s, i) => textFit(s, natural[i], columns[i].align ?? (i === 0 ? 'left' : 'right'))).join('  ').trimEnd(), width).trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)];
}
