// `slabtrace record exec` as a user runs it (the built CLI in a subprocess; npm test builds it):
// a program cut off by `| head -1` (SIGPIPE: default disposition, a cleanup handler that re-raises,
// sort(1), git log -p) leaves a complete trace; a SIGINT sent to the process group reaches the
// program once (C and Python), one sent to the recorder alone is forwarded once; the program's exit
// status is passed through; a SIGKILLed recorder's temporary directory is removed by the next run.
// Skips when no C compiler is available.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cFixture, cliRun, CLI, fileExists, processState, signalProcess, traceCounts, waitFor, within, type CliRun } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`record exec CLI tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-cli-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMIT_MS = 60_000;

/** A CLI run started in its own process group (start passes onSpawn on); SIGKILLed if it hangs. */
function bounded(what: string, start: (onSpawn: (pid: number) => void) => Promise<CliRun>): Promise<CliRun> {
  let pid = 0;
  return within(start((p) => { pid = p; }), LIMIT_MS, what, () => {
    if (!pid) return '';
    const state = processState(pid, true);
    signalProcess(pid, 'SIGKILL', true);
    return state;
  });
}

/** A shell pipeline `record exec -o trace -- <command> | head -N`, bounded. */
async function pipedToHead(name: string, command: string, lines = 1) {
  const trace = join(dir, `${name}.trace`);
  const r = await bounded(name, (onSpawn) => cliRun([], {
    shell: `"$NODE" "$CLI" record exec -o "$TRACE" -- ${command} | head -${lines}`,
    env: { TRACE: trace }, cwd: dir, detached: true, onSpawn,
  }));
  return { r, t: await traceCounts(trace) };
}

const WRITER_C = String.raw`#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void *volatile block;
static void on_pipe(int s) { free(block); signal(s, SIG_DFL); raise(s); }
int main(int argc, char **argv) {
  block = malloc(2345);
  if (argc > 1 && !strcmp(argv[1], "handler")) signal(SIGPIPE, on_pipe);
  for (long i = 0;; i++) { void *volatile p = malloc(100); free(p); printf("line %ld\n", i); }
}
`;

d('record exec | head: SIGPIPE', () => {
  let writer = '';
  const writerExe = () => (writer ||= cFixture(dir, 'writer', WRITER_C));

  it('default disposition, and a handler that cleans up and re-raises: complete trace, SIGPIPE recorded', async () => {
    if (!native.ok) return;
    for (const mode of ['default', 'handler']) {
      const { r, t } = await pipedToHead(`writer-${mode}`, `"${writerExe()}" ${mode}`);
      expect(r.stdout, r.stderr).toBe('line 0\n');
      expect(t.complete).toBe(true);
      expect(t.params.signal).toBe('SIGPIPE');
      expect(r.stderr).toContain('killed by SIGPIPE');
    }
  }, 300_000);

  it('sort big.txt | head -1', async () => {
    if (!native.ok) return;
    const big = join(dir, 'big.txt');
    writeFileSync(big, Array.from({ length: 200_000 }, (_, i) => `row-${(i * 7919) % 200_000}\n`).join(''));
    const { r, t } = await pipedToHead('sort', `sort "${big}"`);
    expect(r.stdout, r.stderr).toBe('row-0\n');
    expect(t.complete).toBe(true);
    expect(t.params.signal).toBe('SIGPIPE');
  }, 300_000);

  it('git log -p | head -3', async () => {
    if (!native.ok) return;
    const repo = join(import.meta.dirname, '..');
    if (spawnSync('git', ['-C', repo, 'rev-parse', 'HEAD']).status !== 0) return void console.warn('no git repository: skipped');
    const { r, t } = await pipedToHead('git', `git -C "${repo}" log -p`, 3);
    expect(r.stdout.split('\n')[0]).toMatch(/^commit [0-9a-f]{40}/);
    expect(t.complete).toBe(true);
    // git dies by SIGPIPE or exits 141 after EPIPE, depending on where the write failed
    expect(t.params.signal === 'SIGPIPE' || t.params.exitCode === '141').toBe(true);
  }, 300_000);
});

const COUNT_C = String.raw`#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on_int(int s) { (void)s; got++; }
int main(int argc, char **argv) {
  (void)argc;
  signal(SIGINT, on_int);
  fclose(fopen(argv[1], "w")); /* ready */
  while (!got) { void *volatile p = malloc(64); free(p); usleep(1000); }
  /* a second SIGINT would come within the recorder's grace period (250 ms): wait well past it */
  struct timespec rest = {1, 500000000};
  while (nanosleep(&rest, &rest) != 0) {}
  printf("sigint=%d\n", (int)got);
  return 0;
}
`;

const COUNT_PY = [
  'import sys, time',
  'try:',
  '    open(sys.argv[1], "w").close()  # ready: inside the try, where the interrupt is caught',
  '    while True: time.sleep(0.005)',
  'except KeyboardInterrupt:',
  '    time.sleep(1.5)  # cleanup: a second KeyboardInterrupt would land here',
  '    print("clean", flush=True)',
].join('\n');

d('record exec: SIGINT reaches the program once', () => {
  let counter = '';
  /** The CLI in its own process group; `target` says who gets the SIGINT: the group or the recorder. */
  async function interrupted(name: string, command: string[], target: 'group' | 'recorder') {
    const ready = join(dir, `${name}.ready`);
    const trace = join(dir, `${name}.trace`);
    let pid = 0;
    const run = bounded(name, (onSpawn) => cliRun(['record', 'exec', '-o', trace, '--', ...command, ready], { detached: true, onSpawn: (p) => { pid = p; onSpawn(p); } }));
    await waitFor(fileExists(ready), `${name}: the program to start`);
    signalProcess(pid, 'SIGINT', target === 'group');
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    return { r, t: await traceCounts(trace) };
  }

  it('Ctrl-C to the process group (terminal, kill -INT -PGID): delivered once, not forwarded again', async () => {
    if (!native.ok) return;
    counter ||= cFixture(dir, 'count', COUNT_C);
    const { r, t } = await interrupted('group', [counter], 'group');
    expect(r.stdout, r.stderr).toBe('sigint=1\n');
    expect(r.code).toBe(0);
    expect(t.complete).toBe(true);
  }, 300_000);

  it('SIGINT to the recorder alone: forwarded, delivered once', async () => {
    if (!native.ok) return;
    counter ||= cFixture(dir, 'count', COUNT_C);
    const { r } = await interrupted('recorder', [counter], 'recorder');
    expect(r.stdout, r.stderr).toBe('sigint=1\n');
    expect(r.code).toBe(0);
  }, 300_000);

  it('Python catching KeyboardInterrupt gets no second one during its cleanup', async () => {
    if (!native.ok) return;
    if (spawnSync('python3', ['-c', 'pass']).status !== 0) return void console.warn('python3 missing: skipped');
    const { r, t } = await interrupted('python', ['python3', '-c', COUNT_PY], 'group');
    expect(r.stdout, r.stderr).toBe('clean\n');
    expect(r.code).toBe(0);
    expect(t.complete).toBe(true);
  }, 300_000);
});

d('record exec: status and temporary files', () => {
  it('exit(3): the CLI exits 3', async () => {
    if (!native.ok) return;
    const exe = cFixture(dir, 'three', '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(10); free(p); exit(3); }\n');
    const r = await bounded('exit(3)', (onSpawn) => cliRun(['record', 'exec', '-o', join(dir, 'three.trace'), '--', exe], { detached: true, onSpawn }));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('(exit code 3)');
  }, 300_000);

  it('a SIGKILLed recorder leaves its temporary directory; the next run removes it', async () => {
    if (!native.ok) return;
    const base = join(dir, 'tmp');
    mkdirSync(base);
    const env = { TMPDIR: base };
    let pid = 0;
    const killed = bounded('the recorder to be killed', (onSpawn) => cliRun(['record', 'exec', '-o', join(dir, 'killed.trace'), '--', 'sleep', '2'], { env, detached: true, onSpawn: (p) => { pid = p; onSpawn(p); } }));
    await waitFor(() => readdirSync(base).some((n) => n.startsWith(`slabtrace-exec-${pid}-`)), 'the recorder to start');
    signalProcess(pid, 'SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');
    expect(readdirSync(base)).toHaveLength(1);
    const next = await bounded('the next run', (onSpawn) => cliRun(['record', 'exec', '-o', join(dir, 'next.trace'), '--', 'true'], { env, detached: true, onSpawn }));
    expect(next.code, next.stderr).toBe(0);
    expect(readdirSync(base)).toEqual([]);
  }, 300_000);
});

// The CLI this file drives must exist (like ui/cli.test.ts, it relies on npm test's build).
d('record exec CLI', () => {
  it('is built', () => {
    const r = spawn(process.execPath, [CLI, '--version']);
    return new Promise<void>((resolve, reject) => { r.once('close', (c) => (c === 0 ? resolve() : reject(new Error(`${CLI} --version exited ${c}`)))); });
  });
});
