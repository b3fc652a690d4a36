// convert and cut take --drop-stacks: the output of a trace with call stacks has none (header stack
// depth 0), the same events and the same digest (stack ids are not part of it); without the option the
// stacks stay. Runs the built binary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTraceWriter, openTrace } from '../../traces/index.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'ui', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'slabtrace-dropstacks-'));
const input = join(dir, 'stacky.pb');

function run(args: string[]): { code: number; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, err: r.stderr };
}

async function facts(file: string): Promise<{ depth: number; digest: string | null; events: number; stacks: number }> {
  const r = await openTrace(file);
  let events = 0;
  let stacks = 0;
  for await (const b of r.batches()) {
    events += b.count;
    if (r.header.stackDepth > 0) for (let i = 0; i < b.count; i++) if (b.stack![i]! > 0) stacks++;
  }
  return { depth: r.header.stackDepth, digest: r.digest, events, stacks };
}

beforeAll(async () => {
  const w = createTraceWriter(input, { workload: 'stacky', recorder: 'test', formatVersion: 2, stackDepth: 8 });
  const a = w.defineStack(['leaf (a.c:3)', 'main (a.c:10)']);
  const b = w.defineStack(['other (b.c:7)', 'main (a.c:11)']);
  const ids: number[] = [];
  for (let i = 0; i < 200; i++) ids.push(w.alloc(0, 16 + i, i % 2 === 0 ? a : b));
  for (const id of ids) w.free(0, id);
  await w.close();
});

describe('--drop-stacks', () => {
  it('convert and cut drop the stacks and keep the events and the digest; without it they stay', async () => {
    const src = await facts(input);
    expect(src).toMatchObject({ depth: 8, events: 400, stacks: 200 });
    const kept = join(dir, 'kept.json');
    const conv = join(dir, 'conv.json');
    const cut = join(dir, 'cut.pb');
    expect(run(['convert', input, kept, '-q']).code).toBe(0);
    expect(run(['convert', input, conv, '--drop-stacks', '-q']).code).toBe(0);
    expect(run(['cut', input, '-o', cut, '--drop-stacks', '-q']).code).toBe(0);
    expect(await facts(kept)).toEqual(src);
    for (const f of [conv, cut]) expect(await facts(f)).toEqual({ ...src, depth: 0, stacks: 0 });
  });
});
