// Native capture cost: larson `5 8 128 1024 1 12345 4` with an op budget (LARSON_OPS, so the run is
// short and the work identical), plain versus under `record exec`. Figures: slowdown of the threaded
// phase as larson times it (goal <= 2x), slowdown of the whole program's wall time, conversion speed,
// raw capture bytes per event and trace bytes per event. Median of a few runs. And the capture's
// memory: VmHWM of the `threads` workload (400 threads allocating, all alive), plain and captured
// (goal <= 64 MiB captured).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordExec } from '../recorder/exec.js';
import { nativeArtifacts } from '../recorder/nativeBuild.js';
import { nativeSummaryParse, nativeWorkloadRun } from '../recorder/nativeWorkloads.js';

const LARSON = ['5', '8', '128', '1024', '1', '12345', '4'];
const OPS = Number(process.env.NATIVE_BENCH_OPS ?? 4_000_000);
const RUNS = Number(process.env.NATIVE_BENCH_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** VmHWM (MiB) of 400 allocating threads, plain and under capture. */
async function benchNativeThreads(exe: string, dir: string): Promise<Record<string, number>> {
  const args = ['400', '20000'];
  const plain = await nativeWorkloadRun('threads', args);
  if ('skipped' in plain) { console.log(`  threads skipped: ${plain.skipped}`); return {}; }
  const r = await recordExec([exe, ...args], join(dir, 'threads.trace'), { stdio: 'pipe' });
  const s = nativeSummaryParse(r.stdout ?? '', 'threads');
  if (!s) throw new Error(`captured threads failed: ${r.stderr}`);
  const f = {
    threads400PlainHwmMiB: plain.summary.hwm_kb / 1024,
    threads400CapturedHwmMiB: s.hwm_kb / 1024,
    threads400RingPeakMiB: r.shm.ringPeak / 2 ** 20,
  };
  console.log(`  400 allocating threads: VmHWM plain ${f.threads400PlainHwmMiB.toFixed(1)} MiB, captured ${f.threads400CapturedHwmMiB.toFixed(1)} MiB ` +
    `(goal <= 64 MiB; ring buffers at most ${f.threads400RingPeakMiB.toFixed(1)} MiB, ${r.shm.spills} spills)`);
  return f;
}

export async function benchNative(): Promise<Record<string, number>> {
  const a = nativeArtifacts();
  if (!a.ok) {
    console.log(`  skipped: ${a.reason}`);
    return {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'slabtrace-bench-native-'));
  try {
    const plainPhase: number[] = [];
    const plainWall: number[] = [];
    const capPhase: number[] = [];
    const capWall: number[] = [];
    const convMs: number[] = [];
    let rawBytesPerEvent = 0;
    let traceBytesPerEvent = 0;
    let events = 0;
    for (let i = 0; i < RUNS; i++) {
      const p = await nativeWorkloadRun('larson', LARSON, { ops: OPS });
      if ('skipped' in p) { console.log(`  skipped: ${p.skipped}`); return {}; }
      plainPhase.push(p.summary.seconds);
      plainWall.push(p.wallMs);
      const out = join(dir, `larson${i}.trace`);
      const raw = join(dir, `larson${i}.raw`);
      const r = await recordExec([a.workload('larson'), ...LARSON], out, {
        stdio: 'pipe', env: { ...process.env, LARSON_OPS: String(OPS) }, keepRawLog: raw,
      });
      const s = nativeSummaryParse(r.stdout ?? '', 'larson');
      if (r.exitCode !== 0 || !s) throw new Error(`captured larson failed: ${r.stderr}`);
      capPhase.push(s.seconds);
      capWall.push(r.runMs);
      convMs.push(r.convertMs);
      events = r.events;
      rawBytesPerEvent = statSync(raw).size / r.rawRecords;
      traceBytesPerEvent = statSync(out).size / r.events;
      rmSync(raw, { force: true });
      rmSync(out, { force: true });
    }
    const f = {
      ops: OPS,
      events,
      plainPhaseSeconds: median(plainPhase),
      capturedPhaseSeconds: median(capPhase),
      phaseSlowdown: median(capPhase) / median(plainPhase),
      plainWallMs: median(plainWall),
      capturedWallMs: median(capWall),
      wallSlowdown: median(capWall) / median(plainWall),
      convertMs: median(convMs),
      convertEventsPerSec: events / (median(convMs) / 1000),
      endToEndSlowdown: (median(capWall) + median(convMs)) / median(plainWall),
      rawBytesPerEvent,
      traceBytesPerEvent,
    };
    console.log(`  larson ${LARSON.join(' ')} with LARSON_OPS=${OPS} (${events} trace events), median of ${RUNS}`);
    console.log(`  threaded phase: plain ${f.plainPhaseSeconds.toFixed(3)} s, captured ${f.capturedPhaseSeconds.toFixed(3)} s → slowdown ${f.phaseSlowdown.toFixed(2)}x (goal <= 2x)`);
    console.log(`  whole program:  plain ${f.plainWallMs.toFixed(0)} ms, captured ${f.capturedWallMs.toFixed(0)} ms → slowdown ${f.wallSlowdown.toFixed(2)}x`);
    console.log(`  conversion: ${f.convertMs.toFixed(0)} ms (${(f.convertEventsPerSec / 1e6).toFixed(2)} M events/s); capture + conversion = ${f.endToEndSlowdown.toFixed(2)}x plain`);
    console.log(`  capture: ${f.rawBytesPerEvent.toFixed(1)} raw bytes/event, ${f.traceBytesPerEvent.toFixed(2)} trace bytes/event`);
    return { ...f, ...await benchNativeThreads(a.workload('threads'), dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
