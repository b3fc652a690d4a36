// Input side of a reader: a path ('-' = stdin) or a readable stream, gunzipped when it starts with
// the gzip magic 1f 8b. Yields decompressed Buffers; counts raw (compressed) bytes consumed; maps
// stream/zlib failures to TraceError (IO; TRUNCATED for a cut gzip stream; CORRUPT_CHUNK for bad gzip).
// A cut gzip stream yields every byte that can be decompressed before TRUNCATED: the input is fed to
// gunzip by gzPump, which flushes (Z_SYNC_FLUSH) before end(), because zlib streams drop the output
// of the last chunk when it is processed with the finish flag and fails.
// A plain (not gzipped) file is read into two reused buffers in turn, one read ahead: next()'s result
// is valid only until the following next() call, and every consumer copies or decodes it before
// asking for more.
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { constants, createGunzip, type Gunzip } from 'node:zlib';
import { TraceError, traceError } from './errors.js';

export class TraceByteStream {
  readonly name: string;
  gzip = false;
  /** Raw bytes consumed from the source. */
  rawBytes = 0;
  /** Decompressed bytes handed out. */
  outBytes = 0;
  private raw: NodeJS.ReadableStream | null = null;
  private rawIt: AsyncIterator<Buffer | string> | null = null;
  private path: string | null = null;
  private fh: FileHandle | null = null;
  private reuse: Buffer | null = null;
  private reuse2: Buffer | null = null;
  /** Plain file: the read already under way (into the buffer not handed out last). */
  private ahead: Promise<Buffer> | null = null;
  private closed = false;
  private it: AsyncIterator<Buffer> | null = null;
  private peeked: Buffer[] = [];
  private ownsRaw: boolean;
  private destroyers: Array<() => void> = [];

  constructor(source: string | NodeJS.ReadableStream, name: string) {
    this.name = name;
    if (typeof source === 'string' && source !== '-') {
      this.path = source;
      this.ownsRaw = true;
    } else {
      this.raw = typeof source === 'string' ? process.stdin : source;
      this.ownsRaw = this.raw !== process.stdin;
      this.rawIt = (this.raw as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    }
  }

  /** Reads the first bytes, detects gzip and sets up decompression. */
  async start(): Promise<void> {
    if (this.path !== null) {
      try {
        this.fh = await open(this.path, 'r');
      } catch (e) {
        throw this.ioError(e);
      }
    }
    let have = 0;
    while (have < 2) {
      const c = await this.rawNext();
      if (c === null) break;
      this.peeked.push(c);
      have += c.length;
    }
    const first = Buffer.concat(this.peeked);
    this.gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    // gunzip holds on to its input buffers: only plain files may reuse the read buffer
    if (this.fh && !this.gzip) this.reuse = Buffer.allocUnsafe(1 << 20);
    const self = this;
    async function* rawGen(): AsyncGenerator<Buffer> {
      const p = self.peeked;
      self.peeked = [];
      for (const c of p) yield c;
      for (;;) {
        const c = await self.rawNext();
        if (c === null) return;
        yield c;
      }
    }
    if (this.gzip) {
      const gunzip = createGunzip({ chunkSize: 1 << 18 });
      this.destroyers.push(() => gunzip.destroy());
      this.it = (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      void gzPump(rawGen(), gunzip);
    } else {
      this.it = rawGen();
    }
  }

  private async rawNext(): Promise<Buffer | null> {
    if (this.closed) return null;
    if (this.fh) return this.fileNext(this.fh);
    let r: IteratorResult<Buffer | string>;
    try {
      r = await this.rawIt!.next();
    } catch (e) {
      throw this.ioError(e);
    }
    if (r.done) return null;
    const c = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    this.rawBytes += c.length;
    return c;
  }

  private async fileNext(fh: FileHandle): Promise<Buffer | null> {
    let c: Buffer;
    try {
      if (this.reuse === null) {
        c = await fileRead(fh, Buffer.allocUnsafe(1 << 20));
      } else {
        // Plain file: two buffers in turn; the read of the next one runs while the caller decodes
        // this one (handed out only at the caller's following call, so the contract above holds).
        const cur = this.ahead ?? fileRead(fh, this.reuse);
        this.ahead = null;
        c = await cur;
        if (c.length > 0 && !this.closed) {
          const other = c.buffer === this.reuse.buffer ? (this.reuse2 ??= Buffer.allocUnsafe(this.reuse.length)) : this.reuse;
          this.ahead = fileRead(fh, other);
          this.ahead.catch(() => {}); // reported when awaited
        }
      }
    } catch (e) {
      throw this.ioError(e);
    }
    if (c.length === 0) return null;
    this.rawBytes += c.length;
    return c;
  }

  /** Next decompressed buffer, or null at the end. */
  async next(): Promise<Buffer | null> {
    let r: IteratorResult<Buffer>;
    try {
      r = await this.it!.next();
    } catch (e) {
      throw this.mapError(e);
    }
    if (r.done) return null;
    this.outBytes += r.value.length;
    return r.value;
  }

  close(): void {
    this.closed = true;
    for (const d of this.destroyers) d();
    if (this.fh) {
      const fh = this.fh;
      this.fh = null;
      fh.close().catch(() => {});
    }
    if (this.ownsRaw) (this.raw as Readable | null)?.destroy?.();
    else if (this.raw === process.stdin) process.stdin.pause();
  }

  private mapError(e: unknown): TraceError {
    if (e instanceof TraceError) return e;
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === 'string' && err.code.startsWith('Z_')) {
      if (/unexpected end of file/i.test(err.message)) {
        return traceError('TRUNCATED', this.name, this.outBytes, -1, -1, 'gzip stream ends early');
      }
      return traceError('CORRUPT_CHUNK', this.name, this.outBytes, -1, -1, `gzip: ${err.message}`);
    }
    return this.ioError(e);
  }

  private ioError(e: unknown): TraceError {
    if (e instanceof TraceError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    return traceError('IO', this.name, this.outBytes, -1, -1, `read failed: ${msg}`);
  }
}

/**
 * Writes the raw input into gunzip (with backpressure; the next raw read runs while gunzip works on
 * this one), flushes, ends; a source error destroys gunzip with it.
 */
async function gzPump(src: AsyncGenerator<Buffer>, gunzip: Gunzip): Promise<void> {
  try {
    let r = await src.next();
    while (!r.done) {
      if (gunzip.destroyed) return;
      const ahead = src.next();
      ahead.catch(() => {}); // reported when awaited
      if (!gunzip.write(r.value)) await gzSettled(gunzip, (done) => gunzip.once('drain', done));
      r = await ahead;
    }
    if (gunzip.destroyed) return;
    await gzSettled(gunzip, (done) => gunzip.flush(constants.Z_SYNC_FLUSH, done));
    if (!gunzip.destroyed) gunzip.end();
  } catch (e) {
    gunzip.destroy(e as Error);
  }
}

/** Resolves when start's callback is called, or gunzip closes or fails (never hangs on a destroyed stream). */
function gzSettled(gunzip: Gunzip, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      gunzip.off('close', done);
      gunzip.off('error', done);
      resolve();
    };
    gunzip.once('close', done);
    gunzip.once('error', done);
    start(done);
  });
}

async function fileRead(fh: FileHandle, buf: Buffer): Promise<Buffer> {
  const n = (await fh.read(buf, 0, buf.length, null)).bytesRead;
  return buf.subarray(0, n);
}
