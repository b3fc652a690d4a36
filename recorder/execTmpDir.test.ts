// Run directories of `record exec`: a stale one (its recorder's pid is gone, or now names a process
// started at another time) is removed at the next start; a live recorder's, or one not named by us,
// is left alone. The end-to-end case (a SIGKILLed recorder) is in execCli.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execTmpCleanStale, execTmpCreate } from './execTmpDir.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-tmpdir-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runDir(base: string, pid: number, owner: string | null, suffix: string): string {
  const d = join(base, `slabtrace-exec-${pid}-${suffix}`);
  mkdirSync(d);
  writeFileSync(join(d, 'raw.log'), 'x');
  if (owner !== null) writeFileSync(join(d, 'owner'), owner);
  return d;
}

describe('execTmpDir', () => {
  it('creates a directory named after our pid, with our start time as owner', () => {
    const base = join(dir, 'create');
    mkdirSync(base);
    const d = execTmpCreate(base);
    expect(basename(d)).toMatch(new RegExp(`^slabtrace-exec-${process.pid}-\\w{6}$`));
    const [pid, start] = readFileSync(join(d, 'owner'), 'utf8').trim().split(' ');
    expect(Number(pid)).toBe(process.pid);
    expect(start).toMatch(/^\d+$/);
    expect(execTmpCleanStale(base)).toEqual([]); // ours, live
  });

  it('removes the directories of dead recorders and of reused pids, keeps live ones and foreign names', () => {
    const base = join(dir, 'clean');
    mkdirSync(base);
    const dead = spawnSync('true').pid!; // exited and reaped: its pid names no process now
    const ours = execTmpCreate(base);
    const parentStart = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    const gone = [
      runDir(base, dead, `${dead} 123\n`, 'aaaaaa'),
      runDir(base, dead, null, 'bbbbbb'),
      runDir(base, process.ppid, `${process.ppid} ${Number(parentStart) + 1}\n`, 'cccccc'), // pid reused
    ];
    const kept = [
      ours,
      runDir(base, process.ppid, `${process.ppid} ${parentStart}\n`, 'dddddd'), // a live recorder
      runDir(base, process.ppid, null, 'eeeeee'), // live, owner not written yet
      join(base, 'slabtrace-exec-abcdef'), // an older naming: owner unknown
    ];
    mkdirSync(kept[3]);
    expect(execTmpCleanStale(base).sort()).toEqual([...gone].sort());
    for (const g of gone) expect(existsSync(g)).toBe(false);
    expect(readdirSync(base).sort()).toEqual(kept.map((k) => basename(k)).sort());
  });

  it('never throws on a missing base directory', () => {
    expect(execTmpCleanStale(join(dir, 'no-such-dir'))).toEqual([]);
  });
});
