// Property-based fuzz suite (fast-check, seeded; the properties are in fuzzCheck.ts) over the trace
// grammar (fuzzCase.ts): valid and invalid traces in all four forms (pb, pb.gz, json, json.gz),
// against the reference model (fuzzModel.ts): same events / counts / footer verdict / error from
// every form, cut streams read up to their last complete event, damaged bytes end in a coded
// TraceError with an offset within bounded memory. ~2,000 cases; FUZZ_RUNS=k runs k times as many
// here, and the long mode is bench/fuzz.bench.ts (`npm run bench -- fuzz`).
import { describe, expect, it } from 'vitest';
import { fuzzProperties } from './fuzzCheck.js';

const outcomes: Record<string, number> = {};
const properties = fuzzProperties(Number(process.env.FUZZ_RUNS ?? 1), outcomes);

describe('property-based fuzz over the trace grammar (fast-check, seeded)', () => {
  for (const p of properties) {
    it(p.name, async () => {
      await p.check({ seed: p.seed, numRuns: p.numRuns });
    }, 600_000);
  }

  it('damage reached many different outcomes', () => {
    expect(Object.keys(outcomes).length).toBeGreaterThan(5);
  });
});
