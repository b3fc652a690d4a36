// Public data types of the trace format: header, footer, the reused event batch, reader and writer.
import type { TraceArenaRegion } from './arena.js';
import type { TraceError } from './errors.js';
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
  /**
   * 0: no call stacks. Else (format version 2) the trace has a stack table (TraceReader.stacks) and a
   * stack id per allocation (EventBatch.stack); the value is the capture's most frames per stack.
   */
  stackDepth: number;
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
  /** > 0: the trace carries call stacks (defineStack, the stack argument of the alloc calls). Version 2. */
  stackDepth?: number;
}

/** The stack table of a trace with stacks: ids 1..count; frames innermost first. */
export interface TraceStacks {
  /** Stacks defined so far (a reader: read so far; every id in a batch yielded is defined). */
  readonly count: number;
  /** The frames of stack id (1..count), innermost first; [] for 0 or an unknown id. */
  frames(id: number): string[];
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
 * One reused struct of typed arrays; valid until the next iteration. Entries 0..count-1 are valid
 * and are the consecutive stream events first..first+count-1: entry i is global event first + i, in
 * every form and chunking (a skipped event in lenient mode ends a batch; the next starts after it).
 * A batch holds at most one chunk and at most TRACE_BATCH_MAX events (a bigger chunk comes in slices).
 * id: for alloc kinds the assigned id, for free/realloc the id (a realloc keeps its id).
 * size: alloc kinds and realloc, else 0. aux: memalign alignment; mark index into markNames;
 * thread_join / thread_detach the target thread id (tid is the joining / detaching thread); else 0.
 */
export interface EventBatch {
  count: number;
  /** Global index (in the stream, skipped events counted) of entry 0. */
  first: number;
  chunk: number;
  /** Byte offset (decompressed stream) of the chunk frame, or of the first line (JSON). */
  byteOffset: number;
  op: Uint8Array;
  tid: Uint32Array;
  id: Uint32Array;
  size: Float64Array;
  aux: Uint32Array;
  /**
   * Traces with stacks (header stackDepth > 0) only: the stack id of alloc kinds and realloc (0 =
   * unknown), else 0. A reader's batches always have it; in a trace without stacks its entries are
   * not written. (Optional so that batches made elsewhere, e.g. from a ring, need not carry it.)
   */
  stack?: Uint32Array;
  markNames: string[];
}

export type TraceFormat = 'pb' | 'json';

export interface OpenTraceOptions {
  format?: 'auto' | TraceFormat;
  /**
   * Skip and count bad events (id, thread, size, alignment, join/detach kinds) instead of throwing;
   * footer fields that disagree are recorded in footerMismatches instead of thrown as BAD_FOOTER.
   */
  lenient?: boolean;
  /**
   * A stream cut short (no footer, or a gzip stream that ends early, in any form) ends quietly after
   * the last complete event (protobuf: the last complete chunk; JSON: the last complete line), with
   * truncated = true, instead of throwing TRUNCATED.
   */
  allowTruncated?: boolean;
  /** Check the footer digest (default true). */
  verifyDigest?: boolean;
  /** Check the id/thread/size rules (default true). Off: faster; the footer's counts only are checked. */
  validate?: boolean;
  /** JSON: events per batch (default 65536). Protobuf: a batch is at most one chunk. */
  batchEvents?: number;
  /**
   * Sets of batch columns the reader writes successive batches into, in turn (default 1): a consumer
   * may go on using the last batchSets - 1 batches yielded while the next one is read (e.g. another
   * thread reading them through sharedMemory).
   */
  batchSets?: number;
  /**
   * Where the reader's arena (sharedMemory) goes: a region of a shared memory made elsewhere (the
   * replay's host puts it in the allocator's memory, so the replay worker reads the batches where its
   * kernel runs). Default: a memory of the reader's own.
   */
  arena?: TraceArenaRegion;
  /** Name used in error messages (default: the path, or '<stdin>' / '<stream>'). */
  name?: string;
}

/** Footer fields a reader compares with what it read (foreignFrees / nullFrees cannot be). */
export type TraceFooterField = Exclude<keyof TraceFooter, 'foreignFrees' | 'nullFrees'>;

/** A footer field that disagrees with what was read, and the BAD_FOOTER error naming it. */
export interface TraceFooterMismatch {
  field: TraceFooterField;
  /** The footer's value. */
  footer: number | string;
  /** What the reader read (counts: events read; figures and digest: events applied). */
  read: number | string;
  error: TraceError;
}

/**
 * The footer digest against the events applied: 'verified' (equal), 'mismatch' (lenient only; a
 * strict reader throws BAD_FOOTER), 'unchecked' (no footer yet or none at all, verifyDigest or
 * validate off).
 */
export type TraceDigestStatus = 'verified' | 'mismatch' | 'unchecked';

export interface TraceReader {
  readonly header: TraceHeader;
  /** The stack table read so far (empty unless header.stackDepth > 0). */
  readonly stacks: TraceStacks;
  readonly format: TraceFormat;
  readonly gzip: boolean;
  batches(): AsyncIterableIterator<EventBatch>;
  /** Set once the footer was read (after batches() is exhausted). */
  readonly footer: TraceFooter | null;
  /** The stream was cut short (allowTruncated): no footer, or a gzip stream that ends early. */
  readonly truncated: boolean;
  /**
   * Events read from the stream so far, skipped ones included: the global index of the next event.
   * After batches() is exhausted, the stream's event count (what the footer's `events` says), the
   * same in every form and chunking.
   */
  readonly events: number;
  /** Events yielded in batches so far (events - skipped). */
  readonly applied: number;
  /** Bad events skipped so far (lenient). */
  readonly skipped: number;
  /** Lenient, a trace with stacks: allocations whose stack id was not defined, read as 0 (not skipped). */
  readonly badStacks: number;
  /** Digest (16 hex digits) of the events applied so far; null when not computed (verifyDigest or validate off). */
  readonly digest: string | null;
  readonly digestStatus: TraceDigestStatus;
  /**
   * Lenient mode: every footer field that disagrees with what was read (a strict reader throws the
   * first one's BAD_FOOTER instead, so this is empty after a strict read).
   */
  readonly footerMismatches: readonly TraceFooterMismatch[];
  /** Compressed (raw) bytes consumed so far. */
  readonly bytesRead: number;
  /**
   * The shared memory a validating reader writes its batch columns into (protobuf: where its fused
   * kernel decodes); null for an unchecked reader, or when the engine refused the memory. A batch whose
   * op, tid, id, size and aux columns are in it (inSharedMemory) can be read on another thread given
   * this memory, by the columns' byteOffset and the batch's count.
   */
  readonly sharedMemory: WebAssembly.Memory | null;
  /** Whether view lies in sharedMemory. */
  inSharedMemory(view: ArrayBufferView): boolean;
  /** Stop reading and release the source. */
  close(): Promise<void>;
}

/** What convertTrace wrote and read. */
export interface TraceConvertResult {
  /** The footer written to dest (a complete trace of the events converted). */
  footer: TraceFooter;
  /** The source's footer; null when the source was cut short (allowTruncated). */
  sourceFooter: TraceFooter | null;
  /** The source was cut short (read with allowTruncated): footer.events of its events were salvaged. */
  truncated: boolean;
  /** Events read from the source, skipped ones included (reader.events). */
  events: number;
  /** Bad source events skipped (lenient), not written. */
  skipped: number;
  /** The source footer's digest against the events converted. */
  digestStatus: TraceDigestStatus;
  /** Lenient: the source footer's fields that disagree with what was read. */
  footerMismatches: readonly TraceFooterMismatch[];
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

/**
 * The alloc kinds and realloc take an optional stack id (a trace with stacks: 0 = unknown, else an id
 * from defineStack; a trace without stacks: 0 only, else BAD_STACK).
 */
export interface TraceWriter {
  alloc(tid: number, size: number, stack?: number): number;
  calloc(tid: number, size: number, stack?: number): number;
  memalign(tid: number, align: number, size: number, stack?: number): number;
  free(tid: number, id: number): void;
  realloc(tid: number, id: number, size: number, stack?: number): number;
  /** Adds a call stack (frames innermost first) to the table; returns its id (1, 2, ...). Header stackDepth > 0 only. */
  defineStack(frames: readonly string[]): number;
  /** The writer's stack table so far. */
  readonly stacks: TraceStacks;
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
