// The replay worker: owns the allocator (and so its SharedArrayBuffer) and runs replayRun. It posts
// only rare messages: 'ready' with the allocator's buffer, one 'mark' per mark, and 'done' or 'error'.
// The trace code is loaded after the decode worker is started (dynamic import), so both start at once.
// When the trace comes from the host's stdin, the host forwards it in chunks ('data'/'end'), and the
// worker acknowledges each chunk it consumed so the host never buffers more than a few.

import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { controlOpen } from './control.js';
import type { ReplayConfig } from './replayCore.js';
import { replayErrorToData } from './replayError.js';
import { ringReaderOpen, type ReplaySource } from './ringReader.js';

export interface ReplayWorkerData {
  path: string | null;
  cfg: ReplayConfig;
  control: SharedArrayBuffer;
}

export type ReplayWorkerMessage =
  | { type: 'ready'; buffer: SharedArrayBuffer }
  | { type: 'mark'; mark: import('./result.js').ReplayMark }
  | { type: 'ack' }
  | { type: 'done'; result: import('./result.js').ReplayResult }
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
  const post = (m: ReplayWorkerMessage): void => parentPort!.postMessage(m);
  const source = data.path ?? workerStdin();
  // Start the decode worker first: it loads the trace code while this worker loads the replay code.
  let opening: Promise<ReplaySource> | undefined;
  if (data.cfg.pipeline && data.path !== null) {
    opening = ringReaderOpen(data.path, { lenient: data.cfg.lenient, allowTruncated: data.cfg.allowTruncated });
    opening.catch(() => undefined); // observed by replayRun
  }
  try {
    const { replayRun } = await import('./replayCore.js');
    const result = await replayRun(source, data.cfg, controlOpen(data.control), {
      opening,
      onReady: (alloc) => post({ type: 'ready', buffer: alloc.buffer }),
      onMark: (mark) => post({ type: 'mark', mark }),
    });
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'error', error: replayErrorToData(err) });
  }
  parentPort!.close();
}

void workerMain();
