// Protobuf encoder of one chunk frame: varint(len) + TraceRecord{chunk = Chunk{...}}, written by hand
// into reusable buffers, fields in field-number order, empty fields omitted (what protobufjs would
// write for the same Chunk message). Also updates the running digest over the chunk's events.
import { TraceColumns } from './columns.js';
import { TraceDigest, digestAuxWord, digestStepH1, digestStepH2, digestTidWordRot, markNameHash } from './digest.js';
import {
  OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_ALLOC, OP_THREAD_DETACH, OP_THREAD_JOIN,
} from './ops.js';
import { varintPut32, varintPut64, varintSize32, varintSize64 } from './varint.js';

const F_FIRST = 0x08; // 1, varint
const F_OP = 0x12; // 2, len
const F_RUNV = 0x1a; // 3
const F_RUNL = 0x22; // 4
const F_ID = 0x2a; // 5
const F_SIZE = 0x32; // 6
const F_ALIGN = 0x3a; // 7
const F_MARK = 0x42; // 8
const F_TARGET = 0x52; // 10 (thread_target)
const F_STACK = 0x5a; // 11 (stack), traces with stacks only
const REC_CHUNK = 0x12; // TraceRecord.chunk = 2, len

export class TraceChunkEncoder {
  private runv = new Uint8Array(0);
  private runl = new Uint8Array(0);
  private ids = new Uint8Array(0);
  private sizes = new Uint8Array(0);
  private aligns = new Uint8Array(0);
  private targets = new Uint8Array(0);
  private out = Buffer.alloc(0);

  private stackCol = new Uint8Array(0);

  /**
   * Encodes cols as one frame; returns a view of an internal buffer (valid until the next call).
   * stacks: the trace has stacks, the stack column (one id per alloc kind and realloc) is written.
   */
  encode(c: TraceColumns, firstEvent: number, digest: TraceDigest, stacks = false): Uint8Array {
    const n = c.n;
    this.ensure(n);
    const op = c.op, tid = c.tid, idc = c.id, size = c.size, aux = c.aux;
    const ids = this.ids, sizes = this.sizes, aligns = this.aligns, targets = this.targets, runv = this.runv, runl = this.runl;
    let pi = 0, ps = 0, pa = 0, pv = 0, pl = 0, pt = 0;
    let h1 = digest.h1, h2 = digest.h2;
    let runT = n > 0 ? tid[0]! : 0, runN = 0;
    for (let i = 0; i < n; i++) {
      const o = op[i]!, t = tid[i]!, id = idc[i]!, s = size[i]!;
      let a = aux[i]!;
      if (t !== runT) {
        pv = varintPut32(runv, pv, runT);
        pl = varintPut32(runl, pl, runN);
        runT = t;
        runN = 0;
      }
      runN++;
      if (o === OP_FREE) {
        pi = varintPut32(ids, pi, id);
      } else if (o === OP_ALLOC || o === OP_CALLOC) {
        ps = s < 128 ? ((sizes[ps] = s), ps + 1) : varintPut64(sizes, ps, s);
      } else if (o === OP_REALLOC) {
        pi = varintPut32(ids, pi, id);
        ps = varintPut64(sizes, ps, s);
      } else if (o === OP_MEMALIGN) {
        ps = varintPut64(sizes, ps, s);
        pa = varintPut32(aligns, pa, a);
      } else if (o === OP_MARK) {
        a = markNameHash(c.marks[a]!);
      } else if (o === OP_THREAD_JOIN || o === OP_THREAD_DETACH) {
        pt = varintPut32(targets, pt, a);
      }
      h1 = digestStepH1(h1, id, digestTidWordRot(o, t));
      h2 = digestStepH2(h2, s | 0, digestAuxWord(a, s));
    }
    if (n > 0) {
      pv = varintPut32(runv, pv, runT);
      pl = varintPut32(runl, pl, runN);
    }
    digest.h1 = h1;
    digest.h2 = h2;

    const pk = stacks ? this.encodeStacks(c) : 0;
    let body = 0;
    if (firstEvent !== 0) body += 1 + varintSize64(firstEvent);
    body += lenField(n) + lenField(pv) + lenField(pl) + lenField(pi) + lenField(ps) + lenField(pa) + lenField(pt) + lenField(pk);
    const markBytes: number[] = [];
    for (const m of c.marks) {
      const b = Buffer.byteLength(m, 'utf8');
      markBytes.push(b);
      body += 1 + varintSize32(b) + b;
    }
    const rec = 1 + varintSize32(body) + body;
    const total = varintSize32(rec) + rec;
    if (this.out.length < total) this.out = Buffer.allocUnsafe(Math.max(total, this.out.length * 2));
    const out = this.out;
    let p = varintPut32(out, 0, rec);
    out[p++] = REC_CHUNK;
    p = varintPut32(out, p, body);
    if (firstEvent !== 0) {
      out[p++] = F_FIRST;
      p = varintPut64(out, p, firstEvent);
    }
    p = putBytes(out, p, F_OP, op, n);
    p = putBytes(out, p, F_RUNV, runv, pv);
    p = putBytes(out, p, F_RUNL, runl, pl);
    p = putBytes(out, p, F_ID, ids, pi);
    p = putBytes(out, p, F_SIZE, sizes, ps);
    p = putBytes(out, p, F_ALIGN, aligns, pa);
    for (let k = 0; k < c.marks.length; k++) {
      out[p++] = F_MARK;
      p = varintPut32(out, p, markBytes[k]!);
      p += out.write(c.marks[k]!, p, 'utf8');
    }
    p = putBytes(out, p, F_TARGET, targets, pt);
    p = putBytes(out, p, F_STACK, this.stackCol, pk);
    return out.subarray(0, p);
  }

  /** Cold (traces with stacks): the stack column of cols into stackCol; returns its byte length. */
  private encodeStacks(c: TraceColumns): number {
    const n = c.n;
    if (this.stackCol.length < n * 5 + 16) this.stackCol = new Uint8Array(n * 5 + 16);
    const out = this.stackCol;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const o = c.op[i]!;
      if (o === OP_ALLOC || o === OP_CALLOC || o === OP_MEMALIGN || o === OP_REALLOC) p = varintPut32(out, p, c.stack[i]!);
    }
    return p;
  }

  private ensure(n: number): void {
    if (this.ids.length >= n * 10 + 16) return;
    // ids is sized like sizes so that the check above covers every scratch column.
    const cap = n * 10 + 16;
    this.ids = new Uint8Array(cap);
    this.sizes = new Uint8Array(cap);
    this.aligns = new Uint8Array(n * 5 + 16);
    this.targets = new Uint8Array(n * 5 + 16);
    this.runv = new Uint8Array(n * 5 + 16);
    this.runl = new Uint8Array(n * 5 + 16);
  }
}

function lenField(len: number): number {
  return len === 0 ? 0 : 1 + varintSize32(len) + len;
}

function putBytes(out: Uint8Array, p: number, tag: number, src: Uint8Array, len: number): number {
  if (len === 0) return p;
  out[p++] = tag;
  p = varintPut32(out, p, len);
  out.set(src.subarray(0, len), p);
  return p + len;
}
