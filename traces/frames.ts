// Splits the decompressed protobuf stream into length-delimited frames. A frame is valid (buf,
// start..end) until the next call. Invariants: base = stream offset of buf[0]; data is buf[pos..lim);
// the buffer only grows to hold bytes actually received (never to a length read from the input),
// and never beyond one frame of maxLen plus one input buffer.
import { traceError } from './errors.js';
import { TRACE_MAX_FRAME } from './limits.js';
import { TraceByteStream } from './source.js';
import { VARINT_LONG, VarintCursor, varintRead } from './varint.js';

const PRECHECK_FRAME = 1 << 20, PRECHECK_BYTES = 64;

export class TraceFrameReader {
  // A plain Uint8Array (not a Buffer): element loads on Buffer are slower in V8's optimized code.
  buf: Uint8Array = new Uint8Array(1 << 16);
  pos = 0;
  lim = 0;
  base = 0;
  /** Result of next(): stream offset of the frame, and its body in buf. */
  frameOffset = 0;
  bodyStart = 0;
  bodyEnd = 0;
  private eof = false;
  private readonly cur = new VarintCursor();
  /**
   * Called on the first bytes (at least PRECHECK_BYTES, or all there are) of a frame longer than
   * PRECHECK_FRAME while it is still being read: an error detail refuses it (CORRUPT_CHUNK) before
   * it is buffered whole.
   */
  precheck: ((buf: Uint8Array, start: number, end: number) => string | null) | null = null;
  private prechecked = -1;

  constructor(private src: TraceByteStream) {}

  /** Loads the next frame. Returns false at a clean end; sets partial when bytes remain. */
  async next(maxLen = TRACE_MAX_FRAME): Promise<boolean> {
    for (;;) {
      const buf = this.buf;
      let p = this.pos;
      const lim = this.lim;
      if (p >= lim) {
        if (!(await this.fill())) return false;
        continue;
      }
      // frame length varint (at most 5 bytes)
      const len = varintRead(buf, p, lim, 5, this.cur);
      if (len < 0) {
        if (len === VARINT_LONG) throw traceError('CORRUPT_CHUNK', this.src.name, this.base + this.pos, -1, -1, 'frame length varint longer than 5 bytes');
        if (!(await this.fill())) throw this.truncated();
        continue;
      }
      p = this.cur.end;
      if (len > maxLen) {
        throw traceError('CORRUPT_CHUNK', this.src.name, this.base + this.pos, -1, -1, `frame length ${len} exceeds ${maxLen}`);
      }
      if (lim - p < len) {
        if (len > PRECHECK_FRAME && this.precheck !== null && this.prechecked !== this.base + this.pos && lim - p >= PRECHECK_BYTES) {
          this.prechecked = this.base + this.pos;
          const bad = this.precheck(buf, p, lim);
          if (bad !== null) throw traceError('CORRUPT_CHUNK', this.src.name, this.base + this.pos, -1, -1, bad);
        }
        if (!(await this.fill(p - this.pos + len))) throw this.truncated();
        continue;
      }
      this.frameOffset = this.base + this.pos;
      this.bodyStart = p;
      this.bodyEnd = p + len;
      this.pos = p + len;
      return true;
    }
  }

  /** Puts back bytes read ahead of the frame reader (format sniffing). */
  unshift(c: Buffer): void {
    if (this.buf.length < c.length) this.buf = new Uint8Array(c.length);
    this.buf.set(c, 0);
    this.pos = 0;
    this.lim = c.length;
  }

  get atEnd(): boolean {
    return this.eof && this.pos >= this.lim;
  }

  /** Current stream offset (start of unread data). */
  get offset(): number {
    return this.base + this.pos;
  }

  private truncated() {
    return traceError('TRUNCATED', this.src.name, this.base + this.pos, -1, -1,
      `stream ends inside a frame (${this.lim - this.pos} bytes left)`, 'a complete frame and a footer');
  }

  /** Appends the next input buffer; need = bytes wanted from pos. Returns false at end of input. */
  private async fill(_need = 0): Promise<boolean> {
    if (this.eof) return false;
    const c = await this.src.next();
    if (c === null) {
      this.eof = true;
      return false;
    }
    const keep = this.lim - this.pos;
    const want = keep + c.length; // never trust `need` (a corrupt length) for allocation
    if (this.pos > 0 && (this.buf.length - this.lim < c.length || this.pos === this.lim)) {
      this.buf.copyWithin(0, this.pos, this.lim);
      this.base += this.pos;
      this.pos = 0;
      this.lim = keep;
    }
    if (this.buf.length - this.lim < c.length) {
      // doubling from 1 MiB (a small trace stays small), but not past one whole frame and this input
      const nb = new Uint8Array(Math.max(want, Math.min(Math.max(this.buf.length * 2, 1 << 20), TRACE_MAX_FRAME + 16 + c.length)));
      nb.set(this.buf.subarray(this.pos, this.lim), 0);
      this.base += this.pos;
      this.lim -= this.pos;
      this.pos = 0;
      this.buf = nb;
    }
    this.buf.set(c, this.lim);
    this.lim += c.length;
    return true;
  }
}
