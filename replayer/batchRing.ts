// The batch ring: a SharedArrayBuffer through which a decode worker hands event batches to the replay
// worker, so decoding and replaying run on two cores. K slots of up to C events each, as columns (op,
// tid, id, size, aux) plus the slot's mark names (JSON) and progress; a meta area carries the header
// (first) and the end record (footer, skipped, truncated — or the error) last.
// Protocol: the producer fills slot (written % K) and then increments WRITTEN; the consumer reads slot
// (read % K) and increments READ when it is done with it. Each side sleeps with Atomics.wait on the
// other's counter, having said so first (PRODUCER_WAITS / CONSUMER_WAITS), and is notified only when
// it said so: a side stores its counter and then reads the other's flag, the sleeper sets its flag and
// then waits on the counter's old value, so one of them sees the other (no lost wake-up; the consumer
// wakes a sleeping producer only once half the slots are free, which its reads reach, since the
// producer sleeps only on a full ring); STATE says
// whether the producer has ended (ok / error); QUIT asks it to stop.
// Most batches carry no aux at all (alignments, mark names, join/detach targets): their aux column is
// not copied (SLOT_AUX = 0) and the reader presents zeros instead.
// A batch the trace reader decoded into its shared memory (TraceReader.sharedMemory, posted first on the
// side port) is not copied at all: the slot carries its columns' byte offsets in that memory
// (SLOT_SHARED = 1) and the consumer reads them in place; the reader writes successive batches into as
// many column sets as the ring has slots, so a batch's columns stay untouched until its slot is read.
// Metadata (header, a slot's mark names, the end record) that does not fit its area is spilled: posted
// on a side MessagePort before its length is published as SPILLED, and taken back with
// receiveMessageOnPort, so the ring carries any valid trace.
// Invariant: 0 <= WRITTEN - READ <= K; a slot is written only while it is not readable.

export const RING_WRITTEN = 0;
export const RING_READ = 1;
export const RING_STATE = 2; // RingState
export const RING_HEADER_LEN = 3; // bytes of header JSON in the meta area (0 = not yet)
export const RING_END_LEN = 4; // bytes of end JSON in the meta area
export const RING_QUIT = 5;
/** 1 while the producer sleeps for a free slot / the consumer for a batch: the other side wakes it
 *  (Atomics.notify, a system call) only then. */
export const RING_PRODUCER_WAITS = 6;
export const RING_CONSUMER_WAITS = 7;
const RING_CTL_INTS = 8;

export const enum RingState {
  Running = 0,
  Ended = 1,
  Failed = 2,
}

/** Per-slot Float64 fields. */
export const SLOT_COUNT = 0;
export const SLOT_FIRST = 1;
export const SLOT_CHUNK = 2;
export const SLOT_OFFSET = 3;
export const SLOT_BYTES_READ = 4;
export const SLOT_MARKS_LEN = 5;
/** 1 when the slot's aux column was written; 0 when every aux of its events is 0 (not copied). */
export const SLOT_AUX = 6;
/** 1: the batch's columns are in the decoder's shared memory, at the byte offsets below. */
export const SLOT_SHARED = 7;
export const SLOT_OP_AT = 8;
export const SLOT_TID_AT = 9;
export const SLOT_ID_AT = 10;
export const SLOT_SIZE_AT = 11;
export const SLOT_AUX_AT = 12;
const SLOT_F64 = 16;

export interface RingGeometry {
  slots: number;
  capacity: number;
  markBytes: number;
  metaBytes: number;
}

/** Decode worker → reader, first on the side port: its reader's shared memory, and whether that is
 *  the region of the replay's memory it was given (OpenTraceOptions.arena). */
export interface RingMemoryMessage { memory: WebAssembly.Memory | null; region: boolean }

/** 8 slots: the decode-bound 4141 trace waited for free slots when the replay worker had a burst of
 *  cold paths (thread starts, SuperSlab maps); 8 against 4: +5-7 % there, 12345 not slower (paired
 *  A/B, bench/RESULTS.md). Max RSS of a 67 M-event replay 129 -> 133 MB. */
export const RING_DEFAULT: RingGeometry = { slots: 8, capacity: 32768, markBytes: 1 << 16, metaBytes: 1 << 20 };

interface RingSlot {
  f: Float64Array;
  op: Uint8Array;
  tid: Uint32Array;
  id: Uint32Array;
  size: Float64Array;
  aux: Uint32Array;
  marks: Uint8Array;
}

export interface Ring {
  buffer: SharedArrayBuffer;
  geometry: RingGeometry;
  ctl: Int32Array;
  /** First half of the meta area: the header JSON; second half: the end record JSON. */
  headerArea: Uint8Array;
  endArea: Uint8Array;
  slots: RingSlot[];
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function slotBytes(g: RingGeometry): number {
  return SLOT_F64 * 8 + g.capacity * 8 + align8(g.capacity * 4) * 3 + align8(g.capacity) + align8(g.markBytes);
}

export function ringCreate(g: RingGeometry = RING_DEFAULT): Ring {
  const bytes = RING_CTL_INTS * 4 + 2 * align8(g.metaBytes >> 1) + g.slots * slotBytes(g);
  return ringOpen(new SharedArrayBuffer(align8(bytes)), g);
}

/** Wraps the views of a ring buffer (both sides call this with the same geometry). */
export function ringOpen(buffer: SharedArrayBuffer, g: RingGeometry): Ring {
  const ctl = new Int32Array(buffer, 0, RING_CTL_INTS);
  let at = RING_CTL_INTS * 4;
  const half = align8(g.metaBytes >> 1);
  const headerArea = new Uint8Array(buffer, at, half);
  const endArea = new Uint8Array(buffer, at + half, half);
  at += 2 * half;
  const slots: RingSlot[] = [];
  for (let s = 0; s < g.slots; s++) {
    const f = new Float64Array(buffer, at, SLOT_F64);
    at += SLOT_F64 * 8;
    const size = new Float64Array(buffer, at, g.capacity);
    at += g.capacity * 8;
    const tid = new Uint32Array(buffer, at, g.capacity);
    at += align8(g.capacity * 4);
    const id = new Uint32Array(buffer, at, g.capacity);
    at += align8(g.capacity * 4);
    const aux = new Uint32Array(buffer, at, g.capacity);
    at += align8(g.capacity * 4);
    const op = new Uint8Array(buffer, at, g.capacity);
    at += align8(g.capacity);
    const marks = new Uint8Array(buffer, at, g.markBytes);
    at += align8(g.markBytes);
    slots.push({ f, op, tid, id, size, aux, marks });
  }
  return { buffer, geometry: g, ctl, headerArea, endArea, slots };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Length value meaning "this metadata was posted on the side port". */
const RING_SPILLED = -1;

/** The side channel for metadata too large for its area (the decode worker posts, the replay side takes). */
interface RingSpillPort {
  postMessage(value: unknown): void;
}

/** Writes `value` as JSON into `area` and returns its length; when it does not fit, posts it on `side`
 *  and returns RING_SPILLED (the caller then publishes that length). */
export function ringPutJson(area: Uint8Array, value: unknown, side: RingSpillPort): number {
  const json = JSON.stringify(value);
  if (json.length * 3 > area.length) {
    const bytes = encoder.encode(json);
    if (bytes.length > area.length) {
      side.postMessage(json);
      return RING_SPILLED;
    }
    area.set(bytes);
    return bytes.length;
  }
  const r = encoder.encodeInto(json, area);
  return r.written;
}

/** Reads metadata published with `length` (RING_SPILLED: the next message of `take`). */
export function ringGetJson<T>(area: Uint8Array, length: number, take: () => string): T {
  if (length === RING_SPILLED) return JSON.parse(take()) as T;
  return JSON.parse(decoder.decode(area.slice(0, length))) as T;
}
