// The marks the dashboard prints above its live area (ink <Static>): the first MARKS_SHOWN as they pass,
// handed over in batches (at each frame, not one render per mark), then one line saying that more
// follow. A trace can hold millions of marks (the replay keeps only the first and last in its result
// and spills the rest); printing each would flood the terminal and keep the UI thread busy long after
// the replay ended. The summary lists the first and last marks; --timeline samples all of them.
// Invariants: items are only ever appended; at most MARKS_SHOWN marks and one 'more' item in all.

import type { ReplayMark } from '../../replayer/index.js';

/** Marks printed above the live area, at most. */
export const MARKS_SHOWN = 100;

export type MarkHistoryItem = { kind: 'mark'; mark: ReplayMark } | { kind: 'more' };

export interface MarkHistory {
  /** Passed marks not handed over yet. */
  pending: ReplayMark[];
  /** Marks seen so far (shown or not). */
  seen: number;
  /** The 'more' item was handed over. */
  cutShown: boolean;
}

export function markHistoryCreate(): MarkHistory {
  return { pending: [], seen: 0, cutShown: false };
}

/** One passed mark (kept only while under MARKS_SHOWN). */
export function markHistoryAdd(h: MarkHistory, mark: ReplayMark): void {
  if (h.seen < MARKS_SHOWN) h.pending.push(mark);
  h.seen++;
}

/** The items to append now (empty when nothing passed since the last call). */
export function markHistoryTake(h: MarkHistory): MarkHistoryItem[] {
  const out: MarkHistoryItem[] = h.pending.map((mark) => ({ kind: 'mark', mark }));
  h.pending = [];
  if (h.seen > MARKS_SHOWN && !h.cutShown) {
    h.cutShown = true;
    out.push({ kind: 'more' });
  }
  return out;
}
