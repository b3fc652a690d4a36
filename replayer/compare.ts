// `compare`: the same trace replayed under several presets, in parallel workers (as many at once as
// there are cores), results returned in the order the presets were given.

import os from 'node:os';
import { replayParams, type ReplayConfig } from './replayCore.js';
import { replayStart, type ReplayHandle } from './host.js';
import type { ReplayResult } from './result.js';

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
