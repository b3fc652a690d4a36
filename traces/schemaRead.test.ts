// The hand-written Header / Footer decoders (schemaRead.ts) against protobufjs's reflection decoders
// of trace.proto (schema.ts): the same result on records the writer makes (random values, seeded),
// on hand-built wire bytes protobufjs's writer never makes (unknown fields of every wire type, a
// known field with the wrong wire type, repeated scalars, duplicate and partial map entries, a group),
// and on seeded mutations of both (flipped, inserted, deleted bytes; cuts): either both throw or both
// give the same value.
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { schemaDecodeFooter, schemaDecodeHeader, schemaEncodeFooter, schemaEncodeHeader } from './schema.js';
import { schemaReadFooter, schemaReadHeader } from './schemaRead.js';
import type { TraceFooter, TraceHeader } from './types.js';

interface PbWriter {
  uint32(v: number): PbWriter; uint64(v: number): PbWriter; fixed64(v: { low: number; high: number; unsigned: boolean }): PbWriter; fixed32(v: number): PbWriter;
  string(s: string): PbWriter; bytes(b: Uint8Array): PbWriter; fork(): PbWriter; ldelim(): PbWriter; finish(): Uint8Array;
}
const pb = createRequire(import.meta.url)('protobufjs') as { Writer: { create(): PbWriter } };
const tag = (w: PbWriter, field: number, wt: number): PbWriter => w.uint32((field << 3) | wt);

/** The message inside a TraceRecord's bytes (its one field: tag, length, message). */
function inner(record: Uint8Array): Uint8Array {
  let p = 1, len = 0, sh = 0, c: number;
  do { c = record[p++]!; len += (c & 127) * 2 ** sh; sh += 7; } while (c > 127);
  return record.subarray(p, p + len);
}

type Outcome<T> = { ok: true; value: T } | { ok: false };
function outcome<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
}

function sameHeader(bytes: Uint8Array): void {
  expect(outcome(() => schemaReadHeader(bytes))).toEqual(outcome(() => schemaDecodeHeader(bytes)));
}
function sameFooter(bytes: Uint8Array): void {
  expect(outcome(() => schemaReadFooter(bytes))).toEqual(outcome(() => schemaDecodeFooter(bytes)));
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const u32 = fc.nat({ max: 0xffffffff });
const u53 = fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat());
const headerArb: fc.Arbitrary<TraceHeader> = fc.record({
  magic: fc.oneof(fc.constant('slabtrace'), text), formatVersion: fc.nat({ max: 3 }), workload: text,
  params: fc.dictionary(text, text, { maxKeys: 5 }), args: fc.array(text, { maxLength: 5 }), recorder: text,
  seed: u53, threads: u32, pageSize: u32, createdAtMs: u53, expectedEvents: u53, chunkEvents: u32, stackDepth: fc.nat({ max: 256 }),
});
const footerArb: fc.Arbitrary<TraceFooter> = fc.record({
  events: u53, allocs: u53, frees: u53, reallocs: u53, callocs: u53, memaligns: u53, threadStarts: u53, threadExits: u53,
  marks: u53, peakLiveObjects: u53, peakLiveBytes: u53, bytesAllocated: u53, threadsSeen: u32,
  digest: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((d) => d.toString(16).padStart(16, '0')),
  foreignFrees: u53, nullFrees: u53, threadJoins: u53, threadDetaches: u53,
});

/** Seeded damage: flip, insert or delete a few bytes, or cut the record. */
const damage = fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 });
function damaged(bytes: Uint8Array, ops: [number, number, number][]): Uint8Array {
  const b = [...bytes];
  for (const [kind, at, v] of ops) {
    const i = b.length === 0 ? 0 : at % b.length;
    if (kind === 0) b[i] = v;
    else if (kind === 1) b.splice(i, 0, v);
    else if (kind === 2) b.splice(i, 1);
    else b.length = i;
  }
  return Uint8Array.from(b);
}

/** Wire bytes protobufjs's writer never makes for these messages, over the header's fields. */
function oddHeader(): Uint8Array {
  const w = pb.Writer.create();
  tag(w, 1, 2).string('slabtrace');
  tag(w, 1, 0).uint32(7); // magic with the wrong wire type: an unknown field
  tag(w, 99, 0).uint64(2 ** 40); // unknown fields of every wire type
  tag(w, 98, 1).fixed64({ low: 1, high: 2, unsigned: true });
  tag(w, 97, 2).bytes(Uint8Array.of(1, 2, 3));
  tag(w, 96, 5).fixed32(5);
  tag(w, 95, 3); tag(w, 1, 0).uint32(1); tag(w, 95, 4); // a group, skipped whole
  tag(w, 2, 0).uint32(1); tag(w, 2, 0).uint32(2); // the last value wins
  tag(w, 4, 2).fork(); tag(w, 1, 2).string('b'); tag(w, 2, 2).string('x'); w.ldelim();
  tag(w, 4, 2).fork(); tag(w, 2, 2).string('no key'); w.ldelim(); // key ""
  tag(w, 4, 2).fork(); tag(w, 1, 2).string('a'); w.ldelim(); // value ""
  tag(w, 4, 2).fork(); tag(w, 2, 2).string('y'); tag(w, 1, 2).string('b'); tag(w, 9, 0).uint32(3); w.ldelim(); // later b wins, out of order
  tag(w, 5, 2).string('one'); tag(w, 7, 0).uint64(2 ** 53 + 2); tag(w, 5, 2).string('two');
  tag(w, 11, 2).string('expected_events with the wrong wire type');
  return w.finish();
}

function oddFooter(): Uint8Array {
  const w = pb.Writer.create();
  tag(w, 1, 0).uint64(10); tag(w, 1, 0).uint64(12);
  tag(w, 14, 0).uint64(3); // digest as a varint: unknown
  tag(w, 14, 1).fixed64({ low: 0x89abcdef | 0, high: 0x01234567, unsigned: true });
  tag(w, 13, 0).uint32(4000000000);
  tag(w, 20, 2).string('unknown');
  tag(w, 2, 1).fixed64({ low: 5, high: 0, unsigned: true }); // allocs as fixed64: unknown
  tag(w, 18, 0).uint64(2 ** 60);
  return w.finish();
}

describe('schemaRead: Header and Footer as protobufjs decodes them', () => {
  it('the same values on records the writer makes', () => {
    fc.assert(fc.property(headerArb, (h) => {
      const bytes = inner(schemaEncodeHeader(h));
      expect(schemaReadHeader(bytes)).toEqual(schemaDecodeHeader(bytes));
    }), { seed: 1601, numRuns: 300 });
    fc.assert(fc.property(footerArb, (f) => {
      const bytes = inner(schemaEncodeFooter(f));
      const got = schemaReadFooter(bytes);
      expect(got).toEqual(schemaDecodeFooter(bytes));
      expect(got.digest).toBe(f.digest);
    }), { seed: 1602, numRuns: 300 });
  });

  it('the same values on wire forms the writer never makes', () => {
    const h = schemaReadHeader(oddHeader());
    expect(h).toEqual(schemaDecodeHeader(oddHeader()));
    expect(h).toMatchObject({ magic: 'slabtrace', formatVersion: 2, params: { '': 'no key', a: '', b: 'y' }, args: ['one', 'two'], expectedEvents: 0 });
    const f = schemaReadFooter(oddFooter());
    expect(f).toEqual(schemaDecodeFooter(oddFooter()));
    expect(f).toMatchObject({ events: 12, allocs: 0, threadsSeen: 4000000000, digest: '0123456789abcdef', threadDetaches: 2 ** 60 });
  });

  it('damaged records: both throw, or both give the same value (seeded mutations)', () => {
    const headers = fc.oneof(headerArb.map((h) => inner(schemaEncodeHeader(h))), fc.constant(oddHeader()));
    fc.assert(fc.property(headers, damage, (bytes, ops) => sameHeader(damaged(bytes, ops))), { seed: 1603, numRuns: 2000 });
    const footers = fc.oneof(footerArb.map((f) => inner(schemaEncodeFooter(f))), fc.constant(oddFooter()));
    fc.assert(fc.property(footers, damage, (bytes, ops) => sameFooter(damaged(bytes, ops))), { seed: 1604, numRuns: 2000 });
  });
});
