// allocator/statsReader.worker.mjs — test worker: reads the allocator's statistics block from another
// thread through the SharedArrayBuffer only (layout constants arrive in workerData), while the owner
// mutates it. Plain JS so that it runs without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

const { buffer, stop, magic, version, f64Index } = workerData;
const stopFlag = new Int32Array(stop);
let len = 0;
let i32 = new Int32Array(0);
let f64 = new Float64Array(0);
let rewraps = 0;
function wrap() {
  if (buffer.byteLength === len) return;
  len = buffer.byteLength;
  i32 = new Int32Array(buffer, 0, len >> 2);
  f64 = new Float64Array(buffer, 0, len >> 3);
  rewraps++;
}
wrap();
let reads = 0, violations = 0, nonZeroReads = 0;
const last = {};
for (const k of Object.keys(f64Index)) last[k] = 0;
parentPort.postMessage({ type: 'ready' });
while (Atomics.load(stopFlag, 0) === 0) {
  wrap();
  if (i32[0] !== magic || i32[1] !== version) { violations++; break; }
  for (const [k, i] of Object.entries(f64Index)) {
    const v = f64[i];
    if (k !== 'rss' && v < last[k]) violations++; // counters only grow
    last[k] = v;
  }
  if (last.ssAllocated > 0) nonZeroReads++;
  reads++;
}
wrap();
const final = {};
for (const [k, i] of Object.entries(f64Index)) final[k] = f64[i];
parentPort.postMessage({ type: 'done', reads, nonZeroReads, violations, rewraps, final, byteLength: buffer.byteLength });
