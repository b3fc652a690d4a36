// The replay's hot loop with and without the WebAssembly kernel: the same seeded event batches (a
// Larson-like pattern: threads replacing random blocks, exiting and handing their slice to a new
// thread; small and large sizes; a handle table that starts too small) give the same buffer, byte
// for byte (its digest), the same statistics and the same failed allocations, on every preset and
// on a mapping limit that makes allocations fail; batches that lie in the spare region of a kernel
// memory the caller made (as the replay's decode worker writes them) are read in place, not copied,
// with the same effects, and a copied batch after them does not overwrite them.
import { describe, expect, it } from 'vitest';
import { Allocator } from './allocator.js';
import { runMemoryPlan } from './kernel.js';
import { PRESETS, resolveParams } from './presets.js';
import { HANDLE_NONE, RUN_FREE, RUN_MALLOC } from './run.js';

const THREAD_START = 5, THREAD_EXIT = 6;

interface Batch { op: Uint8Array; tid: Uint32Array; id: Uint32Array; size: Float64Array; count: number }

/** Seeded batches: `threads` threads own `chunks` slots each (one object id per slot). */
function larsonBatches(seed: number, threads: number, chunks: number, events: number, maxSize: number): Batch[] {
  let x = seed;
  const rnd = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % 0x7fffffff; };
  const op: number[] = [], tid: number[] = [], id: number[] = [], size: number[] = [];
  const push = (o: number, t: number, k: number, s: number): void => { op.push(o); tid.push(t); id.push(k); size.push(s); };
  const live = new Uint8Array(threads * chunks);
  const tids = Array.from({ length: threads }, (_, t) => t + 1);
  let nextTid = threads + 1;
  for (const t of tids) push(THREAD_START, t, 0, 0);
  while (op.length < events) {
    const t = rnd() % threads;
    for (let j = 0, q = 1 + (rnd() % 40); j < q; j++) {
      const v = t * chunks + (rnd() % chunks);
      if (live[v]) push(RUN_FREE, tids[t]!, v, 0);
      // mostly small, some past the small classes (large blocks), a few of size 1
      const r = rnd() % 100;
      push(RUN_MALLOC, tids[t]!, v, r < 3 ? 1 : r < 8 ? 2000 + (rnd() % maxSize) : 8 + (rnd() % 1016));
      live[v] = 1;
    }
    if (rnd() % 8 === 0) {
      push(THREAD_EXIT, tids[t]!, 0, 0);
      tids[t] = nextTid++;
      push(THREAD_START, tids[t]!, 0, 0);
    }
  }
  return toBatches(op, tid, id, size, 4096);
}

/** The event columns cut into batches of `per` events. */
function toBatches(op: number[], tid: number[], id: number[], size: number[], per: number): Batch[] {
  const batches: Batch[] = [];
  for (let at = 0; at < op.length; at += per) {
    const n = Math.min(per, op.length - at);
    batches.push({
      op: Uint8Array.from(op.slice(at, at + n)), tid: Uint32Array.from(tid.slice(at, at + n)),
      id: Uint32Array.from(id.slice(at, at + n)), size: Float64Array.from(size.slice(at, at + n)), count: n,
    });
  }
  return batches;
}

/** Replays the batches as replayCore does (thread events and table growth between runs); the digest after each batch. */
function drive(a: Allocator, batches: Batch[]): { digests: string[]; failed: number; kernelHandles: boolean } {
  let handles = a.handleTable(16);
  const kernelHandles = a.kernel?.holds(handles) ?? false;
  const digests: string[] = [];
  let failed = 0;
  for (const b of batches) {
    a.runLoad(b.op, b.tid, b.id, b.size, b.count);
    let i = 0;
    while (i < b.count) {
      i = a.runAllocFree(handles, i, b.count);
      if (a.runOom) {
        a.runOom = false;
        expect(handles[b.id[i - 1]!]).toBe(HANDLE_NONE);
        failed++;
        continue;
      }
      if (i >= b.count) break;
      const o = b.op[i]!;
      if (o === RUN_MALLOC) {
        handles = a.handleTable(handles.length * 2, handles);
        continue;
      }
      if (o === THREAD_START) a.threadStart(b.tid[i]!);
      else if (o === THREAD_EXIT) a.threadExit(b.tid[i]!);
      else throw new Error(`unexpected op ${o}`);
      i++;
    }
    digests.push(a.digest());
  }
  return { digests, failed, kernelHandles };
}

describe('runAllocFree: the WebAssembly fast paths and the handle API have the same effects', () => {
  const batches = larsonBatches(0x5eed, 6, 300, 60_000, 300_000);
  for (const preset of Object.keys(PRESETS)) {
    it(preset, () => {
      const k = Allocator.create(resolveParams(preset), { kernel: true });
      const j = Allocator.create(resolveParams(preset), { kernel: false });
      expect(k.kernel).not.toBeNull();
      expect(j.kernel).toBeNull();
      const rk = drive(k, batches), rj = drive(j, batches);
      expect(rk.kernelHandles).toBe(true);
      expect(rk.digests).toEqual(rj.digests);
      expect(k.stats()).toEqual(j.stats());
      expect(k.checkInvariants().errors).toEqual([]);
    });
  }

  it('batches in the spare region of the caller\'s kernel memory: read in place, the same effects', () => {
    const params = resolveParams('hakmem-larson-fix');
    const plan = runMemoryPlan(params.maxBufferBytes, true)!;
    expect(plan.spare).not.toBeNull();
    const memory = new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
    let at = plan.spare!.base;
    const view = <T extends Uint8Array | Uint32Array | Float64Array>(src: T, make: (buf: SharedArrayBuffer, off: number, n: number) => T): T => {
      const v = make(memory.buffer as SharedArrayBuffer, at, src.length);
      v.set(src as never);
      at += Math.ceil(src.byteLength / 8) * 8;
      return v;
    };
    // every other batch in the spare region (as the decode worker leaves it), the others on the heap
    const mixed = batches.map((b, k): Batch => (k % 2 === 1 ? b : {
      op: view(b.op, (m, o, n) => new Uint8Array(m, o, n)), tid: view(b.tid, (m, o, n) => new Uint32Array(m, o, n)),
      id: view(b.id, (m, o, n) => new Uint32Array(m, o, n)), size: view(b.size, (m, o, n) => new Float64Array(m, o, n)), count: b.count,
    }));
    const k = Allocator.create(params, { memory });
    expect(k.kernel!.buffer).toBe(memory.buffer);
    // in place, and a heap batch loaded after it is copied elsewhere
    const first = mixed[0]!, before = [...first.op];
    k.runLoad(first.op, first.tid, first.id, first.size, first.count);
    expect(k.kernel!.op).toBe(first.op);
    k.runLoad(mixed[1]!.op, mixed[1]!.tid, mixed[1]!.id, mixed[1]!.size, mixed[1]!.count);
    expect(k.kernel!.op).not.toBe(mixed[1]!.op);
    expect([...first.op]).toEqual(before);
    const j = Allocator.create(params, { kernel: false });
    expect(drive(k, mixed).digests).toEqual(drive(j, batches).digests);
    expect(k.stats()).toEqual(j.stats());
    // views of the allocator's own part of the memory are copied, never used in place
    const inBuffer = new Uint8Array(memory.buffer, 1 << 20, first.count);
    k.runLoad(inBuffer, first.tid, first.id, first.size, first.count);
    expect(k.kernel!.op).not.toBe(inBuffer);
    // a memory not made by the plan is refused
    expect(() => Allocator.create(params, { memory: new WebAssembly.Memory({ initial: 16, maximum: 16, shared: true }) })).toThrow(/runMemoryPlan/);
  });

  it('refills in the kernel: the same bytes after every 50 events (carving, page residency, peak RSS, trims due)', () => {
    // one thread allocating far more than it frees, so its magazines empty and refill from its TLS
    // slabs again and again (carving new pages: RSS and its peak grow); trims fall between refills
    let x = 0x51ab;
    const rnd = (n: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
    const op: number[] = [], tid: number[] = [], id: number[] = [], size: number[] = [];
    let next = 0;
    const live: number[] = [];
    for (let e = 0; e < 30_000; e++) {
      if (live.length > 0 && rnd(4) === 0) { op.push(RUN_FREE); id.push(live.splice(rnd(live.length), 1)[0]!); size.push(0); }
      else { op.push(RUN_MALLOC); id.push(next); live.push(next++); size.push(8 + rnd(500)); }
      tid.push(0);
    }
    const small = toBatches(op, tid, id, size, 50);
    for (const [preset, over] of [['hakmem-larson-fix', { trimInterval: '777' }], ['hakmem-7.7', { carve: 'lazy' }]] as const) {
      const k = Allocator.create(resolveParams(preset, over), { kernel: true });
      const j = Allocator.create(resolveParams(preset, over), { kernel: false });
      expect(drive(k, small).digests).toEqual(drive(j, small).digests);
      const st = k.stats();
      expect(st).toEqual(j.stats());
      expect(st.peakRss).toBe(st.rss); // it only grew
    }
  });

  it('with allocations failing at a mapping limit', () => {
    const params = (): ReturnType<typeof resolveParams> => resolveParams('hakmem-larson-bug', { maxMapCount: '120' });
    const k = Allocator.create(params(), { kernel: true });
    const j = Allocator.create(params(), { kernel: false });
    const rk = drive(k, batches), rj = drive(j, batches);
    expect(rj.failed).toBeGreaterThan(0);
    expect(rk.failed).toBe(rj.failed);
    expect(rk.digests).toEqual(rj.digests);
    expect(k.stats()).toEqual(j.stats());
  });
});
