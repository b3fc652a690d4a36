// Event op codes of the trace format (stable wire values) and their names.
// Invariant: op codes are 0..OP_COUNT-1 and OP_NAMES[op] is the JSON name of op.
export const OP_ALLOC = 0;
export const OP_FREE = 1;
export const OP_REALLOC = 2;
export const OP_CALLOC = 3;
export const OP_MEMALIGN = 4;
export const OP_THREAD_START = 5;
export const OP_THREAD_EXIT = 6;
export const OP_MARK = 7;
export const OP_COUNT = 8;

export const OP_NAMES: readonly string[] = Object.freeze([
  'alloc', 'free', 'realloc', 'calloc', 'memalign', 'thread_start', 'thread_exit', 'mark',
]);

/** Largest valid object size (2^40 bytes). */
export const TRACE_MAX_SIZE = 2 ** 40;

/** op name → code, -1 if unknown. */
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
    default: return -1;
  }
}
