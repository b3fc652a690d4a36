// The replay control block: a small SharedArrayBuffer shared by a replay and its host (main thread:
// plain progress, compare, the dashboard). The host writes commands (pause, step, quit, speed) and the
// file size (F_BYTES_TOTAL); the replay writes progress (events done, total, bytes read, marks, state).
// No message crosses per event: a model replay polls this block once per segment of events and sleeps on
// CTL_WAKE with Atomics.wait while paused or throttled; a native replay's progress is written on the
// main thread (by its feeder, or from what the replay process reports; it has no pause or step).
// controlProgress turns the block into the figures every progress display shows.
// Invariants: only the replay side writes F_EVENTS_DONE, F_BYTES_READ, F_MARKS and CTL_STATE; commands
// are set by the host, and the replay only ever clears a step (F_STEP_UNTIL, F_STEP_TO_MARK) and pauses
// itself (CTL_PAUSE = 1) when the step is done; every command bumps CTL_WAKE.

export const CTL_STATE = 0; // ReplayState
export const CTL_PAUSE = 1; // 1 = paused requested
export const CTL_QUIT = 2; // 1 = stop as soon as possible (partial result)
export const CTL_WAKE = 3; // futex word: bumped by the host on every command
const CTL_INTS = 8;

export const F_EVENTS_DONE = 0;
export const F_EVENTS_TOTAL = 1; // expected total (header/footer), 0 when unknown
export const F_SPEED = 2; // events/s limit, 0 = unthrottled
export const F_STEP_UNTIL = 3; // pause when events done reaches this, -1 = none
export const F_STEP_TO_MARK = 4; // 1 = pause at the next mark
export const F_MARKS = 5; // marks passed
export const F_BYTES_READ = 6; // trace bytes consumed (compressed), for progress when the total is unknown
export const F_BYTES_TOTAL = 7; // trace file size, 0 when unknown (stdin)
const CTL_FLOATS = 8;

export const enum ReplayState {
  Starting = 0,
  Running = 1,
  Paused = 2,
  Done = 3,
  Oom = 4,
  Stopped = 5,
  Failed = 6,
}

export const REPLAY_STATE_NAMES = ['starting', 'running', 'paused', 'done', 'OOM', 'stopped', 'failed'] as const;

export interface ReplayControl {
  buffer: SharedArrayBuffer;
  ints: Int32Array;
  floats: Float64Array;
}

export function controlCreate(): ReplayControl {
  const buffer = new SharedArrayBuffer(CTL_INTS * 4 + CTL_FLOATS * 8);
  const c = controlOpen(buffer);
  c.floats[F_STEP_UNTIL] = -1;
  return c;
}

export function controlOpen(buffer: SharedArrayBuffer): ReplayControl {
  return {
    buffer,
    ints: new Int32Array(buffer, 0, CTL_INTS),
    floats: new Float64Array(buffer, CTL_INTS * 4, CTL_FLOATS),
  };
}

function controlWake(c: ReplayControl): void {
  Atomics.add(c.ints, CTL_WAKE, 1);
  Atomics.notify(c.ints, CTL_WAKE);
}

export function controlPause(c: ReplayControl, paused: boolean): void {
  Atomics.store(c.ints, CTL_PAUSE, paused ? 1 : 0);
  controlWake(c);
}

/** Runs until the next mark, or `events` more events when no mark comes first, then pauses. */
export function controlStep(c: ReplayControl, events: number): void {
  c.floats[F_STEP_UNTIL] = c.floats[F_EVENTS_DONE] + events;
  c.floats[F_STEP_TO_MARK] = 1;
  Atomics.store(c.ints, CTL_PAUSE, 0);
  controlWake(c);
}

export function controlQuit(c: ReplayControl): void {
  Atomics.store(c.ints, CTL_QUIT, 1);
  controlWake(c);
}

/** 0 = unthrottled. */
export function controlSetSpeed(c: ReplayControl, eventsPerSec: number): void {
  c.floats[F_SPEED] = eventsPerSec;
  controlWake(c);
}

export function controlState(c: ReplayControl): ReplayState {
  return Atomics.load(c.ints, CTL_STATE) as ReplayState;
}

/** How far a replay is, as every progress display shows it (plain lines, native lines, the dashboard). */
export interface ControlProgress {
  /** events done */
  events: number;
  /** the expected total (footer/header), else estimated from the bytes read; 0 when unknown */
  total: number;
  /** 0..1: events over the total, else bytes read over the file size, else 0 */
  fraction: number;
}

/** Reads the progress figures from the control block (any thread). */
export function controlProgress(c: ReplayControl): ControlProgress {
  const f = c.floats;
  const events = f[F_EVENTS_DONE];
  const bytesRead = f[F_BYTES_READ];
  const bytesTotal = f[F_BYTES_TOTAL];
  let total = f[F_EVENTS_TOTAL];
  if (total <= 0 && bytesTotal > 0 && bytesRead > 0) total = Math.round((events * bytesTotal) / bytesRead);
  const fraction = total > 0 ? Math.min(1, events / total) : bytesTotal > 0 ? Math.min(1, bytesRead / bytesTotal) : 0;
  return { events, total, fraction };
}
