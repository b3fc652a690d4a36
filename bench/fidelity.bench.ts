// `npm run fidelity` (also `npm run bench -- fidelity`): the model against the published figures — every
// row with its error, its target and the mechanism behind it (bench/fidelity.ts). Deterministic.
import { fidelityRun, fidelityTable } from './fidelity.js';

export async function benchFidelity(): Promise<Record<string, number | string | null>> {
  const t0 = performance.now();
  const rows = await fidelityRun((s) => console.log(`  ${s}`));
  console.log('');
  console.log(fidelityTable(rows));
  const off = rows.filter((r) => !r.ok);
  console.log(`\n${rows.length} figures, ${rows.length - off.length} within their targets${off.length ? `; outside: ${off.map((r) => `${r.group}: ${r.figure}`).join('; ')}` : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const out: Record<string, number | string | null> = { figures: rows.length, withinTarget: rows.length - off.length };
  for (const r of rows) if (r.error !== null) out[`${r.group}: ${r.figure}`] = +(r.error * 100).toFixed(1);
  return out;
}
