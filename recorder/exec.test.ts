// Native capture end to end: C workloads and ordinary programs under `recordExec`, traces read back
// with openTrace (validation on), counts compared with what the programs must have done.
// Skips (with a message) when no C compiler is available.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openTrace, OP_ALLOC, OP_CALLOC, OP_COUNT, OP_FREE, OP_MARK, OP_MEMALIGN, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT,
  OP_THREAD_JOIN, OP_THREAD_START,
} from '../traces/index.js';
import { recordExec } from './exec.js';
import { rawLogCount, waitFor } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';
import { RAW_OP } from './nativeRaw.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`native capture tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Tally {
  ops: number[];
  /** ids allocated (alloc op) with a size in [lo, hi) and later freed, per the filter. */
  allocInRange: number;
  freeOfInRange: number;
  marks: string[];
  threadsStarted: number;
  threadsExited: number;
  events: number;
  perThreadOrderOk: boolean;
  truncated: boolean;
  footer: unknown;
}

/** Reads a trace with validation and tallies it; sizes in [lo, hi) identify the workload's own blocks. */
async function tally(path: string, lo = 0, hi = 0, allowTruncated = false): Promise<Tally> {
  const r = await openTrace(path, { allowTruncated });
  const ops = new Array(OP_COUNT).fill(0);
  const inRange = new Set<number>();
  const t: Tally = { ops, allocInRange: 0, freeOfInRange: 0, marks: [], threadsStarted: 0, threadsExited: 0, events: 0, perThreadOrderOk: true, truncated: false, footer: null };
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i];
      ops[op]++;
      t.events++;
      if (op === OP_ALLOC && b.size[i] >= lo && b.size[i] < hi) { inRange.add(b.id[i]); t.allocInRange++; }
      else if (op === OP_FREE && inRange.delete(b.id[i])) t.freeOfInRange++;
      else if (op === OP_REALLOC || op === OP_CALLOC || op === OP_MEMALIGN) inRange.delete(b.id[i]);
      else if (op === OP_MARK) t.marks.push(b.markNames[b.aux[i]]);
      else if (op === OP_THREAD_START) t.threadsStarted++;
      else if (op === OP_THREAD_EXIT) t.threadsExited++;
    }
  }
  t.truncated = r.truncated;
  t.footer = r.footer;
  return t;
}

function summaryLine(stdout: string | undefined, name: string): Record<string, number> {
  const line = (stdout ?? '').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no summary line from ${name} in ${stdout}`);
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(\w+)=([\d.]+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

d('recordExec: our C workloads', () => {
  it('scaling: every block, array and mark, exactly', async () => {
    if (!native.ok) return;
    const out = join(dir, 'scaling.trace');
    const res = await recordExec([native.workload('scaling'), '1000', '5000', '20000'], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    expect(res.complete).toBe(true);
    const s = summaryLine(res.stdout, 'scaling');
    expect(s.allocs).toBe(26003);
    const t = await tally(out, 16, 17);
    expect(t.allocInRange).toBe(26000);
    expect(t.freeOfInRange).toBe(26000);
    expect(t.marks).toEqual(['after-alloc', 'after-free', 'after-alloc', 'after-free', 'after-alloc', 'after-free']);
    expect(t.truncated).toBe(false);
    expect(res.foreignFrees).toBe(0);
    expect(res.staleAddresses).toBe(0);
    expect(res.lostSeqs).toBe(0);
  });

  it('battle: marks measure-peak / flush / measure-after per scale', async () => {
    if (!native.ok) return;
    const out = join(dir, 'battle.trace.json');
    const res = await recordExec([native.workload('battle'), '3000', '7000'], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    const t = await tally(out, 16, 17);
    expect(t.allocInRange).toBe(10000);
    expect(t.freeOfInRange).toBe(10000);
    expect(t.marks).toEqual(['measure-peak', 'flush', 'measure-after', 'measure-peak', 'flush', 'measure-after']);
  });

  it('larson (4 threads, op budget): exact counts, thread churn, no lost or reordered events', async () => {
    if (!native.ok) return;
    const out = join(dir, 'larson.trace');
    const res = await recordExec([native.workload('larson'), '10', '8', '128', '1024', '1', '12345', '4'], out, {
      stdio: 'pipe', env: { ...process.env, LARSON_OPS: '300000' },
    });
    expect(res.exitCode).toBe(0);
    const s = summaryLine(res.stdout, 'larson');
    expect(s.ops).toBe(300000);
    expect(s.allocs).toBe(5 * 4096 + 300000);
    // Workload blocks are the mallocs of 8..127 B; validation in openTrace proves every free was of a
    // live id and every thread event was in order.
    const t = await tally(out, 8, 128);
    expect(t.allocInRange).toBe(s.allocs);
    expect(t.freeOfInRange).toBe(s.frees);
    expect(t.threadsStarted).toBe(s.threads);
    expect(t.threadsExited).toBe(s.threads);
    expect(res.threads).toBe(s.threads + 1);
    // each thread is joined by its successor, the last of each slot by main: none leaks its stack
    expect(t.ops[OP_THREAD_JOIN]).toBe(s.threads);
    expect(t.ops[OP_THREAD_DETACH]).toBe(0);
    expect(res).toMatchObject({ threadJoins: s.threads, threadDetaches: 0, skippedThreadOps: 0 });
    expect(res.lostSeqs).toBe(0);
    expect(res.foreignFrees).toBe(0);
    expect(res.staleAddresses).toBe(0);
    expect(res.truncated).toBe(false);
  });
});

d('recordExec: programs nobody here wrote', () => {
  it('python3 (through a pyenv-style wrapper if any) building and dropping a dict of 1 KB objects', async () => {
    if (!native.ok) return;
    if (spawnSync('python3', ['-c', 'pass']).status !== 0) return void console.warn('python3 missing: skipped');
    const out = join(dir, 'python.trace');
    const res = await recordExec(['python3', '-c', 'd = {i: bytes(1000 + i % 7) for i in range(20000)}\nprint(len(d))\ndel d'], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    expect(res.stdout?.trim()).toBe('20000');
    const t = await tally(out);
    expect(t.ops[OP_ALLOC] + t.ops[OP_CALLOC] + t.ops[OP_MEMALIGN]).toBeGreaterThan(20000);
    expect(t.ops[OP_FREE]).toBeGreaterThan(20000);
    expect(t.ops[OP_REALLOC]).toBeGreaterThan(0);
    expect(t.truncated).toBe(false);
  });

  it('sort on a generated file: output and exit code passed through', async () => {
    if (!native.ok) return;
    const input = join(dir, 'lines.txt');
    const lines = Array.from({ length: 5000 }, (_, i) => `line-${(i * 7919) % 5000}`);
    writeFileSync(input, lines.join('\n') + '\n');
    const out = join(dir, 'sort.trace');
    const res = await recordExec(['sort', input], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toBe(execFileSync('sort', [input], { encoding: 'utf8' }));
    const t = await tally(out);
    expect(t.events).toBeGreaterThan(10);
    const bad = await recordExec(['sort', join(dir, 'no-such-file')], join(dir, 'sort2.trace'), { stdio: 'pipe' });
    expect(bad.exitCode).toBe(2);
    expect(bad.complete).toBe(true);
  });
});

d('recordExec: threads, forks, C++', () => {
  const build = (name: string, src: string, compiler = 'cc', flags: string[] = []): string => {
    const file = join(dir, `${name}.${compiler === 'cc' ? 'c' : 'cpp'}`);
    const exe = join(dir, name);
    writeFileSync(file, src);
    execFileSync(compiler, ['-O1', '-o', exe, file, '-pthread', ...flags]);
    return exe;
  };

  it('8 threads x 60000 events: per-thread order kept, every free of a live id, nothing lost', async () => {
    if (!native.ok) return;
    // Thread k allocates blocks of size 1000*k + (i % 997) + 1 in order i = 0.., frees every other one
    // later, reallocs some: the trace must show each thread's sizes in its program order.
    const exe = build('mt', `#include <pthread.h>
#include <stdlib.h>
#define N 20000
static void *run(void *a) {
  long k = (long)a;
  void **p = malloc(N * sizeof *p);
  for (int i = 0; i < N; i++) p[i] = malloc(1000 * k + (i % 997) + 1);
  for (int i = 0; i < N; i += 2) free(p[i]);
  for (int i = 1; i < N; i += 2) p[i] = realloc(p[i], 1000 * k + (i % 997) + 2);
  for (int i = 1; i < N; i += 2) free(p[i]);
  free(p);
  return 0;
}
int main(void) {
  pthread_t t[8];
  for (long k = 0; k < 8; k++) pthread_create(&t[k], 0, run, (void *)(k + 1));
  for (int k = 0; k < 8; k++) pthread_join(t[k], 0);
  return 0;
}
`);
    const out = join(dir, 'mt.trace');
    const res = await recordExec([exe], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    expect(res.lostSeqs).toBe(0);
    expect(res.foreignFrees).toBe(0);
    expect(res.staleAddresses).toBe(0);
    const r = await openTrace(out); // validation: every free is of a live id, threads in order
    const next = new Map<number, number>(); // tid → next expected i of the alloc phase
    const kOf = new Map<number, number>();
    let allocs = 0;
    let outOfOrder = 0;
    for await (const b of r.batches()) {
      for (let i = 0; i < b.count; i++) {
        if (b.op[i] !== OP_ALLOC || b.tid[i] === 0) continue;
        const size = b.size[i];
        if (size === 20000 * 8) continue; // the pointer array
        const tid = b.tid[i];
        const k = Math.floor((size - 1) / 1000);
        if (!kOf.has(tid)) kOf.set(tid, k);
        const n = next.get(tid) ?? 0;
        if (kOf.get(tid) !== k || size !== 1000 * k + (n % 997) + 1) outOfOrder++;
        next.set(tid, n + 1);
        allocs++;
      }
    }
    expect(outOfOrder).toBe(0);
    expect(allocs).toBe(8 * 20000);
    expect([...next.values()]).toEqual(new Array(8).fill(20000));
  });

  it('--follow-forks records the child process as its own thread; without it only the parent', async () => {
    if (!native.ok) return;
    const exe = build('forker', `#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
  for (int i = 0; i < 100; i++) { void *volatile p = malloc(777); free(p); }
  pid_t c = fork();
  if (c == 0) { for (int i = 0; i < 50; i++) { void *volatile p = malloc(555); free(p); } return 0; }
  waitpid(c, 0, 0);
  return 0;
}
`);
    const followed = await recordExec([exe], join(dir, 'fork1.trace'), { stdio: 'pipe', followForks: true });
    expect(followed.processes).toBe(2);
    const t1 = await tally(join(dir, 'fork1.trace'), 555, 556);
    expect(t1.allocInRange).toBe(50);
    expect(t1.threadsStarted).toBe(1);
    const plain = await recordExec([exe], join(dir, 'fork2.trace'), { stdio: 'pipe' });
    expect(plain.processes).toBe(1);
    expect((await tally(join(dir, 'fork2.trace'), 555, 556)).allocInRange).toBe(0);
    expect((await tally(join(dir, 'fork2.trace'), 777, 778)).allocInRange).toBe(100);
  });

  it('every interposed function: calloc, realloc, reallocarray and the aligned family, exactly', async () => {
    if (!native.ok) return;
    const exe = build('family', `#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
  void *volatile p[8];
  p[0] = calloc(7, 11);
  p[1] = memalign(64, 100);
  posix_memalign((void **)&p[2], 128, 200);
  p[3] = aligned_alloc(256, 512);
  p[4] = valloc(300);
  p[5] = pvalloc(5000);
  p[6] = reallocarray(NULL, 3, 10);
  p[6] = reallocarray(p[6], 9, 10);
  p[7] = realloc(NULL, 40);
  p[7] = realloc(p[7], 0);
  for (int i = 0; i < 7; i++) free(p[i]);
  return 0;
}
`);
    const out = join(dir, 'family.trace.json');
    const res = await recordExec([exe], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    const r = await openTrace(out);
    const seen: string[] = [];
    const page = 4096;
    for await (const b of r.batches()) {
      for (let i = 0; i < b.count; i++) {
        const op = b.op[i];
        if (op === OP_CALLOC && b.size[i] === 77) seen.push('calloc 77');
        if (op === OP_MEMALIGN) seen.push(`memalign ${b.aux[i]} ${b.size[i]}`);
        if (op === OP_ALLOC && (b.size[i] === 30 || b.size[i] === 40)) seen.push(`alloc ${b.size[i]}`);
        if (op === OP_REALLOC && b.size[i] === 90) seen.push('realloc 90');
      }
    }
    expect(seen).toEqual(['calloc 77', 'memalign 64 100', 'memalign 128 200', 'memalign 256 512',
      `memalign ${page} 300`, `memalign ${page} 8192`, 'alloc 30', 'realloc 90', 'alloc 40']);
    expect(r.footer?.memaligns).toBe(5);
  });

  it('C++ operator new/delete are recorded through malloc/free', async () => {
    if (!native.ok) return;
    if (spawnSync('c++', ['--version']).status !== 0) return void console.warn('no C++ compiler: skipped');
    const exe = build('cxx', `#include <vector>
#include <string>
int main() {
  std::vector<std::string*> v;
  for (int i = 0; i < 3000; i++) v.push_back(new std::string(300, 'x'));
  for (auto *s : v) delete s;
  return 0;
}
`, 'c++');
    const out = join(dir, 'cxx.trace');
    const res = await recordExec([exe], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    const t = await tally(out, 301, 302); // the 300-char buffers (+1 for the terminator)
    expect(t.allocInRange).toBe(3000);
    expect(t.freeOfInRange).toBe(3000);
  });
});

d('recordExec: endings', () => {
  const c = (name: string, body: string): string => {
    const src = join(dir, `${name}.c`);
    const exe = join(dir, name);
    writeFileSync(src, `#include <stdlib.h>\n#include <unistd.h>\n#include <signal.h>\n#include <stdio.h>\nint main(int argc, char **argv) { ${body} }\n`);
    execFileSync('cc', ['-O0', '-o', exe, src, '-pthread']);
    return exe;
  };

  it('_exit: footer written, exit code passed', async () => {
    if (!native.ok) return;
    const exe = c('uexit', 'void *p = malloc(100); (void)p; _exit(7);');
    const res = await recordExec([exe], join(dir, 'uexit.trace'), { stdio: 'pipe' });
    expect(res.exitCode).toBe(7);
    expect(res.complete).toBe(true);
    expect(res.end).toEqual({ kind: '_exit', code: 7 });
  });

  it('a caught signal (SIGTERM): footer written, the program dies by the signal', async () => {
    if (!native.ok) return;
    const exe = c('term', 'for (int i = 0; i < 1000; i++) free(malloc(32)); kill(getpid(), SIGTERM); pause(); return 0;');
    const res = await recordExec([exe], join(dir, 'term.trace'), { stdio: 'pipe' });
    expect(res.signal).toBe('SIGTERM');
    expect(res.complete).toBe(true);
    expect(res.end).toEqual({ kind: 'signal', code: 15 });
    const t = await tally(join(dir, 'term.trace'), 32, 33);
    expect(t.allocInRange).toBe(1000);
  });

  it('SIGKILL: the trace is readable up to the last flush and reported truncated', async () => {
    if (!native.ok) return;
    // kills itself once the test saw its 5000 allocations reach the raw log (argv[1] appears)
    const exe = c('killed', 'for (int i = 0; i < 5000; i++) free(malloc(48)); while (access(argv[1], F_OK) != 0) usleep(1000); kill(getpid(), SIGKILL); return 0;');
    const raw = join(dir, 'killed.raw');
    const go = join(dir, 'killed.go');
    const run = recordExec([exe, go], join(dir, 'killed.trace'), { stdio: 'pipe', keepRawLog: raw });
    await waitFor(() => rawLogCount(raw, (op, arg) => op === RAW_OP.MALLOC && arg === 48) >= 5000, 'the 5000 allocations to reach the raw log');
    writeFileSync(go, '');
    const res = await run;
    expect(res.signal).toBe('SIGKILL');
    expect(res.complete).toBe(false);
    expect(res.truncated).toBe(true);
    const t = await tally(join(dir, 'killed.trace'), 48, 49, true);
    expect(t.truncated).toBe(true);
    expect(t.allocInRange).toBe(5000);
  });

  it('free(NULL) and frees of unknown pointers are counted, not events', async () => {
    if (!native.ok) return;
    const exe = c('nulls', 'void *volatile z = NULL; for (int i = 0; i < 10; i++) free(z); void *p = realloc(NULL, 10); p = realloc(p, 1000); free(p); return 0;');
    const res = await recordExec([exe], join(dir, 'nulls.trace'), { stdio: 'pipe' });
    expect(res.nullFrees).toBeGreaterThanOrEqual(10);
    const t = await tally(join(dir, 'nulls.trace'));
    expect(t.ops[OP_REALLOC]).toBeGreaterThanOrEqual(1);
    expect((t.footer as { nullFrees: number }).nullFrees).toBe(res.nullFrees);
  });
});
