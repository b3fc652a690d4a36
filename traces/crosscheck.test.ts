// The fast chunk codec against protobufjs's own codec generated from traces/schema/trace.proto:
// protobufjs decodes our chunk frames to the same columns, and re-encodes them to the same bytes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { traceDecodeChunk, chunkMeta } from './chunkDecode.js';
import { TraceInput } from './input.js';
import { createTraceWriter } from './index.js';
import { traceType } from './schema.js';
import { writeLarsonLike } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-xc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('protobufjs and the fast decoder agree on every chunk; bytes are canonical', async () => {
  const p = join(dir, 'x.pb');
  const w = createTraceWriter(p, { workload: 'x', recorder: 'test' }, { chunkEvents: 2000 });
  await writeLarsonLike(w, 9000, 4, true, 300);
  await w.close();
  const bytes = new Uint8Array(readFileSync(p));
  const Rec = traceType('TraceRecord');
  const inp = new TraceInput();
  let pos = 0, chunks = 0, kinds = '', targets = 0;
  while (pos < bytes.length) {
    let len = 0, sh = 0, c: number;
    const start = pos;
    do { c = bytes[pos++]!; len += (c & 127) * 2 ** sh; sh += 7; } while (c > 127);
    const body = bytes.subarray(pos, pos + len);
    const msg = Rec.decode(body) as unknown as { kind: string; chunk?: Record<string, unknown> };
    kinds += msg.kind[0];
    // protobufjs re-encoding gives the same bytes (length prefix included)
    expect(Buffer.compare(Buffer.from(Rec.encodeDelimited(msg).finish()), Buffer.from(bytes.subarray(start, pos + len)))).toBe(0);
    if (msg.kind === 'chunk') {
      const o = traceType('Chunk').toObject(msg.chunk as never, { longs: Number, arrays: true, bytes: Array }) as Record<string, number[]>;
      // fast decoder over the Chunk body (after the record tag and length)
      let q = pos + 1;
      while (bytes[q]! > 127) q++;
      q++;
      expect(traceDecodeChunk(bytes, q, pos + len, inp)).toBeNull();
      expect(chunkMeta.firstEvent).toBe(Number(o.firstEvent ?? 0));
      expect(Array.from(inp.ops)).toEqual(o.op);
      expect(Array.from(inp.runV.subarray(0, inp.nRunV))).toEqual(o.tidRunValue);
      expect(Array.from(inp.runL.subarray(0, inp.nRunL))).toEqual(o.tidRunLength);
      expect(Array.from(inp.ids.subarray(0, inp.nIds))).toEqual(o.id);
      expect(Array.from(inp.sizes.subarray(0, inp.nSizes))).toEqual(o.size);
      expect(Array.from(inp.aligns.subarray(0, inp.nAligns))).toEqual(o.align);
      expect(inp.marks).toEqual(o.mark);
      expect(Array.from(inp.targets.subarray(0, inp.nTargets))).toEqual(o.threadTarget);
      targets += inp.nTargets;
      expect(o.size!.some((s) => s > 2 ** 32)).toBe(true);
      chunks++;
    }
    pos += len;
  }
  expect(kinds).toBe('h' + 'c'.repeat(chunks) + 'f');
  expect(chunks).toBeGreaterThan(3);
  expect(targets).toBeGreaterThan(5); // thread_join / thread_detach (format version 2)
});
