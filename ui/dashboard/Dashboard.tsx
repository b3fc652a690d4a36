// The live area of the dashboard as a pure component (the passed marks are printed above it by App,
// as ink <Static> history): the screen laid out for the terminal's size by screen.ts (header, progress,
// OOM banner, statistics, tables, key help, by priority), drawn band by band.

import { Box } from 'ink';
import { Lines } from './lines.js';
import { dashboardScreen, GUTTER, type DashboardModel } from './screen.js';
import type { DashboardTheme } from './theme.js';

export type { DashboardModel } from './screen.js';

interface DashboardProps {
  model: DashboardModel;
  width: number;
  /** Terminal rows: the live area stays shorter than the terminal. */
  rows: number;
  theme: DashboardTheme;
}

export function Dashboard({ model, width, rows, theme }: DashboardProps) {
  const screen = dashboardScreen(model, width, rows, theme);
  return (
    <Box flexDirection="column" width={width}>
      {screen.map((band) => (
        <Box key={band.id} flexDirection="row" marginTop={band.gap ? 1 : 0}>
          {band.columns.map((col, i) => (
            <Box key={i} width={col.width} marginRight={i < band.columns.length - 1 ? GUTTER : 0}>
              <Lines lines={col.lines} width={col.width} theme={theme} />
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}
