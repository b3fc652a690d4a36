// Replayer benchmark (issue #4's figures):
//  - headless replay of the protobuf Larson trace `8 1000 5000 100 4141 2` (>= 20 M events) in a worker,
//    end to end: target >= 25 M events/s and >= 0.4 of the decode-only rate of the same file;
//  - the same Larson workload run natively (our C larson, glibc malloc): replay events/s ÷ native
//    events/s (skipped with a message when there is no C compiler);
//  - the Larson OOM (`10 8 128 1024 1 12345 4`, hakmem-larson-bug, 65,530 mappings) reproduced from a
//    trace: target <= 10 s wall;
//  - issue #16's guard: replay ÷ native glibc Larson on both configurations, in the same run (replay
//    and native runs in turn, the best of three each), replay
//    end to end with start-up (the 4141 trace under hakmem-larson-fix; the `10 8 128 1024 1 12345 4`
//    trace under hakmem-larson-fix against native `2 8 128 1024 1 12345 4`): target >= 0.6, stretch
//    >= 0.8, goal >= 1.0. Printed, not asserted (the machine's load moves both sides).
//  - replayer memory flat in trace length: a 100 M-event trace replays in <= 150 MB RSS (measured in a
//    child process that does nothing else).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as recorder from '../recorder/index.js';
import { replayStart } from '../replayer/index.js';
import { openTrace } from '../traces/index.js';

const LARSON_BENCH = ['10', '8', '1000', '5000', '100', '4141', '2'];
const LARSON_OOM = ['10', '8', '128', '1024', '1', '12345', '4'];
/** The native run the issue compares the OOM configuration with (clock-limited: 2 s). */
const LARSON_OOM_NATIVE = ['2', '8', '128', '1024', '1', '12345', '4'];
/** issue #16's target for replay ÷ native (stretch 0.8, goal 1.0). */
const NATIVE_RATIO_TARGET = 0.6;

async function repeat<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

/** The fastest of several timed runs (the least disturbed by other work on the machine). */
function best<T extends { events: number; seconds: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.events / b.seconds > a.events / a.seconds ? b : a));
}

async function decodeRate(file: string): Promise<{ events: number; seconds: number }> {
  const t0 = performance.now();
  const reader = await openTrace(file);
  let events = 0;
  for await (const b of reader.batches()) events += b.count;
  return { events, seconds: (performance.now() - t0) / 1000 };
}

async function replayTimed(file: string, preset: string): Promise<{ events: number; seconds: number; oom: boolean; ssAllocated: number }> {
  const t0 = performance.now();
  const r = await replayStart(file, { preset }).result;
  return { events: r.events, seconds: (performance.now() - t0) / 1000, oom: r.oom !== null, ssAllocated: r.final.ssAllocated };
}

type NativeFn = (args: string[], opts?: { ops?: number }) => Promise<{ opsPerSec: number } | { skipped: string } | null> | { opsPerSec: number } | null;

/**
 * Replay and native runs taken in turn (replay, native, replay, native, …) so that both see the same
 * stretches of the host's load (which moved the native figure by a third between two runs of this
 * bench); the best of each. The replay's rate is events / s end to end; native is ops/s or why not.
 */
async function interleaved(rounds: number, replay: () => Promise<{ events: number; seconds: number }>, args: string[], ops: number | undefined):
  Promise<{ replay: { events: number; seconds: number }; native: number | string }> {
  const runs: { events: number; seconds: number }[] = [];
  let native: number | string = 0;
  for (let i = 0; i < rounds; i++) {
    runs.push(await replay());
    const n = await nativeRate(args, ops, 1);
    native = typeof n === 'string' ? n : Math.max(typeof native === 'number' ? native : 0, n);
  }
  return { replay: best(runs), native };
}

/** Native larson's ops/s (the best of `runs`; a Larson op is a free and a malloc: 2 events), or why not. */
async function nativeRate(args: string[], ops: number | undefined, runs = 1): Promise<number | string> {
  const fn = (recorder as unknown as Record<string, NativeFn | undefined>).nativeLarsonOpsPerSec;
  if (!fn) return 'native larson runner not available';
  let best = 0;
  for (let i = 0; i < runs; i++) {
    const r = await fn(args, ops === undefined ? {} : { ops });
    if (!r) return 'no C compiler';
    if ('skipped' in r) return r.skipped;
    best = Math.max(best, r.opsPerSec);
  }
  return best;
}

/** Prints and records replay ÷ native for one configuration. */
function nativeRatio(f: Record<string, number | string>, key: string, label: string, replayRate: number, native: number | string): void {
  if (typeof native !== 'number') {
    f[`${key}Native`] = `skipped: ${native}`;
    console.log(`  ${label}: native larson skipped (${native})`);
    return;
  }
  const nativeEvents = native * 2;
  const ratio = replayRate / nativeEvents;
  f[`${key}NativeEventsPerSec`] = nativeEvents;
  f[`${key}ReplayToNative`] = ratio;
  console.log(`  ${label}: replay ${(replayRate / 1e6).toFixed(1)} M events/s ÷ native glibc larson ${(nativeEvents / 1e6).toFixed(1)} M events/s ` +
    `= ${ratio.toFixed(2)}x (target >= ${NATIVE_RATIO_TARGET}, stretch >= 0.8, goal >= 1.0)${ratio >= NATIVE_RATIO_TARGET ? '' : '  BELOW TARGET'}`);
}

function childReplayRss(file: string): { maxRssMB: number; events: number } {
  const script = `
    const { replayStart } = await import(${JSON.stringify(new URL('../replayer/index.js', import.meta.url).href)});
    const r = await replayStart(${JSON.stringify(file)}, { preset: 'hakmem-larson-fix' }).result;
    console.log(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, events: r.events }));`;
  // A script file, not --eval: workers inherit execArgv, and --input-type would break theirs.
  const scriptFile = join(dirname(file), 'rss-child.mjs');
  writeFileSync(scriptFile, script);
  const out = spawnSync(process.execPath, [scriptFile], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`child replay failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!);
}

export async function benchReplayer(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'slabtrace-bench-replay-'));
  const f: Record<string, number | string> = {};
  let replayRate = 0;
  try {
    const larson = join(dir, 'larson-4141.pb');
    const ops = 25_000_000;
    await recorder.recordWorkload('larson', LARSON_BENCH, larson, { ops });
    const dec = best(await repeat(3, () => decodeRate(larson)));
    f.decodeEventsPerSec = dec.events / dec.seconds;
    console.log(`larson ${LARSON_BENCH.slice(1).join(' ')} (--ops ${ops}): ${dec.events} events; best of 3 runs each`);
    console.log(`  decode only (validated, one thread): ${(f.decodeEventsPerSec / 1e6).toFixed(1)} M events/s`);
    // larson-fix in turn with the native runs it is compared with
    const fix4141 = await interleaved(3, () => replayTimed(larson, 'hakmem-larson-fix'), LARSON_BENCH, ops);
    for (const preset of ['hakmem-larson-fix', 'hakmem-larson-bug']) {
      const rep = preset === 'hakmem-larson-fix' ? fix4141.replay : best(await repeat(3, () => replayTimed(larson, preset)));
      const rate = rep.events / rep.seconds;
      if (preset === 'hakmem-larson-fix') {
        f.replayEventsPerSec = replayRate = rate;
        f.replayToDecodeRatio = rate / f.decodeEventsPerSec;
      } else f.replayBugEventsPerSec = rate;
      console.log(`  headless replay, ${preset}: ${(rate / 1e6).toFixed(1)} M events/s end to end (worker + decode worker, start-up included; target >= 25), ${(rate / f.decodeEventsPerSec).toFixed(2)} of decode (target >= 0.4)`);
    }
    nativeRatio(f, 'larson4141', `replay ÷ native, larson ${LARSON_BENCH.slice(1).join(' ')}, hakmem-larson-fix (runs in turn)`, replayRate, fix4141.native);

    const oomTrace = join(dir, 'larson-oom.pb');
    await recorder.recordWorkload('larson', LARSON_OOM, oomTrace, {});
    const oom = best(await repeat(2, () => replayTimed(oomTrace, 'hakmem-larson-bug')));
    f.oomReplaySeconds = oom.seconds;
    f.oomSuperSlabs = oom.ssAllocated;
    console.log(`larson OOM (${LARSON_OOM.join(' ')}, hakmem-larson-bug): ${oom.oom ? 'OOM' : 'NO OOM'} after ${oom.events} events, ${oom.ssAllocated} SuperSlabs, in ${oom.seconds.toFixed(2)} s (target <= 10 s)`);
    // the same trace under hakmem-larson-fix (it runs until the never-joined threads' stacks fill the
    // mapping limit) against the native program
    const fixOom = await interleaved(3, () => replayTimed(oomTrace, 'hakmem-larson-fix'), LARSON_OOM_NATIVE, undefined);
    const fix = fixOom.replay;
    const fixRate = fix.events / fix.seconds;
    f.oomTraceFixEventsPerSec = fixRate;
    console.log(`  headless replay, hakmem-larson-fix: ${fix.events} events in ${fix.seconds.toFixed(2)} s = ${(fixRate / 1e6).toFixed(1)} M events/s end to end`);
    nativeRatio(f, 'larsonOom', `replay ÷ native, larson ${LARSON_OOM.slice(1).join(' ')} (native ${LARSON_OOM_NATIVE[0]} s), hakmem-larson-fix (runs in turn)`, fixRate, fixOom.native);
    rmSync(oomTrace);

    const big = join(dir, 'larson-100M.pb');
    await recorder.recordWorkload('larson', LARSON_OOM, big, { ops: 50_000_000 });
    const rss = childReplayRss(big);
    f.replay100MEventsMaxRssMB = rss.maxRssMB;
    console.log(`replay of a ${rss.events}-event trace: max RSS ${rss.maxRssMB.toFixed(0)} MB (target <= 150 MB)`);
    return f;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
