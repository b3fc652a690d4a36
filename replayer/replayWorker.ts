// The replay worker: owns the allocator (and so its SharedArrayBuffer) and runs replayRun. It posts
// only rare messages: 'ready' with the allocator's buffer, one 'mark' per mark, and 'done' or 'error'.
// A file is read by a decode worker the host started beside this one (data.decoder: its ring and side
// port), so the two boot at once; the host forwards the decode worker's death ('decoder' messages).
// The replay code is loaded after attaching (dynamic import), while the decode worker reads the header.
// When the trace comes from the host's stdin, the host forwards it in chunks ('data'/'end'), and the
// worker acknowledges each chunk it consumed so the host never buffers more than a few.

import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { controlOpen } from './control.js';
import type { ReplayConfig } from './replayCore.js';
import { replayErrorToData } from './replayError.js';
import { threadRowsPack, type ThreadRowsPacked } from './threadTable.js';
import { DecoderWatch, ringReaderAttach, type RingDecoder, type ReplaySource } from './ringReader.js';

export interface ReplayWorkerData {
  path: string | null;
  cfg: ReplayConfig;
  control: SharedArrayBuffer;
  /** The decode worker the host started on `path` (its side port is transferred with the data). */
  decoder?: RingDecoder;
  /** The memory the host made for the allocator (its spare region is the decode worker's arena). */
  memory?: WebAssembly.Memory;
}

/** Host → replay worker: the decode worker is gone (failed or exited, with why). */
export interface ReplayWorkerDecoderGone { type: 'decoder'; gone: string }

export type ReplayWorkerMessage =
  | { type: 'ready'; buffer: SharedArrayBuffer }
  | { type: 'mark'; mark: import('./result.js').ReplayMark }
  | { type: 'ack' }
  /** The result, its thread rows packed (threads: undefined in `result`, keeping the field's place). */
  | { type: 'done'; result: import('./result.js').ReplayResult; threads: ThreadRowsPacked | null }
  | { type: 'error'; error: import('./replayError.js').ReplayErrorData };

function workerStdin(): Readable {
  const input = new Readable({ read() {} });
  parentPort!.on('message', (msg: { type: string; chunk?: Uint8Array }) => {
    if (msg.type === 'data' && msg.chunk) {
      input.push(Buffer.from(msg.chunk.buffer, msg.chunk.byteOffset, msg.chunk.byteLength));
      parentPort!.postMessage({ type: 'ack' } satisfies ReplayWorkerMessage);
    } else if (msg.type === 'end') {
      input.push(null);
    }
  });
  return input;
}

async function workerMain(): Promise<void> {
  const data = workerData as ReplayWorkerData;
  const post = (m: ReplayWorkerMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);
  const source = data.path ?? workerStdin();
  // Attach to the decode worker first: it reads the header while this worker loads the replay code.
  // (Without one, replayRun opens the source itself.)
  let opening: Promise<ReplaySource> | undefined;
  if (data.decoder) {
    const watch = new DecoderWatch();
    parentPort!.on('message', (m: ReplayWorkerDecoderGone) => { if (m.type === 'decoder') watch.gone ??= m.gone; });
    opening = ringReaderAttach({ ...data.decoder, memory: data.memory }, watch, async () => undefined); // the host stops the decode worker
    opening.catch(() => undefined); // observed by replayRun
  }
  try {
    const { replayRun } = await import('./replayCore.js');
    const result = await replayRun(source, data.cfg, controlOpen(data.control), {
      opening,
      memory: data.memory,
      onReady: (alloc) => post({ type: 'ready', buffer: alloc.buffer }),
      onMark: (mark) => post({ type: 'mark', mark }),
    });
    const threads = result.threads ? threadRowsPack(result.threads) : null;
    post({ type: 'done', result: { ...result, threads: undefined }, threads }, threads ? [threads.figures.buffer, threads.states.buffer] : []);
  } catch (err) {
    post({ type: 'error', error: replayErrorToData(err) });
  }
  parentPort!.close();
}

void workerMain();
