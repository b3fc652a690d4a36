// replayer/: streams traces into the allocator model; summaries, marks, OOM reports, comparisons,
// and the worker host. Imports only traces/ and allocator/.

export { traceInfo } from './traceInfo.js';
export type { TraceInfo } from '../traces/index.js';
export { replayRun, replayParams, ReplayCheckError, type ReplayConfig, type ReplayHooks } from './replayCore.js';
export { replayStart, type ReplayHandle, type ReplayStartOptions } from './host.js';
export { replayCompare, replayCompareAll, type CompareAllOptions, type CompareOptions } from './compare.js';
export {
  controlCreate, controlOpen, controlPause, controlProgress, controlQuit, controlSetSpeed, controlStep, controlState,
  ReplayState, REPLAY_STATE_NAMES, CTL_STATE, F_BYTES_READ, F_BYTES_TOTAL, F_EVENTS_DONE, F_EVENTS_TOTAL, F_MARKS, F_SPEED,
  type ControlProgress, type ReplayControl,
} from './control.js';
export type {
  ReplayCheck, ReplayClassRow, ReplayFigures, ReplayMark, ReplayOom, ReplayResult, ReplayThreadRow, ReplayTimeline, ReplayTraceCheck, ThreadState,
} from './result.js';
export { TIMELINE_COLUMNS, TIMELINE_TARGET } from './timeline.js';
export { nativeReplayStart, nativeReplayRun, type NativeHandle, type NativeReplayConfig } from './nativeReplay.js';
export { nativeScan, nativeScanDispose, type NativeScan } from './nativeFeed.js';
export { nativeAllocatorsList, nativeResolve, NATIVE_ALLOCATORS, type NativeAllocator, type NativeAllocatorStatus } from './nativeAllocators.js';
export { nativeReplayer } from './nativeBuild.js';
export { NativeReplayError, type NativeReplayErrorCode } from './nativeError.js';
export { replayIsNative } from './result.js';
export { markSpillLines, MARKS_KEPT } from './markSpill.js';
export type {
  AnyReplayResult, NativeCrash, NativeFigures, NativeInfo, NativeMark, NativeOom, NativeProcessFigures, NativeReplayResult, ReplayFiguresCommon, ReplayResultBase,
} from './result.js';
export { shrinkTrace, SHRINK_MAX_CHUNKS, type ShrinkOptions, type ShrinkProgress, type ShrinkReport } from './shrink.js';
export { ShrinkError } from './shrinkOutcome.js';
