// recorder/: everything that makes a trace. Seeded workload generators (scaling, battle, larson,
// random-mixed) recorded into traces; native capture of a real program (`record exec`: the LD_PRELOAD
// library in native/, its raw log converted per process, with optional call stacks); the glibc mtrace
// importer; the C workloads run natively (for benches). Imports only traces/.

export { recordPlan, recordWorkload, RECORDER_NAME, type RecordOptions } from './record.js';
export { WORKLOADS, workloadFind } from './workloads/index.js';
export { RecordInterrupted, type Workload, type WorkloadOptions, type WorkloadPlan } from './workload.js';
export { WorkloadArgError, parseCount } from './workloadArgs.js';
export { LARSON_DEFAULT_RATE, LARSON_DEFAULT_QUANTUM, larsonParse, type LarsonParams } from './workloads/larson.js';
export { lran2Create, lran2Next, sfc32Create, sfc32Next } from './rng.js';
export {
  recordExec, NATIVE_RECORDER_NAME, EXEC_STACK_DEPTH_DEFAULT, EXEC_STACK_DEPTH_MAX, type RecordExecOptions, type RecordExecOutput, type RecordExecResult,
} from './exec.js';
export {
  EXEC_EXIT_CANNOT_RUN, EXEC_EXIT_INCOMPLETE, EXEC_EXIT_NOT_FOUND, execExitStatus, type ExecProblem, type ExecVerdict,
} from './execStatus.js';
export { importMtrace, MtraceError, type MtraceImportOptions, type MtraceImportSummary } from './mtrace.js';
export { nativeLarsonOpsPerSec, nativeWorkloadRun } from './nativeWorkloads.js';
export { nativeArtifacts } from './nativeBuild.js';
export { NativeCaptureError } from './nativeError.js';
