// allocator/index.ts — the allocator folder's public API (imports nothing outside allocator/).
export { Allocator, type AllocatorOptions, type ThreadFigures } from './allocator.js';
export { HANDLE_NONE, RUN_FREE, RUN_MALLOC } from './run.js';
export { runMemoryPlan, type RunMemoryPlan } from './kernel.js';
export { AllocConfigError, AllocUsageError } from './errors.js';
export type { InvariantReport } from './invariants.js';
export {
  CLASS_STAT_FIELDS, LAYOUT_MAGIC, LAYOUT_VERSION, STAT_FIELDS, THREAD_STAT_FIELDS,
  type ClassStatField, type StatField, type ThreadStatField,
} from './layout.js';
export type { OomInfo, OomReason } from './os.js';
export { DEFAULT_PARAMS, PARAM_NAMES, PARAM_SPECS, parseParam, validateParams, type AllocParams, type ParamName, type ParamSpec } from './params.js';
export { PRESET_NAMES, PRESETS, presetsJson, resolveParams, type Preset, type PresetName } from './presets.js';
export { openStatsView, statsRead, type AllocStats, type ClassStats, type DerivedStats, type StatsView, type ThreadStats } from './statsView.js';
