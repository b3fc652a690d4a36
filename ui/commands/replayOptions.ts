// The options `replay` and `compare` share, and turning them into a ReplayConfig; the native-replay
// options (--native, --touch) and turning them into a NativeReplayConfig; and the edge where a
// NativeReplayError (the environment: no replayer built, library missing) becomes a UsageError (exit 2).

import type { Command } from 'commander';
import { parseParam } from '../../allocator/index.js';
import { NativeReplayError, type NativeReplayConfig, type ReplayConfig } from '../../replayer/index.js';
import { UsageError } from '../errors.js';
import { optCollect, optInteger, optSize } from './options.js';
import { sourceCheck } from './source.js';

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
  timelineEvery?: number;
}

export function replayOptionsAdd(cmd: Command): Command {
  return cmd
    .option('--set <name=value>', 'override an allocator parameter (repeatable; see `slabtrace presets`)', optCollect, [])
    .option('--check [n]', 'run the invariant checker at marks and at the end, or every n events')
    .option('--stop-at <event>', 'stop after this many events', optInteger)
    .option('--max-map-count <n>', 'mapping limit (vm.max_map_count, default 65530)', optInteger)
    .option('--mem-limit <size>', 'address-space limit (VmSize), e.g. 100G (default 128T: the 47-bit user space)', optSize)
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
  replayOptionInto(overrides, 'maxMapCount', '--max-map-count', o.maxMapCount);
  replayOptionInto(overrides, 'memLimit', '--mem-limit', o.memLimit);
  return {
    preset,
    overrides,
    lenient: o.lenient,
    allowTruncated: o.allowTruncated,
    check: parseCheck(o.check),
    stopAt: o.stopAt,
    continueAfterOom: o.continueAfterOom,
    speed: o.speed,
    timelineEvery: o.timelineEvery,
  };
}

/** An option that is also a parameter: set it, refusing a --set of the same parameter that disagrees. */
function replayOptionInto(overrides: Record<string, string>, param: string, option: string, value: number | undefined): void {
  if (value === undefined) return;
  const set = overrides[param];
  if (set !== undefined) {
    let same = false;
    try { same = parseParam(param, set) === value; } catch { /* the --set value is reported when resolved */ }
    if (!same) throw new UsageError(`${option} ${value} and --set ${param}=${set} disagree: give one of them`);
  }
  overrides[param] = String(value);
}

export function replayCheckFile(file: string): void {
  sourceCheck(file);
}

export const NATIVE_HELP = 'replay through a real malloc: glibc, mimalloc, jemalloc, tcmalloc or PATH/TO/lib.so (`slabtrace allocators` lists them)';
export const TOUCH_HELP = 'native: what each allocation writes: pages (first and last byte and a byte on every page between; default) or ends (first and last byte only)';

function parseTouch(touch: string | undefined): 'pages' | 'ends' | undefined {
  if (touch === undefined || touch === 'pages' || touch === 'ends') return touch;
  throw new UsageError(`--touch takes pages or ends (got '${touch}')`);
}

export function nativeConfigFromCli(allocator: string, o: ReplayCliOptions & { touch?: string }): NativeReplayConfig {
  return {
    allocator,
    lenient: o.lenient,
    allowTruncated: o.allowTruncated,
    stopAt: o.stopAt,
    continueAfterOom: o.continueAfterOom,
    touch: parseTouch(o.touch),
    stderr: process.stderr,
  };
}

/** The options that only mean something to the model, given on the command line: refused with --native. */
export function nativeRefuseModelOptions(o: ReplayCliOptions & { inProcess?: boolean }, presetGiven: boolean): void {
  const given = [
    presetGiven && '--preset', o.set.length > 0 && '--set', o.check !== undefined && '--check', o.maxMapCount !== undefined && '--max-map-count',
    o.memLimit !== undefined && '--mem-limit', o.speed !== undefined && '--speed', o.inProcess && '--in-process',
  ].filter((x): x is string => typeof x === 'string');
  if (given.length) throw new UsageError(`${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to the allocator model, not to --native (a real allocator has no such parameters)`);
}

/** Runs `work`, turning a NativeReplayError (no replayer, library missing…) into a UsageError (exit 2). */
export async function nativeCli<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof NativeReplayError) throw new UsageError(err.message);
    throw err;
  }
}
