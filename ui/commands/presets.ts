// `slabtrace presets [--json]`: every allocator preset with what it models, what it reproduces, and
// all its parameters (each can be changed with `replay --set name=value`).

import type { Command } from 'commander';
import { presetsJson } from '../../allocator/index.js';
import { presetsTableText } from '../presetsTable.js';

export function presetsRegister(program: Command): void {
  program
    .command('presets')
    .description('list the allocator presets and their parameters')
    .option('--json', 'print them as JSON')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(opts.json ? `${JSON.stringify(presetsJson(), null, 2)}\n` : `${presetsTableText()}\n`);
    });
}
