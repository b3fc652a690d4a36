// allocator/presets.ts — the named presets (the documented HAKMEM stages of DESIGN.md), resolving a
// preset plus string overrides into validated params, and their JSON description (ui/ renders the table).
// Invariant: every preset is DEFAULT_PARAMS plus the overrides listed here, nothing else.
import { didYouMean } from './closest.js';
import { AllocConfigError } from './errors.js';
import { DEFAULT_PARAMS, parseParam, validateParams, type AllocParams } from './params.js';

export const PRESET_NAMES = [
  'hakmem-7.5', 'hakmem-7.6', 'hakmem-7.7', 'hakmem-8.1', 'hakmem-8.2', 'hakmem-larson-bug', 'hakmem-larson-fix',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  name: PresetName;
  models: string;
  reproduces: string;
  params: Readonly<AllocParams>;
}

const stage = (over: Partial<AllocParams>): Readonly<AllocParams> => Object.freeze(validateParams({ ...DEFAULT_PARAMS, ...over }));

const P75: Partial<AllocParams> = { refill: 'fresh', emptyDetect: false, emptyReserve: 0, trim: 'never', flushMagazines: false };
const P76: Partial<AllocParams> = { refill: 'partial', emptyDetect: true, emptyReserve: 2, trim: 'on-empty', flushMagazines: false };
const P77: Partial<AllocParams> = { ...P76, flushMagazines: true };
const LARSON: Partial<AllocParams> = { ...P77, ssOwnership: 'tls' };

export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  'hakmem-7.5': {
    name: 'hakmem-7.5',
    models: 'SuperSlabs never unmapped; a thread refills only from never-used slabs',
    reproduces: 'scaling: 13 SuperSlabs for 1.6M allocations, 26 MB of them, none freed; RSS keeps growing across the three tests',
    params: stage(P75),
  },
  'hakmem-7.6': {
    name: 'hakmem-7.6',
    models: 'empty SuperSlabs unmapped beyond a reserve of 2 per class',
    reproduces: 'RSS falls between tests; blocks held in magazines keep some SuperSlabs from ever looking empty ("phantom SuperSlabs")',
    params: stage(P76),
  },
  'hakmem-7.7': {
    name: 'hakmem-7.7',
    models: '7.6 + magazine flush at flush marks',
    reproduces: 'after free-all + flush, no phantom SuperSlabs: only the reserve stays mapped',
    params: stage(P77),
  },
  'hakmem-8.1': {
    name: 'hakmem-8.1',
    models: '7.7 with an empty reserve of 1',
    reproduces: 'frees one more 2 MiB SuperSlab per class after free-all than 7.7',
    params: stage({ ...P77, emptyReserve: 1 }),
  },
  'hakmem-8.2': {
    name: 'hakmem-8.2',
    models: '7.7 with an empty reserve of 0',
    reproduces: 'frees one more 2 MiB SuperSlab per class after free-all than 8.1',
    params: stage({ ...P77, emptyReserve: 0 }),
  },
  'hakmem-larson-bug': {
    name: 'hakmem-larson-bug',
    models: 'TLS-owned SuperSlabs per thread and class; remote frees do not decrement total_active_blocks; no periodic trim',
    reproduces: 'Larson: SuperSlabs freed stays 0, allocated grows with every thread generation, mmap fails at the mapping limit',
    params: stage({ ...LARSON, remoteDecrementsActive: false, trim: 'never', threadExit: 'orphan' }),
  },
  'hakmem-larson-fix': {
    name: 'hakmem-larson-fix',
    models: 'larson-bug with remote frees decrementing the count, thread exit returning magazines, and periodic trim',
    reproduces: 'Larson runs for the whole budget with a small, bounded number of live SuperSlabs and freed ~= allocated',
    params: stage({ ...LARSON, remoteDecrementsActive: true, trim: 'periodic', threadExit: 'release' }),
  },
});

/** Preset + `--set name=value` overrides → validated params. Unknown names/values → AllocConfigError. */
export function resolveParams(preset: string, overrides: Record<string, string> = {}): AllocParams {
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new AllocConfigError(`unknown preset '${preset}'${didYouMean(preset, PRESET_NAMES)}; valid: ${PRESET_NAMES.join(', ')}`, 'preset', PRESET_NAMES);
  }
  const base = PRESETS[preset as PresetName].params;
  const p = { ...base, sizeClasses: [...base.sizeClasses], magCapacities: [...base.magCapacities] } as AllocParams;
  const rec = p as unknown as Record<string, unknown>;
  for (const [name, raw] of Object.entries(overrides)) rec[name] = parseParam(name, raw);
  if ('sizeClasses' in overrides && !('magCapacities' in overrides) && p.sizeClasses.length !== p.magCapacities.length) {
    p.magCapacities = p.sizeClasses.map((_, i) => base.magCapacities[Math.min(i, base.magCapacities.length - 1)]!);
  }
  return validateParams(p);
}

/** JSON-able presets description (for `slabtrace presets --json`). */
export function presetsJson(): Array<{ name: string; models: string; reproduces: string; params: AllocParams }> {
  return PRESET_NAMES.map((n) => ({ name: n, models: PRESETS[n].models, reproduces: PRESETS[n].reproduces, params: { ...PRESETS[n].params } }));
}
