// Replay behaviour through the replayer's public interface: the documented preset behaviours on
// generated traces, determinism (twice, protobuf vs JSON, worker vs in-process), OOM reports, marks,
// --stop-at, --check, lenient replay of a bad trace, and stepping/pausing through the control block.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { recordWorkload } from '../recorder/index.js';
import { controlState, F_EVENTS_DONE, replayRun, replayStart, ReplayState, type ReplayResult } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-replay-'));
const larsonPb = join(dir, 'larson.pb');
const larsonJson = join(dir, 'larson.json');
const battlePb = join(dir, 'battle.pb');
const scalingPb = join(dir, 'scaling.pb');
const LARSON = ['10', '8', '128', '1024', '1', '12345', '4'];

beforeAll(async () => {
  await recordWorkload('larson', LARSON, larsonPb, { ops: 400_000 });
  await recordWorkload('larson', LARSON, larsonJson, { ops: 400_000 });
  await recordWorkload('battle', [], battlePb, { scales: '1M' });
  await recordWorkload('scaling', [], scalingPb, {});
}, 120_000);

const ssAfter = (r: ReplayResult): number => r.marks.find((m) => m.name.startsWith('measure-after'))!.ssLive;

describe('preset behaviours', () => {
  it('scaling under hakmem-7.5: 13 SuperSlabs allocated, none freed, RSS never falls between tests', async () => {
    const r = await replayRun(scalingPb, { preset: 'hakmem-7.5' });
    expect(r.final.ssAllocated).toBe(13);
    expect(r.final.ssFreed).toBe(0);
    const afterFree = r.marks.filter((m) => m.name.startsWith('after-free')).map((m) => m.rss);
    expect(afterFree).toHaveLength(3);
    expect(afterFree[1]).toBeGreaterThanOrEqual(afterFree[0]);
    expect(afterFree[2]).toBeGreaterThanOrEqual(afterFree[1]);
  });

  it('scaling under hakmem-7.6 frees SuperSlabs and ends the 1M test lower than 7.5', async () => {
    const [r75, r76] = await Promise.all([replayRun(scalingPb, { preset: 'hakmem-7.5' }), replayRun(scalingPb, { preset: 'hakmem-7.6' })]);
    expect(r76.final.ssFreed).toBeGreaterThan(0);
    const end = (r: ReplayResult): number => r.marks.find((m) => m.name === 'after-free@1M')!.rss;
    expect(end(r76)).toBeLessThan(end(r75));
  });

  it('battle: 7.6 keeps phantom SuperSlabs, 7.7 keeps the reserve, 8.1 and 8.2 one fewer each', async () => {
    const [r76, r77, r81, r82] = await Promise.all(['hakmem-7.6', 'hakmem-7.7', 'hakmem-8.1', 'hakmem-8.2'].map((preset) => replayRun(battlePb, { preset })));
    expect(ssAfter(r77)).toBe(2);
    expect(ssAfter(r76)).toBeGreaterThan(ssAfter(r77));
    expect(ssAfter(r81)).toBe(ssAfter(r77) - 1);
    expect(ssAfter(r82)).toBe(ssAfter(r81) - 1);
    expect(r77.marks.map((m) => m.name)).toEqual(['measure-peak@1M', 'flush@1M', 'measure-after@1M']);
  });

  it('larson under the bug preset runs out of mappings with 0 SuperSlabs freed; the fix runs to the end', async () => {
    const bug = await replayRun(larsonPb, { preset: 'hakmem-larson-bug', overrides: { maxMapCount: '300' } });
    expect(bug.oom).not.toBeNull();
    expect(bug.oom!.ssFreed).toBe(0);
    expect(bug.oom!.mappings).toBeGreaterThanOrEqual(bug.oom!.maxMapCount - 1);
    expect(bug.oom!.maxMapCount).toBe(300);
    expect(bug.oom!.reasonCode).toBe('max_map_count');
    const v = bug.oom!.vmas;
    expect(v.superSlab + v.stack + v.large + v.baseline + v.merged).toBe(bug.oom!.mappings);
    expect(v.stack).toBeGreaterThan(0); // larson never joins its threads: every generation leaks a stack
    expect(bug.events).toBe(bug.oom!.event + 1);
    expect(bug.complete).toBe(false);
    const fix = await replayRun(larsonPb, { preset: 'hakmem-larson-fix' });
    expect(fix.oom).toBeNull();
    expect(fix.complete).toBe(true);
    expect(fix.events).toBe(fix.totalEvents);
    expect(fix.final.ssLive).toBeLessThan(400);
    expect(fix.final.ssLive).toBeLessThan(0.2 * fix.final.ssAllocated);
    expect(bug.final.ssLive).toBe(bug.final.ssAllocated);
    expect(fix.final.ssFreed).toBe(fix.final.ssAllocated - fix.final.ssLive);
  });
});

describe('thread stacks follow the trace: joined, detached, or leaked', () => {
  /** 200 short-lived threads; v2 `how`: never joined, joined, or detached before exit. */
  async function churn(file: string, formatVersion: number, how: 'leak' | 'join' | 'detach'): Promise<void> {
    const { createTraceWriter } = await import('../traces/index.js');
    const w = createTraceWriter(file, { workload: 'churn', recorder: 'test', formatVersion });
    for (let t = 1; t <= 200; t++) {
      w.threadStart(t);
      if (how === 'detach') w.threadDetach(t, t);
      w.free(t, w.alloc(t, 64));
      w.threadExit(t);
      if (how === 'join') w.threadJoin(0, t);
    }
    await w.close();
  }

  it('never-joined threads keep their stacks until pthread_create fails; joined, detached and v1 threads do not', async () => {
    const cfg = { preset: 'hakmem-larson-fix', overrides: { maxMapCount: '100' } };
    const results: Record<string, ReplayResult> = {};
    for (const [name, v, how] of [['leak', 2, 'leak'], ['join', 2, 'join'], ['detach', 2, 'detach'], ['v1', 1, 'leak']] as const) {
      const f = join(dir, `churn-${name}.pb`);
      await churn(f, v, how);
      results[name] = await replayRun(f, cfg);
    }
    expect(results.leak!.oom).toMatchObject({ what: 'stack', op: 'thread_start', reasonCode: 'max_map_count' });
    expect(results.leak!.oom!.vmas.stack).toBeGreaterThan(20);
    expect(results.leak!.oom!.mappings).toBeGreaterThanOrEqual(99);
    for (const name of ['join', 'detach', 'v1']) {
      const r = results[name]!;
      expect(r.oom).toBeNull();
      expect(r.final.stacksLeaked).toBe(0);
      expect(r.final.stacksMapped).toBe(1); // one stack, reused from the cache by every next thread
    }
  });
});

describe('determinism', () => {
  it('gives the same digest and checkpoints twice, from protobuf and JSON, with and without a worker', async () => {
    const cfg = { preset: 'hakmem-larson-fix' };
    const a = await replayRun(larsonPb, cfg);
    const b = await replayRun(larsonPb, cfg);
    const c = await replayRun(larsonJson, cfg);
    const d = await replayStart(larsonPb, cfg).result;
    expect(a.threads!.length).toBeGreaterThan(1);
    for (const r of [b, c, d]) {
      expect(r.digest).toBe(a.digest);
      expect(r.marks).toEqual(a.marks);
      expect(r.final).toEqual(a.final);
      expect(r.threads).toEqual(a.threads); // the worker's rows come packed (threadRowsPack)
    }
    const other = await replayRun(larsonPb, { preset: 'hakmem-larson-bug' });
    expect(other.digest).not.toBe(a.digest);
  });
});

describe('options', () => {
  it('--stop-at 0 replays nothing; --stop-at at the end of the trace is a complete replay', async () => {
    const zero = await replayRun(scalingPb, { preset: 'hakmem-7.7', stopAt: 0 });
    expect(zero.events).toBe(0);
    expect(zero.stoppedAt).toBe(0);
    expect(zero.complete).toBe(false);
    const all = await replayRun(scalingPb, { preset: 'hakmem-7.7' });
    const exact = await replayRun(scalingPb, { preset: 'hakmem-7.7', stopAt: all.events });
    expect(exact.events).toBe(all.events);
    expect(exact.complete).toBe(true);
    expect(exact.stoppedAt).toBeNull();
    expect(exact.digest).toBe(all.digest);
  });

  it('--stop-at replays exactly that many events', async () => {
    const r = await replayRun(battlePb, { preset: 'hakmem-7.7', stopAt: 12345 });
    expect(r.events).toBe(12345);
    expect(r.stoppedAt).toBe(12345);
    expect(r.complete).toBe(false);
  });

  it('--speed throttles the replay: it sleeps as long as its speed requires (on a simulated clock)', async () => {
    // The clock moves only when the replay sleeps (Atomics.wait on the control block, here returning at
    // once): what it sleeps in all is what the throttle asked for, whatever the machine's speed.
    const slept = async (speed: number): Promise<number> => {
      let clock = 0, total = 0;
      const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
      const wait = vi.spyOn(Atomics, 'wait').mockImplementation((_a, _i, _v, timeout = 0) => { clock += timeout; total += timeout; return 'timed-out'; });
      try {
        const r = await replayRun(battlePb, { preset: 'hakmem-7.7', stopAt: 30_000, speed });
        expect(r.events).toBe(30_000);
      } finally {
        now.mockRestore();
        wait.mockRestore();
      }
      return total;
    };
    // 30,000 events at 100,000/s: 300 ms, less the last segment (50 segments a second: 20 ms) it need not wait for
    const ms = await slept(100_000);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThanOrEqual(300);
    expect(await slept(0)).toBe(0);
  });

  it('--check runs the invariant checker at marks and every N events', async () => {
    const r = await replayRun(battlePb, { preset: 'hakmem-7.7', check: 500_000 });
    expect(r.check!.runs).toBeGreaterThanOrEqual(3 + 4);
    const bug = await replayRun(larsonPb, { preset: 'hakmem-larson-bug', check: 0, stopAt: 100_000 });
    expect(bug.check!.runs).toBeGreaterThanOrEqual(2);
  });

  it('continues after an OOM when asked and counts the failures', async () => {
    const r = await replayRun(larsonPb, { preset: 'hakmem-larson-bug', overrides: { maxMapCount: '200' }, continueAfterOom: true, stopAt: 300_000 });
    expect(r.oom).not.toBeNull();
    expect(r.oomCount).toBeGreaterThan(1);
    expect(r.events).toBe(300_000);
  });

  it('rejects a bad trace event with a TraceError, and skips it with lenient', async () => {
    const file = join(dir, 'bad.json');
    const lines = [
      JSON.stringify({ header: { magic: 'slabtrace', formatVersion: 1, workload: 'hand', recorder: 'test', params: {}, args: [], seed: 0, threads: 1, pageSize: 4096, createdAtMs: 0, expectedEvents: 0, chunkEvents: 0 } }),
      JSON.stringify({ op: 'alloc', tid: 0, id: 0, size: 32 }),
      JSON.stringify({ op: 'free', tid: 0, id: 7 }),
      JSON.stringify({ op: 'free', tid: 0, id: 0 }),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    await expect(replayRun(file, { preset: 'hakmem-7.7', allowTruncated: true })).rejects.toMatchObject({ name: 'TraceError', code: 'FREE_NOT_LIVE', event: 1 });
    const r = await replayRun(file, { preset: 'hakmem-7.7', lenient: true, allowTruncated: true });
    expect(r.skipped).toBe(1);
    expect(r.final.blocksFreed).toBe(1);
  });

  it('rejects an unknown preset or parameter before reading the trace', async () => {
    await expect(replayRun(battlePb, { preset: 'hakmem-9' })).rejects.toThrow(/hakmem-7\.5/);
    await expect(replayRun(battlePb, { preset: 'hakmem-7.7', overrides: { noSuch: '1' } })).rejects.toThrow(/unknown allocator parameter/);
  });
});

describe('control', () => {
  it('steps to the next mark and pauses there', async () => {
    const h = replayStart(battlePb, { preset: 'hakmem-7.7' });
    h.pause(true);
    h.step(1e12);
    const mark = await new Promise<{ name: string; event: number }>((res) => h.onMark(res));
    expect(mark.name).toBe('measure-peak@1M');
    // the replay says it is paused (it publishes its count before it sleeps): polled, with a deadline
    for (let i = 0; i < 1200 && controlState(h.control) !== ReplayState.Paused; i++) await new Promise((r) => setTimeout(r, 50));
    expect(controlState(h.control)).toBe(ReplayState.Paused);
    expect(h.control.floats[F_EVENTS_DONE]).toBe(mark.event + 1);
    h.quit();
    const r = await h.result;
    expect(r.partial).toBe(true);
    expect(r.events).toBe(mark.event + 1);
  });

  it('a quit before the end gives a partial result with the figures so far', async () => {
    const h = replayStart(larsonPb, { preset: 'hakmem-larson-fix' });
    h.setSpeed(200_000);
    // quit once some events are done (however slow the machine is to start the workers)
    for (let i = 0; i < 600 && h.control.floats[F_EVENTS_DONE]! === 0; i++) await new Promise((r) => setTimeout(r, 50));
    h.quit();
    const r = await h.result;
    expect(r.partial).toBe(true);
    expect(r.events).toBeGreaterThan(0);
    expect(r.events).toBeLessThan(r.totalEvents);
  });
});
