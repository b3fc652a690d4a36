// Output side of a writer: a file path ('-' = stdout) or a stream, optionally through gzip. Copies
// every buffer it is given, reports backpressure, and turns stream errors into TraceError IO.
// Invariant: process.stdout is never ended; other streams are ended by end().
import { createWriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { traceError, type TraceError } from './errors.js';

export class TraceSink {
  readonly name: string;
  /** Decompressed bytes written so far. */
  bytes = 0;
  private head: NodeJS.WritableStream; // what we write into (gzip or target)
  private target: NodeJS.WritableStream;
  private gz: Gzip | null;
  private ownsTarget: boolean;
  private isStdout: boolean;
  private err: TraceError | null = null;
  private blocked = false;

  constructor(dest: string | NodeJS.WritableStream, gzip: boolean, name: string) {
    this.name = name;
    if (typeof dest === 'string') {
      this.isStdout = dest === '-';
      // a few chunks of buffering, so that encoding overlaps the file writes
      this.target = this.isStdout ? process.stdout : createWriteStream(dest, { highWaterMark: 1 << 22 });
      this.ownsTarget = !this.isStdout;
    } else {
      this.target = dest;
      this.isStdout = dest === process.stdout;
      this.ownsTarget = !this.isStdout;
    }
    this.target.on('error', (e: Error) => this.fail(e));
    this.gz = gzip ? createGzip() : null;
    if (this.gz) {
      this.gz.on('error', (e: Error) => this.fail(e));
      this.gz.pipe(this.target, { end: this.ownsTarget });
      this.head = this.gz;
    } else {
      this.head = this.target;
    }
  }

  private fail(e: Error): void {
    if (!this.err) this.err = traceError('IO', this.name, this.bytes, -1, -1, `write failed: ${e.message}`);
  }

  get error(): TraceError | null {
    return this.err;
  }

  get needsDrain(): boolean {
    return this.blocked;
  }

  write(data: Uint8Array | string): void {
    if (this.err) throw this.err;
    const chunk = typeof data === 'string' ? data : Buffer.from(data);
    this.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (!this.head.write(chunk)) this.blocked = true;
  }

  drain(): Promise<void> {
    if (this.err) return Promise.reject(this.err);
    if (!this.blocked) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.head.off('drain', done);
        this.head.off('error', done);
        this.target.off('error', done);
        this.blocked = false;
        if (this.err) reject(this.err);
        else resolve();
      };
      this.head.on('drain', done);
      this.head.on('error', done);
      this.target.on('error', done);
    });
  }

  /** Flushes and ends (never ends process.stdout); resolves when the bytes are handed to the OS. */
  end(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (): void => (this.err ? reject(this.err) : resolve());
      if (this.err) return settle();
      const tgt = this.target as NodeJS.WritableStream & { once: NodeJS.EventEmitter['once'] };
      if (this.ownsTarget) {
        const isFile = typeof (tgt as { fd?: unknown }).fd !== 'undefined' || 'path' in tgt;
        tgt.once(isFile ? 'close' : 'finish', settle);
        tgt.once('error', settle);
        if (this.gz) this.gz.end();
        else tgt.end();
      } else if (this.gz) {
        this.gz.once('end', () => tgt.write('', () => settle()));
        this.gz.once('error', settle);
        this.gz.end();
      } else {
        tgt.write('', () => settle());
      }
    });
  }
}
