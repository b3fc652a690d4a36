// The native-replay commands end to end, through the built binary: `allocators`, `replay --native`
// (summary, --json keys, exit 0 / 2 / 3), `compare` with presets and real allocators as columns of one
// table and one JSON, the threaded Larson trace of the issue through every installed allocator (exit
// 0), and the one-line usage errors (unknown or missing allocator, model-only options). Skipped, with
// a message, where the native replayer could not be built.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTraceWriter } from '../../traces/index.js';
import { nativeAllocatorsList, nativeReplayer } from '../../replayer/index.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'ui', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-native-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const battle = join(dir, 'battle.pb');
const larson = join(dir, 'larson.pb');
const huge = join(dir, 'huge.pb');

const built = nativeReplayer();
if (!built.ok) console.warn(`native CLI tests skipped: the replayer is not built here (${built.reason})`);
const list = built.ok ? nativeAllocatorsList() : [];
const installed = list.filter((a) => a.available).map((a) => a.name);
const itNative = it.skipIf(!built.ok);

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function expectUserError(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.err).toMatch(pattern);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}

beforeAll(async () => {
  if (!built.ok) return;
  expect(run(['record', 'battle', '--scales', '100K,1M', '-o', battle]).code).toBe(0);
  expect(run(['record', 'larson', '2', '8', '128', '1024', '1', '12345', '4', '--ops', '2M', '-o', larson]).code).toBe(0);
  const w = createTraceWriter(huge, { workload: 'huge', recorder: 'native cli test' });
  w.alloc(0, 64);
  w.alloc(0, 2 ** 40);
  await w.close();
}, 120_000);

describe('allocators', () => {
  itNative('lists glibc as available, and each known allocator with its Debian package', () => {
    const r = run(['allocators']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^glibc\s+available/m);
    expect(r.out).toContain('libmimalloc2.0');
    expect(r.out).toContain('libjemalloc2');
    const json = JSON.parse(run(['allocators', '--json']).out) as { name: string; available: boolean }[];
    expect(json.find((a) => a.name === 'glibc')?.available).toBe(true);
  });
});

describe('replay --native', () => {
  itNative('prints the summary with the figures at every mark and the RSS note; exit 0', () => {
    const r = run(['replay', battle, '--native', 'glibc']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('through glibc (native)');
    expect(r.out).toMatch(/measure-peak@1M\s+[\d,]+\s+[\d.]+ MiB/);
    expect(r.out).toContain('minus the replayer\'s own bookkeeping');
  });

  itNative('--json: final, marks, eventsPerSec…; no SuperSlab keys', () => {
    const r = run(['replay', battle, '--native', 'glibc', '--json', '--stop-at', '150000']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { final: Record<string, unknown>; marks: unknown[]; eventsPerSec: number; stoppedAt: number };
    expect(j.eventsPerSec).toBeGreaterThan(0);
    expect(j.marks).toHaveLength(1);
    expect(j.stoppedAt).toBe(150_000);
    expect(j.final).toHaveProperty('rss');
    expect(j.final).not.toHaveProperty('ssLive');
  });

  itNative('from stdin: the events go through a pipe, with the same figures as from the file', () => {
    const viaPipe = spawnSync(process.execPath, [BIN, 'replay', '-', '--native', 'glibc', '--json'], { input: readFileSync(battle), encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 26 });
    expect(viaPipe.status).toBe(0);
    const p = JSON.parse(viaPipe.stdout) as { file: string; marks: { name: string; liveBlocks: number }[]; final: { blocksFreed: number } };
    const f = JSON.parse(run(['replay', battle, '--native', 'glibc', '--json']).out) as typeof p;
    expect(p.file).toBe('<stdin>');
    expect(p.marks.map((m) => [m.name, m.liveBlocks])).toEqual(f.marks.map((m) => [m.name, m.liveBlocks]));
    expect(p.final.blocksFreed).toBe(f.final.blocksFreed);
  });

  itNative('exit 3 when the allocator returns NULL, with the failing event', () => {
    const r = run(['replay', huge, '--native', 'glibc']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/OUT OF MEMORY at event 1: alloc of 1\.00 TiB by thread 0/);
  });

  itNative('the threaded Larson trace (larson 2 8 128 1024 1 12345 4 --ops 2M) replays under every installed allocator: exit 0', () => {
    for (const name of installed) {
      const r = run(['replay', larson, '--native', name, '--json']);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const j = JSON.parse(r.out) as { final: { threadsStarted: number; remoteFrees: number }; complete: boolean };
      expect(j.complete).toBe(true);
      expect(j.final.threadsStarted).toBe(1956);
      expect(j.final.remoteFrees).toBeGreaterThan(1_000_000);
    }
    for (const a of list.filter((x) => !x.available)) console.warn(`larson through ${a.name} skipped: not installed (${a.debianPackage})`);
  }, 120_000);

  itNative('one-line usage errors: unknown allocator, missing library, model-only options, --touch alone', () => {
    expectUserError(run(['replay', battle, '--native', 'nosuch']), /unknown allocator 'nosuch'/);
    expectUserError(run(['replay', battle, '--native', join(dir, 'nosuch.so')]), /no such library file/);
    expectUserError(run(['replay', battle, '--native', 'glibc', '--set', 'emptyReserve=1']), /--set applies to the allocator model, not to --native/);
    expectUserError(run(['replay', battle, '--native', 'glibc', '--preset', 'hakmem-7.7']), /--preset applies to the allocator model/);
    expectUserError(run(['replay', battle, '--touch', 'ends']), /--touch applies to native replays/);
    const missing = list.find((a) => !a.available);
    if (missing) expectUserError(run(['replay', battle, '--native', missing.name]), new RegExp(`${missing.name} is not installed here: .*package ${missing.debianPackage}`));
  });
});

describe('compare with real allocators', () => {
  itNative('presets and allocators as columns of one table and one JSON, presets first', () => {
    const cols = ['--preset', 'hakmem-7.7', '--native', 'glibc', ...(installed.includes('mimalloc') ? ['--native', 'mimalloc'] : [])];
    const r = run(['compare', battle, ...cols]);
    expect(r.code).toBe(0);
    const header = r.out.split('\n').find((l) => l.includes('hakmem-7.7'))!;
    expect(header).toMatch(/hakmem-7\.7\s+glibc \(native\)/);
    expect(r.out).toMatch(/^measure-peak@1M\s/m);
    const j = JSON.parse(run(['compare', battle, ...cols, '--json']).out) as Record<string, unknown>[];
    expect(j).toHaveLength(cols.length / 2);
    expect(j[0]).toHaveProperty('preset', 'hakmem-7.7');
    expect(j[1]).toHaveProperty('native.allocator', 'glibc');
    expect(j[1]).not.toHaveProperty('preset');
  }, 120_000);

  itNative('two real allocators make a comparison on their own', () => {
    const r = run(['compare', battle, '--native', 'glibc', '--native', 'glibc', '--stop-at', '100002']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').find((l) => l.includes('(native)'))).toMatch(/glibc \(native\)\s+glibc \(native\)/);
  });
});
