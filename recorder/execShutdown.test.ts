// Native capture's shutdown path, through recordExec: every way a program ends writes the trace's
// end (footer) and records how it ended, and none hangs. C fixtures compiled here: a tight
// malloc/free loop signalled (SIGINT/SIGTERM, and SIGKILL for the truncated case) over many seeded
// trials, pthread_exit in main, quick_exit, exit(3) and return 5, programs that install their own
// SIGINT handlers (a flag, a cleanup that resets SIG_DFL and re-raises, SA_RESETHAND, sysv_signal),
// and Python's KeyboardInterrupt. Every run is bounded (a hang fails the test instead of stalling
// it); programs say when they are ready (a file, a growing log) instead of the test sleeping.
// Skips when no C compiler is available.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { recordExec, type RecordExecOptions, type RecordExecResult } from './exec.js';
import { cFixture, fileAtLeast, fileExists, processState, signalProcess, traceCounts, waitFor, within } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';
import { sfc32Below, sfc32Create } from './rng.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`native shutdown tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-shutdown-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUN_LIMIT_MS = 60_000;

/** recordExec, bounded: a run that does not finish in RUN_LIMIT_MS is SIGKILLed and fails. */
async function bounded(command: string[], out: string, opts: RecordExecOptions & { onPid?: (pid: number) => void } = {}): Promise<RecordExecResult> {
  let pid = 0;
  const run = recordExec(command, out, { stdio: 'pipe', ...opts, onSpawn: (p) => { pid = p; opts.onPid?.(p); } });
  return within(run, RUN_LIMIT_MS, `${command.join(' ')} under capture`, () => {
    if (!pid) return '';
    const state = processState(pid);
    signalProcess(pid, 'SIGKILL');
    return state;
  });
}

const TIGHT_C = String.raw`#include <pthread.h>
#include <stdlib.h>
static void *spin(void *a) {
  size_t size = 16 + (size_t)(long)a;
  for (;;) { void *volatile p = malloc(size); free(p); }
  return NULL;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  pthread_t t;
  for (long i = 1; i < n; i++) pthread_create(&t, NULL, spin, (void *)i);
  spin(NULL);
}
`;

d('shutdown: a tight malloc/free loop ended by signals', () => {
  it('SIGINT and SIGTERM, 20 seeded trials (1 and 2 threads): every run ends, with a complete valid trace', async () => {
    if (!native.ok) return;
    const exe = cFixture(dir, 'tight', TIGHT_C);
    const rng = sfc32Create(14);
    for (let i = 0; i < 20; i++) {
      const sig: NodeJS.Signals = i % 2 === 0 ? 'SIGINT' : 'SIGTERM';
      const threads = 1 + (i >> 1) % 2;
      const raw = join(dir, `tight${i}.raw`);
      const out = join(dir, `tight${i}.trace`);
      let pid = 0;
      const run = bounded([exe, String(threads)], out, { keepRawLog: raw, onPid: (p) => { pid = p; } });
      await waitFor(fileAtLeast(raw, 64 * 1024), `trial ${i}: the loop to run`);
      await sleep(sfc32Below(rng, 20)); // land anywhere in the loop, the ring full or not
      signalProcess(pid, sig);
      const res = await run;
      expect(res.signal, `trial ${i}`).toBe(sig);
      expect(res.complete, `trial ${i}`).toBe(true);
      expect(res.end, `trial ${i}`).toEqual({ kind: 'signal', code: constants.signals[sig] });
      expect(res.verdict.problems, `trial ${i}`).toEqual([]); // nothing lost: a push cut by the end is dropped, not lost
      const t = await traceCounts(out); // validation on: no footer would throw
      expect(t.complete).toBe(true);
      expect(t.events).toBeGreaterThan(1000);
      rmSync(raw, { force: true });
      rmSync(out, { force: true });
    }
  }, 900_000);

  it('SIGKILL: the trace is cut, and readable up to its last complete chunk with allowTruncated', async () => {
    if (!native.ok) return;
    const exe = cFixture(dir, 'tight_kill', TIGHT_C);
    for (let i = 0; i < 3; i++) {
      const raw = join(dir, `killed${i}.raw`);
      const out = join(dir, `killed${i}.trace`);
      let pid = 0;
      const run = bounded([exe, String(1 + i % 2)], out, { keepRawLog: raw, onPid: (p) => { pid = p; } });
      await waitFor(fileAtLeast(raw, (1 + i) * 256 * 1024), `trial ${i}: the loop to run`);
      signalProcess(pid, 'SIGKILL');
      const res = await run;
      expect(res).toMatchObject({ signal: 'SIGKILL', complete: false, truncated: true, end: null });
      await expect(traceCounts(out)).rejects.toThrow(/TRUNCATED/);
      const t = await traceCounts(out, 0, 0, true);
      expect(t.truncated).toBe(true);
      expect(t.events).toBe(res.events);
      expect(t.events).toBeGreaterThan(1000);
      rmSync(raw, { force: true });
      rmSync(out, { force: true });
    }
  }, 300_000);
});

const ENDINGS_C = String.raw`#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
static void *volatile keep;
static void free_keep(void) { free(keep); }
/* The main thread has exited (pthread_exit): the process's state, which is its main thread's, is Z. */
static int main_gone(void) {
  char b[512];
  int fd = open("/proc/self/stat", O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b - 1);
  if (fd >= 0) close(fd);
  if (n <= 0) return 0;
  b[n] = 0;
  char *state = strrchr(b, ')');
  return state && state[1] == ' ' && state[2] == 'Z';
}
static void *worker(void *exit_code) {
  while (!main_gone()) usleep(1000);
  for (int i = 0; i < 100; i++) { void *volatile p = malloc(333); free(p); }
  printf("worker done\n");
  if (exit_code) exit((int)(long)exit_code);
  return NULL;
}
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  keep = malloc(4321);
  pthread_t t;
  if (!strcmp(mode, "pthread_exit")) { printf("main\n"); pthread_create(&t, NULL, worker, NULL); pthread_exit(NULL); }
  if (!strcmp(mode, "pthread_exit_then_exit")) { printf("main\n"); pthread_create(&t, NULL, worker, (void *)6L); pthread_exit(NULL); }
  if (!strcmp(mode, "pthread_exit_alone")) { printf("alone\n"); pthread_exit(NULL); }
  if (!strcmp(mode, "quick_exit")) { at_quick_exit(free_keep); quick_exit(4); }
  if (!strcmp(mode, "exit")) { atexit(free_keep); exit(3); }
  if (!strcmp(mode, "return")) { atexit(free_keep); return 5; }
  return 99;
}
`;

d('shutdown: every way out of main writes the end', () => {
  let exe = '';
  const endings = (mode: string) => {
    if (!exe) exe = cFixture(dir, 'endings', ENDINGS_C);
    return bounded([exe, mode], join(dir, `endings-${mode}.trace`));
  };

  it('pthread_exit in main: the process exits when its last thread does, output and trace complete', async () => {
    if (!native.ok) return;
    const res = await endings('pthread_exit');
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toBe('main\nworker done\n'); // stdio buffers flushed: exit(0) ran
    expect(res).toMatchObject({ complete: true, end: { kind: 'exit', code: 0 }, lostSeqs: 0 });
    const t = await traceCounts(join(dir, 'endings-pthread_exit.trace'), 333, 334);
    expect([t.allocsInRange, t.freesOfRange]).toEqual([100, 100]);
  });

  it('pthread_exit in main with no other thread, and a worker that calls exit(6) after main left', async () => {
    if (!native.ok) return;
    const alone = await endings('pthread_exit_alone');
    expect(alone).toMatchObject({ exitCode: 0, stdout: 'alone\n', complete: true, end: { kind: 'exit', code: 0 } });
    const worker = await endings('pthread_exit_then_exit');
    expect(worker).toMatchObject({ exitCode: 6, stdout: 'main\nworker done\n', complete: true, end: { kind: 'exit', code: 6 } });
  });

  it('quick_exit(4): the at_quick_exit handlers run first (their free is recorded), status 4', async () => {
    if (!native.ok) return;
    const res = await endings('quick_exit');
    expect(res).toMatchObject({ exitCode: 4, complete: true, end: { kind: 'quick_exit', code: 4 } });
    const t = await traceCounts(join(dir, 'endings-quick_exit.trace'), 4321, 4322);
    expect([t.allocsInRange, t.freesOfRange]).toEqual([1, 1]);
  });

  it('exit(3) and return 5 from main: the status is recorded and passed through; atexit frees recorded', async () => {
    if (!native.ok) return;
    const ex = await endings('exit');
    expect(ex).toMatchObject({ exitCode: 3, complete: true, end: { kind: 'exit', code: 3 } });
    const ret = await endings('return');
    expect(ret).toMatchObject({ exitCode: 5, complete: true, end: { kind: 'exit', code: 5 } });
    const t = await traceCounts(join(dir, 'endings-return.trace'), 4321, 4322);
    expect([t.allocsInRange, t.freesOfRange]).toEqual([1, 1]);
  });
});

const CATCH_C = String.raw`#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void *volatile block;
static void on_flag(int s) { (void)s; got++; }
/* like sort(1)'s handler: clean up, then die by the signal with its default action */
static void on_reraise(int s) { free(block); block = NULL; signal(s, SIG_DFL); raise(s); }
int main(int argc, char **argv) {
  const char *mode = argv[1];
  struct sigaction cur, sa;
  sigaction(SIGINT, NULL, &cur);
  int initial_dfl = cur.sa_handler == SIG_DFL;
  block = malloc(2345);
  void (*mine)(int) = strcmp(mode, "reraise") ? on_flag : on_reraise;
  if (!strcmp(mode, "resethand")) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_flag;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
  } else if (!strcmp(mode, "sysv")) {
    sysv_signal(SIGINT, on_flag);
  } else {
    signal(SIGINT, mine);
  }
  sigaction(SIGINT, NULL, &cur);
  printf("initial_dfl=%d seen=%d\n", initial_dfl, cur.sa_handler == mine);
  fflush(stdout);
  fclose(fopen(argv[2], "w")); /* ready */
  while (!got) usleep(1000);   /* no allocation here: the handler may free */
  sigaction(SIGINT, NULL, &cur);
  printf("now_dfl=%d\n", cur.sa_handler == SIG_DFL);
  fflush(stdout);
  free(block);
  if (!strcmp(mode, "resethand")) raise(SIGINT); /* back at SIG_DFL: dies by it */
  printf("clean exit\n");
  return 0;
}
`;

d('shutdown: programs that handle SIGINT themselves', () => {
  let exe = '';
  const caught = async (mode: string) => {
    if (!exe) exe = cFixture(dir, 'catch', CATCH_C);
    const ready = join(dir, `catch-${mode}.ready`);
    const out = join(dir, `catch-${mode}.trace`);
    let pid = 0;
    const run = bounded([exe, mode, ready], out, { onPid: (p) => { pid = p; } });
    await waitFor(fileExists(ready), `${mode}: its handler installed`);
    signalProcess(pid, 'SIGINT');
    const res = await run;
    const t = await traceCounts(out, 2345, 2346);
    return { res, t };
  };

  it('a handler that sets a flag: the program sees its own handler, cleans up and exits 0', async () => {
    if (!native.ok) return;
    const { res, t } = await caught('flag');
    expect(res.stdout).toBe('initial_dfl=1 seen=1\nnow_dfl=0\nclean exit\n');
    expect(res).toMatchObject({ exitCode: 0, complete: true, end: { kind: 'exit', code: 0 } });
    expect([t.allocsInRange, t.freesOfRange]).toEqual([1, 1]);
  });

  it('a cleanup handler that resets SIG_DFL and re-raises (sort, git): dies by SIGINT, end written', async () => {
    if (!native.ok) return;
    const { res, t } = await caught('reraise');
    expect(res.stdout).toBe('initial_dfl=1 seen=1\n');
    expect(res).toMatchObject({ signal: 'SIGINT', complete: true, end: { kind: 'signal', code: 2 } });
    expect([t.allocsInRange, t.freesOfRange]).toEqual([1, 1]); // the handler's free
  });

  it('SA_RESETHAND and sysv_signal: one delivery, then the program sees SIG_DFL again', async () => {
    if (!native.ok) return;
    const reset = await caught('resethand');
    expect(reset.res.stdout).toBe('initial_dfl=1 seen=1\nnow_dfl=1\n');
    expect(reset.res).toMatchObject({ signal: 'SIGINT', complete: true, end: { kind: 'signal', code: 2 } });
    const sysv = await caught('sysv');
    expect(sysv.res.stdout).toBe('initial_dfl=1 seen=1\nnow_dfl=1\nclean exit\n');
    expect(sysv.res).toMatchObject({ exitCode: 0, complete: true });
  });

  it('Python catching KeyboardInterrupt, then re-raising it: dies by SIGINT, end written', async () => {
    if (!native.ok) return;
    if (spawnSync('python3', ['-c', 'pass']).status !== 0) return void console.warn('python3 missing: skipped');
    const ready = join(dir, 'py.ready');
    const out = join(dir, 'py.trace');
    const script = [
      'import sys',
      'try:',
      '    open(sys.argv[1], "w").close()  # ready: inside the try, where the interrupt is caught',
      '    while True: x = [bytes(100) for _ in range(100)]',
      'except KeyboardInterrupt:',
      '    print("caught", flush=True)',
      '    raise',
    ].join('\n');
    let pid = 0;
    const run = bounded(['python3', '-c', script, ready], out, { onPid: (p) => { pid = p; } });
    await waitFor(fileExists(ready), 'python to start');
    signalProcess(pid, 'SIGINT');
    const res = await run;
    expect(res.stdout).toBe('caught\n');
    expect(res).toMatchObject({ signal: 'SIGINT', complete: true, end: { kind: 'signal', code: 2 } });
    expect((await traceCounts(out)).complete).toBe(true);
  });
});
