// Test support (not public API): the properties of the fuzz suite, shared by fuzzProperty.test.ts
// (seeded, ~2,000 cases) and bench/fuzz.bench.ts (long mode). Assertions are node:assert's, so a
// failing case throws wherever it runs and fast-check shrinks it. Each property checks one claim:
// - grid: every form (pb, pb.gz, json, json.gz) gives the same events with their global indices,
//   counts, footer verdict and error (code and event), the one the reference model predicts, and
//   names the offset of the frame / line at fault;
// - cut: a stream cut at any byte reads up to its last complete chunk (pb) / line (JSON), in every
//   form, quietly with allowTruncated, else TRUNCATED;
// - damage: damaged bytes (flips, insertions, deletions, copies, huge varints for length fields)
//   end in events or a coded TraceError with an offset, never another exception or a hang, with the
//   reader's memory bounded by its input.
import { deepStrictEqual, ok } from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { constants, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { TRACE_ERROR_CODES } from './errors.js';
import { fuzzCaseArb, fuzzTrace, type FuzzCase } from './fuzzCase.js';
import { fuzzEncode, fuzzGzip, type FuzzForms, type FuzzTrace } from './fuzzEncode.js';
import { fuzzExpect } from './fuzzModel.js';
import { fuzzRead, type FuzzOutcome } from './fuzzRead.js';
import { writeLarsonLike } from './testkit.js';
import { varintBytes } from './varint.js';
import { createTraceWriter } from './writer.js';

const PIECES = [1, 7, 64, 1000, 1 << 16];
const FORMS = ['pb', 'pb.gz', 'json', 'json.gz'] as const;
type Form = (typeof FORMS)[number];

/** The reader's memory bound for an input of n decompressed bytes. */
export function fuzzMemoryBound(n: number): number {
  return (16 << 20) + 64 * n;
}

function formBytes(f: FuzzForms, form: Form): Uint8Array {
  return form === 'pb' ? f.pb : form === 'json' ? f.json : fuzzGzip(form === 'pb.gz' ? f.pb : f.json);
}

/** Offset a reader's error about event i must name: its chunk's frame, or its line. */
function eventOffset(f: FuzzForms, form: Form, i: number): number {
  if (form.startsWith('json')) return f.lineOffsets[i]!;
  let k = 0;
  while (k + 1 < f.chunkFirst.length && f.chunkFirst[k + 1]! <= i) k++;
  return f.chunkOffsets[k]!;
}

/** The outcome without what differs by form (offsets, messages, footprint). */
function comparable(o: FuzzOutcome): unknown {
  return { ...o, error: o.error && { code: o.error.code, event: o.error.event }, footprint: 0 };
}

function checkError(o: FuzzOutcome, size: number): void {
  if (!o.error) return;
  ok(TRACE_ERROR_CODES.includes(o.error.code), `unknown code ${o.error.code}`);
  ok(Number.isInteger(o.error.offset) && o.error.offset >= 0 && o.error.offset <= size, `offset ${o.error.offset} of ${size}: ${o.error.message}`);
  ok(o.error.event >= -1, o.error.message);
}

function errorIs(o: FuzzOutcome, want: { code: string; event?: number; offset?: number }): void {
  ok(o.error !== null, `expected ${want.code}, the read succeeded`);
  const got: Record<string, unknown> = { code: o.error.code };
  if (want.event !== undefined) got.event = o.error.event;
  if (want.offset !== undefined) got.offset = o.error.offset;
  deepStrictEqual(got, want, o.error.message);
}

export async function fuzzGridCase(c: FuzzCase, piece: number, lenient: boolean): Promise<void> {
  // a version-1 footer has no join/detach counts in JSON: getting them wrong is not the same trace
  if (c.version < 2 && (c.footer === 'threadJoins' || c.footer === 'threadDetaches')) c = { ...c, footer: 'ok' };
  const t = fuzzTrace(c);
  const forms = fuzzEncode(t);
  const exp = fuzzExpect(t.events, t.version, lenient);
  const outs: FuzzOutcome[] = [];
  for (const form of FORMS) {
    const plain = form.startsWith('pb') ? forms.pb : forms.json;
    const o = await fuzzRead(formBytes(forms, form), { lenient, allowTruncated: lenient }, piece);
    checkError(o, plain.length);
    ok(o.footprint <= fuzzMemoryBound(plain.length), `footprint ${o.footprint} for ${plain.length} bytes`);
    deepStrictEqual(o.applied, exp.applied);
    deepStrictEqual([o.events, o.skipped], [exp.events, exp.skipped]);
    expectVerdict(o, exp.error, t, forms, form, lenient);
    outs.push(o);
  }
  for (const o of outs.slice(1)) deepStrictEqual(comparable(o), comparable(outs[0]!));
}

/** The error / footer verdict the model predicts, with the offset the form must name. */
function expectVerdict(o: FuzzOutcome, err: { code: string; event: number } | null, t: FuzzTrace, f: FuzzForms, form: Form, lenient: boolean): void {
  const footerAt = form.startsWith('json') ? f.jsonFooter : f.pbFooter;
  if (err) return errorIs(o, { code: err.code, event: err.event, offset: eventOffset(f, form, err.event) });
  if (t.footer === null) {
    if (lenient) deepStrictEqual([o.error, o.truncated], [null, true]);
    else errorIs(o, { code: 'TRUNCATED', event: t.events.length, offset: footerAt });
    return;
  }
  const good = fuzzExpect(t.events, t.version, true).footer;
  const wrong = (Object.keys(good) as Array<keyof typeof good>).filter((k) => good[k] !== t.footer![k]);
  if (wrong.length === 0) {
    deepStrictEqual([o.error, o.truncated, o.digestStatus, o.mismatches], [null, false, 'verified', []]);
  } else if (lenient) {
    deepStrictEqual([o.error, o.mismatches, o.digestStatus], [null, wrong, wrong[0] === 'digest' ? 'mismatch' : 'verified']);
  } else {
    errorIs(o, { code: 'BAD_FOOTER', event: -1, offset: footerAt });
    ok(o.error!.message.includes(wrong[0] === 'events' ? 'events' : `footer ${wrong[0]}`), o.error!.message);
  }
}

/** Events a form cut to its first `len` decompressed bytes must give (complete chunks / lines). */
function cutEvents(f: FuzzForms, json: boolean, n: number, len: number): { events: number; header: boolean; complete: boolean } {
  const total = json ? f.json.length : f.pb.length;
  const footerAt = json ? f.jsonFooter : f.pbFooter;
  const headerEnd = json ? (f.lineOffsets[0] ?? f.jsonFooter) : (f.chunkOffsets[0] ?? f.pbFooter);
  if (len >= total - (json ? 1 : 0)) return { events: n, header: false, complete: true };
  if (len < headerEnd - (json ? 1 : 0)) return { events: 0, header: true, complete: false };
  if (json) {
    let k = 0;
    while (k < n && (f.lineOffsets[k + 1] ?? footerAt) - 1 <= len) k++;
    return { events: k, header: false, complete: false };
  }
  let k = 0;
  while (k < f.chunkFirst.length && (f.chunkOffsets[k + 1] ?? footerAt) <= len) k++;
  return { events: k < f.chunkFirst.length ? f.chunkFirst[k]! : n, header: false, complete: false };
}

export async function fuzzCutCase(c: FuzzCase, at: number, piece: number, allowTruncated: boolean): Promise<void> {
  const t = fuzzTrace({ ...c, footer: 'ok' });
  const exp = fuzzExpect(t.events, t.version, true);
  if (exp.error) return; // an unknown op ends every read first
  const forms = fuzzEncode(t);
  for (const form of FORMS) {
    const json = form.startsWith('json');
    const full = formBytes(forms, form);
    const cut = full.subarray(0, Math.floor((at / 1000) * full.length));
    const gz = form.endsWith('.gz');
    const plainLen = gz ? (cut.length < 2 ? -1 : gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).length) : cut.length;
    const o = await fuzzRead(cut, { lenient: true, allowTruncated }, piece);
    checkError(o, json ? forms.json.length : forms.pb.length);
    const want = plainLen < 0 ? null : cutEvents(forms, json, t.events.length, plainLen);
    if (want === null || want.header) {
      ok(o.error !== null && ['BAD_MAGIC', 'TRUNCATED'].includes(o.error.code), `cut in the header: ${o.error?.message ?? 'read'}`);
      continue;
    }
    // a cut gzip stream whose data is all there (its trailer is missing) is still cut
    const complete = want.complete && !(gz && cut.length < full.length);
    deepStrictEqual(o.applied, exp.applied.filter(([i]) => i < want.events));
    if (complete) deepStrictEqual([o.error, o.truncated], [null, false]);
    else if (allowTruncated) deepStrictEqual([o.error, o.truncated], [null, true]);
    else errorIs(o, { code: 'TRUNCATED' });
    if (!complete) deepStrictEqual(o.events, want.events);
  }
}

/** Byte-level damage: flips, insertions, deletions, duplicated ranges, cuts, and varints of huge values (length fields). */
function mutate(b: Uint8Array, ops: Array<[number, number, number]>): Uint8Array {
  const a = Array.from(b);
  for (const [kind, p0, v] of ops) {
    if (a.length === 0) break;
    const p = p0 % a.length;
    switch (kind % 6) {
      case 0: a[p] = a[p]! ^ (1 << (v % 8)); break;
      case 1: a.splice(p, 0, v & 255); break;
      case 2: a.splice(p, 1 + (v % 8)); break;
      case 3: a.splice(p, 0, ...a.slice(p, p + 1 + (v % 32))); break;
      case 4: { // a varint of a huge value (a length or count field)
        const bytes = varintBytes([0x7fffffff, 0xffffffff, 1 << 28, 1 << 24, 256 << 20, v >>> 0][v % 6]!);
        a.splice(p, Math.min(bytes.length, a.length - p), ...bytes);
        break;
      }
      default: a.length = p; break;
    }
  }
  return Uint8Array.from(a);
}

/** Writer-made Larson-like traces (every op, joins and detaches, big sizes), as bases for damage. */
async function writerBases(): Promise<{ pb: Uint8Array; json: Uint8Array }> {
  const make = async (format: 'pb' | 'json'): Promise<Uint8Array> => {
    const pass = new PassThrough();
    const parts: Buffer[] = [];
    pass.on('data', (b: Buffer) => parts.push(b));
    const w = createTraceWriter(pass, { workload: 'fuzz', recorder: 'test' }, { format, chunkEvents: 97 });
    await writeLarsonLike(w, 500, 1, true, 40);
    await w.close();
    return Buffer.concat(parts);
  };
  return { pb: await make('pb'), json: await make('json') };
}
let bases: { pb: Uint8Array; json: Uint8Array } | null = null;

/** One damaged read; returns its outcome code ('ok' or the error code). c null: a writer-made base. */
export async function fuzzDamageCase(
  c: FuzzCase | null, form: Form, ops: Array<[number, number, number]>, gzDamage: boolean, lenient: boolean,
  allowTruncated: boolean, piece: number,
): Promise<string> {
  const forms = c === null ? (bases ??= await writerBases()) : fuzzEncode(fuzzTrace(c));
  const plain = form.startsWith('pb') ? forms.pb : forms.json;
  const gz = form.endsWith('.gz');
  const damaged = gz && gzDamage ? mutate(fuzzGzip(plain), ops) : mutate(plain, ops);
  const bytes = gz && !gzDamage ? fuzzGzip(damaged) : damaged;
  const o = await fuzzRead(bytes, { lenient, allowTruncated }, piece, false);
  checkError(o, gz ? Number.MAX_SAFE_INTEGER : damaged.length);
  const bound = fuzzMemoryBound(gz ? 64 * bytes.length : bytes.length);
  ok(o.footprint <= bound, `footprint ${o.footprint} over ${bound}`);
  return o.error?.code ?? 'ok';
}

export interface FuzzProperty {
  name: string;
  seed: number;
  numRuns: number;
  /** fc.assert of the property with these parameters (throws the shrunk counterexample). */
  check(params: { seed: number; numRuns: number }): Promise<void>;
}

/** The three properties with their case counts (times scale) and seeds; outcomes counts damage results. */
export function fuzzProperties(scale: number, outcomes: Record<string, number> = {}): FuzzProperty[] {
  const runs = (n: number): number => Math.max(1, Math.round(n * scale));
  const grid = fc.asyncProperty(fuzzCaseArb(60), fc.constantFrom(...PIECES), fc.boolean(), (c, piece, lenient) => fuzzGridCase(c, piece, lenient));
  const cut = fc.asyncProperty(fuzzCaseArb(40), fc.nat(1000), fc.constantFrom(...PIECES), fc.boolean(), (c, at, piece, allow) => fuzzCutCase(c, at, piece, allow));
  const damage = fc.asyncProperty(
    fc.option(fuzzCaseArb(60), { freq: 4 }), fc.constantFrom(...FORMS), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
    fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(...PIECES),
    async (c, form, ops, gzDamage, lenient, allowTruncated, piece) => {
      const code = await fuzzDamageCase(c, form, ops, gzDamage, lenient, allowTruncated, piece);
      outcomes[code] = (outcomes[code] ?? 0) + 1;
    },
  );
  return [
    { name: 'every form gives the same events, counts, footer verdict and error, as the model predicts', seed: 0x51ab, numRuns: runs(700), check: (p) => fc.assert(grid, p) },
    { name: 'a stream cut anywhere reads up to its last complete chunk / line, in every form', seed: 0x7c07, numRuns: runs(300), check: (p) => fc.assert(cut, p) },
    { name: 'damaged bytes end in events or a coded TraceError with an offset, within bounded memory', seed: 0xdead, numRuns: runs(1000), check: (p) => fc.assert(damage, p) },
  ];
}
