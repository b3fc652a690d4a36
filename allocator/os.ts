// allocator/os.ts — the simulated OS as the allocator sees it: mmap / munmap of anonymous memory in
// the address space of vma.ts (which enforces max_map_count and the VmSize limit and places mappings
// as Linux does), the process baseline (its VMAs and resident bytes before the first malloc), page
// residency (first touch makes a page resident), madvise(DONTNEED), and the structured OOM record.
// Invariants: rss = baselineRss + threadRss + metaRss + strandedRss + SuperSlab pages + large bytes;
// rss <= vmSize; peaks are maxima of what was observed; a refused mapping changes nothing but the OOM
// record.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { OOM_REASON_ADDRESS_SPACE, OOM_REASON_MAP_COUNT, OOM_REASONS, S, SS_RES_PAGES, SS_SLABS } from './layout.js';
import {
  MMAP_MAP_COUNT, MMAP_OK, VF_NOMERGE, VF_READ, VF_RW, VK_BASELINE, vmaInit, vmaInsert, vmaLastAddr, vmaMmap, vmaMunmap,
} from './vma.js';

export type OomReason = (typeof OOM_REASONS)[number];
/** What the failed mapping was for. */
export type OomWhat = 'superSlab' | 'large' | 'stack';
export const OOM_SUPERSLAB = 1;
export const OOM_LARGE = 2;
export const OOM_STACK = 3;
const OOM_WHATS: readonly OomWhat[] = ['superSlab', 'superSlab', 'large', 'stack'];

export interface OomVmas { superSlab: number; stack: number; large: number; baseline: number; merged: number }
export interface OomInfo {
  reason: OomReason;
  what: OomWhat;
  tid: number;
  size: number;
  ssAllocated: number;
  ssFreed: number;
  vmSize: number;
  vmRss: number;
  mappings: number;
  maxMapCount: number;
  /** VMAs by what they hold at the failing call (merged: a VMA holding more than one kind). */
  vmas: OomVmas;
}

/** Maps the process baseline: `baselineVmas` unmergeable VMAs right below mmapBase, and its RSS. */
export function osInit(a: AllocCore): void {
  vmaInit(a);
  const p = a.p;
  const n = p.baselineVmas;
  if (n > 0) {
    const first = p.baselineVmSize - (n - 1) * p.pageSize;
    let at = p.mmapBase - p.baselineVmSize;
    for (let i = 0; i < n; i++) {
      const len = i === 0 ? Math.ceil(first / p.pageSize) * p.pageSize : p.pageSize;
      vmaInsert(a, at, at + len, VF_NOMERGE | (i & 1 ? VF_RW : VF_READ), VK_BASELINE);
      at += len;
    }
  }
  a.f64[S.baselineRss] = p.baselineRss;
  osTouchBytes(a, p.baselineRss);
}

/** mmap of `len` anonymous bytes with `flags` for an allocation of thread `tid` (request `size`):
 *  the address, or -1 with the OOM recorded (`what`: OOM_SUPERSLAB / OOM_LARGE). */
export function osMap(a: AllocCore, len: number, flags: number, kind: number, tid: number, size: number, what: number): number {
  const r = vmaMmap(a, len, flags, kind);
  if (r === MMAP_OK) return vmaLastAddr();
  osOomRecord(a, r === MMAP_MAP_COUNT ? OOM_REASON_MAP_COUNT : OOM_REASON_ADDRESS_SPACE, tid, size, what);
  return -1;
}

/** munmap of [start, end) holding `residentBytes` resident bytes. A refused munmap (a split at the
 *  VMA limit) leaves the memory mapped and resident, counted as stranded; returns false then. */
export function osUnmap(a: AllocCore, start: number, end: number, residentBytes: number): boolean {
  if (end <= start) return true;
  if (vmaMunmap(a, start, end)) {
    osRelease(a, residentBytes);
    return true;
  }
  a.f64[S.strandedRss]! += residentBytes;
  return false;
}

/** Records an OOM (reason: OOM_REASON_MAP_COUNT or OOM_REASON_ADDRESS_SPACE) with the current figures. */
export function osOomRecord(a: AllocCore, reason: number, tid: number, size: number, what: number): void {
  const f = a.f64;
  f[S.oomCount]!++;
  f[S.oomReason] = reason;
  f[S.oomWhat] = what;
  f[S.oomTid] = tid;
  f[S.oomSize] = size;
  f[S.oomSsAllocated] = f[S.ssAllocated]!;
  f[S.oomSsFreed] = f[S.ssFreed]!;
  f[S.oomVmSize] = f[S.vmSize]!;
  f[S.oomVmRss] = f[S.rss]!;
  f[S.oomMappings] = f[S.mappings]!;
  f[S.oomMaxMapCount] = a.p.maxMapCount;
  for (let k = 1; k < L.OOM_VMA_STATS.length; k++) f[L.OOM_VMA_STATS[k]!] = f[L.VMA_KIND_STATS[k]!]!;
}

/** Pages that stop being resident (munmap or madvise(DONTNEED)). */
export function osRelease(a: AllocCore, residentBytes: number): void {
  const f = a.f64;
  f[S.rss]! -= residentBytes;
  f[S.bytesReturned]! += residentBytes;
}

export function osTouchBytes(a: AllocCore, bytes: number): void {
  const f = a.f64;
  f[S.rss]! += bytes;
  if (f[S.rss]! > f[S.peakRss]!) f[S.peakRss] = f[S.rss]!;
}

/** Marks the pages of SuperSlab entry `e` covering byte range [from, to) resident. */
export function osTouchSS(a: AllocCore, e: number, from: number, to: number): void {
  if (to <= from) return;
  const i32 = a.i32;
  const bits = e + SS_SLABS + a.slabsPerSS;
  const last = (to - 1) >> a.pageShift;
  let added = 0;
  for (let pg = from >> a.pageShift; pg <= last; pg++) {
    const w = bits + (pg >> 5);
    const b = 1 << (pg & 31);
    const v = i32[w]!;
    if ((v & b) === 0) { i32[w] = v | b; added++; }
  }
  if (added > 0) {
    i32[e + SS_RES_PAGES]! += added;
    osTouchBytes(a, added << a.pageShift);
  }
}

/** madvise(DONTNEED) on SuperSlab entry `e`, keeping the first `keepPages` pages (the header). */
export function osMadviseSS(a: AllocCore, e: number, keepPages: number): void {
  const i32 = a.i32;
  const bits = e + SS_SLABS + a.slabsPerSS;
  let dropped = 0;
  for (let pg = keepPages; pg < a.pagesPerSS; pg++) {
    const w = bits + (pg >> 5);
    const b = 1 << (pg & 31);
    if ((i32[w]! & b) !== 0) { i32[w] = i32[w]! & ~b; dropped++; }
  }
  i32[e + SS_RES_PAGES]! -= dropped;
  osRelease(a, dropped << a.pageShift);
}

export function osOomInfo(a: AllocCore): OomInfo | null {
  const f = a.f64;
  if (f[S.oomCount]! === 0) return null;
  return oomFromStats(f);
}

export function oomFromStats(f: Float64Array): OomInfo {
  return {
    reason: OOM_REASONS[f[S.oomReason]! - 1] ?? 'address_space',
    what: OOM_WHATS[f[S.oomWhat]!] ?? 'superSlab',
    tid: f[S.oomTid]!,
    size: f[S.oomSize]!,
    ssAllocated: f[S.oomSsAllocated]!,
    ssFreed: f[S.oomSsFreed]!,
    vmSize: f[S.oomVmSize]!,
    vmRss: f[S.oomVmRss]!,
    mappings: f[S.oomMappings]!,
    maxMapCount: f[S.oomMaxMapCount]!,
    vmas: {
      superSlab: f[S.oomVmasSuperSlab]!, stack: f[S.oomVmasStack]!, large: f[S.oomVmasLarge]!,
      baseline: f[S.oomVmasBaseline]!, merged: f[S.oomVmasMerged]!,
    },
  };
}
