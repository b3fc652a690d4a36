// `--plot FILE.svg`: a self-contained SVG chart of one or several replays over events. Two stacked
// panels on one event axis: RSS (left axis) with the mappings (VMAs) against the limit (right axis,
// dashed), then VmSize; marks as labelled vertical lines, the OOM as a red one; for several results,
// one colour per result and a legend. Scales, ticks and paths come from d3-scale and d3-shape (well
// kept, no DOM needed, so the SVG is built as text in Node); the rest is layout. Pure: results in,
// SVG text out.

import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { ReplayResult, ReplayTimeline } from '../replayer/index.js';
import { timelineLabel } from './timelineFile.js';

const W = 960;
const PANEL_H = 220;
const M = { left: 86, right: 86, top: 56, gap: 44, bottom: 46 };
const COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f'];
const MAX_MARK_LABELS = 12;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** The binary unit that suits values up to `max`. */
function byteUnit(max: number): { div: number; name: string } {
  let u = 0;
  while (u < UNITS.length - 1 && max >= 1024 ** (u + 1)) u++;
  return { div: 1024 ** u, name: UNITS[u]! };
}

function countLabel(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}K`;
  return String(n);
}

interface Series { label: string; color: string; t: ReplayTimeline; r: ReplayResult }

function column(t: ReplayTimeline, name: string): number {
  return t.columns.indexOf(name);
}

/** The path of column `col` of a series; values divided by `div` (a byte unit) before scaling. */
function path(s: Series, x: ScaleLinear<number, number>, y: ScaleLinear<number, number>, col: number, div = 1): string {
  const gen = line<number[]>().x((row) => x(row[0]!)).y((row) => y(row[col]! / div));
  return gen(s.t.rows) ?? '';
}

/** Axis ticks along the left or right edge of a panel, or the bottom. */
function axisY(y: ScaleLinear<number, number>, xPos: number, side: 'left' | 'right', fmt: (v: number) => string, title: string, color: string): string {
  const ticks = y.ticks(5);
  const dx = side === 'left' ? -8 : 8;
  const anchor = side === 'left' ? 'end' : 'start';
  const parts = ticks.map((v) => `<line x1="${xPos}" x2="${xPos + (side === 'left' ? -4 : 4)}" y1="${y(v)}" y2="${y(v)}" stroke="#444"/>` +
    `<text x="${xPos + dx}" y="${y(v) + 4}" text-anchor="${anchor}" font-size="11" fill="#333">${esc(fmt(v))}</text>`);
  const [y0, y1] = y.range() as [number, number];
  const tx = side === 'left' ? xPos - 70 : xPos + 70;
  const ty = (y0 + y1) / 2;
  return `<g class="axis axis-${side}"><line x1="${xPos}" x2="${xPos}" y1="${y0}" y2="${y1}" stroke="#444"/>${parts.join('')}` +
    `<text x="${tx}" y="${ty}" transform="rotate(-90 ${tx} ${ty})" text-anchor="middle" font-size="12" fill="${color}">${esc(title)}</text></g>`;
}

function axisX(x: ScaleLinear<number, number>, yPos: number, titled: boolean): string {
  const ticks = x.ticks(8);
  return `<g class="axis axis-x"><line x1="${M.left}" x2="${W - M.right}" y1="${yPos}" y2="${yPos}" stroke="#444"/>` +
    ticks.map((v) => `<line x1="${x(v)}" x2="${x(v)}" y1="${yPos}" y2="${yPos + 4}" stroke="#444"/><text x="${x(v)}" y="${yPos + 17}" text-anchor="middle" font-size="11" fill="#333">${esc(countLabel(v))}</text>`).join('') +
    (titled ? `<text x="${(M.left + W - M.right) / 2}" y="${yPos + 36}" text-anchor="middle" font-size="12" fill="#333">events</text>` : '') + '</g>';
}

function gridY(y: ScaleLinear<number, number>): string {
  return y.ticks(5).map((v) => `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e6e6e6"/>`).join('');
}

/** Vertical lines for the marks of the first result (labels thinned to MAX_MARK_LABELS) and each OOM. */
function markLines(series: Series[], x: ScaleLinear<number, number>, top: number, bottom: number): string {
  const marks = series[0]!.r.marks;
  const out: string[] = [];
  const free = [-Infinity, -Infinity]; // where each of the two label rows is free again
  let labels = 0;
  for (const m of marks) {
    const px = x(m.event);
    out.push(`<line class="mark" x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="#999" stroke-dasharray="2,3"/>`);
    const text = m.name.slice(0, 32);
    const w = text.length * 6 + 8;
    const right = px + w > W - M.right + 40; // near the right edge: the label goes left of its line
    const from = right ? px - w : px;
    const row = free[0]! <= from ? 0 : free[1]! <= from ? 1 : -1;
    if (row < 0 || labels >= MAX_MARK_LABELS) continue;
    free[row] = from + w;
    labels++;
    out.push(`<text class="mark-label" x="${right ? px - 3 : px + 3}" y="${top - 4 - row * 12}" text-anchor="${right ? 'end' : 'start'}" font-size="10" fill="#555">${esc(text)}</text>`);
  }
  for (const s of series) {
    if (!s.r.oom) continue;
    const px = x(s.r.oom.event);
    out.push(`<line class="oom" x1="${px}" x2="${px}" y1="${top - 18}" y2="${bottom}" stroke="#d00" stroke-width="2"/>` +
      `<text class="oom-label" x="${px - 4}" y="${top - 22}" text-anchor="end" font-size="11" font-weight="bold" fill="#d00">OOM (${esc(s.label)}) at event ${esc(countLabel(s.r.oom.event))}</text>`);
  }
  return out.join('');
}

function legend(series: Series[], y: number): string {
  const items: string[] = [];
  let x = M.left;
  for (const s of series) {
    items.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"/><text x="${x + 30}" y="${y + 4}" font-size="12" fill="#222">${esc(s.label)}</text>`);
    x += 44 + s.label.length * 7.5;
  }
  items.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="#666" stroke-width="1.5" stroke-dasharray="5,3"/><text x="${x + 30}" y="${y + 4}" font-size="12" fill="#222">mappings</text>`);
  return `<g class="legend">${items.join('')}</g>`;
}

/** The SVG text for `results` (each with a timeline). */
export function plotSvg(results: ReplayResult[], title?: string): string {
  const series: Series[] = results.filter((r) => r.timeline && r.timeline.rows.length > 0)
    .map((r, i) => ({ label: timelineLabel(r), color: COLORS[i % COLORS.length]!, t: r.timeline!, r }));
  if (series.length === 0) throw new Error('plot: no timeline to draw');
  const maxEvent = Math.max(1, ...series.map((s) => s.t.rows[s.t.rows.length - 1]![0]!));
  const max = (name: string): number => {
    let m = 1;
    for (const s of series) { const c = column(s.t, name); for (const row of s.t.rows) if (row[c]! > m) m = row[c]!; }
    return m;
  };
  const limits = series.map((s) => Number(s.r.params?.maxMapCount ?? 0));
  const x = scaleLinear().domain([0, maxEvent]).range([M.left, W - M.right]);
  const top1 = M.top, bot1 = M.top + PANEL_H;
  const top2 = bot1 + M.gap, bot2 = top2 + PANEL_H;
  const rssUnit = byteUnit(max('rss'));
  const vmUnit = byteUnit(max('vmSize'));
  const yRss = scaleLinear().domain([0, max('rss') / rssUnit.div]).nice().range([bot1, top1]);
  const yVm = scaleLinear().domain([0, max('vmSize') / vmUnit.div]).nice().range([bot2, top2]);
  // the mapping limits that matter: those the replays came near (within 4x of the most VMAs seen)
  const maps = max('mappings');
  const shown = limits.filter((l) => l > 0 && l <= 4 * maps);
  const yMap = scaleLinear().domain([0, Math.max(maps, ...shown)]).nice().range([bot1, top1]);
  const H = bot2 + M.bottom + 30;
  const lines: string[] = [];
  for (const s of series) {
    lines.push(`<path class="series rss" data-series="${esc(s.label)}" d="${path(s, x, yRss, column(s.t, 'rss'), rssUnit.div)}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    lines.push(`<path class="series mappings" data-series="${esc(s.label)}" d="${path(s, x, yMap, column(s.t, 'mappings'))}" fill="none" stroke="${s.color}" stroke-width="1.5" stroke-dasharray="5,3" opacity="0.8"/>`);
    lines.push(`<path class="series vmsize" data-series="${esc(s.label)}" d="${path(s, x, yVm, column(s.t, 'vmSize'), vmUnit.div)}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  }
  const limitLine = [...new Set(shown)].map((l) => {
    const owner = series.find((s) => Number(s.r.params?.maxMapCount ?? 0) === l)!;
    const color = new Set(shown).size > 1 ? owner.color : '#d00';
    return `<line class="limit" x1="${M.left}" x2="${W - M.right}" y1="${yMap(l)}" y2="${yMap(l)}" stroke="${color}" stroke-dasharray="8,4" opacity="0.7"/>` +
      `<text x="${W - M.right - 4}" y="${yMap(l) - 4}" text-anchor="end" font-size="10" fill="${color}">max_map_count ${esc(countLabel(l))}</text>`;
  }).join('');
  const heading = title ?? `${results[0]!.file} (${results[0]!.workload})`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="bold" fill="#111">${esc(heading)}</text>`,
    `<g class="panel rss">${gridY(yRss)}<text x="${M.left + 6}" y="${top1 + 14}" font-size="12" fill="#333">RSS</text></g>`,
    `<g class="panel vmsize">${gridY(yVm)}<text x="${M.left + 6}" y="${top2 + 14}" font-size="12" fill="#333">VmSize</text></g>`,
    axisY(yRss, M.left, 'left', (v) => `${v} ${rssUnit.name}`, 'RSS', '#222'),
    axisY(yMap, W - M.right, 'right', countLabel, 'mappings (VMAs)', '#222'),
    axisY(yVm, M.left, 'left', (v) => `${v} ${vmUnit.name}`, 'VmSize', '#222'),
    axisX(x, bot1, false),
    axisX(x, bot2, true),
    limitLine,
    ...lines,
    markLines(series, x, top1, bot2),
    legend(series, bot2 + M.bottom + 14),
    '</svg>',
  ].join('\n');
}
