// Argument parsing shared by the workload generators: counts with K/M suffixes, integer ranges, and
// the WorkloadArgError every generator throws for a bad argument (the CLI turns it into exit 2).
// Invariant: parsing is pure and strict — a value that is not exactly a number in range is an error.

export class WorkloadArgError extends Error {
  readonly code = 'BAD_WORKLOAD_ARGS';
  readonly kind = 'user';
  constructor(readonly workload: string, message: string) {
    super(`${workload}: ${message}`);
    this.name = 'WorkloadArgError';
  }
}

const COUNT_RE = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/;
const SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** Most objects a generator keeps live at once (it holds one id per live block; the replayer one
 *  address per id). */
export const RECORD_MAX_LIVE = 100_000_000;

/** "100K" → 100000, "1.5M" → 1500000, at most `max`; throws for anything else. */
export function parseCount(workload: string, what: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const m = COUNT_RE.exec(text.trim());
  const value = m ? Math.round(Number(m[1]) * SUFFIX[m[2].toLowerCase()]) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WorkloadArgError(workload, `${what} must be a positive count like 100000, 100K or 1M (got '${text}')`);
  }
  if (value > max) throw new WorkloadArgError(workload, `${what} must be at most ${formatCount(max)} (got '${text}')`);
  return value;
}

/** "100K,1M" → [100000, 1000000]; no empty entries. */
export function parseCountList(workload: string, what: string, text: string, max = Number.MAX_SAFE_INTEGER): number[] {
  const parts = text.split(',');
  if (parts.some((p) => p.trim().length === 0)) {
    throw new WorkloadArgError(workload, `${what} must be a comma-separated list of counts, no empty entries (got '${text}')`);
  }
  return parts.map((p) => parseCount(workload, what, p, max));
}

/** An integer in [min, max]; accepts a leading minus only when min < 0. */
export function parseInteger(workload: string, what: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw new WorkloadArgError(workload, `missing argument ${what}`);
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new WorkloadArgError(workload, `${what} must be an integer in ${min}..${max} (got '${text}')`);
  }
  return value;
}

/** "100000" → "100K", for mark labels. */
export function formatCount(n: number): string {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n % 1_000 === 0) return `${n / 1_000}K`;
  return String(n);
}
