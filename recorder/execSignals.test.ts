// The signal forwarder on a synthetic shared page (no compiler, no real signals): a delivery the
// program reports (recent, unmatched) means the signal reached it and is not sent again; a missing
// or stale report means it is forwarded; one report excuses one signal; nothing is sent to a child
// that exited. The end-to-end process-group cases are in execCli.test.ts.
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecSignalForwarder, SHM_SIG_COUNT, SHM_SIG_NS, type ExecSignalTarget } from './execSignals.js';

const dir = mkdtempSync(join(tmpdir(), 'slabtrace-exec-signals-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAST = { graceMs: 40, pollMs: 2, skewMs: 2000 };
let n = 0;

function setup(timing = FAST) {
  const shm = join(dir, `shm${n++}`);
  writeFileSync(shm, Buffer.alloc(4096));
  const sent: NodeJS.Signals[] = [];
  const child: ExecSignalTarget & { exitCode: number | null } = {
    exitCode: null, signalCode: null, kill: (s) => { sent.push(s); return true; },
  };
  const fwd = new ExecSignalForwarder(shm, timing);
  fwd.attach(child);
  /** What libslabtrace writes when the program gets `sig` from outside, `agoMs` before now. */
  const report = (sig: NodeJS.Signals, count: number, agoMs = 0) => {
    const num = constants.signals[sig];
    const b = Buffer.alloc(12);
    b.writeBigUInt64LE(process.hrtime.bigint() - BigInt(agoMs) * 1_000_000n, 0);
    b.writeUInt32LE(count, 8);
    const fd = openSync(shm, 'r+');
    writeSync(fd, b, 0, 8, SHM_SIG_NS + 8 * num);
    writeSync(fd, b, 8, 4, SHM_SIG_COUNT + 4 * num);
    closeSync(fd);
  };
  return { fwd, sent, child, report };
}

describe('ExecSignalForwarder', () => {
  it('forwards a signal the program did not report (sent to the recorder alone)', async () => {
    const { fwd, sent } = setup();
    expect(await fwd.handle('SIGINT')).toBe('forwarded');
    expect(sent).toEqual(['SIGINT']);
    fwd.close();
  });

  it('does not forward one the program reports, before or during the grace period', async () => {
    const before = setup();
    before.report('SIGINT', 1);
    expect(await before.fwd.handle('SIGINT')).toBe('reached');
    expect(before.sent).toEqual([]);
    before.fwd.close();
    const during = setup({ ...FAST, graceMs: 20_000 });
    const pending = during.fwd.handle('SIGTERM');
    await sleep(10);
    during.report('SIGTERM', 1);
    expect(await pending).toBe('reached');
    expect(during.sent).toEqual([]);
    during.fwd.close();
  });

  it('one report excuses one signal; a report of another signal or an old one excuses none', async () => {
    const { fwd, sent, report } = setup();
    report('SIGINT', 1);
    expect(await fwd.handle('SIGINT')).toBe('reached');
    expect(await fwd.handle('SIGINT')).toBe('forwarded'); // the same delivery does not count twice
    expect(await fwd.handle('SIGTERM')).toBe('forwarded');
    report('SIGHUP', 3, 10_000); // deliveries long before: not this signal
    expect(await fwd.handle('SIGHUP')).toBe('forwarded');
    report('SIGHUP', 4);
    expect(await fwd.handle('SIGHUP')).toBe('reached');
    expect(sent).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP']);
    fwd.close();
  });

  it('a signal that comes before the program is spawned is handled once it is', async () => {
    const { fwd, sent, child } = setup();
    const early = new ExecSignalForwarder(join(dir, `shm${n - 1}`), FAST); // listening, nothing attached yet
    const pending = early.handle('SIGTERM');
    await sleep(3 * FAST.graceMs);
    expect(sent).toEqual([]);
    early.attach(child);
    expect(await pending).toBe('forwarded');
    expect(sent).toEqual(['SIGTERM']);
    early.close();
    fwd.close();
  });

  it('sends nothing once the child exited or the forwarder closed', async () => {
    const { fwd, sent, child } = setup();
    child.exitCode = 0;
    expect(await fwd.handle('SIGINT')).toBe('exited');
    const other = setup();
    const pending = other.fwd.handle('SIGINT');
    other.fwd.close();
    expect(await pending).toBe('exited');
    expect([...sent, ...other.sent]).toEqual([]);
    fwd.close();
  });
});
