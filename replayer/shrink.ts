// `shrink`: finds a much smaller trace that still fails the same way under the same configuration
// (shrinkOutcome.ts), by delta debugging at several granularities: the events after the failure are
// cut first; then all marks; then thread incarnations; then objects one chunk of every g-th at a time
// (removing every other object of every thread keeps each thread's behaviour, where removing the first
// half of the trace would not); then windows of events (a contiguous range of objects by allocation
// order, with their frees and reallocs: on the Larson OOM, 39,442 → 36,674 events after the objects
// step, where windows first ended at 47,384); then sizes lowered to their class minimum. Each step
// grows its chunk count while no removal keeps the failure, up to SHRINK_MAX_CHUNKS. Every candidate is a valid trace (shrinkCandidate.ts)
// verified by a real replay; candidates of a round replay in worker threads, as many at once as there
// are cores. After each accepted candidate the base becomes it, cut after its own failure.
// Interruption (signal) or the time budget ends the search with the best trace so far.
// Invariant: the trace returned always failed the same way when replayed.

import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { cutTrace } from '../traces/index.js';
import { replayStart } from './host.js';
import { replayParams, type ReplayConfig } from './replayCore.js';
import type { ReplayResult } from './result.js';
import { shrinkUnits, shrinkWrite, type ShrinkDrop, type ShrinkUnits } from './shrinkCandidate.js';
import { shrinkDescribe, shrinkOutcomeOf, shrinkSame, type ShrinkOutcome } from './shrinkOutcome.js';

/** Chunks tried at most per granularity step before a phase gives up. */
export const SHRINK_MAX_CHUNKS = 16;

export interface ShrinkProgress {
  phase: string;
  tested: number;
  accepted: number;
  events: number;
  bytes: number;
}

export interface ShrinkOptions {
  /** preset, overrides, check (the configuration the trace must keep failing under) */
  config: Pick<ReplayConfig, 'preset' | 'overrides' | 'check'>;
  /** --keep conditions (shrinkOutcome.ts) */
  keep?: string[];
  /** replays at once (default: the cores) */
  parallel?: number;
  /** stop after this long (seconds) with the best so far */
  maxSeconds?: number;
  /** a phase gives up when removing 1/maxChunks of its units fails (default SHRINK_MAX_CHUNKS) */
  maxChunks?: number;
  signal?: AbortSignal;
  onProgress?: (p: ShrinkProgress) => void;
}

export interface ShrinkReport {
  input: { events: number; bytes: number };
  output: { events: number; bytes: number };
  outcome: string;
  tested: number;
  accepted: number;
  seconds: number;
  /** stopped early (signal or time budget): the output is the best so far */
  stopped: boolean;
  /** the failing event of the output trace (OOM or invariant check) */
  failingEvent: number;
}

interface Trial { result: ReplayResult | null; checkFailed: boolean; event: number }

class Shrinker {
  base: string;
  units: ShrinkUnits = { objects: 0, threads: 0, marks: 0, events: 0 };
  failEvent = -1;
  tested = 0;
  accepted = 0;
  private serial = 0;
  private readonly started = performance.now();

  constructor(readonly dir: string, readonly o: ShrinkOptions, readonly outcome: ShrinkOutcome, source: string) {
    this.base = source;
  }

  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  stop(): boolean {
    if (this.o.signal?.aborted) return true;
    return this.o.maxSeconds !== undefined && this.seconds() > this.o.maxSeconds;
  }

  progress(phase: string): void {
    this.o.onProgress?.({ phase, tested: this.tested, accepted: this.accepted, events: this.units.events, bytes: statSync(this.base).size });
  }

  /** Makes `file` (which failed the same way at `event`) the base, cut after its failure. */
  async adopt(file: string, event: number): Promise<void> {
    const next = join(this.dir, `base-${++this.serial}.pb`);
    await cutTrace(file, next, { to: event + 1, sourceDigest: 'shrink candidate' });
    if (this.base.startsWith(this.dir)) rmSync(this.base, { force: true });
    this.base = next;
    this.failEvent = event;
    this.units = await shrinkUnits(next);
  }

  async trial(file: string): Promise<Trial> {
    this.tested++;
    const h = replayStart(file, { ...this.o.config });
    try {
      const r = await h.result;
      return { result: r, checkFailed: false, event: r.oom ? r.oom.event : -1 };
    } catch (err) {
      const e = err as { code?: string; event?: number };
      if (e.code === 'CHECK_FAILED') return { result: null, checkFailed: true, event: e.event ?? -1 };
      throw err;
    }
  }

  /** Writes and replays candidates; adopts the first (in order) that fails the same way. */
  async tryAll(drops: ShrinkDrop[]): Promise<boolean> {
    const width = Math.max(1, this.o.parallel ?? os.availableParallelism());
    for (let i = 0; i < drops.length && !this.stop(); i += width) {
      const batch = drops.slice(i, i + width);
      const files = batch.map(() => join(this.dir, `cand-${++this.serial}.pb`));
      await Promise.all(batch.map((d, k) => shrinkWrite(this.base, files[k]!, d)));
      const trials = await Promise.all(files.map((f) => this.trial(f)));
      const k = trials.findIndex((t) => shrinkSame(this.outcome, t.result, t.checkFailed));
      if (k >= 0) await this.adopt(files[k]!, trials[k]!.event);
      for (const f of files) rmSync(f, { force: true });
      if (k >= 0) { this.accepted++; return true; }
    }
    return false;
  }

  /** Delta debugging over the units of one kind, in g interleaved chunks (every g-th unit) or g
   *  contiguous windows (unit `skip` is never removed). */
  async ddmin(
    phase: string, count: (u: ShrinkUnits) => number, mask: (m: Uint8Array) => ShrinkDrop, skip = -1, windows = false,
  ): Promise<void> {
    let g = 2;
    while (!this.stop()) {
      const n = count(this.units);
      if (n - (skip >= 0 ? 1 : 0) < 1 || g > Math.min(n, this.o.maxChunks ?? SHRINK_MAX_CHUNKS)) return;
      this.progress(`${phase} (1/${g} at a time)`);
      const drops: ShrinkDrop[] = [];
      for (let k = 0; k < g; k++) {
        const m = new Uint8Array(n);
        if (windows) m.fill(1, Math.floor((k * n) / g), Math.floor(((k + 1) * n) / g));
        else for (let i = k; i < n; i += g) m[i] = 1;
        if (skip >= 0) m[skip] = 0;
        drops.push(mask(m));
      }
      if (await this.tryAll(drops)) g = Math.max(2, g - 1);
      else g *= 2;
    }
  }
}

/** Shrinks `source` (a path) into `out`; see the file comment. */
export async function shrinkTrace(source: string, out: string, o: ShrinkOptions): Promise<ShrinkReport> {
  const classSizes = replayParams({ ...o.config }).sizeClasses;
  const dir = mkdtempSync(join(os.tmpdir(), 'slabtrace-shrink-'));
  try {
    const s0 = new Shrinker(dir, o, { kind: 'oom', conditions: [] }, source);
    const first = await s0.trial(source);
    const outcome = shrinkOutcomeOf(first.result, first.checkFailed, o.keep ?? []);
    const s = new Shrinker(dir, o, outcome, source);
    s.tested = 1;
    const input = { events: (await shrinkUnits(source)).events, bytes: statSync(source).size };
    await s.adopt(source, first.event);
    s.progress('cut after the failure');
    if (s.units.marks > 0 && !s.stop()) await s.tryAll([{ marks: true }]);
    await s.ddmin('threads', (u) => u.threads, (m) => ({ threads: m }), 0);
    await s.ddmin('objects', (u) => u.objects, (m) => ({ objects: m }));
    await s.ddmin('event windows', (u) => u.objects, (m) => ({ objects: m }), -1, true);
    if (!s.stop()) await s.tryAll([{ classSizes }]);
    s.progress('done');
    copyFileSync(s.base, out);
    return {
      input, output: { events: s.units.events, bytes: statSync(out).size }, outcome: shrinkDescribe(outcome),
      tested: s.tested, accepted: s.accepted, seconds: s.seconds(), stopped: s.stop(), failingEvent: s.failEvent,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
