// Locating (and if needed building) the native replayer, replayer/native/build/slabtrace-replay. The
// build lives in replayer/native/build.mjs (run by npm postinstall, no dependencies); this module runs
// it on demand when the binary is missing or older than its sources, and says why not when it cannot.
// Invariant: nativeReplayer() never throws; nativeReplayerRequire() throws NativeReplayError NO_NATIVE.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeReplayError } from './nativeError.js';

type NativeReplayer = { ok: true; binary: string } | { ok: false; reason: string };

const BINARY = 'slabtrace-replay';

/** replayer/native/ from the sources (replayer/) or from the build output (dist/replayer/). */
export function nativeReplayerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'native'), join(here, '..', '..', 'replayer', 'native')];
  for (const c of candidates) if (existsSync(join(c, 'build.mjs'))) return c;
  return candidates[0];
}

function upToDate(dir: string): boolean {
  const bin = join(dir, 'build', BINARY);
  if (!existsSync(bin)) return false;
  const built = statSync(bin).mtimeMs;
  return readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).every((f) => statSync(join(dir, f)).mtimeMs <= built);
}

function readStatus(path: string): { ok: boolean; reason?: string } {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { ok: boolean; reason?: string };
  } catch {
    return { ok: false, reason: `no native build status at ${path}` };
  }
}

let cached: NativeReplayer | null = null;

/** The replayer binary, building it with the system C compiler when missing or stale. */
export function nativeReplayer(opts: { rebuild?: boolean } = {}): NativeReplayer {
  if (cached && !opts.rebuild) return cached;
  const dir = nativeReplayerDir();
  if (opts.rebuild || !upToDate(dir)) {
    const r = spawnSync(process.execPath, [join(dir, 'build.mjs')], { encoding: 'utf8' });
    if (r.status !== 0) return { ok: false, reason: `native build script failed: ${(r.stderr || r.error?.message || '').trim()}` };
  }
  const status = readStatus(join(dir, 'build', 'status.json'));
  cached = status.ok && upToDate(dir)
    ? { ok: true, binary: join(dir, 'build', BINARY) }
    : { ok: false, reason: status.reason ?? 'the native build did not produce slabtrace-replay' };
  return cached;
}

export function nativeReplayerRequire(): string {
  const r = nativeReplayer();
  if (!r.ok) throw new NativeReplayError('NO_NATIVE', `--native needs the native replayer, which is not built here: ${r.reason}`);
  return r.binary;
}
