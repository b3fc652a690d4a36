// The fused validating kernel (traces/kernel/fused.ts, AssemblyScript, built by `npm run build` into
// traces/kernel/build/fused.wasm): found beside the sources or from dist/traces, compiled once per
// thread, instantiated per reader over the reader's arena (its shared memory is the kernel's). A
// missing build is an internal error, as a missing schema is (schema.ts).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TraceArena, type TraceArenaRegion } from './arena.js';

/** A reader's kernel: the arena it works in and its entry (the state block's offset, arena.stateAt; returns the first event not applied). */
export interface FusedKernel {
  readonly arena: TraceArena;
  readonly apply: (state: number) => number;
}

let compiled: WebAssembly.Module | null = null;

function fusedWasmPath(): string {
  const candidates = ['./kernel/build/fused.wasm', '../../traces/kernel/build/fused.wasm'];
  for (const c of candidates) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`slabtrace: traces/kernel/build/fused.wasm not found near ${import.meta.url} (npm run build makes it)`);
}

/** A kernel over a new arena (or over the given region of a memory), or null when the engine refuses
 *  the arena's memory or the region is unusable (the reader then uses heap arrays and the general pass). */
export function fusedKernelCreate(region?: TraceArenaRegion): FusedKernel | null {
  const arena = region ? TraceArena.inRegion(region) : TraceArena.create();
  if (arena === null) return null;
  compiled ??= new WebAssembly.Module(readFileSync(fusedWasmPath()));
  const inst = new WebAssembly.Instance(compiled, { env: { memory: arena.memory } });
  return { arena, apply: inst.exports.fusedApply as (state: number) => number };
}
