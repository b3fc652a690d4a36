// The shared progress line (convert, import, record, replay): only on a terminal, never with --quiet,
// nothing when the work ends within the first interval, cleared on stop. Fake timers: no sleeps.
import { mkdtempSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { byteProgressOfOutput, byteProgressOfStream, byteProgressStart, byteProgressText, progressLineStart } from './progressLine.js';

function fakeStderr(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('progressLineStart', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('rewrites one line in place four times a second on a terminal, and clears it on stop', () => {
    const err = fakeStderr(true);
    let n = 0;
    const p = progressLineStart(() => `step ${++n}`, { stderr: err });
    vi.advanceTimersByTime(1000);
    expect(err.text).toBe('\r\x1b[Kstep 1\r\x1b[Kstep 2\r\x1b[Kstep 3\r\x1b[Kstep 4');
    p.stop();
    expect(err.text.endsWith('\r\x1b[K')).toBe(true);
    vi.advanceTimersByTime(1000);
    p.stop();
    expect(n).toBe(4);
  });

  it('writes nothing when stderr is not a terminal, with --quiet, or when the work ends first', () => {
    for (const [tty, quiet, ms] of [[false, false, 1000], [true, true, 1000], [true, false, 100]] as const) {
      const err = fakeStderr(tty);
      const p = progressLineStart(() => 'x', { stderr: err, quiet });
      vi.advanceTimersByTime(ms);
      p.stop();
      expect(err.text, `tty=${tty} quiet=${quiet}`).toBe('');
    }
  });

  it('writes plain lines, one a second, when asked (SLABTRACE_PROGRESS=1) and stderr is not a terminal', () => {
    const err = fakeStderr(false);
    let n = 0;
    const p = progressLineStart(() => `step ${++n}`, { stderr: err, lines: true });
    vi.advanceTimersByTime(2000);
    p.stop();
    expect(err.text).toBe('step 1\nstep 2\n');
    const quiet = fakeStderr(false);
    progressLineStart(() => 'x', { stderr: quiet, lines: true, quiet: true });
    vi.advanceTimersByTime(2000);
    expect(quiet.text).toBe('');
  });

  it('skips a tick whose render returns null', () => {
    const err = fakeStderr(true);
    const p = byteProgressStart('record larson', 'written', () => null, { stderr: err });
    vi.advanceTimersByTime(1000);
    p.stop();
    expect(err.text).toBe('');
  });
});

describe('byte progress', () => {
  it('says how much of how much, the percentage, the rate and the time', () => {
    expect(byteProgressText('convert a.pb', 'read', { done: 3 << 20, total: 12 << 20 }, 1 << 20, 3))
      .toBe('convert a.pb: 3.00 MiB of 12.0 MiB read (25%)  1.00 MiB/s  3.00 s');
    expect(byteProgressText('record larson', 'written', { done: 2048, total: 0 }, 1024, 2)).toBe('record larson: 2.00 KiB written  1.00 KiB/s  2.00 s');
  });

  it('measures a file read through a stream against its size, and a file being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slabtrace-progress-'));
    try {
      const file = join(dir, 'in.log');
      writeFileSync(file, Buffer.alloc(100_000, 65));
      const stream = createReadStream(file);
      const sample = byteProgressOfStream(stream, file);
      expect(sample()).toEqual({ done: 0, total: 100_000 });
      for await (const _ of stream) { /* read it all */ }
      expect(sample()).toEqual({ done: 100_000, total: 100_000 });
      expect(byteProgressOfOutput(file)()).toEqual({ done: 100_000, total: 0 });
      expect(byteProgressOfOutput(join(dir, 'not-yet'))()).toEqual({ done: 0, total: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
