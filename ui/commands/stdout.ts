// Writing bulk output to stdout with backpressure, ending quietly when the reader goes away
// (`slabtrace dump big.pb | head` must not print an EPIPE error), and the one watcher of stdout's
// errors (installed by bin.ts): a reader that went away (EPIPE) ends the output quietly; any other write
// failure (a full disk: `info x.pb > /dev/full`) is reported once, with its cause, as exit 2.

let failure: NodeJS.ErrnoException | null = null;
let watching = false;

/** Starts recording stdout's first error (idempotent). */
export function stdoutWatch(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { failure ??= err; });
}

/** stdout's first write error, if any. */
export function stdoutFailure(): NodeJS.ErrnoException | null {
  return failure;
}

/** Writes `text`; resolves false once stdout is closed by the reader (or failed). */
export async function stdoutWrite(text: string): Promise<boolean> {
  stdoutWatch();
  if (failure) return false;
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('error', done);
    });
  }
  return failure === null;
}

/** The terminal's width when stdout is one; Infinity when output goes to a pipe or a file (no wrapping). */
export function stdoutWidth(): number {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : Infinity;
}
