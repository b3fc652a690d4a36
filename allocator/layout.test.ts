// allocator/layout.test.ts — the hot-path const enum copies (HOT) equal the named layout exports.
import { describe, expect, it } from 'vitest';
import * as L from './layout.js';
import { HOT } from './layout.js';

describe('layout HOT constants', () => {
  it('equal the named exports', () => {
    expect([HOT.SS_STATE, HOT.SS_CLASS, HOT.SS_SLABS, HOT.SS_LIVE]).toEqual([L.SS_STATE, L.SS_CLASS, L.SS_SLABS, L.SS_LIVE]);
    expect([HOT.SL_CARVED, HOT.SL_OWNER, HOT.SLAB_STRIDE]).toEqual([L.SL_CARVED, L.SL_OWNER, L.SLAB_STRIDE]);
    expect([HOT.CLASS_STATS_F64, HOT.CLASS_STRIDE, HOT.CS_ALLOC, HOT.CS_FREED])
      .toEqual([L.CLASS_STATS_F64, L.CLASS_STRIDE, L.CS.blocksAllocated, L.CS.blocksFreed]);
    expect([HOT.SS_BASE, HOT.LARGE_BASE]).toEqual([L.SS_BASE, L.LARGE_BASE]);
  });
});
