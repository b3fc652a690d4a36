// `compare`: the same trace replayed under several presets, in parallel workers (as many at once as
// there are cores), results returned in the order the presets were given; and, with real allocators
// (replayCompareAll), those replayed natively one after the other once the presets are done (so that
// no model worker competes with a native replay for the cores), all from one validating scan of the
// trace and its spool (nativeFeed.ts).

import os from 'node:os';
import { replayParams, type ReplayConfig } from './replayCore.js';
import { replayStart, type ReplayHandle } from './host.js';
import { nativeResolve } from './nativeAllocators.js';
import { nativeScan, nativeScanDispose } from './nativeFeed.js';
import { nativeReplayStart, type NativeHandle, type NativeReplayConfig } from './nativeReplay.js';
import type { AnyReplayResult, ReplayResult } from './result.js';

export interface CompareOptions extends Omit<ReplayConfig, 'preset'> {
  presets: string[];
  /** Workers at once (default: the number of cores). */
  parallel?: number;
  /** Called with each handle as its replay starts (progress, Ctrl-C). */
  onStart?: (preset: string, handle: ReplayHandle) => void;
}

export async function replayCompare(path: string, opts: CompareOptions): Promise<ReplayResult[]> {
  const { presets, parallel, onStart, ...rest } = opts;
  for (const preset of presets) replayParams({ ...rest, preset }); // fail fast on a bad preset or --set
  const results: ReplayResult[] = new Array(presets.length);
  const width = Math.max(1, Math.min(parallel ?? os.availableParallelism(), presets.length));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < presets.length) {
      const k = next++;
      const handle = replayStart(path, { ...rest, preset: presets[k] });
      onStart?.(presets[k], handle);
      results[k] = await handle.result;
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

export interface CompareAllOptions extends CompareOptions {
  /** Real allocators (glibc, mimalloc, jemalloc, tcmalloc, library paths), columns after the presets. */
  natives: string[];
  /** Native-only settings (touch, stderr). */
  native?: Pick<NativeReplayConfig, 'touch' | 'stderr'>;
  onNativeStart?: (allocator: string, handle: NativeHandle) => void;
}

/** Presets and real allocators on one trace: results in the order presets, then allocators. */
export async function replayCompareAll(path: string, opts: CompareAllOptions): Promise<AnyReplayResult[]> {
  const { natives, native, onNativeStart, ...model } = opts;
  for (const a of natives) nativeResolve(a); // fail fast on a missing library, before any replay
  const common = { lenient: model.lenient, allowTruncated: model.allowTruncated, stopAt: model.stopAt, continueAfterOom: model.continueAfterOom };
  const scan = natives.length ? await nativeScan(path, common) : undefined;
  try {
    const results: AnyReplayResult[] = model.presets.length ? await replayCompare(path, model) : [];
    for (const allocator of natives) {
      const handle = nativeReplayStart(path, { ...common, ...native, allocator, scan });
      onNativeStart?.(allocator, handle);
      results.push(await handle.result);
    }
    return results;
  } finally {
    if (scan) nativeScanDispose(scan);
  }
}
