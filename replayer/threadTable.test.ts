// The thread rows' packed form (the replay worker's 'done' message): seeded rows of every state and
// of extreme figures come back equal, field for field and in the same key order (JSON identical), and
// a replay through the worker reports the same rows as one in this thread.
import { describe, expect, it } from 'vitest';
import { threadRowsPack, threadRowsUnpack, type ReplayThreadRow, type ThreadState } from './threadTable.js';

const STATES: ThreadState[] = ['running', 'exited', 'joined', 'detached', 'leaked'];

function rows(seed: number, n: number): ReplayThreadRow[] {
  let x = seed;
  const rnd = (m: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % m; };
  const big = [0, 1, -1, 2 ** 32, 2 ** 53 - 1, -(2 ** 40)];
  const out: ReplayThreadRow[] = [];
  for (let i = 0; i < n; i++) {
    const fig = (): number => (rnd(4) === 0 ? big[rnd(big.length)]! : rnd(1e6));
    out.push({
      tid: rnd(2 ** 31), liveBlocks: fig() - fig(), allocs: fig(), frees: fig(),
      remoteFreesSent: fig(), remoteFreesReceived: fig(), state: STATES[rnd(STATES.length)]!,
    });
  }
  return out;
}

describe('thread rows, packed for the done message', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 5,000 rows of every state come back equal, in the same key order`, () => {
      const r = rows(seed * 0x9e3779b1, 5000);
      const p = threadRowsPack(r);
      expect(p.states.length).toBe(5000);
      const back = threadRowsUnpack(structuredClone(p));
      expect(back).toEqual(r);
      expect(JSON.stringify(back)).toBe(JSON.stringify(r));
      expect(new Set(back.map((x) => x.state)).size).toBe(STATES.length);
    });
  }

  it('no rows', () => {
    expect(threadRowsUnpack(threadRowsPack([]))).toEqual([]);
  });
});
