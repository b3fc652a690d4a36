// Forwarding the recorder's SIGINT / SIGTERM / SIGHUP to the traced program, only when the signal
// did not reach the program already.
// The program runs in the recorder's process group, so a signal sent to the group (Ctrl-C from the
// terminal, `kill -INT -PGID`, timeout(1)) reaches both; forwarding it again would deliver it twice
// (a Python program catching KeyboardInterrupt would get a second one during its cleanup). Only a
// signal sent to the recorder alone (`kill <recorder pid>`) must be forwarded. libslabtrace counts,
// in the shared page, every delivery to the program that neither the recorder nor the program sent,
// with its CLOCK_MONOTONIC time (preload.c, sig_received; process.hrtime reads the same clock). On a
// signal, the forwarder waits up to `graceMs` for such a delivery; if one comes (recent, and not
// already matched to an earlier signal), the group got it and nothing is sent; else it is forwarded.
// Invariants:
//  - the recorder listens before the program is spawned (attach() names it once it exists): a signal
//    in between must not kill the recorder and orphan the program; it is handled once attached;
//  - each outside delivery excuses at most one of the recorder's signals (matched one to one), and
//    only if it happened at most `skewMs` before the recorder saw its own;
//  - nothing is sent after the child exited or after close().
// Limits: a program that has the signal blocked, or that cannot be interposed (static), reports
// nothing, so the signal is forwarded: for a blocked one that is harmless (a standard signal already
// pending is not queued twice); a static program may see a group signal twice.
import { closeSync, openSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Byte offsets in the shared page (preload.c's shm_t): u64 time [64], u32 count [64]. */
export const SHM_SIG_NS = 64;
export const SHM_SIG_COUNT = 576;
const SHM_SIGS = 64;
const SHM_END = SHM_SIG_COUNT + 4 * SHM_SIGS;

export const EXEC_FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface ExecSignalTarget {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(sig: NodeJS.Signals): boolean;
}

export interface ExecSignalTiming {
  /** How long to wait for the program to report the signal before forwarding it. */
  graceMs: number;
  pollMs: number;
  /** How much earlier than the recorder's own the program's delivery may be. */
  skewMs: number;
}

export const EXEC_SIGNAL_TIMING: ExecSignalTiming = { graceMs: 250, pollMs: 5, skewMs: 2000 };

export type ExecSignalOutcome = 'reached' | 'forwarded' | 'exited';

export class ExecSignalForwarder {
  private fd: number;
  private closed = false;
  private child: ExecSignalTarget | null = null;
  private attachWaiters: Array<() => void> = [];
  private matched = new Map<number, number>();
  private listeners: Array<[NodeJS.Signals, () => void]> = [];
  private buf = Buffer.alloc(SHM_END);

  constructor(shmPath: string, private timing: ExecSignalTiming = EXEC_SIGNAL_TIMING) {
    this.fd = openSync(shmPath, 'r');
  }

  /** The program, once spawned: signals received so far are handled now. */
  attach(child: ExecSignalTarget): void {
    this.child = child;
    this.wakeWaiters();
  }

  /** Handles these signals of the recorder's process until close(). */
  listen(signals: readonly NodeJS.Signals[] = EXEC_FORWARDED_SIGNALS): void {
    for (const s of signals) {
      const f = (): void => { void this.handle(s); };
      process.on(s, f);
      this.listeners.push([s, f]);
    }
  }

  close(): void {
    for (const [s, f] of this.listeners) process.off(s, f);
    this.listeners = [];
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    this.wakeWaiters();
  }

  /** One signal the recorder received: forwards it unless the program reports it. */
  async handle(sig: NodeJS.Signals): Promise<ExecSignalOutcome> {
    const num = constants.signals[sig];
    const t0 = process.hrtime.bigint();
    if (!this.child && !this.closed) await new Promise<void>((wake) => { this.attachWaiters.push(wake); });
    const deadline = process.hrtime.bigint() + BigInt(this.timing.graceMs) * 1_000_000n;
    for (;;) {
      if (this.gone()) return 'exited';
      if (this.reached(num, t0)) return 'reached';
      if (process.hrtime.bigint() >= deadline) break;
      await sleep(this.timing.pollMs);
    }
    if (this.gone()) return 'exited';
    this.child?.kill(sig);
    return 'forwarded';
  }

  private wakeWaiters(): void {
    for (const wake of this.attachWaiters) wake();
    this.attachWaiters = [];
  }

  private gone(): boolean {
    return this.closed || !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Whether an outside delivery of `num`, not matched yet, could be the recorder's signal at t0. */
  private reached(num: number, t0: bigint): boolean {
    if (num >= SHM_SIGS) return false;
    readSync(this.fd, this.buf, 0, SHM_END, 0);
    const count = this.buf.readUInt32LE(SHM_SIG_COUNT + 4 * num);
    const at = this.buf.readBigUInt64LE(SHM_SIG_NS + 8 * num);
    const matched = this.matched.get(num) ?? 0;
    if (count <= matched) return false;
    if (at + BigInt(this.timing.skewMs) * 1_000_000n < t0) {
      this.matched.set(num, count); // every delivery so far is older than this signal
      return false;
    }
    this.matched.set(num, matched + 1);
    return true;
  }
}
