// The call-stack table of a trace with stacks (header stackDepth > 0): stacks get dense ids 1, 2, ...
// in stream order (0 = no stack known), frames (symbolised text) are interned in order of first use,
// a stack is a list of frame indices, innermost first. The writer adds stacks and encodes the new ones
// as one Stacks record (protobuf) or one line per stack (JSON) before the chunk that first uses them;
// readers decode those records into the same table (checked: ids in order, frame indices defined,
// depth and count within the limits). Memory is the table itself: bounded by TRACE_MAX_STACKS stacks
// of at most TRACE_MAX_STACK_DEPTH frames, and by the frame text actually received.
// Invariant: the same sequence of stacks gives the same frame indices and the same records, in
// either form, so protobuf → JSON → protobuf is byte-identical.
import { TRACE_MAX_STACKS, TRACE_MAX_STACK_DEPTH } from './limits.js';
import { traceType } from './schema.js';
import type { TraceStacks } from './types.js';

export class TraceStackTable implements TraceStacks {
  /** Interned frame texts. */
  readonly frameText: string[] = [];
  private frameIndex = new Map<string, number>();
  /** Stack k (1-based) has frame indices refs[start[k-1] .. start[k]). */
  private start: number[] = [0];
  private refs: number[] = [];
  /** Stacks and frames already written (writer side). */
  private writtenStacks = 0;
  private writtenFrames = 0;

  get count(): number {
    return this.start.length - 1;
  }

  frames(id: number): string[] {
    if (!(Number.isInteger(id) && id >= 1 && id <= this.count)) return [];
    const out: string[] = [];
    for (let k = this.start[id - 1]!; k < this.start[id]!; k++) out.push(this.frameText[this.refs[k]!]!);
    return out;
  }

  /** Adds a stack of frame texts (interning them); returns its id, or an error detail. */
  add(frames: readonly string[]): number | string {
    if (this.count >= TRACE_MAX_STACKS) return `more than ${TRACE_MAX_STACKS} stacks (TRACE_MAX_STACKS)`;
    if (frames.length > TRACE_MAX_STACK_DEPTH) return `a stack of ${frames.length} frames, more than ${TRACE_MAX_STACK_DEPTH} (TRACE_MAX_STACK_DEPTH)`;
    if (!frames.every((f) => typeof f === 'string')) return 'a frame is not a string';
    for (const f of frames) {
      let k = this.frameIndex.get(f);
      if (k === undefined) {
        k = this.frameText.length;
        this.frameText.push(f);
        this.frameIndex.set(f, k);
      }
      this.refs.push(k);
    }
    this.start.push(this.refs.length);
    return this.count;
  }

  /** Stacks added since the last take (writer): true if there are any. */
  get hasPending(): boolean {
    return this.writtenStacks < this.count;
  }

  /** Protobuf TraceRecord{stacks} bytes (no length prefix) of the stacks not yet written; marks them written. */
  takePendingRecord(): Uint8Array {
    const first = this.writtenStacks + 1;
    const lengths: number[] = [];
    for (let id = first; id <= this.count; id++) lengths.push(this.start[id]! - this.start[id - 1]!);
    const stacks = {
      firstStack: first,
      frame: this.frameText.slice(this.writtenFrames),
      stackLength: lengths,
      stackFrame: this.refs.slice(this.start[first - 1]!),
    };
    this.writtenStacks = this.count;
    this.writtenFrames = this.frameText.length;
    const rec = traceType('TraceRecord');
    return rec.encode(rec.fromObject({ stacks })).finish();
  }

  /** JSON lines ({"stack":{"id":N,"frames":[...]}}) of the stacks not yet written; marks them written. */
  takePendingJson(): string {
    let s = '';
    for (let id = this.writtenStacks + 1; id <= this.count; id++) {
      s += `{"stack":${JSON.stringify({ id, frames: this.frames(id) })}}\n`;
    }
    this.writtenStacks = this.count;
    this.writtenFrames = this.frameText.length;
    return s;
  }

  /** Reader: a Stacks record body (protobuf). Null or an error detail (the table is then unchanged or partly extended). */
  addRecord(bytes: Uint8Array): string | null {
    let o: { firstStack?: number; frame?: string[]; stackLength?: number[]; stackFrame?: number[] };
    try {
      const T = traceType('Stacks');
      o = T.toObject(T.decode(bytes), { longs: Number, arrays: true, defaults: true }) as typeof o;
    } catch (e) {
      return `malformed stacks record: ${(e as Error).message}`;
    }
    if (o.firstStack !== this.count + 1) return `stacks record starts at stack ${o.firstStack}, expected ${this.count + 1}`;
    const frames = o.frame ?? [], lengths = o.stackLength ?? [], refs = o.stackFrame ?? [];
    const nFrames = this.frameText.length + frames.length;
    let total = 0;
    for (const l of lengths) total += l;
    if (total !== refs.length) return `stack lengths add up to ${total}, the record has ${refs.length} frame indices`;
    for (const r of refs) if (r >= nFrames) return `frame index ${r} is not defined (${nFrames} frames)`;
    for (const f of frames) {
      if (this.frameIndex.has(f)) return `frame ${JSON.stringify(f)} is defined twice`;
      this.frameIndex.set(f, this.frameText.length);
      this.frameText.push(f);
    }
    let k = 0;
    for (const l of lengths) {
      if (this.count >= TRACE_MAX_STACKS) return `more than ${TRACE_MAX_STACKS} stacks (TRACE_MAX_STACKS)`;
      if (l > TRACE_MAX_STACK_DEPTH) return `a stack of ${l} frames, more than ${TRACE_MAX_STACK_DEPTH} (TRACE_MAX_STACK_DEPTH)`;
      for (let e = k + l; k < e; k++) this.refs.push(refs[k]!);
      this.start.push(this.refs.length);
    }
    this.writtenStacks = this.count;
    this.writtenFrames = this.frameText.length;
    return null;
  }

  /** Reader: a JSON stack line's value ({"id":N,"frames":[...]}). Null or an error detail. */
  addJson(v: unknown): string | null {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'stack is not an object';
    const { id, frames } = v as { id?: unknown; frames?: unknown };
    if (id !== this.count + 1) return `stack id ${JSON.stringify(id)}, expected ${this.count + 1} (ids are dense, in order)`;
    if (!Array.isArray(frames)) return 'stack needs a "frames" array of strings';
    const r = this.add(frames as string[]);
    return typeof r === 'string' ? r : null;
  }
}
