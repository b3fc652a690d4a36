// The command line on bad usage, bad files and failing outputs (issue 14 #7, #9, #10, #11, #18): one
// line and exit 2, the same wording from every command, no file left behind, an input never
// destroyed; a closed pipe ends quietly. Runs the built binary (npm test builds first).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { childExit, childProgressEnv, childStderrUntil } from './childWait.testutil.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'ui', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-safety-'));
const trace = join(dir, 'scaling.pb');

function sh(command: string): { code: number; out: string; err: string } {
  const r = spawnSync('bash', ['-c', command], { encoding: 'utf8', env: { ...process.env, CI: 'true', BIN: `${process.execPath} ${BIN}` } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function expectOneLine(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.err).toMatch(pattern);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}

beforeAll(() => {
  expect(run(['record', 'scaling', '--scales', '10K,20K', '-o', trace]).code).toBe(0);
});

describe('bad usage is exit 2 with the valid range', () => {
  it.each([
    [['record', 'scaling', '--chunk-events', '0'], /--chunk-events must be in 1\.\.16777216/],
    [['record', 'scaling', '--chunk-events', '99999999'], /--chunk-events must be in 1\.\.16777216/],
    [['record', 'scaling', '--scales', '99999999999999'], /--scales must be at most 100M/],
    [['record', 'random-mixed', '10', '99999999999'], /working_set must be at most 100M/],
    [['record', 'scaling', '--scales', '1,,2'], /no empty entries/],
  ])('%j', (args, pattern) => {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}.pb`);
    expectOneLine(run([...args, '-o', out]), pattern);
    expect(existsSync(out)).toBe(false);
  });
});

describe('--json errors', () => {
  it('a user error with --json is also one JSON object on stdout, with its code and place', () => {
    const bad = join(dir, 'garbage.pb');
    writeFileSync(bad, 'not a trace');
    const r = run(['info', bad, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'BAD_MAGIC', file: bad, offset: 0 } });
    expect(JSON.parse(run(['replay', trace, '--json', '--preset', 'nope']).out).error.message).toMatch(/unknown preset 'nope'/);
  });
});

describe('input files', () => {
  it('a missing file, a directory: the same words from every command', () => {
    for (const cmd of [['info'], ['dump'], ['replay', '--no-ui'], ['convert'], ['compare', '--preset', 'hakmem-7.7', '--preset', 'hakmem-8.2']]) {
      const args = cmd[0] === 'convert' ? ['convert', join(dir, 'nope.pb'), join(dir, 'o.json')] : [cmd[0]!, join(dir, 'nope.pb'), ...cmd.slice(1)];
      expectOneLine(run(args), /nope\.pb: no such file$/m);
    }
    expectOneLine(run(['info', dir]), /is a directory, not a trace/);
    const mtrace = join(dir, 'prog.mtrace');
    writeFileSync(mtrace, '= Start\n@ ./prog:[0x401156] + 0x4052a0 0x64\n= End\n');
    expectOneLine(run(['info', mtrace]), /looks like glibc mtrace output: use `slabtrace import mtrace`/);
  });
});

describe('outputs', () => {
  it('convert onto its own input is refused and the input is intact', () => {
    const before = readFileSync(trace);
    expectOneLine(run(['convert', trace, trace]), /same file as the input/);
    expect(readFileSync(trace).equals(before)).toBe(true);
  });

  it('a failed convert (truncated input) or import leaves nothing behind; an existing output survives', () => {
    const cut = join(dir, 'cut.pb');
    writeFileSync(cut, readFileSync(trace).subarray(0, Math.floor(statSync(trace).size / 2)));
    const out = join(dir, 'cut.json');
    expect(run(['convert', cut, out]).code).toBe(2);
    expect(existsSync(out)).toBe(false);
    writeFileSync(out, 'keep');
    expect(run(['convert', cut, out]).code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('keep');
    const m = join(dir, 'm.pb');
    expect(run(['import', 'mtrace', join(dir, 'nope.log'), '-o', m]).code).toBe(2);
    writeFileSync(join(dir, 'prog.c'), 'int main(void) { return 0; }\n');
    expect(run(['import', 'mtrace', join(dir, 'prog.c'), '-o', m]).code).toBe(2);
    expect(existsSync(m)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.slabtrace-'))).toEqual([]);
  });

  it('a full disk on stdout is one line and exit 2; a reader that goes away ends the output quietly', () => {
    for (const cmd of ['info', 'dump', 'replay --no-ui --json']) {
      const r = sh(`$BIN ${cmd} ${trace} > /dev/full`);
      expect(r.code, cmd).toBe(2);
      expect(r.err).toMatch(/write failed: ENOSPC/);
      expect(r.err).not.toMatch(/^\s+at /m);
    }
    const p = sh(`$BIN record scaling --scales 1M --format json -o - | head -c 10 > /dev/null; echo "status \${PIPESTATUS[0]}"`);
    expect(p.out).toContain('status 0');
    expect(p.err).toBe('');
  });

  it('convert --allow-truncated salvages a cut .json.gz into a complete trace; an interrupted convert leaves nothing, exit 130', async () => {
    const gz = join(dir, 'whole.json.gz');
    expect(run(['convert', trace, gz]).code).toBe(0);
    const cut = join(dir, 'cut.json.gz');
    writeFileSync(cut, readFileSync(gz).subarray(0, Math.floor(statSync(gz).size * 0.6)));
    const salvaged = join(dir, 'salvaged.pb');
    expect(run(['convert', cut, salvaged]).code).toBe(2);
    const r = run(['convert', cut, salvaged, '--allow-truncated']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/salvaged up to its last complete event/);
    expect(run(['info', salvaged]).out).toMatch(/complete\)/);
    const big = join(dir, 'big.pb');
    expect(run(['record', 'battle', '--scales', '5M', '-o', big]).code).toBe(0); // 17 M events: seconds of conversion
    const out = join(dir, 'big.json.gz');
    const child = spawn(process.execPath, [BIN, 'convert', big, out], { env: childProgressEnv() });
    await childStderrUntil(child, / read \(\d+%\)/); // under way: a progress line
    child.kill('SIGINT');
    expect(await childExit(child)).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.slabtrace-'))).toEqual([]);
  });

  it('an output directory that does not exist is one line, exit 2', () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    expectOneLine(run(['convert', trace, join(dir, 'no', 'such', 'dir.json')]), /no such file or directory/i);
  });
});
