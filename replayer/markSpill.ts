// replayer/markSpill.ts — the marks of a replay beyond the first MARKS_KEPT, written as JSON lines to a
// temporary file instead of being held in memory, so a trace with millions of marks replays in bounded
// memory (issue 14 #8). The result keeps the first MARKS_KEPT marks, the last MARKS_TAIL (also in the
// file) for the summary, and the file's path; markSpillLines streams the file back in event order.
// Invariants: the file holds every mark after the first MARKS_KEPT, one JSON object per line, in event
// order; it is removed when the main thread exits (markSpillAdopt), never by a worker (whose exit comes
// before the main thread has read the file).
import { createReadStream, closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { isMainThread } from 'node:worker_threads';
import type { ReplayMark } from './result.js';

/** Marks a replay result holds in memory (the rest are in the spill file). */
export const MARKS_KEPT = 10_000;
/** The last marks a spilled result also holds in memory (for the summary's table). */
export const MARKS_TAIL = 64;
const SPILL_FLUSH = 1 << 20;

export class MarkSpill {
  readonly path: string;
  private fd: number;
  private buf: string[] = [];
  private bytes = 0;
  readonly tail: ReplayMark[] = [];

  constructor() {
    this.path = join(mkdtempSync(join(tmpdir(), 'slabtrace-marks-')), 'marks.jsonl');
    this.fd = openSync(this.path, 'w');
  }

  push(mark: ReplayMark): void {
    const line = `${JSON.stringify(mark)}\n`;
    this.buf.push(line);
    this.bytes += line.length;
    if (this.bytes >= SPILL_FLUSH) this.flush();
    this.tail.push(mark);
    if (this.tail.length > MARKS_TAIL) this.tail.shift();
  }

  private flush(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bytes = 0;
  }

  /** Writes what is buffered and closes the file; returns its path. */
  close(): string {
    if (this.fd >= 0) {
      this.flush();
      closeSync(this.fd);
      this.fd = -1;
    }
    return this.path;
  }
}

/** The spilled marks as JSON texts, one per mark, in event order. */
export async function* markSpillLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) yield line;
}

const adopted = new Set<string>();

/** Removes the spill file (and its folder) when this process exits; only on the main thread. */
export function markSpillAdopt(path: string | null): void {
  if (!path || !isMainThread || adopted.has(path)) return;
  if (adopted.size === 0) process.once('exit', () => { for (const p of adopted) rmSync(dirname(p), { recursive: true, force: true }); });
  adopted.add(path);
}

/** Removes the spill file now (a caller done with it). */
export function markSpillDrop(path: string | null): void {
  if (!path) return;
  rmSync(dirname(path), { recursive: true, force: true });
  adopted.delete(path);
}
