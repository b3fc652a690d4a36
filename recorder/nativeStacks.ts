// Call stacks of a native capture (`record exec --stacks`): reads the stack tables libslabtrace wrote
// (recorder/native/stacks.c: one file per process image, "<prefix>.<proc>": u32 magic 'STKS', u32
// version 1, u32 proc, u32 depth, u32 count, u32 misses, then per stack id 1..count {u32 len, u32 0,
// u64 pc[len]}, then the image's /proc/self/maps text) and symbolises every return address at
// conversion time: the mapping that holds it gives the object and its address in the object (ELF
// program headers: a PIE or shared object is relocated, a fixed-address executable is not), and
// `addr2line -f -C -e OBJ` (one run per object, addresses on stdin) gives `function (file:line)`;
// without a name, or without addr2line, a frame is `object+0xoffset` (the object's base name).
// The call site is looked up at pc - 1 (a return address is the instruction after the call).
// Owns: nothing of the trace; the converter (nativeLog.ts) defines the stacks it uses in its writers.
// Invariants: a missing or cut table file gives no stacks for that image (its allocations get stack
// 0), never an error; memory is the tables themselves (bounded by the library's table size).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';

const STKS_MAGIC = 0x534b5453;

/** Frames (symbolised, innermost first) per stack id of each image (proc id). */
export interface NativeStackTables {
  /** image proc id → frames per raw stack id (index 0 unused). */
  readonly images: Map<number, string[][]>;
  /** Most frames per stack asked for. */
  readonly depth: number;
  /** Stacks the library could not record (its table was full, or a slot stayed busy). */
  readonly misses: number;
  /** Distinct return addresses, and how many addr2line named. */
  readonly addresses: number;
  readonly symbolised: number;
  /** addr2line was found (else every frame is object+offset). */
  readonly addr2line: boolean;
}

interface RawTable { proc: number; depth: number; misses: number; stacks: bigint[][]; maps: Mapping[] }
interface Mapping { lo: bigint; hi: bigint; offset: bigint; path: string }

/** Parses one table file; null when it is missing or not a table. */
function readTable(path: string): RawTable | null {
  let buf: Buffer;
  try { buf = readFileSync(path); } catch { return null; }
  if (buf.length < 24 || buf.readUInt32LE(0) !== STKS_MAGIC || buf.readUInt32LE(4) !== 1) return null;
  const proc = buf.readUInt32LE(8), depth = buf.readUInt32LE(12), count = buf.readUInt32LE(16), misses = buf.readUInt32LE(20);
  const stacks: bigint[][] = [[]];
  let p = 24;
  for (let id = 1; id <= count; id++) {
    if (p + 8 > buf.length) return { proc, depth, misses, stacks, maps: [] };
    const len = buf.readUInt32LE(p);
    p += 8;
    if (p + 8 * len > buf.length) return { proc, depth, misses, stacks, maps: [] };
    const pcs: bigint[] = [];
    for (let k = 0; k < len; k++) pcs.push(buf.readBigUInt64LE(p + 8 * k));
    p += 8 * len;
    stacks.push(pcs);
  }
  const maps: Mapping[] = [];
  for (const line of buf.subarray(p).toString('latin1').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (m) maps.push({ lo: BigInt('0x' + m[1]), hi: BigInt('0x' + m[2]), offset: BigInt('0x' + m[3]), path: m[4]!.trim() });
  }
  return { proc, depth, misses, stacks, maps };
}

/** ELF load segments of an object: type (2 = fixed-address executable) and (offset, vaddr, filesz). */
interface ElfInfo { fixed: boolean; loads: Array<{ off: bigint; vaddr: bigint; size: bigint }> }
const elfCache = new Map<string, ElfInfo | null>();

function elfInfo(path: string): ElfInfo | null {
  if (elfCache.has(path)) return elfCache.get(path)!;
  let info: ElfInfo | null = null;
  try {
    const fd = openSync(path, 'r');
    try {
      const h = Buffer.alloc(64);
      readSync(fd, h, 0, 64, 0);
      if (h.readUInt32BE(0) === 0x7f454c46 && h[4] === 2 && h[5] === 1) {
        const phoff = Number(h.readBigUInt64LE(32)), phentsize = h.readUInt16LE(54), phnum = h.readUInt16LE(56);
        const ph = Buffer.alloc(phentsize * phnum);
        readSync(fd, ph, 0, ph.length, phoff);
        const loads: ElfInfo['loads'] = [];
        for (let i = 0; i < phnum; i++) {
          const b = i * phentsize;
          if (ph.readUInt32LE(b) !== 1) continue; // PT_LOAD
          loads.push({ off: ph.readBigUInt64LE(b + 8), vaddr: ph.readBigUInt64LE(b + 16), size: ph.readBigUInt64LE(b + 32) });
        }
        info = { fixed: h.readUInt16LE(16) === 2, loads };
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    info = null;
  }
  elfCache.set(path, info);
  return info;
}

/** The object and address in it (for addr2line) of pc, or null (anonymous memory, vdso, ...). */
function locate(maps: Mapping[], pc: bigint): { path: string; vaddr: bigint; off: bigint } | { name: string; off: bigint } | null {
  for (const m of maps) {
    if (pc < m.lo || pc >= m.hi) continue;
    const fileOff = pc - m.lo + m.offset;
    if (!m.path.startsWith('/')) return m.path ? { name: m.path, off: pc - m.lo } : null;
    const elf = existsSync(m.path) ? elfInfo(m.path) : null;
    if (!elf) return { name: basename(m.path), off: fileOff };
    if (elf.fixed) return { path: m.path, vaddr: pc, off: pc };
    const seg = elf.loads.find((s) => fileOff >= s.off && fileOff < s.off + s.size);
    const vaddr = seg ? fileOff - seg.off + seg.vaddr : fileOff;
    return { path: m.path, vaddr, off: vaddr };
  }
  return null;
}

/** addr2line -f -C over addrs (hex) of one object: [function, file:line] per address, or null. */
function addr2line(obj: string, addrs: bigint[]): Array<[string, string]> | null {
  const r = spawnSync('addr2line', ['-f', '-C', '-e', obj], {
    input: addrs.map((a) => '0x' + a.toString(16)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28,
  });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const lines = r.stdout.split('\n');
  const out: Array<[string, string]> = [];
  for (let i = 0; i < addrs.length; i++) out.push([lines[2 * i] ?? '??', lines[2 * i + 1] ?? '??:0']);
  return out;
}

let addr2lineFound: boolean | null = null;
function hasAddr2line(): boolean {
  if (addr2lineFound === null) addr2lineFound = spawnSync('addr2line', ['--version'], { encoding: 'utf8' }).status === 0;
  return addr2lineFound;
}

/** Reads "<prefix>.<proc>" for every proc id given and symbolises their stacks. */
export function nativeReadStacks(prefix: string, procs: Iterable<number>, depth: number): NativeStackTables {
  const tables: RawTable[] = [];
  for (const proc of procs) {
    const t = readTable(`${prefix}.${proc}`);
    if (t) tables.push(t);
  }
  // every distinct (object, address) once; per object one addr2line run
  const names = new Map<string, string>(); // key proc:pc -> frame
  const perObj = new Map<string, Map<bigint, string[]>>(); // obj -> vaddr -> keys waiting
  const found = hasAddr2line();
  let addresses = 0, symbolised = 0, misses = 0;
  for (const t of tables) {
    misses += t.misses;
    for (const pcs of t.stacks) {
      for (const pc of pcs) {
        const key = `${t.proc}:${pc}`;
        if (names.has(key)) continue;
        addresses++;
        const at = locate(t.maps, pc - 1n);
        if (at === null) { names.set(key, `0x${pc.toString(16)}`); continue; }
        if ('name' in at) { names.set(key, `${at.name}+0x${(at.off + 1n).toString(16)}`); continue; }
        names.set(key, `${basename(at.path)}+0x${(at.off + 1n).toString(16)}`);
        if (!found) continue;
        let m = perObj.get(at.path);
        if (!m) { m = new Map(); perObj.set(at.path, m); }
        const keys = m.get(at.vaddr);
        if (keys) keys.push(key); else m.set(at.vaddr, [key]);
      }
    }
  }
  for (const [obj, m] of perObj) {
    const addrs = [...m.keys()];
    const res = addr2line(obj, addrs);
    if (!res) continue;
    addrs.forEach((a, i) => {
      const [fn, loc] = res[i]!;
      if (fn === '??' || fn === '') return;
      const where = loc.startsWith('??') ? names.get(m.get(a)![0]!)! : `${basename(loc.split(' ')[0]!)}`;
      for (const key of m.get(a)!) {
        names.set(key, `${fn} (${loc.startsWith('??') ? names.get(key)! : where})`);
        symbolised++;
      }
    });
  }
  const images = new Map<number, string[][]>();
  for (const t of tables) images.set(t.proc, t.stacks.map((pcs) => pcs.map((pc) => names.get(`${t.proc}:${pc}`)!)));
  return { images, depth, misses, addresses, symbolised, addr2line: found };
}
