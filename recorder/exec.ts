// `record exec`: runs a command with libslabtrace preloaded, then converts its raw log into traces
// (format version 2): the program's allocations, and its threads' start, exit, join and detach; with
// --follow-forks its children's too, merged into one trace or one trace per process (`{dir}`).
// The raw log is a temporary file the library opens by path in every process image (SLABTRACE_LOG;
// recorder/native/logchan.c: a close-on-exec descriptor at a high number, never a fixed one) so the
// program never waits for the converter; the shared page (counters, write failures, signal
// deliveries) is a temporary file too, both in a per-run directory (execTmpDir.ts) removed
// afterwards; directories left by a recorder that was killed are removed at the next start. The
// program's stdio, exit code and signal are passed through to the caller, except that when the trace
// itself goes to our stdout the program's stdout goes to our stderr. While the command runs,
// SIGINT/SIGTERM/SIGHUP sent to us are forwarded to it unless they reached it already
// (execSignals.ts); it flushes its trace and dies by the signal, and we still convert. The result
// says whether the capture is complete and why not (execStatus.ts). With `stacks` (a depth), the
// library also records each allocation's call stack (SLABTRACE_STACKS; tables written beside the raw
// log), symbolised at conversion (nativeStacks.ts) into the trace's stack table.
// Invariant: this run's temporary directory is always removed.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { TraceWriterOptions } from '../traces/index.js';
import { ExecSignalForwarder } from './execSignals.js';
import { execShmCreate, execShmRead, type ExecShmState } from './execShm.js';
import { execVerdict, type ExecVerdict } from './execStatus.js';
import { execTmpCleanStale, execTmpCreate } from './execTmpDir.js';
import { nativeRequire } from './nativeBuild.js';
import { NativeCaptureError } from './nativeError.js';
import { nativeConvertLog, type NativeConvertSummary } from './nativeLog.js';
import { nativeProcScan } from './nativeProcs.js';
import { nativeReadStacks, type NativeStackTables } from './nativeStacks.js';

/** Default and largest --stacks depth (frames per stack; the library's ST_STACK_MAX_DEPTH). */
export const EXEC_STACK_DEPTH_DEFAULT = 16;
export const EXEC_STACK_DEPTH_MAX = 64;

export const NATIVE_RECORDER_NAME = 'slabtrace-native';

export interface RecordExecOptions {
  /** Also record forked and exec'd children (merged into one trace, or one trace per process). */
  followForks?: boolean;
  /** Write only each process's final image: the program a wrapper chain (a shell script, env) exec'd last. */
  execOnlyFinal?: boolean;
  /** stdio of the command (default 'inherit'); with 'pipe', stdout/stderr are returned. */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  writer?: TraceWriterOptions;
  /** Workload name for the header (default: the command's base name). */
  workload?: string;
  /** Recorder version for the header. */
  version?: string;
  /** Where the temporary raw log goes (default os.tmpdir()); stale run directories there are removed. */
  tmpDir?: string;
  /** Keep the raw log at this path instead of deleting it (for debugging and benchmarks). */
  keepRawLog?: string;
  /** Record a call stack of up to this many frames per allocation (1..EXEC_STACK_DEPTH_MAX; 0/absent: none). */
  stacks?: number;
  /** Called with the child's pid as soon as it is spawned, before recordExec returns its promise
   * (tests use it to send signals). */
  onSpawn?: (pid: number) => void;
}

/** Where the trace goes: a file, a stream (our stdout: the program's stdout then goes to stderr), or
 * a directory for one trace per process. */
export type RecordExecOutput = string | NodeJS.WritableStream | { dir: string };

export interface RecordExecResult extends NativeConvertSummary {
  /** The command's exit code (null when it died by a signal). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time of the command under capture, and of the conversion, in ms. */
  runMs: number;
  convertMs: number;
  /** What the shared page says after the run (write failures, children not followed, ring memory). */
  shm: ExecShmState;
  /** Complete, or the problems that make it not (and the exit status then, execExitStatus). */
  verdict: ExecVerdict;
  stdout?: string;
  stderr?: string;
  /** --stacks: what the stack tables held (null without --stacks). */
  stackTables: { stacks: number; addresses: number; symbolised: number; misses: number; addr2line: boolean } | null;
}

/** Runs `command` (argv) under capture and writes the trace(s) to `output`. */
export async function recordExec(command: string[], output: RecordExecOutput, opts: RecordExecOptions = {}): Promise<RecordExecResult> {
  if (command.length === 0) throw new NativeCaptureError('COMMAND_NOT_FOUND', 'no command given');
  const native = nativeRequire();
  const base = resolve(opts.tmpDir ?? tmpdir());
  execTmpCleanStale(base);
  const dir = execTmpCreate(base);
  try {
    const raw = resolve(opts.keepRawLog ?? join(dir, 'raw.log'));
    const shmPath = join(dir, 'shm');
    execShmCreate(shmPath);
    writeFileSync(raw, '');
    const t0 = performance.now();
    const depth = opts.stacks ? Math.max(1, Math.min(EXEC_STACK_DEPTH_MAX, Math.floor(opts.stacks))) : 0;
    const stacksOut = join(dir, 'stacks');
    const run = await execRun(command, native.lib, raw, shmPath, execStdoutIsOurs(output), opts, depth, stacksOut);
    const t1 = performance.now();
    const shm = execShmRead(shmPath);
    const rawBytes = statSync(raw).size;
    const table = await nativeProcScan(raw, shm.logBroken);
    let stacks: NativeStackTables | undefined;
    if (depth > 0) stacks = nativeReadStacks(stacksOut, table.processes.flatMap((p) => p.images.map((i) => i.proc)), depth);
    const summary = await nativeConvertLog(raw, output, execHeader(command, run, rawBytes, opts, depth), opts.writer, {
      followForks: opts.followForks, execOnlyFinal: opts.execOnlyFinal, brokenLog: shm.logBroken, table, stacks,
    });
    const stackTables = stacks ? {
      stacks: [...stacks.images.values()].reduce((n, t) => n + t.length - 1, 0), addresses: stacks.addresses,
      symbolised: stacks.symbolised, misses: stacks.misses, addr2line: stacks.addr2line,
    } : null;
    const verdict = execVerdict({
      command, summary, shm, exitCode: run.exitCode, signal: run.signal, tmpDir: base, rawBytes, env: opts.env, cwd: opts.cwd,
    });
    return { ...summary, ...run, shm, verdict, runMs: t1 - t0, convertMs: performance.now() - t1, stackTables };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function execHeader(command: string[], run: RunResult, rawBytes: number, opts: RecordExecOptions, stackDepth: number) {
  return {
    stackDepth,
    workload: opts.workload ?? basename(command[0]),
    recorder: `${NATIVE_RECORDER_NAME} ${opts.version ?? ''}`.trim(),
    args: command.slice(1),
    params: {
      command: command.join(' '),
      followForks: String(opts.followForks ?? false),
      execOnlyFinal: String(opts.execOnlyFinal ?? false),
      exitCode: String(run.exitCode),
      signal: String(run.signal),
      rawBytes: String(rawBytes),
    },
    pageSize: 4096,
    createdAtMs: Date.now(),
  };
}

/** Whether the trace is written to our own stdout (then the program's stdout must not be). */
function execStdoutIsOurs(output: RecordExecOutput): boolean {
  return typeof output === 'object' && !('dir' in output) && (output as { fd?: number }).fd === 1;
}

interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout?: string;
  stderr?: string;
}

function execStdio(mode: 'inherit' | 'pipe' | 'ignore', stdoutIsTrace: boolean): StdioOptions {
  if (mode !== 'inherit') return [mode === 'pipe' ? 'ignore' : mode, mode, mode];
  return ['inherit', stdoutIsTrace ? 2 : 'inherit', 'inherit'];
}

function execRun(
  command: string[], lib: string, raw: string, shm: string, stdoutIsTrace: boolean, opts: RecordExecOptions, stackDepth: number, stacksOut: string,
): Promise<RunResult> {
  const mode = opts.stdio ?? 'inherit';
  const stdio = execStdio(mode, stdoutIsTrace);
  const base = opts.env ?? process.env;
  const preload = base.LD_PRELOAD ? `${lib}:${base.LD_PRELOAD}` : lib;
  const env = {
    ...base, LD_PRELOAD: preload, SLABTRACE_LOG: raw, SLABTRACE_SHM: shm,
    SLABTRACE_FOLLOW: opts.followForks ? '1' : '0', SLABTRACE_RECORDER_PID: String(process.pid),
    ...(stackDepth > 0 ? { SLABTRACE_STACKS: String(stackDepth), SLABTRACE_STACKS_OUT: stacksOut } : {}),
  };
  // listening first: a signal that comes as the program starts must not kill us and orphan it
  const signals = new ExecSignalForwarder(shm);
  signals.listen();
  const cleanup = () => { signals.close(); };
  return new Promise<RunResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command[0], command.slice(1), { stdio, env, cwd: opts.cwd });
    } catch (e) {
      cleanup();
      throw e;
    }
    signals.attach(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (child.pid !== undefined) opts.onSpawn?.(child.pid); // known at once; undefined if it failed
    child.once('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(e.code === 'ENOENT' ? new NativeCaptureError('COMMAND_NOT_FOUND', `${command[0]}: command not found`)
        : e.code === 'EACCES' || e.code === 'ENOEXEC' || e.code === 'EISDIR'
          ? new NativeCaptureError('COMMAND_CANNOT_RUN', `cannot run ${command[0]}: ${e.code}`)
          : e);
    });
    child.once('close', (code, signal) => {
      cleanup();
      const r: RunResult = { exitCode: code, signal };
      if (mode === 'pipe') {
        r.stdout = Buffer.concat(out).toString('utf8');
        r.stderr = Buffer.concat(err).toString('utf8');
      }
      resolve(r);
    });
  });
}
