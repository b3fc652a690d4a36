// allocator/vmaKernel.ts — the address space's system calls in WebAssembly (kernel/vma.ts, built by
// `npm run build` into kernel/build/vma.wasm), over the memory of the allocator's replay kernel
// (kernel.ts): one instance per allocator, its path stacks in that kernel's scratch. vma.ts's
// vmaMmap / vmaMunmap / vmaProtect hand their work to it when the allocator has one and run their
// own JavaScript otherwise; both leave the same bytes. The node table's growth stays the host's (the
// instance imports it as `grow`), so the heap is laid out as the JavaScript path lays it out.
// The layout check hands kernel/vma.ts layout.ts's values, so the compiled-in layout cannot drift.
import { readFileSync } from 'node:fs';
import { kernelWasmPath, type RunKernel } from './kernel.js';
import * as L from './layout.js';

/** Path stack entries (kernel/vma.ts traps past them; a treap of random priorities is ~2 ln n deep). */
const PATH_CAP = 4096;

/** The values kernel/vma.ts's layoutCheck compares with its own, in its order. */
function vmaLayoutWords(): number[] {
  for (let k = 1; k < L.VMA_KIND_STATS.length; k++) {
    if (L.VMA_KIND_STATS[k] !== L.VMA_KIND_STATS[1]! + k - 1 || L.VMA_KIND_BYTES[k] !== L.VMA_KIND_BYTES[1]! + k - 1) {
      throw new Error('slabtrace: the per-kind VMA statistics are not consecutive (kernel/vma.ts indexes them by kind)');
    }
  }
  return [
    L.H_VMA_OFF, L.H_VMA_CAP, L.H_VMA_HW, L.H_VMA_FREE, L.H_VMA_ROOT, L.H_VMA_SEED, L.VMA_STRIDE,
    L.V_START, L.V_END, L.V_GAP, L.V_MAXGAP, L.V_LEFT, L.V_RIGHT, L.V_PRIO, L.V_FLAGS, L.V_KIND, L.V_NEXT,
    L.S.vmSize, L.S.peakVmSize, L.S.mappings, L.S.peakMappings, L.S.munmapFailures,
    L.VMA_KIND_STATS[1]!, L.VMA_KIND_BYTES[1]!,
  ];
}

/** What the system calls need of the allocator's configuration. */
export interface VmaKernelConfig { maxMapCount: number; memLimit: number; thpAlign: boolean }

/** Parameters of each export of kernel/vma.ts, as this file calls them. */
const VMA_ARITY: Readonly<Record<string, number>> = { layoutCheck: 1, vmaConfigure: 6, vmaMmap: 3, vmaMunmap: 3, vmaProtect: 3, vmaAddr: 0 };

let compiled: WebAssembly.Module | null = null;

export class VmaKernel {
  /** vma.ts's vmaMmap: MMAP_* (the address in addr() when MMAP_OK). */
  readonly mmap: (len: number, flags: number, kind: number) => number;
  /** vma.ts's vmaMunmap: 1, or 0 when refused; inPlace 0 takes the split / merge path. */
  readonly munmap: (start: number, end: number, inPlace: number) => number;
  /** vma.ts's vmaProtect: 1, or 0 when refused. */
  readonly protect: (start: number, end: number, flags: number) => number;
  readonly addr: () => number;

  private constructor(e: WebAssembly.Instance['exports']) {
    this.mmap = e.vmaMmap as VmaKernel['mmap'];
    this.munmap = e.vmaMunmap as VmaKernel['munmap'];
    this.protect = e.vmaProtect as VmaKernel['protect'];
    this.addr = e.vmaAddr as VmaKernel['addr'];
  }

  /** An instance over `k`'s memory; `grow` grows the node table as vma.ts does. Null when the
   *  scratch has no room for the path stacks (the caller keeps the JavaScript path). */
  static create(k: RunKernel, c: VmaKernelConfig, grow: () => void): VmaKernel | null {
    const words = vmaLayoutWords();
    const check = k.take(words.length * 4);
    const paths = k.take(2 * PATH_CAP * 4);
    if (check < 0 || paths < 0) return null;
    compiled ??= new WebAssembly.Module(readFileSync(kernelWasmPath('vma')));
    const e = new WebAssembly.Instance(compiled, { env: { memory: k.memory, grow } }).exports;
    // the arguments are positional: a build whose exports take other counts of them is refused too
    const arity = Object.entries(VMA_ARITY).find(([name, n]) => (e[name] as ((...a: number[]) => number) | undefined)?.length !== n);
    new Int32Array(k.buffer, check, words.length).set(words);
    if (arity !== undefined || (e.layoutCheck as (p: number) => number)(check) !== 1) {
      throw new Error(`slabtrace: allocator/kernel/vma.ts does not match ${arity ? `vmaKernel.ts (${arity[0]})` : 'layout.ts'} (rebuild: npm run build)`);
    }
    (e.vmaConfigure as (p: number, d: number, cap: number, m: number, lim: number, thp: number) => void)(
      paths, paths + PATH_CAP * 4, PATH_CAP, c.maxMapCount, c.memLimit, c.thpAlign ? 1 : 0);
    return new VmaKernel(e);
  }
}
