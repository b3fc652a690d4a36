// Compiles the AssemblyScript kernels of this folder into build/*.wasm (run by `npm run build`, before
// tsc). Flags: no runtime (the kernels allocate nothing), no assertions, the memory imported and
// shared (the reader's arena, traces/arena.ts) and never exported.
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
for (const name of ['fused']) {
  const { error, stderr } = await asc.main([
    `${here}${name}.ts`, '-o', `${here}build/${name}.wasm`,
    '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--sharedMemory', '--enable', 'threads',
    '--initialMemory', '1', '--maximumMemory', '65536',
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`traces/kernel: ${name}.ts did not compile: ${error.message}`);
    process.exit(1);
  }
}
