// The exit codes of the command line, in one table, and the rules that turn a finished replay (or a
// comparison of several) into one. Commands compute these codes; ui/errors.ts maps errors onto them.
// Invariant: the numbers here are the ones CONTRIBUTING.md and the README document; record exec's
// own codes (125/126/127/143) live with the capture in recorder/.

import { replayIsNative, type AnyReplayResult } from '../replayer/index.js';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
const EXIT_OOM = 3;
/** A native replay's process died of a signal (its allocator, most likely). */
const EXIT_NATIVE_CRASH = 4;
/** demo: the run did not show the bug (e.g. too small an --ops budget to reach the VMA limit). */
export const EXIT_NOT_REPRODUCED = 5;
export const EXIT_INTERRUPTED = 130;

/** The exit code a finished replay deserves: a crash, then an OOM, then an interrupt, else 0. */
export function replayExitCode(r: AnyReplayResult): number {
  if (replayIsNative(r) && r.crash) return EXIT_NATIVE_CRASH;
  if (r.oom) return EXIT_OOM;
  if (r.partial) return EXIT_INTERRUPTED;
  return EXIT_OK;
}

/** The exit code of a comparison: interrupted when any column was stopped, else 3 when any ran out of memory. */
export function compareExitCode(results: readonly AnyReplayResult[]): number {
  if (results.some((r) => r.partial)) return EXIT_INTERRUPTED;
  return results.some((r) => r.oom) ? EXIT_OOM : EXIT_OK;
}
