// Replay speed steps for the + and - keys: unthrottled (0) or one of SPEED_LEVELS events/s. Slowing
// down from unthrottled starts just below the measured rate, so a person can watch an OOM approach.

export const SPEED_LEVELS = [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000] as const;

/** The speed after one press: dir +1 faster (past the top: unthrottled), -1 slower (floor: the lowest level). */
export function speedNext(current: number, dir: 1 | -1, measuredRate: number): number {
  if (dir > 0) {
    if (current <= 0) return 0;
    return SPEED_LEVELS.find((l) => l > current) ?? 0;
  }
  const base = current > 0 ? current : measuredRate > 0 ? measuredRate : Infinity;
  let next: number = SPEED_LEVELS[0];
  for (const l of SPEED_LEVELS) if (l < base) next = l;
  return next;
}
