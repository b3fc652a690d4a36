// jsonWrite: valid JSON equal to the value, long arrays one element per line, written in pieces.
import { describe, expect, it } from 'vitest';
import { JsonArrayStream, jsonWrite } from './jsonOut.js';

async function render(value: unknown): Promise<{ text: string; pieces: number }> {
  let text = '';
  let pieces = 0;
  await jsonWrite(value, async (s) => { text += s; pieces++; return true; });
  return { text, pieces };
}

describe('jsonWrite', () => {
  it('round-trips nested values; short arrays and objects are pretty-printed as JSON.stringify does', async () => {
    const v = { a: 1, b: [1, 2], c: { d: 'x', e: null, f: [] }, g: 'q"uote', h: undefined };
    const { text } = await render(v);
    expect(JSON.parse(text)).toEqual({ a: 1, b: [1, 2], c: { d: 'x', e: null, f: [] }, g: 'q"uote' });
    expect(text).toBe(`${JSON.stringify({ a: 1, b: [1, 2], c: { d: 'x', e: null, f: [] }, g: 'q"uote' }, null, 2)}\n`);
  });

  it('200,000 marks: one line each, many small writes, the same value back', async () => {
    const marks = Array.from({ length: 200_000 }, (_, i) => ({ name: `m${i}`, event: i }));
    const { text, pieces } = await render({ events: 5, marks });
    expect(pieces).toBeGreaterThan(300);
    expect(JSON.parse(text)).toEqual({ events: 5, marks });
    expect(text.split('\n').length).toBeLessThan(200_010);
  });

  it('stops when the reader goes away', async () => {
    let calls = 0;
    const ok = await jsonWrite({ marks: Array.from({ length: 5000 }, (_, i) => i) }, async () => ++calls < 3);
    expect(ok).toBe(false);
    expect(calls).toBe(3);
  });

  it('an array streamed from memory then from JSON texts equals the whole array; empty parts are fine', async () => {
    async function* texts(from: number, to: number): AsyncGenerator<string> {
      for (let i = from; i < to; i++) yield JSON.stringify({ i });
    }
    const all = Array.from({ length: 1500 }, (_, i) => ({ i }));
    for (const [head, rest] of [[1000, 500], [0, 1500], [1500, 0], [0, 0]] as const) {
      const { text } = await render({ a: 1, marks: new JsonArrayStream(all.slice(0, head), texts(head, head + rest)), z: 2 });
      expect(JSON.parse(text)).toEqual({ a: 1, marks: all.slice(0, head + rest), z: 2 });
    }
  });
});
