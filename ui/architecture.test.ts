// The source tree's import rules, read from the files (every non-test .ts/.tsx of the five folders):
// (a) the folder boundaries of CONTRIBUTING.md, (b) another folder is imported through its index.ts,
// (c) no import cycles. Imports are found by a regex over `import … from '…'` / `export … from '…'`
// statements (and bare `import '…'`) that start a line; only relative ones count, `.js` maps to `.ts` or
// `.tsx`. Dynamic import() is not read. Type-only imports count everywhere, in (c) too: tsc erases
// them, but the tree has no cycle even through types (allocator/run.ts and tidmap.ts declare the shape
// they need instead of importing allocator.ts / core.ts); to allow type-only cycles, drop the edges whose
// statement starts `import type` / `export type` in findCycles.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
/** Each folder and the other folders it may import (CONTRIBUTING.md, "Boundaries"). */
const ALLOWED: Record<string, readonly string[]> = {
  traces: [],
  allocator: [],
  recorder: ['traces'],
  replayer: ['traces', 'allocator'],
  ui: ['traces', 'allocator', 'recorder', 'replayer'],
};
const IMPORT = /^(?:import|export)\s+(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;

interface Edge { from: string; spec: string; to: string | null }

/** The non-test .ts/.tsx files under `dir` (paths relative to ROOT; native build output skipped). */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'build' || e.name === 'node_modules' ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** The file a relative import names (relative to ROOT), or null when there is none. */
function resolveImport(from: string, spec: string): string | null {
  const base = join(dirname(from), spec);
  const tries = spec.endsWith('.js') ? [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base] : [base];
  return tries.find((p) => existsSync(join(ROOT, p))) ?? null;
}

function readEdges(files: readonly string[]): Edge[] {
  return files.flatMap((from) =>
    [...readFileSync(join(ROOT, from), 'utf8').matchAll(IMPORT)]
      .filter((m) => m[1]!.startsWith('.'))
      .map((m) => ({ from, spec: m[1]!, to: resolveImport(from, m[1]!) })),
  );
}

const topFolder = (p: string): string => p.split(/[\\/]/)[0]!;
const show = (e: Edge): string => `${e.from}: import '${e.spec}'`;

/** Every cycle found by a depth-first walk (one per back edge), as the files around it. */
function findCycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.to) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    path.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...path.slice(path.indexOf(t)), t].join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of [...next.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}

describe('architecture', () => {
  const files = Object.keys(ALLOWED).flatMap(sourceFiles);
  const edges = readEdges(files);

  it('reads the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(files.length);
    expect(edges.filter((e) => e.to === null).map(show), 'imports that name no file').toEqual([]);
  });

  it('keeps the folder boundaries of CONTRIBUTING.md', () => {
    const bad = edges.filter((e) => {
      const a = topFolder(e.from);
      const b = e.to === null ? a : topFolder(e.to);
      return a !== b && !ALLOWED[a]!.includes(b);
    });
    expect(bad.map(show), 'imports across a folder boundary').toEqual([]);
  });

  it('uses another folder only through its index.ts', () => {
    const bad = edges.filter((e) => e.to !== null && topFolder(e.from) !== topFolder(e.to) && e.to !== join(topFolder(e.to), 'index.ts'));
    expect(bad.map(show), "imports of another folder's inside").toEqual([]);
  });

  it('has no import cycles (type-only imports included)', () => {
    expect(findCycles(edges), 'import cycles').toEqual([]);
  });
});
