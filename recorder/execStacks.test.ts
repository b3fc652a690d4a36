// record exec --stacks: a C fixture with two allocation sites (compiled -O0 -fno-omit-frame-pointer
// -g here) recorded with call stacks; the trace's top sites name the right functions (symbolised by
// addr2line) with the right live bytes at the peak and at the end, and every allocation of those
// sites carries its stack; without --stacks the trace has no stacks; the stack table survives
// protobuf → JSON → protobuf (same bytes, same digest); the CLI: --stacks=DEPTH, a bad depth, and
// info --top-sites (text and --json).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertTrace, openTrace, traceTopSites } from '../traces/index.js';
import { recordExec } from './exec.js';
import { cFixture, cliRun } from './execFixtures.testutil.js';
import { nativeArtifacts } from './nativeBuild.js';

const native = nativeArtifacts();
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-stacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// keep_small: 100 live blocks of 1000 B (100,000 B) kept to the end; burst: 40 blocks of 5000 B
// (200,000 B) live together at the peak, then freed. Peak = 300,000 B: burst 200,000, keep 100,000.
const SRC = `
#include <stdlib.h>
#include <stdio.h>
static void *keep[100];
__attribute__((noinline)) void keep_small(void) { for (int i = 0; i < 100; i++) keep[i] = malloc(1000); }
__attribute__((noinline)) void *burst_one(size_t n) { return malloc(n); }
__attribute__((noinline)) void burst(void) {
  void *b[40];
  for (int i = 0; i < 40; i++) b[i] = burst_one(5000);
  for (int i = 0; i < 40; i++) free(b[i]);
}
int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  keep_small();
  burst();
  printf("done %p\\n", keep[99]);
  return 0;
}
`;

let exe = '';
beforeAll(() => {
  exe = cFixture(dir, 'sites', SRC, ['-O0', '-fno-omit-frame-pointer', '-g']);
});

describe.skipIf(!native.ok)('record exec --stacks', () => {
  it('top sites name the functions with their live bytes at the peak and at the end', async () => {
    const out = join(dir, 'sites.pb');
    const r = await recordExec([exe], out, { stdio: 'pipe', stacks: 16 });
    expect(r.verdict.problems).toEqual([]);
    expect(r.stdout).toMatch(/^done 0x/);
    expect(r.stackTables!.stacks).toBeGreaterThanOrEqual(2);
    const s = await traceTopSites(out, { top: 50 });
    expect(s.hasStacks).toBe(true);
    const site = (fn: string) => s.atPeak.find((x) => x.frames[0]?.startsWith(`${fn} (sites.c:`));
    const keep = site('keep_small'), burst = site('burst_one');
    expect(keep, JSON.stringify(s.atPeak.map((x) => x.frames))).toBeDefined();
    expect(burst).toBeDefined();
    expect(burst!.frames[1]).toMatch(/^burst \(sites\.c:\d+\)$/);
    expect(burst!.frames[2]).toMatch(/^main \(sites\.c:\d+\)$/);
    expect(keep!.frames[1]).toMatch(/^main \(sites\.c:\d+\)$/);
    expect([keep!.peakBytes, keep!.endBytes, keep!.allocations]).toEqual([100_000, 100_000, 100]);
    expect([burst!.peakBytes, burst!.endBytes, burst!.allocations]).toEqual([200_000, 0, 40]);
    // the two sites are the top two at the peak (the C library's own allocations are smaller)
    expect(s.atPeak.slice(0, 2).map((x) => x.stack).sort()).toEqual([keep!.stack, burst!.stack].sort());
    expect(s.atEnd[0]!.stack).toBe(keep!.stack);
    // round trip with the stack table
    const js = join(dir, 'sites.json'), back = join(dir, 'sites2.pb');
    await convertTrace(out, js);
    const res = await convertTrace(js, back);
    expect(readFileSync(back).equals(readFileSync(out))).toBe(true);
    expect(res.footer.digest).toBe(r.footer!.digest);
  });

  it('without --stacks the trace has no stack table or column', async () => {
    const out = join(dir, 'plain.pb');
    const r = await recordExec([exe], out, { stdio: 'pipe' });
    expect(r.stackTables).toBeNull();
    const t = await openTrace(out);
    for await (const b of t.batches()) void b;
    expect([t.header.stackDepth, t.stacks.count]).toEqual([0, 0]);
    const s = await traceTopSites(out);
    expect(s.hasStacks).toBe(false);
  });

  it('the CLI: record exec --stacks=8, info --top-sites (text and JSON), a bad depth is a usage error', async () => {
    const out = join(dir, 'cli.pb');
    const rec = await cliRun(['record', 'exec', '--stacks=8', '-o', out, '--', exe]);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stderr).toMatch(/stacks: \d+ distinct stacks, \d+ addresses, \d+ named by addr2line/);
    const text = await cliRun(['info', out, '--top-sites', '2']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/at the peak\n.*\n.*\n +195 KiB +\S+ +40 +burst_one \(sites\.c:\d+\) ← burst \(sites\.c:\d+\) ← main/);
    const js = await cliRun(['info', out, '--top-sites', '--json']);
    const top = JSON.parse(js.stdout).topSites;
    expect(top.atEnd[0].frames[0]).toMatch(/^keep_small \(sites\.c:/);
    expect(top.atEnd[0].endBytes).toBe(100_000);
    const bad = await cliRun(['record', 'exec', '--stacks=0', '-o', join(dir, 'x.pb'), '--', exe]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--stacks depth must be an integer in 1\.\.64/);
  });
});
