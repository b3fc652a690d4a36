// allocator/statsView.ts — reading the statistics block: a snapshot function over the buffer's views
// (used by the owner's stats()) and openStatsView(buffer), a reader for any thread that validates the
// magic and layout version and re-wraps its views when the buffer grew. Reading never writes the buffer,
// so the mutator pays nothing for it (figures are read with plain loads and may be a few events stale).
import { AllocUsageError } from './errors.js';
import * as L from './layout.js';
import { oomFromStats, type OomInfo } from './os.js';

export interface ClassStats {
  size: number; blocksAllocated: number; blocksFreed: number; liveBlocks: number; bytesFreed: number;
  slabs: number; magazineBlocks: number; superSlabs: number; emptyReserved: number; remoteFrees: number;
}
export interface ThreadStats { slot: number; tid: number; allocs: number; frees: number; liveBlocks: number; remoteFreesSent: number; remoteFreesReceived: number }
export interface DerivedStats {
  ssLive: number; blocksAllocated: number; blocksFreed: number; bytesAllocated: number; bytesFreed: number;
  liveBlocks: number; threadsLive: number;
}
export type AllocStats = Record<L.StatField, number> & DerivedStats & {
  classes: ClassStats[];
  /** live thread slots; liveBlocks = allocs - frees by that thread (negative when it frees others' blocks) */
  threads: ThreadStats[];
  oom: OomInfo | null;
};

export function statsRead(i32: Int32Array, f64: Float64Array): AllocStats {
  const out = {} as Record<string, unknown>;
  for (const name of L.STAT_FIELDS) out[name] = f64[L.S[name]]!;
  const nc = i32[L.H_NCLASSES]!;
  const classes: ClassStats[] = [];
  let alloc = f64[L.S.largeAllocated]!;
  let freed = f64[L.S.largeFreed]!;
  let bytesA = f64[L.S.largeBytesAllocated]!;
  let bytesF = f64[L.S.largeBytesFreed]!;
  const hw = i32[L.H_THR_HW]!;
  const thr = i32[L.H_THR_OFF]!;
  const tstride = i32[L.H_THR_STRIDE]!;
  const mag = new Array<number>(nc).fill(0);
  for (let s = 0; s < hw; s++) {
    const t = thr + s * tstride;
    if (t + tstride > i32.length || i32[t + L.T_SERIAL] === 0) continue;
    for (let c = 0; c < nc; c++) mag[c]! += i32[t + L.T_MAGTOP + c]!;
  }
  for (let c = 0; c < nc; c++) {
    const b = L.CLASS_STATS_F64 + c * L.CLASS_STRIDE;
    const g = (k: L.ClassStatField): number => f64[b + L.CS[k]]!;
    const size = g('size');
    const cs: ClassStats = {
      size, blocksAllocated: g('blocksAllocated'), blocksFreed: g('blocksFreed'),
      liveBlocks: g('blocksAllocated') - g('blocksFreed'), bytesFreed: g('blocksFreed') * size,
      slabs: g('slabs'), magazineBlocks: mag[c]!, superSlabs: g('superSlabs'),
      emptyReserved: g('emptyReserved'), remoteFrees: g('remoteFrees'),
    };
    alloc += cs.blocksAllocated;
    freed += cs.blocksFreed;
    bytesA += cs.blocksAllocated * size;
    bytesF += cs.bytesFreed;
    classes.push(cs);
  }
  const threads: ThreadStats[] = [];
  const ts = i32[L.H_THRSTAT_OFF]! >> 1;
  for (let s = 0; s < hw; s++) {
    const b = ts + s * L.TS_STRIDE;
    if (b + L.TS_STRIDE > f64.length || f64[b + L.TS.active] !== 1) continue;
    const allocs = f64[b + L.TS.allocs]!;
    const frees = f64[b + L.TS.frees]!;
    threads.push({
      slot: s, tid: f64[b + L.TS.tid]!, allocs, frees, liveBlocks: allocs - frees,
      remoteFreesSent: f64[b + L.TS.remoteFreesSent]!, remoteFreesReceived: f64[b + L.TS.remoteFreesReceived]!,
    });
  }
  const st = out as AllocStats;
  st.ssLive = st.ssAllocated - st.ssFreed;
  st.blocksAllocated = alloc;
  st.blocksFreed = freed;
  st.bytesAllocated = bytesA;
  st.bytesFreed = bytesF;
  st.liveBlocks = alloc - freed;
  st.threadsLive = st.threadsStarted - st.threadsExited;
  st.classes = classes;
  st.threads = threads;
  st.oom = st.oomCount > 0 ? oomFromStats(f64) : null;
  return st;
}

export interface StatsView {
  readonly buffer: SharedArrayBuffer;
  /** A full snapshot (global, derived, per class, per live thread slot, OOM). */
  read(): AllocStats;
  /** One global field, cheapest possible read. */
  field(name: L.StatField): number;
}

/** Opens a read-only statistics view on an allocator's buffer (from any thread). */
export function openStatsView(buffer: SharedArrayBuffer): StatsView {
  let len = 0;
  let i32: Int32Array = new Int32Array(0);
  let f64: Float64Array = new Float64Array(0);
  const wrap = (): void => {
    if (buffer.byteLength === len) return;
    len = buffer.byteLength;
    i32 = new Int32Array(buffer, 0, Math.floor(len / 4)); // (not len >>> 2: a 4 GiB buffer would read as 0)
    f64 = new Float64Array(buffer, 0, Math.floor(len / 8));
  };
  wrap();
  if (len < L.HEAP_START_WORDS * 4 || i32[L.H_MAGIC] !== L.LAYOUT_MAGIC) {
    throw new AllocUsageError('not a slabtrace allocator buffer (bad magic)', 'bad_buffer');
  }
  if (i32[L.H_VERSION] !== L.LAYOUT_VERSION) {
    throw new AllocUsageError(`allocator buffer layout version ${i32[L.H_VERSION]}, expected ${L.LAYOUT_VERSION}`, 'bad_buffer');
  }
  return {
    buffer,
    read(): AllocStats { wrap(); return statsRead(i32, f64); },
    field(name: L.StatField): number { return f64[L.S[name]]!; },
  };
}
