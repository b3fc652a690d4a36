// Test support (not public API; used by fuzzProperty.test.ts and bench/fuzz.bench.ts): a reference
// model of the trace rules of traces/README.md, written independently of the reader (plain arrays,
// sets and maps, one event at a time). Given a list of events (valid or not), it says what a reader
// must give: the events applied, the first error (strict), the events skipped (lenient), and the
// footer a writer would have written by the README's definitions (counts over the events read,
// live/peak/bytes figures and digest over the events applied). Only the digest step is shared with
// the reader (digest.ts is the specification of the hash).
import { TraceDigest, markNameHash } from './digest.js';
import type { TraceErrorCode } from './errors.js';
import { OP_COUNT, OP_COUNT_V1, OP_NAMES } from './ops.js';
import type { TraceFooter } from './types.js';

/** One event as generated: id = the freed/reallocated id (free, realloc) or the explicit JSON id (alloc kinds; default: the rule's). */
export interface FuzzEvent {
  op: number;
  tid: number;
  id?: number;
  size?: number;
  align?: number;
  name?: string;
  target?: number;
}

const NEVER = 0, JOINABLE = 1, RELEASED = 2;

export class FuzzModel {
  private stack: number[] = [];
  private live = new Set<number>();
  private sizes = new Map<number, number>();
  next = 0;
  private tLive = new Set<number>([0]);
  private fate = new Map<number, number>([[0, JOINABLE]]);
  private seen = new Set<number>();
  private digest = new TraceDigest();
  private counts = new Array<number>(OP_COUNT).fill(0);
  private liveBytes = 0;
  private peakObjects = 0;
  private peakBytes = 0;
  private bytesAllocated = 0;
  events = 0;

  constructor(readonly version: number) {}

  /** The id the next alloc takes. */
  peekId(): number {
    return this.stack.length > 0 ? this.stack[this.stack.length - 1]! : this.next;
  }

  liveIds(): number[] {
    return [...this.live].sort((a, b) => a - b);
  }

  liveThreads(): number[] {
    return [...this.tLive].sort((a, b) => a - b);
  }

  /** Threads started, exited and not yet joined or detached (join targets). */
  exitedJoinable(): number[] {
    return [...this.fate].filter(([t, f]) => f === JOINABLE && !this.tLive.has(t)).map(([t]) => t).sort((a, b) => a - b);
  }

  /** Threads started and not yet joined or detached (detach targets). */
  joinable(): number[] {
    return [...this.fate].filter(([, f]) => f === JOINABLE).map(([t]) => t).sort((a, b) => a - b);
  }

  /** Threads joined or detached (JOIN_TWICE / DETACH_TWICE targets). */
  releasedThreads(): number[] {
    return [...this.fate].filter(([, f]) => f === RELEASED).map(([t]) => t).sort((a, b) => a - b);
  }

  isLive(t: number): boolean {
    return this.tLive.has(t);
  }

  fateOf(t: number): number {
    return this.fate.get(t) ?? NEVER;
  }

  /** The error e would give, without applying it ('UNKNOWN_OP' is not skippable). */
  check(e: FuzzEvent): TraceErrorCode | null {
    const opLimit = this.version >= 2 ? OP_COUNT : OP_COUNT_V1;
    if (e.op >= opLimit) return 'UNKNOWN_OP';
    if (e.op === 5) return this.tLive.has(e.tid) ? 'THREAD_ORDER' : null;
    if (!this.tLive.has(e.tid)) return 'THREAD_ORDER';
    switch (e.op) {
      case 0: case 3: case 4: {
        if (e.op === 4 && !(e.align! >= 1 && (e.align! & (e.align! - 1)) === 0)) return 'BAD_ALIGN';
        if (!validSize(e.size!)) return 'BAD_SIZE';
        const want = this.peekId();
        if (e.id !== undefined && e.id !== want) return this.live.has(e.id) ? 'ALLOC_LIVE' : 'BAD_ID';
        return null;
      }
      case 1: case 2:
        if (!this.live.has(e.id!)) return e.id! >= this.next ? 'FREE_NOT_LIVE' : 'DOUBLE_FREE';
        if (e.op === 2 && !validSize(e.size!)) return 'BAD_SIZE';
        return null;
      case 8: {
        const f = this.fateOf(e.target!);
        if (f === NEVER) return 'JOIN_UNKNOWN';
        if (this.tLive.has(e.target!)) return 'JOIN_LIVE';
        return f === RELEASED ? 'JOIN_TWICE' : null;
      }
      case 9: {
        const f = this.fateOf(e.target!);
        if (f === NEVER) return 'DETACH_UNKNOWN';
        return f === RELEASED ? 'DETACH_TWICE' : null;
      }
      default:
        return null; // thread_exit, mark
    }
  }

  /** Reads e: counts it; applies it when valid. Returns its error code (null: applied). */
  feed(e: FuzzEvent): TraceErrorCode | null {
    const code = this.check(e);
    if (code === 'UNKNOWN_OP') return code;
    this.events++;
    this.counts[e.op]!++;
    this.seen.add(e.tid);
    if (code === null) this.apply(e);
    return code;
  }

  private apply(e: FuzzEvent): void {
    let id = 0, size = 0, aux = 0;
    switch (e.op) {
      case 0: case 3: case 4:
        id = this.stack.length > 0 ? this.stack.pop()! : this.next++;
        size = e.size!;
        aux = e.op === 4 ? e.align! : 0;
        this.live.add(id);
        this.sizes.set(id, size);
        this.bytesAllocated += size;
        this.liveBytes += size;
        this.peakObjects = Math.max(this.peakObjects, this.live.size);
        this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
        break;
      case 1:
        id = e.id!;
        this.live.delete(id);
        this.stack.push(id);
        this.liveBytes -= this.sizes.get(id)!;
        break;
      case 2:
        id = e.id!;
        size = e.size!;
        this.liveBytes += size - this.sizes.get(id)!;
        this.sizes.set(id, size);
        this.bytesAllocated += size;
        this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
        break;
      case 5:
        this.tLive.add(e.tid);
        this.fate.set(e.tid, JOINABLE);
        break;
      case 6:
        this.tLive.delete(e.tid);
        break;
      case 7:
        aux = markNameHash(e.name!);
        break;
      default: // 8, 9
        aux = e.target!;
        this.fate.set(aux, RELEASED);
    }
    this.digest.step(e.op, e.tid, id, size, aux);
  }

  /** The footer of what was fed, by the README's definitions. */
  footer(): TraceFooter {
    const c = this.counts;
    return {
      events: this.events, allocs: c[0]!, frees: c[1]!, reallocs: c[2]!, callocs: c[3]!, memaligns: c[4]!,
      threadStarts: c[5]!, threadExits: c[6]!, marks: c[7]!, peakLiveObjects: this.peakObjects,
      peakLiveBytes: this.peakBytes, bytesAllocated: this.bytesAllocated, threadsSeen: this.seen.size,
      digest: this.digest.hex(), foreignFrees: 0, nullFrees: 0, threadJoins: c[8]!, threadDetaches: c[9]!,
    };
  }
}

function validSize(s: number): boolean {
  return Number.isInteger(s) && s >= 1 && s <= 2 ** 40;
}

/** One applied event as the reader yields it (traceEventToJson's shape). */
export function fuzzEventJson(e: FuzzEvent, id: number): Record<string, unknown> {
  const name = OP_NAMES[e.op]!;
  switch (e.op) {
    case 0: case 3: return { op: name, tid: e.tid, id, size: e.size };
    case 4: return { op: name, tid: e.tid, id, align: e.align, size: e.size };
    case 1: return { op: name, tid: e.tid, id: e.id };
    case 2: return { op: name, tid: e.tid, id: e.id, newId: e.id, size: e.size };
    case 7: return { op: name, tid: e.tid, name: e.name };
    case 8: case 9: return { op: name, tid: e.tid, target: e.target };
    default: return { op: name, tid: e.tid };
  }
}

/** What a reader must give for events (strict or lenient), before any footer check. */
export interface FuzzExpected {
  /** [global index, event] of the events applied. */
  applied: Array<[number, Record<string, unknown>]>;
  skipped: number;
  /** Events read (skipped included), up to the error if any. */
  events: number;
  /** The first error that stops the read (strict: any bad event; both: UNKNOWN_OP), or null. */
  error: { code: TraceErrorCode; event: number } | null;
  /** The footer of the events read (by the README's definitions). */
  footer: TraceFooter;
}

export function fuzzExpect(events: readonly FuzzEvent[], version: number, lenient: boolean): FuzzExpected {
  const m = new FuzzModel(version);
  const applied: Array<[number, Record<string, unknown>]> = [];
  let skipped = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const id = e.op === 0 || e.op === 3 || e.op === 4 ? m.peekId() : (e.id ?? 0);
    const code = m.check(e);
    if (code === 'UNKNOWN_OP' || (code !== null && !lenient)) {
      return { applied, skipped, events: i, error: { code, event: i }, footer: m.footer() };
    }
    m.feed(e);
    if (code === null) applied.push([i, fuzzEventJson(e, id)]);
    else skipped++;
  }
  return { applied, skipped, events: events.length, error: null, footer: m.footer() };
}
