// Long mode of the trace format's property-based fuzz suite (traces/fuzzCheck.ts; `npm test` runs
// ~2,000 seeded cases): FUZZ_SCALE times as many cases (default 10) from FUZZ_SEED (default: a new
// seed, printed, so a failure can be replayed), then the issue-14 gzip bomb (one chunk of 200 M
// thread start/exit events, ~195 KB gzipped) read in a fresh process: its error and peak RSS.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fuzzProperties } from '../traces/fuzzCheck.js';
import { TRACE_MAGIC } from '../traces/index.js';
import { schemaEncodeHeader } from '../traces/schema.js';
import { varintBytes } from '../traces/varint.js';
import { traceHeaderFromInit } from '../traces/writer.js';

/** The bomb: header, then one chunk frame of n thread_start/thread_exit ops on thread 1, gzipped. */
function fuzzBomb(n: number): Buffer {
  const rec = schemaEncodeHeader({ ...traceHeaderFromInit({ workload: 'bomb', recorder: 'bench' }, 65536), magic: TRACE_MAGIC });
  const ops = Buffer.alloc(n);
  for (let i = 0; i < n; i += 2) { ops[i] = 5; ops[i + 1] = 6; }
  const rl = varintBytes(n);
  const body = Buffer.concat([Buffer.from([0x12, ...varintBytes(n)]), ops, Buffer.from([0x1a, 1, 1, 0x22, rl.length, ...rl])]);
  const chunk = Buffer.concat([Buffer.from([0x12, ...varintBytes(body.length)]), body]);
  return gzipSync(Buffer.concat([Buffer.from(varintBytes(rec.length)), rec, Buffer.from(varintBytes(chunk.length)), chunk]), { level: 9 });
}

/** Reads path in a fresh node process: the error code (or 'ok') and the peak RSS (MB, sampled). */
function fuzzReadFresh(path: string): { code: string; peakRssMB: number } {
  const index = new URL('../traces/index.js', import.meta.url).href;
  // RSS sampled (maxRSS would carry the parent's high-water mark over fork + exec)
  const code = `
    const { openTrace } = await import(${JSON.stringify(index)});
    let code = 'ok', peak = process.memoryUsage.rss();
    const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 1);
    try { const r = await openTrace(${JSON.stringify(path)}); for await (const b of r.batches()) peak = Math.max(peak, process.memoryUsage.rss()); }
    catch (e) { code = e.code ?? String(e); }
    clearInterval(t);
    console.log(JSON.stringify({ code, peakRssMB: Math.max(peak, process.memoryUsage.rss()) / 1048576 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { code: string; peakRssMB: number };
}

export async function benchFuzz(): Promise<Record<string, number | string>> {
  const scale = Number(process.env.FUZZ_SCALE ?? 10);
  const seed = Number(process.env.FUZZ_SEED ?? (Date.now() % 0x7fffffff));
  console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it), scale ${scale}`);
  const out: Record<string, number | string> = { seed, scale };
  const outcomes: Record<string, number> = {};
  let total = 0;
  for (const [k, p] of fuzzProperties(scale, outcomes).entries()) {
    const t0 = process.hrtime.bigint();
    await p.check({ seed: seed + k, numRuns: p.numRuns });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    total += p.numRuns;
    console.log(`fuzz ${p.name}: ${p.numRuns} cases in ${s.toFixed(1)} s`);
    out[`property${k + 1}CasesPerSec`] = p.numRuns / s;
  }
  out.cases = total;
  console.log(`fuzz damage outcomes ${JSON.stringify(outcomes)}`);
  const bomb = join(tmpdir(), `slabtrace-bomb-${process.pid}.pb.gz`);
  try {
    const gz = fuzzBomb(200_000_000);
    writeFileSync(bomb, gz);
    const r = fuzzReadFresh(bomb);
    console.log(`fuzz gzip bomb (${gz.length} bytes, 200 M events in one chunk): ${r.code}, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
    out.bombBytes = gz.length;
    out.bombCode = r.code;
    out.bombPeakRssMB = r.peakRssMB;
  } finally {
    rmSync(bomb, { force: true });
  }
  return out;
}
