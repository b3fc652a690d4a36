// Where a command's trace comes from and goes to: a path, or '-' for stdin / stdout. An input path is
// checked first, so every command says the same thing about a missing file, a directory or a file it
// may not read.

import { accessSync, constants, statSync } from 'node:fs';
import { UsageError } from '../errors.js';

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
