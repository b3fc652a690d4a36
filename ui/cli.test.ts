// The command line end to end: the built `slabtrace` binary run as a user would, checking output,
// exit codes (0 done, 2 bad usage / bad trace, 3 OOM), and that user mistakes print one line and no
// stack trace. Requires `npm run build` (npm test does it first).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { childExit, childProgressEnv, childStderrUntil } from './childWait.testutil.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'ui', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-cli-'));
const larson = join(dir, 'larson.pb');

function run(args: string[], input?: string | Buffer): { code: number; out: string; outBytes: Buffer; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'buffer', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout.toString(), outBytes: r.stdout, err: r.stderr.toString() };
}

function expectUserError(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/^\s+at /m);
}

beforeAll(() => {
  const r = run(['record', 'larson', '10', '8', '128', '1024', '1', '12345', '4', '--ops', '300000', '-o', larson]);
  expect(r.code).toBe(0);
});

describe('record, info, dump, convert', () => {
  it('record exec --help is its own page; record --help lists the generated workloads', () => {
    const exec = run(['record', 'exec', '--help']);
    expect(exec.code).toBe(0);
    expect(exec.out).toContain('Usage: slabtrace record exec -o FILE|DIR/ [options] -- COMMAND [ARGS...]');
    expect(exec.out).toMatch(/--stacks \[depth\]/);
    expect(exec.out).toMatch(/Exit status:.*\n.*125 capture incomplete/);
    expect(exec.out).toMatch(/Examples:\n {2}slabtrace record exec -o \S+ -- /);
    expect(exec.out).not.toContain('random-mixed');
    const rec = run(['record', '--help']);
    expect(rec.code).toBe(0);
    expect(rec.out).toContain('random-mixed');
    expect(rec.out).toContain('record exec --help');
  });

  it('record exec -o X -- PROG --help: the program gets --help, slabtrace prints no help', () => {
    const trace = join(dir, 'args.pb');
    const r = run(['record', 'exec', '-o', trace, '--', 'sh', '-c', 'printf "<%s>" "$@"', 'sh', '--help', '-o', 'x', '--version']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('<--help><-o><x><--version>');
    expect(r.out + r.err).not.toMatch(/Usage: slabtrace/);
    expect(r.err).toMatch(/^recorded sh \(exit code 0\)/);
  });

  it('prints the version', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('info --json summarises the trace', () => {
    const r = run(['info', larson, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.workload).toBe('larson');
    expect(info.complete).toBe(true);
    expect(info.ops.alloc).toBe(4096 + 4 * 4096 + 300000);
    expect(info.ops.free).toBe(4 * 4096 + 300000);
    expect(info.peakLiveObjects).toBe(4096);
    expect(info.crossThreadFreeShare).toBeGreaterThan(0.3);
    expect(info.crossThreadFrees).toBeGreaterThan(1000);
    expect(typeof info.params.ops).toBe('number');
    expect(info.threads).toBeGreaterThan(4);
    expect(info.bytesPerEvent).toBeLessThan(3);
    expect(info.marks.map((m: { name: string }) => m.name)).toEqual(['warmup-done', 'end']);
    for (const k of ['events', 'ops', 'threads', 'peakLiveObjects', 'peakLiveBytes', 'crossThreadFrees', 'marks', 'bytesPerEvent', 'complete']) {
      expect(info).toHaveProperty(k);
    }
  });

  it('dump prints events as JSON lines, from an index', () => {
    const r = run(['dump', larson, '--limit', '2']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['{"i":0,"op":"alloc","tid":0,"id":0,"size":9}', '{"i":1,"op":"alloc","tid":0,"id":1,"size":95}']);
    const later = run(['dump', larson, '--from', '100000', '--limit', '1']);
    expect(JSON.parse(later.out).i).toBe(100000);
  });

  it('convert to JSON and back keeps the digest; stdin and stdout work', () => {
    const json = join(dir, 'larson.json');
    expect(run(['convert', larson, json]).code).toBe(0);
    const back = run(['convert', json, '-']);
    expect(back.code).toBe(0);
    const viaStdin = run(['info', '-', '--json'], back.outBytes);
    const a = JSON.parse(run(['info', larson, '--json']).out);
    const b = JSON.parse(run(['info', json, '--json']).out);
    expect(b.digest).toBe(a.digest);
    expect(readFileSync(json, 'utf8').split('\n', 1)[0]).toContain('"header"');
    expect(viaStdin.code).toBe(0);
    expect(JSON.parse(viaStdin.out).digest).toBe(a.digest);
  });
});

describe('user mistakes: one line, exit 2, no stack', () => {
  it('bad workload arguments', () => {
    expectUserError(run(['record', 'larson', '1', '2', '-o', join(dir, 'x.pb')]), /larson: takes 7 arguments/);
    expectUserError(run(['record', 'nosuch', '-o', join(dir, 'x.pb')]), /unknown workload/);
  });
  it('record and record exec check the writer options alike', () => {
    expectUserError(run(['record', 'battle', '-o', join(dir, 'x.pb'), '--chunk-events', '0']), /--chunk-events must be in 1\.\.16777216 \(got 0\)/);
    expectUserError(run(['record', 'exec', '-o', join(dir, 'x.pb'), '--chunk-events', '0', '--', 'true']), /--chunk-events must be in 1\.\.16777216 \(got 0\)/);
    expectUserError(run(['record', 'exec', '-o', join(dir, 'x.pb'), '--format', 'xml', '--', 'true']), /--format must be pb or json/);
  });
  it('a missing option or file', () => {
    expectUserError(run(['record', 'battle']), /required option '-o, --output/);
    expectUserError(run(['info', join(dir, 'missing.pb')]), /missing\.pb/);
    expectUserError(run(['replay', join(dir, 'missing.pb')]), /missing\.pb: no such file/);
  });
  it('a file that is not a trace', () => {
    const junk = join(dir, 'junk.pb');
    writeFileSync(junk, 'this is not a trace at all\n');
    expectUserError(run(['info', junk]), /BAD_MAGIC|CORRUPT_CHUNK/);
  });
  it('an unknown preset or parameter', () => {
    expectUserError(run(['replay', larson, '--preset', 'nope']), /unknown preset 'nope'.*hakmem-7\.5/);
    expectUserError(run(['replay', larson, '--set', 'bogus=1']), /unknown allocator parameter 'bogus'/);
    expectUserError(run(['replay', larson, '--set', 'emptyReserve=x']), /emptyReserve/);
  });
});

describe('replay', () => {
  it('exits 3 with the OOM report under the bug preset', () => {
    const r = run(['replay', larson, '--preset', 'hakmem-larson-bug', '--max-map-count', '400', '--json']);
    expect(r.code).toBe(3);
    const res = JSON.parse(r.out);
    expect(res.oom.ssFreed).toBe(0);
    expect(res.oom.maxMapCount).toBe(400);
    expect(res.oom.event).toBeLessThan(res.totalEvents);
    for (const k of ['events', 'eventsPerSec', 'preset', 'params', 'final', 'marks', 'oom', 'digest']) expect(res).toHaveProperty(k);
    const text = run(['replay', larson, '--preset', 'hakmem-larson-bug', '--max-map-count', '400']);
    expect(text.code).toBe(3);
    expect(text.out).toMatch(/OUT OF MEMORY at event [\d,]+: (alloc of .*|thread_start) by thread \d+/);
    expect(text.out).toMatch(/VMAs: SuperSlabs [\d,]+, stacks [\d,]+/);
  });

  it('exits 0 under the fix, and the same digest from stdin', () => {
    const a = run(['replay', larson, '--preset', 'hakmem-larson-fix', '--json']);
    expect(a.code).toBe(0);
    const b = run(['replay', '-', '--preset', 'hakmem-larson-fix', '--json'], readFileSync(larson));
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out).digest).toBe(JSON.parse(a.out).digest);
  });

  it('compare prints presets side by side', () => {
    const r = run(['compare', larson, '--preset', 'hakmem-larson-bug', '--preset', 'hakmem-larson-fix', '--max-map-count', '400']);
    expect(r.code).toBe(3); // a column ran out of memory
    expect(run(['compare', larson, '--preset', 'hakmem-larson-fix', '--preset', 'hakmem-7.7', '--no-ui']).code).toBe(0);
    expectUserError(run(['replay', larson, '--set', 'maxMapCount=100', '--max-map-count', '3000']), /--max-map-count 3000 and --set maxMapCount=100 disagree/);
    expect(run(['replay', larson, '--set', 'maxMapCount=64K', '--max-map-count', '64K', '--json']).code).toBe(0);
    expect(r.out).toMatch(/hakmem-larson-bug\s+hakmem-larson-fix/);
  });

  it('demo --json reports both runs, whether it reproduced and the exit code (5: too few --ops to reach the limit)', () => {
    const r = run(['demo', '--ops', '200K', '--trace', join(dir, 'demo.pb'), '--json']);
    expect(r.code).toBe(5);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ workload: 'larson 10 8 128 1024 1 12345 4', ops: 200_000, reproduced: false, interrupted: false, exitCode: 5 });
    expect(j.conclusion).toMatch(/^NOT reproduced.*--ops/);
    expect(j.bug).toMatchObject({ preset: 'hakmem-larson-bug', oom: null, complete: true });
    expect(j.fix).toMatchObject({ preset: 'hakmem-larson-fix', oom: null, complete: true });
    expect(j.fix.final.ssAllocated).toBeGreaterThan(0);
    expect(j.bug.workloadParams).toMatchObject({ threads: 4, seed: 12345 });
  });

  it('presets lists every preset with its parameters', () => {
    const r = run(['presets', '--json']);
    expect(r.code).toBe(0);
    const presets = JSON.parse(r.out) as { name: string; params: Record<string, unknown> }[];
    expect(presets.map((p) => p.name)).toEqual(['hakmem-7.5', 'hakmem-7.6', 'hakmem-7.7', 'hakmem-8.1', 'hakmem-8.2', 'hakmem-larson-bug', 'hakmem-larson-fix']);
    expect(presets[0].params).toHaveProperty('maxMapCount', 65530);
  });
});

describe('interrupts and real programs', () => {
  it('Ctrl-C during a replay prints the partial summary and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'replay', larson, '--no-ui', '--speed', '100K'], { env: childProgressEnv() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    await childStderrUntil(child, /: [1-9][\d,]* events/); // under way: events replayed
    child.kill('SIGINT');
    expect(await childExit(child)).toBe(130);
    expect(out).toMatch(/PARTIAL: stopped by the user after [\d,]+ events/);
  });

  it('Ctrl-C during a recording leaves a readable, truncated trace and exits 130', async () => {
    const trace = join(dir, 'cut.pb');
    const child = spawn(process.execPath, [BIN, 'record', 'larson', '10', '8', '128', '1024', '1', '12345', '4', '--ops', '500M', '-o', trace], { env: childProgressEnv() });
    await childStderrUntil(child, / [MG]iB written/); // at least 1 MiB written: several chunks of events
    child.kill('SIGINT');
    expect(await childExit(child)).toBe(130);
    expectUserError(run(['info', trace]), /TRUNCATED/);
    const info = JSON.parse(run(['info', trace, '--json', '--allow-truncated']).out);
    expect(info.complete).toBe(false);
    expect(info.events).toBeGreaterThan(100_000);
  });

  it('record exec passes the exit code through and writes a valid trace', () => {
    const trace = join(dir, 'sh.pb');
    const r = run(['record', 'exec', '-o', trace, '--', 'sh', '-c', 'sort /etc/passwd > /dev/null; exit 7']);
    expect(r.code).toBe(7);
    const info = JSON.parse(run(['info', trace, '--json']).out);
    expect(info.complete).toBe(true);
    expect(info.ops.alloc).toBeGreaterThan(0);
  });

  it('import mtrace turns glibc mtrace lines into a trace, with line numbers on errors', () => {
    const log = join(dir, 'm.log');
    writeFileSync(log, ['= Start', '@ ./a.out:[0x401136] + 0x1a2b2a0 0x10', '@ ./a.out:[0x40114f] + 0x1a2b6d0 0x20', '@ ./a.out:[0x401160] - 0x1a2b2a0', '= End', ''].join('\n'));
    const out = join(dir, 'm.pb');
    expect(run(['import', 'mtrace', log, '-o', out, '-q']).code).toBe(0);
    const info = JSON.parse(run(['info', out, '--json']).out);
    expect(info.ops.alloc).toBe(2);
    expect(info.ops.free).toBe(1);
    writeFileSync(log, ['= Start', 'garbage here', '= End', ''].join('\n'));
    expectUserError(run(['import', 'mtrace', log, '-o', out]), /m\.log:2: MTRACE_/);
  });
});
