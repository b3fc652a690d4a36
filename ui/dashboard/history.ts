// The dashboard's memory of the replay so far, indexed by events, not by time: each poll that saw new
// events adds one sample (the event index with RSS, VmSize, mappings and live SuperSlabs), so a pause
// or a throttled stretch draws nothing. The whole replay is kept in bounded space (when HISTORY_MAX
// samples are held, neighbours merge: the later event index, the larger values) and is resampled onto
// sparkline columns by event index (historyColumns). When the replay ends, its own timeline (sampled by
// the replay worker, much finer than the polls) can replace the polled samples (historyFromTimeline).
// Also the recent (time, events) pairs the event rate and ETA come from: those are about time.
// Invariants: `events` strictly increases; every series is as long as `events` and holds at most
// HISTORY_MAX samples; the rate window spans at most RATE_WINDOW_MS.

export const HISTORY_MAX = 512;
const RATE_WINDOW_MS = 3000;

/** The series kept per sample. */
export interface HistorySample {
  rss: number;
  vmSize: number;
  mappings: number;
  ssLive: number;
}

type HistorySeries = keyof HistorySample;
const SERIES: HistorySeries[] = ['rss', 'vmSize', 'mappings', 'ssLive'];

/** What the panels read: the event index of each sample and the series. */
export type HistoryView = { events: number[] } & Record<HistorySeries, number[]>;

export interface DashboardHistory extends HistoryView {
  /** (t ms, events) pairs of the last RATE_WINDOW_MS. */
  rate: { t: number; events: number }[];
}

export function historyCreate(): DashboardHistory {
  return { events: [], rss: [], vmSize: [], mappings: [], ssLive: [], rate: [] };
}

/** Merges neighbouring samples pairwise: the later event index, the larger value of each series. */
function historyHalve(h: DashboardHistory): void {
  const n = h.events.length;
  const keep = (n + 1) >> 1;
  for (let j = 0; j < keep; j++) {
    const a = 2 * j, b = Math.min(n - 1, a + 1);
    h.events[j] = h.events[b];
    for (const k of SERIES) h[k][j] = Math.max(h[k][a], h[k][b]);
  }
  h.events.length = keep;
  for (const k of SERIES) h[k].length = keep;
}

/** Adds one sample (mutates and returns `h`). `sample` null: the allocator is not there yet (rate only).
 *  A sample at the event index of the last one replaces its values (a paused replay adds nothing). */
export function historyPush(h: DashboardHistory, t: number, events: number, sample: HistorySample | null): DashboardHistory {
  h.rate.push({ t, events });
  while (h.rate.length > 2 && t - h.rate[0].t > RATE_WINDOW_MS) h.rate.shift();
  if (sample === null) return h;
  const last = h.events.length - 1;
  if (last >= 0 && events <= h.events[last]) {
    if (events === h.events[last]) for (const k of SERIES) h[k][last] = sample[k];
    return h;
  }
  h.events.push(events);
  for (const k of SERIES) h[k].push(sample[k]);
  if (h.events.length > HISTORY_MAX) historyHalve(h);
  return h;
}

/** Events per second over the rate window (0 until two samples exist). */
export function historyRate(h: DashboardHistory): number {
  if (h.rate.length < 2) return 0;
  const a = h.rate[0], b = h.rate[h.rate.length - 1];
  const dt = b.t - a.t;
  return dt > 0 ? ((b.events - a.events) * 1000) / dt : 0;
}

/**
 * The history rebuilt from the replay's timeline (`columns` names, one row of numbers per sample), keeping
 * `rate`; null when the timeline is missing, empty or lacks one of the columns used here.
 */
export function historyFromTimeline(
  timeline: { columns: string[]; rows: number[][] } | undefined, rate: DashboardHistory['rate'],
): DashboardHistory | null {
  if (!timeline || timeline.rows.length === 0) return null;
  const col = (name: string): number => timeline.columns.indexOf(name);
  const ev = col('event');
  const idx = SERIES.map((k) => col(k)); // the timeline names its columns as the series are named here
  if (ev < 0 || idx.some((i) => i < 0)) return null;
  const h = historyCreate();
  for (const row of timeline.rows) {
    historyPush(h, 0, row[ev], { rss: row[idx[0]], vmSize: row[idx[1]], mappings: row[idx[2]], ssLive: row[idx[3]] });
  }
  h.rate = rate;
  return h;
}

/**
 * One value per column for a sparkline `cols` wide whose x axis is events 0 … the last sample's: the
 * largest of the samples inside the column and of the curve at its right edge (samples joined by
 * straight lines; before the first sample, its value). Empty when there is no sample; one column when
 * all samples are at event 0.
 */
export function historyColumns(events: ArrayLike<number>, values: ArrayLike<number>, cols: number): number[] {
  const n = events.length;
  if (n === 0 || cols <= 0) return [];
  const end = events[n - 1];
  if (end <= 0) return [values[n - 1]];
  const out = new Array<number>(cols);
  let i = 0;
  for (let c = 0; c < cols; c++) {
    const hi = ((c + 1) * end) / cols;
    let m = -Infinity;
    while (i < n && events[i] <= hi) {
      if (values[i] > m) m = values[i];
      i++;
    }
    // the curve at the column's right edge (samples joined by straight lines; flat before the first)
    let edge: number;
    if (i === 0) edge = values[0];
    else if (i >= n) edge = values[n - 1];
    else {
      const x0 = events[i - 1], x1 = events[i], y0 = values[i - 1], y1 = values[i];
      edge = y0 + ((y1 - y0) * (hi - x0)) / (x1 - x0);
    }
    if (edge > m) m = edge;
    out[c] = m;
  }
  return out;
}
