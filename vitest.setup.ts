// Vitest's global setup: tests that start workers or run the CLI use the compiled JavaScript in dist/
// (replayer/workerUrl.ts, ui/*.test.ts), so a build older than the sources would be tested silently.
// When any source file is newer than the build, this rebuilds it first (npm test builds anyway).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = import.meta.dirname;
const FOLDERS = ['traces', 'recorder', 'replayer', 'allocator', 'ui', 'bench'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'build' && e.name !== 'node_modules') newest = Math.max(newest, newestSource(p)); }
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const stamp = join(ROOT, 'dist', 'ui', 'bin.js');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const sources = Math.max(...FOLDERS.map((f) => newestSource(join(ROOT, f))));
  if (sources <= built) return;
  process.stderr.write('vitest setup: dist/ is older than the sources: building (tsc -p tsconfig.build.json)…\n');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  // tsc emits even with type errors (reported above); the type check proper is npm run typecheck
  if (r.status !== 0) process.stderr.write('vitest setup: the build reported errors (above); testing what it emitted\n');
}
