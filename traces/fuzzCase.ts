// Test support (not public API): the trace grammar as fast-check arbitraries. A case is a list of
// steps (random numbers) interpreted against a FuzzModel, so that most events are valid (a free
// names a live id, a join an exited thread...) and a chosen share are invalid in every way the
// README names (each skippable code, and unknown ops); plus format version, chunk size, mark names
// and the footer to write (right, one field wrong, or none).
import fc from 'fast-check';
import { TRACE_FOOTER_CHECKED } from './footerCheck.js';
import { FuzzModel, fuzzExpect, type FuzzEvent } from './fuzzModel.js';
import type { FuzzTrace } from './fuzzEncode.js';
import type { TraceFooter, TraceFooterField } from './types.js';

export interface FuzzCase {
  version: number;
  /** Per mille of steps that are invalid events. */
  badRate: number;
  steps: Array<[number, number, number]>;
  names: string[];
  chunk: number;
  /** 'ok' | 'none' | a footer field to get wrong. */
  footer: 'ok' | 'none' | TraceFooterField;
}

export function fuzzCaseArb(maxSteps = 80): fc.Arbitrary<FuzzCase> {
  return fc.record({
    version: fc.constantFrom(1, 2, 2),
    badRate: fc.constantFrom(0, 0, 0, 10, 50, 200),
    steps: fc.array(fc.tuple(fc.nat(999), fc.nat(), fc.nat()), { maxLength: maxSteps }),
    names: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 4 }),
    chunk: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 200 })),
    footer: fc.oneof(
      { weight: 6, arbitrary: fc.constant('ok' as const) },
      { weight: 1, arbitrary: fc.constant('none' as const) },
      { weight: 2, arbitrary: fc.constantFrom(...TRACE_FOOTER_CHECKED) },
    ),
  });
}

const SIZES = [1, 8, 16, 100, 4096, 65536, 2 ** 31, 2 ** 32 + 5, 2 ** 40];
const BAD_SIZES = [0, 2 ** 40 + 1, 2 ** 41];
const BIG_TIDS = [65535, 65536, 2 ** 20 + 1, 2 ** 32 - 1];

/** The events of a case: steps interpreted against a model (which is fed each event as generated). */
export function fuzzEvents(c: FuzzCase): FuzzEvent[] {
  const m = new FuzzModel(c.version);
  const out: FuzzEvent[] = [];
  for (const [r, a, b] of c.steps) {
    const e = r < c.badRate ? badEvent(m, r, a, b, c) : goodEvent(m, r, a, b, c);
    if (e === null) continue;
    if (e.op === 0 || e.op === 3 || e.op === 4) e.id ??= m.peekId();
    if (m.feed(e) === 'UNKNOWN_OP') {
      out.push(e);
      break; // nothing after it can be read
    }
    out.push(e);
  }
  return out;
}

function pick<T>(xs: readonly T[], k: number): T | undefined {
  return xs.length === 0 ? undefined : xs[k % xs.length];
}

function size(k: number): number {
  return k % 3 === 0 ? SIZES[k % SIZES.length]! : 1 + (k % 2000);
}

/** A valid event chosen by r (or null when there is no valid one of that kind now). */
function goodEvent(m: FuzzModel, r: number, a: number, b: number, c: FuzzCase): FuzzEvent | null {
  const tid = pick(m.liveThreads(), b);
  if (tid === undefined) return { op: 5, tid: a % 4 };
  const ids = m.liveIds();
  const k = r % 100;
  if (k < 30 || ids.length === 0 && k < 60) return { op: 0, tid, size: size(a) };
  if (k < 55) return { op: 1, tid, id: pick(ids, a)! };
  if (k < 62) return { op: 3, tid, size: size(a) };
  if (k < 68) return { op: 4, tid, align: 2 ** (a % 32), size: size(b) };
  if (k < 74) return ids.length > 0 ? { op: 2, tid, id: pick(ids, a)!, size: size(b) } : null;
  if (k < 80) {
    const t = a % 2 === 0 ? 1 + (a % 6) : BIG_TIDS[a % BIG_TIDS.length]!;
    return m.isLive(t) ? null : { op: 5, tid: t };
  }
  if (k < 86) return tid === 0 && a % 4 !== 0 ? null : { op: 6, tid };
  if (k < 92) return { op: 7, tid, name: pick(c.names, a)! };
  if (c.version < 2) return null;
  if (k < 96) {
    const t = pick(m.exitedJoinable(), a);
    return t === undefined ? null : { op: 8, tid, target: t };
  }
  const t = pick(m.joinable(), a);
  return t === undefined ? null : { op: 9, tid, target: t };
}

/** An invalid event of a kind chosen by r. */
function badEvent(m: FuzzModel, r: number, a: number, b: number, c: FuzzCase): FuzzEvent | null {
  const tid = pick(m.liveThreads(), b) ?? 0;
  switch (r % 9) {
    case 0: return { op: 1, tid, id: m.next + (a % 3) }; // FREE_NOT_LIVE
    case 1: return m.next > m.liveIds().length ? { op: a % 2 === 0 ? 1 : 2, tid, id: released(m, a), size: 8 } : null; // DOUBLE_FREE
    case 2: return { op: a % 2 === 0 ? 0 : 3, tid, size: BAD_SIZES[a % 3]! }; // BAD_SIZE
    case 3: return { op: 4, tid, align: [0, 3, 6, 24][a % 4]!, size: 16 }; // BAD_ALIGN
    case 4: { // THREAD_ORDER: an event on a thread that is not live, or a start of a live one
      if (a % 3 === 0) return { op: 5, tid };
      const dead = [7, 8, 9, 2 ** 32 - 2].find((t) => !m.isLive(t))!;
      return { op: [0, 1, 6, 7][a % 4]!, tid: dead, id: 0, size: 8, name: 'x' };
    }
    case 5: case 6: { // JOIN_* / DETACH_*
      if (c.version < 2) return null;
      const targets = [100 + (a % 5), ...m.liveThreads(), ...m.releasedThreads()];
      return { op: r % 9 === 5 ? 8 : 9, tid, target: pick(targets, a)! };
    }
    case 7: return { op: 1, tid, id: a % Math.max(1, m.next) }; // a free of any id (often bad)
    default: // UNKNOWN_OP (rare)
      return a % 8 === 0 ? { op: c.version < 2 && a % 16 === 0 ? 8 : 10 + (a % 246), tid, target: 0 } : null;
  }
}

/** A released id (below next and not live), or -1. */
function released(m: FuzzModel, a: number): number {
  const live = new Set(m.liveIds());
  const free: number[] = [];
  for (let id = 0; id < m.next && free.length < 64; id++) if (!live.has(id)) free.push(id);
  return free.length === 0 ? -1 : free[Math.abs(a) % free.length]!;
}

/** The case as a trace: its events, chunking and footer (right, one field made wrong, or none). */
export function fuzzTrace(c: FuzzCase, lenientFooter = true): FuzzTrace {
  const events = fuzzEvents(c);
  let footer: TraceFooter | null = null;
  if (c.footer !== 'none') {
    footer = { ...fuzzExpect(events, c.version, lenientFooter).footer };
    if (c.footer !== 'ok') footer = fuzzWrongFooter(footer, c.footer);
  }
  return { version: c.version, events, chunk: c.chunk, footer };
}

function fuzzWrongFooter(f: TraceFooter, field: TraceFooterField): TraceFooter {
  const out = { ...f };
  if (field === 'digest') out.digest = (BigInt('0x' + f.digest) ^ 1n).toString(16).padStart(16, '0');
  else out[field] = f[field] + 1;
  return out;
}
