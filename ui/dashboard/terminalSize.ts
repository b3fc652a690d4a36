// The terminal's size for the dashboard, as React state: read from the output stream and read again on
// its 'resize' event, so the screen is laid out again when the terminal changes size (not only at the
// next poll, which no longer comes once the replay is over and the last screen is held).
// Invariant: columns >= MIN_COLUMNS; rows > 0.

import { useEffect, useState } from 'react';

const MIN_COLUMNS = 20;

interface TerminalSize {
  columns: number;
  rows: number;
}

/** The size `stream` says, else the fallbacks (a stream that is not a terminal, tests). */
function terminalSizeOf(stream: { columns?: number; rows?: number }, fallbackColumns = 80, fallbackRows = 40): TerminalSize {
  return { columns: Math.max(MIN_COLUMNS, stream.columns || fallbackColumns), rows: stream.rows || fallbackRows };
}

export function useTerminalSize(stream: NodeJS.WriteStream, fallbackColumns?: number): TerminalSize {
  const [size, setSize] = useState(() => terminalSizeOf(stream, fallbackColumns));
  useEffect(() => {
    const onResize = (): void => setSize(terminalSizeOf(stream, fallbackColumns));
    stream.on('resize', onResize);
    return () => { stream.off('resize', onResize); };
  }, [stream, fallbackColumns]);
  return size;
}
