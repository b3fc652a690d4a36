// allocator/layout.test.ts — the hot-path const enum copies (HOT) equal the named layout exports.
import { describe, expect, it } from 'vitest';
import * as L from './layout.js';
import { HOT } from './layout.js';

describe('layout HOT constants', () => {
  it('equal the named exports', () => {
    expect([HOT.SS_STATE, HOT.SS_CLASS, HOT.SS_SLABS, HOT.SS_LIVE]).toEqual([L.SS_STATE, L.SS_CLASS, L.SS_SLABS, L.SS_LIVE]);
    expect([HOT.SL_CARVED, HOT.SL_OWNER, HOT.SL_CLASS, HOT.SLAB_STRIDE]).toEqual([L.SL_CARVED, L.SL_OWNER, L.SL_CLASS, L.SLAB_STRIDE]);
    expect([HOT.CLASS_STATS_F64, HOT.CLASS_STRIDE, HOT.CS_ALLOC, HOT.CS_FREED])
      .toEqual([L.CLASS_STATS_F64, L.CLASS_STRIDE, L.CS.blocksAllocated, L.CS.blocksFreed]);
    expect([HOT.SS_BASE, HOT.LARGE_BASE]).toEqual([L.SS_BASE, L.LARGE_BASE]);
    expect([HOT.SS_ACTIVE, HOT.SL_SS, HOT.SL_CAP, HOT.SL_FREE_TOP, HOT.SL_REMOTE, HOT.SL_USED, HOT.SL_TLS, HOT.SL_LIST, HOT.SL_STACK, HOT.SL_OWNER_SLOT, HOT.T_SERIAL])
      .toEqual([L.SS_ACTIVE, L.SL_SS, L.SL_CAP, L.SL_FREE_TOP, L.SL_REMOTE, L.SL_USED, L.SL_TLS, L.SL_LIST, L.SL_STACK, L.SL_OWNER_SLOT, L.T_SERIAL]);
    expect([HOT.CS_REMOTE, HOT.S_REMOTE_FREES, HOT.S_REMOTE_PENDING, HOT.S_NEXT_TRIM_AT])
      .toEqual([L.CS.remoteFrees, L.S.remoteFrees, L.S.remoteFreesPending, L.S.nextTrimAt]);
    expect([HOT.SS_OWNER, HOT.SS_OWNER_SLOT]).toEqual([L.SS_OWNER, L.SS_OWNER_SLOT]);
    expect([HOT.TS_STRIDE, HOT.TS_ALLOCS, HOT.TS_FREES, HOT.TS_REMOTE_SENT, HOT.TS_REMOTE_RECEIVED])
      .toEqual([L.TS_STRIDE, L.TS.allocs, L.TS.frees, L.TS.remoteFreesSent, L.TS.remoteFreesReceived]);
  });
});
