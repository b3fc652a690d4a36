// allocator/os.ts — the simulated OS: mapping limits (max_map_count, address-space limit), VmSize,
// mapping count, page residency (first touch makes a page resident), munmap and madvise(DONTNEED),
// and the structured OOM record. Invariants: rss <= vmSize; peaks are maxima of what was observed;
// a refused mapping changes nothing but the OOM record.
import type { AllocCore } from './core.js';
import { S, SS_RES_PAGES, SS_SLABS } from './layout.js';

export type OomReason = 'max_map_count' | 'address_space';
export interface OomInfo {
  reason: OomReason;
  tid: number;
  size: number;
  ssAllocated: number;
  ssFreed: number;
  vmSize: number;
  vmRss: number;
  mappings: number;
  maxMapCount: number;
}

/** Checks whether a mapping of `len` bytes would pass the limits; records the OOM and returns false if not. */
export function osMmapCheck(a: AllocCore, len: number, tid: number, size: number): boolean {
  const f = a.f64;
  let reason = 0;
  if (f[S.mappings]! + 1 > a.p.maxMapCount) reason = 1;
  else if (f[S.vmSize]! + len > a.p.memLimit) reason = 2;
  if (reason === 0) return true;
  osOomRecord(a, reason, tid, size);
  return false;
}

/** Records an OOM (reason 1 = max_map_count, 2 = address_space) with the current figures. */
export function osOomRecord(a: AllocCore, reason: number, tid: number, size: number): void {
  const f = a.f64;
  f[S.oomCount]!++;
  f[S.oomReason] = reason;
  f[S.oomTid] = tid;
  f[S.oomSize] = size;
  f[S.oomSsAllocated] = f[S.ssAllocated]!;
  f[S.oomSsFreed] = f[S.ssFreed]!;
  f[S.oomVmSize] = f[S.vmSize]!;
  f[S.oomVmRss] = f[S.rss]!;
  f[S.oomMappings] = f[S.mappings]!;
  f[S.oomMaxMapCount] = a.p.maxMapCount;
}

export function osMmap(a: AllocCore, len: number): void {
  const f = a.f64;
  f[S.vmSize]! += len;
  f[S.mappings]!++;
  if (f[S.vmSize]! > f[S.peakVmSize]!) f[S.peakVmSize] = f[S.vmSize]!;
}

/** Unmaps `len` bytes of which `residentBytes` were resident (one whole mapping when `whole`). */
export function osMunmap(a: AllocCore, len: number, residentBytes: number, whole: boolean): void {
  const f = a.f64;
  f[S.vmSize]! -= len;
  if (whole) f[S.mappings]!--;
  osRelease(a, residentBytes);
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
    reason: f[S.oomReason] === 1 ? 'max_map_count' : 'address_space',
    tid: f[S.oomTid]!,
    size: f[S.oomSize]!,
    ssAllocated: f[S.oomSsAllocated]!,
    ssFreed: f[S.oomSsFreed]!,
    vmSize: f[S.oomVmSize]!,
    vmRss: f[S.oomVmRss]!,
    mappings: f[S.oomMappings]!,
    maxMapCount: f[S.oomMaxMapCount]!,
  };
}
