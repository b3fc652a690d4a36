// Human formatting shared by plain output and the dashboard: byte sizes (binary units), counts with
// thousands separators, rates, durations, and fixed-width text tables. Pure functions of their input.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${BYTE_UNITS[u]}`;
}

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = Math.round(Math.abs(n)).toString();
  return `${n < 0 ? '-' : ''}${s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** 25300000 → "25.3 M". */
export function formatRate(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return n.toFixed(0);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : '--';
}

interface TableColumn {
  title: string;
  align?: 'left' | 'right';
}

/** Renders rows as a fixed-width table with a header rule; numbers are expected pre-formatted. Any number
 *  of rows (no argument spreading); callers cap what they print. */
export function formatTable(columns: TableColumn[], rows: string[][]): string {
  const widths = columns.map((c) => c.title.length);
  for (const r of rows) for (let i = 0; i < columns.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  const cell = (text: string, i: number): string =>
    columns[i].align === 'left' ? text.padEnd(widths[i]) : text.padStart(widths[i]);
  const lines = [
    columns.map((c, i) => cell(c.title, i)).join('  '),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map((r) => columns.map((_, i) => cell(r[i] ?? '', i)).join('  ')),
  ];
  return lines.map((l) => l.trimEnd()).join('\n');
}
