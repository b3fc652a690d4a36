// Locating (and if needed building) the native artifacts: libslabtrace.so and the C workloads.
// The build itself lives in recorder/native/build.mjs (run by npm postinstall, no dependencies);
// this module runs it on demand when the artifacts are missing and reports why not when it cannot.
// Invariant: nativeArtifacts() never throws for a missing compiler; it returns {ok:false, reason}.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeCaptureError } from './nativeError.js';

/** The C workloads built beside the library (recorder/native/workloads). */
export type NativeWorkloadName = 'larson' | 'scaling' | 'battle' | 'threads';

export type NativeArtifacts =
  | { ok: true; dir: string; lib: string; workload(name: NativeWorkloadName): string }
  | { ok: false; reason: string };

/** recorder/native/ from the sources (recorder/) or from the build output (dist/recorder/). */
export function nativeSourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'native'), join(here, '..', '..', 'recorder', 'native')];
  for (const c of candidates) if (existsSync(join(c, 'build.mjs'))) return c;
  return candidates[0];
}

const SOURCES = ['preload.c', 'thread_table.c', 'thread_table.h', 'sigchain.c', 'sigchain.h', 'logchan.c', 'logchan.h', 'ring.c', 'ring.h', 'shm.h', 'workloads/larson.c', 'workloads/scaling.c', 'workloads/battle.c', 'workloads/threads.c', 'workloads/common.h'];
const OUTPUTS = ['libslabtrace.so', 'larson', 'scaling', 'battle', 'threads'];

function upToDate(dir: string): boolean {
  const build = join(dir, 'build');
  let oldest = Infinity;
  for (const o of OUTPUTS) {
    const p = join(build, o);
    if (!existsSync(p)) return false;
    oldest = Math.min(oldest, statSync(p).mtimeMs);
  }
  return SOURCES.every((s) => !existsSync(join(dir, s)) || statSync(join(dir, s)).mtimeMs <= oldest);
}

let cached: NativeArtifacts | null = null;

/** The native artifacts, building them with the system C compiler when missing or stale. */
export function nativeArtifacts(opts: { rebuild?: boolean } = {}): NativeArtifacts {
  if (cached && !opts.rebuild) return cached;
  const dir = nativeSourceDir();
  if (opts.rebuild || !upToDate(dir)) {
    const r = spawnSync(process.execPath, [join(dir, 'build.mjs')], { encoding: 'utf8' });
    if (r.status !== 0) {
      return { ok: false, reason: `native build script failed: ${(r.stderr || r.error?.message || '').trim()}` };
    }
  }
  const status = readStatus(join(dir, 'build', 'status.json'));
  if (!status.ok || !upToDate(dir)) {
    cached = { ok: false, reason: status.reason ?? 'native build did not produce its outputs' };
    return cached;
  }
  const build = join(dir, 'build');
  cached = { ok: true, dir: build, lib: join(build, 'libslabtrace.so'), workload: (name) => join(build, name) };
  return cached;
}

function readStatus(path: string): { ok: boolean; reason?: string } {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { ok: boolean; reason?: string };
  } catch {
    return { ok: false, reason: `no native build status at ${path}` };
  }
}

/** The artifacts, or a NativeCaptureError NO_NATIVE saying what is missing. */
export function nativeRequire(): Extract<NativeArtifacts, { ok: true }> {
  const a = nativeArtifacts();
  if (!a.ok) {
    throw new NativeCaptureError('NO_NATIVE', `native capture is unavailable: ${a.reason}`);
  }
  return a;
}
