#!/usr/bin/env node
// Builds libslabtrace.so (the LD_PRELOAD recorder) and the native workloads into ./build with the
// system C compiler ($CC, else cc, gcc, clang). Standalone (no dependencies, no TypeScript) so that it
// can run as an npm postinstall before `tsc`. Never fails the install: with no compiler it writes
// build/status.json {ok:false, reason} and exits 0 (exit 1 only with --strict).
// Prints one JSON line: {ok, cc, outputs | reason}.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
const strict = process.argv.includes('--strict');

const TARGETS = [
  { name: 'libslabtrace.so', src: ['preload.c', 'thread_table.c', 'sigchain.c', 'logchan.c', 'ring.c', 'stacks.c'], flags: ['-shared', '-fPIC', '-fvisibility=hidden'], libs: ['-ldl', '-pthread'] },
  { name: 'larson', src: ['workloads/larson.c'], flags: [], libs: ['-ldl', '-pthread'] },
  { name: 'scaling', src: ['workloads/scaling.c'], flags: [], libs: ['-ldl'] },
  { name: 'battle', src: ['workloads/battle.c'], flags: [], libs: ['-ldl'] },
  { name: 'threads', src: ['workloads/threads.c'], flags: [], libs: ['-ldl', '-pthread'] },
];

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
  finish({ ok: false, reason: `native capture needs Linux (this is ${process.platform})` });
}
const cc = findCompiler();
if (!cc) {
  finish({ ok: false, reason: 'no C compiler found (tried $CC, cc, gcc, clang); install gcc or clang and run `node recorder/native/build.mjs`' });
}
mkdirSync(out, { recursive: true });
const outputs = {};
for (const t of TARGETS) {
  const dest = join(out, t.name);
  const tmp = `${dest}.tmp${process.pid}`;
  const args = ['-O2', '-g', '-std=gnu11', '-Wall', '-Wextra', ...t.flags, '-o', tmp, ...t.src.map((s) => join(here, s)), ...t.libs];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    finish({ ok: false, cc, reason: `${cc} failed building ${t.name}: ${(r.stderr || r.error?.message || '').trim().slice(0, 2000)}` });
  }
  renameSync(tmp, dest);
  outputs[t.name] = dest;
}
finish({ ok: true, cc, outputs });
