// The reader's stack pass (traces with stacks only, so a trace without them pays nothing): per slice
// the stack ids of input events [from, limit) into the batch's stack column, with the first id
// that is not defined yet (BAD_STACK). The main pass then runs up to that event, so the first error
// in stream order is still the one reported. In lenient mode a bad stack id is not a bad event (the
// allocation itself is valid; skipping it would break every later event of its object): it is read
// as 0 (unknown) and counted (TraceReader.badStacks).
// Stack ids are not part of the digest (a trace and the same trace without its stacks have the same
// digest); they are checked against the stack table read so far. After a chunk's last event its stack
// column must have been used exactly (one id per alloc kind and realloc), like the other columns
// (CORRUPT_CHUNK).
import { traceError } from './errors.js';
import { TraceBatch } from './batch.js';
import { TraceInput } from './input.js';
import { TraceReadState, traceCheckColumns } from './readState.js';

/** Cheap check at a chunk's start: null or the CORRUPT_CHUNK detail of a stack column in a trace without stacks. */
export function traceStackColumnCheck(inp: TraceInput, hasStacks: boolean): string | null {
  return hasStacks || inp.nStackIds === 0 ? null : `stack column (${inp.nStackIds} values) in a trace without stacks`;
}

/** After a chunk's last event (with stacks): null, or the detail of a stack column whose length is not one per allocation. */
export function traceStackColumnUsed(inp: TraceInput, used: number): string | null {
  return used === inp.nStackIds ? null : `stack column has ${inp.nStackIds} values, the allocs+reallocs need ${used}`;
}

/** Bad stack ids read as 0 by the last lenient traceStackScan; the column position where it stopped. */
export let gStackBad = 0;
export let gStackPos = 0;

/**
 * The stack ids of input events [from, limit) into b.stack[0..limit-from) (0 for other ops), the
 * column read from position pos. Returns the input index of the first event whose id is over
 * `defined`, or limit; lenient: such ids become 0 (counted in gStackBad) and it returns limit.
 */
export function traceStackScan(inp: TraceInput, b: TraceBatch, pos: number, from: number, limit: number, defined: number, lenient: boolean): number {
  gStackBad = 0;
  b.ensureStacks(limit - from);
  const ops = inp.ops, col = inp.stackIds, out = b.stack, nCol = inp.nStackIds;
  let p = pos;
  for (let i = from; i < limit; i++) {
    const op = ops[i]!;
    let s = 0;
    if (op === 0 || op === 2 || op === 3 || op === 4) {
      s = p < nCol ? col[p]! : 0;
      p++;
      if (s > defined) {
        if (!lenient) { gStackPos = p - 1; return i; }
        s = 0;
        gStackBad++;
      }
    }
    out[i - from] = s;
  }
  gStackPos = p;
  return limit;
}

/** Stack column values used by input events [from, to). */
export function traceStackCount(inp: TraceInput, from: number, to: number): number {
  const ops = inp.ops;
  let c = 0;
  for (let i = from; i < to; i++) {
    const op = ops[i]!;
    if (op === 0 || op === 2 || op === 3 || op === 4) c++;
  }
  return c;
}

/**
 * Cold (strict): the event at input index k names an undefined stack: the BAD_STACK error goes to
 * st.pending. A chunk whose columns disagree with its ops is reported as corrupt instead.
 */
export function traceBadStack(st: TraceReadState, inp: TraceInput, k: number, stack: number, defined: number): void {
  const cols = traceCheckColumns(inp);
  if (cols && cols.code !== 'UNKNOWN_OP') throw st.structural(cols.code, cols.event, cols.detail);
  const off = inp.lineOff ? inp.lineOff[k]! : st.frameOffset;
  st.pending = traceError('BAD_STACK', st.file, off, st.chunk, st.events + k,
    `stack id ${stack} is not defined (${defined} stacks so far)`, `0 or a stack id in 1..${defined}`);
}
