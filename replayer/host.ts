// Hosting a model replay: in a worker_threads worker (the default: the allocator's SharedArrayBuffer is
// then read live by the main thread; a file is decoded in a second worker, stdin is forwarded to it in
// acknowledged chunks) or on the main thread (`replay --in-process`: no live view). Either way the host
// gets a handle: the control block (commands: pause / step / speed / quit; progress), the allocator
// buffer once it exists (for openStatsView), marks as they pass, and the result. For a file, the host
// starts the decode worker itself, beside the replay worker, and makes the allocator's memory, whose
// spare region (runMemoryPlan) becomes the decode worker's arena. Marks a worker spilled
// to a file are adopted here, so the file is removed when this (main) thread's process exits.

import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { runMemoryPlan, type RunMemoryPlan } from '../allocator/index.js';
import type { TraceArenaRegion } from '../traces/index.js';
import { controlCreate, controlPause, controlQuit, controlSetSpeed, controlStep, F_BYTES_TOTAL, type ReplayControl } from './control.js';
import { markSpillAdopt } from './markSpill.js';
import { replayParams, replayRun, type ReplayConfig } from './replayCore.js';
import { replayErrorFromData } from './replayError.js';
import type { ReplayMark, ReplayResult } from './result.js';
import type { ReplayWorkerData, ReplayWorkerDecoderGone, ReplayWorkerMessage } from './replayWorker.js';
import { decoderOnGone, ringDecoderStart, type RingDecoder } from './ringReader.js';
import { threadRowsUnpack } from './threadTable.js';
import { replayerWorkerUrl } from './workerUrl.js';

export interface ReplayHandle {
  control: ReplayControl;
  /** Resolves with the allocator's SharedArrayBuffer once the allocator exists. */
  buffer: Promise<SharedArrayBuffer>;
  result: Promise<ReplayResult>;
  /** Marks passed so far, in order (also delivered to onMark listeners). */
  marks: ReplayMark[];
  onMark(listener: (mark: ReplayMark) => void): void;
  pause(paused: boolean): void;
  /** Run to the next mark or `events` more events, then pause. */
  step(events: number): void;
  setSpeed(eventsPerSec: number): void;
  /** Stop soon; the result is then partial. */
  quit(): void;
}

export interface ReplayStartOptions {
  /** Run in a worker thread (default true). */
  worker?: boolean;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function handleBase(control: ReplayControl): Omit<ReplayHandle, 'buffer' | 'result'> & { emit(m: ReplayMark): void } {
  const listeners: ((m: ReplayMark) => void)[] = [];
  const marks: ReplayMark[] = [];
  return {
    control,
    marks,
    onMark: (l) => { listeners.push(l); },
    emit: (m) => { marks.push(m); for (const l of listeners) l(m); },
    pause: (p) => controlPause(control, p),
    step: (n) => controlStep(control, n),
    setSpeed: (s) => controlSetSpeed(control, s),
    quit: () => controlQuit(control),
  };
}

/** Forwards stdin to the worker in chunks, keeping at most a few unacknowledged. */
function hostPipeStdin(worker: Worker): { ack(): void } {
  const MAX_IN_FLIGHT = 8;
  let inFlight = 0;
  const stdin = process.stdin;
  stdin.on('data', (chunk: Buffer) => {
    worker.postMessage({ type: 'data', chunk: new Uint8Array(chunk) });
    if (++inFlight >= MAX_IN_FLIGHT) stdin.pause();
  });
  stdin.on('end', () => worker.postMessage({ type: 'end' }));
  return {
    ack: () => {
      if (--inFlight < MAX_IN_FLIGHT && stdin.isPaused()) stdin.resume();
    },
  };
}

/** The allocator's memory for a pipelined replay, made here with a spare region for the decode
 *  worker's arena (so the replay worker's kernel reads batches in place), or null: the configuration
 *  is bad (the replay worker reports it), there is no room for a spare region, or the engine refuses. */
function hostMemory(cfg: ReplayConfig): { memory: WebAssembly.Memory; arena: TraceArenaRegion } | null {
  let plan: RunMemoryPlan | null;
  try {
    plan = runMemoryPlan(replayParams(cfg).maxBufferBytes, true);
  } catch {
    return null;
  }
  if (plan === null || plan.spare === null) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
    return { memory, arena: { memory, base: plan.spare.base, bytes: plan.spare.bytes } };
  } catch {
    return null;
  }
}

/** The decode worker of a pipelined replay, started here so that it boots beside the replay worker;
 *  its death is forwarded to the replay worker, and it is stopped when the replay is over. */
function hostDecoderStart(path: string, cfg: ReplayConfig, arena: TraceArenaRegion | undefined): { link: RingDecoder; watch(replay: Worker): void; stop(): void } {
  const { link, worker } = ringDecoderStart(path, { lenient: cfg.lenient, allowTruncated: cfg.allowTruncated, arena });
  return {
    link,
    watch: (replay) => decoderOnGone(worker, (gone) => replay.postMessage({ type: 'decoder', gone } satisfies ReplayWorkerDecoderGone)),
    stop: () => { void worker.terminate(); },
  };
}

function replayInWorker(path: string, cfg: ReplayConfig, control: ReplayControl): ReplayHandle {
  const base = handleBase(control);
  const full: ReplayConfig = { pipeline: path !== '-', ...cfg };
  const piped = full.pipeline === true && path !== '-';
  const shared = piped ? hostMemory(full) : null;
  const decoder = piped ? hostDecoderStart(path, full, shared?.arena) : null;
  const data: ReplayWorkerData = { path: path === '-' ? null : path, cfg: full, control: control.buffer };
  if (decoder) data.decoder = decoder.link;
  if (shared) data.memory = shared.memory;
  const worker = new Worker(replayerWorkerUrl('replayWorker'), { workerData: data, transferList: decoder ? [decoder.link.side] : [] });
  decoder?.watch(worker);
  const stdin = path === '-' ? hostPipeStdin(worker) : null;
  let resolveBuffer!: (b: SharedArrayBuffer) => void;
  const buffer = new Promise<SharedArrayBuffer>((res) => { resolveBuffer = res; });
  const result = new Promise<ReplayResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: ReplayWorkerMessage) => {
      if (m.type === 'ready') resolveBuffer(m.buffer);
      else if (m.type === 'mark') base.emit(m.mark);
      else if (m.type === 'ack') stdin?.ack();
      else if (m.type === 'done') {
        settled = true;
        markSpillAdopt(m.result.marksSpill);
        if (m.threads) m.result.threads = threadRowsUnpack(m.threads);
        resolve(m.result);
      }
      else if (m.type === 'error') { settled = true; reject(replayErrorFromData(m.error)); }
    });
    worker.on('error', (err) => { settled = true; reject(err); });
    worker.on('exit', (code) => {
      decoder?.stop();
      if (path === '-') process.stdin.pause();
      if (!settled) reject(new Error(`replay worker exited with code ${code} before finishing`));
    });
  });
  return { ...base, buffer, result };
}

function replayInProcess(path: string | NodeJS.ReadableStream, cfg: ReplayConfig, control: ReplayControl): ReplayHandle {
  const base = handleBase(control);
  let resolveBuffer!: (b: SharedArrayBuffer) => void;
  const buffer = new Promise<SharedArrayBuffer>((res) => { resolveBuffer = res; });
  const result = replayRun(path, cfg, control, {
    onReady: (alloc) => resolveBuffer(alloc.buffer),
    onMark: (m) => base.emit(m),
  });
  return { ...base, buffer, result };
}

/** Starts replaying `path` ('-' = stdin) under `cfg`. */
export function replayStart(path: string, cfg: ReplayConfig, opts: ReplayStartOptions = {}): ReplayHandle {
  const control = controlCreate();
  if (path !== '-') control.floats[F_BYTES_TOTAL] = fileSize(path);
  return opts.worker === false ? replayInProcess(path, cfg, control) : replayInWorker(path, cfg, control);
}
