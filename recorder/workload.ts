// The shape every workload generator has: parse its arguments into a plan (pure, validated), then
// run the plan against a trace writer. A plan is a complete description of the trace it will write:
// the same plan always writes the same events (generators are seeded and never read the clock).

import type { TraceWriter } from '../traces/index.js';

export interface WorkloadOptions {
  /** Seed for generators that take one as an option (larson takes it positionally). */
  seed?: number;
  /** battle: comma-separated scales. scaling: comma-separated test sizes. */
  scales?: string;
  /** larson: operations per second that turn `seconds` into an operation budget. */
  rate?: number;
  /** larson: explicit operation budget (overrides seconds × rate). */
  ops?: number;
  /** larson: mean scheduler quantum, in operations. */
  quantum?: number;
}

export interface WorkloadPlan {
  workload: string;
  /** Parameters as recorded in the trace header. */
  params: Record<string, string>;
  /** The positional arguments as given. */
  args: string[];
  seed: number;
  /** Threads running at once (0 when unknown). */
  threads: number;
  /** Events the plan will write, when known exactly in advance; 0 otherwise. */
  expectedEvents: number;
  /** Writes the events; awaits `checkpoint()` between runs of events (backpressure, interrupts). */
  run(w: TraceWriter, checkpoint: WorkloadCheckpoint): Promise<void>;
}

export interface Workload {
  name: string;
  summary: string;
  /** Positional-argument synopsis for --help. */
  usage: string;
  plan(args: string[], opts: WorkloadOptions): WorkloadPlan;
}

/** Awaited by generators between runs of events: lets the sink drain and stops on an interrupt. */
export type WorkloadCheckpoint = () => Promise<void>;

/** Thrown by a checkpoint once the recording was interrupted (the trace is left truncated). */
export class RecordInterrupted extends Error {
  readonly code = 'INTERRUPTED';
  readonly kind = 'interrupt';
  constructor() {
    super('recording interrupted');
    this.name = 'RecordInterrupted';
  }
}

export function workloadCheckpoint(w: TraceWriter, signal?: AbortSignal): WorkloadCheckpoint {
  return async () => {
    if (signal?.aborted) throw new RecordInterrupted();
    if (w.needsDrain) await w.drain();
  };
}
