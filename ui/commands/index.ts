// Every command of the CLI, registered in the order --help lists them.

import type { Command } from 'commander';
import { convertRegister } from './convert.js';
import { dumpRegister } from './dump.js';
import { infoRegister } from './info.js';
import { recordRegister } from './record.js';

export function commandsRegister(program: Command): void {
  recordRegister(program);
  infoRegister(program);
  dumpRegister(program);
  convertRegister(program);
}
