// ui/traceCheckRows.ts — the summary rows that say the trace itself did not check out: a lenient
// replay that skipped events, a footer digest that does not match the events read, a footer field that
// disagrees. Empty for a trace that read clean (a strict read throws instead of getting here).
import type { ReplayTraceCheck } from '../replayer/index.js';
import { formatCount } from './format.js';

export function traceCheckRows(r: { skipped: number; traceCheck?: ReplayTraceCheck }): [string, string][] {
  const rows: [string, string][] = [];
  if (r.skipped > 0) rows.push(['skipped (lenient)', formatCount(r.skipped)]);
  const c = r.traceCheck;
  if (!c) return rows;
  if (c.digestStatus === 'mismatch') rows.push(['trace digest', 'MISMATCH: the events read are not the ones recorded']);
  for (const m of c.footerMismatches) {
    if (m.field !== 'digest') rows.push(['trace footer', m.message]);
  }
  return rows;
}
