// `record exec` is a commander subcommand of `record` (issue 15): its --help is commander's own page
// (usage with --, options, exit statuses, examples), its options are parsed by exec alone, everything
// after `--` goes to the program untouched, and `record <workload>` still reaches record's action.
// Parsed by the real program (cliProgram) with the actions replaced: nothing runs.
import type { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { cliProgram } from '../cli.js';

interface Parsed { help: string; exec: unknown[] | null; record: unknown[] | null; error: CommanderError | null }

/** Parses `argv` (user arguments) with record's and exec's actions replaced by recorders of their arguments. */
async function parse(argv: string[]): Promise<Parsed> {
  const program = cliProgram();
  const record = program.commands.find((c) => c.name() === 'record')!;
  const exec = record.commands.find((c) => c.name() === 'exec')!;
  const out: Parsed = { help: '', exec: null, record: null, error: null };
  for (const c of [program, record, exec] as Command[]) {
    c.configureOutput({ writeOut: (s) => { out.help += s; }, writeErr: (s) => { out.help += s; } });
  }
  exec.action((command: string[], opts: Record<string, unknown>) => { out.exec = [command, opts]; });
  record.action((workload: string, args: string[], opts: Record<string, unknown>) => { out.record = [workload, args, opts]; });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    out.error = err as CommanderError;
  }
  return out;
}

describe('record exec: a subcommand of record', () => {
  it('record exec --help is its own page (usage with --, defaults, examples) and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await parse(['record', 'exec', flag]);
      expect(r.error?.exitCode, flag).toBe(0);
      expect(r.exec).toBeNull();
      expect(r.help).toMatch(/^Usage: slabtrace record exec -o FILE\|DIR\/ \[options\] -- COMMAND \[ARGS\.\.\.\]\n/);
      expect(r.help).toMatch(/--stacks \[depth\] +record a call stack per allocation, up to DEPTH\s+frames \(default 16/);
      expect(r.help).toMatch(/Examples:\n {2}slabtrace record exec -o \S+ -- /);
      expect(r.help).not.toContain('random-mixed'); // not the generated workloads' page
    }
    const before = await parse(['record', 'exec', '-o', 't.pb', '--help', '--', 'ls']); // before --: ours
    expect(before.error?.exitCode).toBe(0);
    expect(before.help).toContain('Usage: slabtrace record exec');
  });

  it('after --, everything is the program\'s, options and --help included', async () => {
    const r = await parse(['record', 'exec', '-o', 'X', '--stacks=4', '--', 'prog', '--help', '-o', 'Y', '--version', '-h', '--']);
    expect(r.error).toBeNull();
    expect(r.help).toBe('');
    expect(r.exec![0]).toEqual(['prog', '--help', '-o', 'Y', '--version', '-h', '--']);
    expect(r.exec![1]).toMatchObject({ output: 'X', stacks: '4' });
    const plain = await parse(['record', 'exec', '--follow-forks', '-o', 'dir/', 'prog', 'arg']);
    expect(plain.exec).toEqual([['prog', 'arg'], { output: 'dir/', followForks: true }]);
  });

  it('exec\'s options are its own: -o is required, a workload option is unknown (exit 2 at the CLI edge)', async () => {
    const missing = await parse(['record', 'exec', '--', 'prog']);
    expect(missing.error?.code).toBe('commander.missingMandatoryOptionValue');
    expect(missing.help).toContain("required option '-o, --output <file|dir/>' not specified");
    const unknown = await parse(['record', 'exec', '--seed', '3', '-o', 'X', '--', 'prog']);
    expect(unknown.error?.code).toBe('commander.unknownOption');
    expect(unknown.exec).toBeNull();
  });

  it('record <workload> still reaches record, with its options before or after the workload', async () => {
    const r = await parse(['record', 'larson', '10', '8', '128', '1024', '1', '12345', '4', '--ops', '1K', '-o', 'l.pb']);
    expect(r.error).toBeNull();
    expect(r.record).toEqual(['larson', ['10', '8', '128', '1024', '1', '12345', '4'], { ops: 1000, output: 'l.pb' }]);
    const before = await parse(['record', '-o', 'b.pb', '--scales', '1K', 'battle']);
    expect(before.record).toEqual(['battle', [], { output: 'b.pb', scales: '1K' }]);
    expect(before.exec).toBeNull();
  });

  it('record --help lists the workloads and exec', async () => {
    const r = await parse(['record', '--help']);
    expect(r.error?.exitCode).toBe(0);
    expect(r.help).toContain('random-mixed <cycles> <working_set>');
    expect(r.help).toMatch(/Commands:\n {2}exec \[options\] \[command\.\.\.\]/);
    expect(r.help).toContain('see slabtrace record exec --help');
  });
});
