// Allocation sites of a trace with stacks (`info --top-sites`), in one streaming pass: per stack id
// (0 = unknown) its live bytes, its live bytes at the moment of the trace's peak of total live bytes
// (heaptrack's "peak contributions"), at the end, allocations and bytes allocated. Memory: a few
// numbers per stack and a stack id and size per live object id (bounded by the peak live objects),
// never by trace length. The value at the peak is kept lazily: a stack's value at the latest peak
// is saved just before its first change after that peak (an epoch per peak), so each event is O(1).
// A realloc moves its object to the realloc's stack (as free + alloc there would).
import { openTrace } from './reader.js';
import type { OpenTraceOptions } from './types.js';

export interface TraceSite {
  /** Stack id (0: no stack recorded). */
  stack: number;
  /** Frames, innermost first ([] for stack 0). */
  frames: string[];
  /** Live bytes of this site at the peak of total live bytes. */
  peakBytes: number;
  /** Live bytes at the end of the trace. */
  endBytes: number;
  /** Allocations (alloc, calloc, memalign, realloc) made here. */
  allocations: number;
  bytesAllocated: number;
}

export interface TraceSitesResult {
  /** The trace has a stack table (header stackDepth > 0); false: every allocation is site 0. */
  hasStacks: boolean;
  stacks: number;
  peakLiveBytes: number;
  /** Global index of the event that first reached the peak (-1: no allocation). */
  peakEvent: number;
  endLiveBytes: number;
  /** The top sites by live bytes at the peak (then allocations), at most `top`. */
  atPeak: TraceSite[];
  /** The top sites by live bytes at the end, at most `top`, sites with 0 bytes left out. */
  atEnd: TraceSite[];
}

class Grow {
  a = new Float64Array(256);
  at(i: number): Float64Array {
    if (i >= this.a.length) {
      let n = this.a.length;
      while (n <= i) n *= 2;
      const b = new Float64Array(n);
      b.set(this.a);
      this.a = b;
    }
    return this.a;
  }
}

/** One streaming pass over source; `top` sites per list (default 10). */
export async function traceTopSites(source: string | NodeJS.ReadableStream, opts: OpenTraceOptions & { top?: number } = {}): Promise<TraceSitesResult> {
  const { top: topOpt, ...ropts } = opts;
  const top = topOpt ?? 10;
  const r = await openTrace(source, ropts);
  // per stack
  const live = new Grow(), atPeak = new Grow(), epoch = new Grow(), allocs = new Grow(), bytes = new Grow();
  // per live object id
  const objStack = new Grow(), objSize = new Grow();
  let total = 0, peak = 0, peakEpoch = 0, peakEvent = -1, maxStack = 0;
  const touch = (s: number): void => {
    const e = epoch.at(s);
    if (e[s]! < peakEpoch) {
      atPeak.at(s)[s] = live.a[s] ?? 0;
      e[s] = peakEpoch;
    }
    if (s > maxStack) maxStack = s;
  };
  const add = (s: number, d: number): void => {
    touch(s);
    live.at(s)[s]! += d;
  };
  try {
    for await (const b of r.batches()) {
      const { op, id, size } = b;
      const st = b.stack;
      const hasSt = r.header.stackDepth > 0 && st !== undefined;
      for (let i = 0; i < b.count; i++) {
        const o = op[i]!;
        if (o === 0 || o === 3 || o === 4 || o === 2) {
          const s = hasSt ? st[i]! : 0, x = id[i]!, sz = size[i]!;
          if (o === 2) {
            const old = objSize.at(x)[x]!;
            add(objStack.at(x)[x]!, -old);
            total -= old;
          }
          add(s, sz);
          allocs.at(s)[s]!++;
          bytes.at(s)[s]! += sz;
          objStack.at(x)[x] = s;
          objSize.at(x)[x] = sz;
          total += sz;
          if (total > peak) {
            peak = total;
            peakEpoch++;
            peakEvent = b.first + i;
          }
        } else if (o === 1) {
          const x = id[i]!;
          add(objStack.at(x)[x]!, -objSize.at(x)[x]!);
          total -= objSize.a[x]!;
        }
      }
    }
  } finally {
    await r.close();
  }
  const sites: TraceSite[] = [];
  for (let s = 0; s <= maxStack; s++) {
    const a = allocs.at(s)[s]!;
    if (a === 0 && (live.at(s)[s] ?? 0) === 0) continue;
    const pk = (epoch.at(s)[s]! < peakEpoch ? live.at(s)[s] : atPeak.at(s)[s]) ?? 0;
    sites.push({ stack: s, frames: r.stacks.frames(s), peakBytes: pk, endBytes: live.at(s)[s]!, allocations: a, bytesAllocated: bytes.at(s)[s]! });
  }
  const byPeak = [...sites].sort((x, y) => y.peakBytes - x.peakBytes || y.allocations - x.allocations || x.stack - y.stack);
  const byEnd = sites.filter((x) => x.endBytes > 0).sort((x, y) => y.endBytes - x.endBytes || x.stack - y.stack);
  return {
    hasStacks: r.header.stackDepth > 0, stacks: r.stacks.count, peakLiveBytes: peak, peakEvent, endLiveBytes: total,
    atPeak: byPeak.slice(0, top), atEnd: byEnd.slice(0, top),
  };
}
