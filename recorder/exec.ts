// `record exec`: runs a command with libslabtrace preloaded, then converts its raw log into a trace
// (format version 2): the program's allocations, and its threads' start, exit, join and detach.
// The raw log is a temporary file (O_APPEND, handed to the program as fd 3 via SLABTRACE_FD) so the
// program never waits for the converter; the shared page (counters, signal deliveries) is a
// temporary file too, both in a per-run directory (execTmpDir.ts) removed afterwards; directories
// left by a recorder that was killed are removed at the next start. The program's stdio, exit code
// and signal are passed through to the caller. While the command runs, SIGINT/SIGTERM/SIGHUP sent to
// us are forwarded to it unless they reached it already (execSignals.ts); it flushes its trace and
// dies by the signal, and we still convert. Invariant: this run's temporary directory is always
// removed.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { openSync, closeSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TraceWriterOptions } from '../traces/index.js';
import { ExecSignalForwarder } from './execSignals.js';
import { execTmpCleanStale, execTmpCreate } from './execTmpDir.js';
import { nativeRequire } from './nativeBuild.js';
import { NativeCaptureError } from './nativeError.js';
import { nativeConvertLog, type NativeConvertSummary } from './nativeLog.js';

export const NATIVE_RECORDER_NAME = 'slabtrace-native';

export interface RecordExecOptions {
  /** Also record forked and exec'd children (each process's threads become trace threads). */
  followForks?: boolean;
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
  /** Called with the child's pid as soon as it is spawned, before recordExec returns its promise
   * (tests use it to send signals). */
  onSpawn?: (pid: number) => void;
}

export interface RecordExecResult extends NativeConvertSummary {
  /** The command's exit code (null when it died by a signal). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time of the command under capture, and of the conversion, in ms. */
  runMs: number;
  convertMs: number;
  stdout?: string;
  stderr?: string;
}

/** Runs `command` (argv) under capture and writes the trace to `output`. */
export async function recordExec(
  command: string[], output: string | NodeJS.WritableStream, opts: RecordExecOptions = {},
): Promise<RecordExecResult> {
  if (command.length === 0) throw new NativeCaptureError('COMMAND_NOT_FOUND', 'no command given');
  const native = nativeRequire();
  const base = opts.tmpDir ?? tmpdir();
  execTmpCleanStale(base);
  const dir = execTmpCreate(base);
  try {
    const raw = opts.keepRawLog ?? join(dir, 'raw.log');
    const shm = join(dir, 'shm');
    writeFileSync(shm, Buffer.alloc(4096));
    writeFileSync(raw, '');
    const t0 = performance.now();
    const run = await execRun(command, native.lib, raw, shm, opts);
    const t1 = performance.now();
    const header = {
      workload: opts.workload ?? basename(command[0]),
      recorder: `${NATIVE_RECORDER_NAME} ${opts.version ?? ''}`.trim(),
      args: command.slice(1),
      params: {
        command: command.join(' '),
        followForks: String(opts.followForks ?? false),
        exitCode: String(run.exitCode),
        signal: String(run.signal),
        rawBytes: String(statSync(raw).size),
      },
      pageSize: 4096,
      createdAtMs: Date.now(),
    };
    const summary = await nativeConvertLog(raw, output, header, opts.writer, opts.followForks ?? false);
    return { ...summary, ...run, runMs: t1 - t0, convertMs: performance.now() - t1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout?: string;
  stderr?: string;
}

function execRun(command: string[], lib: string, raw: string, shm: string, opts: RecordExecOptions): Promise<RunResult> {
  const fd = openSync(raw, 'a');
  const mode = opts.stdio ?? 'inherit';
  const stdio: StdioOptions = [mode === 'pipe' ? 'ignore' : mode, mode, mode, fd];
  const base = opts.env ?? process.env;
  const preload = base.LD_PRELOAD ? `${lib}:${base.LD_PRELOAD}` : lib;
  const env = {
    ...base, LD_PRELOAD: preload, SLABTRACE_FD: '3', SLABTRACE_SHM: shm,
    SLABTRACE_FOLLOW: opts.followForks ? '1' : '0', SLABTRACE_RECORDER_PID: String(process.pid),
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
    } finally {
      closeSync(fd);
    }
    signals.attach(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (child.pid !== undefined) opts.onSpawn?.(child.pid); // known at once; undefined if it failed
    child.once('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(e.code === 'ENOENT' || e.code === 'EACCES'
        ? new NativeCaptureError('COMMAND_NOT_FOUND', `cannot run ${command[0]}: ${e.code}`)
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
