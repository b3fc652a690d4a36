// Feeding a trace to the native replayer. A trace file is read once, decoded and validated by traces/
// before anything runs (nativeScan), and each batch's wire message (nativeProtocol.ts) is written, as
// it is validated, to a spool file: the replay process then reads its input from that file, with no
// TypeScript work while it runs (and compare's allocators all replay the same spool). From stdin, or
// when the spool cannot be written (no room), the events go through a pipe as they are read and
// validated (nativePipeFeed), each one validated before it is sent.
// Invariants: a spool holds exactly the validated events before stopAt, then END; the scan records the
// mark names by event index (the replayer reports marks by index only).
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { openTrace, OP_MARK, type EventBatch, type OpenTraceOptions, type TraceHeader, type TraceReader } from '../traces/index.js';
import { F_BYTES_READ, F_EVENTS_DONE, type ReplayControl } from './control.js';
import { WIRE_MAX_EVENTS, wireBatch, wireEnd } from './nativeProtocol.js';
import { replayTraceCheck, type ReplayTraceCheck } from './result.js';

/** What the validating first pass learns, and the spool it wrote. */
export interface NativeScan {
  header: TraceHeader;
  /** Index after the last event read (stopAt when it stopped there). */
  events: number;
  /** The id table's size: the highest object id + 1. */
  idCapacity: number;
  /** Mark names by event index. */
  markNames: Map<number, string>;
  /** Stopped at stopAt before the end of the trace. */
  stopped: boolean;
  footerEvents: number;
  skipped: number;
  truncated: boolean;
  /** The footer against what was read (a scan reads the whole trace, or up to stopAt). */
  traceCheck: ReplayTraceCheck;
  seconds: number;
  /** The spool file (wire messages, END last), or null when it could not be written. */
  spool: string | null;
  /** Bytes an event in the wire messages. */
  bytesPerEvent: number;
}

export interface NativeFeedOptions {
  lenient?: boolean;
  allowTruncated?: boolean;
  stopAt?: number;
}

export function nativeOpenOptions(o: NativeFeedOptions): OpenTraceOptions {
  return { lenient: o.lenient, allowTruncated: o.allowTruncated };
}

function noteMarks(names: Map<number, string>, b: EventBatch, n: number): void {
  if (b.markNames.length === 0) return;
  for (let i = 0; i < n; i++) if (b.op[i] === OP_MARK) names.set(b.first + i, b.markNames[b.aux[i]]);
}

function maxId(b: EventBatch, n: number, m: number): number {
  const id = b.id;
  for (let i = 0; i < n; i++) if (id[i] > m) m = id[i];
  return m;
}

/** A spool in its own temporary folder; writes stop (and the spool is dropped) when the disk is full. */
class Spool {
  readonly dir = mkdtempSync(join(tmpdir(), 'slabtrace-native-'));
  readonly path = join(this.dir, 'events.wire');
  private fd: number | null = openSync(this.path, 'w');
  bytes = 0;

  write(buf: Buffer): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, buf);
      this.bytes += buf.length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      this.drop();
    }
  }

  /** Closes it; returns its path, or null if it was dropped. */
  close(): string | null {
    if (this.fd === null) return null;
    closeSync(this.fd);
    this.fd = null;
    return this.path;
  }

  drop(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Reads the whole trace (up to stopAt), validated — its TraceError is thrown before anything runs — and
 * spools the wire messages (`spool: false`: only the figures). Dispose of the result with nativeScanDispose.
 */
export async function nativeScan(path: string, o: NativeFeedOptions, opts: { spool?: boolean } = {}): Promise<NativeScan> {
  const t0 = performance.now();
  const reader = await openTrace(path, nativeOpenOptions(o));
  const spool = opts.spool === false ? null : new Spool();
  const stopAt = o.stopAt ?? Infinity;
  const markNames = new Map<number, string>();
  let events = 0, top = -1, stopped = false;
  try {
    for await (const b of reader.batches()) {
      const n = Math.max(0, Math.min(b.count, stopAt - b.first));
      noteMarks(markNames, b, n);
      top = maxId(b, n, top);
      for (let i = 0; spool && i < n; i += WIRE_MAX_EVENTS) spool.write(wireBatch(b, i, Math.min(n, i + WIRE_MAX_EVENTS)));
      events = b.first + n;
      if (n < b.count) { stopped = true; break; }
    }
    spool?.write(wireEnd());
  } catch (err) {
    spool?.drop();
    throw err;
  } finally {
    await reader.close();
  }
  return {
    header: reader.header, events, idCapacity: top + 1, markNames, stopped,
    footerEvents: reader.footer ? Number(reader.footer.events) : 0, skipped: reader.skipped, truncated: reader.truncated,
    traceCheck: replayTraceCheck(reader), seconds: (performance.now() - t0) / 1000, spool: spool?.close() ?? null, bytesPerEvent: spool && events > 0 ? spool.bytes / events : 0,
  };
}

/** Removes the scan's spool (and its folder). */
export function nativeScanDispose(scan: NativeScan): void {
  if (scan.spool) rmSync(join(scan.spool, '..'), { recursive: true, force: true });
}

/** Pipe bytes buffered on our side before the feed waits for the replay process. */
const PIPE_HIGH_WATER = 4 << 20;

/** The streaming feed: events read, validated and sent as they come. */
export class NativePipeFeed {
  sent = 0;
  bytes = 0;
  stopped = false;
  readonly markNames = new Map<number, string>();

  constructor(
    private readonly stdin: Writable, private readonly closed: Promise<unknown>, private readonly control: ReplayControl,
    private readonly stopAt: number, private readonly quitRequested: () => boolean,
  ) {}

  private async write(buf: Buffer): Promise<void> {
    this.bytes += buf.length;
    if (!this.stdin.write(buf) && this.stdin.writableLength > PIPE_HIGH_WATER) await Promise.race([once(this.stdin, 'drain'), this.closed]);
  }

  async run(reader: TraceReader): Promise<void> {
    let gone = false;
    void this.closed.then(() => { gone = true; }, () => { gone = true; });
    for await (const b of reader.batches()) {
      const n = Math.max(0, Math.min(b.count, this.stopAt - b.first));
      noteMarks(this.markNames, b, n);
      for (let i = 0; i < n; i += WIRE_MAX_EVENTS) await this.write(wireBatch(b, i, Math.min(n, i + WIRE_MAX_EVENTS)));
      this.sent = b.first + n;
      this.control.floats[F_EVENTS_DONE] = this.sent;
      this.control.floats[F_BYTES_READ] = reader.bytesRead;
      if (n < b.count) { this.stopped = true; break; }
      if (this.quitRequested() || gone) break;
    }
    if (!gone) {
      await this.write(wireEnd());
      this.stdin.end();
    }
  }
}
