// The native replayer's build: with no C compiler the build script still exits 0 and says what is
// missing (npm ci never fails for it); with one (this machine) the binary exists and probes glibc.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeReplayer, nativeReplayerDir } from './nativeBuild.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-replaybuild-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native replayer build', () => {
  it('without a compiler: exit 0, status {ok:false} naming what to install; --strict fails', () => {
    copyFileSync(join(nativeReplayerDir(), 'build.mjs'), join(dir, 'build.mjs'));
    const r = spawnSync(process.execPath, [join(dir, 'build.mjs')], { encoding: 'utf8', env: { PATH: join(dir, 'empty-bin'), CC: '' } });
    expect(r.status).toBe(0);
    const status = JSON.parse(readFileSync(join(dir, 'build', 'status.json'), 'utf8')) as { ok: boolean; reason: string };
    expect(status).toMatchObject({ ok: false });
    expect(status.reason).toMatch(/no C compiler found.*install gcc or clang/);
    const strict = spawnSync(process.execPath, [join(dir, 'build.mjs'), '--strict'], { encoding: 'utf8', env: { PATH: join(dir, 'empty-bin') } });
    expect(strict.status).toBe(1);
  });

  it('with the system compiler: slabtrace-replay exists and says glibc defines malloc', () => {
    const r = nativeReplayer();
    if (!r.ok) return void console.warn(`native replayer unavailable here: ${r.reason}`);
    const probe = spawnSync(r.binary, ['--probe'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(probe.status).toBe(0);
    expect(probe.stdout).toMatch(/^probe malloc=\S*libc\.so\S* family=glibc version=\d/);
  });
});
