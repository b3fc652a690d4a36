// The tool's version, read once from package.json (found by walking up from this file, so it works
// from the sources and from dist/).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function cliVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      cached = (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
      return cached;
    }
    dir = dirname(dir);
  }
  cached = '0.0.0';
  return cached;
}
