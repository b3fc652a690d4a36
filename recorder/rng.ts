// Seeded random number generators for the workload generators.
// lran2: Wolfram Gloger's portable generator exactly as larson.cpp uses it (modulus 714025,
// multiplier 1366, increment 150889, 97-entry shuffle table); state is a plain Int32Array so a
// thread slice can carry it across thread generations. sfc32: a fast 32-bit generator for everything
// else (the Larson scheduler, random-mixed), seeded through splitmix32 so nearby seeds diverge.
// Invariant: every generator is a pure function of its seed — no Math.random, no clock.

export const LRAN2_MAX = 714025;
const LRAN2_IA = 1366;
const LRAN2_IC = 150889;
const LRAN2_TABLE = 97;

/** lran2 state: [x, y, v0..v96]. All values stay below LRAN2_MAX, so int32 arithmetic is exact. */
export type Lran2 = Int32Array;

export function lran2Create(seed: number): Lran2 {
  const d = new Int32Array(2 + LRAN2_TABLE);
  lran2Init(d, seed);
  return d;
}

/** lran2_init: x = |(IC - seed) % MAX|, fill the table, then x and y. C `%` truncates like JS `%`. */
export function lran2Init(d: Lran2, seed: number): void {
  let x = (LRAN2_IC - seed) % LRAN2_MAX;
  if (x < 0) x = -x;
  for (let j = 0; j < LRAN2_TABLE; j++) {
    x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
    d[2 + j] = x;
  }
  x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
  d[0] = x;
  d[1] = x;
}

/** lran2(): one draw in [0, LRAN2_MAX). 1366 * 714024 < 2^31, so the product is exact. */
export function lran2Next(d: Lran2): number {
  const j = 2 + (d[1] % LRAN2_TABLE);
  d[1] = d[j];
  const x = (LRAN2_IA * d[0] + LRAN2_IC) % LRAN2_MAX;
  d[0] = x;
  d[j] = x;
  return d[1];
}

/** sfc32 state in a 4-word Uint32Array (a, b, c, counter). */
export type Sfc32 = Uint32Array;

export function sfc32Create(seed: number): Sfc32 {
  const s = new Uint32Array(4);
  let z = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    s[i] = (t ^ (t >>> 15)) >>> 0;
  }
  for (let i = 0; i < 12; i++) sfc32Next(s);
  return s;
}

export function sfc32Next(s: Sfc32): number {
  const a = s[0], b = s[1], c = s[2], d = s[3];
  const t = (((a + b) >>> 0) + d) >>> 0;
  s[3] = (d + 1) >>> 0;
  s[0] = b ^ (b >>> 9);
  s[1] = (c + (c << 3)) >>> 0;
  s[2] = (((c << 21) | (c >>> 11)) + t) >>> 0;
  return t;
}

/** Uniform integer in [0, n) for n < 2^32 (modulo bias is irrelevant for workloads). */
export function sfc32Below(s: Sfc32, n: number): number {
  return sfc32Next(s) % n;
}
