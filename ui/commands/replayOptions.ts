// The options `replay` and `compare` share, and turning them into a ReplayConfig.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { ReplayConfig } from '../../replayer/index.js';
import { UsageError } from '../errors.js';
import { optCollect, optInteger, optSize } from './options.js';

export const DEFAULT_PRESET = 'hakmem-larson-fix';

export interface ReplayCliOptions {
  set: string[];
  check?: boolean | string;
  stopAt?: number;
  maxMapCount?: number;
  memLimit?: number;
  lenient?: boolean;
  allowTruncated?: boolean;
  continueAfterOom?: boolean;
  json?: boolean;
  speed?: number;
}

export function replayOptionsAdd(cmd: Command): Command {
  return cmd
    .option('--set <name=value>', 'override an allocator parameter (repeatable; see `slabtrace presets`)', optCollect, [])
    .option('--check [n]', 'run the invariant checker at marks and at the end, or every n events')
    .option('--stop-at <event>', 'stop after this many events', optInteger)
    .option('--max-map-count <n>', 'mapping limit (vm.max_map_count, default 65530)', optInteger)
    .option('--mem-limit <size>', 'address-space limit, e.g. 100G', optSize)
    .option('--lenient', 'skip bad events (and count them) instead of failing')
    .option('--allow-truncated', 'replay a trace without footer up to its last complete chunk')
    .option('--continue-after-oom', 'report a failed allocation and go on')
    .option('--speed <events/s>', 'replay at most this many events per second (watch an OOM approach), e.g. 200K', optInteger)
    .option('--json', 'print the result as one JSON object');
}

function parseSets(sets: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects name=value (got '${s}')`);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

function parseCheck(check: boolean | string | undefined): number | undefined {
  if (check === undefined || check === false) return undefined;
  if (check === true) return 0;
  const n = Number(check);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--check takes a positive event interval (got '${check}')`);
  return n;
}

export function replayConfigFromCli(preset: string, o: ReplayCliOptions): ReplayConfig {
  const overrides = parseSets(o.set);
  if (o.maxMapCount !== undefined) overrides.maxMapCount = String(o.maxMapCount);
  if (o.memLimit !== undefined) overrides.memLimit = String(o.memLimit);
  return {
    preset,
    overrides,
    lenient: o.lenient,
    allowTruncated: o.allowTruncated,
    check: parseCheck(o.check),
    stopAt: o.stopAt,
    continueAfterOom: o.continueAfterOom,
    speed: o.speed,
  };
}

export function replayCheckFile(file: string): void {
  if (file !== '-' && !existsSync(file)) throw new UsageError(`${file}: no such file`);
}
