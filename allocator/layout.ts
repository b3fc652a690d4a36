// allocator/layout.ts — owns every offset of the allocator's SharedArrayBuffer.
// Invariants: the buffer starts with HEADER_WORDS Int32 header words (magic, version, table offsets),
// then the fixed statistics block (Float64, global + per-class fields declared once below), then a
// bump-allocated heap of word-aligned chunks (tables and per-slab block stacks). Offsets stored in the
// header are Int32 word indexes (Float64 indexes are word index >> 1; every table is 2-word aligned).
// Tables move when they grow (old chunks are never reused, so a concurrent reader never sees garbage).

export const LAYOUT_MAGIC = 0x534c4254; // 'SLBT'
export const LAYOUT_VERSION = 2;
export const MAX_CLASSES = 16;

// ---- header words (Int32) ----
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_HEAP_TOP = 2; // words
export const H_NCLASSES = 3;
export const H_SS_OFF = 4;
export const H_SS_CAP = 5;
export const H_SS_HW = 6;
export const H_SS_FREE = 7;
export const H_SLAB_OFF = 8;
export const H_SLAB_CAP = 9;
export const H_SLAB_HW = 10;
export const H_SLAB_FREE = 11;
export const H_THR_OFF = 12;
export const H_THR_CAP = 13;
export const H_THR_HW = 14;
export const H_THR_FREE = 15;
export const H_THRSTAT_OFF = 16; // word index of the per-thread Float64 stats table
export const H_MAG_OFF = 17; // unused since layout 2 (magazines are per-class chunks, thrMagPtr)
export const H_TIDMAP_OFF = 18; // tid → thread slot map (tidmap.ts): table, capacity; count/used below
export const H_TIDMAP_CAP = 19;
export const H_LARGE_OFF = 20;
export const H_LARGE_CAP = 21;
export const H_LARGE_HW = 22;
export const H_LARGE_FREE = 23;
export const H_SERIAL = 24;
export const H_PENDING = 25;
export const H_SS_STRIDE = 26;
export const H_SLAB_STRIDE = 27;
export const H_THR_STRIDE = 28;
export const H_MAG_STRIDE = 29; // unused since layout 2
export const H_SS_SIZE_LOG2 = 30;
export const H_PAGE_WORDS = 31;
export const H_POOL = 32; // + class: head of the free block-stack chunk list (word index, -1 none)
export const H_CUR_SS = 48; // + class: shared-mode current SuperSlab (-1 none)
export const H_RESERVE = 64; // + class: head of the empty-reserve list (-1 none)
export const H_CLASS_SIZE = 80; // + class: block size in bytes
export const H_PARTIAL = 96; // + class: shared-mode partial slab list head (-1 none)
export const H_SLABS_PER_SS = 112;
export const H_BLOCK_SHIFT = 113; // handle = slabId << shift | blockIndex
// the address space (vma.ts): node table, free list, treap root, priority stream
export const H_VMA_OFF = 114;
export const H_VMA_CAP = 115;
export const H_VMA_HW = 116;
export const H_VMA_FREE = 117;
export const H_VMA_ROOT = 118;
export const H_VMA_SEED = 119;
// thread stacks (stack.ts): record table, free list, cache list (most / least recently released),
// tid → stack record map
export const H_STK_OFF = 120;
export const H_STK_CAP = 121;
export const H_STK_HW = 122;
export const H_STK_FREE = 123;
export const H_STK_HEAD = 124;
export const H_STK_TAIL = 125;
export const H_TIDSTK_OFF = 126;
export const H_TIDSTK_CAP = 127;
export const H_MAIN_SEEN = 128; // 1 once the main thread (tid 0, stack in the baseline) has started
export const H_TIDMAP_COUNT = 129;
export const H_TIDMAP_USED = 130;
export const H_TIDSTK_COUNT = 131;
export const H_TIDSTK_USED = 132;
export const H_MAGPOOL = 133; // + class: head of the free magazine-chunk list (word index, -1 none)
export const HEADER_WORDS = 192;

/** The two tid maps' header words (tidmap.ts). */
export const TIDMAP_SLOT = Object.freeze({ off: H_TIDMAP_OFF, cap: H_TIDMAP_CAP, count: H_TIDMAP_COUNT, used: H_TIDMAP_USED });
export const TIDMAP_STACK = Object.freeze({ off: H_TIDSTK_OFF, cap: H_TIDSTK_CAP, count: H_TIDSTK_COUNT, used: H_TIDSTK_USED });

// ---- statistics block (Float64) ----
/** Global statistics, in buffer order. Declared once; the view and the checker read this list.
 *  Derived figures (ssLive, blocksAllocated/Freed, bytesFreed, liveBlocks, threadsLive) are computed by
 *  the reader from these and the per-class block (so the hot path does fewer stores). */
export const STAT_FIELDS = [
  'rss', 'peakRss', 'vmSize', 'peakVmSize', 'mappings',
  'ssAllocated', 'ssFreed', 'ssEmptyReserved',
  'remoteFrees', 'remoteFreesPending', 'magazineFlushes', 'magazineSpills', 'trims', 'bytesReturned',
  'threadsStarted', 'threadsExited',
  'largeAllocated', 'largeFreed', 'largeBytesAllocated', 'largeBytesFreed', 'largeLive', 'largeBytes',
  'orphanedBlocks', 'reallocs',
  'oomCount', 'oomReason', 'oomTid', 'oomSize', 'oomSsAllocated', 'oomSsFreed', 'oomVmSize', 'oomVmRss',
  'oomMappings', 'oomMaxMapCount', 'maxMapCount', 'memLimit', 'nextTrimAt', 'bufferBytes',
  // the address space: VMAs and their bytes per kind (vma.ts), failed munmaps (a split at the limit)
  'peakMappings', 'vmasSuperSlab', 'vmasStack', 'vmasLarge', 'vmasBaseline', 'vmasMerged',
  'vmBytesSuperSlab', 'vmBytesStack', 'vmBytesLarge', 'vmBytesBaseline', 'vmBytesMerged', 'munmapFailures',
  // resident memory outside the SuperSlabs and large blocks
  'baselineRss', 'threadRss', 'metaRss', 'strandedRss',
  // thread stacks (stack.ts)
  'stacksMapped', 'stacksLeaked', 'stacksCached', 'stackFailures', 'threadsJoined', 'threadsDetached',
  // what the failed mmap was for (1 SuperSlab, 2 large block, 3 thread stack) and the VMAs per kind at that moment
  'oomWhat', 'oomVmasSuperSlab', 'oomVmasStack', 'oomVmasLarge', 'oomVmasBaseline', 'oomVmasMerged',
] as const;
export type StatField = (typeof STAT_FIELDS)[number];
export const STATS_F64 = HEADER_WORDS >> 1; // first Float64 index of the statistics block
export const STATS_MAX_FIELDS = 96;
export const S: { readonly [K in StatField]: number } = Object.freeze(
  Object.fromEntries(STAT_FIELDS.map((n, i) => [n, STATS_F64 + i])),
) as { readonly [K in StatField]: number };

/** Per-class statistics, CLASS_STAT_FIELDS.length Float64 per class, MAX_CLASSES classes. */
export const CLASS_STAT_FIELDS = [
  'size', 'blocksAllocated', 'blocksFreed', 'slabs', 'superSlabs', 'emptyReserved', 'remoteFrees',
] as const;
export type ClassStatField = (typeof CLASS_STAT_FIELDS)[number];
export const CLASS_STATS_F64 = STATS_F64 + STATS_MAX_FIELDS;
export const CLASS_STRIDE = CLASS_STAT_FIELDS.length;
export const CS: { readonly [K in ClassStatField]: number } = Object.freeze(
  Object.fromEntries(CLASS_STAT_FIELDS.map((n, i) => [n, i])),
) as { readonly [K in ClassStatField]: number };

/** Per-thread-slot statistics (Float64 table at H_THRSTAT_OFF, THREAD_STAT_FIELDS.length per slot). */
/** 'frees' must follow 'allocs'; remoteFreesReceived: frees by other threads into this thread's slabs. */
export const THREAD_STAT_FIELDS = ['tid', 'active', 'allocs', 'frees', 'remoteFreesSent', 'remoteFreesReceived'] as const;
export type ThreadStatField = (typeof THREAD_STAT_FIELDS)[number];
export const TS_STRIDE = 6;
export const TS: { readonly [K in ThreadStatField]: number } = Object.freeze(
  Object.fromEntries(THREAD_STAT_FIELDS.map((n, i) => [n, i])),
) as { readonly [K in ThreadStatField]: number };

/** Statistic index of the VMA count / bytes of each VMA kind (vma.ts VK_*; the sentinel kind has none). */
export const VMA_KIND_STATS: readonly number[] = [-1, S.vmasSuperSlab, S.vmasStack, S.vmasLarge, S.vmasBaseline, S.vmasMerged];
export const VMA_KIND_BYTES: readonly number[] = [-1, S.vmBytesSuperSlab, S.vmBytesStack, S.vmBytesLarge, S.vmBytesBaseline, S.vmBytesMerged];
export const OOM_VMA_STATS: readonly number[] = [-1, S.oomVmasSuperSlab, S.oomVmasStack, S.oomVmasLarge, S.oomVmasBaseline, S.oomVmasMerged];

export const HEAP_START_WORDS = (CLASS_STATS_F64 + MAX_CLASSES * CLASS_STRIDE) * 2;

// ---- SuperSlab table entry (Int32 words) ----
export const SS_STATE = 0; // SS_FREE | SS_LIVE | SS_RESERVED
export const SS_CLASS = 1;
export const SS_OWNER = 2; // owner thread serial (0 = shared / none)
export const SS_OWNER_SLOT = 3; // -1 none
export const SS_ACTIVE = 4; // total_active_blocks as the modelled allocator counts it
export const SS_NSLABS = 5; // slabs carved so far
export const SS_LINK = 6; // next in the free-slot, reserve or pending list
export const SS_PENDING = 7; // 1 while on the pending-empty list
export const SS_RES_PAGES = 8; // resident pages
export const SS_OSADDR = 10; // Float64: the SuperSlab's address in the simulated address space
export const SS_SLABS = 12; // + slab index: slab record id or -1; then the page residency bitmap
export const SS_FREE = 0;
export const SS_LIVE = 1;
export const SS_RESERVED = 2;
export function ssStride(slabsPerSS: number, pageWords: number): number {
  return (SS_SLABS + slabsPerSS + pageWords + 1) & ~1;
}

// ---- slab record (Int32 words; a Float64 base address at words 0..1) ----
export const SL_BASE = 0; // Float64: address of block 0
export const SL_SS = 2; // SuperSlab table index (-1 when the record is free)
export const SL_INDEX = 3;
export const SL_CLASS = 4;
export const SL_CAP = 5;
export const SL_CARVED = 6;
export const SL_FREE_TOP = 7; // free-state blocks: stack[0 .. FREE_TOP)
export const SL_REMOTE = 8; // remote queue: stack[CAP - REMOTE .. CAP)
export const SL_USED = 9; // blocks live, in magazines, or orphaned
export const SL_OWNER = 10; // owner thread serial (0 none)
export const SL_TLS = 11; // slot + 1 of the thread holding it as TLS slab (0 none)
export const SL_LIST = 12; // partial list code + 1 (0 none)
export const SL_PREV = 13;
export const SL_NEXT = 14; // also the free-record list link
export const SL_STACK = 15; // Uint16 index of the block stack (CAP entries)
export const SL_ORPHANED = 16; // blocks lost in exited threads' magazines
export const SL_OWNER_SLOT = 17; // slot of the owner (valid while that slot's serial equals SL_OWNER)
export const SL_OFF0 = 18; // byte offset of block 0 within the slab (the SuperSlab header in slab 0)
export const SLAB_STRIDE = 20;

// ---- thread slot record (Int32 words) ----
export const T_TID = 0;
export const T_SERIAL = 1; // 0 = slot free
export const T_NEXT_FREE = 2;
export const T_MAGTOP = 4; // + class
export function thrTls(nc: number): number { return T_MAGTOP + nc; } // + class: TLS slab id or -1
export function thrCurSS(nc: number): number { return T_MAGTOP + 2 * nc; } // + class: TLS-mode current SS
export function thrPartial(nc: number): number { return T_MAGTOP + 3 * nc; } // + class: TLS partial list head
/** + class: the magazine's capacity once its chunk exists, else 0 (a push beyond it takes the slow path) */
export function thrMagLim(nc: number): number { return T_MAGTOP + 4 * nc; }
/** + class: word index of the magazine's chunk (allocated on first use, pooled per class), or -1 */
export function thrMagPtr(nc: number): number { return T_MAGTOP + 5 * nc; }
export function thrStride(nc: number): number { return (T_MAGTOP + 6 * nc + 1) & ~1; }

// ---- hot-path copies ----
/** The word offsets and strides the malloc/free fast paths use, as compile-time constants (tsc inlines
 *  const enum members, so V8 sees literals: smaller bytecode under the inlining limit, no module-slot
 *  loads). Each member equals the export of the same name above (checked by layout.test.ts). */
export const enum HOT {
  SS_STATE = 0, SS_CLASS = 1, SS_OWNER = 2, SS_OWNER_SLOT = 3, SS_ACTIVE = 4, SS_SLABS = 12, SS_LIVE = 1,
  SL_SS = 2, SL_CLASS = 4, SL_CAP = 5, SL_CARVED = 6, SL_FREE_TOP = 7, SL_REMOTE = 8, SL_USED = 9, SL_OWNER = 10, SL_TLS = 11,
  SL_LIST = 12, SL_STACK = 15, SL_OWNER_SLOT = 17, SLAB_STRIDE = 20,
  T_SERIAL = 1,
  CLASS_STATS_F64 = 192, CLASS_STRIDE = 7, CS_ALLOC = 1, CS_FREED = 2, CS_REMOTE = 6,
  S_REMOTE_FREES = 104, S_REMOTE_PENDING = 105, S_NEXT_TRIM_AT = 132,
  TS_STRIDE = 6, TS_ALLOCS = 2, TS_FREES = 3, TS_REMOTE_SENT = 4, TS_REMOTE_RECEIVED = 5,
  SS_BASE = 4294967296, LARGE_BASE = 281474976710656,
}

// ---- large mapping record (Int32 words; Float64 size and mapped bytes) ----
export const LG_STATE = 0; // 1 live, 0 free
export const LG_NEXT = 1;
export const LG_SIZE = 2; // Float64
export const LG_MAPPED = 4; // Float64
export const LG_OSADDR = 6; // Float64: address in the simulated address space
export const LARGE_STRIDE = 8;

// ---- VMA node (vma.ts; Int32 words, Float64 at even offsets) ----
export const V_START = 0; // Float64
export const V_END = 2; // Float64
export const V_GAP = 4; // Float64: start - end of the preceding VMA
export const V_MAXGAP = 6; // Float64: largest V_GAP in the subtree
export const V_LEFT = 8;
export const V_RIGHT = 9;
export const V_PRIO = 10;
export const V_FLAGS = 11;
export const V_KIND = 12;
export const V_NEXT = 13; // free-list link
export const VMA_STRIDE = 14;

// ---- thread stack record (stack.ts; Int32 words, Float64 address) ----
export const ST_ADDR = 0; // Float64: lowest address (the guard page)
export const ST_RES = 2; // resident bytes (top pages, TLS)
export const ST_STATE = 3; // STK_*
export const ST_PREV = 4; // cache list links; ST_NEXT is also the free-record link
export const ST_NEXT = 5;
export const ST_TID = 6;
export const STACK_STRIDE = 8;
export const STK_FREE = 0;
export const STK_RUNNING = 1;
export const STK_DETACHED = 2; // running, released at its exit
export const STK_ZOMBIE = 3; // exited, not joined: mapped until joined
export const STK_CACHED = 4; // released into the stack cache (glibc keeps it mapped for reuse)
export const STK_LEAKED = 5; // a zombie whose thread id started again: it can never be joined

// ---- simulated address space ----
export const SS_BASE = 2 ** 32;
export const LARGE_BASE = 2 ** 48;
/** One large-block handle per span (its record index is the span index): the handle is an id, not an
 *  extent, so a block may be larger than the span; handles are aligned to the span (memalign up to 16 MiB). */
export const LARGE_SPAN = 2 ** 24;
export const LARGE_MAX_RECORDS = 2 ** 28;

/** OOM reasons, stored in S.oomReason as their index + 1 (OOM_REASON_MAP_COUNT, OOM_REASON_ADDRESS_SPACE). */
export const OOM_REASONS = ['max_map_count', 'address_space'] as const;
export const OOM_REASON_MAP_COUNT = 1;
export const OOM_REASON_ADDRESS_SPACE = 2;
/** A slab's SL_LIST word: SL_LIST_NONE when it is on no partial list, else its list's code (slabRecord.ts:
 *  1 + class for the global lists, 1 + classes + slot × classes + class for a thread's TLS-mode lists). */
export const SL_LIST_NONE = 0;
