// Recording a generated workload into a trace: plan it, open a writer with the plan's header, run it,
// close the writer (footer). On an interrupt or error the writer is aborted, which leaves the events
// written so far readable (a trace without footer, reported as truncated), and the error goes on.

import { createTraceWriter, type TraceFooter, type TraceWriterOptions } from '../traces/index.js';
import { workloadCheckpoint, type WorkloadOptions, type WorkloadPlan } from './workload.js';
import { WorkloadArgError } from './workloadArgs.js';
import { WORKLOADS, workloadFind } from './workloads/index.js';

export const RECORDER_NAME = 'slabtrace-generator';
const PAGE_SIZE = 4096;

export function recordPlan(workload: string, args: string[], opts: WorkloadOptions): WorkloadPlan {
  const w = workloadFind(workload);
  if (!w) {
    throw new WorkloadArgError(workload, `unknown workload; expected one of ${WORKLOADS.map((x) => x.name).join(', ')}`);
  }
  return w.plan(args, opts);
}

export interface RecordOptions extends WorkloadOptions {
  writer?: TraceWriterOptions;
  /** Recorder version string for the header. */
  version?: string;
  /** Aborting it stops the recording at the next checkpoint; the trace is left truncated. */
  signal?: AbortSignal;
}

/** Records `workload` into `dest` (a path, '-' for stdout, or a stream); resolves with the footer. */
export async function recordWorkload(
  workload: string, args: string[], dest: string | NodeJS.WritableStream, opts: RecordOptions = {},
): Promise<TraceFooter> {
  const plan = recordPlan(workload, args, opts);
  const w = createTraceWriter(dest, {
    workload: plan.workload,
    params: plan.params,
    args: plan.args,
    recorder: `${RECORDER_NAME} ${opts.version ?? ''}`.trim(),
    seed: plan.seed,
    threads: plan.threads,
    pageSize: PAGE_SIZE,
    createdAtMs: 0,
    expectedEvents: plan.expectedEvents,
  }, opts.writer);
  try {
    await plan.run(w, workloadCheckpoint(w, opts.signal));
  } catch (err) {
    await w.abort();
    throw err;
  }
  return w.close();
}
