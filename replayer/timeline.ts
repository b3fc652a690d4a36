// The replay's timeline: samples of the allocator's statistics taken by event index (every `every`
// events, and at every mark), so a pause or a slow machine changes nothing in it. With no interval
// given it aims at about TIMELINE_TARGET samples: from the trace's event count when the header has one,
// else by thinning (every other regular sample dropped, the interval doubled) whenever it holds twice
// that many regular samples (mark samples do not count: there can be TIMELINE_MARKS of them). The
// replay's end is always the last row (sampleEnd, never thinned). Plain data: the columns once, then
// one row of numbers per sample.
// Invariants: rows are in increasing event order (a mark sample may share its event with a regular
// one); each of the first TIMELINE_MARKS marks has a row (later marks none, so a trace of millions of
// marks keeps the timeline bounded); row values equal the statistics read at that event.

export const TIMELINE_TARGET = 2000;
/** Marks that add a sample (the first ones). */
const TIMELINE_MARKS = 10_000;

/** The statistics a sample reads (the allocator's field names). */
interface TimelineStats {
  rss: number; vmSize: number; mappings: number;
  ssLive: number; ssAllocated: number; ssFreed: number; ssEmptyReserved: number;
  liveBlocks: number; bytesAllocated: number; bytesFreed: number; remoteFreesPending: number;
  classes: { size: number; liveBlocks: number }[];
}

export const TIMELINE_COLUMNS = [
  'event', 'rss', 'vmSize', 'mappings', 'ssLive', 'ssAllocated', 'ssFreed', 'ssEmptyReserved',
  'liveBlocks', 'liveBytes', 'remoteFreesPending',
] as const;

export interface ReplayTimeline {
  /** TIMELINE_COLUMNS, then `class<size>` per size class (live blocks of that class). */
  columns: string[];
  rows: number[][];
  /** Whether row i was taken at a mark (1) or on the interval (0). */
  atMark: number[];
  /** Events between regular samples at the end. */
  every: number;
}

export class TimelineRecorder {
  private readonly rows: number[][] = [];
  private readonly atMark: number[] = [];
  private columns: string[] | null = null;
  /** Event index of the next regular sample. */
  next: number;

  constructor(private every: number, private readonly fixed: boolean) {
    this.next = 0; // the first sample is the state before any event
  }

  /** `every` given: that interval; else about TIMELINE_TARGET samples of `expected` events (0 = unknown). */
  static create(every: number | undefined, expected: number): TimelineRecorder {
    if (every !== undefined && every > 0) return new TimelineRecorder(Math.floor(every), true);
    const auto = expected > 0 ? Math.max(1, Math.ceil(expected / TIMELINE_TARGET)) : 16384;
    return new TimelineRecorder(auto, false);
  }

  private markRows = 0;
  /** Regular (interval) rows held. */
  private regularRows = 0;

  /** Records the statistics after `event` events (a mark's: only for the first TIMELINE_MARKS marks). */
  sample(event: number, s: TimelineStats, mark: boolean): void {
    if (mark && this.markRows++ >= TIMELINE_MARKS) return;
    this.push(event, s, mark);
    if (!mark) {
      this.regularRows++;
      this.next = event + this.every;
      if (!this.fixed && this.regularRows >= 2 * TIMELINE_TARGET) this.thin();
    }
  }

  /** The statistics where the replay ended: the last row, kept whatever the thinning. */
  sampleEnd(event: number, s: TimelineStats): void {
    this.push(event, s, false);
  }

  private push(event: number, s: TimelineStats, mark: boolean): void {
    if (this.columns === null) this.columns = [...TIMELINE_COLUMNS, ...s.classes.map((c) => `class${c.size}`)];
    const row = [
      event, s.rss, s.vmSize, s.mappings, s.ssLive, s.ssAllocated, s.ssFreed, s.ssEmptyReserved,
      s.liveBlocks, s.bytesAllocated - s.bytesFreed, s.remoteFreesPending,
    ];
    for (const c of s.classes) row.push(c.liveBlocks);
    this.rows.push(row);
    this.atMark.push(mark ? 1 : 0);
  }

  /** Drops every other regular sample (keeping event 0 and multiples of the doubled interval) and doubles
   *  the interval; mark samples stay. */
  private thin(): void {
    let keep = 0;
    let regular = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const isMark = this.atMark[i] === 1;
      if (isMark || regular++ % 2 === 0) {
        this.rows[keep] = this.rows[i]!;
        this.atMark[keep] = this.atMark[i]!;
        keep++;
      }
    }
    this.rows.length = keep;
    this.atMark.length = keep;
    this.regularRows = (regular + 1) >> 1;
    this.every *= 2;
    const last = this.rows[this.rows.length - 1];
    this.next = (last ? last[0]! : 0) + this.every;
  }

  result(): ReplayTimeline {
    return { columns: this.columns ?? [...TIMELINE_COLUMNS], rows: this.rows, atMark: this.atMark, every: this.every };
  }
}
