// `info` as the replayer sees a trace: traces' traceInfo (traces/info.ts) with its size histogram by
// the allocator's default size classes (DEFAULT_PARAMS.sizeClasses, not a copy of them).
import { DEFAULT_PARAMS } from '../allocator/index.js';
import { traceInfo as traceInfoBy, type OpenTraceOptions, type TraceInfo } from '../traces/index.js';

/** Streams `source` once and summarises it; `fileBytes` is the on-disk size when known. */
export function traceInfo(source: string | NodeJS.ReadableStream, opts: OpenTraceOptions & { fileBytes?: number } = {}): Promise<TraceInfo> {
  return traceInfoBy(source, { ...opts, sizeClasses: DEFAULT_PARAMS.sizeClasses });
}
