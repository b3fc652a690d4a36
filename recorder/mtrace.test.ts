// importMtrace: hand-written logs (every line kind, errors with line numbers, lenient mode) and a
// real log from glibc (libc_malloc_debug.so + MALLOC_TRACE) when a C compiler and the library exist.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace } from '../traces/index.js';
import { importMtrace, MtraceError } from './mtrace.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-mtrace-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function events(path: string): Promise<Array<[string, number, number]>> {
  const r = await openTrace(path);
  const out: Array<[string, number, number]> = [];
  const names = ['alloc', 'free', 'realloc', 'calloc', 'memalign', 'thread_start', 'thread_exit', 'mark'];
  for await (const b of r.batches()) for (let i = 0; i < b.count; i++) out.push([names[b.op[i]], b.id[i], b.size[i]]);
  return out;
}

const SAMPLE = [
  '= Start',
  '@ ./prog:[0x401156] + 0x4052a0 0x64',
  '@ ./prog:(main+0x2a)[0x40117a] + 0x405310 0x20',
  '@ /lib/x86_64-linux-gnu/libc.so.6:(tdestroy+0x1c)[0x7f0011223344] - 0x4052a0',
  '@ [0x401190] < 0x405310',
  '@ [0x401190] > 0x405340 0x400',
  '@ ./prog:[0x4011a0] - 0x7fff00001000',
  '@ ./prog:[0x4011a0] - (nil)',
  '@ ./prog:[0x4011b0] + (nil) 0xffffffffff',
  '@ ./prog:[0x4011c0] ! 0x405340 0x10000000000',
  '@ ./prog:[0x4011d0] + 0x4052a0 0',
  '- 0x405340',
  '= End',
].join('\n') + '\n';

describe('importMtrace', () => {
  it('converts every line kind, counting foreign and null frees', async () => {
    const src = join(dir, 'sample.mtrace');
    writeFileSync(src, SAMPLE);
    const out = join(dir, 'sample.trace.json');
    const s = await importMtrace(src, out);
    expect(s).toMatchObject({
      allocs: 3, frees: 2, reallocs: 1, foreignFrees: 1, nullFrees: 1, failedAllocs: 1, failedReallocs: 1,
      zeroSizeAllocs: 1, starts: 1, ends: 1, liveAtEnd: 1, lines: 13, skippedLines: 0,
    });
    expect(await events(out)).toEqual([
      ['alloc', 0, 100], ['alloc', 1, 32], ['free', 0, 0], ['realloc', 1, 1024], ['alloc', 0, 1], ['free', 1, 0],
    ]);
    expect(s.footer.foreignFrees).toBe(1);
    expect(s.footer.nullFrees).toBe(1);
  });

  it('reads from a stream too', async () => {
    const out = join(dir, 'stream.trace');
    const s = await importMtrace(Readable.from([SAMPLE]), out, { name: 'piped' });
    expect(s.events).toBe(6);
  });

  it('rejects unknown and malformed lines with the line number and what was expected', async () => {
    const cases: Array<[string, string, number]> = [
      ['= Start\n+ 0x10 0x8\nhello\n', 'MTRACE_UNKNOWN_LINE', 3],
      ['+ 0x10\n', 'MTRACE_SYNTAX', 1],
      ['= Start\n+ zz 0x8\n', 'MTRACE_SYNTAX', 2],
      ['+ 0x10 0x8\n< 0x10\n- 0x10\n', 'MTRACE_REALLOC_ORDER', 3],
      ['> 0x10 0x8\n', 'MTRACE_REALLOC_ORDER', 1],
      ['+ 0x10 0x8\n+ 0x10 0x8\n', 'MTRACE_ALLOC_LIVE', 2],
      ['= Begin\n', 'MTRACE_SYNTAX', 1],
    ];
    for (const [text, code, line] of cases) {
      const src = join(dir, 'bad.mtrace');
      writeFileSync(src, text);
      const err = await importMtrace(src, join(dir, 'bad.trace')).then(() => null, (e: unknown) => e);
      expect(err, text).toBeInstanceOf(MtraceError);
      expect((err as MtraceError).code, text).toBe(code);
      expect((err as MtraceError).line, text).toBe(line);
      expect((err as MtraceError).file).toBe(src);
      expect((err as MtraceError).expected.length).toBeGreaterThan(0);
      expect((err as MtraceError).message).toContain(`${src}:${line}: ${code}`);
    }
  });

  it('--lenient skips bad lines and counts them', async () => {
    const src = join(dir, 'lenient.mtrace');
    writeFileSync(src, '= Start\n+ 0x10 0x8\nhello\n+ 0x20\n- 0x10\n= End\n');
    const s = await importMtrace(src, join(dir, 'lenient.trace'), { lenient: true });
    expect(s.skippedLines).toBe(2);
    expect(s.allocs).toBe(1);
    expect(s.frees).toBe(1);
  });

  it('a size beyond the trace format (2^40) is an error on its input line, skipped with --lenient', async () => {
    const src = join(dir, 'huge.mtrace');
    writeFileSync(src, '= Start\n+ 0x10 0x8\n+ 0x20 0x20000000000\n- 0x10\n= End\n');
    const err = await importMtrace(src, join(dir, 'huge.trace')).then(() => null, (e: unknown) => e as MtraceError);
    expect(err).toBeInstanceOf(MtraceError);
    expect(err!.message).toContain(`${src}:3:`);
    expect(err!.message).toMatch(/beyond the trace format's limit/);
    const s = await importMtrace(src, join(dir, 'huge.trace'), { lenient: true });
    expect(s.skippedLines).toBe(1);
    expect(s.allocs).toBe(1);
  });
});

const debugLib = ['/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0', '/usr/lib/aarch64-linux-gnu/libc_malloc_debug.so.0',
  '/lib64/libc_malloc_debug.so.0', '/usr/lib64/libc_malloc_debug.so.0'].find((p) => existsSync(p));
const hasCc = spawnSync('cc', ['--version']).status === 0;
if (!debugLib || !hasCc) console.warn(`real mtrace test skipped: ${!hasCc ? 'no C compiler' : 'no libc_malloc_debug.so'}`);

(debugLib && hasCc ? describe : describe.skip)('importMtrace on glibc output', () => {
  it('imports what libc_malloc_debug.so wrote, with exact counts', async () => {
    const src = join(dir, 'prog.c');
    writeFileSync(src, `#include <mcheck.h>
#include <stdlib.h>
int main(void) {
  mtrace();
  void *keep[100];
  for (int i = 0; i < 100; i++) keep[i] = malloc(16 + i);
  for (int i = 0; i < 100; i += 2) keep[i] = realloc(keep[i], 4000 + i);
  void *c = calloc(10, 10);
  free(c);
  for (int i = 0; i < 100; i++) free(keep[i]);
  muntrace();
  return 0;
}
`);
    const exe = join(dir, 'prog');
    execFileSync('cc', ['-O0', '-o', exe, src]);
    const log = join(dir, 'prog.mtrace');
    execFileSync(exe, { env: { ...process.env, LD_PRELOAD: debugLib, MALLOC_TRACE: log } });
    const out = join(dir, 'prog.trace');
    const s = await importMtrace(log, out);
    expect(s.allocs).toBe(101);
    expect(s.reallocs).toBe(50);
    expect(s.frees).toBe(101);
    expect(s.liveAtEnd).toBe(0);
    const ev = await events(out);
    expect(ev.filter((e) => e[0] === 'alloc').length).toBe(101);
    expect(ev.filter((e) => e[0] === 'realloc').length).toBe(50);
    expect(ev.filter((e) => e[0] === 'free').length).toBe(101);
  });
});
