// Where a command's trace comes from and goes to: a path, or '-' for stdin / stdout. An input path is
// checked first, so every command says the same thing about a missing file, a directory or a file it
// may not read. A long read of an input (convert, import, info) goes through sourceReading: the
// command's own stream, with a progress line of the bytes read.

import { accessSync, constants, createReadStream, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { byteProgressOfStream, byteProgressStart } from '../progressLine.js';

/** Throws the same UsageError from every command when `file` cannot be read as an input. */
export function sourceCheck(file: string): void {
  if (file === '-') return;
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    throw new UsageError(`${file}: no such file`);
  }
  if (isDir) throw new UsageError(`${file}: is a directory, not a trace`);
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new UsageError(`${file}: permission denied`);
  }
}

export function traceSource(file: string): string | NodeJS.ReadableStream {
  sourceCheck(file);
  return file === '-' ? process.stdin : file;
}

export function traceDest(file: string): string | NodeJS.WritableStream {
  return file === '-' ? process.stdout : file;
}

/**
 * Runs `work` on `file`'s stream (stdin for '-'; a file checked as sourceCheck does), showing the bytes
 * read on a progress line (`verb label: …`, none with `quiet`); the line is stopped and a file stream
 * closed when the work ends, however it ends.
 */
export async function sourceReading<T>(file: string, verb: string, quiet: boolean | undefined, work: (source: NodeJS.ReadableStream) => Promise<T>): Promise<T> {
  sourceCheck(file);
  const source = file === '-' ? process.stdin : createReadStream(file);
  const progress = byteProgressStart(`${verb} ${file === '-' ? '<stdin>' : file}`, 'read', byteProgressOfStream(source, file), { quiet });
  try {
    return await work(source);
  } finally {
    progress.stop();
    if (source !== process.stdin) source.destroy();
  }
}
