// Native replay benchmark (issue #10): traces replayed through real allocators by slabtrace-replay.
//  - battle 100K..5M (17.2 M events, one thread) through glibc, mimalloc and jemalloc: events/s end to
//    end (the replayer's clock, first event to last, reading its input included, reading /proc at the
//    marks not; target >= 30 M), events per CPU-second of the replay process, the
//    same without the time it waited for input, and beside it battle as a
//    C program (BATTLE_C, compiled here, same allocator) for scale;
//  - the RSS at each measure-peak: the allocator's (process minus bookkeeping minus baseline), that plus
//    the baseline beside the C program's VmRSS and the seed's published columns (glibc, mimalloc; target
//    within 10 % from 1M up);
//  - the threaded Larson trace `larson 2 8 128 1024 1 12345 4 --ops 2M` (4 M events, 1,956 threads);
//  - the feed: bytes an event in the wire messages, and the TypeScript side's decode + validate + pack
//    rate (the scan that writes the spool before the replay process starts; not in the replay's clock).
// Best of RUNS runs for speeds (the least disturbed by other work on the shared machine); RSS is the
// same in every run. Allocators that are not installed are skipped with a message.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordWorkload } from '../recorder/index.js';
import { nativeAllocatorsList, nativeReplayer, nativeReplayRun, nativeScan, nativeScanDispose, type NativeReplayResult, type NativeScan } from '../replayer/index.js';
import { nativeEnv, nativeResolve } from '../replayer/nativeAllocators.js';
import { nativeParseLine, wireBatch } from '../replayer/nativeProtocol.js';
import { openTrace } from '../traces/index.js';

const RUNS = Number(process.env.NATIVE_REPLAY_BENCH_RUNS ?? 3);
const SCALES = ['100K', '500K', '1M', '2M', '5M'];
const SEED_BATTLE: Record<string, number[]> = {
  glibc: [5.4, 20.6, 39.6, 77.9, 192.3],
  mimalloc: [5.1, 13.1, 25.1, 49.1, 119.7],
};
const LARSON = ['2', '8', '128', '1024', '1', '12345', '4'];
const LARSON_OPS = 2_000_000;
const MiB = 2 ** 20;

function best(runs: NativeReplayResult[]): NativeReplayResult {
  return runs.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
}

/** Without the time the replay process waited for its input (and, as eventsPerSec, read /proc at marks). */
function execOnly(r: NativeReplayResult): number {
  return r.events / Math.max(1e-9, r.wallSeconds - r.native.inputWaitSeconds - r.native.statsSeconds);
}

/** Events per CPU-second of the replay process (all threads, system time included). */
function perCpu(r: NativeReplayResult): number {
  return r.events / Math.max(1e-9, r.native.cpuSeconds);
}

async function replayBest(file: string, allocator: string, scan: NativeScan): Promise<NativeReplayResult> {
  const runs: NativeReplayResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await nativeReplayRun(file, { allocator, scan }));
  return best(runs);
}

/** Battle as a C program (DESIGN.md: the array, N x 16 B, the array written, all freed), printing its
 *  VmRSS at each measure-peak and its time: the reference the replay should reproduce. */
const BATTLE_C = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double rss(void) {
  FILE *f = fopen("/proc/self/status", "r"); char l[256]; long v = 0;
  while (fgets(l, sizeof l, f)) if (!strncmp(l, "VmRSS:", 6)) v = atol(l + 6);
  fclose(f); return v / 1024.0;
}
int main(void) {
  long scales[] = {100000, 500000, 1000000, 2000000, 5000000};
  double peaks[5], busy = 0;
  for (int s = 0; s < 5; s++) {
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long n = scales[s];
    void **a = malloc(n * sizeof *a);
    for (long i = 0; i < n; i++) { a[i] = malloc(16); ((volatile char *)a[i])[0] = 1; ((volatile char *)a[i])[15] = 1; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    peaks[s] = rss();
    clock_gettime(CLOCK_MONOTONIC, &t2);
    for (long i = 0; i < n; i++) free(a[i]);
    free(a);
    busy += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    busy += (t1.tv_sec - t2.tv_sec) + (t1.tv_nsec - t2.tv_nsec) * 1e-9;
  }
  printf("battle seconds=%.6f", busy);
  for (int s = 0; s < 5; s++) printf(" peak%d=%.2f", s, peaks[s]);
  printf("\\n");
  return 0;
}
`;

interface ProgramFigures { eventsPerSec: number; peaksMiB: number[] }

/** Builds the battle program (null without a compiler). */
function programBuild(dir: string): string | null {
  const src = join(dir, 'battle.c');
  const bin = join(dir, 'battle');
  writeFileSync(src, BATTLE_C);
  return spawnSync(process.env.CC || 'cc', ['-O2', '-o', bin, src], { encoding: 'utf8' }).status === 0 ? bin : null;
}

/** The battle program under `allocator`: its events/s (best of RUNS) and RSS at each peak. */
function programRun(bin: string, allocator: string, events: number): ProgramFigures {
  const env = nativeEnv(nativeResolve(allocator).preload);
  let rate = 0;
  let peaksMiB: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = spawnSync(bin, [], { encoding: 'utf8', env }).stdout;
    const f = nativeParseLine(out).fields;
    rate = Math.max(rate, events / Number(f.seconds));
    peaksMiB = SCALES.map((_, k) => Number(f[`peak${k}`]));
  }
  return { eventsPerSec: rate, peaksMiB };
}

/** The TypeScript side alone: decode (validated) and pack every batch, nothing sent. */
async function packRate(file: string): Promise<{ eventsPerSec: number; bytesPerEvent: number }> {
  let rate = 0, bytes = 0, events = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const reader = await openTrace(file);
    bytes = events = 0;
    for await (const b of reader.batches()) {
      bytes += wireBatch(b, 0, b.count).length;
      events += b.count;
    }
    rate = Math.max(rate, events / ((performance.now() - t0) / 1000));
  }
  return { eventsPerSec: rate, bytesPerEvent: bytes / events };
}

function peakAt(r: NativeReplayResult, scale: string): number {
  return r.marks.find((m) => m.name === `measure-peak@${scale}`)!.rss;
}

export async function benchNativeReplay(): Promise<Record<string, number | string | null>> {
  const built = nativeReplayer();
  if (!built.ok) {
    console.log(`  skipped: ${built.reason}`);
    return {};
  }
  const allocators = nativeAllocatorsList().filter((a) => a.name !== 'tcmalloc');
  for (const a of allocators.filter((x) => !x.available)) console.log(`  ${a.name}: not installed (${a.debianPackage}), skipped`);
  const names = allocators.filter((a) => a.available).map((a) => a.name);
  const dir = mkdtempSync(join(tmpdir(), 'slabtrace-bench-native-replay-'));
  const figures: Record<string, number | string | null> = {};
  try {
    const battle = join(dir, 'battle.pb');
    const larson = join(dir, 'larson.pb');
    await recordWorkload('battle', [], battle, {});
    await recordWorkload('larson', LARSON, larson, { ops: LARSON_OPS });
    const battleScan = await nativeScan(battle, {});
    const larsonScan = await nativeScan(larson, {});
    console.log(`  battle ${SCALES.join(',')}: ${battleScan.events.toLocaleString('en-US')} events; larson ${LARSON.join(' ')} --ops 2M: ${larsonScan.events.toLocaleString('en-US')} events; best of ${RUNS}`);
    console.log(`  validating scan (TypeScript, before the child starts): battle ${(battleScan.events / battleScan.seconds / 1e6).toFixed(1)} M events/s`);
    const program = programBuild(dir);
    if (!program) console.log('  the battle program could not be built (no C compiler): its column is left out');
    for (const name of names) {
      const r = await replayBest(battle, name, battleScan);
      const p = program ? programRun(program, name, battleScan.events) : null;
      const l = await replayBest(larson, name, larsonScan);
      figures[`${name}BattleEventsPerSec`] = r.eventsPerSec;
      figures[`${name}BattleExecEventsPerSec`] = execOnly(r);
      figures[`${name}BattleProgramEventsPerSec`] = p?.eventsPerSec ?? null;
      figures[`${name}LarsonEventsPerSec`] = l.eventsPerSec;
      figures[`${name}LarsonExecEventsPerSec`] = execOnly(l);
      figures[`${name}BaselineMiB`] = r.native.baseline.rss / MiB;
      figures[`${name}BattleEventsPerCpuSecond`] = perCpu(r);
      figures[`${name}LarsonEventsPerCpuSecond`] = perCpu(l);
      const m = (x: number): string => (x / 1e6).toFixed(1);
      console.log(`  ${name.padEnd(8)} battle ${m(r.eventsPerSec)} M events/s (${m(execOnly(r))} M without input waits, ${m(perCpu(r))} M per CPU-second; the battle program itself ${p ? m(p.eventsPerSec) : '?'} M/s)`);
      console.log(`           larson ${m(l.eventsPerSec)} M events/s (${m(execOnly(l))} M without input waits, ${m(perCpu(l))} M per CPU-second), ${l.final.threadsStarted} threads, ${l.final.remoteFrees.toLocaleString('en-US')} remote frees`);
      const seed = SEED_BATTLE[name];
      const base = r.native.baseline.rss / MiB;
      const rows = SCALES.map((sc, i) => {
        const rss = peakAt(r, sc) / MiB;
        figures[`${name}Peak${sc}MiB`] = rss;
        if (p) figures[`${name}ProgramPeak${sc}MiB`] = p.peaksMiB[i];
        const vsSeed = seed ? `, seed ${seed[i]} (${(((rss + base - seed[i]) / seed[i]) * 100).toFixed(1)} %)` : '';
        return `${sc} ${rss.toFixed(1)} + ${base.toFixed(1)} = ${(rss + base).toFixed(1)}${p ? ` vs program ${p.peaksMiB[i].toFixed(1)}` : ''}${vsSeed}`;
      });
      console.log(`           RSS at measure-peak, MiB (allocator + baseline): ${rows.join('; ')}`);
    }
    const pack = await packRate(battle);
    figures.battleWireBytesPerEvent = battleScan.bytesPerEvent;
    figures.larsonWireBytesPerEvent = larsonScan.bytesPerEvent;
    figures.decodePackEventsPerSec = pack.eventsPerSec;
    figures.battleScanSeconds = battleScan.seconds;
    console.log(`  feed: ${battleScan.bytesPerEvent.toFixed(2)} bytes/event (battle), ${larsonScan.bytesPerEvent.toFixed(2)} (larson); TypeScript decode + validate + pack ${(pack.eventsPerSec / 1e6).toFixed(1)} M events/s (the scan that writes the spool: battle ${battleScan.seconds.toFixed(2)} s, once for every allocator)`);
    nativeScanDispose(battleScan);
    nativeScanDispose(larsonScan);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
