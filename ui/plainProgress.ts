// Plain progress for non-dashboard replays: at most four lines a second on stderr, rewritten in place,
// and only when stderr is a terminal (pipes and CI get nothing but the summary). Reads the control
// block and the allocator's statistics from the SharedArrayBuffers; never talks to the worker.

import { openStatsView } from '../allocator/index.js';
import { F_BYTES_READ, F_BYTES_TOTAL, F_EVENTS_DONE, F_EVENTS_TOTAL, type ReplayHandle } from '../replayer/index.js';
import { formatBytes, formatCount, formatRate } from './format.js';

const INTERVAL_MS = 250;

export interface ProgressFigures {
  events: number;
  total: number;
  fraction: number;
}

/** Events done, the total (footer/header, else estimated from bytes read), and the fraction. */
export function progressFigures(floats: Float64Array): ProgressFigures {
  const events = floats[F_EVENTS_DONE];
  const bytesRead = floats[F_BYTES_READ];
  const bytesTotal = floats[F_BYTES_TOTAL];
  let total = floats[F_EVENTS_TOTAL];
  if (total <= 0 && bytesTotal > 0 && bytesRead > 0) total = Math.round((events * bytesTotal) / bytesRead);
  const fraction = total > 0 ? Math.min(1, events / total) : bytesTotal > 0 ? Math.min(1, bytesRead / bytesTotal) : 0;
  return { events, total, fraction };
}

export function plainProgressStart(handle: ReplayHandle, preset: string, stderr: NodeJS.WriteStream = process.stderr): { stop(): void } {
  if (!stderr.isTTY) return { stop() {} };
  let view: ReturnType<typeof openStatsView> | null = null;
  void handle.buffer.then((b) => { view = openStatsView(b); });
  const t0 = performance.now();
  let lastEvents = 0, lastT = t0;
  const tick = (): void => {
    const p = progressFigures(handle.control.floats);
    const now = performance.now();
    const rate = ((p.events - lastEvents) * 1000) / Math.max(1, now - lastT);
    lastEvents = p.events;
    lastT = now;
    const s = view?.read();
    const mem = s ? `  RSS ${formatBytes(s.rss)}  VmSize ${formatBytes(s.vmSize)}  SS ${formatCount(s.ssLive)} live / ${formatCount(s.ssFreed)} freed` : '';
    const pct = p.total > 0 ? ` (${(p.fraction * 100).toFixed(0)}%)` : '';
    stderr.write(`\r\x1b[K${preset}: ${formatCount(p.events)} events${pct}  ${formatRate(rate)} ev/s${mem}`);
  };
  const timer = setInterval(tick, INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      stderr.write('\r\x1b[K');
    },
  };
}
