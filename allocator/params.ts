// allocator/params.ts — the allocator's parameters: their types, the spec of each (kind, valid values,
// description), parsing of string overrides and cross-validation. Invariant: a params object that
// leaves validateParams() is internally consistent (classes ascending, capacities per class, sizes
// powers of two where the address arithmetic needs it).
import { didYouMean } from './closest.js';
import { AllocConfigError } from './errors.js';
import { MAX_CLASSES } from './layout.js';

export interface AllocParams {
  sizeClasses: number[];
  slabSize: number;
  superSlabSize: number;
  ssMapTwice: boolean;
  ssHeaderBytes: number;
  magCapacities: number[];
  magOverflow: 'spill-half' | 'flush-all';
  refillBatch: number;
  refill: 'fresh' | 'partial';
  remoteFree: 'queue' | 'magazine';
  remoteDecrementsActive: boolean;
  emptyDetect: boolean;
  emptyReserve: number;
  trim: 'on-empty' | 'flush' | 'periodic' | 'never';
  trimInterval: number;
  flushMagazines: boolean;
  ssOwnership: 'shared' | 'tls';
  threadExit: 'release' | 'orphan';
  madviseReserve: boolean;
  reserveReuse: boolean;
  carve: 'lazy' | 'eager';
  slabMetaBytes: number;
  pageSize: number;
  maxMapCount: number;
  memLimit: number;
  mmapBase: number;
  mmapMinAddr: number;
  thpAlign: boolean;
  stackSize: number;
  stackGuard: number;
  stackResident: number;
  stackCache: number;
  tlsBytes: number;
  baselineRss: number;
  baselineVmSize: number;
  baselineVmas: number;
  maxBufferBytes: number;
}
export type ParamName = keyof AllocParams;

type Kind = 'int' | 'bytes' | 'bool' | 'enum' | 'list';
export interface ParamSpec { name: ParamName; kind: Kind; values?: readonly string[]; min?: number; max?: number; description: string }

export const PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'sizeClasses', kind: 'list', description: 'block sizes in bytes, ascending multiples of 16 (requests round up; larger ones take the large path)' },
  { name: 'slabSize', kind: 'bytes', min: 4096, max: 2 ** 20, description: 'slab size (power of two)' },
  { name: 'superSlabSize', kind: 'bytes', min: 8192, max: 2 ** 26, description: 'SuperSlab size (power of two, aligned to itself): 2MiB, 1MiB, 512KiB' },
  { name: 'ssMapTwice', kind: 'bool', description: 'create a SuperSlab by mapping twice its size and unmapping the unaligned head and tail' },
  { name: 'ssHeaderBytes', kind: 'bytes', min: 0, max: 65536, description: 'SuperSlab header size at the start of slab 0' },
  { name: 'magCapacities', kind: 'list', description: 'per-class magazine capacities (one per size class)' },
  { name: 'magOverflow', kind: 'enum', values: ['spill-half', 'flush-all'], description: 'what a full magazine returns to the slabs on the next free' },
  { name: 'refillBatch', kind: 'int', min: 1, max: 65536, description: 'blocks moved into an empty magazine per refill (capped by its capacity)' },
  { name: 'refill', kind: 'enum', values: ['fresh', 'partial'], description: 'refill from never-used slabs only, or reuse partially free slabs first' },
  { name: 'remoteFree', kind: 'enum', values: ['queue', 'magazine'], description: "a free by a thread other than the slab owner: the slab's remote queue (drained by the owner), or the freeing thread's magazine" },
  { name: 'remoteDecrementsActive', kind: 'bool', description: "a remote free decrements the SuperSlab's total_active_blocks" },
  { name: 'emptyDetect', kind: 'bool', description: 'a SuperSlab whose active count reaches zero is detected as empty (else never released)' },
  { name: 'emptyReserve', kind: 'int', min: 0, max: 1024, description: 'empty SuperSlabs kept mapped per class' },
  { name: 'trim', kind: 'enum', values: ['on-empty', 'flush', 'periodic', 'never'], description: 'when empty SuperSlabs beyond the reserve are unmapped' },
  { name: 'trimInterval', kind: 'int', min: 1, max: 2 ** 30, description: 'operations between periodic trims (checked on slow paths)' },
  { name: 'flushMagazines', kind: 'bool', description: 'flush() returns every magazine to its slabs' },
  { name: 'ssOwnership', kind: 'enum', values: ['shared', 'tls'], description: 'SuperSlabs shared per class, or owned per thread and class (TLS)' },
  { name: 'threadExit', kind: 'enum', values: ['release', 'orphan'], description: "on thread exit, return its magazines and disown its slabs, or orphan them" },
  { name: 'madviseReserve', kind: 'bool', description: 'madvise(DONTNEED) the pages of SuperSlabs put in the empty reserve' },
  { name: 'reserveReuse', kind: 'bool', description: 'a class takes a SuperSlab from its empty reserve before mapping a new one (else the reserve only delays munmap)' },
  { name: 'carve', kind: 'enum', values: ['lazy', 'eager'], description: 'a fresh slab: pages become resident as blocks are handed out (lazy), or all at once because its free list is built through the whole slab (eager)' },
  { name: 'slabMetaBytes', kind: 'bytes', min: 0, max: 65536, description: 'resident bytes of out-of-line metadata per slab (bitmaps, registry entries)' },
  { name: 'pageSize', kind: 'bytes', min: 4096, max: 65536, description: 'OS page size' },
  { name: 'maxMapCount', kind: 'int', min: 1, max: 2 ** 31 - 1, description: 'vm.max_map_count: VMA limit (mmap fails when the count is above it; a split fails at it)' },
  { name: 'memLimit', kind: 'bytes', min: 65536, max: 2 ** 52, description: 'address-space limit (VmSize, RLIMIT_AS) in bytes' },
  { name: 'mmapBase', kind: 'bytes', min: 2 ** 24, max: 2 ** 47, description: 'top of the mmap area (mappings are placed top-down below it): TASK_SIZE - 128 MiB, no ASLR' },
  { name: 'mmapMinAddr', kind: 'bytes', min: 4096, max: 2 ** 32, description: 'vm.mmap_min_addr: lowest mappable address' },
  { name: 'thpAlign', kind: 'bool', description: 'an anonymous mapping whose length is a multiple of 2 MiB is placed 2 MiB-aligned (Linux >= 6.7)' },
  { name: 'stackSize', kind: 'bytes', min: 16384, max: 2 ** 30, description: "a thread's stack (glibc: RLIMIT_STACK, 8 MiB), mapped at thread start" },
  { name: 'stackGuard', kind: 'bytes', min: 0, max: 2 ** 20, description: 'PROT_NONE guard below each thread stack (a separate VMA); 0 = none' },
  { name: 'stackResident', kind: 'bytes', min: 0, max: 2 ** 30, description: 'resident bytes of a thread stack (thread descriptor and the frames used)' },
  { name: 'stackCache', kind: 'bytes', min: 0, max: 2 ** 40, description: "glibc's cache of released thread stacks, kept mapped for reuse (40 MiB)" },
  { name: 'tlsBytes', kind: 'bytes', min: 0, max: 2 ** 26, description: "the allocator's static TLS per thread (magazines), zeroed by glibc at thread creation, so resident" },
  { name: 'baselineRss', kind: 'bytes', min: 0, max: 2 ** 40, description: 'resident memory of the process before its first malloc (binary, libraries, main stack)' },
  { name: 'baselineVmSize', kind: 'bytes', min: 0, max: 2 ** 40, description: 'mapped bytes of the process before its first malloc' },
  { name: 'baselineVmas', kind: 'int', min: 0, max: 100000, description: 'VMAs of the process before its first malloc' },
  { name: 'maxBufferBytes', kind: 'bytes', min: 1 << 20, max: 2 ** 32, description: 'maximum size of the metadata SharedArrayBuffer' },
];

export const PARAM_NAMES: readonly string[] = PARAM_SPECS.map((s) => s.name);

export const DEFAULT_PARAMS: Readonly<AllocParams> = Object.freeze({
  sizeClasses: [16, 32, 64, 128, 256, 512, 1024, 2048],
  slabSize: 65536,
  superSlabSize: 2 * 1024 * 1024,
  ssMapTwice: true,
  ssHeaderBytes: 1024,
  magCapacities: [2048, 1024, 768, 512, 256, 256, 128, 64],
  magOverflow: 'spill-half',
  refillBatch: 64,
  refill: 'partial',
  remoteFree: 'queue',
  remoteDecrementsActive: true,
  emptyDetect: true,
  emptyReserve: 2,
  trim: 'on-empty',
  trimInterval: 65536,
  flushMagazines: true,
  ssOwnership: 'shared',
  threadExit: 'release',
  madviseReserve: false,
  reserveReuse: false,
  carve: 'eager',
  slabMetaBytes: 1600,
  pageSize: 4096,
  maxMapCount: 65530,
  memLimit: 2 ** 47,
  mmapBase: 2 ** 47 - 4096 - 128 * 2 ** 20,
  mmapMinAddr: 65536,
  thpAlign: true,
  stackSize: 8 * 2 ** 20,
  stackGuard: 4096,
  stackResident: 8192,
  stackCache: 40 * 2 ** 20,
  tlsBytes: 81920,
  baselineRss: 2 * 2 ** 20,
  baselineVmSize: 2476 * 1024,
  baselineVmas: 23,
  maxBufferBytes: 2 ** 31,
});

function bad(name: string, value: string, what: string, valid?: readonly string[]): AllocConfigError {
  return new AllocConfigError(`bad value for ${name}: '${value}' (${what})`, name, valid);
}

/** Byte sizes take binary units (K = KiB = 1024); counts take decimal ones (K = 1,000), as the CLI does. */
const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };
const COUNT_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

function parseNumber(spec: ParamSpec, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? m[2]!.toLowerCase() : '';
  const units = spec.kind === 'int' ? COUNT_UNITS : BYTE_UNITS;
  if (!m || !(unit in units)) {
    throw bad(spec.name, raw, spec.kind === 'bytes' ? 'a byte count such as 65536, 64KiB, 2MiB' : 'an integer such as 65530 or 64K (K = 1,000)');
  }
  const v = Number(m[1]) * units[unit]!;
  if (!Number.isSafeInteger(v)) throw bad(spec.name, raw, 'an integer');
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    throw bad(spec.name, raw, `between ${spec.min} and ${spec.max}`);
  }
  return v;
}

/** Parses one override string into the typed value for `name`. */
export function parseParam(name: string, raw: string): AllocParams[ParamName] {
  const spec = PARAM_SPECS.find((s) => s.name === name);
  if (!spec) {
    throw new AllocConfigError(`unknown allocator parameter '${name}'${didYouMean(name, PARAM_NAMES)}; valid: ${PARAM_NAMES.join(', ')}`, name, PARAM_NAMES);
  }
  switch (spec.kind) {
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
      if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
      throw bad(name, raw, 'valid: true, false', ['true', 'false']);
    }
    case 'enum': {
      const v = raw.trim();
      if (!spec.values!.includes(v)) throw bad(name, raw, `valid: ${spec.values!.join(', ')}`, spec.values);
      return v as AllocParams[ParamName];
    }
    case 'list': {
      const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
      if (parts.length === 0) throw bad(name, raw, 'a comma-separated list of integers');
      return parts.map((p) => parseNumber({ ...spec, kind: 'bytes', min: 1, max: 2 ** 20 }, p));
    }
    default:
      return parseNumber(spec, raw);
  }
}

const isPow2 = (v: number): boolean => v > 0 && Number.isInteger(Math.log2(v));

/** Cross-checks a full params object; throws AllocConfigError naming the offending parameter. */
export function validateParams(p: AllocParams): AllocParams {
  const err = (name: string, msg: string): AllocConfigError => new AllocConfigError(`invalid ${name}: ${msg}`, name);
  const cls = p.sizeClasses;
  if (cls.length === 0 || cls.length > MAX_CLASSES) throw err('sizeClasses', `1 to ${MAX_CLASSES} classes`);
  for (let i = 0; i < cls.length; i++) {
    const c = cls[i]!;
    if (c % 16 !== 0 || c <= 0) throw err('sizeClasses', `${c} is not a positive multiple of 16`);
    if (i > 0 && c <= cls[i - 1]!) throw err('sizeClasses', 'classes must be strictly ascending');
    if (c * 2 > p.slabSize) throw err('sizeClasses', `class ${c} must be at most half of slabSize ${p.slabSize}`);
  }
  if (p.magCapacities.length !== cls.length) {
    throw err('magCapacities', `${p.magCapacities.length} capacities for ${cls.length} size classes`);
  }
  for (const m of p.magCapacities) if (m < 1 || m > 65536) throw err('magCapacities', `capacity ${m} not in 1..65536`);
  if (!isPow2(p.pageSize)) throw err('pageSize', 'a power of two');
  if (!isPow2(p.slabSize) || p.slabSize < p.pageSize) throw err('slabSize', 'a power of two >= pageSize');
  if (!isPow2(p.superSlabSize) || p.superSlabSize < 2 * p.slabSize) throw err('superSlabSize', 'a power of two >= 2 slabs');
  if (p.superSlabSize / p.slabSize > 256) throw err('superSlabSize', 'at most 256 slabs per SuperSlab');
  if (p.ssHeaderBytes + cls[cls.length - 1]! > p.slabSize) throw err('ssHeaderBytes', 'header leaves no room for a block in slab 0');
  const page = (name: ParamName): void => { if ((p[name] as number) % p.pageSize !== 0) throw err(name, `a multiple of pageSize ${p.pageSize}`); };
  for (const n of ['mmapBase', 'mmapMinAddr', 'stackSize', 'stackGuard'] as const) page(n);
  if (p.mmapBase <= p.mmapMinAddr + p.baselineVmSize) throw err('mmapBase', 'must leave room above mmapMinAddr for the baseline');
  if ((p.baselineVmas === 0) !== (p.baselineVmSize === 0)) throw err('baselineVmas', 'baselineVmas and baselineVmSize are both 0 or both positive');
  if (p.baselineRss > p.baselineVmSize) throw err('baselineRss', `at most baselineVmSize (${p.baselineVmSize})`);
  if (p.baselineVmas > 0 && p.baselineVmSize < p.baselineVmas * p.pageSize) throw err('baselineVmSize', `at least one page per baseline VMA (${p.baselineVmas})`);
  if (!p.ssMapTwice && !(p.thpAlign && p.superSlabSize === 2 * 1024 * 1024)) {
    throw err('ssMapTwice', 'false needs thpAlign=true and superSlabSize=2MiB (only a THP-aligned mmap returns a SuperSlab aligned to its size)');
  }
  const blocksMax = p.slabSize / cls[0]!;
  if (blocksMax > 65536) throw err('slabSize', `at most 65536 blocks of the smallest class per slab (got ${blocksMax})`);
  return p;
}
