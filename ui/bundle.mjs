// Bundles the programs that start afresh on every run, after tsc (`npm run build`): the executable
// (dist/ui/bin.js, rewritten in place) and the two worker scripts (dist/replayer/replayWorker.js,
// decodeWorker.js → *.bundle.js beside them). A process or worker thread loads its modules anew each
// time, and resolving and loading ~70 (a worker) or ~150 (the CLI) files took 70-125 and ~200 ms, on
// every replay's start-up path; one file loads in a fraction of that. Packages stay external
// (commander, ink and React load from node_modules; protobufjs and stream-json on first use). The
// executable is split at its dynamic imports (the dashboard: its static imports of ink and React
// would otherwise be hoisted into the entry and loaded on every run), into dist/ui/bundle-*.js. The
// bundles sit at the depth of the other dist folders, so the files found relative to import.meta.url
// (the kernels' .wasm files, the trace schema, the native sources) resolve the same; workerUrl.ts
// finds the worker bundles from either folder and prefers them to the plain scripts.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url));
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'linked', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: ['replayWorker', 'decodeWorker'].map((n) => dist(`replayer/${n}.js`)),
  outdir: dist('replayer'),
  entryNames: '[name].bundle',
});
for (const f of readdirSync(dist('ui'))) if (f.startsWith('bundle-')) rmSync(dist(`ui/${f}`)); // the last build's chunks
await build({
  ...common,
  entryPoints: [dist('ui/bin.js')],
  outdir: dist('ui'),
  splitting: true,
  chunkNames: 'bundle-[hash]',
  allowOverwrite: true,
});
