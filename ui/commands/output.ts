// Writing a command's output file safely: the output goes to a temporary file beside it and is renamed
// over OUT only when the command succeeds — or, where the command says so, when it is interrupted (a
// recording is left readable but truncated, as documented) — so a failed or killed command leaves no
// partial file and never destroys an existing one. An output that is the same file as an input is
// refused before anything is opened. '-' (stdout) is passed through: binary output is refused when
// stdout is a terminal.
// Invariant: at most one temporary file per output, removed on every path that does not rename it
// (including SIGINT / SIGTERM while the output is being written).

import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

interface OutputOptions {
  /** Inputs that must not be the output file. */
  inputs?: string[];
  /** Keep (rename into place) the partial output when the work fails with this error. */
  keepOn?: (err: unknown) => boolean;
  /** The output is binary (protobuf): refuse to write it to a terminal. */
  binary?: boolean;
}

let tmpSerial = 0;

function outputSameFile(a: string, b: string): boolean {
  if (!existsSync(a) || !existsSync(b)) return false;
  const x = statSync(a);
  const y = statSync(b);
  return x.dev === y.dev && x.ino === y.ino;
}

/** Refuses an output that is one of the inputs, or binary output to a terminal. */
export function outputCheck(out: string, opts: OutputOptions = {}): void {
  if (out === '-') {
    if (opts.binary && process.stdout.isTTY) {
      throw new UsageError('refusing to write a binary trace to a terminal: use -o FILE, a pipe, or a .json output');
    }
    return;
  }
  for (const input of opts.inputs ?? []) {
    if (input !== '-' && outputSameFile(out, input)) throw new UsageError(`output ${out} is the same file as the input ${input}: choose another output`);
  }
}

/** A temporary name beside `out` that keeps its extensions (the format is read from the name). */
function outputTempName(out: string): string {
  return join(dirname(out), `.slabtrace-${process.pid}-${++tmpSerial}.${basename(out)}`);
}

/**
 * Runs `write` with the destination to use (a temporary path, or '-'), then renames the temporary file
 * over `out`. On failure the temporary file is removed (or kept as `out` when `keepOn` says so) and the
 * error is rethrown; a SIGINT/SIGTERM that ends the process meanwhile also removes it.
 */
export async function outputAtomic<T>(out: string, write: (dest: string) => Promise<T>, opts: OutputOptions = {}): Promise<T> {
  outputCheck(out, opts);
  if (out === '-') return write(out);
  const tmp = outputTempName(out);
  const onExit = (): void => { rmSync(tmp, { force: true }); };
  process.on('exit', onExit);
  try {
    const result = await write(tmp);
    renameSync(tmp, out);
    return result;
  } catch (err) {
    if (opts.keepOn?.(err) && existsSync(tmp)) renameSync(tmp, out);
    else rmSync(tmp, { force: true });
    throw err;
  } finally {
    process.off('exit', onExit);
  }
}
