// The live dashboard's state: reads a whole snapshot from the shared buffers and draws a frame once a
// second (POLL_MS), samples the history between frames (SAMPLE_MS; by events; when the replay ends,
// rebuilt from its timeline), hands the passed marks to the history printed above the live area at
// each frame (markHistory.ts: the first hundred), follows the terminal's
// size, and turns keys into control-block commands. Rendering itself is throttled by ink (maxFps).
// When the replay ends it hands the result to onFinish — at once, or, after an OOM, once the last
// screen has been held for a key or OOM_HOLD_MS — having first emptied the live area so the summary can
// take its place.
// The replay is started by the App itself (`start`), in its first effect: after the first frame is on
// the screen, so ink's and React's start-up does not compete with the replay for the CPU.
// Invariant: nothing here talks to the replay worker; it only reads the SharedArrayBuffers and writes
// commands through the handle (which writes the control block).

import { Box, Static, useApp, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { controlState, F_SPEED, ReplayState, type ReplayHandle, type ReplayResult } from '../../replayer/index.js';
import { Dashboard, type DashboardModel } from './Dashboard.js';
import type { HeaderInfo } from './Header.js';
import { historyCreate, historyFromTimeline, historyPush, historyRate } from './history.js';
import { markHistoryAdd, markHistoryCreate, markHistoryTake, type MarkHistoryItem } from './markHistory.js';
import { MarkLine, MarksMoreLine } from './MarkLine.js';
import { snapshotEmpty, snapshotRead, snapshotSample, type DashboardSnapshot, type DashboardStatsView } from './snapshot.js';
import { speedNext } from './speed.js';
import { useTerminalSize } from './terminalSize.js';
import type { DashboardTheme } from './theme.js';

/** How often the whole snapshot is read and a frame drawn (each frame costs the UI thread ~10–25 ms at
 *  120×40 in ink's output pipeline: bench/RESULTS.md, Dashboard). */
const POLL_MS = 1000;
/** How often the history takes a sample between frames (a few loads from the shared buffers). */
const SAMPLE_MS = 250;
/** `s` runs to the next mark, or this many events when no mark comes first. */
export const STEP_EVENTS = 100_000;
/** How long the last screen stays after an OOM when no key is pressed. */
export const OOM_HOLD_MS = 5000;

export type AppHandle = Pick<ReplayHandle, 'control' | 'buffer' | 'result' | 'marks' | 'onMark' | 'pause' | 'step' | 'setSpeed' | 'quit'>;

interface AppProps {
  /** Starts the replay; called once, after the first frame. */
  start: () => AppHandle;
  info: HeaderInfo;
  openView: (buffer: SharedArrayBuffer) => DashboardStatsView;
  /** After an OOM, hold the last screen until a key or `holdMs`. */
  holdOnOom: boolean;
  /** Default OOM_HOLD_MS. */
  holdMs?: number;
  theme: DashboardTheme;
  /** Called once, when the dashboard is done (the live area is empty by then). */
  onFinish: (result: ReplayResult) => void;
  onError: (err: unknown) => void;
  /** Keys are read from stdin (false when stdin is not a terminal, e.g. the trace comes on stdin). */
  keys?: boolean;
  /** Width when stdout does not say (tests). */
  columns?: number;
}

interface AppState {
  snap: DashboardSnapshot;
  result: ReplayResult | null;
  held: boolean;
  /** Held: when the summary comes by itself (performance.now()). */
  holdUntil: number;
  /** Held: whole seconds left, as drawn. */
  holdLeft: number;
  closing: boolean;
}

export function App(p: AppProps) {
  const handleRef = useRef<AppHandle | null>(null);
  const { stdout } = useStdout();
  const { exit } = useApp();
  const t0 = useRef(performance.now());
  const view = useRef<DashboardStatsView | null>(null);
  const history = useRef(historyCreate());
  const quitting = useRef(false);
  const markHistory = useRef(markHistoryCreate());
  const [marks, setMarks] = useState<MarkHistoryItem[]>([]);
  const [st, setSt] = useState<AppState>({ snap: snapshotEmpty(), result: null, held: false, holdUntil: 0, holdLeft: 0, closing: false });
  const size = useTerminalSize(stdout, p.columns);

  /** Reads a snapshot for the next frame; the marks passed since the last one go into the history above. */
  const poll = (control: AppHandle['control']): DashboardSnapshot => {
    const snap = snapshotRead(view.current, control, performance.now() - t0.current);
    historyPush(history.current, snap.t, snap.events, snap.stats);
    const passed = markHistoryTake(markHistory.current);
    if (passed.length > 0) setMarks((ms) => ms.concat(passed));
    return snap;
  };

  useEffect(() => {
    let live = true;
    let handle: AppHandle;
    try {
      handle = p.start();
    } catch (err) {
      p.onError(err);
      return undefined;
    }
    handleRef.current = handle;
    t0.current = performance.now();
    for (const m of handle.marks) markHistoryAdd(markHistory.current, m);
    const timer = setInterval(() => {
      const snap = poll(handle.control);
      setSt((s) => (s.result ? s : { ...s, snap }));
    }, POLL_MS);
    const sampler = setInterval(() => {
      if (!view.current) return;
      const { events, sample } = snapshotSample(view.current, handle.control);
      historyPush(history.current, performance.now() - t0.current, events, sample);
    }, SAMPLE_MS);
    handle.buffer.then((b) => {
      try {
        view.current = p.openView(b);
      } catch (err) {
        if (live) p.onError(err);
      }
    }, () => {});
    handle.onMark((m) => { if (live) markHistoryAdd(markHistory.current, m); });
    handle.result.then((result) => {
      if (!live) return;
      clearInterval(timer);
      clearInterval(sampler);
      const hold = !!result.oom && p.holdOnOom && !quitting.current;
      const snap = poll(handle.control);
      history.current = historyFromTimeline(result.timeline, history.current.rate) ?? history.current;
      const holdMs = p.holdMs ?? OOM_HOLD_MS;
      setSt({ snap, result, held: hold, holdUntil: performance.now() + holdMs, holdLeft: Math.ceil(holdMs / 1000), closing: !hold });
    }, (err) => {
      clearInterval(timer);
      clearInterval(sampler);
      if (live) p.onError(err);
    });
    return () => { live = false; clearInterval(timer); clearInterval(sampler); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The held screen: a countdown in whole seconds, then the summary.
  useEffect(() => {
    if (!st.held) return;
    const tick = setInterval(() => {
      const left = Math.ceil((st.holdUntil - performance.now()) / 1000);
      setSt((s) => (!s.held ? s : left <= 0 ? { ...s, held: false, closing: true } : left !== s.holdLeft ? { ...s, holdLeft: left } : s));
    }, 100);
    return () => { clearInterval(tick); };
  }, [st.held]);

  useEffect(() => {
    if (st.closing && st.result) {
      const r = st.result;
      exit();
      p.onFinish(r);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [st.closing]);

  /** One key press; returns false when the key means nothing here. */
  const onKey = (ch: string, ctrl: boolean): boolean => {
    const quit = ch === 'q' || ch === 'Q' || (ctrl && ch === 'c') || ch === '\x03';
    const handle = handleRef.current;
    if (!handle) return false;
    if (st.held) {
      setSt((s) => (s.held ? { ...s, held: false, closing: true } : s));
      return true;
    }
    if (st.result) return false;
    const speed = handle.control.floats[F_SPEED];
    if (quit) {
      quitting.current = true;
      handle.quit();
    } else if (ch === ' ') {
      handle.pause(controlState(handle.control) !== ReplayState.Paused);
    } else if (ch === 's' || ch === 'S') {
      handle.step(STEP_EVENTS);
    } else if (ch === '+' || ch === '=') {
      handle.setSpeed(speedNext(speed, 1, historyRate(history.current)));
    } else if (ch === '-' || ch === '_') {
      handle.setSpeed(speedNext(speed, -1, historyRate(history.current)));
    } else {
      return false;
    }
    return true;
  };

  useInput((input, key) => {
    // Keys typed quickly (or sent by a script) can arrive as one chunk: handle each character.
    let any = false;
    for (const ch of input.length > 1 && !key.ctrl ? [...input] : [input]) any = onKey(ch, key.ctrl) || any;
    const handle = handleRef.current;
    if (any && handle && !st.result) {
      const snap = poll(handle.control);
      setSt((s) => (s.result ? s : { ...s, snap }));
    }
  }, { isActive: p.keys !== false });

  const { columns: width, rows } = size;
  const h = history.current;
  const r = st.result;
  const model: DashboardModel = {
    info: p.info,
    snap: st.snap,
    history: h,
    rate: historyRate(h),
    elapsedSeconds: r ? r.wallSeconds : st.snap.t / 1000,
    oom: r?.oom ?? null,
    oomCount: r?.oomCount ?? 0,
    held: st.held,
    holdSeconds: st.held ? st.holdLeft : 0,
    keys: p.keys !== false,
  };
  return (
    <Box flexDirection="column">
      <Static items={marks}>
        {(it, i) => (it.kind === 'mark'
          ? <MarkLine key={i} mark={it.mark} width={width} theme={p.theme} />
          : <MarksMoreLine key={i} width={width} theme={p.theme} />)}
      </Static>
      {!st.closing && <Dashboard model={model} width={width} rows={rows} theme={p.theme} />}
    </Box>
  );
}
