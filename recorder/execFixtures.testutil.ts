// recorder/execFixtures.testutil.ts — helpers for the native capture tests: C fixtures compiled on
// the spot, waiting for a condition a program signals (a file it creates, a log that grows, records
// that reached the raw log) rather than for a fixed time, a bound on a run that must not hang, the CLI
// in a subprocess, and reading a trace back with validation.
import { execFileSync, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTrace, OP_ALLOC, OP_FREE } from '../traces/index.js';
import { RAW_AFTER_EXIT, RawChunker, RAW_REC_WORDS } from './nativeRaw.js';

/** The built CLI (npm test builds it first). */
export const CLI = join(import.meta.dirname, '..', 'dist', 'ui', 'bin.js');

/** Compiles `src` (C) into dir/name and returns the executable's path. */
export function cFixture(dir: string, name: string, src: string, flags: string[] = []): string {
  const file = join(dir, `${name}.c`);
  const exe = join(dir, name);
  writeFileSync(file, src);
  execFileSync('cc', ['-O1', '-o', exe, file, '-pthread', ...flags]);
  return exe;
}

/** Resolves once cond() holds; throws after `ms` (a generous bound, not a timing assertion). */
export async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${ms} ms`);
    await sleep(5);
  }
}

export const fileExists = (p: string) => (): boolean => existsSync(p);
export const fileAtLeast = (p: string, bytes: number) => (): boolean => existsSync(p) && statSync(p).size >= bytes;

/** How many records of a raw log (nativeRaw.ts) written so far match `want` (op without the after-exit
 * flag, the low 32 bits of arg: an allocation's size, and the image id of its chunk: 0 the program's
 * first, above 0 a followed child's); only whole chunks count, a missing log has none. */
export function rawLogCount(path: string, want: (op: number, arg: number, proc: number) => boolean): number {
  if (!existsSync(path)) return 0;
  let n = 0;
  new RawChunker(path).feed(readFileSync(path), (u32, at, count, _tid, proc) => {
    for (let i = 0; i < count; i++) {
      const w = at + i * RAW_REC_WORDS;
      if (want(u32[w] & 0xff & ~RAW_AFTER_EXIT, u32[w + 4], proc)) n++;
    }
  });
  return n;
}

/** Sends sig to a process (or to a process group: `group`); refuses pid 0, which would signal the
 * test runner's own group. */
export function signalProcess(pid: number, sig: NodeJS.Signals, group = false): void {
  if (!(pid > 0)) throw new Error(`no process to send ${sig} to (pid ${pid})`);
  process.kill(group ? -pid : pid, sig);
}

/** What the threads of a process (or of a process group: `group`) are doing, for the message of a
 * run that hangs. */
export function processState(id: number, group = false): string {
  const r = spawnSync('ps', ['-L', '-o', 'pid,tid,stat,etime,pcpu,wchan:24,args', group ? '-g' : '-p', String(id)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : `(ps failed: ${r.stderr})`;
}

/** p, or a rejection naming `what` after `ms`; onTimeout runs first (to describe and kill what hangs)
 * and what it returns is added to the message. */
export async function within<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => string | void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const state = onTimeout() ?? '';
      reject(new Error(`${what} did not finish within ${ms} ms${state ? `\n${state}` : ''}`));
    }, ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export interface CliRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI (or, with `shell`, a shell command line using $NODE and $CLI) in a subprocess. */
export function cliRun(args: string[], opts: SpawnOptions & { shell?: string; onSpawn?: (pid: number) => void } = {}): Promise<CliRun> {
  const { shell, onSpawn, ...spawnOpts } = opts;
  const env = { ...process.env, CI: 'true', NODE: process.execPath, CLI, ...spawnOpts.env };
  const child = shell !== undefined
    ? spawn('sh', ['-c', shell], { ...spawnOpts, env })
    : spawn(process.execPath, [CLI, ...args], { ...spawnOpts, env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => { stdout += b.toString('utf8'); });
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString('utf8'); });
  if (child.pid !== undefined) onSpawn?.(child.pid); // known at once: never wait for the 'spawn' event
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface TraceCounts {
  events: number;
  /** allocs with a size in [lo, hi), and frees of those ids */
  allocsInRange: number;
  freesOfRange: number;
  truncated: boolean;
  complete: boolean;
  params: Record<string, string>;
}

/** Reads a whole trace with validation (throws on a missing footer unless allowTruncated). */
export async function traceCounts(path: string, lo = 0, hi = 0, allowTruncated = false): Promise<TraceCounts> {
  const r = await openTrace(path, { allowTruncated });
  const live = new Set<number>();
  const c: TraceCounts = { events: 0, allocsInRange: 0, freesOfRange: 0, truncated: false, complete: false, params: {} };
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      c.events++;
      if (b.op[i] === OP_ALLOC && b.size[i] >= lo && b.size[i] < hi) { live.add(b.id[i]); c.allocsInRange++; }
      else if (b.op[i] === OP_FREE && live.delete(b.id[i])) c.freesOfRange++;
    }
  }
  c.truncated = r.truncated;
  c.complete = r.footer !== null && !r.truncated;
  c.params = r.header.params;
  return c;
}
