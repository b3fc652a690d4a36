// Call stacks in the trace format: a seeded stack-bearing trace reads back its stack table and ids in
// both forms; protobuf → JSON → protobuf is byte-identical with the same digest; dropping the stacks
// keeps the digest and gives the bytes of the same trace written without stacks; a trace without
// stacks is unchanged; an undefined stack id is BAD_STACK (offset, event) in both forms, read as 0 in
// lenient mode; cut keeps the stacks; the top sites (peak contributions) against a direct model;
// seeded random traces hand-encoded in both forms (random stack tables, chunking, undefined ids)
// against the expected BAD_STACK event and offset (strict) and stack ids (lenient).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertTrace, createTraceWriter, cutTrace, openTrace, traceTopSites, TraceError, type TraceFormat, type TraceWriter,
} from './index.js';
import { mulberry32, pbRecords } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-stacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const H = { workload: 'stacky', recorder: 'test', seed: 7 };

/** A seeded workload over a few sites; stacks defined as they are first used; returns a model of live bytes per site. */
async function writeStacky(w: TraceWriter | null, w2: TraceWriter | null, n: number, seed: number) {
  const rnd = mulberry32(seed);
  const sites = [['leaf (a.c:3)', 'main (a.c:10)'], ['other (b.c:7)', 'main (a.c:11)'], ['libx.so+0x1a2b', 'leaf (a.c:3)', 'main (a.c:12)'], ['deep (c.c:1)']];
  const ids: number[] = [];
  const live: Array<{ id: number; site: number; size: number }> = [];
  const siteLive = [0, 0, 0, 0, 0];
  let total = 0, peak = 0, peakSnap = [0, 0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    const site = (rnd() * 5) | 0; // 4: no stack (id 0)
    let stack = 0;
    if (site < 4) {
      if (ids[site] === undefined) ids[site] = w ? w.defineStack(sites[site]!) : site + 1;
      stack = ids[site]!;
    }
    if (live.length > 0 && rnd() < 0.45) {
      const j = (rnd() * live.length) | 0;
      const o = live[j]!;
      if (rnd() < 0.2) {
        const size = 1 + ((rnd() * 300) | 0);
        w?.realloc(0, o.id, size, stack);
        w2?.realloc(0, o.id, size);
        siteLive[o.site]! -= o.size; total -= o.size;
        o.site = site === 4 ? 4 : site; o.size = size;
        siteLive[o.site]! += size; total += size;
      } else {
        w?.free(0, o.id);
        w2?.free(0, o.id);
        siteLive[o.site]! -= o.size; total -= o.size;
        live.splice(j, 1);
      }
    } else {
      const size = 1 + ((rnd() * 200) | 0);
      const kind = rnd();
      const id = kind < 0.1 ? w?.calloc(0, size, stack) : kind < 0.15 ? w?.memalign(0, 64, size, stack) : w?.alloc(0, size, stack);
      const id2 = kind < 0.1 ? w2?.calloc(0, size) : kind < 0.15 ? w2?.memalign(0, 64, size) : w2?.alloc(0, size);
      live.push({ id: id ?? id2 ?? 0, site, size });
      siteLive[site]! += size; total += size;
    }
    if (total > peak) { peak = total; peakSnap = [...siteLive]; }
  }
  return { ids, sites, siteLive, peakSnap, peak };
}

async function write(path: string, format: TraceFormat, stacks: boolean, n = 3000, seed = 11) {
  const w = createTraceWriter(path, { ...H, stackDepth: stacks ? 16 : 0 }, { format, chunkEvents: 700 });
  const m = await writeStacky(stacks ? w : null, stacks ? null : w, n, seed);
  if (stacks) await w.close(); else await w.close();
  return m;
}

async function readAll(path: string, opts = {}) {
  const r = await openTrace(path, opts);
  const ev: number[][] = [];
  for await (const b of r.batches()) for (let i = 0; i < b.count; i++) ev.push([b.op[i]!, b.id[i]!, b.size[i]!, b.stack![i]!]);
  return { r, ev };
}

describe('call stacks in traces', () => {
  it('read back in both forms; pb -> JSON -> pb is byte-identical, same digest', async () => {
    const pb = join(dir, 's.pb');
    const m = await write(pb, 'pb', true);
    const a = await readAll(pb);
    expect(a.r.header.stackDepth).toBe(16);
    expect(a.r.stacks.count).toBe(4);
    for (let s = 0; s < 4; s++) expect(a.r.stacks.frames(m.ids[s]!)).toEqual(m.sites[s]);
    expect(a.ev.some((e) => e[3] !== 0) && a.ev.some((e) => e[0] === 0 && e[3] === 0)).toBe(true);
    const js = join(dir, 's.json');
    await convertTrace(pb, js);
    expect(readFileSync(js, 'utf8')).toMatch(/^\{"stack":\{"id":1,"frames":\[/m);
    const b = await readAll(js);
    expect(b.ev).toEqual(a.ev);
    expect(b.r.footer!.digest).toBe(a.r.footer!.digest);
    const pb2 = join(dir, 's2.pb');
    const res = await convertTrace(js, pb2);
    expect(res.footer.digest).toBe(a.r.footer!.digest);
    expect(readFileSync(pb2).equals(readFileSync(pb))).toBe(true);
    const gz = join(dir, 's.json.gz');
    await convertTrace(pb2, gz);
    const c = await readAll(gz);
    expect(c.ev).toEqual(a.ev);
  });

  it('dropping stacks gives the trace written without them (same digest); no stacks: unchanged', async () => {
    const pb = join(dir, 'd.pb'), plain = join(dir, 'plain.pb'), dropped = join(dir, 'dropped.pb');
    await write(pb, 'pb', true);
    await write(plain, 'pb', false);
    const r = await convertTrace(pb, dropped, { dropStacks: true });
    expect(readFileSync(dropped).equals(readFileSync(plain))).toBe(true);
    const p = await readAll(plain);
    expect(r.footer.digest).toBe(p.r.footer!.digest);
    expect(p.r.header.stackDepth).toBe(0);
    expect(p.r.stacks.count).toBe(0);
    // a trace without stacks converts to the same bytes, and its JSON has no stack keys
    const js = join(dir, 'plain.json'), back = join(dir, 'plain2.pb');
    await convertTrace(plain, js);
    expect(readFileSync(js, 'utf8')).not.toMatch(/"stack(Depth)?"/);
    await convertTrace(js, back);
    expect(readFileSync(back).equals(readFileSync(plain))).toBe(true);
  });

  it('the writer refuses undefined stack ids and stacks in a trace without them', async () => {
    const w = createTraceWriter(join(dir, 'w.pb'), { ...H, stackDepth: 8 });
    expect(() => w.alloc(0, 16, 1)).toThrow(expect.objectContaining({ code: 'BAD_STACK' }));
    expect(w.defineStack(['f (x.c:1)'])).toBe(1);
    expect(w.alloc(0, 16, 1)).toBe(0);
    await w.close();
    const v = createTraceWriter(join(dir, 'v.pb'), H);
    expect(() => v.alloc(0, 16, 1)).toThrow(expect.objectContaining({ code: 'BAD_STACK' }));
    expect(() => v.defineStack(['f'])).toThrow(expect.objectContaining({ code: 'BAD_STACK' }));
    await v.close();
    expect(() => createTraceWriter(join(dir, 'u.pb'), { ...H, formatVersion: 1, stackDepth: 4 })).toThrow(RangeError);
  });

  it('an undefined stack id is BAD_STACK with offset and event (pb and JSON); lenient reads it as 0', async () => {
    const js = join(dir, 'bad.json');
    await write(js, 'json', true, 400);
    const lines = readFileSync(js, 'utf8').split('\n');
    // the 200th line that has a stack: name stack 99
    let k = -1, seen = 0;
    for (let i = 0; i < lines.length; i++) if (/"stack":[1-9]/.test(lines[i]!) && lines[i]!.startsWith('{"op"') && ++seen === 50) { k = i; break; }
    expect(k).toBeGreaterThan(0);
    lines[k] = lines[k]!.replace(/"stack":\d+/, '"stack":99');
    const bad = join(dir, 'bad2.json');
    writeFileSync(bad, lines.join('\n'));
    const offset = lines.slice(0, k).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    const event = lines.slice(0, k).filter((l) => l.startsWith('{"op"')).length;
    const err = await readAll(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceError);
    expect(err).toMatchObject({ code: 'BAD_STACK', event, offset });
    // protobuf: a stack column [1, 1, 1] made [1, 5, 1]: event 2 (after the thread start), the chunk's frame offset
    const small = join(dir, 'small.pb');
    const w = createTraceWriter(small, { ...H, stackDepth: 4 });
    w.threadStart(1);
    const st = w.defineStack(['f (x.c:1)']);
    for (let i = 0; i < 3; i++) w.alloc(0, 16, st);
    await w.close();
    const bytes = readFileSync(small);
    const at = bytes.indexOf(Buffer.from([0x5a, 3, 1, 1, 1]));
    expect(at).toBeGreaterThan(0);
    bytes[at + 3] = 5;
    const pbBad = join(dir, 'bad.pb');
    writeFileSync(pbBad, bytes);
    const err2 = await readAll(pbBad).catch((e: unknown) => e);
    expect(err2).toMatchObject({ code: 'BAD_STACK', event: 2, chunk: 0 });
    expect((err2 as TraceError).offset).toBeGreaterThan(0);
    expect((err2 as TraceError).message).toMatch(/stack id 5 is not defined/);
    // lenient: that allocation is read with stack 0 (not skipped), counted in badStacks
    const good = await readAll(js);
    const len = await readAll(bad, { lenient: true });
    expect([len.r.skipped, len.r.badStacks, len.r.digestStatus]).toEqual([0, 1, 'verified']);
    expect(len.ev.length).toBe(good.ev.length);
    expect(len.ev[event]![3]).toBe(0);
  });

  it('cut keeps the stack table and ids; dropStacks drops them', async () => {
    const pb = join(dir, 'c.pb');
    await write(pb, 'pb', true);
    const whole = join(dir, 'cw.pb');
    await cutTrace(pb, whole, { sourceName: 'x' });
    const a = await readAll(pb), b = await readAll(whole);
    expect(b.ev).toEqual(a.ev);
    expect(b.r.stacks.count).toBe(4);
    const part = join(dir, 'cp.pb');
    await cutTrace(pb, part, { from: 1000, to: 2000 });
    const p = await readAll(part);
    expect(p.ev.filter((e) => e[3] !== 0).length).toBeGreaterThan(0);
    const none = join(dir, 'cn.pb');
    await cutTrace(pb, none, { dropStacks: true });
    expect((await readAll(none)).r.header.stackDepth).toBe(0);
  });

  it('top sites: live bytes at the peak and at the end per stack, as a direct model computes them', async () => {
    for (const seed of [1, 2, 3]) {
      const pb = join(dir, `t${seed}.pb`);
      const m = await write(pb, 'pb', true, 4000, seed);
      const res = await traceTopSites(pb, { top: 10 });
      expect(res.peakLiveBytes).toBe(m.peak);
      for (const site of res.atPeak) {
        const s = site.stack === 0 ? 4 : m.ids.indexOf(site.stack);
        expect(site.peakBytes).toBe(m.peakSnap[s]);
        expect(site.endBytes).toBe(m.siteLive[s]);
        expect(site.frames).toEqual(s === 4 ? [] : m.sites[s]);
      }
      expect(res.atPeak.reduce((n, s) => n + s.peakBytes, 0)).toBe(m.peak);
    }
  });
});

describe('call stacks: seeded random traces, hand-encoded in both forms (not through the writer)', () => {
  /** Random events with stack ids, some undefined when they occur; stacks defined at chunk starts. */
  function randomCase(seed: number) {
    const rnd = mulberry32(seed);
    const chunk = 1 + ((rnd() * 12) | 0);
    const n = 20 + ((rnd() * 120) | 0);
    const badRate = [0, 0, 0.02, 0.1][(rnd() * 4) | 0]!;
    const free: number[] = [], live = new Set<number>();
    let next = 0, defined = 0;
    const defs: Array<{ at: number; frames: string[][] }> = []; // stacks defined before event `at` (a chunk start)
    const ev: Array<{ op: number; id: number; size: number; stack: number; bad: boolean }> = [];
    for (let i = 0; i < n; i++) {
      if (i % chunk === 0 && rnd() < 0.6) {
        const k = 1 + ((rnd() * 3) | 0);
        const frames = Array.from({ length: k }, () => Array.from({ length: (rnd() * 4) | 0 }, () => `f${(rnd() * 6) | 0} (x.c:${(rnd() * 3) | 0})`));
        defs.push({ at: i, frames });
        defined += k;
      }
      const r = rnd();
      const ids = [...live];
      const stack = rnd() < badRate ? defined + 1 + ((rnd() * 3) | 0) : (rnd() * (defined + 1)) | 0;
      if (r < 0.3 && ids.length > 0) {
        const id = ids[(rnd() * ids.length) | 0]!;
        live.delete(id);
        free.push(id);
        ev.push({ op: 1, id, size: 0, stack: 0, bad: false });
      } else if (r < 0.4 && ids.length > 0) {
        ev.push({ op: 2, id: ids[(rnd() * ids.length) | 0]!, size: 1 + ((rnd() * 99) | 0), stack, bad: stack > defined });
      } else {
        const id = free.length > 0 ? free.pop()! : next++;
        live.add(id);
        ev.push({ op: r < 0.5 ? 3 : 0, id, size: 1 + ((rnd() * 99) | 0), stack, bad: stack > defined });
      }
    }
    return { chunk, ev, defs };
  }

  function encode(c: ReturnType<typeof randomCase>) {
    const header = { magic: 'slabtrace', formatVersion: 2, workload: 'r', recorder: 'r', stackDepth: 8 };
    // protobuf: Stacks records (frames interned across records) before their chunk
    const frameIdx = new Map<string, number>();
    const records: Array<Record<string, unknown>> = [{ header }];
    const chunkRecord: number[] = [];
    let first = 1;
    for (let s = 0; s < c.ev.length; s += c.chunk) {
      for (const d of c.defs.filter((x) => x.at === s)) {
        const frame: string[] = [], stackLength: number[] = [], stackFrame: number[] = [];
        for (const st of d.frames) {
          stackLength.push(st.length);
          for (const f of st) {
            if (!frameIdx.has(f)) { frameIdx.set(f, frameIdx.size); frame.push(f); }
            stackFrame.push(frameIdx.get(f)!);
          }
        }
        records.push({ stacks: { firstStack: first, frame, stackLength, stackFrame } });
        first += d.frames.length;
      }
      const part = c.ev.slice(s, s + c.chunk);
      const alloc = (e: { op: number }) => e.op !== 1;
      chunkRecord.push(records.length);
      records.push({ chunk: {
        firstEvent: s, op: Uint8Array.from(part.map((e) => e.op)), tidRunValue: [0], tidRunLength: [part.length],
        id: part.filter((e) => e.op === 1 || e.op === 2).map((e) => e.id), size: part.filter(alloc).map((e) => e.size),
        stack: part.filter(alloc).map((e) => e.stack),
      } });
    }
    const pb = pbRecords(records);
    // JSON: a line per stack (same order), a line per event
    const lines = [JSON.stringify({ header })];
    const lineOf: number[] = [];
    let id = 1;
    c.ev.forEach((e, i) => {
      for (const d of c.defs.filter((x) => x.at === i)) for (const frames of d.frames) lines.push(JSON.stringify({ stack: { id: id++, frames } }));
      lineOf.push(lines.length);
      const o: Record<string, unknown> = { op: ['alloc', 'free', 'realloc', 'calloc'][e.op], tid: 0, id: e.id };
      if (e.op === 2) o.newId = e.id;
      if (e.op !== 1) o.size = e.size;
      if (e.op !== 1 && e.stack !== 0) o.stack = e.stack;
      lines.push(JSON.stringify(o));
    });
    const text = lines.join('\n') + '\n';
    const lineOff: number[] = [];
    let off = 0;
    for (const l of lines) { lineOff.push(off); off += Buffer.byteLength(l) + 1; }
    return { pb: pb.bytes, pbOff: chunkRecord.map((k) => pb.offsets[k]!), json: Buffer.from(text), jsonOff: lineOf.map((k) => lineOff[k]!) };
  }

  it('strict: the first undefined stack id is BAD_STACK at the same event in both forms (chunk frame / line offset); lenient reads it as 0', async () => {
    let bad = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const c = randomCase(seed);
      const f = encode(c);
      const firstBad = c.ev.findIndex((e) => e.bad);
      for (const form of ['pb', 'json'] as const) {
        const path = join(dir, `r${seed}.${form === 'pb' ? 'pb' : 'json'}`);
        writeFileSync(path, form === 'pb' ? f.pb : f.json);
        const strict = await readAll(path, { allowTruncated: true }).then((x) => x, (e: unknown) => e);
        if (firstBad < 0) {
          const { ev } = strict as Awaited<ReturnType<typeof readAll>>;
          expect(ev.map((e) => e[3]), `seed ${seed} ${form}`).toEqual(c.ev.map((e) => e.stack));
        } else {
          const off = form === 'pb' ? f.pbOff[Math.floor(firstBad / c.chunk)] : f.jsonOff[firstBad];
          expect(strict, `seed ${seed} ${form}`).toMatchObject({ code: 'BAD_STACK', event: firstBad, offset: off });
          bad++;
        }
        const len = await readAll(path, { allowTruncated: true, lenient: true });
        expect(len.ev.map((e) => e[3]), `seed ${seed} ${form} lenient`).toEqual(c.ev.map((e) => (e.bad ? 0 : e.stack)));
        expect(len.r.badStacks).toBe(c.ev.filter((e) => e.bad).length);
        expect(len.r.skipped).toBe(0);
        for (let s = 1; s <= len.r.stacks.count; s++) expect(len.r.stacks.frames(s)).toEqual(c.defs.flatMap((d) => d.frames)[s - 1]);
      }
    }
    expect(bad).toBeGreaterThan(5);
  });
});
