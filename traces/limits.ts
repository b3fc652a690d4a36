// The reader's size limits: every buffer a reader allocates is bounded by one of these (or by bytes
// it actually received), never by a length or count read from the input alone. A frame, chunk or
// line over its limit is a coded error naming the limit (CORRUPT_CHUNK / BAD_JSON), so memory per
// chunk is bounded whatever the input claims: a gzip bomb of one huge chunk fails fast.
// Invariants: TRACE_MAX_CHUNK_EVENTS equals the writer's largest chunkEvents (so every trace a writer
// can write is read); TRACE_BATCH_MAX >= the default chunk size (65,536), so default chunks are
// applied in one pass and only bigger ones are sliced.

/** Largest protobuf frame (length prefix excluded). */
export const TRACE_MAX_FRAME = 256 << 20;

/** Most events in one protobuf chunk (the writer's chunkEvents is at most this), and most values in any one of its columns. */
export const TRACE_MAX_CHUNK_EVENTS = 1 << 24;

/** Most events in one EventBatch: a bigger chunk is yielded in slices of this many events. */
export const TRACE_BATCH_MAX = 1 << 18;

/** Longest JSON line in bytes (the header and mark lines included). */
export const TRACE_MAX_JSON_LINE = 256 << 20;

/** Most frames in one call stack (a trace with stacks). */
export const TRACE_MAX_STACK_DEPTH = 256;

/** Most call stacks in one trace's stack table (the reader holds the table whole). */
export const TRACE_MAX_STACKS = 1 << 24;
