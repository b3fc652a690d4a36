// The registry of workload generators, by name.

import type { Workload } from '../workload.js';
import { battleWorkload } from './battle.js';
import { larsonWorkload } from './larson.js';
import { randomMixedWorkload } from './randomMixed.js';
import { scalingWorkload } from './scaling.js';

export const WORKLOADS: readonly Workload[] = [scalingWorkload, battleWorkload, larsonWorkload, randomMixedWorkload];

export function workloadFind(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === name);
}
