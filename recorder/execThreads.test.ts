// Native capture of the thread lifecycle (trace format version 2): a C program compiled here creates
// joined threads, a thread detached at creation, one detached after it exited, one that detaches
// itself, two that call pthread_exit, one joined by pthread_tryjoin_np after a failed try, and a
// zombie never joined. The trace is read back with validation (every join names an exited, unreleased
// thread; every detach a started, unreleased one) and summarised by `slabtrace info`'s traceInfo
// (imported from replayer/ by this test only; recorder/ itself never imports it).
// The program waits for a thread's kernel task to disappear before acting on its exit, so the order
// asserted here does not depend on timing. Skips when no C compiler is available.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace, OP_ALLOC, OP_CALLOC, OP_MEMALIGN, OP_REALLOC, OP_THREAD_DETACH, OP_THREAD_EXIT, OP_THREAD_JOIN, OP_THREAD_START } from '../traces/index.js';
import { recordExec } from './exec.js';
import { nativeArtifacts } from './nativeBuild.js';

const native = nativeArtifacts();
if (!native.ok) console.warn(`native thread capture tests skipped: ${native.reason}`);
const d = native.ok ? describe : describe.skip;
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-threads-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIFECYCLE_C = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static _Atomic long ktid[16];
static _Atomic int self_join_rc = -1, go9;

/* Waits until thread k has published its kernel id and its task is gone (destructors done). */
static void wait_gone(int k) {
  char path[64];
  struct timespec d = {0, 1000000};
  while (atomic_load(&ktid[k]) == 0) nanosleep(&d, NULL);
  snprintf(path, sizeof path, "/proc/self/task/%ld", atomic_load(&ktid[k]));
  while (access(path, F_OK) == 0) nanosleep(&d, NULL);
}
static void note(long k) { atomic_store(&ktid[k], syscall(SYS_gettid)); }
static void churn(int n, size_t size) {
  for (int i = 0; i < n; i++) { void *volatile p = malloc(size); free(p); }
}
static void *worker(void *a) { churn(100, (size_t)(long)a); return NULL; }
static void *noted(void *a) { churn(10, 1000 + (size_t)(long)a); note((long)a); return NULL; }
static void *quitter(void *a) { note((long)a); pthread_exit((void *)(40 + (long)a)); }
static void *self_detacher(void *a) {
  pthread_detach(pthread_self());
  atomic_store(&self_join_rc, pthread_join(pthread_self(), NULL)); /* fails: records nothing */
  churn(10, 1007);
  note((long)a);
  return NULL;
}
static void *waiter(void *a) {
  struct timespec d = {0, 1000000};
  while (!atomic_load(&go9)) nanosleep(&d, NULL);
  churn(10, 1009);
  note((long)a);
  return NULL;
}

int main(void) {
  pthread_t t[10];
  pthread_attr_t det;
  void *r5 = NULL, *r8 = NULL;
  pthread_attr_init(&det);
  pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
  pthread_create(&t[1], NULL, worker, (void *)101L);   /* 1, 2: joined at the end */
  pthread_create(&t[2], NULL, worker, (void *)102L);
  pthread_create(&t[3], &det, noted, (void *)3L);      /* 3: detached at creation */
  wait_gone(3);
  pthread_create(&t[4], NULL, noted, (void *)4L);      /* 4: detached after it exited */
  wait_gone(4);
  pthread_detach(t[4]);
  pthread_create(&t[5], NULL, quitter, (void *)5L);    /* 5: pthread_exit (loads the unwinder), joined */
  pthread_join(t[5], &r5);
  pthread_create(&t[6], NULL, noted, (void *)6L);      /* 6: exits, never joined: a zombie */
  wait_gone(6);
  pthread_create(&t[7], NULL, self_detacher, (void *)7L); /* 7: detaches itself */
  wait_gone(7);
  pthread_create(&t[8], NULL, quitter, (void *)8L);    /* 8: pthread_exit, never allocates, joined */
  pthread_join(t[8], &r8);
  pthread_create(&t[9], NULL, waiter, (void *)9L);     /* 9: a failed tryjoin, then a tryjoin */
  int busy = pthread_tryjoin_np(t[9], NULL);
  atomic_store(&go9, 1);
  wait_gone(9);
  int tried = pthread_tryjoin_np(t[9], NULL);
  pthread_join(t[1], NULL);
  pthread_join(t[2], NULL);
  printf("lifecycle: r5=%ld r8=%ld self_join_failed=%d busy=%d tried=%d\n", (long)r5, (long)r8,
         atomic_load(&self_join_rc) != 0, busy == EBUSY, tried);
  return 0;
}
`;

interface ThreadFacts {
  joins: string[];
  detaches: string[];
  /** Index in the event stream of each thread op, by "op tid[>target]". */
  at: Map<string, number>;
  allocsByTid: Map<number, number>;
  firstAllocAt: Map<number, number>;
  joined: Set<number>;
  detached: Set<number>;
  /** Exited and never joined or detached at the end of the trace. */
  leaked: Set<number>;
}

async function threadFacts(path: string): Promise<ThreadFacts> {
  const r = await openTrace(path); // validation on: the reader enforces the join/detach rules
  const f: ThreadFacts = { joins: [], detaches: [], at: new Map(), allocsByTid: new Map(), firstAllocAt: new Map(), joined: new Set(), detached: new Set(), leaked: new Set() };
  const exited = new Set<number>();
  for await (const b of r.batches()) {
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i];
      const tid = b.tid[i];
      const k = b.first + i;
      if (op === OP_ALLOC || op === OP_CALLOC || op === OP_MEMALIGN || op === OP_REALLOC) {
        f.allocsByTid.set(tid, (f.allocsByTid.get(tid) ?? 0) + 1);
        if (!f.firstAllocAt.has(tid)) f.firstAllocAt.set(tid, k);
      } else if (op === OP_THREAD_START) {
        f.at.set(`start ${tid}`, k);
        exited.delete(tid);
      } else if (op === OP_THREAD_EXIT) {
        f.at.set(`exit ${tid}`, k);
        exited.add(tid);
      } else if (op === OP_THREAD_JOIN || op === OP_THREAD_DETACH) {
        const target = b.aux[i];
        const name = `${tid}>${target}`;
        (op === OP_THREAD_JOIN ? f.joins : f.detaches).push(name);
        f.at.set(`${op === OP_THREAD_JOIN ? 'join' : 'detach'} ${name}`, k);
        (op === OP_THREAD_JOIN ? f.joined : f.detached).add(target);
      }
    }
  }
  for (const t of exited) if (!f.joined.has(t) && !f.detached.has(t)) f.leaked.add(t);
  return f;
}

d('recordExec: thread lifecycle (join, detach, pthread_exit, zombies)', () => {
  it('records who joined, detached and leaked which thread, in an order the reader accepts', async () => {
    if (!native.ok) return;
    const src = join(dir, 'lifecycle.c');
    const exe = join(dir, 'lifecycle');
    writeFileSync(src, LIFECYCLE_C);
    execFileSync('cc', ['-O1', '-o', exe, src, '-pthread']);
    const out = join(dir, 'lifecycle.trace');
    const res = await recordExec([exe], out, { stdio: 'pipe' });
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toContain('lifecycle: r5=45 r8=48 self_join_failed=1 busy=1 tried=0');
    expect(res).toMatchObject({ complete: true, lostSeqs: 0, threads: 10, threadJoins: 5, threadDetaches: 3, threadRestarts: 0, skippedThreadOps: 0 });

    const f = await threadFacts(out);
    // the main thread is 0; created threads are numbered in creation order
    expect([...f.joins].sort()).toEqual(['0>1', '0>2', '0>5', '0>8', '0>9']);
    expect([...f.detaches].sort()).toEqual(['0>4', '3>3', '7>7']);
    expect([...f.leaked]).toEqual([6]);
    for (let t = 1; t <= 9; t++) expect(f.at.get(`exit ${t}`)).toBeGreaterThan(f.at.get(`start ${t}`)!);
    // detached at creation: by itself as it starts, before its start routine runs; detached after
    // its exit: the detach comes later
    expect(f.at.get('detach 3>3')).toBeGreaterThan(f.at.get('start 3')!);
    expect(f.at.get('detach 3>3')).toBeLessThan(f.firstAllocAt.get(3)!);
    expect(f.at.get('detach 0>4')).toBeGreaterThan(f.at.get('exit 4')!);
    for (const j of f.joins) expect(f.at.get(`join ${j}`)).toBeGreaterThan(f.at.get(`exit ${j.split('>')[1]}`)!);
    // pthread_exit from a thread that never allocated: a plain start/exit pair
    expect(f.allocsByTid.get(8) ?? 0).toBe(0);

    // `slabtrace info` (the same function the command prints)
    const { traceInfo } = await import('../replayer/index.js');
    const info = await traceInfo(out);
    expect(info.formatVersion).toBe(2);
    expect(info.ops.thread_join).toBe(5);
    expect(info.ops.thread_detach).toBe(3);
    expect(info.threads).toBe(10);
    expect(info.threadLifecycle).toMatchObject({ started: 9, exited: 9, joined: 5, detached: 3, leaked: 1, liveAtEnd: 1 });
  });
});
