// Processes under --follow-forks: a C program forks a child that execs itself twice (a fork+exec
// chain) and a child that never execs; each allocates blocks of its own marker sizes and keeps some.
// One trace per process (-o DIR/): each holds exactly its process's blocks, threads renumbered from 0
// with no extra thread for an exec'd image; --exec-only-final keeps only the last image; the merged
// trace releases a child's blocks and threads at its end (heaps of ended processes do not add up).
// And a shell pipeline run several times gives the same processes, each complete, every time.
// Skips when no C compiler is available.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace, OP_ALLOC, OP_FREE, OP_THREAD_DETACH, OP_THREAD_EXIT, OP_THREAD_JOIN, OP_THREAD_START } from '../traces/index.js';
import { recordExec, type RecordExecResult } from './exec.js';
import { cFixture } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`process capture tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-processes-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** argv[1]: root | b | c (exec'd through /proc/self/exe: the kernel names those images 'exe'). Sizes: root 600 (10) + 607 kept (3); child 1: 601 (20), exec → b: 602 (30),
 * exec → c: 603 (40) + 604 kept (5); child 2 (no exec): 605 (50) + 606 kept (7). */
const CHAIN_C = String.raw`#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static void churn(int n, size_t size) { for (int i = 0; i < n; i++) { void *volatile p = malloc(size); free(p); } }
static void keep(int n, size_t size) { for (int i = 0; i < n; i++) { void *volatile p = malloc(size); (void)p; } }
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "root";
  if (!strcmp(mode, "b")) { churn(30, 602); execl("/proc/self/exe", "chain", "c", (char *)NULL); return 99; }
  if (!strcmp(mode, "c")) { churn(40, 603); keep(5, 604); return 0; }
  churn(10, 600);
  pid_t c1 = fork();
  if (c1 == 0) { churn(20, 601); execl("/proc/self/exe", "chain", "b", (char *)NULL); _exit(99); }
  waitpid(c1, NULL, 0);
  pid_t c2 = fork();
  if (c2 == 0) { churn(50, 605); keep(7, 606); exit(0); }
  waitpid(c2, NULL, 0);
  keep(3, 607);
  return 0;
}
`;

let chainExe = '';
const chain = (): string => (chainExe ||= cFixture(dir, 'chain', CHAIN_C));

interface Tally { allocs: Map<number, number>; frees: Map<number, number>; threadStarts: number; threadExits: number; released: number; truncated: boolean }

/** Allocations and frees per block size (marker sizes 600..607), and thread events, of a trace. */
async function tally(path: string): Promise<Tally> {
  const r = await openTrace(path);
  const sizeOf = new Map<number, number>();
  const t: Tally = { allocs: new Map(), frees: new Map(), threadStarts: 0, threadExits: 0, released: 0, truncated: false };
  const add = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i];
      if (op === OP_ALLOC && b.size[i] >= 600 && b.size[i] < 608) { sizeOf.set(b.id[i], b.size[i]); add(t.allocs, b.size[i]); }
      else if (op === OP_FREE && sizeOf.has(b.id[i])) { add(t.frees, sizeOf.get(b.id[i])!); sizeOf.delete(b.id[i]); }
      else if (op === OP_THREAD_START) t.threadStarts++;
      else if (op === OP_THREAD_EXIT) t.threadExits++;
      else if (op === OP_THREAD_JOIN || op === OP_THREAD_DETACH) t.released++;
    }
  }
  t.truncated = r.truncated;
  return t;
}

const sizes = (m: Map<number, number>): Record<number, number> => Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));

/** The per-process files of a run, in process order, with their images' names. */
function files(r: RecordExecResult): { file: string; images: string[]; root: boolean }[] {
  return r.files.map((f) => ({ file: f.file, images: f.images, root: f.root }));
}

d('--follow-forks: one trace per process', () => {
  it('a fork+exec chain and a plain fork: each process its own blocks, its own thread 0, no extra thread', async () => {
    const r = await recordExec([chain()], { dir: join(dir, 'pp') }, { stdio: 'pipe', followForks: true });
    expect(r.verdict.problems).toEqual([]);
    expect(files(r).map((f) => [f.images, f.root])).toEqual([[['chain'], true], [['chain', 'exe', 'exe'], false], [['chain'], false]]);
    const [root, c1, c2] = await Promise.all(r.files.map((f) => tally(f.file)));
    expect(sizes(root.allocs)).toEqual({ 600: 10, 607: 3 });
    expect(sizes(c1.allocs)).toEqual({ 601: 20, 602: 30, 603: 40, 604: 5 });
    expect(sizes(c2.allocs)).toEqual({ 605: 50, 606: 7 });
    for (const t of [root, c1, c2]) expect([t.threadStarts, t.threadExits, t.truncated]).toEqual([0, 0, false]);
    expect(r).toMatchObject({ processes: 3, execs: 2, lostSeqs: 0 });
    const index = JSON.parse(readFileSync(join(dir, 'pp', 'index.json'), 'utf8')) as { processes: { file: string; pid: number; ppid: number }[] };
    expect(index.processes.map((p) => p.ppid)).toEqual([r.files[0].ppid, r.files[0].pid, r.files[0].pid]);
  });

  it('--exec-only-final: the chain\'s trace holds only its last image', async () => {
    const r = await recordExec([chain()], { dir: join(dir, 'final') }, { stdio: 'pipe', followForks: true, execOnlyFinal: true });
    expect(r.verdict.problems).toEqual([]);
    const c1 = await tally(r.files[1].file);
    expect(sizes(c1.allocs)).toEqual({ 603: 40, 604: 5 });
    expect(r.skippedImageEvents).toBeGreaterThan(50);
  });

  it('merged into one trace: a child\'s blocks and thread are released when it ends', async () => {
    const out = join(dir, 'merged.pb');
    const r = await recordExec([chain()], out, { stdio: 'pipe', followForks: true });
    expect(r.verdict.problems).toEqual([]);
    const t = await tally(out);
    expect(sizes(t.allocs)).toEqual({ 600: 10, 601: 20, 602: 30, 603: 40, 604: 5, 605: 50, 606: 7, 607: 3 });
    // every block of the children is freed (the kept ones when their process ended); the root's 3 stay
    expect(sizes(t.frees)).toEqual({ 600: 10, 601: 20, 602: 30, 603: 40, 604: 5, 605: 50, 606: 7 });
    expect([t.threadStarts, t.threadExits, t.released]).toEqual([2, 2, 2]);
  });
});

d('--follow-forks: a shell pipeline, run after run', () => {
  it('bash -c "ls; cat | wc; sort | head": the same processes, each complete, 6 runs out of 6', async () => {
    const script = 'ls /usr >/dev/null; cat /etc/services | wc >/dev/null; sort /etc/services | head -2 >/dev/null';
    const shapes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await recordExec(['bash', '-c', script], { dir: join(dir, `pipeline${i}`) }, { stdio: 'pipe', followForks: true });
      expect(r.verdict.problems, `run ${i}`).toEqual([]);
      expect(r.files.every((f) => f.complete && f.events > 0), `run ${i}`).toBe(true);
      shapes.add(r.files.map((f) => f.images.join('>')).sort().join(' '));
    }
    expect([...shapes]).toEqual(['bash bash>cat bash>head bash>ls bash>sort bash>wc']);
  }, 120_000);
});
