// Output files are written safely (output.ts): renamed into place on success, nothing left on failure,
// an existing file kept intact when a command fails, the partial output kept only when asked (an
// interrupted recording), an output that is the input refused.
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputAtomic } from './output.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-output-'));

describe('outputAtomic', () => {
  it('writes to a temporary name with the same extensions, then renames it', async () => {
    const out = join(dir, 'a.json.gz');
    const seen = await outputAtomic(out, async (dest) => { writeFileSync(dest, 'new'); return dest; });
    expect(seen.endsWith('.a.json.gz')).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((f) => f.startsWith('.slabtrace-'))).toEqual([]);
  });

  it('a failure leaves no file and keeps an existing one intact', async () => {
    const out = join(dir, 'b.pb');
    writeFileSync(out, 'old');
    await expect(outputAtomic(out, async (dest) => { writeFileSync(dest, 'half'); throw new Error('boom'); })).rejects.toThrow('boom');
    expect(readFileSync(out, 'utf8')).toBe('old');
    const fresh = join(dir, 'c.pb');
    await expect(outputAtomic(fresh, async (dest) => { writeFileSync(dest, 'half'); throw new Error('boom'); })).rejects.toThrow('boom');
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.slabtrace-'))).toEqual([]);
  });

  it('keeps the partial output when keepOn says so (an interrupted recording)', async () => {
    const out = join(dir, 'd.pb');
    class Stop extends Error {}
    await expect(outputAtomic(out, async (dest) => { writeFileSync(dest, 'partial'); throw new Stop(); }, { keepOn: (e) => e instanceof Stop })).rejects.toThrow();
    expect(readFileSync(out, 'utf8')).toBe('partial');
  });

  it('refuses an output that is the input, also through a hard link, before opening anything', async () => {
    const input = join(dir, 'in.pb');
    writeFileSync(input, 'trace');
    const link = join(dir, 'link.pb');
    linkSync(input, link);
    let called = false;
    for (const out of [input, link]) {
      await expect(outputAtomic(out, async () => { called = true; }, { inputs: [input] })).rejects.toThrow(/same file as the input/);
    }
    expect(called).toBe(false);
    expect(readFileSync(input, 'utf8')).toBe('trace');
  });
});
