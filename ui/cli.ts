// slabtrace's command line: builds the commander program from one module per command, runs it, and
// turns every failure into a coded exit (see errors.ts). Nothing else in the tool calls process.exit.

import { Command, CommanderError } from 'commander';
import { cliReportError, EXIT_USAGE } from './errors.js';
import { cliVersion } from './version.js';
import { commandsRegister } from './commands/index.js';

export function cliProgram(): Command {
  const program = new Command('slabtrace')
    .description('record allocation traces, replay them through a simulated SuperSlab allocator, watch it live')
    .version(cliVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
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
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return cliReportError(err);
  }
}
