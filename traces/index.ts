// Public API of traces/: the trace format (ops, writer, reader, errors, types). Use only this file.
export {
  OP_ALLOC, OP_FREE, OP_REALLOC, OP_CALLOC, OP_MEMALIGN, OP_THREAD_START, OP_THREAD_EXIT, OP_MARK,
  OP_THREAD_JOIN, OP_THREAD_DETACH, OP_COUNT, OP_COUNT_V1, OP_NAMES, TRACE_MAX_SIZE, opFromName,
  opCountOfVersion,
} from './ops.js';
export { TraceError, TRACE_ERROR_CODES, SKIPPABLE_CODES, type TraceErrorCode } from './errors.js';
export { createTraceWriter, traceFormatFromPath, DEFAULT_CHUNK_EVENTS } from './writer.js';
export { openTrace } from './reader.js';
export { TRACE_MAX_FRAME, TRACE_MAX_CHUNK_EVENTS, TRACE_BATCH_MAX, TRACE_MAX_JSON_LINE } from './limits.js';
export { TRACE_FOOTER_CHECKED } from './footerCheck.js';
export { traceEventToJson, convertTrace, traceCopyStacks } from './convert.js';
export { traceTopSites, type TraceSite, type TraceSitesResult } from './sites.js';
export { TRACE_MAX_STACK_DEPTH, TRACE_MAX_STACKS } from './limits.js';
export { TRACE_MAGIC, TRACE_FORMAT_VERSION, TRACE_READ_VERSIONS, traceSchemaPath } from './schema.js';
export type {
  TraceHeader, TraceHeaderInit, TraceFooter, TraceFooterExtra, EventBatch, TraceReader, TraceWriter,
  TraceFormat, OpenTraceOptions, TraceWriterOptions, TraceFooterField, TraceFooterMismatch, TraceDigestStatus,
  TraceConvertResult, TraceStacks,
} from './types.js';
export { cutTrace, CUT_OPS, type CutOptions, type CutResult } from './cut.js';
export { traceInfo, type TraceInfo, type TraceInfoOptions } from './info.js';
export type { TraceArenaRegion } from './arena.js';
