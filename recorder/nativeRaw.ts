// The raw log libslabtrace writes (recorder/native/preload.c, "Log format"): chunks of
// {u32 magic 'STRC', u32 count, u32 tid, u32 proc} + count × {u64 seq<<8|op, u64 ptr, u64 arg},
// little-endian, chunks of different threads and processes interleaved.
// Owns: the record constants, the 16-byte names (marks, command names, exec'd files), and cutting a
// stream of bytes into whole chunks (RawChunker), used by both conversion passes.
// Invariants: a chunk is handed on only when all its bytes are there; a partial chunk at the end of
// the log (cut by a kill mid-write) is never handed on. A bad magic is CORRUPT_LOG, unless the
// capture said its log broke (a failed write): then it ends the usable log (`cutAt`).
import { NativeCaptureError } from './nativeError.js';

export const RAW_MAGIC = 0x43525453;
export const RAW_OP = {
  MALLOC: 1, FREE: 2, CALLOC: 3, MEMALIGN: 4, REALLOC_BEGIN: 5, REALLOC_END: 6,
  THREAD_START: 7, THREAD_EXIT: 8, PROC_START: 9, PROC_END: 10, MARK: 11, THREAD_JOIN: 12, THREAD_DETACH: 13,
  PROC_NAME: 14, EXEC: 15, STACK: 16,
} as const;
/** Flag on a record's op: made by its thread after its THREAD_EXIT. */
export const RAW_AFTER_EXIT = 0x80;
/** PROC_END's end kinds (ptr & 255). */
export const RAW_END_KINDS = ['exit', '_exit', 'signal', 'quick_exit'] as const;
export type RawEndKind = (typeof RAW_END_KINDS)[number];
export const RAW_HDR = 16;
export const RAW_REC = 24;
/** u32 words per record. */
export const RAW_REC_WORDS = 6;

/** A 16-byte name stored in a record's ptr and arg (NUL-terminated if shorter). */
export function rawName(pLo: number, pHi: number, lo: number, hi: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(pLo, 0);
  b.writeUInt32LE(pHi, 4);
  b.writeUInt32LE(lo, 8);
  b.writeUInt32LE(hi, 12);
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? 16 : z).toString('latin1');
}

/** One whole chunk: `u32[at + 6*i ...]` is record i of `n`; `tid`, `proc` from its header. */
export type RawChunkFn = (u32: Uint32Array, at: number, n: number, tid: number, proc: number) => void;

/** Cuts bytes fed in order into whole chunks. */
export class RawChunker {
  /** Bytes of whole chunks handed on so far. */
  offset = 0;
  /** Where a bad magic ended the usable log (only with `brokenLog`), else -1. */
  cutAt = -1;
  private carry: Buffer | null = null;

  constructor(private name: string, private brokenLog = false) {}

  /** Hands on every whole chunk of `buf` (after what was carried), keeps a partial one for later. */
  feed(buf: Buffer, onChunk: RawChunkFn): void {
    if (this.cutAt >= 0) return;
    let b = buf;
    if (this.carry) { b = Buffer.concat([this.carry, buf]); this.carry = null; }
    if ((b.byteOffset & 3) !== 0) b = Buffer.from(b); // a fresh copy is 4-byte aligned
    const u32 = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
    let o = 0;
    while (b.length - o >= RAW_HDR) {
      const magic = u32[o >>> 2];
      if (magic !== RAW_MAGIC) { this.offset += o; this.badMagic(magic); return; }
      const n = u32[(o >>> 2) + 1];
      const end = o + RAW_HDR + n * RAW_REC;
      if (end > b.length) break;
      onChunk(u32, (o + RAW_HDR) >>> 2, n, u32[(o >>> 2) + 2], u32[(o >>> 2) + 3]);
      o = end;
    }
    this.offset += o;
    if (o < b.length) this.carry = Buffer.from(b.subarray(o));
  }

  private badMagic(magic: number): void {
    if (this.brokenLog) {
      this.cutAt = this.offset;
      return;
    }
    throw new NativeCaptureError('CORRUPT_LOG', `bad chunk magic 0x${magic.toString(16)} (expected 0x${RAW_MAGIC.toString(16)})`, this.name, this.offset);
  }
}
