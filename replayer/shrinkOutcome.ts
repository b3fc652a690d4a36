// What "fails the same way" means for shrink: the outcome of the original replay (an OOM with its
// reason code and what failed, or an invariant-check failure) and a signature of conditions on the
// result that must stay true — by default that SuperSlabs freed stays 0 when it was 0 — plus the
// user's `--keep` expressions: `path OP value` on the result (e.g. `oom.reasonCode=max_map_count`,
// `final.ssAllocated>1000`), OP one of = != < > <= >=. Pure functions.

import type { ReplayResult } from './result.js';

interface ShrinkCondition { path: string; op: '=' | '!=' | '<' | '>' | '<=' | '>='; value: string; text: string }

export interface ShrinkOutcome {
  /** 'oom' (with its reason code and what failed) or 'check' (an invariant-check failure) */
  kind: 'oom' | 'check';
  reasonCode?: string;
  what?: string;
  conditions: ShrinkCondition[];
}

/** A shrink that cannot start (the trace does not fail, a bad --keep): the user's, exit 2. */
export class ShrinkError extends Error {
  readonly code = 'USAGE';
  readonly kind = 'user';
  constructor(message: string) { super(message); this.name = 'ShrinkError'; }
}

/** Parses `path OP value`. */
function shrinkParseKeep(text: string): ShrinkCondition {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(!=|<=|>=|=|<|>)\s*(.+?)\s*$/.exec(text);
  if (!m) throw new ShrinkError(`--keep '${text}': expected PATH OP VALUE, e.g. oom.reasonCode=max_map_count or final.ssFreed=0 (OP: = != < > <= >=)`);
  return { path: m[1]!, op: m[2] as ShrinkCondition['op'], value: m[3]!, text: text.trim() };
}

function shrinkGet(r: unknown, path: string): unknown {
  let v: unknown = r;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** Whether `r` meets condition `c`. */
function shrinkHolds(r: ReplayResult, c: ShrinkCondition): boolean {
  const v = shrinkGet(r, c.path);
  const num = Number(c.value);
  const numeric = typeof v === 'number' && c.value.trim() !== '' && Number.isFinite(num);
  switch (c.op) {
    case '=': return numeric ? v === num : String(v) === c.value;
    case '!=': return numeric ? v !== num : String(v) !== c.value;
    case '<': return numeric && (v as number) < num;
    case '>': return numeric && (v as number) > num;
    case '<=': return numeric && (v as number) <= num;
    case '>=': return numeric && (v as number) >= num;
  }
}

/** The outcome to keep, from the original replay (an error thrown by a --check replay means 'check'). */
export function shrinkOutcomeOf(r: ReplayResult | null, checkFailed: boolean, keep: string[]): ShrinkOutcome {
  const conditions = keep.map(shrinkParseKeep);
  if (checkFailed) return { kind: 'check', conditions };
  if (!r || !r.oom) throw new ShrinkError('the trace does not fail under this configuration (no OOM, no invariant-check failure): nothing to shrink toward');
  if (r.oom.ssFreed === 0 && !conditions.some((c) => c.path === 'oom.ssFreed')) {
    conditions.unshift({ path: 'oom.ssFreed', op: '=', value: '0', text: 'oom.ssFreed=0' });
  }
  for (const c of conditions) if (!shrinkHolds(r, c)) throw new ShrinkError(`--keep '${c.text}' does not hold for the original trace`);
  return { kind: 'oom', reasonCode: r.oom.reasonCode, what: r.oom.what, conditions };
}

/** Whether a candidate's replay failed the same way. */
export function shrinkSame(o: ShrinkOutcome, r: ReplayResult | null, checkFailed: boolean): boolean {
  if (o.kind === 'check') return checkFailed && o.conditions.every((c) => r === null || shrinkHolds(r, c));
  if (checkFailed || !r || !r.oom || r.oom.reasonCode !== o.reasonCode || r.oom.what !== o.what) return false;
  return o.conditions.every((c) => shrinkHolds(r, c));
}

/** One line describing the outcome. */
export function shrinkDescribe(o: ShrinkOutcome): string {
  const head = o.kind === 'check' ? 'an invariant-check failure' : `an OOM (${o.reasonCode}, ${o.what})`;
  return o.conditions.length ? `${head} with ${o.conditions.map((c) => c.text).join(', ')}` : head;
}
