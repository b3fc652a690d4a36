// `record exec` tells the truth about its capture (the built CLI in a subprocess; npm test builds it):
// the summary (processes, threads, events, lost, dropped, foreign and null frees, run and conversion
// time); the program's status passed through only when the capture is complete (exit(3) → 3, a death
// by SIGTERM → 143); 125 and one line per cause otherwise: a statically linked program (directly, or
// exec'd by a wrapper), a temporary directory that filled (RLIMIT_FSIZE stands in for a full disk:
// the same failed write), a program killed by SIGKILL, a followed child killed before its end;
// 126/127 for a command that cannot run / does not exist; 2 for --format xml; `-o -` keeps the
// program's stdout out of the trace. And execProbe on files made here (static, set-user-ID, scripts).
// Skips when no C compiler is available; the static cases when `cc -static` cannot link.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execProbe } from './execProbe.js';
import { cFixture, cliRun, rawLogCount, traceCounts, waitFor, type CliRun } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';
import { RAW_OP } from './nativeRaw.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`record exec status tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-status-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MANY_C = String.raw`#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  for (int i = 0; i < n; i++) { void *volatile p = malloc(100); free(p); }
  return argc > 2 ? atoi(argv[2]) : 0;
}
`;

/** A parent that forks a child which allocates, then kills it with SIGKILL before it can end: once the
 * test saw the child's records in the raw log and created argv[1]. */
const KILLER_C = String.raw`#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  (void)argc;
  int fds[2];
  pipe(fds);
  pid_t c = fork();
  if (c == 0) {
    for (int i = 0; i < 100; i++) { void *volatile p = malloc(64); free(p); }
    write(fds[1], "x", 1);
    pause();
  }
  char b;
  read(fds[0], &b, 1);
  while (access(argv[1], F_OK) != 0) usleep(1000); /* the child's collector wrote its records */
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
  return 0;
}
`;

let manyExe = '';
const many = (): string => (manyExe ||= cFixture(dir, 'many', MANY_C));
let staticExe: string | null | undefined;
/** The fixture linked statically, or null when this system cannot. */
function staticMany(): string | null {
  if (staticExe !== undefined) return staticExe;
  try {
    staticExe = cFixture(dir, 'many_static', MANY_C, ['-static']);
  } catch {
    console.warn('cc -static cannot link here: static cases skipped');
    staticExe = null;
  }
  return staticExe;
}

const rec = (args: string[], opts: Parameters<typeof cliRun>[1] = {}): Promise<CliRun> => cliRun(['record', 'exec', ...args], opts);
const problems = (r: CliRun): string[] => r.stderr.split('\n').filter((l) => l.startsWith('slabtrace: capture incomplete: '));

d('record exec: status when the capture is complete', () => {
  it('prints processes, threads, events, lost, dropped, frees and times; passes exit(3) through', async () => {
    const r = await rec(['-o', join(dir, 'three.pb'), '--', many(), '1000', '3']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^recorded .*many \(exit code 3\): 1 process, 1 thread, [\d,]+ events → /m);
    expect(r.stderr).toMatch(/lost 0 · dropped at exit 0 · foreign frees 0 · null frees \d+ · run [\d.]+ s, conversion [\d.]+ s/);
    expect(problems(r)).toEqual([]);
  });

  it('a program that dies by SIGTERM: 143 (128 + 15, as a shell reports it), trace complete', async () => {
    const out = join(dir, 'term.pb');
    const r = await rec(['-o', out, '--', 'sh', '-c', 'kill -TERM $$']);
    expect(r.code, r.stderr).toBe(143);
    expect((await traceCounts(out)).complete).toBe(true);
  });

  it('-o -: the trace alone on stdout, the program\'s stdout on stderr', async () => {
    const r = await cliRun([], { shell: `"$NODE" "$CLI" record exec -o - -- sh -c 'echo from-the-program' > "${join(dir, 'stdout.pb')}"` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('from-the-program');
    expect((await traceCounts(join(dir, 'stdout.pb'))).complete).toBe(true);
  });
});

d('record exec: usage and commands that cannot run', () => {
  it('--format xml is bad usage (2) and writes nothing', async () => {
    const out = join(dir, 'x.pb');
    const r = await rec(['--format', 'xml', '-o', out, '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--format must be pb or json (got 'xml')");
    expect(existsSync(out)).toBe(false);
  });

  it('--tmpdir must exist (2); a missing command is 127, a file that is not executable 126', async () => {
    expect((await rec(['--tmpdir', join(dir, 'nope'), '-o', join(dir, 't.pb'), '--', 'true'])).code).toBe(2);
    const missing = await rec(['-o', join(dir, 'm.pb'), '--', join(dir, 'no-such-program')]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('no-such-program: command not found');
    const text = join(dir, 'text');
    writeFileSync(text, 'not a program\n');
    expect((await rec(['-o', join(dir, 'n.pb'), '--', text])).code).toBe(126);
  });
});

d('record exec: an incomplete capture exits 125 with one line per cause', () => {
  it('a statically linked program: 0 events, said so', async () => {
    const exe = staticMany();
    if (!exe) return;
    const r = await rec(['-o', join(dir, 'static.pb'), '--', exe, '100']);
    expect(r.code).toBe(125);
    expect(problems(r)).toEqual([`slabtrace: capture incomplete: 0 events: ${exe}: statically linked: malloc cannot be interposed`]);
  });

  it('a wrapper that execs a statically linked program: the wrapper is recorded, the exec named', async () => {
    const exe = staticMany();
    if (!exe) return;
    const r = await rec(['-o', join(dir, 'static-exec.pb'), '--', 'sh', '-c', `exec "${exe}" 100`]);
    expect(r.code).toBe(125);
    expect(problems(r)).toEqual(["slabtrace: capture incomplete: sh exec'd many_static: not recorded, the capture library did not load " +
      '(statically linked, set-user-ID, or LD_PRELOAD removed?)']);
    // found on PATH, it is named for what it is
    const onPath = await rec(['-o', join(dir, 'static-path.pb'), '--', 'sh', '-c', 'exec many_static 100'], { env: { PATH: `${dir}:${process.env.PATH}` } });
    expect(problems(onPath)).toEqual([`slabtrace: capture incomplete: sh exec'd many_static (${exe}): statically linked: malloc cannot be interposed`]);
  });

  it('a temporary directory that fills: how much the capture needed, and --tmpdir', async () => {
    const tmp = join(dir, 'small-tmp');
    execFileSync('mkdir', ['-p', tmp]);
    const r = await cliRun([], {
      shell: `ulimit -f 256; exec "$NODE" "$CLI" record exec --tmpdir "${tmp}" -o /dev/null -- "${many()}" 200000 7`,
    });
    expect(r.code, r.stderr).toBe(125);
    const p = problems(r);
    expect(p[0], r.stderr).toMatch(new RegExp(`the temporary directory ${tmp} filled \\(EFBIG\\) after 0\\.\\d MiB of raw log: this capture needed (\\d+\\.\\d) MiB there`));
    expect(Number(/needed (\d+\.\d) MiB/.exec(p[0])![1])).toBeGreaterThanOrEqual(9); // 400,000 events × 24 bytes
    expect(r.stderr).toMatch(/exit code 7/); // the program's own status, not passed through
  });

  it('a program killed by SIGKILL: truncated', async () => {
    const r = await rec(['-o', join(dir, 'killed.pb'), '--', 'sh', '-c', 'kill -KILL $$']);
    expect(r.code).toBe(125);
    expect(problems(r)[0]).toMatch(/trace truncated: the program was killed by SIGKILL/);
  });

  it('a followed child killed before its end: its trace is truncated, said so', async () => {
    const exe = cFixture(dir, 'killer', KILLER_C);
    const out = join(dir, 'killer-traces');
    const base = join(dir, 'killer-tmp'); // where the recorder's directory, and in it raw.log, will be
    const go = join(dir, 'killer.go');
    mkdirSync(base);
    const run = rec(['--follow-forks', '--tmpdir', base, '-o', `${out}/`, '--', exe, go]);
    const raw = (): string => join(base, readdirSync(base).find((n) => n.startsWith('slabtrace-exec-')) ?? 'none', 'raw.log');
    const childs = (op: number) => (): boolean => rawLogCount(raw(), (o, arg, proc) => proc > 0 && o === op && (op !== RAW_OP.MALLOC || arg === 64)) >= 100;
    await waitFor(childs(RAW_OP.MALLOC), "the child's 100 allocations to reach the raw log");
    await waitFor(childs(RAW_OP.FREE), "the child's 100 frees to reach the raw log");
    writeFileSync(go, '');
    const r = await run;
    expect(r.code, r.stderr).toBe(125);
    expect(problems(r).join('\n')).toMatch(/1 child process never wrote its end \(killed, or still running when the program exited\): \d+ killer/);
  });
});

describe('execProbe', () => {
  it('tells static, set-user-ID, dynamic and #! scripts apart', () => {
    expect(execProbe('sh').kind).toBe('dynamic');
    const script = join(dir, 'script.sh');
    writeFileSync(script, '#!/usr/bin/env sh\necho hi\n');
    chmodSync(script, 0o755);
    expect(execProbe(script).kind).toBe('dynamic');
    const suid = join(dir, 'suid');
    writeFileSync(suid, '\x7fELF');
    chmodSync(suid, 0o4755);
    expect(execProbe(suid).kind).toBe('setuid');
    expect(execProbe(join(dir, 'none')).kind).toBe('unknown');
    const exe = native.ok && spawnSync('cc', ['--version']).status === 0 ? staticMany() : null;
    if (exe) expect(execProbe(exe)).toEqual({ kind: 'static', path: exe });
  });
});
