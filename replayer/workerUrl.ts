// Where a worker script of this folder is: beside this module in dist/, or in dist/replayer/ when the
// code runs from the TypeScript sources (tests); workers always run compiled JavaScript, bundled into
// one file (replayer/bundle.mjs, `npm run build`) when the bundle exists, else the script tsc wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function replayerWorkerUrl(name: string): URL {
  const here = import.meta.url;
  const dir = here.endsWith('.ts') ? new URL('../dist/replayer/', here) : new URL('./', here);
  const bundle = new URL(`${name}.bundle.js`, dir);
  return existsSync(fileURLToPath(bundle)) ? bundle : new URL(`${name}.js`, dir);
}
