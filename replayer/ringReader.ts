// The replay side of the batch ring: starts the decode worker on a trace file and presents what it
// publishes with the shape of a trace reader (header, batches, footer, skipped, truncated, bytesRead),
// so the replay loop does not know whether it decodes itself. A decode error is rethrown, rebuilt from
// the end record, after the batches before it — where the in-process reader would have thrown it.
// Every wait here also ends when the decode worker dies without an end record (an internal error is
// thrown) and when the replay is asked to stop (`interrupt`): waits are asynchronous, in short slices.
// The decode worker can be started by another thread than the reader's (ringDecoderStart): the host
// starts it beside the replay worker, so that the two boot at once, and hands the replay worker its
// ring and side port (a RingDecoder); the host then watches the worker and forwards its death
// (DecoderWatch.gone), and stops it once the replay is over.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type {
  EventBatch, OpenTraceOptions, TraceDigestStatus, TraceFooter, TraceFooterMismatch, TraceHeader, TraceReader,
} from '../traces/index.js';
import {
  ringCreate, ringGetJson, ringOpen, RingState, RING_CONSUMER_WAITS, RING_DEFAULT, RING_END_LEN, RING_HEADER_LEN, RING_PRODUCER_WAITS, RING_QUIT,
  RING_READ, RING_STATE, RING_WRITTEN,
  SLOT_AUX, SLOT_AUX_AT, SLOT_BYTES_READ, SLOT_CHUNK, SLOT_COUNT, SLOT_FIRST, SLOT_ID_AT, SLOT_MARKS_LEN, SLOT_OFFSET, SLOT_OP_AT,
  SLOT_SHARED, SLOT_SIZE_AT, SLOT_TID_AT, type Ring, type RingGeometry, type RingMemoryMessage,
} from './batchRing.js';
import type { DecodeWorkerData } from './decodeWorker.js';
import { replayErrorFromData, type ReplayErrorData } from './replayError.js';
import { replayerWorkerUrl } from './workerUrl.js';

/** What the replay loop needs of a trace reader. */
export type ReplaySource = Pick<TraceReader, 'header' | 'batches' | 'footer' | 'truncated' | 'skipped' | 'bytesRead' | 'close'
  | 'digestStatus' | 'footerMismatches'> & {
  /** Set by the replay: checked while waiting for the decoder; true ends batches() early. */
  interrupt?: () => boolean;
};

interface EndRecord {
  footer?: TraceFooter | null;
  truncated?: boolean;
  skipped?: number;
  bytesRead?: number;
  digestStatus?: TraceDigestStatus;
  /** Lenient reads: the footer fields that disagree (their errors as data). */
  footerMismatches?: { field: TraceFooterMismatch['field']; footer: number | string; read: number | string; error: ReplayErrorData }[];
  error?: ReplayErrorData;
}

/** What the reader knows of the decode worker's life: `gone` once it exited or failed (with why). */
export class DecoderWatch {
  gone: string | null = null;

  /** A watch fed by the events of a worker of this thread. */
  static of(worker: Worker): DecoderWatch {
    const w = new DecoderWatch();
    decoderOnGone(worker, (why) => { w.gone ??= why; });
    return w;
  }
}

/** Calls `gone` with why when the decode worker fails or exits (the first of the two wins). */
export function decoderOnGone(worker: Worker, gone: (why: string) => void): void {
  worker.on('error', (err) => gone(`decode worker failed: ${err.message}`));
  worker.on('exit', (code) => gone(`decode worker exited (code ${code})`));
}

/** A started decode worker as the reader needs it: the ring and the side port's reading end (both
 *  can be sent to another thread; the port is transferred). */
export interface RingDecoder {
  ring: SharedArrayBuffer;
  geometry: RingGeometry;
  side: MessagePort;
  /** The memory whose region the decoder's arena was given (open.arena), as the reader's thread
   *  holds it: batches there are viewed through this object, so they share its buffer. */
  memory?: WebAssembly.Memory;
}

/** Starts a decode worker on `path`; the caller owns the worker (watch it, terminate it). */
export function ringDecoderStart(path: string, open: OpenTraceOptions, geometry: RingGeometry = RING_DEFAULT): { link: RingDecoder; worker: Worker } {
  const ring = ringCreate(geometry);
  const channel = new MessageChannel();
  const data: DecodeWorkerData = { path, ring: ring.buffer, geometry: ring.geometry, open, side: channel.port2 };
  const worker = new Worker(replayerWorkerUrl('decodeWorker'), { workerData: data, transferList: [channel.port2] });
  return { link: { ring: ring.buffer, geometry: ring.geometry, side: channel.port1 }, worker };
}

class RingReader implements ReplaySource {
  footer: TraceFooter | null = null;
  truncated = false;
  skipped = 0;
  bytesRead = 0;
  digestStatus: TraceDigestStatus = 'unchecked';
  footerMismatches: TraceFooterMismatch[] = [];
  interrupt?: () => boolean;
  private readonly take: () => string;
  /** What a slot without an aux column presents (zeros, never written). */
  private readonly zeroAux: Uint32Array;

  constructor(
    readonly header: TraceHeader, private readonly ring: Ring, private readonly stop: () => Promise<void>,
    private readonly watch: DecoderWatch, private readonly side: MessagePort, private readonly memory: WebAssembly.Memory | null,
  ) {
    this.take = () => ringTakeSpilled(side);
    this.zeroAux = new Uint32Array(ring.geometry.capacity);
  }

  private end(): EndRecord {
    return ringGetJson<EndRecord>(this.ring.endArea, Atomics.load(this.ring.ctl, RING_END_LEN), this.take);
  }

  private finish(): void {
    const end = this.end();
    this.skipped = end.skipped ?? this.skipped;
    if (end.error) throw replayErrorFromData(end.error);
    this.footer = end.footer ?? null;
    this.truncated = end.truncated ?? false;
    this.bytesRead = end.bytesRead ?? this.bytesRead;
    this.digestStatus = end.digestStatus ?? 'unchecked';
    this.footerMismatches = (end.footerMismatches ?? []).map((m) => ({
      field: m.field, footer: m.footer, read: m.read, error: replayErrorFromData(m.error) as TraceFooterMismatch['error'],
    }));
  }

  private view(seq: number): EventBatch {
    const slot = this.ring.slots[seq % this.ring.geometry.slots];
    const f = slot.f;
    this.bytesRead = f[SLOT_BYTES_READ];
    const marksLen = f[SLOT_MARKS_LEN];
    if (f[SLOT_SHARED] === 1) return this.viewShared(f, marksLen, slot.marks);
    return {
      count: f[SLOT_COUNT],
      first: f[SLOT_FIRST],
      chunk: f[SLOT_CHUNK],
      byteOffset: f[SLOT_OFFSET],
      op: slot.op as unknown as Uint8Array<ArrayBuffer>,
      tid: slot.tid as unknown as Uint32Array<ArrayBuffer>,
      id: slot.id as unknown as Uint32Array<ArrayBuffer>,
      size: slot.size as unknown as Float64Array<ArrayBuffer>,
      aux: (f[SLOT_AUX] === 1 ? slot.aux : this.zeroAux) as unknown as Uint32Array<ArrayBuffer>,
      markNames: marksLen !== 0 ? ringGetJson<string[]>(slot.marks, marksLen, this.take) : [],
    };
  }

  /** A batch the decoder published in place: views of its columns in the decoder's shared memory. */
  private viewShared(f: Float64Array, marksLen: number, marks: Uint8Array): EventBatch {
    const n = f[SLOT_COUNT];
    const buf = this.memory!.buffer; // the newest: the decoder's memory grows by new buffers
    return {
      count: n,
      first: f[SLOT_FIRST],
      chunk: f[SLOT_CHUNK],
      byteOffset: f[SLOT_OFFSET],
      op: new Uint8Array(buf, f[SLOT_OP_AT], n) as unknown as Uint8Array<ArrayBuffer>,
      tid: new Uint32Array(buf, f[SLOT_TID_AT], n) as unknown as Uint32Array<ArrayBuffer>,
      id: new Uint32Array(buf, f[SLOT_ID_AT], n) as unknown as Uint32Array<ArrayBuffer>,
      size: new Float64Array(buf, f[SLOT_SIZE_AT], n) as unknown as Float64Array<ArrayBuffer>,
      aux: new Uint32Array(buf, f[SLOT_AUX_AT], n) as unknown as Uint32Array<ArrayBuffer>,
      markNames: marksLen !== 0 ? ringGetJson<string[]>(marks, marksLen, this.take) : [],
    };
  }

  async *batches(): AsyncIterableIterator<EventBatch> {
    const ctl = this.ring.ctl;
    const half = this.ring.geometry.slots >> 1;
    let read = Atomics.load(ctl, RING_READ);
    for (;;) {
      const written = Atomics.load(ctl, RING_WRITTEN);
      if (read < written) {
        yield this.view(read);
        read++;
        Atomics.store(ctl, RING_READ, read);
        // a sleeping producer is woken once half the ring is free (it sleeps only on a full ring, so
        // the reads reach that point), not on every slot: half the system calls, and it fills slots in turn
        if (Atomics.load(ctl, RING_PRODUCER_WAITS) === 1 && Atomics.load(ctl, RING_WRITTEN) - read <= half) Atomics.notify(ctl, RING_READ);
        continue;
      }
      if (Atomics.load(ctl, RING_STATE) !== RingState.Running) {
        if (Atomics.load(ctl, RING_WRITTEN) > read) continue;
        this.finish();
        return;
      }
      if (this.interrupt?.()) return;
      if (this.watch.gone !== null) throw new Error(`${this.watch.gone} without an end record, after ${read} batches`);
      Atomics.store(ctl, RING_CONSUMER_WAITS, 1);
      const r = Atomics.waitAsync(ctl, RING_WRITTEN, written, 100);
      if (r.async) await r.value;
      Atomics.store(ctl, RING_CONSUMER_WAITS, 0);
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.ring.ctl, RING_QUIT, 1);
    Atomics.notify(this.ring.ctl, RING_READ);
    this.side.close();
    await this.stop();
  }
}

/** The next spilled metadata message (posted before its length was published, so it is there). */
function ringTakeSpilled(side: MessagePort): string {
  const m = receiveMessageOnPort(side);
  if (!m) throw new Error('ring: spilled metadata missing from the side port');
  return m.message as string;
}

/** Waits (without blocking the event loop) until the header or an end record is published, or the
 *  decode worker is gone. */
async function ringAwaitHeader(ring: Ring, watch: DecoderWatch): Promise<void> {
  const ctl = ring.ctl;
  while (Atomics.load(ctl, RING_HEADER_LEN) === 0 && Atomics.load(ctl, RING_STATE) === RingState.Running && watch.gone === null) {
    const r = Atomics.waitAsync(ctl, RING_HEADER_LEN, 0, 100);
    if (r.async) await r.value;
  }
}

/** Opens `path` through a decode worker of this thread; rejects as openTrace would (bad magic, missing file…). */
export async function ringReaderOpen(path: string, open: OpenTraceOptions, geometry: RingGeometry = RING_DEFAULT): Promise<ReplaySource> {
  const { link, worker } = ringDecoderStart(path, open, geometry);
  return ringReaderAttach(link, DecoderWatch.of(worker), async () => { await worker.terminate(); });
}

/** A reader of the ring of a started decode worker, once it published the header; rejects as openTrace
 *  would. `stop` ends the worker (close() and a failed open call it; the reader already asked the
 *  worker to quit through the ring). */
export async function ringReaderAttach(link: RingDecoder, watch: DecoderWatch, stop: () => Promise<void>): Promise<ReplaySource> {
  const ring = ringOpen(link.ring, link.geometry);
  const side = link.side;
  side.unref();
  await ringAwaitHeader(ring, watch);
  const take = (): string => ringTakeSpilled(side);
  if (Atomics.load(ring.ctl, RING_HEADER_LEN) === 0) {
    const ended = Atomics.load(ring.ctl, RING_STATE) !== RingState.Running;
    const end = ended ? ringGetJson<EndRecord>(ring.endArea, Atomics.load(ring.ctl, RING_END_LEN), take) : {};
    Atomics.store(ring.ctl, RING_QUIT, 1);
    Atomics.notify(ring.ctl, RING_READ);
    await stop();
    side.close();
    throw end.error ? replayErrorFromData(end.error) : new Error(watch.gone ?? 'decode worker ended without a header');
  }
  // the decoder's shared memory (or null) was posted first, before the header's length
  const posted = receiveMessageOnPort(side)?.message as RingMemoryMessage | undefined;
  if (posted === undefined) throw new Error('ring: the decoder\'s memory message is missing from the side port');
  const header = ringGetJson<TraceHeader>(ring.headerArea, Atomics.load(ring.ctl, RING_HEADER_LEN), take);
  return new RingReader(header, ring, stop, watch, side, posted.region && link.memory ? link.memory : posted.memory);
}
