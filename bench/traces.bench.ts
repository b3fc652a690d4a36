// Benchmark of traces/: write and read rates of a Larson-like protobuf trace, the bare varint loop
// over the same bytes, bytes/event (plain, gzip) and peak RSS while streaming a 50M-event trace.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sfc32Create, sfc32Next } from '../recorder/index.js';
import { createTraceWriter, openTrace, type TraceWriter } from '../traces/index.js';

/** Uniform [0, 1) from the recorder's seeded sfc32 (one PRNG for the whole project). */
function prng(seed: number): () => number {
  const s = sfc32Create(seed);
  return () => sfc32Next(s) / 4294967296;
}

const LIVE = 4096;
const PATTERN = 1 << 21;

/** Pre-generated pattern (victim slot, size, thread) so the timing is the writer's, not the PRNG's. */
function makePattern(seed: number): { victim: Uint32Array; size: Uint32Array; tid: Uint8Array } {
  const rnd = prng(seed);
  const victim = new Uint32Array(PATTERN), size = new Uint32Array(PATTERN), tid = new Uint8Array(PATTERN);
  let t = 1, q = 0;
  for (let i = 0; i < PATTERN; i++) {
    if (q-- <= 0) { t = 1 + ((rnd() * 4) | 0); q = 64 + ((rnd() * 512) | 0); }
    victim[i] = (rnd() * LIVE) | 0;
    size[i] = 8 + ((rnd() * 120) | 0);
    tid[i] = t;
  }
  return { victim, size, tid };
}

async function writeLarson(w: TraceWriter, events: number, p: ReturnType<typeof makePattern>): Promise<void> {
  for (let t = 1; t <= 4; t++) w.threadStart(t);
  const slots = new Uint32Array(LIVE);
  for (let i = 0; i < LIVE; i++) slots[i] = w.alloc(0, 8 + (i % 120));
  const { victim, size, tid } = p;
  let k = 0;
  while (w.events < events) {
    for (let n = 0; n < 32768; n++) {
      const v = victim[k]!, t = tid[k]!;
      w.free(t, slots[v]!);
      slots[v] = w.alloc(t, size[k]!);
      k = (k + 1) & (PATTERN - 1);
    }
    if (w.needsDrain) await w.drain();
  }
}

async function readAll(path: string, validate: boolean): Promise<{ events: number; peakRss: number }> {
  const r = await openTrace(path, { validate });
  let events = 0, peakRss = 0, k = 0;
  for await (const b of r.batches()) {
    events += b.count;
    if ((k++ & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  return { events, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
}

/** Bare loop: every byte of the file decoded as varints (no columns, no validation). */
function bareVarint(buf: Uint8Array): number {
  let sum = 0, v = 0, shift = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    v |= (b & 127) << shift;
    if (b < 128) { sum = (sum + v) | 0; v = 0; shift = 0; } else shift += 7;
  }
  return sum;
}

function bareVarintRate(path: string, events: number): number {
  const bytes = readFileSync(path);
  bareVarint(bytes);
  const t0 = process.hrtime.bigint();
  bareVarint(bytes);
  return events / secs(t0);
}

/** Streams the trace in a fresh node process (so RSS is the reader's), when running from dist. */
function readInFreshProcess(path: string): { events: number; peakRss: number } | null {
  const index = new URL('../traces/index.js', import.meta.url);
  if (!existsSync(fileURLToPath(index))) return null;
  const code = `
    const { openTrace } = await import(${JSON.stringify(index.href)});
    const r = await openTrace(${JSON.stringify(path)});
    let events = 0, peakRss = 0, k = 0;
    for await (const b of r.batches()) {
      events += b.count;
      if ((k++ & 15) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    console.log(JSON.stringify({ events, peakRss: Math.max(peakRss, process.memoryUsage.rss()) }));`;
  const outText = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return JSON.parse(outText.trim().split('\n').pop()!) as { events: number; peakRss: number };
}

function secs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function benchTraces(): Promise<Record<string, number>> {
  const dir = tmpdir();
  const tag = `slabtrace-bench-${process.pid}`;
  const pb = join(dir, `${tag}.pb`), gz = join(dir, `${tag}.pb.gz`), big = join(dir, `${tag}-50m.pb`);
  const header = { workload: 'larson-like', recorder: 'bench', seed: 1 };
  const pat = makePattern(12345);
  const N = 10_000_000;
  const out: Record<string, number> = {};
  try {
    // warm up the writer once
    let w = createTraceWriter(pb, header);
    await writeLarson(w, 1_000_000, pat);
    await w.close();

    w = createTraceWriter(pb, header);
    let t0 = process.hrtime.bigint();
    await writeLarson(w, N, pat);
    const foot = await w.close();
    out.writeEventsPerSec = foot.events / secs(t0);
    out.bytesPerEvent = statSync(pb).size / foot.events;

    w = createTraceWriter(gz, header);
    await writeLarson(w, N, pat);
    const fz = await w.close();
    out.gzipBytesPerEvent = statSync(gz).size / fz.events;

    await readAll(pb, true); // warm-up
    t0 = process.hrtime.bigint();
    const rv = await readAll(pb, true);
    out.readEventsPerSec = rv.events / secs(t0);
    t0 = process.hrtime.bigint();
    const rn = await readAll(pb, false);
    out.readNoValidateEventsPerSec = rn.events / secs(t0);
    t0 = process.hrtime.bigint();
    const rg = await readAll(gz, true);
    out.readGzipEventsPerSec = rg.events / secs(t0);

    out.bareVarintEventsPerSec = bareVarintRate(pb, foot.events);
    out.readToBareVarintRatio = out.readEventsPerSec / out.bareVarintEventsPerSec;

    w = createTraceWriter(big, header);
    await writeLarson(w, 50_000_000, pat);
    const fb = await w.close();
    const rb = readInFreshProcess(big) ?? (await readAll(big, true));
    if (rb.events !== fb.events) throw new Error('bench: event count mismatch');
    out.peakRssMBStreaming50M = rb.peakRss / (1 << 20);
  } finally {
    for (const p of [pb, gz, big]) rmSync(p, { force: true });
  }
  for (const [k, v] of Object.entries(out)) {
    console.log(`traces ${k}: ${v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(3)}`);
  }
  return out;
}
