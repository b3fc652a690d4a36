// Writing bulk output to stdout with backpressure, ending quietly when the reader goes away
// (`slabtrace dump big.pb | head` must not print an EPIPE error).

let closed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') closed = true;
  else throw err;
});

/** Writes `text`; resolves false once stdout is closed by the reader. */
export async function stdoutWrite(text: string): Promise<boolean> {
  if (closed) return false;
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
  return !closed;
}
