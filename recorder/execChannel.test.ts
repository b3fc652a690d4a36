// The log channel (recorder/native/logchan.c) under programs that use descriptors themselves: fd 3 in
// use by the program (its file gets only its own bytes), what /proc/self/fd shows under capture (one
// close-on-exec descriptor, high; none in a forked child that is not recorded), a program that closes every descriptor (close_range) or takes our
// exact number for its own file (the log is opened again elsewhere, nothing lands in its file), and
// children that do not inherit descriptors: vfork, posix_spawn, execvp/execl (the wrapper's own events
// kept), Python's subprocess (close_fds) and Node's spawnSync, recorded with --follow-forks.
// Each program allocates blocks of a marker size; the traces must hold exactly those. Skips when no
// C compiler is available.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordExec, type RecordExecResult } from './exec.js';
import { cFixture, traceCounts } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`log channel tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-channel-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHANNEL_C = String.raw`#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void churn(int n, size_t size) { for (int i = 0; i < n; i++) { void *volatile p = malloc(size); free(p); } }
static int highest_fd(void) {
  DIR *d = opendir("/proc/self/fd");
  int hi = -1, self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) { int n = atoi(e->d_name); if (e->d_name[0] != '.' && n != self && n > hi) hi = n; }
  closedir(d);
  return hi;
}
static void list_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    int n = atoi(e->d_name);
    if (e->d_name[0] == '.' || n == self || n < 3) continue;
    char path[64], target[4096] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", n);
    readlink(path, target, sizeof target - 1);
    printf("%d %s %d\n", n, target, (fcntl(n, F_GETFD) & FD_CLOEXEC) != 0);
  }
  closedir(d);
}
int main(int argc, char **argv) {
  const char *mode = argv[1];
  if (!strcmp(mode, "fd3")) {
    int f = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (f != 3) { dup2(f, 3); close(f); }
    churn(1000, 555);
    dprintf(3, "hello\n");
    churn(1000, 556);
  } else if (!strcmp(mode, "list")) {
    churn(10, 555);
    list_fds();
  } else if (!strcmp(mode, "forklist")) { /* a forked child that never execs lists its descriptors */
    churn(10, 555);
    fflush(stdout);
    if (fork() == 0) { list_fds(); fflush(stdout); _exit(0); }
    wait(NULL);
  } else if (!strcmp(mode, "closeall")) {
    churn(100, 555);
    syscall(SYS_close_range, 3, ~0U, 0);
    churn(1000, 556);
  } else if (!strcmp(mode, "steal")) {
    churn(100, 555);
    int hi = highest_fd(); /* ours: the only descriptor above 2 */
    close(hi);
    int f = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(f, hi);
    close(f);
    churn(1000, 556);
    dprintf(hi, "mine\n");
  }
  fflush(stdout);
  return 0;
}
`;

/** A child that allocates argv[1] blocks of argv[2] bytes; a parent that starts it in several ways. */
const CHILD_C = String.raw`#include <stdlib.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  size_t size = (size_t)atol(argv[2]);
  for (int i = 0; i < n; i++) { void *volatile p = malloc(size); free(p); }
  return 0;
}
`;

const SPAWNER_C = String.raw`#define _GNU_SOURCE
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
static void churn(int n, size_t size) { for (int i = 0; i < n; i++) { void *volatile p = malloc(size); free(p); } }
int main(int argc, char **argv) {
  const char *mode = argv[1], *child = argv[2];
  churn(300, 444);
  if (!strcmp(mode, "execvp")) { char *a[] = {(char *)child, "50", "777", NULL}; execvp(child, a); return 99; }
  if (!strcmp(mode, "execl")) { execl(child, child, "50", "777", (char *)NULL); return 99; }
  pid_t pid;
  char *a[] = {(char *)child, "40", "778", NULL};
  if (!strcmp(mode, "vfork")) {
    pid = vfork();
    if (pid == 0) { execve(child, a, environ); _exit(99); }
  } else {
    posix_spawn(&pid, child, NULL, NULL, a, environ);
  }
  churn(200, 445); /* the parent keeps recording while the child runs */
  waitpid(pid, NULL, 0);
  return 0;
}
`;

let channelExe = '';
const channel = (): string => (channelExe ||= cFixture(dir, 'channel', CHANNEL_C));
let childExe = '';
const child = (): string => (childExe ||= cFixture(dir, 'child', CHILD_C));
let spawnerExe = '';
const spawner = (): string => (spawnerExe ||= cFixture(dir, 'spawner', SPAWNER_C));

/** Count of allocations of exactly `size` bytes in a trace (and that it is complete and valid). */
async function allocsOf(path: string, size: number): Promise<number> {
  const t = await traceCounts(path, size, size + 1);
  expect(t.complete, path).toBe(true);
  return t.allocsInRange;
}

/** The per-process traces of a run, by command name (the last image's). */
function byName(r: RecordExecResult): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of r.files) {
    const name = f.images[f.images.length - 1];
    m.set(name, [...(m.get(name) ?? []), f.file]);
  }
  return m;
}

/** `channel MODE FILE` under capture: FILE holds the program's own bytes only (`content`), and its
 * 1000 blocks of 556 bytes are all recorded. */
async function ownFile(mode: string, content: string): Promise<{ r: RecordExecResult; out: string }> {
  const file = join(dir, `${mode}.txt`);
  const out = join(dir, `${mode}.trace`);
  const r = await recordExec([channel(), mode, file], out, { stdio: 'pipe' });
  expect(r.verdict.problems).toEqual([]);
  expect(readFileSync(file, 'utf8')).toBe(content);
  expect(await allocsOf(out, 556)).toBe(1000);
  return { r, out };
}

d('log channel: programs that use descriptors', () => {
  it('fd 3 in use by the program: its file gets only its own bytes, every allocation is recorded', async () => {
    const { out } = await ownFile('fd3', 'hello\n');
    expect(await allocsOf(out, 555)).toBe(1000);
  });

  it('a shell redirecting fd 3 (exec 3>file) as in the issue', async () => {
    const file = join(dir, 'bash-fd3.txt');
    const r = await recordExec(['bash', '-c', `exec 3>"${file}"; echo hello >&3; exec 3>&-`], join(dir, 'bash-fd3.trace'), { stdio: 'pipe' });
    expect(r.verdict.complete).toBe(true);
    expect(r.events).toBeGreaterThan(100);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
  });

  it('/proc/self/fd shows one extra descriptor: high, close-on-exec, the raw log', async () => {
    const plain = spawnSync(channel(), ['list'], { encoding: 'utf8' }).stdout.trim().split('\n');
    const r = await recordExec([channel(), 'list'], join(dir, 'list.trace'), { stdio: 'pipe' });
    const fds = (r.stdout ?? '').trim().split('\n').filter((l) => !plain.includes(l)).map((l) => l.split(' '));
    expect(fds).toHaveLength(1);
    const [num, target, cloexec] = fds[0];
    expect(Number(num)).toBeGreaterThanOrEqual(16);
    expect(target).toMatch(/slabtrace-exec-\d+-\w+\/raw\.log$/);
    expect(cloexec).toBe('1');
  });

  it('a forked child that is not recorded does not keep the descriptor', async () => {
    const plain = spawnSync(channel(), ['forklist'], { encoding: 'utf8' }).stdout;
    const r = await recordExec([channel(), 'forklist'], join(dir, 'forklist.trace'), { stdio: 'pipe' });
    expect(r.stdout).toBe(plain);
    expect(r.shm.unfollowed).toBe(1);
  });

  it('a program that closes every descriptor (close_range) keeps being recorded', async () => {
    const out = join(dir, 'closeall.trace');
    const r = await recordExec([channel(), 'closeall'], out, { stdio: 'pipe' });
    expect(r.verdict.problems).toEqual([]);
    expect(r.shm.reopens).toBeGreaterThanOrEqual(1);
    expect(await allocsOf(out, 556)).toBe(1000);
  });

  it('a program that puts its own file at our number: nothing of ours lands in it', async () => {
    const { r } = await ownFile('steal', 'mine\n');
    expect(r.shm.reopens).toBeGreaterThanOrEqual(1);
  });
});

d('log channel: children that inherit no descriptor', () => {
  it('execvp and execl (what env(1) does): the wrapper\'s events are kept with the exec\'d program\'s', async () => {
    for (const mode of ['execvp', 'execl']) {
      const out = join(dir, `${mode}.trace`);
      const r = await recordExec([spawner(), mode, child()], out, { stdio: 'pipe' });
      expect(r.verdict.problems, mode).toEqual([]);
      expect(r).toMatchObject({ execs: 1, lostSeqs: 0, processes: 1 });
      expect(await allocsOf(out, 444)).toBe(300);
      expect(await allocsOf(out, 777)).toBe(50);
    }
  });

  it('env FOO=1 and sh -c "exec": both images recorded, nothing lost', async () => {
    const viaEnv = await recordExec(['env', 'FOO=1', child(), '30', '779'], join(dir, 'env.trace'), { stdio: 'pipe' });
    expect(viaEnv).toMatchObject({ execs: 1, lostSeqs: 0 });
    expect(viaEnv.table?.root?.images.map((i) => i.name)).toEqual(['env', 'child']);
    expect(await allocsOf(join(dir, 'env.trace'), 779)).toBe(30);
    const viaSh = await recordExec(['sh', '-c', `exec "${child()}" 30 779`], join(dir, 'sh.trace'), { stdio: 'pipe' });
    expect(viaSh).toMatchObject({ execs: 1, lostSeqs: 0 });
  });

  it('vfork + execve and posix_spawn children are recorded with --follow-forks; the parent goes on', async () => {
    for (const mode of ['vfork', 'spawn']) {
      const r = await recordExec([spawner(), mode, child()], { dir: join(dir, mode) }, { stdio: 'pipe', followForks: true });
      expect(r.verdict.problems, mode).toEqual([]);
      const names = byName(r);
      expect(names.get('child'), mode).toHaveLength(1);
      expect(await allocsOf(names.get('child')![0], 778)).toBe(40);
      expect(await allocsOf(names.get('spawner')![0], 445)).toBe(200);
      expect(r.lostSeqs).toBe(0);
    }
  });

  it('Python subprocess (close_fds) and Node spawnSync children are recorded', async () => {
    const py = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    const programs: [string, string[]][] = [
      ['node', [process.execPath, '-e', `require('child_process').spawnSync(${JSON.stringify(child())}, ['60', '781'])`]],
    ];
    if (py.status === 0) {
      programs.push(['python', [py.stdout.trim(), '-c', `import subprocess; subprocess.run([${JSON.stringify(child())}, '60', '781'], close_fds=True)`]]);
    } else {
      console.warn('python3 missing: its case skipped');
    }
    for (const [name, command] of programs) {
      const r = await recordExec(command, { dir: join(dir, name) }, { stdio: 'pipe', followForks: true });
      expect(r.verdict.problems, name).toEqual([]);
      const files = byName(r).get('child') ?? [];
      expect(files, name).toHaveLength(1);
      expect(await allocsOf(files[0], 781)).toBe(60);
    }
  }, 120_000);
});
