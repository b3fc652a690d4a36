// The one place that handles Ctrl-C and SIGTERM while a command works: the first signal asks the work to
// stop (a replay quits with its partial result, a recording stops with a readable truncated trace, a
// conversion removes its output); a second one is left to Node's default handling (immediate exit), so
// a stuck run can still be killed.

/** Runs `work(signal)`; the first SIGINT / SIGTERM aborts `signal`. */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Awaits `result`; the first SIGINT / SIGTERM calls `stop` (e.g. a replay handle's quit). */
export function untilDone<T>(result: Promise<T>, stop: () => void): Promise<T> {
  return withInterrupt((signal) => {
    signal.addEventListener('abort', stop);
    return result;
  });
}
