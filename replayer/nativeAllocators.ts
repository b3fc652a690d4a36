// The real allocators a native replay can use: names (glibc, mimalloc, jemalloc, tcmalloc) resolved to
// the system's shared library, or a path to any malloc library. The replay process gets the library
// with LD_PRELOAD (glibc: no preload); which library then really defines malloc is asked of the
// replayer itself (`slabtrace-replay --probe`, dladdr on malloc), so what is reported available is
// exactly what a replay would use.
// Invariants: a missing library is a NativeReplayError naming its Debian package (exit 2 at the CLI);
// probes are cached per process.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { NativeReplayError } from './nativeError.js';
import { nativeReplayerRequire } from './nativeBuild.js';
import { nativeParseLine } from './nativeProtocol.js';

interface NativeAllocatorSpec {
  name: string;
  /** The shared object LD_PRELOAD names (null: the C library's own malloc). */
  soname: string | null;
  /** The Debian/Ubuntu package that provides it. */
  debianPackage: string;
}

export const NATIVE_ALLOCATORS: readonly NativeAllocatorSpec[] = [
  { name: 'glibc', soname: null, debianPackage: 'libc6' },
  { name: 'mimalloc', soname: 'libmimalloc.so.2', debianPackage: 'libmimalloc2.0' },
  { name: 'jemalloc', soname: 'libjemalloc.so.2', debianPackage: 'libjemalloc2' },
  { name: 'tcmalloc', soname: 'libtcmalloc_minimal.so.4', debianPackage: 'libtcmalloc-minimal4' },
];

/** An allocator resolved for a replay. */
export interface NativeAllocator {
  /** As asked: a known name or the library path given. */
  name: string;
  /** LD_PRELOAD value, or null for glibc. */
  preload: string | null;
  /** The file that defines malloc in the replay process, its family and version. */
  library: string;
  family: string;
  version: string;
}

interface NativeProbe {
  malloc: string;
  family: string;
  version: string;
}

/** The environment of a replay process: LD_PRELOAD exactly `preload` (removed for glibc). */
export function nativeEnv(preload: string | null): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  if (preload) env.LD_PRELOAD = preload;
  return env;
}

const probes = new Map<string, NativeProbe | null>();

/** Which malloc the replayer gets with this preload (null when the probe itself failed). */
function nativeProbe(preload: string | null): NativeProbe | null {
  const key = preload ?? '';
  if (probes.has(key)) return probes.get(key)!;
  const r = spawnSync(nativeReplayerRequire(), ['--probe'], { encoding: 'utf8', env: nativeEnv(preload), timeout: 10_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('probe '));
  const f = line ? nativeParseLine(line).fields : null;
  const probe = r.status === 0 && f ? { malloc: f.malloc ?? 'unknown', family: f.family ?? 'other', version: f.version ?? 'unknown' } : null;
  probes.set(key, probe);
  return probe;
}

function isPath(name: string): boolean {
  return name.includes('/') || /\.so(\.|$)/.test(name);
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function resolvePath(name: string): NativeAllocator {
  const path = resolve(name);
  if (!existsSync(path)) throw new NativeReplayError('NO_LIBRARY', `${name}: no such library file`);
  const p = nativeProbe(path);
  if (!p || !sameFile(p.malloc, path)) {
    throw new NativeReplayError('NOT_AN_ALLOCATOR', `${name} does not replace malloc when preloaded (malloc still comes from ${p?.malloc ?? 'the C library'})`);
  }
  return { name, preload: path, library: p.malloc, family: p.family, version: p.version };
}

function resolveKnown(spec: NativeAllocatorSpec): NativeAllocator {
  const p = nativeProbe(spec.soname);
  const ok = p && (spec.soname === null ? p.family === 'glibc' : p.family === spec.name);
  if (!ok) {
    throw new NativeReplayError('NO_ALLOCATOR', `${spec.name} is not installed here: ${spec.soname ?? 'the C library'} not found (Debian/Ubuntu package ${spec.debianPackage})`);
  }
  return { name: spec.name, preload: spec.soname, library: p.malloc, family: p.family, version: p.version };
}

/** Resolves `glibc`, `mimalloc`, `jemalloc`, `tcmalloc` or a library path (NativeReplayError if unusable). */
export function nativeResolve(name: string): NativeAllocator {
  const spec = NATIVE_ALLOCATORS.find((a) => a.name === name);
  if (spec) return resolveKnown(spec);
  if (isPath(name)) return resolvePath(name);
  const known = NATIVE_ALLOCATORS.map((a) => a.name).join(', ');
  throw new NativeReplayError('NO_LIBRARY', `unknown allocator '${name}': use ${known}, or a path to a malloc library (.so)`);
}

export interface NativeAllocatorStatus extends NativeAllocatorSpec {
  available: boolean;
  library: string | null;
  version: string | null;
}

/** Every known allocator and whether it is usable here (needs the replayer: NativeReplayError NO_NATIVE). */
export function nativeAllocatorsList(): NativeAllocatorStatus[] {
  nativeReplayerRequire();
  return NATIVE_ALLOCATORS.map((spec) => {
    try {
      const a = resolveKnown(spec);
      return { ...spec, available: true, library: a.library, version: a.version };
    } catch (err) {
      if (err instanceof NativeReplayError) return { ...spec, available: false, library: null, version: null };
      throw err;
    }
  });
}
