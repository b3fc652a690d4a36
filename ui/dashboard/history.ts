// The dashboard's memory of the replay so far: RSS and live-SuperSlab series for the sparklines (the
// whole replay in bounded space: when full, neighbouring samples merge by maximum and the sampling
// interval doubles), and the recent (time, events) pairs the event rate and ETA come from.
// Invariant: series hold at most HISTORY_MAX samples; the rate window spans at most RATE_WINDOW_MS.

export const HISTORY_MAX = 512;
const RATE_WINDOW_MS = 3000;

export interface DashboardHistory {
  rss: number[];
  ssLive: number[];
  /** Samples merged into one series entry (doubles each time the series fills). */
  stride: number;
  /** Samples received since the last entry was pushed. */
  pending: number;
  /** (t ms, events) pairs of the last RATE_WINDOW_MS. */
  rate: { t: number; events: number }[];
}

export function historyCreate(): DashboardHistory {
  return { rss: [], ssLive: [], stride: 1, pending: 0, rate: [] };
}

function historyHalve(series: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < series.length; i += 2) out.push(Math.max(series[i], series[i + 1] ?? series[i]));
  return out;
}

/** Adds one sample (mutates and returns `h`). */
export function historyPush(h: DashboardHistory, t: number, events: number, rss: number | null, ssLive: number | null): DashboardHistory {
  h.rate.push({ t, events });
  while (h.rate.length > 2 && t - h.rate[0].t > RATE_WINDOW_MS) h.rate.shift();
  if (rss === null || ssLive === null) return h;
  const last = h.rss.length - 1;
  if (h.pending > 0 && last >= 0) {
    h.rss[last] = Math.max(h.rss[last], rss);
    h.ssLive[last] = Math.max(h.ssLive[last], ssLive);
  } else {
    h.rss.push(rss);
    h.ssLive.push(ssLive);
  }
  h.pending = (h.pending + 1) % h.stride;
  if (h.rss.length >= HISTORY_MAX && h.pending === 0) {
    h.rss = historyHalve(h.rss);
    h.ssLive = historyHalve(h.ssLive);
    h.stride *= 2;
  }
  return h;
}

/** Events per second over the rate window (0 until two samples exist). */
export function historyRate(h: DashboardHistory): number {
  if (h.rate.length < 2) return 0;
  const a = h.rate[0], b = h.rate[h.rate.length - 1];
  const dt = b.t - a.t;
  return dt > 0 ? ((b.events - a.events) * 1000) / dt : 0;
}
