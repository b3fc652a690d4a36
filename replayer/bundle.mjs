// Bundles the two worker scripts (dist/replayer/replayWorker.js, decodeWorker.js, compiled by tsc) into
// one file each beside them (*.bundle.js), run by `npm run build` after tsc. A worker starts as a new
// thread that loads its modules afresh: ~70 files took 70-125 ms to resolve and load, the bundle ~30 ms,
// and that is on every replay's start-up path. Packages stay external (protobufjs and stream-json are
// loaded on first use, through createRequire). The bundles sit in dist/replayer/, at the depth of the
// other dist folders, so the files found relative to import.meta.url (the kernels' .wasm files, the
// trace schema) resolve the same. workerUrl.ts prefers a bundle when there is one.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/replayer/', import.meta.url));
await build({
  entryPoints: ['replayWorker', 'decodeWorker'].map((n) => `${dist}${n}.js`),
  outdir: dist,
  entryNames: '[name].bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
