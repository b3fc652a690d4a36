// The CLI edge: turns an error into what the user sees and an exit code, by the error's kind carried as
// data (`kind`: user | bug | interrupt; system errors by their errno). The user's (bad usage, a bad
// trace, a file that cannot be read or written) is one line on stderr, with a hint where one helps
// (mtrace output given as a trace), exit 2; an interrupt prints "interrupted", exit 130; a reader that
// went away (EPIPE) ends the output quietly, exit 0; anything else is a bug: its stack and a request to
// report it, exit 1. The codes themselves are in exitCodes.ts (README lists them all).

import { closeSync, openSync, readSync } from 'node:fs';
import { EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exitCodes.js';

/** A mistake in how the command was called (exit 2, no stack). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  readonly kind = 'user';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Whose an error is: the user's (bad usage, bad input, the environment: exit 2), an interrupt (130), or
 *  ours (a bug: exit 1). Carried as data by every error class of the tool (`kind`), also across the
 *  worker boundary; system errors are judged by their errno. */
type ErrorKind = 'user' | 'bug' | 'interrupt';

/** errno codes that are about the user's files or machine, not a bug. */
const USER_ERRNO = new Set([
  'ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EROFS', 'EPERM', 'EFBIG', 'ENAMETOOLONG', 'EDQUOT', 'EMFILE', 'EEXIST',
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorKind(err: unknown): ErrorKind {
  const kind = (err as { kind?: unknown } | null)?.kind;
  if (kind === 'user' || kind === 'bug' || kind === 'interrupt') return kind;
  const code = errorCode(err);
  if (code === 'INTERRUPTED') return 'interrupt';
  return code !== undefined && USER_ERRNO.has(code) ? 'user' : 'bug';
}

/** True when the error is the user's (bad usage, bad trace, bad file) rather than a bug. */
function cliIsUserError(err: unknown): boolean {
  return err instanceof Error && errorKind(err) === 'user';
}

function cliIsInterrupt(err: unknown): boolean {
  return errorKind(err) === 'interrupt';
}

/** A write into a pipe whose reader went away (`… -o - | head`): the output simply ends. */
function cliIsBrokenPipe(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return errorCode(err) === 'EPIPE' || (errorCode(err) === 'IO' && /\bEPIPE\b/.test(err.message));
}

/** A hint for an input that is not a trace but something slabtrace can import or read otherwise. */
function cliHint(err: unknown): string {
  const e = err as { code?: string; file?: string };
  if (e.code !== 'BAD_MAGIC' || typeof e.file !== 'string') return '';
  let head = '';
  try {
    const fd = openSync(e.file, 'r');
    const buf = Buffer.alloc(256);
    head = buf.subarray(0, readSync(fd, buf, 0, 256, 0)).toString('latin1');
    closeSync(fd);
  } catch { return ''; }
  if (/^(= Start|@ .*[+-] 0x)/m.test(head)) return ': this looks like glibc mtrace output: use `slabtrace import mtrace`';
  return '';
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
    stderr.write(`slabtrace: ${text}${cliHint(err)}\n`);
    return EXIT_USAGE;
  }
  const stack = err instanceof Error ? err.stack ?? String(err) : String(err);
  stderr.write(`slabtrace: internal error — this is a bug, please report it with the command you ran:\n${stack}\n`);
  return EXIT_INTERNAL;
}
