// Plain progress for non-dashboard replays (model, native, and the columns of compare), as one progress line on stderr
// (progressLine.ts: a terminal only, four times a second, rewritten in place). Reads the control block
// and the allocator's statistics from the SharedArrayBuffers; never talks to the worker.

import { openStatsView } from '../allocator/index.js';
import { controlProgress, type NativeHandle, type ReplayControl, type ReplayHandle } from '../replayer/index.js';
import { formatBytes, formatCount, formatRate } from './format.js';
import { progressLineStart, type ProgressLine, type ProgressTick } from './progressLine.js';

/** `N events (P%)  R ev/s` from the control block; `lastEvents` carries the count between ticks. */
function replayProgressText(control: ReplayControl, tick: ProgressTick, last: { events: number }): string {
  const p = controlProgress(control);
  const rate = ((p.events - last.events) * 1000) / tick.sinceLastMs;
  last.events = p.events;
  const pct = p.total > 0 ? ` (${(p.fraction * 100).toFixed(0)}%)` : '';
  return `${formatCount(p.events)} events${pct}  ${formatRate(rate)} ev/s`;
}

/** A model replay: events, rate, and the allocator's memory figures once its buffer exists. */
export function plainProgressStart(handle: ReplayHandle, preset: string, stderr: NodeJS.WriteStream = process.stderr): ProgressLine {
  let view: ReturnType<typeof openStatsView> | null = null;
  void handle.buffer.then((b) => { view = openStatsView(b); });
  const last = { events: 0 };
  return progressLineStart((tick) => {
    const s = view?.read();
    const mem = s ? `  RSS ${formatBytes(s.rss)}  VmSize ${formatBytes(s.vmSize)}  SS ${formatCount(s.ssLive)} live / ${formatCount(s.ssFreed)} freed` : '';
    return `${preset}: ${replayProgressText(handle.control, tick, last)}${mem}`;
  }, { stderr });
}

/** A native replay: events handed to the replay process, rate, and marks passed. */
export function nativeProgressStart(handle: NativeHandle, allocator: string, stderr: NodeJS.WriteStream = process.stderr): ProgressLine {
  const last = { events: 0 };
  return progressLineStart((tick) => `${allocator} (native): ${replayProgressText(handle.control, tick, last)}  ${handle.marks.length} marks`, { stderr });
}

/** One column of a comparison, as its replay starts: its name and its control block. */
export interface CompareColumnProgress {
  name: string;
  control: ReplayControl;
}

/** A comparison: each started column's events (and percentage), on one line. */
export function compareProgressStart(columns: readonly CompareColumnProgress[], stderr: NodeJS.WriteStream = process.stderr): ProgressLine {
  return progressLineStart(() => {
    if (columns.length === 0) return null;
    return `compare: ${columns.map((c) => {
      const p = controlProgress(c.control);
      return `${c.name} ${p.total > 0 ? `${(p.fraction * 100).toFixed(0)}%` : `${formatCount(p.events)} events`}`;
    }).join('  ')}`;
  }, { stderr });
}
