// The live area of the dashboard as a pure component (the passed marks are printed above it by App,
// as ink <Static> history): header, OOM banner, progress, memory, SuperSlabs, freed totals, the per-class
// and per-thread tables, and the key help. From 100 columns on, panels pair up side by side.

import { Box } from 'ink';
import type { ReactNode } from 'react';
import type { ReplayOom } from '../../replayer/index.js';
import { ReplayState } from '../../replayer/index.js';
import { ClassTable } from './ClassTable.js';
import { Freed, freedLines } from './Freed.js';
import { Header, headerLines, type HeaderInfo } from './Header.js';
import { KeyHelp } from './KeyHelp.js';
import { Memory, memoryLines } from './Memory.js';
import { OomBanner, oomBannerLines } from './OomBanner.js';
import { Progress, progressLines } from './Progress.js';
import type { DashboardSnapshot } from './snapshot.js';
import { SuperSlabs, superSlabsLines } from './SuperSlabs.js';
import { THEME_PLAIN, type DashboardTheme } from './theme.js';
import { ThreadTable } from './ThreadTable.js';

export interface DashboardModel {
  info: HeaderInfo;
  snap: DashboardSnapshot;
  rssHistory: number[];
  ssLiveHistory: number[];
  /** Measured events/s. */
  rate: number;
  elapsedSeconds: number;
  oom: ReplayOom | null;
  oomCount: number;
  /** The replay is over and the dashboard waits for q (OOM). */
  held: boolean;
  /** Keys are read (false: stdin is not a terminal; only Ctrl-C / signals stop the replay). */
  keys?: boolean;
}

export interface DashboardProps {
  model: DashboardModel;
  width: number;
  /** Terminal rows: the tables shrink so the live area stays shorter than the terminal. */
  rows: number;
  theme: DashboardTheme;
}

/** Width from which panels pair up side by side. */
export const WIDE = 100;
const GUTTER = 3;

function Pair({ width, left, right }: { width: number; left: (w: number) => ReactNode; right: (w: number) => ReactNode }) {
  if (width < WIDE) {
    return <Box flexDirection="column">{left(width)}<Box marginTop={1}>{right(width)}</Box></Box>;
  }
  const lw = Math.floor((width - GUTTER) / 2);
  const rw = width - GUTTER - lw;
  return (
    <Box flexDirection="row">
      <Box width={lw} marginRight={GUTTER}>{left(lw)}</Box>
      <Box width={rw}>{right(rw)}</Box>
    </Box>
  );
}

const TABLE_MAX_ROWS = { narrow: 8, wide: 12 };

/**
 * How many rows the class and thread tables may show so that the live area stays shorter than the
 * terminal (ink redraws the whole screen otherwise): the other panels' exact heights (their line
 * functions) are subtracted from the rows, the rest goes to the tables (at least 2 rows each).
 */
export function dashboardTableRows(m: DashboardModel, width: number, rows: number): { classRows: number; threadRows: number } {
  const s = m.snap;
  const wide = width >= WIDE;
  const half = wide ? Math.floor((width - GUTTER) / 2) : width;
  const mem = memoryLines({ stats: s.stats, rssHistory: [], width: half, theme: THEME_PLAIN }).length;
  const ssFreed = superSlabsLines({ stats: s.stats, ssLiveHistory: [], width: half, theme: THEME_PLAIN }).length
    + freedLines({ stats: s.stats, width: half, theme: THEME_PLAIN }).length;
  const fixed = headerLines({ info: m.info, state: s.state, speed: s.speed, held: m.held, width, theme: THEME_PLAIN }).length
    + (m.oom ? 1 + oomBannerLines({ oom: m.oom, count: m.oomCount, width, theme: THEME_PLAIN }).length : 0)
    + 1 + progressLines({ ...s, rate: m.rate, elapsedSeconds: m.elapsedSeconds, width, theme: THEME_PLAIN }).length
    + 1 + (wide ? Math.max(mem, ssFreed) : mem + 1 + ssFreed)
    + 1 /* margin above the tables */ + 1 + 1 /* key help and its margin */;
  const budget = rows - 1 - fixed;
  // class table: title + rows + "more"; thread table: summary + title + rows + "more".
  const max = wide ? TABLE_MAX_ROWS.wide : TABLE_MAX_ROWS.narrow;
  const clamp = (n: number): number => Math.max(2, Math.min(max, n));
  if (wide) return { classRows: clamp(budget - 2), threadRows: clamp(budget - 3) };
  const each = Math.floor((budget - 1) / 2);
  return { classRows: clamp(each - 2), threadRows: clamp(each - 3) };
}

export function Dashboard({ model: m, width, rows, theme }: DashboardProps) {
  const s = m.snap;
  const paused = s.state === ReplayState.Paused;
  const { classRows, threadRows } = dashboardTableRows(m, width, rows);
  return (
    <Box flexDirection="column" width={width}>
      <Header info={m.info} state={s.state} speed={s.speed} held={m.held} width={width} theme={theme} />
      {m.oom && (
        <Box marginTop={1}><OomBanner oom={m.oom} count={m.oomCount} width={width} theme={theme} /></Box>
      )}
      <Box marginTop={1}>
        <Progress events={s.events} total={s.total} totalEstimated={s.totalEstimated} fraction={s.fraction}
          rate={m.held || paused ? 0 : m.rate} elapsedSeconds={m.elapsedSeconds} width={width} theme={theme} />
      </Box>
      <Box marginTop={1}>
        <Pair width={width}
          left={(w) => <Memory stats={s.stats} rssHistory={m.rssHistory} width={w} theme={theme} />}
          right={(w) => (
            <Box flexDirection="column">
              <SuperSlabs stats={s.stats} ssLiveHistory={m.ssLiveHistory} width={w} theme={theme} />
              <Freed stats={s.stats} width={w} theme={theme} />
            </Box>
          )} />
      </Box>
      <Box marginTop={1}>
        <Pair width={width}
          left={(w) => <ClassTable classes={s.classes} width={w} maxRows={classRows} theme={theme} />}
          right={(w) => <ThreadTable threads={s.threads} stats={s.stats} width={w} maxRows={threadRows} theme={theme} />} />
      </Box>
      <Box marginTop={1}>
        <KeyHelp paused={paused} held={m.held} keys={m.keys !== false} width={width} theme={theme} />
      </Box>
    </Box>
  );
}
