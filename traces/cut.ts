// Trace surgery that needs only the format: `cut` keeps the events of a window [from, to) that pass
// filters (threads, ops, sizes) and makes a valid trace of them. An object's allocation decides: an
// object is kept when its allocation passes the filters, and then its frees and reallocs are kept
// (whatever thread does them); others' are dropped with it. Thread lifecycle events are always kept
// (kept events need their threads). Objects live at `from` are re-created first, on the thread that
// allocated them: threads live at `from` start first and allocate theirs; an object whose thread had
// exited is allocated by that thread started, then exited again (released if it had been), so frees of
// it stay cross-thread frees. Ids are renumbered by the format's dense-id rule (the writer's), so a
// cut of a whole trace from 0 reproduces its events and digest. Streams: memory is bounded by the live
// objects and threads of the source, never by its length. The header keeps the source's and adds what
// the cut was (cutFrom, cutTo, filters, the source's name and digest). Call stacks are kept (the
// whole stack table, same ids; a re-created object keeps its allocation's stack) unless dropStacks.
// Invariant: the output reads back without error (its events obey the id and thread rules).

import {
  OP_ALLOC, OP_CALLOC, OP_FREE, OP_MARK, OP_MEMALIGN, OP_NAMES, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START, opFromName,
} from './ops.js';
import { traceCopyStacks } from './convert.js';
import { openTrace } from './reader.js';
import type { OpenTraceOptions, TraceFooter, TraceHeader, TraceWriter, TraceWriterOptions } from './types.js';
import { createTraceWriter } from './writer.js';

export interface CutOptions {
  /** First event kept (default 0). */
  from?: number;
  /** First event not kept (default: the end). */
  to?: number;
  /** Keep only objects allocated by these threads (default all). */
  threads?: number[];
  /** Keep only these ops among alloc, calloc, memalign, free, realloc, mark (default all). */
  ops?: string[];
  /** Keep only objects whose allocated size is in [sizeMin, sizeMax]. */
  sizeMin?: number;
  sizeMax?: number;
  /** Where the source came from, for the header (default: the path). */
  sourceName?: string;
  /** The source's digest for the header ('' = read it first with a quick pass; stdin cannot). */
  sourceDigest?: string;
  /** Write the cut without the source's call stacks (default: kept). */
  dropStacks?: boolean;
  read?: OpenTraceOptions;
  write?: TraceWriterOptions;
}

export interface CutResult {
  footer: TraceFooter;
  /** Source events read (up to `to`). */
  read: number;
  /** Objects live at `from` that were re-created. */
  recreated: number;
  /** Threads started (or started and exited) in the prologue. */
  prologueThreads: number;
}

/** The ops a filter may name. */
export const CUT_OPS: readonly string[] = ['alloc', 'calloc', 'memalign', 'free', 'realloc', 'mark'];

const ALIVE = 1; // -ALIVE: alive and already detached (released at its exit)
const EXITED = 2; // exited, not yet joined or detached
const RELEASED = 3; // exited and joined or detached

/** Per-id record of an object live before `from` (dense arrays, bounded by peak live objects). */
class CutObjects {
  tid = new Float64Array(1024);
  size = new Float64Array(1024);
  op = new Uint8Array(1024);
  align = new Uint32Array(1024);
  stack = new Uint32Array(1024);
  live = new Uint8Array(1024);
  /** New id in the output, -1 when the object is not kept. */
  out = new Float64Array(1024).fill(-1);

  ensure(id: number): void {
    if (id < this.tid.length) return;
    let n = this.tid.length;
    while (n <= id) n *= 2;
    const grow = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, fill = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.tid = grow(this.tid);
    this.size = grow(this.size);
    this.op = grow(this.op);
    this.align = grow(this.align);
    this.stack = grow(this.stack);
    this.live = grow(this.live);
    this.out = grow(this.out, -1);
  }
}

function cutOpSet(ops: string[] | undefined): Set<number> | null {
  if (!ops) return null;
  const set = new Set<number>();
  for (const name of ops) {
    const op = opFromName(name);
    if (op < 0 || !CUT_OPS.includes(name)) throw new RangeError(`cut: unknown op '${name}'; valid: ${CUT_OPS.join(', ')}`);
    set.add(op);
  }
  return set;
}

/** The source's footer digest by a quick, unvalidated pass (a path only). */
async function cutSourceDigest(source: string, read: OpenTraceOptions | undefined): Promise<string> {
  const r = await openTrace(source, { ...read, validate: false, verifyDigest: false });
  for await (const b of r.batches()) void b;
  return r.footer?.digest ?? 'unknown (no footer)';
}

/** Cuts `source` into `dest` (see the file comment). */
export async function cutTrace(source: string | NodeJS.ReadableStream, dest: string | NodeJS.WritableStream, o: CutOptions = {}): Promise<CutResult> {
  const from = o.from ?? 0;
  const to = o.to ?? Infinity;
  if (!(from >= 0 && to >= from)) throw new RangeError(`cut: need 0 <= from <= to (got from ${from}, to ${to})`);
  const threads = o.threads ? new Set(o.threads) : null;
  const ops = cutOpSet(o.ops);
  const sizeMin = o.sizeMin ?? 0;
  const sizeMax = o.sizeMax ?? Infinity;
  const digest = o.sourceDigest ?? (typeof source === 'string' && source !== '-' ? await cutSourceDigest(source, o.read) : 'unknown (read from a stream)');
  const r = await openTrace(source, o.read);
  const keepStacks = r.header.stackDepth > 0 && !o.dropStacks;
  const w = createTraceWriter(dest, cutHeader(r.header, o, from, to, digest, keepStacks), o.write);
  let copied = 0;
  const zero = new Uint32Array(0);
  const objs = new CutObjects();
  const thr = new Map<number, number>([[0, ALIVE]]);
  const keepObject = (tid: number, op: number, size: number): boolean =>
    (threads === null || threads.has(tid)) && (ops === null || ops.has(op)) && size >= sizeMin && size <= sizeMax;
  const res: CutResult = { footer: null as unknown as TraceFooter, read: 0, recreated: 0, prologueThreads: 0 };
  let started = false;
  try {
    outer: for await (const b of r.batches()) {
      if (keepStacks && r.stacks.count > copied) copied = traceCopyStacks(r.stacks, w, copied);
      const stacks = keepStacks ? b.stack! : zero;
      for (let i = 0; i < b.count; i++) {
        const e = b.first + i;
        if (e >= to) break outer;
        res.read++;
        const op = b.op[i]!, tid = b.tid[i]!, id = b.id[i]!, size = b.size[i]!, aux = b.aux[i]!;
        const stack = keepStacks ? stacks[i]! : 0;
        if (e < from) { cutTrack(objs, thr, op, tid, id, size, aux, stack); continue; }
        if (!started) { cutPrologue(w, objs, thr, keepObject, res); started = true; }
        cutEvent(w, objs, keepObject, ops, op, tid, id, size, aux, b.markNames, stack);
      }
      if (w.needsDrain) await w.drain();
    }
    if (!started) cutPrologue(w, objs, thr, keepObject, res);
    if (keepStacks && to === Infinity) traceCopyStacks(r.stacks, w, copied);
  } catch (err) {
    await w.abort();
    await r.close();
    throw err;
  }
  await r.close();
  res.footer = await w.close();
  return res;
}

function cutHeader(h: TraceHeader, o: CutOptions, from: number, to: number, digest: string, keepStacks: boolean): Parameters<typeof createTraceWriter>[1] {
  const params: Record<string, string> = { ...h.params, cutFrom: String(from), cutSource: o.sourceName ?? 'stream', cutSourceDigest: digest };
  if (Number.isFinite(to)) params.cutTo = String(to);
  if (o.threads) params.cutThreads = o.threads.join(',');
  if (o.ops) params.cutOps = o.ops.join(',');
  if (o.sizeMin !== undefined) params.cutSizeMin = String(o.sizeMin);
  if (o.sizeMax !== undefined) params.cutSizeMax = String(o.sizeMax);
  return {
    workload: h.workload, recorder: h.recorder.endsWith(' + slabtrace cut') ? h.recorder : `${h.recorder} + slabtrace cut`, params, args: h.args, seed: h.seed, threads: h.threads,
    pageSize: h.pageSize, formatVersion: h.formatVersion, stackDepth: keepStacks ? h.stackDepth : 0,
  };
}

/** Before `from`: which objects are live (with their thread, size, kind) and what each thread is. */
function cutTrack(objs: CutObjects, thr: Map<number, number>, op: number, tid: number, id: number, size: number, aux: number, stack: number): void {
  switch (op) {
    case OP_ALLOC: case OP_CALLOC: case OP_MEMALIGN:
      objs.ensure(id);
      objs.live[id] = 1; objs.tid[id] = tid; objs.size[id] = size; objs.op[id] = op; objs.align[id] = op === OP_MEMALIGN ? aux : 0;
      objs.stack[id] = stack;
      break;
    case OP_FREE: objs.live[id] = 0; break;
    case OP_REALLOC: objs.size[id] = size; objs.stack[id] = stack; break; // same id, same thread that allocated it
    case OP_THREAD_START: thr.set(tid, ALIVE); break;
    case OP_THREAD_EXIT: thr.set(tid, thr.get(tid) === -ALIVE ? RELEASED : EXITED); break; // detached while alive: released
    case OP_THREAD_JOIN: case OP_THREAD_DETACH: {
      const s = thr.get(aux);
      thr.set(aux, s === ALIVE ? -ALIVE : RELEASED); // -ALIVE: alive and detached
      break;
    }
    default: break;
  }
}

/** At `from`: start the live threads, re-create the kept live objects on their threads. */
function cutPrologue(
  w: TraceWriter, objs: CutObjects, thr: Map<number, number>, keep: (tid: number, op: number, size: number) => boolean, res: CutResult,
): void {
  const byThread = new Map<number, number[]>();
  for (let id = 0; id < objs.live.length; id++) {
    if (objs.live[id] !== 1 || !keep(objs.tid[id]!, objs.op[id]!, objs.size[id]!)) continue;
    const t = objs.tid[id]!;
    let list = byThread.get(t);
    if (!list) { list = []; byThread.set(t, list); }
    list.push(id);
  }
  const alive = (t: number): boolean => thr.get(t) === ALIVE || thr.get(t) === -ALIVE;
  for (const [t] of thr) if (t !== 0 && alive(t)) { w.threadStart(t); res.prologueThreads++; }
  for (const [t] of thr) if (thr.get(t) === -ALIVE) w.threadDetach(t, t);
  for (const [t, ids] of byThread) if (alive(t)) for (const id of ids) cutAlloc(w, objs, t, id, res);
  for (const [t, ids] of byThread) {
    if (alive(t)) continue;
    if (t !== 0) { w.threadStart(t); res.prologueThreads++; }
    if (thr.get(t) === RELEASED) w.threadDetach(t, t);
    for (const id of ids) cutAlloc(w, objs, t, id, res);
    w.threadExit(t);
    thr.set(t, thr.get(t) === RELEASED ? RELEASED : EXITED);
  }
  // thread 0 may have exited before `from` without owning any object
  if (!alive(0) && !byThread.has(0)) {
    if (thr.get(0) === RELEASED) w.threadDetach(0, 0);
    w.threadExit(0);
  }
  // other dead threads keep their state for later joins: a thread exited and unreleased at `from`
  // that is joined in the window must exist as exited
  for (const [t, s] of thr) {
    if (t === 0 || byThread.has(t) || s !== EXITED) continue;
    w.threadStart(t);
    w.threadExit(t);
    res.prologueThreads++;
  }
}

function cutAlloc(w: TraceWriter, objs: CutObjects, tid: number, id: number, res: CutResult): void {
  const op = objs.op[id]!, size = objs.size[id]!, stack = objs.stack[id]!;
  objs.out[id] = op === OP_CALLOC ? w.calloc(tid, size, stack) : op === OP_MEMALIGN ? w.memalign(tid, objs.align[id]!, size, stack) : w.alloc(tid, size, stack);
  res.recreated++;
}

/** One event of the window. */
function cutEvent(
  w: TraceWriter, objs: CutObjects, keep: (tid: number, op: number, size: number) => boolean, ops: Set<number> | null,
  op: number, tid: number, id: number, size: number, aux: number, markNames: string[], stack: number,
): void {
  switch (op) {
    case OP_ALLOC: case OP_CALLOC: case OP_MEMALIGN:
      objs.ensure(id);
      objs.out[id] = !keep(tid, op, size) ? -1
        : op === OP_CALLOC ? w.calloc(tid, size, stack) : op === OP_MEMALIGN ? w.memalign(tid, aux, size, stack) : w.alloc(tid, size, stack);
      return;
    case OP_FREE: {
      const n = id < objs.out.length ? objs.out[id]! : -1;
      if (n >= 0 && (ops === null || ops.has(OP_FREE))) w.free(tid, n);
      else if (n >= 0) return; // frees filtered out: the object stays live in the output
      if (id < objs.out.length) objs.out[id] = -1;
      return;
    }
    case OP_REALLOC: {
      const n = id < objs.out.length ? objs.out[id]! : -1;
      if (n >= 0 && (ops === null || ops.has(OP_REALLOC))) objs.out[id] = w.realloc(tid, n, size, stack);
      return;
    }
    case OP_THREAD_START: w.threadStart(tid); return;
    case OP_THREAD_EXIT: w.threadExit(tid); return;
    case OP_THREAD_JOIN: w.threadJoin(tid, aux); return;
    case OP_THREAD_DETACH: w.threadDetach(tid, aux); return;
    case OP_MARK: if (ops === null || ops.has(OP_MARK)) w.mark(tid, markNames[aux]!); return;
    default: throw new RangeError(`cut: unexpected op ${OP_NAMES[op] ?? op}`);
  }
}
