// One command-line surface (issue 15): the options replay and compare share are accepted by both, every
// command that reports takes --json, and every command's (and subcommand's) help has examples.
// Table-driven over the program itself (cliProgram), so a command added later is checked too.
import { describe, expect, it } from 'vitest';
import { cliProgram } from '../cli.js';

const program = cliProgram();
const byName = new Map(program.commands.map((c) => [c.name(), c]));
const longs = (name: string): string[] => byName.get(name)!.options.map((o) => o.long ?? '');

const SHARED_REPLAY = [
  '--set', '--check', '--stop-at', '--max-map-count', '--mem-limit', '--lenient', '--allow-truncated', '--continue-after-oom',
  '--json', '--timeline', '--timeline-every', '--plot', '--no-chart', '--threads', '--native', '--no-ui',
];
const REPORTING = ['record', 'replay', 'compare', 'info', 'convert', 'cut', 'import', 'presets', 'allocators', 'demo'];
/** Commands that show a progress line on a terminal (or print a line on success): --quiet silences them. */
const QUIET = ['record', 'convert', 'cut', 'import', 'shrink'];

describe('shared options', () => {
  it.each(['replay', 'compare'])('%s accepts every shared replay option', (name) => {
    for (const opt of SHARED_REPLAY) expect(longs(name), `${name} ${opt}`).toContain(opt);
  });

  it.each(REPORTING)('%s takes --json', (name) => {
    const cmd = byName.get(name) ?? byName.get('import')!.commands.find((c) => c.name() === 'mtrace')!;
    const opts = name === 'import' ? byName.get('import')!.commands[0]!.options.map((o) => o.long) : longs(name);
    expect(opts, name).toContain('--json');
    expect(cmd).toBeDefined();
  });

  it.each(QUIET)('%s takes --quiet', (name) => {
    const opts = name === 'import' ? byName.get('import')!.commands[0]!.options.map((o) => o.long) : longs(name);
    expect(opts, name).toContain('--quiet');
  });

  it('every command and subcommand (record exec, import mtrace) has examples in its help', () => {
    const all = program.commands.flatMap((c) => [c, ...c.commands]);
    expect(all.map((c) => c.name())).toEqual(expect.arrayContaining(['exec', 'mtrace']));
    for (const cmd of all) {
      let help = '';
      cmd.configureOutput({ writeOut: (s) => { help += s; } });
      cmd.outputHelp();
      expect(help, cmd.name()).toMatch(/Examples:\n {2}slabtrace|Examples:\n {2}MALLOC_TRACE/);
    }
  });
});
