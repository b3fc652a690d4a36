// What the dashboard shows at a given terminal size: its sections in their sizes, the bands they sit
// in, and the order in which they grow (layout.ts does the fitting). Priorities, first to last: the
// header (file, preset, state, speed), the progress bar and the OOM banner are always there, compact
// at first; then the key help, the banner's reason, the full progress and header, the memory figures
// with the mappings gauge, blank lines around the banner and the statistics, the SuperSlabs, the
// memory history, the full banner, the rest of the statistics and spacing; the per-class and per-thread
// tables last, in the rows that remain. From WIDE columns on, statistics and tables pair up side by side.
// Invariant: the screen is shorter than the terminal (rows - 1 lines at most: ink redraws the whole
// terminal, scrollback included, when its output reaches the terminal's height), unless the always-there
// sections alone do not fit. Pure.

import { ReplayState, type ReplayOom } from '../../replayer/index.js';
import { classTableLines } from './ClassTable.js';
import { freedLines } from './Freed.js';
import { headerLines, type HeaderInfo } from './Header.js';
import type { DashboardHistory } from './history.js';
import { keyHelpLine } from './KeyHelp.js';
import { layoutFit, layoutShown, type LayoutBand, type LayoutChoice, type LayoutSection, type LayoutUpgrade } from './layout.js';
import type { Line } from './lines.js';
import { memoryLines, type MemoryDetail } from './Memory.js';
import { oomBannerLines, type OomBannerDetail } from './OomBanner.js';
import { progressLines } from './Progress.js';
import type { DashboardSnapshot } from './snapshot.js';
import { superSlabsLines } from './SuperSlabs.js';
import { threadTableLines } from './ThreadTable.js';
import type { DashboardTheme } from './theme.js';

export interface DashboardModel {
  info: HeaderInfo;
  snap: DashboardSnapshot;
  history: DashboardHistory;
  /** Measured events/s. */
  rate: number;
  elapsedSeconds: number;
  oom: ReplayOom | null;
  oomCount: number;
  /** The replay is over and the dashboard holds its last screen (OOM) until a key or the wait ends. */
  held: boolean;
  /** Held: whole seconds left before the summary comes by itself (0: not counting). */
  holdSeconds?: number;
  /** Keys are read (false: stdin is not a terminal; only Ctrl-C / signals stop the replay). */
  keys?: boolean;
}

/** Width from which statistics and tables pair up side by side. */
const WIDE = 100;
/** Columns between the two halves of a pair. */
export const GUTTER = 3;
/** Rows a table shows at most. */
const TABLE_MAX_ROWS = { narrow: 8, wide: 12 };
/** Rows a table shows at least, or it is left out. */
const TABLE_MIN_ROWS = 2;

const HEADER: ('full' | 'compact')[] = ['full', 'compact'];
const PROGRESS: ('full' | 'compact')[] = ['full', 'compact'];
const OOM: OomBannerDetail[] = ['full', 'compact', 'line'];
const MEMORY: (MemoryDetail | null)[] = ['full', 'history', 'figures', null];
const SUPERSLABS: ('history' | 'figures' | null)[] = ['history', 'figures', null];

interface ScreenColumn {
  width: number;
  lines: Line[];
}

interface ScreenBand {
  id: string;
  /** A blank line before the band. */
  gap: boolean;
  /** One column, or two side by side (GUTTER apart). */
  columns: ScreenColumn[];
}

interface ScreenSection extends LayoutSection {
  lines(v: number): Line[];
}

/** A section whose variants' lines are made on first use (layout asks heights many times). */
function screenSection(variants: number, make: (v: number) => Line[]): ScreenSection {
  const cache: Line[][] = [];
  const lines = (v: number): Line[] => (cache[v] ??= make(v));
  return { variants, lines, height: (v) => lines(v).length };
}

/** A table section: variant v shows `max - v` rows (max … TABLE_MIN_ROWS), the last variant hides it. */
function tableSection(max: number, make: (rows: number) => Line[]): ScreenSection {
  const shown = max - TABLE_MIN_ROWS + 1;
  return screenSection(shown + 1, (v) => (v < shown ? make(max - v) : []));
}

function tableVariant(max: number, rows: number): number {
  return max - rows;
}

function screenSections(m: DashboardModel, width: number, half: number, tableMax: number, theme: DashboardTheme): Record<string, ScreenSection> {
  const s = m.snap;
  const paused = s.state === ReplayState.Paused;
  const sections: Record<string, ScreenSection> = {
    header: screenSection(HEADER.length, (v) => headerLines({ info: m.info, state: s.state, speed: s.speed, width, detail: HEADER[v], theme })),
    progress: screenSection(PROGRESS.length, (v) => progressLines({
      events: s.events, total: s.total, totalEstimated: s.totalEstimated, fraction: s.fraction, rate: m.held || paused ? 0 : m.rate,
      elapsedSeconds: m.elapsedSeconds, width, detail: PROGRESS[v], theme,
    })),
    keys: screenSection(2, (v) => (v === 0
      ? [keyHelpLine({ paused, held: m.held, keys: m.keys !== false, holdSeconds: m.holdSeconds, width, theme })]
      : [])),
    memory: screenSection(MEMORY.length, (v) => {
      const detail = MEMORY[v];
      return detail ? memoryLines({ stats: s.stats, history: m.history, width: half, detail, theme }) : [];
    }),
    superSlabs: screenSection(SUPERSLABS.length, (v) => {
      const detail = SUPERSLABS[v];
      return detail ? superSlabsLines({ stats: s.stats, history: m.history, width: half, detail, theme }) : [];
    }),
    freed: screenSection(2, (v) => (v === 0 ? freedLines({ stats: s.stats, width: half, theme }) : [])),
    classes: tableSection(tableMax, (rows) => classTableLines({ classes: s.classes, width: half, maxRows: rows, theme })),
    threads: tableSection(tableMax, (rows) => threadTableLines({ threads: s.threads, stats: s.stats, width: half, maxRows: rows, theme })),
  };
  const oom = m.oom;
  if (oom) sections.oom = screenSection(OOM.length, (v) => oomBannerLines({ oom, count: m.oomCount, width, detail: OOM[v], theme }));
  return sections;
}

function screenBands(wide: boolean): LayoutBand[] {
  const one = (id: string): LayoutBand => ({ id, columns: [[id]] });
  return wide
    ? [one('header'), one('progress'), one('oom'),
      { id: 'stats', columns: [['memory'], ['superSlabs', 'freed']] },
      { id: 'tables', columns: [['classes'], ['threads']] }, one('keys')]
    : [one('header'), one('progress'), one('oom'), one('memory'), { id: 'superSlabs', columns: [['superSlabs', 'freed']] },
      one('classes'), one('threads'), one('keys')];
}

/** The upgrades in priority order (see the header comment). */
function screenUpgrades(wide: boolean, tableMax: number): LayoutUpgrade[] {
  const stats = wide ? 'stats' : 'memory';
  const oomFull = (variant: Record<string, number>): boolean => variant.oom === OOM.indexOf('full');
  const ups: LayoutUpgrade[] = [
    { set: { keys: 0 } },
    { set: { oom: OOM.indexOf('compact') } },
    { set: { progress: 0 } },
    { set: { header: 0 } },
    { set: { memory: MEMORY.indexOf('figures') } },
    { gaps: ['oom', stats] },
    { set: { superSlabs: SUPERSLABS.indexOf('figures') } },
    { set: { memory: MEMORY.indexOf('history') } },
    { set: { oom: OOM.indexOf('full') } },
    { gaps: ['keys'] },
    { set: { superSlabs: SUPERSLABS.indexOf('history') } },
    { set: { freed: 0 } },
    // what the VMAs hold: the full banner says it already
    { set: { memory: MEMORY.indexOf('full') }, when: (c) => !oomFull(c.variant) },
    { gaps: ['progress', 'superSlabs'] },
  ];
  const classes = wide ? 'tables' : 'classes';
  const threads = wide ? 'tables' : 'threads';
  ups.push({ set: { classes: tableVariant(tableMax, TABLE_MIN_ROWS) }, gaps: [classes] });
  ups.push({ set: { threads: tableVariant(tableMax, TABLE_MIN_ROWS) }, gaps: [threads] });
  const shown = (id: string) => (c: LayoutChoice): boolean => c.variant[id] <= tableVariant(tableMax, TABLE_MIN_ROWS);
  for (let r = TABLE_MIN_ROWS + 1; r <= tableMax; r++) {
    ups.push({ set: { classes: tableVariant(tableMax, r) }, when: shown('classes') });
    ups.push({ set: { threads: tableVariant(tableMax, r) }, when: shown('threads') });
  }
  return ups;
}

/** The dashboard laid out for a terminal of `width` × `rows`: its bands, top to bottom. */
export function dashboardScreen(m: DashboardModel, width: number, rows: number, theme: DashboardTheme): ScreenBand[] {
  const wide = width >= WIDE;
  const half = wide ? Math.floor((width - GUTTER) / 2) : width;
  const tableMax = wide ? TABLE_MAX_ROWS.wide : TABLE_MAX_ROWS.narrow;
  const sections = screenSections(m, width, half, tableMax, theme);
  const bands = screenBands(wide);
  const choice = layoutFit(sections, bands, screenUpgrades(wide, tableMax), rows - 1);
  return layoutShown(sections, bands, choice).map(({ band, gap }) => ({
    id: band.id,
    gap,
    columns: band.columns.map((col) => ({
      width: band.columns.length > 1 ? (col === band.columns[0] ? half : width - GUTTER - half) : width,
      lines: col.flatMap((id) => sections[id]?.lines(choice.variant[id]) ?? []),
    })),
  }));
}
