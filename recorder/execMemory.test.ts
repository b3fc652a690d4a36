// Capture memory (recorder/native/ring.c), with the `threads` workload (recorder/native/workloads):
// 400 threads that all allocate, alive together, cost at most 64 MiB of resident memory under capture
// (VmHWM, read by the program itself at a barrier where all are live), with every event recorded; and
// with no ring budget at all (every ring at its smallest, threads spilling their rings themselves all
// the time) the per-thread order and the counts stay exact. Skips when no C compiler is available.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace, OP_ALLOC, OP_FREE } from '../traces/index.js';
import { recordExec } from './exec.js';
import { nativeArtifacts } from './nativeBuild.js';
import { nativeSummaryParse } from './nativeWorkloads.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`capture memory tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-memory-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const threads = (): string => (native.ok ? native.workload('threads') : '');
const hwm = (stdout: string | undefined): number => nativeSummaryParse(stdout ?? '', 'threads')?.hwm_kb ?? NaN;

/** Per thread: its allocations of its own sizes, in order (size 10000 + 8k + i % 7 at step i). */
async function perThreadExact(path: string, n: number, per: number): Promise<{ allocs: number; frees: number; outOfOrder: number }> {
  const r = await openTrace(path);
  const step = new Map<number, number>();
  const live = new Set<number>();
  let allocs = 0, frees = 0, outOfOrder = 0;
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      if (b.op[i] === OP_ALLOC && b.size[i] >= 10000 && b.size[i] < 10000 + 8 * n + 7) {
        const k = Math.floor((b.size[i] - 10000) / 8);
        const s = step.get(b.tid[i]) ?? 0;
        if (b.size[i] !== 10000 + 8 * k + (s % 7)) outOfOrder++;
        step.set(b.tid[i], s + 1);
        live.add(b.id[i]);
        allocs++;
      } else if (b.op[i] === OP_FREE && live.delete(b.id[i])) frees++;
    }
  }
  expect([...step.values()].every((s) => s === per)).toBe(true);
  return { allocs, frees, outOfOrder };
}

d('capture memory', () => {
  it('400 allocating threads, all alive: <= 64 MiB resident under capture, every event recorded', async () => {
    const plain = spawnSync(threads(), ['400', '20000'], { encoding: 'utf8' });
    const out = join(dir, 't400.pb');
    const r = await recordExec([threads(), '400', '20000'], out, { stdio: 'pipe' });
    expect(r.verdict.problems).toEqual([]);
    const captured = hwm(r.stdout);
    console.log(`400 threads: VmHWM plain ${(hwm(plain.stdout) / 1024).toFixed(1)} MiB, captured ${(captured / 1024).toFixed(1)} MiB; ` +
      `ring peak ${(r.shm.ringPeak / 2 ** 20).toFixed(1)} MiB, ${r.shm.spills} spills`);
    expect(captured).toBeLessThanOrEqual(64 * 1024);
    const t = await perThreadExact(out, 400, 20000);
    expect(t).toEqual({ allocs: 400 * 20000, frees: 400 * 20000, outOfOrder: 0 });
  }, 180_000);

  it('no ring budget (every thread spills its smallest ring): per-thread order and counts exact', async () => {
    const out = join(dir, 'spill.pb');
    const r = await recordExec([threads(), '8', '50000'], out, { stdio: 'pipe', env: { ...process.env, SLABTRACE_RING_BUDGET: '0' } });
    expect(r.verdict.problems).toEqual([]);
    expect(r.shm.spills).toBeGreaterThan(0);
    expect(r.shm.ringPeak).toBeLessThanOrEqual(16 * 6144); // 8 threads + main and their smallest rings
    expect(await perThreadExact(out, 8, 50000)).toEqual({ allocs: 8 * 50000, frees: 8 * 50000, outOfOrder: 0 });
  }, 120_000);
});
