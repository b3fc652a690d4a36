// Shrink candidates: a base trace minus some units, written as a new valid trace. The units of a base
// trace are its objects (numbered by allocation order), its thread incarnations (numbered by start
// order; thread 0's first is incarnation 0) and its marks (one unit for all). A candidate drops units:
// an allocation is dropped with its object or with its thread, and then its frees and reallocs go with
// it (closure: a kept free always frees something kept); a dropped thread takes all of its events, its
// objects, and the joins and detaches that name it. Sizes may be lowered to a class minimum (the
// smallest size that still lands in the same size class). Streams the base; memory is bounded by the
// unit masks and the live ids.
// Invariant: a candidate reads back without error and replays under the same configuration.

import {
  createTraceWriter, openTrace, OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_THREAD_DETACH,
  OP_THREAD_EXIT, OP_THREAD_JOIN, OP_THREAD_START, type TraceFooter,
} from '../traces/index.js';

/** How many units of each kind a base trace has. */
export interface ShrinkUnits {
  objects: number;
  threads: number;
  marks: number;
  events: number;
}

/** What a candidate leaves out (masks indexed by unit number; 1 = dropped). */
export interface ShrinkDrop {
  objects?: Uint8Array;
  threads?: Uint8Array;
  marks?: boolean;
  /** Lower each small size to its class minimum (class sizes ascending; larger sizes stay). */
  classSizes?: readonly number[];
}

/** Counts the units of `base` (one pass). */
export async function shrinkUnits(base: string): Promise<ShrinkUnits> {
  const r = await openTrace(base);
  const u: ShrinkUnits = { objects: 0, threads: 1, marks: 0, events: 0 };
  for await (const b of r.batches()) {
    u.events += b.count;
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i]!;
      if (op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN) u.objects++;
      else if (op === OP_THREAD_START) u.threads++;
      else if (op === OP_MARK) u.marks++;
    }
  }
  return u;
}

/** The smallest size of the class that `size` rounds up to (sizes beyond the classes unchanged). */
function shrinkClassMin(size: number, classes: readonly number[]): number {
  let prev = 0;
  for (const c of classes) {
    if (size <= c) return prev + 1;
    prev = c;
  }
  return size;
}

/** Growable per-id table: the object unit of each live id and its new id (-1: not written). */
class ShrinkIds {
  unit = new Float64Array(4096).fill(-1);
  out = new Float64Array(4096).fill(-1);
  ensure(id: number): void {
    if (id < this.unit.length) return;
    let n = this.unit.length;
    while (n <= id) n *= 2;
    const u = new Float64Array(n).fill(-1);
    const o = new Float64Array(n).fill(-1);
    u.set(this.unit);
    o.set(this.out);
    this.unit = u;
    this.out = o;
  }
}

/** Writes `base` minus `drop` to `dest`; resolves with the new trace's footer. */
export async function shrinkWrite(base: string, dest: string, drop: ShrinkDrop): Promise<TraceFooter> {
  const r = await openTrace(base);
  const w = createTraceWriter(dest, r.header);
  const ids = new ShrinkIds();
  const inc = new Map<number, number>([[0, 0]]); // tid → its current incarnation unit
  let objects = 0;
  let threads = 1;
  const thrDropped = (tid: number): boolean => !!drop.threads && drop.threads[inc.get(tid) ?? 0] === 1;
  try {
    for await (const b of r.batches()) {
      for (let i = 0; i < b.count; i++) {
        const op = b.op[i]!, tid = b.tid[i]!, id = b.id[i]!, aux = b.aux[i]!;
        let size = b.size[i]!;
        switch (op) {
          case OP_ALLOC: case OP_CALLOC: case OP_MEMALIGN: {
            const unit = objects++;
            ids.ensure(id);
            ids.unit[id] = unit;
            if ((drop.objects && drop.objects[unit] === 1) || thrDropped(tid)) { ids.out[id] = -1; break; }
            if (drop.classSizes) size = shrinkClassMin(size, drop.classSizes);
            ids.out[id] = op === OP_ALLOC ? w.alloc(tid, size) : op === OP_CALLOC ? w.calloc(tid, size) : w.memalign(tid, aux, size);
            break;
          }
          case OP_FREE: {
            const n = id < ids.out.length ? ids.out[id]! : -1;
            if (n >= 0 && !thrDropped(tid)) w.free(tid, n);
            if (id < ids.out.length) ids.out[id] = -1;
            break;
          }
          case OP_REALLOC: {
            const n = id < ids.out.length ? ids.out[id]! : -1;
            if (n < 0 || thrDropped(tid)) break; // the object stays as it was
            if (drop.classSizes) size = shrinkClassMin(size, drop.classSizes);
            ids.out[id] = w.realloc(tid, n, size);
            break;
          }
          case OP_THREAD_START: inc.set(tid, threads++); if (!thrDropped(tid)) w.threadStart(tid); break;
          case OP_THREAD_EXIT: if (!thrDropped(tid)) w.threadExit(tid); break;
          case OP_THREAD_JOIN: if (!thrDropped(tid) && !thrDropped(aux)) w.threadJoin(tid, aux); break;
          case OP_THREAD_DETACH: if (!thrDropped(tid) && !thrDropped(aux)) w.threadDetach(tid, aux); break;
          case OP_MARK: if (!drop.marks && !thrDropped(tid)) w.mark(tid, b.markNames[aux]!); break;
          default: break;
        }
      }
      if (w.needsDrain) await w.drain();
    }
  } catch (err) {
    await w.abort();
    await r.close();
    throw err;
  }
  await r.close();
  return w.close();
}
