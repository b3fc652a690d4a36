// replayer/: streams traces into the allocator model; summaries, marks, OOM reports, comparisons.
// Imports only traces/ and allocator/.

export { traceInfo, INFO_SIZE_CLASSES, type TraceInfo } from './traceInfo.js';
