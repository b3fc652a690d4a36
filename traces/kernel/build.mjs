// Compiles AssemblyScript kernels (the .ts paths given, relative to the package root) into a build/
// folder beside each (run by `npm run build`, before tsc): traces/kernel/fused.ts, allocator/kernel/run.ts,
// allocator/kernel/vma.ts.
// Flags: no runtime (the kernels allocate nothing), no assertions, the memory imported and shared (the
// reader's arena, traces/arena.ts; the allocator's memory, allocator/kernel.ts) and never exported.
import asc from 'assemblyscript/asc';
import { basename, dirname, join } from 'node:path';

for (const src of process.argv.slice(2)) {
  const out = join(dirname(src), 'build', basename(src, '.ts') + '.wasm');
  const { error, stderr } = await asc.main([
    src, '-o', out,
    '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--sharedMemory', '--enable', 'threads',
    '--initialMemory', '1', '--maximumMemory', '65536',
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`${src} did not compile: ${error.message}`);
    process.exit(1);
  }
}
