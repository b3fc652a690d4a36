// The CLI edge: user mistakes and bad input become one clear line on stderr and a distinct exit code;
// anything else is a bug and is printed with its stack and a request to report it.
// Exit codes: 0 done · 1 internal error · 2 bad usage or bad trace · 3 OOM reproduced · 130 interrupted.

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_OOM = 3;
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the command was called (exit 2, no stack). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Codes of errors that are the user's input, not our bug: traces, workload args, allocator params. */
const USER_ERROR_CODES = new Set([
  'USAGE', 'BAD_WORKLOAD_ARGS', 'ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EROFS', 'EPERM', 'EFBIG', 'ENAMETOOLONG', 'EDQUOT',
]);
/** Error classes whose every instance is about the user's input or environment. */
const USER_ERROR_NAMES = new Set(['TraceError', 'AllocConfigError', 'MtraceError', 'NativeCaptureError', 'WorkloadArgError', 'UsageError']);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the error is the user's (bad usage, bad trace, bad file) rather than a bug. */
export function cliIsUserError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (USER_ERROR_NAMES.has(err.name)) return true;
  const code = errorCode(err);
  return code !== undefined && USER_ERROR_CODES.has(code);
}

export function cliIsInterrupt(err: unknown): boolean {
  return errorCode(err) === 'INTERRUPTED';
}

/** A write into a pipe whose reader went away (`… -o - | head`): the output simply ends. */
export function cliIsBrokenPipe(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return errorCode(err) === 'EPIPE' || (errorCode(err) === 'IO' && /\bEPIPE\b/.test(err.message));
}

/** Prints the error the way its kind deserves and returns the exit code. */
export function cliReportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (cliIsBrokenPipe(err)) return EXIT_OK;
  if (cliIsInterrupt(err)) {
    stderr.write(`slabtrace: interrupted\n`);
    return EXIT_INTERRUPTED;
  }
  if (cliIsUserError(err)) {
    const e = err as Error & { code?: string; path?: string };
    const text = e.name === 'Error' && e.path ? `${e.path}: ${e.message}` : e.message;
    stderr.write(`slabtrace: ${text}\n`);
    return EXIT_USAGE;
  }
  const stack = err instanceof Error ? err.stack ?? String(err) : String(err);
  stderr.write(`slabtrace: internal error — this is a bug, please report it with the command you ran:\n${stack}\n`);
  return EXIT_INTERNAL;
}
