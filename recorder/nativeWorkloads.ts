// Running the native C workloads (recorder/native/workloads: larson, scaling, battle, threads) outside capture:
// for speed ratios (the replayer bench compares replay events/s with native larson ops/s) and for the
// native bench's plain-versus-captured slowdown. Each workload prints one `name: key=value ...` line.
// Invariant: no compiler → a `{skipped: reason}` result, never a throw.
import { spawn } from 'node:child_process';
import { nativeArtifacts, type NativeWorkloadName } from './nativeBuild.js';

export type { NativeWorkloadName } from './nativeBuild.js';

export interface NativeRunResult {
  /** The workload's summary line as numbers (allocs, frees, threads, ops, seconds, ops_per_sec…). */
  summary: Record<string, number>;
  wallMs: number;
  exitCode: number | null;
}

/** Parses `name: k=v k=v` from a workload's stdout. */
export function nativeSummaryParse(stdout: string, name: string): Record<string, number> | null {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(\w+)=(-?[\d.]+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

/** Runs a native workload (built on demand); `ops` sets LARSON_OPS. */
export async function nativeWorkloadRun(
  name: NativeWorkloadName, args: string[], opts: { ops?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<NativeRunResult | { skipped: string }> {
  const a = nativeArtifacts();
  if (!a.ok) return { skipped: `native workloads unavailable: ${a.reason}` };
  const env = { ...(opts.env ?? process.env) };
  if (opts.ops !== undefined) env.LARSON_OPS = String(opts.ops);
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(a.workload(name), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  const wallMs = performance.now() - t0;
  const summary = nativeSummaryParse(stdout, name);
  if (code !== 0 || !summary) return { skipped: `${name} ${args.join(' ')} failed (exit ${code}): ${stderr.trim().slice(0, 500)}` };
  return { summary, wallMs, exitCode: code };
}

/**
 * Native larson (glibc malloc) throughput: allocations per second in the threaded phase, as larson
 * reports it. `args`: larson's seven arguments; `ops`: an op budget instead of the clock.
 */
export async function nativeLarsonOpsPerSec(
  args: string[], opts: { ops?: number } = {},
): Promise<{ opsPerSec: number; ops: number; seconds: number; threads: number } | { skipped: string }> {
  const r = await nativeWorkloadRun('larson', args, opts);
  if ('skipped' in r) return r;
  const s = r.summary;
  return { opsPerSec: s.ops_per_sec, ops: s.ops, seconds: s.seconds, threads: s.threads };
}
