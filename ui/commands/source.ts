// Where a command's trace comes from and goes to: a path, or '-' for stdin / stdout.

export function traceSource(file: string): string | NodeJS.ReadableStream {
  return file === '-' ? process.stdin : file;
}

export function traceDest(file: string): string | NodeJS.WritableStream {
  return file === '-' ? process.stdout : file;
}
