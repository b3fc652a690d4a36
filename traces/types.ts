// Public data types of the trace format: header, footer, the reused event batch, reader and writer.
export interface TraceHeader {
  magic: string;
  /** 1 or 2 (TRACE_READ_VERSIONS). Version 1 has no thread_join/thread_detach events. */
  formatVersion: number;
  workload: string;
  params: Record<string, string>;
  args: string[];
  recorder: string;
  seed: number;
  threads: number;
  pageSize: number;
  createdAtMs: number;
  expectedEvents: number;
  /** The writer's chunk size; 0 if unknown. */
  chunkEvents: number;
}

/** What a generator passes to createTraceWriter; magic/formatVersion are filled in. */
export interface TraceHeaderInit {
  workload: string;
  recorder: string;
  params?: Record<string, string>;
  args?: string[];
  seed?: number;
  threads?: number;
  pageSize?: number;
  createdAtMs?: number;
  expectedEvents?: number;
  chunkEvents?: number;
  magic?: string;
  /** Default TRACE_FORMAT_VERSION (2); 1 reproduces a version-1 trace (no join/detach events). */
  formatVersion?: number;
}

export interface TraceFooter {
  events: number;
  allocs: number;
  frees: number;
  reallocs: number;
  callocs: number;
  memaligns: number;
  threadStarts: number;
  threadExits: number;
  marks: number;
  peakLiveObjects: number;
  peakLiveBytes: number;
  bytesAllocated: number;
  threadsSeen: number;
  /** 16 lowercase hex digits: lane 2 (hi) then lane 1 (lo). */
  digest: string;
  foreignFrees: number;
  nullFrees: number;
  /** thread_join events (0 in a version-1 trace, whose footer does not have the field). */
  threadJoins: number;
  /** thread_detach events (0 in a version-1 trace). */
  threadDetaches: number;
}

/**
 * One reused struct of typed arrays; valid until the next iteration. Entries 0..count-1 are valid.
 * id: for alloc kinds the assigned id, for free/realloc the id (a realloc keeps its id).
 * size: alloc kinds and realloc, else 0. aux: memalign alignment; mark index into markNames;
 * thread_join / thread_detach the target thread id (tid is the joining / detaching thread); else 0.
 */
export interface EventBatch {
  count: number;
  /** Global index of event 0 (in lenient mode, later entries may follow skipped events). */
  first: number;
  chunk: number;
  /** Byte offset (decompressed stream) of the chunk frame, or of the first line (JSON). */
  byteOffset: number;
  op: Uint8Array;
  tid: Uint32Array;
  id: Uint32Array;
  size: Float64Array;
  aux: Uint32Array;
  markNames: string[];
}

export type TraceFormat = 'pb' | 'json';

export interface OpenTraceOptions {
  format?: 'auto' | TraceFormat;
  /** Skip and count bad events (id, thread, size, alignment kinds) instead of throwing. */
  lenient?: boolean;
  /** End quietly at the last complete chunk when the footer is missing. */
  allowTruncated?: boolean;
  /** Check the footer digest (default true). */
  verifyDigest?: boolean;
  /** Check the id/thread/size rules (default true). Off: faster, no digest check. */
  validate?: boolean;
  /** JSON: events per batch (default 65536). Protobuf: a batch is at most one chunk. */
  batchEvents?: number;
  /** Name used in error messages (default: the path, or '<stdin>' / '<stream>'). */
  name?: string;
}

export interface TraceReader {
  readonly header: TraceHeader;
  readonly format: TraceFormat;
  readonly gzip: boolean;
  batches(): AsyncIterableIterator<EventBatch>;
  /** Set once the footer was read (after batches() is exhausted). */
  readonly footer: TraceFooter | null;
  readonly truncated: boolean;
  readonly skipped: number;
  /** Compressed (raw) bytes consumed so far. */
  readonly bytesRead: number;
  /** Stop reading and release the source. */
  close(): Promise<void>;
}

export interface TraceWriterOptions {
  format?: TraceFormat;
  gzip?: boolean;
  chunkEvents?: number;
  /** Name used in error messages (default: the path, or '<stdout>' / '<stream>'). */
  name?: string;
}

export interface TraceFooterExtra {
  foreignFrees?: number;
  nullFrees?: number;
}

export interface TraceWriter {
  alloc(tid: number, size: number): number;
  calloc(tid: number, size: number): number;
  memalign(tid: number, align: number, size: number): number;
  free(tid: number, id: number): void;
  realloc(tid: number, id: number, size: number): number;
  threadStart(tid: number): void;
  threadExit(tid: number): void;
  /** Thread tid (live) joins thread target (exited, not yet joined or detached). Format version 2. */
  threadJoin(tid: number, target: number): void;
  /** Thread tid (live) detaches thread target (started, not yet joined or detached; may be tid). Format version 2. */
  threadDetach(tid: number, target: number): void;
  mark(tid: number, name: string): void;
  /** Events written so far. */
  readonly events: number;
  readonly needsDrain: boolean;
  drain(): Promise<void>;
  close(extra?: TraceFooterExtra): Promise<TraceFooter>;
  abort(): Promise<void>;
}
