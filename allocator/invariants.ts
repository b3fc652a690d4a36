// allocator/invariants.ts — the invariant checker: recomputes everything from the block-level state
// and compares it with the counters. Every carved block must be in exactly one place (live, slab free
// state, remote queue, a magazine, or orphaned in an exited thread's magazine); per-slab used counts,
// per-SuperSlab active counts (a deliberate miscount is reported as drift, not an error), page
// residency, RSS <= VmSize, the address space (VMA tree order, gaps, merging, every SuperSlab, large
// block and stack inside a VMA, counts and bytes per kind), thread stacks, lists, thread slots and
// every statistic. Cold, allocates freely.
import type { AllocCore } from './core.js';
import * as L from './layout.js';
import { largeFind } from './large.js';
import { partialHeadWord, slabRec } from './slabRecord.js';
import { stackRecord } from './stack.js';
import { tmGet } from './tidmap.js';
import { statsRead } from './statsView.js';
import {
  VF_NOMERGE, VK_SENTINEL, vmaEnd, vmaFlags, vmaFloor, vmaGap, vmaKind, vmaLeft, vmaMaxGap, vmaRight, vmaStart, vmaWalk,
} from './vma.js';

export interface InvariantReport {
  ok: boolean;
  errors: string[];
  drift: {
    /** sum over SuperSlabs of total_active_blocks minus the blocks really out of their slabs */
    activeCountDrift: number;
    /** SuperSlabs whose active count disagrees with their blocks */
    driftedSuperSlabs: number;
    /** blocks lost in the magazines of threads that exited (orphan policy) */
    orphanedBlocks: number;
    /** blocks in remote queues of slabs whose owner exited (never drained) */
    strandedRemoteBlocks: number;
  };
}

const FREE = 1, REMOTE = 2, MAG = 3, LIVE = 4;

export function checkInvariants(a: AllocCore, liveAddrs?: Iterable<number>): InvariantReport {
  const errors: string[] = [];
  const err = (m: string): void => { if (errors.length < 50) errors.push(m); };
  const i32 = a.i32;
  const f = a.f64;
  const st = statsRead(i32, f);
  const nc = a.nc;
  const drift = { activeCountDrift: 0, driftedSuperSlabs: 0, orphanedBlocks: 0, strandedRemoteBlocks: 0 };
  const marks = new Map<number, Uint8Array>(); // slab id → per-block place (checker scratch only)
  const magPerSlab = new Map<number, number>();
  const slabsSeen = new Set<number>();
  const perClass = Array.from({ length: nc }, () => ({ slabs: 0, ss: 0, reserved: 0, live: 0, mag: 0 }));
  let liveSS = 0, reservedSS = 0, resPages = 0, remotePending = 0, orphaned = 0;

  // ---- SuperSlabs and their slabs
  for (let k = 0; k < a.ssHW; k++) {
    const e = a.ssOff + k * a.ssStride;
    const state = i32[e + L.SS_STATE]!;
    if (state === L.SS_FREE) continue;
    const c = i32[e + L.SS_CLASS]!;
    if (c < 0 || c >= nc) { err(`ss ${k}: bad class ${c}`); continue; }
    perClass[c]!.ss++;
    let pages = 0;
    for (let w = 0; w < a.pageWords; w++) {
      let v = i32[e + L.SS_SLABS + a.slabsPerSS + w]!;
      while (v !== 0) { v &= v - 1; pages++; }
    }
    if (pages !== i32[e + L.SS_RES_PAGES]) err(`ss ${k}: resident pages ${i32[e + L.SS_RES_PAGES]} != bitmap ${pages}`);
    resPages += pages;
    const nslabs = i32[e + L.SS_NSLABS]!;
    if (state === L.SS_RESERVED) {
      reservedSS++;
      perClass[c]!.reserved++;
      if (nslabs !== 0 || i32[e + L.SS_ACTIVE] !== 0) err(`ss ${k}: reserved but has slabs or active blocks`);
      continue;
    }
    if (state !== L.SS_LIVE) { err(`ss ${k}: bad state ${state}`); continue; }
    liveSS++;
    let used = 0;
    for (let i = 0; i < a.slabsPerSS; i++) {
      const sid = i32[e + L.SS_SLABS + i]!;
      if (i >= nslabs) { if (sid !== -1) err(`ss ${k}: slab slot ${i} beyond NSLABS holds ${sid}`); continue; }
      if (sid < 0) { err(`ss ${k}: carved slab ${i} missing`); continue; }
      if (slabsSeen.has(sid)) err(`slab ${sid} appears twice`);
      slabsSeen.add(sid);
      const r = slabRec(a, sid);
      if (i32[r + L.SL_SS] !== k || i32[r + L.SL_INDEX] !== i || i32[r + L.SL_CLASS] !== c) err(`slab ${sid}: back-pointers disagree with ss ${k}/${i}`);
      perClass[c]!.slabs++;
      const cap = i32[r + L.SL_CAP]!, carved = i32[r + L.SL_CARVED]!, ft = i32[r + L.SL_FREE_TOP]!, rc = i32[r + L.SL_REMOTE]!;
      if (!(carved <= cap && ft + rc <= carved && ft >= 0 && rc >= 0)) err(`slab ${sid}: counts cap ${cap} carved ${carved} free ${ft} remote ${rc}`);
      if (i32[r + L.SL_USED] !== carved - ft - rc) err(`slab ${sid}: used ${i32[r + L.SL_USED]} != carved - free - remote ${carved - ft - rc}`);
      used += i32[r + L.SL_USED]!;
      remotePending += rc;
      orphaned += i32[r + L.SL_ORPHANED]!;
      if (rc > 0 && !a.slotAlive(i32[r + L.SL_OWNER_SLOT]!, i32[r + L.SL_OWNER]!)) drift.strandedRemoteBlocks += rc;
      const m = new Uint8Array(cap);
      const stk = i32[r + L.SL_STACK]!;
      for (let j = 0; j < ft; j++) {
        const b = a.u16[stk + j]!;
        if (b >= carved || m[b] !== 0) err(`slab ${sid}: free-state block ${b} invalid or duplicated`);
        else m[b] = FREE;
      }
      for (let j = cap - rc; j < cap; j++) {
        const b = a.u16[stk + j]!;
        if (b >= carved || m[b] !== 0) err(`slab ${sid}: remote block ${b} invalid or duplicated`);
        else m[b] = REMOTE;
      }
      marks.set(sid, m);
      const tls = i32[r + L.SL_TLS]! - 1;
      if (tls >= 0 && i32[a.thrOff + tls * a.thrStride + L.thrTls(nc) + c] !== sid) err(`slab ${sid}: TLS holder ${tls} does not point back`);
      if (tls >= 0 && i32[r + L.SL_LIST] !== 0) err(`slab ${sid}: TLS-held and on a partial list`);
    }
    const active = i32[e + L.SS_ACTIVE]!;
    if (active !== used) {
      if (a.p.remoteDecrementsActive) err(`ss ${k}: active ${active} != blocks out of slabs ${used}`);
      drift.activeCountDrift += active - used;
      drift.driftedSuperSlabs++;
    }
  }

  // ---- magazines and thread slots
  const hw = i32[L.H_THR_HW]!;
  let liveThreads = 0;
  for (let s = 0; s < hw; s++) {
    const t = a.thrOff + s * a.thrStride;
    if (i32[t + L.T_SERIAL] === 0) continue;
    liveThreads++;
    const tid = i32[t + L.T_TID]!;
    if (a.tidToSlot(tid) !== s) err(`thread slot ${s}: tid ${tid} does not map back`);
    if (i32[t + L.T_TID] !== (tid | 0)) err(`thread slot ${s}: tid field`);
    for (let c = 0; c < nc; c++) {
      const top = i32[t + L.T_MAGTOP + c]!;
      if (top < 0 || top > a.magCap[c]!) err(`thread ${tid} class ${c}: magazine top ${top}`);
      perClass[c]!.mag += top;
      const mb = i32[t + L.thrMagPtr(nc) + c]!;
      const lim = i32[t + L.thrMagLim(nc) + c]!;
      if (mb < 0 ? top !== 0 || lim !== 0 : lim !== a.magCap[c]) err(`thread ${tid} class ${c}: magazine chunk ${mb}, limit ${lim}, top ${top}`);
      for (let j = 0; j < top; j++) {
        const h = i32[mb + j]!;
        const sid = h >>> a.blockShift, b = h & a.blockMask;
        const m = marks.get(sid);
        if (!m || i32[slabRec(a, sid) + L.SL_CLASS] !== c) { err(`thread ${tid} class ${c}: magazine holds a block of no live slab of the class`); continue; }
        if (b >= i32[slabRec(a, sid) + L.SL_CARVED]! || m[b] !== 0) { err(`slab ${sid}: magazine block ${b} uncarved or in two places`); continue; }
        m[b] = MAG;
        magPerSlab.set(sid, (magPerSlab.get(sid) ?? 0) + 1);
      }
      const tls = i32[t + L.thrTls(nc) + c]!;
      if (tls >= 0 && (!slabsSeen.has(tls) || i32[slabRec(a, tls) + L.SL_TLS] !== s + 1)) err(`thread ${tid} class ${c}: TLS slab ${tls} does not point back`);
    }
  }

  // ---- live blocks per slab
  let smallLive = 0;
  for (const sid of slabsSeen) {
    const r = slabRec(a, sid);
    const live = i32[r + L.SL_USED]! - (magPerSlab.get(sid) ?? 0) - i32[r + L.SL_ORPHANED]!;
    if (live < 0) err(`slab ${sid}: negative live count ${live}`);
    smallLive += live;
    perClass[i32[r + L.SL_CLASS]!]!.live += live;
  }
  if (liveAddrs) {
    let n = 0;
    let large = 0;
    for (const addr of liveAddrs) {
      if (addr >= L.LARGE_BASE) { large++; if (largeFind(a, addr) < 0) err(`live address 0x${addr.toString(16)} is no live large mapping`); continue; }
      const k = Math.floor((addr - L.SS_BASE) * a.invSS);
      const e = a.ssOff + k * a.ssStride;
      const sid = k >= 0 && k < a.ssHW && i32[e + L.SS_STATE] === L.SS_LIVE ? i32[e + L.SS_SLABS + ((addr - L.SS_BASE - k * a.ssSize) >>> a.slabShift)]! : -1;
      const m = sid >= 0 ? marks.get(sid) : undefined;
      const b = m ? (addr - f[slabRec(a, sid) >> 1]!) / a.classSize[i32[slabRec(a, sid) + L.SL_CLASS]!]! : -1;
      if (!m || !Number.isInteger(b) || b < 0 || b >= i32[slabRec(a, sid) + L.SL_CARVED]!) { err(`live address 0x${addr.toString(16)} is no carved block`); continue; }
      if (m[b] !== 0) { err(`live address 0x${addr.toString(16)} is also ${['', 'free', 'remote', 'in a magazine', 'live'][m[b]!]}`); continue; }
      m[b] = LIVE;
      n++;
    }
    if (n !== smallLive) err(`caller holds ${n} live small blocks, slabs account for ${smallLive}`);
    if (large !== st.largeLive) err(`caller holds ${large} live large blocks, allocator has ${st.largeLive}`);
  }

  // ---- partial lists
  const codes: number[] = [];
  for (let c = 0; c < nc; c++) codes.push(1 + c);
  if (a.tlsMode) for (let s = 0; s < hw; s++) if (i32[a.thrOff + s * a.thrStride + L.T_SERIAL] !== 0) for (let c = 0; c < nc; c++) codes.push(1 + nc + s * nc + c);
  let listed = 0;
  for (const code of codes) {
    let prev = -1;
    for (let sid = i32[partialHeadWord(a, code)]!, guard = 0; sid >= 0; sid = i32[slabRec(a, sid) + L.SL_NEXT]!, guard++) {
      if (guard > slabsSeen.size || !slabsSeen.has(sid)) { err(`partial list ${code}: bad slab ${sid} or cycle`); break; }
      const r = slabRec(a, sid);
      if (i32[r + L.SL_LIST] !== code || i32[r + L.SL_PREV] !== prev) err(`slab ${sid}: partial list links disagree`);
      prev = sid;
      listed++;
    }
  }
  let flagged = 0;
  for (const sid of slabsSeen) if (i32[slabRec(a, sid) + L.SL_LIST] !== 0) flagged++;
  if (flagged !== listed) err(`${flagged} slabs flagged as listed, ${listed} found on the lists`);

  // ---- reserve lists
  for (let c = 0; c < nc; c++) {
    let n = 0;
    for (let k = i32[L.H_RESERVE + c]!; k >= 0 && n <= a.ssHW; k = i32[a.ssOff + k * a.ssStride + L.SS_LINK]!) {
      if (i32[a.ssOff + k * a.ssStride + L.SS_STATE] !== L.SS_RESERVED) err(`reserve list ${c}: ss ${k} not reserved`);
      n++;
    }
    if (n !== perClass[c]!.reserved) err(`class ${c}: reserve list has ${n}, table has ${perClass[c]!.reserved}`);
    if (n > a.p.emptyReserve) err(`class ${c}: reserve ${n} beyond emptyReserve ${a.p.emptyReserve}`);
  }

  // ---- statistics against recomputation
  const eq = (name: string, got: number, want: number): void => { if (got !== want) err(`stat ${name} = ${got}, recomputed ${want}`); };
  eq('ssLive', st.ssLive, liveSS + reservedSS);
  eq('ssEmptyReserved', st.ssEmptyReserved, reservedSS);
  checkAddressSpace(a, err, eq);
  const threadRss = checkStacks(a, err, eq);
  eq('threadRss', st.threadRss, threadRss);
  eq('rss', st.rss, st.baselineRss + st.threadRss + st.metaRss + st.strandedRss + resPages * a.p.pageSize + st.largeBytes);
  eq('metaRss', st.metaRss, slabsSeen.size * a.p.slabMetaBytes);
  eq('remoteFreesPending', st.remoteFreesPending, remotePending);
  eq('orphanedBlocks', st.orphanedBlocks, orphaned);
  eq('liveBlocks', st.liveBlocks, smallLive + st.largeLive);
  eq('threadsLive', st.threadsLive, liveThreads);
  eq('operations (the periodic-trim counter)', a.ops, st.blocksAllocated + st.blocksFreed);
  if (st.rss > st.vmSize) err(`rss ${st.rss} > vmSize ${st.vmSize}`);
  if (st.peakRss < st.rss || st.peakVmSize < st.vmSize) err('a peak is below the current value');
  if (st.mappings > a.p.maxMapCount + 1) err(`mappings ${st.mappings} beyond maxMapCount + 1`);
  for (let c = 0; c < nc; c++) {
    const cs = st.classes[c]!, pc = perClass[c]!;
    eq(`class ${c} slabs`, cs.slabs, pc.slabs);
    eq(`class ${c} superSlabs`, cs.superSlabs, pc.ss);
    eq(`class ${c} emptyReserved`, cs.emptyReserved, pc.reserved);
    eq(`class ${c} magazineBlocks`, cs.magazineBlocks, pc.mag);
    eq(`class ${c} liveBlocks`, cs.liveBlocks, pc.live);
  }
  drift.orphanedBlocks = orphaned;
  return { ok: errors.length === 0, errors, drift };
}

type Err = (m: string) => void;
type Eq = (name: string, got: number, want: number) => void;

/** The VMA tree: order, gaps and their subtree maxima, merging, counts and bytes per kind; every
 *  SuperSlab and large block lies inside a VMA. */
function checkAddressSpace(a: AllocCore, err: Err, eq: Eq): void {
  const f = a.f64;
  const count = [0, 0, 0, 0, 0, 0];
  const bytes = [0, 0, 0, 0, 0, 0];
  let prevEnd = 0;
  let prevFlags = -1;
  let nodes = 0;
  const maxGap = (n: number): number => {
    let m = vmaGap(a, n);
    for (const c of [vmaLeft(a, n), vmaRight(a, n)]) if (c >= 0) m = Math.max(m, maxGap(c));
    if (m !== vmaMaxGap(a, n)) err(`vma ${n}: maxGap ${vmaMaxGap(a, n)}, subtree has ${m}`);
    return m;
  };
  vmaWalk(a, (n) => {
    nodes++;
    const s = vmaStart(a, n), e = vmaEnd(a, n), fl = vmaFlags(a, n), k = vmaKind(a, n);
    if (!(e > s)) err(`vma ${n}: empty or inverted [${s}, ${e})`);
    if (s < prevEnd) err(`vma ${n}: starts at 0x${s.toString(16)} inside the previous one`);
    if (vmaGap(a, n) !== s - prevEnd && nodes > 1) err(`vma ${n}: gap ${vmaGap(a, n)} != ${s - prevEnd}`);
    if (s === prevEnd && fl === prevFlags && (fl & VF_NOMERGE) === 0) err(`vma ${n}: not merged with its equal neighbour at 0x${s.toString(16)}`);
    if (k !== VK_SENTINEL) { count[k]!++; bytes[k]! += e - s; }
    prevEnd = e;
    prevFlags = fl;
  });
  const root = a.i32[L.H_VMA_ROOT]!;
  if (root >= 0) maxGap(root);
  const total = count.reduce((x, y) => x + y, 0);
  eq('mappings (VMAs)', f[L.S.mappings]!, total);
  eq('vmSize (VMA bytes)', f[L.S.vmSize]!, bytes.reduce((x, y) => x + y, 0));
  for (let k = 1; k < count.length; k++) {
    eq(`VMAs of kind ${k}`, f[L.VMA_KIND_STATS[k]!]!, count[k]!);
    eq(`VMA bytes of kind ${k}`, f[L.VMA_KIND_BYTES[k]!]!, bytes[k]!);
  }
  const inside = (what: string, s: number, e: number): void => {
    const v = vmaFloor(a, s);
    if (v < 0 || vmaKind(a, v) === VK_SENTINEL || vmaEnd(a, v) < e) err(`${what} [0x${s.toString(16)}, 0x${e.toString(16)}) is not mapped`);
  };
  for (let k = 0; k < a.ssHW; k++) {
    const e = a.ssOff + k * a.ssStride;
    if (a.i32[e + L.SS_STATE] === L.SS_FREE) continue;
    const at = f[(e + L.SS_OSADDR) >> 1]!;
    if (at % a.ssSize !== 0) err(`ss ${k}: address 0x${at.toString(16)} not aligned to its size`);
    inside(`ss ${k}`, at, at + a.ssSize);
  }
  const hw = a.i32[L.H_LARGE_HW]!;
  for (let i = 0; i < hw; i++) {
    const r = a.largeOff + i * L.LARGE_STRIDE;
    if (a.i32[r + L.LG_STATE] !== 1) continue;
    const at = f[(r + L.LG_OSADDR) >> 1]!;
    inside(`large block ${i}`, at, at + f[(r + L.LG_MAPPED) >> 1]!);
  }
}

/** Stack records against the tid map and the statistics; returns the recomputed threadRss. */
function checkStacks(a: AllocCore, err: Err, eq: Eq): number {
  const f = a.f64;
  const len = a.p.stackSize + a.p.stackGuard;
  let mapped = 0, leaked = 0, cached = 0, res = a.i32[L.H_MAIN_SEEN] === 1 ? a.tlsResident : 0;
  const hw = a.i32[L.H_STK_HW]!;
  for (let r = 0; r < hw; r++) {
    const s = stackRecord(a, r);
    if (s.state === L.STK_FREE) continue;
    mapped++;
    res += s.res;
    if (s.state === L.STK_ZOMBIE || s.state === L.STK_LEAKED) leaked++;
    if (s.state === L.STK_CACHED) cached++;
    const v = vmaFloor(a, s.addr);
    if (v < 0 || vmaKind(a, v) === VK_SENTINEL) err(`stack ${r} at 0x${s.addr.toString(16)} is not mapped`);
    const top = vmaFloor(a, s.addr + len - 1);
    if (top < 0 || vmaEnd(a, top) < s.addr + len) err(`stack ${r}: its top is not mapped`);
    const live = s.state === L.STK_RUNNING || s.state === L.STK_DETACHED || s.state === L.STK_ZOMBIE;
    const mapsBack = tmGet(a, L.TIDMAP_STACK, s.tid) === r;
    if (live !== mapsBack) err(`stack ${r} (state ${s.state}, tid ${s.tid}) and the tid map disagree`);
  }
  eq('stacksMapped', f[L.S.stacksMapped]!, mapped);
  eq('stacksLeaked', f[L.S.stacksLeaked]!, leaked);
  eq('stacksCached', f[L.S.stacksCached]!, cached);
  if (cached * len > a.p.stackCache) err(`stack cache holds ${cached} stacks, beyond stackCache`);
  return res;
}
