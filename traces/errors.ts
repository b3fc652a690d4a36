// TraceError: every problem with a trace (bad input, bad writer call, I/O) is one of these, with a
// code, the file, the byte offset of the frame or line in the decompressed stream, the chunk and the
// global event index (-1 when not applicable). Constructors here are cold helpers for hot loops.
export const TRACE_ERROR_CODES = [
  'FREE_NOT_LIVE', 'DOUBLE_FREE', 'ALLOC_LIVE', 'BAD_ID', 'UNKNOWN_OP', 'BAD_SIZE', 'BAD_ALIGN',
  'THREAD_ORDER', 'JOIN_UNKNOWN', 'JOIN_LIVE', 'JOIN_TWICE', 'DETACH_UNKNOWN', 'DETACH_TWICE',
  'BAD_STACK', 'BAD_MAGIC', 'BAD_VERSION', 'TRUNCATED', 'CORRUPT_CHUNK', 'BAD_FOOTER', 'BAD_JSON', 'IO',
] as const;
export type TraceErrorCode = (typeof TRACE_ERROR_CODES)[number];

/** Codes of bad single events: skipped and counted in lenient mode instead of thrown. */
export const SKIPPABLE_CODES: ReadonlySet<TraceErrorCode> = new Set<TraceErrorCode>([
  'FREE_NOT_LIVE', 'DOUBLE_FREE', 'ALLOC_LIVE', 'BAD_ID', 'BAD_SIZE', 'BAD_ALIGN', 'THREAD_ORDER',
  'JOIN_UNKNOWN', 'JOIN_LIVE', 'JOIN_TWICE', 'DETACH_UNKNOWN', 'DETACH_TWICE', 'BAD_STACK',
]);

export interface TraceErrorInit {
  code: TraceErrorCode;
  file: string;
  offset: number;
  chunk: number;
  event: number;
  detail: string;
  expected?: string;
}

export class TraceError extends Error {
  /** Whose the error is (the CLI turns kinds into exit codes): a bad trace is the user's input. */
  readonly kind = 'user';
  readonly code: TraceErrorCode;
  readonly file: string;
  readonly offset: number;
  readonly chunk: number;
  readonly event: number;
  readonly expected?: string;
  readonly detail: string;

  constructor(init: TraceErrorInit) {
    super(traceErrorMessage(init));
    this.name = 'TraceError';
    this.code = init.code;
    this.file = init.file;
    this.offset = init.offset;
    this.chunk = init.chunk;
    this.event = init.event;
    this.detail = init.detail;
    if (init.expected !== undefined) this.expected = init.expected;
  }
}

/** `file: byte 1234 (chunk 3, event 196612): CODE: detail (expected ...)` on one line. */
export function traceErrorMessage(e: TraceErrorInit): string {
  const where: string[] = [];
  if (e.chunk >= 0) where.push(`chunk ${e.chunk}`);
  if (e.event >= 0) where.push(`event ${e.event}`);
  const pos = e.offset >= 0 ? `: byte ${e.offset}` : '';
  const paren = where.length ? ` (${where.join(', ')})` : '';
  const exp = e.expected !== undefined ? ` (expected ${e.expected})` : '';
  const detail = e.detail.replace(/[\r\n]+/g, ' ');
  return `${e.file}${pos}${paren}: ${e.code}: ${detail}${exp}`;
}

export function traceError(
  code: TraceErrorCode, file: string, offset: number, chunk: number, event: number,
  detail: string, expected?: string,
): TraceError {
  return new TraceError({ code, file, offset, chunk, event, detail, expected });
}
