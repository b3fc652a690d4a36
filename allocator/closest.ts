// allocator/closest.ts — "did you mean": the valid name closest to a misspelt one (edit distance, case
// folded), for the messages of AllocConfigError. Cold, pure.

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The valid name nearest to `name` when it is near enough to be a typo (a third of its length), else null. */
export function closestName(name: string, valid: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(name.toLowerCase(), v.toLowerCase());
    if (d < bestD) { bestD = d; best = v; }
  }
  return best !== null && bestD <= Math.max(2, Math.ceil(name.length / 3)) ? best : null;
}

/** " (did you mean 'x'?)" or ''. */
export function didYouMean(name: string, valid: readonly string[]): string {
  const c = closestName(name, valid);
  return c ? ` (did you mean '${c}'?)` : '';
}
