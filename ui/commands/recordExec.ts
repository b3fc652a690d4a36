// `slabtrace record exec -o FILE|DIR/ [--follow-forks] [--exec-only-final] [--tmpdir DIR]
// [--stacks[=DEPTH]] -- COMMAND [ARGS...]`: runs a real program with the preload library and converts what it recorded into a
// trace (or one per process in DIR/). Prints what was captured (processes, threads, events, what was
// lost or dropped, foreign and null frees, run and conversion time) and, when the capture is
// incomplete, one line per cause. Owns the `exec` subcommand of `record` (its options, help page and
// exit codes):
// the program's status (a death by signal N exits 128 + N, as a shell reports it) only when the
// capture is complete; 125 when it is not; 126 / 127 when the command cannot run / is not found;
// 2 for bad usage.
import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  EXEC_EXIT_CANNOT_RUN, EXEC_EXIT_INCOMPLETE, EXEC_STACK_DEPTH_DEFAULT, EXEC_STACK_DEPTH_MAX, EXEC_EXIT_NOT_FOUND, execExitStatus, NativeCaptureError, recordExec,
  type RecordExecOutput, type RecordExecResult,
} from '../../recorder/index.js';
import { UsageError } from '../errors.js';
import { formatCount } from '../format.js';
import { cliVersion } from '../version.js';
import { optInteger } from './options.js';
import { recordWriterOptions } from './recordWriter.js';
import { traceDest } from './source.js';

export interface RecordExecCliOptions {
  output: string;
  followForks?: boolean;
  execOnlyFinal?: boolean;
  tmpdir?: string;
  gzip?: boolean;
  format?: string;
  chunkEvents?: number;
  quiet?: boolean;
  /** --stacks (true: the default depth) or --stacks=DEPTH. */
  stacks?: boolean | string;
}

/** What `record exec --help` says after its options (the examples follow, from examples.ts). */
const RECORD_EXEC_ABOUT = `
Captures a real program (allocations; thread start, exit, join, detach) with the
preload library. Everything after -- is the program and its arguments, passed
untouched: \`record exec -o t.pb -- ls --help\` runs \`ls --help\`.
--stacks records each allocation's call stack (frame pointers, up to DEPTH
frames, default ${EXEC_STACK_DEPTH_DEFAULT}, at most ${EXEC_STACK_DEPTH_MAX}), symbolised with addr2line at conversion:
\`slabtrace info TRACE --top-sites\` then lists the sites holding the most memory
at the peak and at the end.
-o DIR/ (ending in /, or an existing directory) writes one trace per process,
<pid>-<name>.pb, and index.json; with --follow-forks and -o FILE the children
are merged into one trace (each child's memory and threads released at its end).
With -o - the program's stdout goes to stderr.

Exit status: the program's (128+N if it died by signal N: SIGINT 130, SIGTERM 143)
  when the capture is complete; ${EXEC_EXIT_INCOMPLETE} capture incomplete (a line says why: trace
  truncated, events lost, statically linked or set-user-ID program, temporary
  directory full); ${EXEC_EXIT_CANNOT_RUN} command cannot run; ${EXEC_EXIT_NOT_FOUND} command not found; 2 bad usage.`;

/** `record exec`, a subcommand of `record`. With positional options (cli.ts), everything after `exec` is
 *  parsed here: exec's own options, then after `--` the program's arguments, never ours. */
export function recordExecRegister(record: Command): Command {
  return record
    .command('exec')
    .usage('-o FILE|DIR/ [options] -- COMMAND [ARGS...]')
    .description('run a real program with the capture library and write what it allocated and freed, and its threads, as a trace')
    .argument('[command...]', 'the program and its arguments, after --')
    .requiredOption('-o, --output <file|dir/>', 'trace file to write (.json → JSON form, .gz → gzip, - → stdout), or DIR/ for one trace per process')
    .option('--gzip', 'gzip the output (implied by a .gz name)')
    .option('--format <pb|json>', 'output form (default: from the file name)')
    .option('--chunk-events <n>', 'events per chunk (default 65536)', optInteger)
    .option('-q, --quiet', 'nothing printed when the capture is complete')
    .option('--follow-forks', 'also record child processes (one trace each with -o DIR/)')
    .option('--exec-only-final', "keep only each process's last exec'd image (skip wrapper scripts, env)")
    .addOption(new Option('--tmpdir <dir>', 'where the raw log goes (24 bytes an event; default $TMPDIR or /tmp)'))
    .addOption(new Option('--stacks [depth]', `record a call stack per allocation, up to DEPTH frames (default ${EXEC_STACK_DEPTH_DEFAULT}, 1..${EXEC_STACK_DEPTH_MAX}; --stacks=DEPTH)`))
    .addHelpText('after', RECORD_EXEC_ABOUT)
    .action(recordExecAction);
}

/** --stacks / --stacks=DEPTH → depth (0: off). */
export function recordExecStackDepth(v: boolean | string | undefined): number {
  if (v === undefined || v === false) return 0;
  if (v === true) return EXEC_STACK_DEPTH_DEFAULT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > EXEC_STACK_DEPTH_MAX) {
    throw new UsageError(`--stacks depth must be an integer in 1..${EXEC_STACK_DEPTH_MAX} (got '${v}')`);
  }
  return n;
}

/** -o DIR/ (a trailing slash, or an existing directory): one trace per process. */
function recordExecOutput(output: string): RecordExecOutput {
  if (output === '-') return traceDest(output);
  let isDir = output.endsWith('/');
  try {
    isDir ||= statSync(output).isDirectory();
  } catch {
    // a file to create
  }
  return isDir ? { dir: output } : output;
}

/** The options checked (a UsageError names a bad one); the trace writer's options. */
function recordExecCheck(command: string[], opts: RecordExecCliOptions): ReturnType<typeof recordWriterOptions> {
  if (command.length === 0) throw new UsageError('record exec needs a command: slabtrace record exec -o FILE -- COMMAND [ARGS...]');
  const writer = recordWriterOptions(opts);
  if (opts.tmpdir !== undefined) {
    let ok = false;
    try { ok = statSync(opts.tmpdir).isDirectory(); } catch { /* reported below */ }
    if (!ok) throw new UsageError(`--tmpdir ${opts.tmpdir}: no such directory`);
  }
  return writer;
}

export async function recordExecAction(command: string[], opts: RecordExecCliOptions, _cmd: Command): Promise<void> {
  const writer = recordExecCheck(command, opts);
  const stacks = recordExecStackDepth(opts.stacks);
  let r: RecordExecResult;
  try {
    r = await recordExec(command, recordExecOutput(opts.output), {
      followForks: opts.followForks,
      execOnlyFinal: opts.execOnlyFinal,
      tmpDir: opts.tmpdir,
      stacks,
      writer,
      version: cliVersion(),
    });
  } catch (err) {
    if (!(err instanceof NativeCaptureError) || (err.code !== 'COMMAND_NOT_FOUND' && err.code !== 'COMMAND_CANNOT_RUN')) throw err;
    const notFound = err.code === 'COMMAND_NOT_FOUND';
    process.stderr.write(`slabtrace: ${command[0]}: ${notFound ? 'command not found' : 'cannot run it (not executable)'}\n`);
    process.exitCode = notFound ? EXEC_EXIT_NOT_FOUND : EXEC_EXIT_CANNOT_RUN;
    return;
  }
  if (!opts.quiet) process.stderr.write(recordExecSummary(command, opts.output, r));
  for (const p of r.verdict.problems) process.stderr.write(`slabtrace: capture incomplete: ${p.message}\n`);
  process.exitCode = execExitStatus(r.verdict, r.exitCode, r.signal);
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : words}`;
}

/** What was captured, in a few lines. */
export function recordExecSummary(command: string[], output: string, r: RecordExecResult): string {
  const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
  const where = r.files.length > 1 || (r.files.length === 1 && output !== r.files[0].file && output !== '-')
    ? `${output} (${plural(r.files.length, 'trace')}, index.json)` : output;
  const lines = [
    `recorded ${command[0]} (${how}): ${plural(r.processes, 'process', 'processes')}, ` +
      `${plural(r.threads, 'thread')}, ${plural(r.events, 'event')} → ${where}`,
    `  lost ${formatCount(r.verdict.lostEvents)} · dropped at exit ${formatCount(r.verdict.droppedEvents)} · ` +
      `foreign frees ${formatCount(r.foreignFrees)} · null frees ${formatCount(r.nullFrees)} · ` +
      `run ${(r.runMs / 1000).toFixed(2)} s, conversion ${(r.convertMs / 1000).toFixed(2)} s`,
  ];
  if (r.execs > 0 || r.skippedImageEvents > 0) {
    lines.push(`  ${plural(r.execs, 'exec')} followed${r.skippedImageEvents ? `, ${formatCount(r.skippedImageEvents)} events of earlier images left out (--exec-only-final)` : ''}`);
  }
  const st = r.stackTables;
  if (st) {
    lines.push(`  stacks: ${plural(st.stacks, 'distinct stack')}, ${formatCount(st.addresses)} addresses, ${formatCount(st.symbolised)} named by addr2line`
      + (st.addr2line ? '' : ' (addr2line not found: install binutils for function names)')
      + (st.misses > 0 ? `, ${formatCount(st.misses)} allocations without a stack (table full)` : ''));
  }
  if (r.shm.unfollowed > 0) lines.push(`  note: ${plural(r.shm.unfollowed, 'child process', 'child processes')} not recorded (--follow-forks records them)`);
  return lines.join('\n') + '\n';
}
