// slabtrace's command line: builds the commander program from one module per command, runs it, and
// turns every failure into a coded exit (see errors.ts). Nothing else in the tool calls process.exit.

import { Command, CommanderError } from 'commander';
import { cliReportError } from './errors.js';
import { EXIT_USAGE } from './exitCodes.js';
import { cliVersion } from './version.js';
import { commandsRegister } from './commands/index.js';

export function cliProgram(): Command {
  const program = new Command('slabtrace')
    .description('record allocation traces, replay them through a simulated SuperSlab allocator, watch it live')
    .version(cliVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // a command's options are its own: `record exec -o T -- PROG ARGS` is parsed by exec, never by record
    // (whose -o would take it) nor by the program (inherited by every command added below)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'slabtrace: ')) });
  commandsRegister(program);
  return program;
}

/** Runs the CLI with `argv` (user arguments only); resolves with the exit code. */
export async function cliMain(argv: string[]): Promise<number> {
  const program = cliProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      if (argv.includes('--json')) cliJsonError({ code: 'USAGE', message: err.message.replace(/^error: /, '') });
      return EXIT_USAGE;
    }
    const code = cliReportError(err);
    if (code === EXIT_USAGE && argv.includes('--json')) cliJsonError(err as Error & Record<string, unknown>);
    return code;
  }
}

/** With --json, a user error is also one JSON object on stdout, so a script always gets JSON. */
function cliJsonError(err: { code?: unknown; message: string } & Record<string, unknown>): void {
  const fields: Record<string, unknown> = { code: typeof err.code === 'string' ? err.code : 'USAGE', message: err.message };
  for (const k of ['file', 'offset', 'chunk', 'event', 'expected', 'line']) if (err[k] !== undefined) fields[k] = err[k];
  process.stdout.write(`${JSON.stringify({ error: fields })}\n`);
}
