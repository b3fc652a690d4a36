// Whether a `record exec` capture is complete, and if not, why: one problem per cause, each a code
// and one line a user can act on. The CLI passes the program's status through only when there is
// no problem, and exits EXEC_EXIT_INCOMPLETE otherwise (ui/commands/recordExec.ts).
// Problems: NOT_INTERPOSED (nothing recorded: statically linked, set-user-ID, or the library did not
// load), EXEC_NOT_INTERPOSED (the program exec'd an image that was not recorded), TRUNCATED (the
// program's trace has no end), CHILD_TRUNCATED (followed children that never wrote their end: killed,
// or still running when the program exited), LOST_EVENTS (events missing from the log), TMPDIR_FULL
// (the raw log did not fit; says how much it needed), LOG_FAILED (another write or reopen failure).
// Not problems (reported as counts): events dropped at a process's end (threads still allocating
// while it exited), children not followed.
// Invariant: the verdict depends only on the summary, the shared page and the run's status.
import { constants } from 'node:os';
import { execProbe, type ExecProbe } from './execProbe.js';
import type { ExecShmState } from './execShm.js';
import type { NativeConvertSummary } from './nativeLog.js';

/** Exit status of `record exec` when the capture is incomplete (as env(1)/nohup(1) use 125 for their own failure). */
export const EXEC_EXIT_INCOMPLETE = 125;
/** The command was found but could not be run; was not found (the shell's and env(1)'s codes). */
export const EXEC_EXIT_CANNOT_RUN = 126;
export const EXEC_EXIT_NOT_FOUND = 127;
/** Bytes of raw log per recorded event (one record). */
export const EXEC_RAW_BYTES_PER_EVENT = 24;

export type ExecProblemCode =
  | 'NOT_INTERPOSED' | 'EXEC_NOT_INTERPOSED' | 'TRUNCATED' | 'CHILD_TRUNCATED' | 'LOST_EVENTS' | 'TMPDIR_FULL' | 'LOG_FAILED';

export interface ExecProblem { code: ExecProblemCode; message: string }

export interface ExecVerdictInput {
  command: string[];
  summary: NativeConvertSummary;
  shm: ExecShmState;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Where the raw log was, and how many bytes it got. */
  tmpDir: string;
  rawBytes: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ExecVerdict {
  complete: boolean;
  problems: ExecProblem[];
  /** Events missing from the log (sequence gaps not explained by records dropped at an end). */
  lostEvents: number;
  /** Events dropped at a process's end, and records voided there. */
  droppedEvents: number;
  /** Raw log bytes the capture needed (written + not written). */
  rawBytesNeeded: number;
}

const NO_SPACE = new Set([constants.errno.ENOSPC, constants.errno.EDQUOT, constants.errno.EFBIG]);

function errnoName(e: number): string {
  for (const [name, v] of Object.entries(constants.errno)) if (v === e) return name;
  return `errno ${e}`;
}

export function execMiB(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** `what` (and the file it resolved to), and why the probe says it was not recorded. */
function execWhyNot(probe: ExecProbe, what: string): string {
  const where = probe.path && probe.path !== what ? ` (${probe.path})` : '';
  if (probe.kind === 'static') return `${what}${where}: statically linked: malloc cannot be interposed`;
  if (probe.kind === 'setuid') return `${what}${where}: set-user-ID or set-group-ID: the loader ignores LD_PRELOAD for it`;
  return `${what}${where}: not recorded, the capture library did not load (statically linked, set-user-ID, or LD_PRELOAD removed?)`;
}

function execInterposition(i: ExecVerdictInput): ExecProblem | null {
  if (i.shm.rootPid === 0) {
    return { code: 'NOT_INTERPOSED', message: `0 events: ${execWhyNot(execProbe(i.command[0], i.env, i.cwd), i.command[0])}` };
  }
  const root = i.summary.table?.root;
  const last = root?.images[root.images.length - 1];
  if (i.summary.complete || !last || !last.execName || i.signal) return null;
  // the program's last recorded image exec'd something and nobody wrote the end: that image ran unrecorded
  const probe = execProbe(last.execName, i.env, i.cwd);
  return { code: 'EXEC_NOT_INTERPOSED', message: `${last.name || i.command[0]} exec'd ${execWhyNot(probe, last.execName)}` };
}

function execLog(i: ExecVerdictInput, needed: number): ExecProblem | null {
  const { shm } = i;
  if (shm.logBroken && NO_SPACE.has(shm.logErrno)) {
    return {
      code: 'TMPDIR_FULL',
      message: `the temporary directory ${i.tmpDir} filled (${errnoName(shm.logErrno)}) after ${execMiB(i.rawBytes)} of raw log: ` +
        `this capture needed ${execMiB(needed)} there (${EXEC_RAW_BYTES_PER_EVENT} bytes an event); free space or use --tmpdir DIR`,
    };
  }
  if (shm.logBroken || shm.logErrno !== 0 || shm.lostBytes > 0) {
    return { code: 'LOG_FAILED', message: `the raw log could not be written (${errnoName(shm.logErrno)}): ${execMiB(shm.lostBytes)} of records lost` };
  }
  return null;
}

/** Followed children whose final image never wrote its end. */
function execChildrenCut(s: NativeConvertSummary): ExecProblem | null {
  const cut = (s.table?.processes ?? []).filter((p) => !p.root && p.images[p.images.length - 1].end === null);
  if (cut.length === 0) return null;
  const names = cut.slice(0, 5).map((p) => `${p.pid} ${p.images[p.images.length - 1].name}`).join(', ');
  return {
    code: 'CHILD_TRUNCATED',
    message: `${cut.length} child process${cut.length === 1 ? '' : 'es'} never wrote ${cut.length === 1 ? 'its' : 'their'} end ` +
      `(killed, or still running when the program exited): ${names}${cut.length > 5 ? ', …' : ''}`,
  };
}

export function execVerdict(i: ExecVerdictInput): ExecVerdict {
  const s = i.summary;
  const lostEvents = Math.max(0, s.lostSeqs - i.shm.voided);
  const needed = i.rawBytes + i.shm.lostBytes;
  const problems: ExecProblem[] = [];
  const interposition = execInterposition(i);
  if (interposition) problems.push(interposition);
  const log = execLog(i, needed);
  if (log) problems.push(log);
  if (!s.complete && !interposition) {
    const why = i.signal === 'SIGKILL' ? 'the program was killed by SIGKILL' : 'the program ended without its end record';
    problems.push({ code: 'TRUNCATED', message: `trace truncated: ${why}; it is readable up to its last complete chunk (--allow-truncated)` });
  }
  const cut = execChildrenCut(s);
  if (cut) problems.push(cut);
  if (lostEvents > 0 && !log) {
    const late = s.lateRecords > 0
      ? ` (${s.lateRecords} of them came later than the converter could wait: threads descheduled for long on an oversubscribed machine)` : '';
    problems.push({
      code: 'LOST_EVENTS',
      message: `${lostEvents} events lost: records missing from the log (a process killed mid-write, or an exec the library did not see)${late}`,
    });
  }
  return { complete: problems.length === 0, problems, lostEvents, droppedEvents: s.droppedEvents + i.shm.voided, rawBytesNeeded: needed };
}

/** The exit status `record exec` reports: the program's (128 + N for a death by signal N) when complete. */
export function execExitStatus(v: ExecVerdict, exitCode: number | null, signal: NodeJS.Signals | null): number {
  if (!v.complete) return EXEC_EXIT_INCOMPLETE;
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return exitCode ?? 0;
}
