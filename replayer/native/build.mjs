#!/usr/bin/env node
// Builds slabtrace-replay (the native replayer: replays a trace through the process's malloc on real
// threads) into ./build with the system C compiler ($CC, else cc, gcc, clang). Standalone (no
// dependencies, no TypeScript) so that it runs as an npm postinstall before `tsc`, beside
// recorder/native/build.mjs. Never fails the install: with no compiler it writes build/status.json
// {ok:false, reason} and exits 0 (exit 1 only with --strict). Prints one JSON line: {ok, cc, outputs | reason}.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
const strict = process.argv.includes('--strict');

const SOURCES = ['main.c', 'threads.c', 'bk.c', 'stats.c', 'report.c', 'crash.c', 'probe.c'];
const TARGET = 'slabtrace-replay';

function findCompiler() {
  const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  for (const cc of candidates) {
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return cc;
  }
  return null;
}

function finish(status) {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'status.json'), JSON.stringify(status) + '\n');
  console.log(JSON.stringify(status));
  process.exit(!status.ok && strict ? 1 : 0);
}

if (process.platform !== 'linux') {
  finish({ ok: false, reason: `native replay needs Linux (this is ${process.platform})` });
}
const cc = findCompiler();
if (!cc) {
  finish({ ok: false, reason: 'no C compiler found (tried $CC, cc, gcc, clang); install gcc or clang and run `npm run build:native`' });
}
mkdirSync(out, { recursive: true });
const dest = join(out, TARGET);
const tmp = `${dest}.tmp${process.pid}`;
const args = ['-O2', '-g', '-std=gnu11', '-Wall', '-Wextra', '-pthread', '-o', tmp, ...SOURCES.map((s) => join(here, s)), '-ldl'];
const r = spawnSync(cc, args, { encoding: 'utf8' });
if (r.status !== 0) {
  finish({ ok: false, cc, reason: `${cc} failed building ${TARGET}: ${(r.stderr || r.error?.message || '').trim().slice(0, 2000)}` });
}
renameSync(tmp, dest);
finish({ ok: true, cc, outputs: { [TARGET]: dest } });
