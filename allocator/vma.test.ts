// The simulated address space (vma.ts): the layouts Linux produced on a real machine (kernel 6.18,
// probed with small C programs: SuperSlabs at a 4 MiB stride, two VMAs per pthread stack, merge at the
// map-count limit), and a seeded differential test against a naive interval-list model of the same
// rules. Each runs on both implementations: kernel/vma.ts in WebAssembly (an allocator with the replay
// kernel) and vma.ts's JavaScript (an allocator without it); a last test holds their buffers equal.
import { describe, expect, it } from 'vitest';
import { Allocator, resolveParams } from './index.js';
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import {
  MMAP_MAP_COUNT, MMAP_OK, VF_NOMERGE, VF_READ, VF_RW, VF_STACK, VK_LARGE, VK_SENTINEL, VK_SUPERSLAB,
  vmaEnd, vmaFlags, vmaKind, vmaLastAddr, vmaMmap, vmaMunmap, vmaProtect, vmaStart, vmaTuning, vmaWalk,
} from './vma.js';

const MiB = 2 ** 20;
const BASE = 2 ** 47 - 4096 - 128 * MiB; // the default mmapBase

/** The two implementations of the system calls: an allocator with the kernel takes kernel/vma.ts. */
const IMPLS = [{ impl: 'WebAssembly', kernel: true }, { impl: 'JavaScript', kernel: false }];

function bare(kernel: boolean, over: Record<string, string> = {}): Allocator {
  const a = Allocator.create(resolveParams('hakmem-7.7', { baselineVmas: '0', baselineVmSize: '0', baselineRss: '0', tlsBytes: '0', ...over }), { kernel });
  expect(a.vk !== null).toBe(kernel);
  return a;
}

interface Iv { start: number; end: number; flags: number; kind: number }

function vmas(a: AllocCore): Iv[] {
  const out: Iv[] = [];
  vmaWalk(a, (n) => { if (vmaKind(a, n) !== VK_SENTINEL) out.push({ start: vmaStart(a, n), end: vmaEnd(a, n), flags: vmaFlags(a, n), kind: vmaKind(a, n) }); });
  return out;
}

/** HAKMEM's SuperSlab creation: mmap twice the size, munmap the unaligned head and the tail. */
function superSlab(a: AllocCore, size = 2 * MiB): { at: number; tailOk: boolean } {
  expect(vmaMmap(a, 2 * size, VF_RW, VK_SUPERSLAB)).toBe(MMAP_OK);
  const raw = vmaLastAddr();
  const at = Math.ceil(raw / size) * size;
  if (at > raw) vmaMunmap(a, raw, at);
  const tailOk = vmaMunmap(a, at + size, raw + 2 * size);
  return { at, tailOk };
}

describe.each(IMPLS)('address space ($impl): layouts seen on Linux', ({ kernel }) => {
  it('SuperSlabs land 4 MiB apart, each its own VMA (2 MiB holes between them)', () => {
    const a = bare(kernel);
    const at = [0, 1, 2, 3, 4].map(() => superSlab(a).at);
    for (let i = 1; i < at.length; i++) expect(at[i - 1]! - at[i]!).toBe(4 * MiB);
    expect(at.every((x) => x % (2 * MiB) === 0)).toBe(true);
    expect(at[0]).toBeLessThan(BASE);
    expect(a.stats().mappings).toBe(5);
    expect(a.stats().vmSize).toBe(10 * MiB);
  });

  it('a thread stack is two VMAs (guard + stack) right below the lowest mapping; the next SuperSlab is THP-aligned below it', () => {
    const a = bare(kernel);
    const ss = superSlab(a).at;
    const before = a.stats().mappings;
    expect(a.threadStart(1)).toBe(true);
    expect(a.threadStart(2)).toBe(true);
    expect(a.stats().mappings - before).toBe(4);
    const v = vmas(a);
    const stack1 = v.find((x) => x.end === ss)!;
    expect(stack1.end - stack1.start).toBe(8 * MiB);
    expect(stack1.flags).toBe(VF_STACK | VF_RW);
    const guard1 = v.find((x) => x.end === stack1.start)!;
    expect(guard1.end - guard1.start).toBe(4096);
    expect(guard1.flags).toBe(VF_STACK);
    const guard2 = v.find((x) => x.end === guard1.start - 8 * MiB)!;
    const next = superSlab(a).at;
    // kernel: padded search for 6 MiB below the guard, rounded up to 2 MiB (0x7f92cbffd000 → 0x7f92cba00000)
    expect(next).toBe(Math.ceil((guard2.start - 6 * MiB) / (2 * MiB)) * 2 * MiB);
  });

  it('at the VMA limit a SuperSlab mmap still succeeds by merging with the one above; its tail munmap fails', () => {
    const a = bare(kernel, { maxMapCount: '12' });
    const tails: boolean[] = [];
    for (let i = 0; i < 16; i++) tails.push(superSlab(a).tailOk);
    // 12 separate SuperSlabs, then each new 4 MiB region merges with the lowest and cannot be split
    expect(tails.slice(0, 12).every(Boolean)).toBe(true);
    expect(tails.slice(12).some(Boolean)).toBe(false);
    expect(a.stats().mappings).toBe(12);
    expect(a.stats().munmapFailures).toBe(4);
    expect(a.checkInvariants().errors).toEqual([]);
  });

  it('mmap fails once the count is above max_map_count (it may reach max + 1)', () => {
    const a = bare(kernel, { maxMapCount: '3' });
    const flags = [VF_READ | VF_NOMERGE, VF_RW | VF_NOMERGE];
    let ok = 0;
    for (let i = 0; i < 10; i++) if (vmaMmap(a, 4096, flags[i & 1]!, VK_LARGE) === MMAP_OK) ok++;
    expect(ok).toBe(4);
    expect(vmaMmap(a, 4096, VF_RW, VK_LARGE)).toBe(MMAP_MAP_COUNT);
  });

  it('merges equal neighbours and splits on a hole in the middle', () => {
    const a = bare(kernel);
    vmaMmap(a, 3 * 4096, VF_RW, VK_LARGE);
    const x = vmaLastAddr();
    vmaMmap(a, 4096, VF_RW, VK_LARGE);
    expect(vmaLastAddr()).toBe(x - 4096);
    expect(vmas(a)).toEqual([{ start: x - 4096, end: x + 3 * 4096, flags: VF_RW, kind: VK_LARGE }]);
    expect(vmaMunmap(a, x, x + 4096)).toBe(true);
    expect(vmas(a).map((v) => [v.start, v.end])).toEqual([[x - 4096, x], [x + 4096, x + 3 * 4096]]);
    expect(vmaProtect(a, x + 4096, x + 2 * 4096, VF_READ)).toBe(true);
    expect(vmas(a).length).toBe(3);
    expect(vmaProtect(a, x + 4096, x + 2 * 4096, VF_RW)).toBe(true);
    expect(vmas(a).length).toBe(2);
    expect(a.checkInvariants().errors).toEqual([]);
  });
});

// ---- differential test against a naive model of the same rules

class NaiveSpace {
  v: Iv[] = [];
  constructor(readonly lo: number, readonly hi: number, readonly max: number, readonly thp: boolean) {}
  private gapsDesc(): Array<[number, number]> {
    const g: Array<[number, number]> = [];
    let prev = this.lo;
    for (const x of this.v) { if (x.start > prev) g.push([prev, x.start]); prev = x.end; }
    if (this.hi > prev) g.push([prev, this.hi]);
    return g.reverse();
  }
  private fit(need: number): number {
    for (const [s, e] of this.gapsDesc()) if (e - s >= need) return e;
    return -1;
  }
  private insert(start: number, end: number, flags: number, kind: number): void {
    this.v.push({ start, end, flags, kind });
    this.v.sort((p, q) => p.start - q.start);
    const out: Iv[] = [];
    for (const x of this.v) {
      const last = out[out.length - 1];
      if (last && last.end === x.start && last.flags === x.flags && (x.flags & VF_NOMERGE) === 0) {
        last.end = x.end;
        if (last.kind !== x.kind) last.kind = 5;
      } else out.push({ ...x });
    }
    this.v = out;
  }
  private remove(start: number, end: number): void {
    const out: Iv[] = [];
    for (const x of this.v) {
      if (x.end <= start || x.start >= end) { out.push(x); continue; }
      if (x.start < start) out.push({ ...x, end: start });
      if (x.end > end) out.push({ ...x, start: end });
    }
    this.v = out;
  }
  mmap(len: number, flags: number, kind: number): number {
    if (this.v.length > this.max) return -1;
    let at = -1;
    const PMD = 2 * MiB;
    if (this.thp && len % PMD === 0) {
      const top = this.fit(len + PMD);
      if (top >= 0) { const ret = top - len - PMD; const sub = (PMD - (ret % PMD)) % PMD; at = sub === 0 ? ret + PMD : ret + sub; }
    }
    if (at < 0) { const top = this.fit(len); if (top >= 0) at = top - len; }
    if (at < 0) return -1;
    this.insert(at, at + len, flags, kind);
    return at;
  }
  munmap(start: number, end: number): boolean {
    const inside = this.v.some((x) => x.start < start && x.end > end);
    if (inside && this.v.length >= this.max) return false;
    this.remove(start, end);
    return true;
  }
  protect(start: number, end: number, flags: number): boolean {
    let splits = 0;
    for (const x of this.v) {
      if (x.start < start && x.end > start) splits++;
      if (x.start < end && x.end > end) splits++;
    }
    if (splits > 0 && this.v.length + splits - 1 >= this.max) return false;
    const kind = this.v.find((x) => x.start <= start && x.end > start)?.kind ?? 5;
    this.remove(start, end);
    this.insert(start, end, flags, kind);
    return true;
  }
}

describe.each(IMPLS)('address space ($impl): seeded differential test against a naive model', ({ kernel }) => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 3,000 random mmap / munmap / mprotect give the same VMAs and addresses`, () => {
      const max = 40 + seed * 7;
      const space = 256 * MiB;
      const a = bare(kernel, { maxMapCount: String(max), mmapBase: String(space + 64 * MiB), mmapMinAddr: String(64 * MiB) });
      const ref = new NaiveSpace(64 * MiB, space + 64 * MiB, max, true);
      let x = seed * 0x9e3779b1;
      const rnd = (n: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
      const flagSet = [VF_RW, VF_READ, VF_STACK, VF_STACK | VF_RW, VF_RW | VF_NOMERGE];
      const page = 4096;
      for (let step = 0; step < 3000; step++) {
        const op = rnd(10);
        if (op < 5) {
          const len = rnd(4) === 0 ? 2 * MiB * (1 + rnd(3)) : page * (1 + rnd(300));
          const fl = flagSet[rnd(flagSet.length)]!;
          const want = ref.mmap(len, fl, VK_LARGE);
          const got = vmaMmap(a, len, fl, VK_LARGE);
          expect(got === MMAP_OK ? vmaLastAddr() : -1).toBe(want);
        } else {
          const v = ref.v;
          if (v.length === 0) continue;
          const t = v[rnd(v.length)]!;
          const s = t.start + page * rnd((t.end - t.start) / page);
          const e = Math.min(s + page * (1 + rnd(600)), 64 * MiB + space);
          if (op < 8) expect(vmaMunmap(a, s, e)).toBe(ref.munmap(s, e));
          else {
            const fl = flagSet[rnd(flagSet.length)]!;
            const inOne = t.end >= e;
            if (inOne) expect(vmaProtect(a, s, e, fl)).toBe(ref.protect(s, e, fl));
          }
        }
        expect(vmas(a)).toEqual(ref.v);
      }
      expect(a.checkInvariants().errors).toEqual([]);
    });
  }
});

/** Runs `steps` seeded operations (whole-VMA, tail and inner-hole munmaps favoured) on `a`; in-place munmap on or off. */
function drive(a: AllocCore, seed: number, inPlace: boolean, steps: number): void {
  let x = seed * 0x9e3779b1;
  const rnd = (n: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
  const page = 4096;
  vmaTuning.inPlace = inPlace;
  try {
    for (let step = 0; step < steps; step++) {
      const op = rnd(10);
      if (op < 4) {
        if (rnd(2) === 0) superSlab(a);
        else vmaMmap(a, page * (1 + rnd(64)), [VF_RW, VF_STACK, VF_READ][rnd(3)]!, VK_LARGE);
        continue;
      }
      const v = vmas(a);
      if (v.length === 0) continue;
      const t = v[rnd(v.length)]!;
      if (op < 7) vmaMunmap(a, t.start, t.end); // a whole VMA
      else if (op < 8) vmaMunmap(a, t.end - page * (1 + rnd((t.end - t.start) / page - 1 || 1)), t.end); // its tail
      else if (op < 9 && t.end - t.start >= 3 * page) vmaMunmap(a, t.start + page, t.end - page); // a hole inside it
      else vmaMunmap(a, t.start, Math.min(t.end + 8 * MiB, BASE)); // one or more, whatever they cover
    }
  } finally {
    vmaTuning.inPlace = true;
  }
}

describe.each(IMPLS)('address space ($impl): munmap in place', ({ kernel }) => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: whole-VMA, tail and inner-hole munmaps in place leave the same buffer as the split/merge path`, () => {
      const over = { maxMapCount: String(60 + seed * 20) };
      const a = bare(kernel, over);
      const b = bare(kernel, over);
      drive(a, seed, true, 2500);
      drive(b, seed, false, 2500);
      expect(a.digest()).toBe(b.digest());
      expect(Array.from(a.i32)).toEqual(Array.from(b.i32));
      expect(a.checkInvariants().errors).toEqual([]);
    });
  }
});

describe('address space: the WebAssembly and JavaScript system calls leave the same buffer', () => {
  /** Seeded mmap / munmap / mprotect, each made on both allocators (w: WebAssembly, j: JavaScript),
   *  over many VMAs (the node table grows several times, some of them inside a munmap's split / merge
   *  path), with the map-count limit reached now and then; results compared at each call, the
   *  buffers every 20 calls. Returns how many calls were refused. */
  function lockstep(w: Allocator, j: Allocator, seed: number, steps: number): number {
    let x = seed * 0x9e3779b1;
    const rnd = (n: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
    const page = 4096;
    let refused = 0;
    const live: Array<[number, number]> = [];
    const both = (call: (a: AllocCore) => boolean): void => {
      const r = call(w);
      expect(call(j)).toBe(r);
      if (!r) refused++;
    };
    for (let step = 0; step < steps; step++) {
      if (step % 20 === 0) expect(w.digest()).toBe(j.digest());
      const op = rnd(12);
      if (op < 5 || live.length === 0) {
        const len = rnd(3) === 0 ? 4 * MiB : page * (1 + rnd(2048));
        const flags = [VF_RW, VF_STACK | VF_RW, VF_READ, VF_RW | VF_NOMERGE][rnd(4)]!;
        const r = vmaMmap(w, len, flags, VK_LARGE), at = vmaLastAddr();
        expect(vmaMmap(j, len, flags, VK_LARGE)).toBe(r);
        if (r !== MMAP_OK) refused++;
        else {
          expect(vmaLastAddr()).toBe(at);
          live.push([at, at + len]);
        }
        continue;
      }
      if (op < 7 || op >= 10) { // a whole VMA (as a SuperSlab's release), or mprotect inside one (its range must be mapped)
        const v = vmas(w);
        const t = v[rnd(v.length)]!;
        if (op < 7) both((a) => vmaMunmap(a, t.start, t.end));
        else {
          const from = t.start + page * rnd((t.end - t.start) / page);
          const to = Math.min(t.end, from + page * (1 + rnd(64)));
          const flags = [VF_READ, VF_RW, VF_STACK][rnd(3)]!;
          both((a) => vmaProtect(a, from, to, flags));
        }
        continue;
      }
      const k = rnd(live.length);
      const [s, e] = live[k]!;
      const pages = (e - s) / page;
      const from = s + page * rnd(pages), to = Math.min(e, from + page * (1 + rnd(pages)));
      both((a) => vmaMunmap(a, from, to));
      if (from === s && to === e) { live[k] = live[live.length - 1]!; live.pop(); }
    }
    return refused;
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 4,000 calls give the same results, statistics and bytes`, () => {
      const over = { maxMapCount: String(800 + seed * 200) };
      const w = bare(true, over);
      const j = bare(false, over);
      expect(lockstep(w, j, seed, 4000)).toBeGreaterThan(0); // the limit was reached
      expect(w.i32[L.H_VMA_CAP]).toBeGreaterThanOrEqual(1024); // grown from 64 through the host
      expect(w.stats()).toEqual(j.stats());
      expect(Array.from(w.i32)).toEqual(Array.from(j.i32));
      expect(w.checkInvariants().errors).toEqual([]);
    });
  }
});
