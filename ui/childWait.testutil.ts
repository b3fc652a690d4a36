// Test support for the command-line tests: waiting on what a child process prints instead of sleeping
// a guessed time. A long command started with SLABTRACE_PROGRESS=1 prints plain progress lines on
// stderr once its work is under way (its interrupt handler installed), so a test can wait for one and
// then signal it. Invariant: every wait has a deadline and fails with what the child printed so far.

import type { ChildProcess } from 'node:child_process';

/** Resolves with stderr so far once it matches `pattern`; rejects after `ms` or when the child exits first. */
export function childStderrUntil(child: ChildProcess, pattern: RegExp, ms = 50_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const done = (f: () => void): void => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      f();
    };
    const onData = (d: Buffer): void => {
      err += d.toString();
      if (pattern.test(err)) done(() => resolve(err));
    };
    const onExit = (code: number | null): void => done(() => reject(new Error(`exited (${code}) before stderr matched ${pattern}:\n${err}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern} on stderr:\n${err}`))), ms);
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
  });
}

/** The exit code of a child (-1 when a signal ended it). */
export function childExit(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
}

/** The environment for a child whose progress a test waits for: plain progress lines, no dashboard. */
export function childProgressEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CI: 'true', SLABTRACE_PROGRESS: '1' };
}
