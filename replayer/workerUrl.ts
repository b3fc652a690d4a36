// Where a worker script of this folder is: in dist/replayer/, found from this module in dist/replayer/,
// from the bundled executable in dist/ui/, or from the TypeScript sources (tests); workers always run
// compiled JavaScript, bundled into one file (ui/bundle.mjs, `npm run build`) when the bundle exists,
// else the script tsc wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function replayerWorkerUrl(name: string): URL {
  const here = import.meta.url;
  const dirs = here.endsWith('.ts') ? ['../dist/replayer/'] : ['./', '../replayer/'];
  for (const d of dirs) {
    for (const file of [`${name}.bundle.js`, `${name}.js`]) {
      const u = new URL(d + file, here);
      if (existsSync(fileURLToPath(u))) return u;
    }
  }
  throw new Error(`slabtrace: worker script ${name}.js not found near ${here} (npm run build makes it)`);
}
