// Event op codes of the trace format (stable wire values) and their names.
// Invariant: op codes are 0..OP_COUNT-1 and OP_NAMES[op] is the JSON name of op. Format version 1
// has ops 0..7 (OP_COUNT_V1); version 2 adds thread_join and thread_detach (8, 9).
export const OP_ALLOC = 0;
export const OP_FREE = 1;
export const OP_REALLOC = 2;
export const OP_CALLOC = 3;
export const OP_MEMALIGN = 4;
export const OP_THREAD_START = 5;
export const OP_THREAD_EXIT = 6;
export const OP_MARK = 7;
/** tid joins thread `target` (EventBatch.aux); format version 2. */
export const OP_THREAD_JOIN = 8;
/** tid detaches thread `target` (EventBatch.aux; may be tid itself); format version 2. */
export const OP_THREAD_DETACH = 9;
export const OP_COUNT = 10;
/** Ops of format version 1 are 0..OP_COUNT_V1-1. */
export const OP_COUNT_V1 = 8;

export const OP_NAMES: readonly string[] = Object.freeze([
  'alloc', 'free', 'realloc', 'calloc', 'memalign', 'thread_start', 'thread_exit', 'mark',
  'thread_join', 'thread_detach',
]);

/** Largest valid object size (2^40 bytes). */
export const TRACE_MAX_SIZE = 2 ** 40;

/** Number of ops of a format version (the reader rejects higher op codes as UNKNOWN_OP). */
export function opCountOfVersion(formatVersion: number): number {
  return formatVersion >= 2 ? OP_COUNT : OP_COUNT_V1;
}

/** op name → code, -1 if unknown (names of every version; see opCountOfVersion). */
export function opFromName(name: unknown): number {
  switch (name) {
    case 'alloc': return OP_ALLOC;
    case 'free': return OP_FREE;
    case 'realloc': return OP_REALLOC;
    case 'calloc': return OP_CALLOC;
    case 'memalign': return OP_MEMALIGN;
    case 'thread_start': return OP_THREAD_START;
    case 'thread_exit': return OP_THREAD_EXIT;
    case 'mark': return OP_MARK;
    case 'thread_join': return OP_THREAD_JOIN;
    case 'thread_detach': return OP_THREAD_DETACH;
    default: return -1;
  }
}
