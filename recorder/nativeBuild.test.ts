// The native build: with no C compiler the build script still exits 0 and says what is missing, and
// nativeArtifacts() reports it; with one (this machine) the artifacts exist.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeArtifacts, nativeSourceDir } from './nativeBuild.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-nativebuild-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native build', () => {
  it('without a compiler: exit 0, status {ok:false} naming what to install', () => {
    const src = nativeSourceDir();
    const copy = join(dir, 'native');
    mkdirSync(join(copy, 'workloads'), { recursive: true });
    copyFileSync(join(src, 'build.mjs'), join(copy, 'build.mjs'));
    const r = spawnSync(process.execPath, [join(copy, 'build.mjs')], {
      encoding: 'utf8', env: { PATH: join(dir, 'empty-bin'), CC: '' },
    });
    expect(r.status).toBe(0);
    const status = JSON.parse(readFileSync(join(copy, 'build', 'status.json'), 'utf8')) as { ok: boolean; reason: string };
    expect(status.ok).toBe(false);
    expect(status.reason).toMatch(/no C compiler found.*install gcc or clang/);
    const strict = spawnSync(process.execPath, [join(copy, 'build.mjs'), '--strict'], { encoding: 'utf8', env: { PATH: join(dir, 'empty-bin') } });
    expect(strict.status).toBe(1);
  });

  it('with the system compiler: library and workloads are built', () => {
    const a = nativeArtifacts();
    if (!a.ok) return void console.warn(`native build unavailable here: ${a.reason}`);
    expect(a.lib).toMatch(/libslabtrace\.so$/);
    const nm = spawnSync('nm', ['-D', '--defined-only', a.lib], { encoding: 'utf8' });
    if (nm.status === 0) {
      for (const sym of ['malloc', 'free', 'calloc', 'realloc', 'reallocarray', 'memalign', 'posix_memalign', 'aligned_alloc', 'valloc', 'pvalloc', '_exit', 'slabtrace_mark',
        'pthread_create', 'pthread_join', 'pthread_tryjoin_np', 'pthread_timedjoin_np', 'pthread_detach', 'quick_exit',
        'sigaction', 'signal', 'bsd_signal', 'sysv_signal', '__sysv_signal', 'sigset',
        'execve', 'execv', 'execvp', 'execvpe', 'execl', 'execlp', 'execle', 'fexecve', 'execveat']) {
        expect(nm.stdout).toMatch(new RegExp(`\\sT ${sym}$`, 'm'));
      }
    }
  });
});
