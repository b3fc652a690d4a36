// The replay loop: streams event batches from a trace into the allocator model. Object id → block
// handle (allocator: a 32-bit handle, never an address) lives in an Int32Array indexed by the trace's
// dense ids (bounded by peak live objects). Runs of alloc and free go to the allocator's batch loop
// (runAllocFree); every other op, OOM and table growth go to cold helpers here. Marks
// record a checkpoint of the statistics (a `flush` mark also flushes the allocator first). Between
// segments of events the loop polls the control block (pause, step, quit, speed) and publishes
// progress there — nothing crosses threads per event.
// Invariant: the same trace and configuration give the same checkpoints and digest, whatever the
// segment size, the host (worker or not) or the trace's form.

import {
  Allocator, HANDLE_NONE, resolveParams, RUN_FREE, RUN_MALLOC, type AllocParams,
} from '../allocator/index.js';
import {
  openTrace, OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START, type EventBatch,
} from '../traces/index.js';
import {
  controlCreate, CTL_PAUSE, CTL_QUIT, CTL_STATE, CTL_WAKE, F_BYTES_READ, F_EVENTS_DONE, F_EVENTS_TOTAL, F_MARKS, F_SPEED,
  F_STEP_TO_MARK, F_STEP_UNTIL, ReplayState, type ReplayControl,
} from './control.js';
import { replayFigures, replayOomReport } from './figures.js';
import { ringReaderOpen, type ReplaySource } from './ringReader.js';
import { MarkSpill, MARKS_KEPT, markSpillAdopt, markSpillDrop } from './markSpill.js';
import { replayTraceCheck, type ReplayClassRow, type ReplayMark, type ReplayOom, type ReplayResult } from './result.js';
import { ThreadTable } from './threadTable.js';
import { TimelineRecorder } from './timeline.js';

export interface ReplayConfig {
  preset: string;
  overrides?: Record<string, string>;
  lenient?: boolean;
  allowTruncated?: boolean;
  /** Invariant checks: undefined = off, 0 = at marks and at the end, N = also every N events. */
  check?: number;
  /** Replay only the events before this index. */
  stopAt?: number;
  /** Keep going after a failed allocation (its object stays unallocated; frees of it are skipped). */
  continueAfterOom?: boolean;
  /** Decode in a separate worker (a file path only): decoding and replaying then use two cores. */
  pipeline?: boolean;
  /** Start throttled to this many events/s (0 or absent: unthrottled); the host may change it. */
  speed?: number;
  /** Events between timeline samples (absent or 0: about TIMELINE_TARGET samples over the trace). */
  timelineEvery?: number;
}

export interface ReplayHooks {
  /** Called once the allocator exists (the host hands its buffer to the dashboard). */
  onReady?(alloc: Allocator): void;
  onMark?(mark: ReplayMark): void;
  /** A reader of `source` already being opened (the worker starts its decode worker before it loads
   * the replay code, so the two start-ups overlap). replayRun closes it. */
  opening?: Promise<ReplaySource>;
  /** The memory the allocator is made in (the host made it by runMemoryPlan and gave its spare region
   *  to the decode worker's arena, so batches are read in place). */
  memory?: WebAssembly.Memory;
}

/** Events between two polls of the control block. */
const SEGMENT = 16384;
/** Marks whose name (before any '@') is this flush the allocator's magazines first. */
const FLUSH_MARK = 'flush';

export class ReplayCheckError extends Error {
  readonly code = 'CHECK_FAILED';
  /** the model broke one of its own invariants: ours */
  readonly kind = 'bug';
  constructor(readonly event: number, readonly errors: string[]) {
    super(`invariant check failed after event ${event}: ${errors.slice(0, 5).join('; ')}${errors.length > 5 ? ` (+${errors.length - 5} more)` : ''}`);
    this.name = 'ReplayCheckError';
  }
}

/** Mutable replay state; fields are read into locals by the hot loop. */
class Replay {
  /** object id → block handle (HANDLE_NONE: its allocation failed) */
  handles: Int32Array;
  done = 0;
  /** The first MARKS_KEPT marks; the rest go to `spill` (a file), so memory stays bounded. */
  marks: ReplayMark[] = [];
  marksTotal = 0;
  spill: MarkSpill | null = null;
  oom: ReplayOom | null = null;
  oomCount = 0;
  checkRuns = 0;
  nextCheck = Infinity;
  stopped = false;
  partial = false;
  pauseAfterSegment = false;
  /** Format-1 trace: no thread_join events, threads are joined at their exit. */
  readonly joinOnExit: boolean;
  readonly timeline: TimelineRecorder;
  readonly threads: ThreadTable;

  constructor(
    readonly alloc: Allocator, readonly reader: ReplaySource, readonly cfg: ReplayConfig, readonly ctl: ReplayControl,
    readonly hooks: ReplayHooks,
  ) {
    if (cfg.check !== undefined && cfg.check > 0) this.nextCheck = cfg.check;
    this.joinOnExit = reader.header.formatVersion < 2;
    this.timeline = TimelineRecorder.create(cfg.timelineEvery, Number(reader.header.expectedEvents) || 0);
    this.threads = new ThreadTable(alloc, this.joinOnExit);
    this.handles = alloc.handleTable(1 << 16);
  }
}

function replayGrow(r: Replay, id: number): void {
  let n = r.handles.length;
  while (n <= id) n *= 2;
  r.handles = r.alloc.handleTable(n, r.handles);
}

function replayCheck(r: Replay, event: number): void {
  r.checkRuns++;
  const report = r.alloc.checkInvariants();
  if (!report.ok) throw new ReplayCheckError(event, report.errors);
}

function replayMark(r: Replay, b: EventBatch, i: number): void {
  const name = b.markNames[b.aux[i]];
  const base = name.split('@')[0];
  if (base === FLUSH_MARK) r.alloc.flush();
  const stats = r.alloc.stats();
  const mark: ReplayMark = { name, event: b.first + i, ...replayFigures(stats) };
  r.timeline.sample(b.first + i + 1, stats, true);
  const kept = r.marksTotal < MARKS_KEPT;
  if (kept) r.marks.push(mark);
  else (r.spill ??= new MarkSpill()).push(mark);
  r.ctl.floats[F_MARKS] = ++r.marksTotal;
  if (r.cfg.check !== undefined) replayCheck(r, b.first + i);
  if (kept) r.hooks.onMark?.(mark);
  if (r.ctl.floats[F_STEP_TO_MARK] === 1) {
    r.ctl.floats[F_STEP_TO_MARK] = 0;
    r.ctl.floats[F_STEP_UNTIL] = -1;
    Atomics.store(r.ctl.ints, CTL_PAUSE, 1);
  }
}

/** A failed allocation (or a thread whose stack could not be mapped): record the report; stop unless
 *  asked to go on. Returns true to stop. */
function replayOom(r: Replay, b: EventBatch, i: number): boolean {
  r.oomCount++;
  if (r.oom === null) {
    const info = r.alloc.oomInfo();
    r.oom = replayOomReport(info, b.first + i, b.tid[i], OP_NAMES[b.op[i]], b.size[i]);
  }
  if (b.op[i] !== OP_THREAD_START) r.handles[b.id[i]] = HANDLE_NONE;
  return !r.cfg.continueAfterOom;
}

/** Thread exit; a format-1 trace has no join events: its threads count as joined when they exit. */
function replayThreadExit(r: Replay, tid: number): void {
  r.threads.exit(tid);
  r.alloc.threadExit(tid);
  if (r.joinOnExit) r.alloc.threadJoin(tid);
}

/** Every op but alloc and free. Returns true when the segment must end here (mark or OOM stop). */
function replaySlow(r: Replay, b: EventBatch, i: number): boolean {
  const op = b.op[i];
  const tid = b.tid[i];
  switch (op) {
    case OP_REALLOC: {
      const h = r.alloc.reallocHandle(tid, r.handles[b.id[i]], b.size[i]);
      if (h === HANDLE_NONE) return replayOom(r, b, i);
      r.handles[b.id[i]] = h;
      return false;
    }
    case OP_CALLOC:
    case OP_MEMALIGN: {
      const id = b.id[i];
      if (id >= r.handles.length) replayGrow(r, id);
      const h = r.alloc.mallocHandle(tid, b.size[i], op === OP_MEMALIGN ? b.aux[i] : 0);
      if (h === HANDLE_NONE) return replayOom(r, b, i);
      r.handles[id] = h;
      return false;
    }
    case OP_THREAD_START:
      r.threads.start(tid);
      return r.alloc.threadStart(tid) ? false : replayOom(r, b, i);
    case OP_THREAD_EXIT: replayThreadExit(r, tid); return false;
    case OP_THREAD_JOIN: r.threads.join(b.aux[i]); r.alloc.threadJoin(b.aux[i]); return false;
    case OP_THREAD_DETACH: r.threads.detach(b.aux[i]); r.alloc.threadDetach(b.aux[i]); return false;
    case OP_MARK: replayMark(r, b, i); return true;
    default: return false;
  }
}

/**
 * Replays events [from, to) of `b`; returns the index after the last event handled (< to when a
 * mark or an OOM ended the segment). Alloc and free in the allocator's batch loop; the rest here.
 */
function replaySegment(r: Replay, b: EventBatch, from: number, to: number): number {
  const alloc = r.alloc;
  let i = from;
  while (i < to) {
    i = alloc.runAllocFree(r.handles, i, to);
    if (alloc.runOom) {
      alloc.runOom = false;
      if (replayOom(r, b, i - 1)) return i;
      continue;
    }
    if (i >= to) break;
    if (b.op[i] === OP_ALLOC) replayGrow(r, b.id[i]);
    else if (replaySlow(r, b, i++)) return i;
  }
  return i;
}

if (RUN_MALLOC !== OP_ALLOC || RUN_FREE !== OP_FREE) throw new Error('replayCore: the allocator\'s run codes differ from the trace ops');

/** Sleeps (worker: Atomics.wait) while paused, and throttles to the requested speed. */
function replayPoll(r: Replay, throttle: { t0: number; e0: number; speed: number }): void {
  const ctl = r.ctl;
  const ints = ctl.ints, floats = ctl.floats;
  floats[F_EVENTS_DONE] = r.done;
  floats[F_BYTES_READ] = r.reader.bytesRead;
  const stepUntil = floats[F_STEP_UNTIL];
  if (stepUntil >= 0 && r.done >= stepUntil) {
    floats[F_STEP_UNTIL] = -1;
    floats[F_STEP_TO_MARK] = 0;
    Atomics.store(ints, CTL_PAUSE, 1);
  }
  while (Atomics.load(ints, CTL_PAUSE) === 1 && Atomics.load(ints, CTL_QUIT) === 0) {
    Atomics.store(ints, CTL_STATE, ReplayState.Paused);
    const wake = Atomics.load(ints, CTL_WAKE);
    if (Atomics.load(ints, CTL_PAUSE) === 1) Atomics.wait(ints, CTL_WAKE, wake, 250);
    throttle.t0 = performance.now();
    throttle.e0 = r.done;
  }
  if (Atomics.load(ints, CTL_STATE) === ReplayState.Paused) Atomics.store(ints, CTL_STATE, ReplayState.Running);
  const speed = floats[F_SPEED];
  if (speed !== throttle.speed) {
    throttle.speed = speed;
    throttle.t0 = performance.now();
    throttle.e0 = r.done;
  }
  if (speed > 0) {
    const due = throttle.t0 + ((r.done - throttle.e0) / speed) * 1000;
    const wait = due - performance.now();
    if (wait > 1) Atomics.wait(ints, CTL_WAKE, Atomics.load(ints, CTL_WAKE), Math.min(wait, 250));
  }
}

/** Segment size: small when throttled so a slow replay stays smooth. */
function replayStep(r: Replay): number {
  const speed = r.ctl.floats[F_SPEED];
  return speed > 0 ? Math.max(1, Math.min(SEGMENT, Math.floor(speed / 50))) : SEGMENT;
}

async function replayBatches(r: Replay, reader: ReplaySource): Promise<void> {
  await replayBatchLoop(r, reader);
  if (Atomics.load(r.ctl.ints, CTL_QUIT) === 1 && !r.stopped && r.oom === null) r.partial = true;
}

async function replayBatchLoop(r: Replay, reader: ReplaySource): Promise<void> {
  const stopAt = r.cfg.stopAt ?? Infinity;
  const throttle = { t0: performance.now(), e0: 0, speed: 0 };
  for await (const b of reader.batches()) {
    r.alloc.runLoad(b.op, b.tid, b.id, b.size, b.count);
    let i = 0;
    while (i < b.count) {
      if (b.first + i >= stopAt) {
        r.stopped = true; // events remain at or after --stop-at (a trace that ends there is complete)
        return;
      }
      replayPoll(r, throttle);
      if (Atomics.load(r.ctl.ints, CTL_QUIT) === 1) {
        r.partial = true;
        return;
      }
      if (b.first + i >= r.timeline.next) r.timeline.sample(b.first + i, r.alloc.sampleStats(), false);
      const stepUntil = r.ctl.floats[F_STEP_UNTIL];
      const limit = Math.min(
        b.count, i + replayStep(r), stopAt - b.first, stepUntil >= 0 ? stepUntil - b.first : Infinity, r.timeline.next - b.first,
      );
      const next = replaySegment(r, b, i, Math.max(limit, i + 1));
      r.done = b.first + next;
      i = next;
      if (r.done >= r.nextCheck) {
        replayCheck(r, r.done - 1);
        r.nextCheck = r.done + (r.cfg.check ?? 0);
      }
      if (r.oom !== null && !r.cfg.continueAfterOom) return;
    }
  }
}

function replayResult(r: Replay, reader: ReplaySource, params: AllocParams, wallSeconds: number): ReplayResult {
  const footerEvents = reader.footer ? Number(reader.footer.events) : 0;
  const h = reader.header;
  const complete = !r.partial && !r.stopped && (r.oom === null || !!r.cfg.continueAfterOom);
  return {
    file: '',
    workload: h.workload,
    workloadParams: h.params,
    preset: r.cfg.preset,
    overrides: r.cfg.overrides ?? {},
    params: { ...params } as Record<string, unknown>,
    events: r.done,
    totalEvents: footerEvents || Number(h.expectedEvents) || 0,
    wallSeconds,
    eventsPerSec: wallSeconds > 0 ? r.done / wallSeconds : 0,
    complete,
    partial: r.partial,
    stoppedAt: r.stopped ? r.done : null,
    skipped: reader.skipped,
    truncated: reader.truncated,
    traceCheck: replayTraceCheck(reader),
    final: replayFigures(r.alloc.stats()),
    marks: r.marks,
    marksTotal: r.marksTotal,
    marksTail: r.spill ? r.spill.tail : [],
    marksSpill: r.spill ? r.spill.close() : null,
    oom: r.oom,
    oomCount: r.oomCount,
    check: r.cfg.check !== undefined ? { runs: r.checkRuns, drift: r.alloc.checkInvariants().drift } : null,
    digest: r.alloc.digest(),
    timeline: replayTimelineEnd(r),
    classes: replayClasses(r),
    threads: r.threads.result(),
  };
}

/** The timeline with a last sample where the replay ended. */
function replayTimelineEnd(r: Replay): ReplayResult['timeline'] {
  const t = r.timeline.result();
  const last = t.rows[t.rows.length - 1];
  if (!last || last[0]! < r.done) {
    r.timeline.sampleEnd(r.done, r.alloc.sampleStats());
    return r.timeline.result();
  }
  return t;
}

/** The per-class table at the end. */
function replayClasses(r: Replay): ReplayClassRow[] {
  const s = r.alloc.stats();
  const pending = r.alloc.classRemotePending();
  return s.classes.map((c, i) => ({
    size: c.size, liveBlocks: c.liveBlocks, slabs: c.slabs, superSlabs: c.superSlabs, magazineBlocks: c.magazineBlocks,
    remotePending: pending[i] ?? 0, blocksAllocated: c.blocksAllocated, blocksFreed: c.blocksFreed,
  }));
}

/** Opens the trace for a replay: through a decode worker when pipelined, else in this thread. */
export function replayOpen(source: string | NodeJS.ReadableStream, cfg: ReplayConfig): Promise<ReplaySource> {
  const open = { lenient: cfg.lenient, allowTruncated: cfg.allowTruncated };
  return cfg.pipeline && typeof source === 'string' && source !== '-' ? ringReaderOpen(source, open) : openTrace(source, open);
}

/** Resolves the preset and overrides (AllocConfigError on a bad name or value). */
export function replayParams(cfg: ReplayConfig): AllocParams {
  return resolveParams(cfg.preset, cfg.overrides ?? {});
}

/**
 * Replays `source` (path, '-', or a readable stream) under `cfg`. With a control block, the host can
 * pause, step, throttle and stop it; without one it runs to the end.
 */
export async function replayRun(
  source: string | NodeJS.ReadableStream, cfg: ReplayConfig, ctl: ReplayControl = controlCreate(), hooks: ReplayHooks = {},
): Promise<ReplayResult> {
  let params: AllocParams;
  try {
    params = replayParams(cfg);
  } catch (err) {
    void hooks.opening?.then((r) => r.close(), () => undefined);
    throw err;
  }
  const alloc = Allocator.create(params, hooks.memory ? { memory: hooks.memory } : {});
  hooks.onReady?.(alloc);
  const reader = await (hooks.opening ?? replayOpen(source, cfg));
  ctl.floats[F_EVENTS_TOTAL] = Number(reader.header.expectedEvents) || 0;
  if (cfg.speed) ctl.floats[F_SPEED] = cfg.speed;
  Atomics.store(ctl.ints, CTL_STATE, ReplayState.Running);
  const r = new Replay(alloc, reader, cfg, ctl, hooks);
  reader.interrupt = () => Atomics.load(ctl.ints, CTL_QUIT) === 1;
  const startedAt = performance.now();
  try {
    await replayBatches(r, reader);
  } catch (err) {
    if (r.spill) markSpillDrop(r.spill.close());
    throw err;
  } finally {
    await reader.close();
  }
  const wall = (performance.now() - startedAt) / 1000;
  ctl.floats[F_EVENTS_DONE] = r.done;
  if (r.cfg.check !== undefined && !r.partial) replayCheck(r, r.done - 1);
  const result = replayResult(r, reader, params, wall);
  result.file = typeof source === 'string' ? source : '<stdin>';
  markSpillAdopt(result.marksSpill);
  const state = r.oom !== null ? ReplayState.Oom : r.partial || r.stopped ? ReplayState.Stopped : ReplayState.Done;
  Atomics.store(ctl.ints, CTL_STATE, state);
  return result;
}
