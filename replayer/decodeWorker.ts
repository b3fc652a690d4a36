// The decode worker: reads a trace file (decompression, protobuf/JSON decoding, validation — all of
// traces/) and publishes its batches into the batch ring for the replay worker. It stops when the trace
// ends, on an error (published as the end record, rebuilt on the other side), or when asked to quit.
// Metadata too large for the ring goes on the side port (batchRing.ts). The end record always gets
// out: if even that fails, a minimal one is published, and the state is set in every case.
// Batches the reader decoded into its shared memory are published without a copy (their columns'
// offsets); the reader writes into one column set per ring slot, in turn, and the next batch is only
// read once a slot is free, so the columns of every batch the consumer may still read stay untouched.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openTrace, OP_MARK, type EventBatch, type OpenTraceOptions, type TraceReader } from '../traces/index.js';
import {
  ringOpen, ringPutJson, RingState, RING_CONSUMER_WAITS, RING_END_LEN, RING_HEADER_LEN, RING_PRODUCER_WAITS, RING_QUIT, RING_READ,
  RING_STATE, RING_WRITTEN,
  SLOT_AUX, SLOT_AUX_AT, SLOT_BYTES_READ, SLOT_CHUNK, SLOT_COUNT, SLOT_FIRST, SLOT_ID_AT, SLOT_MARKS_LEN, SLOT_OFFSET, SLOT_OP_AT,
  SLOT_SHARED, SLOT_SIZE_AT, SLOT_TID_AT, type Ring, type RingGeometry, type RingMemoryMessage,
} from './batchRing.js';
import { replayErrorToData } from './replayError.js';

export interface DecodeWorkerData {
  path: string;
  ring: SharedArrayBuffer;
  geometry: RingGeometry;
  open: OpenTraceOptions;
  /** Where metadata too large for the ring goes. */
  side: MessagePort;
}

/** Waits for a free slot; returns its sequence number, or -1 when the consumer asked to quit. */
function ringAcquire(ring: Ring): number {
  const ctl = ring.ctl;
  const written = Atomics.load(ctl, RING_WRITTEN);
  for (;;) {
    if (Atomics.load(ctl, RING_QUIT) === 1) return -1;
    const read = Atomics.load(ctl, RING_READ);
    if (written - read < ring.geometry.slots) return written;
    Atomics.store(ctl, RING_PRODUCER_WAITS, 1);
    Atomics.wait(ctl, RING_READ, read, 200);
    Atomics.store(ctl, RING_PRODUCER_WAITS, 0);
  }
}

/** Whether any aux of events [from, to) is non-zero (else the slot's aux column is not copied). */
function ringAnyAux(aux: Uint32Array, from: number, to: number): boolean {
  let any = 0;
  for (let i = from; i < to; i++) any |= aux[i]!;
  return any !== 0;
}

/** Copies events [from, to) of `b` into slot `seq`'s columns (aux only when some is non-zero) and publishes it. */
function ringPublish(ring: Ring, seq: number, b: EventBatch, from: number, to: number, reader: TraceReader, side: MessagePort): void {
  const slot = ring.slots[seq % ring.geometry.slots];
  slot.op.set(b.op.subarray(from, to));
  slot.tid.set(b.tid.subarray(from, to));
  slot.id.set(b.id.subarray(from, to));
  slot.size.set(b.size.subarray(from, to));
  const aux = b.markNames.length > 0 || ringAnyAux(b.aux, from, to); // marks renumber their aux below
  if (aux) slot.aux.set(b.aux.subarray(from, to));
  let marksLen = 0;
  slot.f[SLOT_SHARED] = 0;
  if (b.markNames.length > 0) {
    const names: string[] = [];
    for (let i = from; i < to; i++) {
      if (b.op[i] === OP_MARK) {
        names.push(b.markNames[b.aux[i]]);
        slot.aux[i - from] = names.length - 1;
      }
    }
    marksLen = names.length ? ringPutJson(slot.marks, names, side) : 0;
  }
  ringSlotPublish(ring, seq, b, from, to, reader, marksLen, aux);
}

/** Publishes batch `b`, whose columns are in the reader's shared memory, in slot `seq` by their offsets. */
function ringPublishShared(ring: Ring, seq: number, b: EventBatch, reader: TraceReader, side: MessagePort): void {
  const slot = ring.slots[seq % ring.geometry.slots];
  const f = slot.f;
  f[SLOT_SHARED] = 1;
  f[SLOT_OP_AT] = b.op.byteOffset;
  f[SLOT_TID_AT] = b.tid.byteOffset;
  f[SLOT_ID_AT] = b.id.byteOffset;
  f[SLOT_SIZE_AT] = b.size.byteOffset;
  f[SLOT_AUX_AT] = b.aux.byteOffset;
  const marksLen = b.markNames.length > 0 ? ringPutJson(slot.marks, b.markNames, side) : 0;
  ringSlotPublish(ring, seq, b, 0, b.count, reader, marksLen, true);
}

/** The slot's progress fields, then WRITTEN: the slot becomes readable. */
function ringSlotPublish(ring: Ring, seq: number, b: EventBatch, from: number, to: number, reader: TraceReader, marksLen: number, aux: boolean): void {
  const f = ring.slots[seq % ring.geometry.slots].f;
  f[SLOT_COUNT] = to - from;
  f[SLOT_FIRST] = b.first + from;
  f[SLOT_CHUNK] = b.chunk;
  f[SLOT_OFFSET] = b.byteOffset;
  f[SLOT_BYTES_READ] = reader.bytesRead;
  f[SLOT_MARKS_LEN] = marksLen;
  f[SLOT_AUX] = aux ? 1 : 0;
  Atomics.store(ring.ctl, RING_WRITTEN, seq + 1);
  if (Atomics.load(ring.ctl, RING_CONSUMER_WAITS) === 1) Atomics.notify(ring.ctl, RING_WRITTEN);
}

/** Whether every column of b lies in the reader's shared memory. */
function ringShareable(reader: TraceReader, b: EventBatch): boolean {
  return reader.inSharedMemory(b.op) && reader.inSharedMemory(b.tid) && reader.inSharedMemory(b.id)
    && reader.inSharedMemory(b.size) && reader.inSharedMemory(b.aux);
}

function ringEnd(ring: Ring, state: RingState, record: unknown, side: MessagePort): void {
  let len: number;
  try {
    len = ringPutJson(ring.endArea, record, side);
  } catch (err) {
    state = RingState.Failed;
    len = ringPutJson(ring.endArea, { error: replayErrorToData(err) }, side);
  }
  Atomics.store(ring.ctl, RING_END_LEN, len);
  Atomics.store(ring.ctl, RING_STATE, state);
  Atomics.notify(ring.ctl, RING_WRITTEN);
  Atomics.notify(ring.ctl, RING_HEADER_LEN);
}

async function decodeMain(): Promise<void> {
  const data = workerData as DecodeWorkerData;
  const ring = ringOpen(data.ring, data.geometry);
  const cap = data.geometry.capacity;
  const side = data.side;
  let reader: TraceReader | null = null;
  try {
    reader = await openTrace(data.path, { ...data.open, batchSets: data.geometry.slots });
    // first on the side port, before the header's length: the reader's memory, and whether it is the
    // region of the replay's memory the host gave (the replay worker then reads it through its own object)
    const memory = reader.sharedMemory;
    side.postMessage({ memory, region: memory !== null && memory === data.open.arena?.memory } satisfies RingMemoryMessage);
    Atomics.store(ring.ctl, RING_HEADER_LEN, ringPutJson(ring.headerArea, reader.header, side));
    Atomics.notify(ring.ctl, RING_HEADER_LEN);
    const batches = reader.batches();
    for (;;) {
      // a free slot before the reader writes the next batch: its column set is then free too
      let seq = ringAcquire(ring);
      if (seq < 0) return;
      const next = await batches.next();
      if (next.done) break;
      const b = next.value;
      if (ringShareable(reader, b)) {
        ringPublishShared(ring, seq, b, reader, side);
        continue;
      }
      for (let i = 0; i < b.count; i += cap) {
        if (i > 0 && (seq = ringAcquire(ring)) < 0) return;
        ringPublish(ring, seq, b, i, Math.min(b.count, i + cap), reader, side);
      }
    }
    ringEnd(ring, RingState.Ended, {
      footer: reader.footer, truncated: reader.truncated, skipped: reader.skipped, bytesRead: reader.bytesRead,
      digestStatus: reader.digestStatus,
      footerMismatches: reader.footerMismatches.map((m) => ({ field: m.field, footer: m.footer, read: m.read, error: replayErrorToData(m.error) })),
    }, side);
  } catch (err) {
    ringEnd(ring, RingState.Failed, { error: replayErrorToData(err), skipped: reader?.skipped ?? 0 }, side);
  } finally {
    await reader?.close().catch(() => undefined);
    side.close();
    parentPort?.close();
  }
}

void decodeMain();
